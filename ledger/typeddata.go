package ledger

import "sort"

// The EIP-712 structs the protocol signs that are not transaction kinds:
// messages signed by makers, account holders, cards, issuers, owners and
// attesters. Each type hash the ledger computes (offerType, cardConsentType,
// attestationTypeHash…) is keccak256 of the encodeType of these fields (a
// test holds them together), so what a wallet is served is what the ledger
// verifies.
var signedStructs = map[string][]TypedField{
	"Offer":              OfferFields,
	"SpendAuthorization": SpendAuthFields,
	"CardConsent":        {{"card", "address"}, {"issuer", "address"}, {"owner", "address"}},
	"CardCertificate":    {{"card", "address"}, {"owner", "address"}},
	"CardCredit": {{"card", "address"}, {"asset", "bytes32"}, {"total", "uint256"}, {"seq", "uint64"}, {"base", "uint64"},
		{"confirmed", "bytes32"}},
	"CardLimits": {{"card", "address"}, {"asset", "bytes32"}, {"offlineCap", "uint256"}, {"offlineMax", "uint8"},
		{"noPinLimit", "uint256"}, {"seq", "uint64"}},
	"ConversionRequest": {{"card", "address"}, {"fiat", "bytes32"}, {"fiatAmount", "uint256"}, {"payee", "address"},
		{"challenge", "bytes32"}, {"nonce", "bytes32"}, {"sealed", "bytes32"}},
	"ConversionApproval": {{"card", "address"}, {"nonce", "bytes32"}, {"asset", "bytes32"}, {"amount", "uint256"},
		{"collector", "address"}},
	"Attestation": {{"seq", "uint64"}, {"dataHash", "bytes32"}, {"stateRoot", "bytes32"}, {"receiptsRoot", "bytes32"}},
	"Venue":       VenueFields,
	"VenueStore":  VenueStoreFields,
	"VenuePlace":  VenuePlaceFields,
}

// AttestationType is the one signed struct whose domain is not the
// Anchor's: attesters sign it under the Vault's (verifyingContract = the
// Vault).
const AttestationType = "Attestation"

// SignedTypes lists every EIP-712 primary type the protocol signs: the
// transaction kinds in kind order, then the other signed structs by name.
func SignedTypes() []string {
	var out []string
	for _, s := range kinds {
		if s != nil {
			out = append(out, s.name)
		}
	}
	var rest []string
	for name := range signedStructs {
		if _, isKind := KindByName(name); !isKind {
			rest = append(rest, name)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

// TypesFor returns exactly the struct types a wallet needs to sign a
// primary type: the primary and every struct it references, directly or
// not, and nothing else — no EIP712Domain, which signers derive from the
// domain (ethers refuses it among the types; eth_signTypedData_v4 wants it
// added). The result is what ethers' signTypedData(domain, types, message)
// takes as is. ok is false for a name the protocol does not sign.
func TypesFor(primary string) (types map[string][]TypedField, ok bool) {
	all := signedStructTypes()
	if _, ok := all[primary]; !ok {
		return nil, false
	}
	types = map[string][]TypedField{}
	var add func(name string)
	add = func(name string) {
		fields, known := all[name]
		if !known {
			return // a base type
		}
		if _, seen := types[name]; seen {
			return
		}
		types[name] = fields
		for _, f := range fields {
			add(baseType(f.Type))
		}
	}
	add(primary)
	return types, true
}

// signedStructTypes is every struct type of the protocol by name: the
// kinds, the structs they nest, and the other signed structs.
func signedStructTypes() map[string][]TypedField {
	all := map[string][]TypedField{}
	for _, s := range kinds {
		if s != nil {
			all[s.name] = s.fields
			for n, f := range s.nested {
				all[n] = f
			}
		}
	}
	for n, f := range signedStructs {
		all[n] = f
	}
	return all
}

// baseType strips array suffixes: "Offer[]" → "Offer".
func baseType(t string) string {
	for len(t) > 2 && t[len(t)-1] == ']' {
		i := len(t) - 1
		for i > 0 && t[i] != '[' {
			i--
		}
		t = t[:i]
	}
	return t
}
