package ledger

import (
	"slices"
	"testing"
)

// TestTypesForMatchesWhatIsHashed: for every primary type the protocol
// signs, the types TypesFor serves hash (EIP-712 encodeType, referenced
// structs sorted by name after the primary) to the type hash the ledger
// itself uses, and hold the primary and the structs it references only.
func TestTypesForMatchesWhatIsHashed(t *testing.T) {
	used := map[string]Hash{
		"Offer": offerType, "SpendAuthorization": spendAuthType, "CardConsent": cardConsentType,
		"CardCertificate": cardCertificateType, "CardCredit": cardCreditType, "CardLimits": cardLimitsType,
		"ConversionRequest": conversionRequestType, "ConversionApproval": conversionApprovalType,
		"Attestation": attestationTypeHash, "Venue": venueType, "VenueStore": venueStoreType, "VenuePlace": venuePlaceType,
	}
	for _, s := range kinds {
		if s != nil {
			used[s.name] = s.typeHash
		}
	}
	names := SignedTypes()
	if len(names) != len(used) {
		t.Fatalf("SignedTypes has %d names, the ledger hashes %d types", len(names), len(used))
	}
	for _, name := range names {
		types, ok := TypesFor(name)
		if !ok {
			t.Fatalf("TypesFor(%s) not ok", name)
		}
		if _, has := types["EIP712Domain"]; has {
			t.Errorf("%s: EIP712Domain among the types", name)
		}
		full := encodeType(name, types[name])
		var rest []string
		for n := range types {
			if n != name {
				rest = append(rest, n)
			}
		}
		slices.Sort(rest)
		for _, n := range rest {
			full += encodeType(n, types[n])
		}
		if Keccak256([]byte(full)) != used[name] {
			t.Errorf("%s: served %s, which is not the type the ledger hashes", name, full)
		}
	}
	if got, _ := TypesFor("Fill"); len(got) != 2 || got["Offer"] == nil {
		t.Errorf("Fill needs Fill and Offer, got %v", got)
	}
	if got, _ := TypesFor("Transfer"); len(got) != 1 {
		t.Errorf("Transfer needs itself only, got %v", got)
	}
	if _, ok := TypesFor("EIP712Domain"); ok {
		t.Error("EIP712Domain served as a primary type")
	}
	if _, ok := TypesFor("transfer"); ok {
		t.Error("type names are case-sensitive")
	}
	if card, _ := TypesFor("CardRecord"); Keccak256([]byte(encodeType("CardRecord", card["CardRecord"]))) != cardRecordType {
		t.Error("the CardRecord kind and the record a card signs differ")
	}
}
