package ledger

import "github.com/holiman/uint256"

// Card messages: the EIP-712 structs cards and issuers sign (see
// docs/card-protocol.md). A card builds each digest itself from the fields
// it checks and never signs a digest handed to it; Ethereum's ecrecover
// verifies every one of them.

// Card record modes.
const (
	CardModeOffline = 1
	CardModeOnline  = 2
	CardModeToCard  = 3
)

var (
	cardCertificateType = Keccak256([]byte("CardCertificate(address card,address owner)"))
	cardCreditType      = Keccak256([]byte("CardCredit(address card,bytes32 asset,uint256 total,uint64 seq,uint64 base,bytes32 confirmed)"))
	cardRecordType      = Keccak256([]byte("CardRecord(address card,bytes32 asset,uint256 amount,address payee,uint64 counter,bytes32 challenge,uint8 mode,bytes32 attached)"))
	cardConsentType     = Keccak256([]byte("CardConsent(address card,address issuer,address owner)"))
	cardLimitsType      = Keccak256([]byte("CardLimits(address card,bytes32 asset,uint256 offlineCap,uint8 offlineMax,uint256 noPinLimit,uint64 seq)"))
)

// CardCertificate is an issuer's certification of a card key for an owner.
type CardCertificate struct {
	Card, Owner Address
}

// StructHash is the EIP-712 hashStruct.
func (c *CardCertificate) StructHash() Hash {
	var w structWriter
	w.hash(cardCertificateType)
	w.address(c.Card)
	w.address(c.Owner)
	return w.sum()
}

// CardCredit is an update value: the issuer's signature that the card's
// settled credits of an asset total Total, as its update number Seq. It
// applies to a card whose purse is at update Base; Confirmed commits to the
// card-to-card records received by the card that Total includes and the
// total of update Base did not.
type CardCredit struct {
	Card      Address
	Asset     Hash
	Total     uint256.Int
	Seq       uint64
	Base      uint64
	Confirmed Hash
}

// StructHash is the EIP-712 hashStruct.
func (c *CardCredit) StructHash() Hash {
	var w structWriter
	w.hash(cardCreditType)
	w.address(c.Card)
	w.hash(c.Asset)
	w.uint256(&c.Total)
	w.uint64(c.Seq)
	w.uint64(c.Base)
	w.hash(c.Confirmed)
	return w.sum()
}

// ConfirmedHash commits to a set of record ids: keccak256 of the ids in
// ascending order, or zero for none. ids must be sorted.
func ConfirmedHash(sortedIDs []Hash) Hash { return idsHash(sortedIDs) }

// AttachmentsHash is what a card record's Attached field commits to: the
// ids of the card-to-card records it carries, in the order they are
// attached (keccak256 of the concatenated ids), or zero for none.
func AttachmentsHash(ids []Hash) Hash { return idsHash(ids) }

func idsHash(ids []Hash) Hash {
	if len(ids) == 0 {
		return Hash{}
	}
	b := make([]byte, 0, 32*len(ids))
	for _, id := range ids {
		b = append(b, id[:]...)
	}
	return Keccak256(b)
}

// CardConsent is a card's consent to its registration: signed by the card
// key, on the card, naming the issuer that registers it and its owner. A
// CardRegister carries it, so nobody can turn an account into a card
// without that key, nor register a card under another issuer or owner.
type CardConsent struct {
	Card, Issuer, Owner Address
}

// StructHash is the EIP-712 hashStruct.
func (c *CardConsent) StructHash() Hash {
	var w structWriter
	w.hash(cardConsentType)
	w.address(c.Card)
	w.address(c.Issuer)
	w.address(c.Owner)
	return w.sum()
}

// CardRecord is what a card signs when it pays: a debit of its account.
// AttachedHash (EIP-712 field "attached") commits to the card-to-card
// records the card attached to it (AttachmentsHash of their ids): what the
// record does is fixed by what the card signed, attachments included.
type CardRecord struct {
	Card         Address
	Asset        Hash
	Amount       uint256.Int
	Payee        Address
	Counter      uint64
	Challenge    Hash
	Mode         uint8
	AttachedHash Hash
}

// StructHash is the EIP-712 hashStruct.
func (r *CardRecord) StructHash() Hash {
	var w structWriter
	w.hash(cardRecordType)
	w.address(r.Card)
	w.hash(r.Asset)
	w.uint256(&r.Amount)
	w.address(r.Payee)
	w.uint64(r.Counter)
	w.hash(r.Challenge)
	w.uint64(uint64(r.Mode))
	w.hash(r.AttachedHash)
	return w.sum()
}

// CardLimits are the offline risk controls of a card's purse of Asset, in
// that asset's units, signed by the card's issuer or its owner. Each purse's
// limits are signed separately, with their own Seq.
type CardLimits struct {
	Card       Address
	Asset      Hash
	OfflineCap uint256.Int
	OfflineMax uint8
	NoPinLimit uint256.Int
	Seq        uint64
}

// StructHash is the EIP-712 hashStruct.
func (l *CardLimits) StructHash() Hash {
	var w structWriter
	w.hash(cardLimitsType)
	w.address(l.Card)
	w.hash(l.Asset)
	w.uint256(&l.OfflineCap)
	w.uint64(uint64(l.OfflineMax))
	w.uint256(&l.NoPinLimit)
	w.uint64(l.Seq)
	return w.sum()
}

var (
	conversionRequestType  = Keccak256([]byte("ConversionRequest(address card,bytes32 fiat,uint256 fiatAmount,address payee,bytes32 challenge,bytes32 nonce,bytes32 sealed)"))
	conversionApprovalType = Keccak256([]byte("ConversionApproval(address card,bytes32 nonce,bytes32 asset,uint256 amount,address collector)"))
)

// ConversionRequest is what a card signs when a terminal asks it to pay an
// amount of a fiat asset it holds no (or too little) purse of: the request
// goes to the card owner's wallet, which converts. Sealed is keccak256 of
// the part of the request encrypted to the owner (the card's purses).
type ConversionRequest struct {
	Card       Address
	Fiat       Hash
	FiatAmount uint256.Int
	Payee      Address
	Challenge  Hash // the terminal's
	Nonce      Hash // the card's, for this conversion
	Sealed     Hash
}

// StructHash is the EIP-712 hashStruct.
func (c *ConversionRequest) StructHash() Hash {
	var w structWriter
	w.hash(conversionRequestType)
	w.address(c.Card)
	w.hash(c.Fiat)
	w.uint256(&c.FiatAmount)
	w.address(c.Payee)
	w.hash(c.Challenge)
	w.hash(c.Nonce)
	w.hash(c.Sealed)
	return w.sum()
}

// ConversionApproval is the owner's answer: pay Amount of Asset to
// Collector (the owner's own account, which converts and pays the
// merchant) for conversion Nonce. The card signs its record only for an
// approval its owner signed.
type ConversionApproval struct {
	Card      Address
	Nonce     Hash
	Asset     Hash
	Amount    uint256.Int
	Collector Address
}

// StructHash is the EIP-712 hashStruct.
func (c *ConversionApproval) StructHash() Hash {
	var w structWriter
	w.hash(conversionApprovalType)
	w.address(c.Card)
	w.hash(c.Nonce)
	w.hash(c.Asset)
	w.uint256(&c.Amount)
	w.address(c.Collector)
	return w.sum()
}
