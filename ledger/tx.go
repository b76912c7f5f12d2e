package ledger

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/anonex/anonex/internal/strictjson"
	"github.com/holiman/uint256"
)

// Kind identifies a transaction type on the wire (one byte, 1..127).
type Kind uint8

// The kinds of this version. Later kinds join the registry without changing
// these: a kind number is never reused.
const (
	KindTransfer   Kind = 1
	KindIssueAsset Kind = 2
)

// Payload is the kind-specific, signed body of a transaction. Every kind
// lives in this package and registers a kindSpec in init.
type Payload interface {
	Kind() Kind
	// Signer is the account whose key must have signed the payload.
	Signer() Address
	// Nonce is the signer's account nonce the payload consumes.
	AccountNonce() uint64
	// StructHash is the EIP-712 hashStruct of the payload.
	StructHash() Hash
	// Check reports, without any state, whether the payload can ever be
	// valid. A non-nil result wraps ErrBadField, ErrZeroAmount or similar.
	Check() error

	encode(e *encoder)
	execute(c *execContext) Reason
}

// kindSpec is one entry of the kind registry.
type kindSpec struct {
	kind   Kind
	name   string // the EIP-712 primary type name
	fields []TypedField
	// nested struct types the primary type references, by name
	nested   map[string][]TypedField
	typeHash Hash
	decode   func(d *decoder) Payload
	// fromJSON reads the message found at path at of the JSON document.
	fromJSON func(msg json.RawMessage, at string) (Payload, error)
	toJSON   func(p Payload) any
}

var kinds [128]*kindSpec

func register(s *kindSpec) {
	if s.kind == 0 || int(s.kind) >= len(kinds) || kinds[s.kind] != nil {
		panic(fmt.Sprintf("ledger: bad or duplicate kind %d", s.kind))
	}
	full := encodeType(s.name, s.fields)
	for _, n := range sortedNames(s.nested) {
		full += encodeType(n, s.nested[n])
	}
	s.typeHash = Keccak256([]byte(full))
	kinds[s.kind] = s
}

func specOf(k Kind) *kindSpec {
	if int(k) < len(kinds) {
		return kinds[k]
	}
	return nil
}

// String returns the kind's EIP-712 type name.
func (k Kind) String() string {
	if s := specOf(k); s != nil {
		return s.name
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// KindByName finds a kind by its EIP-712 type name.
func KindByName(name string) (Kind, bool) {
	for _, s := range kinds {
		if s != nil && s.name == name {
			return s.kind, true
		}
	}
	return 0, false
}

// Types returns every registered EIP-712 struct type, keyed by name, for
// wallets (GET /v1/eip712).
func Types() map[string][]TypedField {
	m := map[string][]TypedField{"EIP712Domain": DomainFields}
	for _, s := range kinds {
		if s != nil {
			m[s.name] = s.fields
			for n, f := range s.nested {
				m[n] = f
			}
		}
	}
	return m
}

func sortedNames(m map[string][]TypedField) []string {
	var out []string
	for n := range m {
		out = append(out, n)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// Sig is a 65-byte recoverable secp256k1 signature r ‖ s ‖ v with v 27 or
// 28, as Ethereum wallets produce for EIP-712.
type Sig [65]byte

// secp256k1 group order n and n/2, for the low-s rule.
var (
	secpN     = uint256.MustFromHex("0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141")
	secpHalfN = new(uint256.Int).Rsh(secpN, 1)
)

// CheckFormat enforces 0 < r < n, 0 < s ≤ n/2 (low s) and v ∈ {27, 28}.
func (s Sig) CheckFormat() error {
	var r, ss uint256.Int
	r.SetBytes32(s[:32])
	ss.SetBytes32(s[32:64])
	switch {
	case s[64] != 27 && s[64] != 28:
		return fmt.Errorf("%w: v is %d, want 27 or 28", ErrBadSignature, s[64])
	case r.IsZero() || !r.Lt(secpN):
		return fmt.Errorf("%w: r out of range", ErrBadSignature)
	case ss.IsZero() || ss.Gt(secpHalfN):
		return fmt.Errorf("%w: s is zero or high (signatures must be low-s)", ErrBadSignature)
	}
	return nil
}

// Hex returns the 0x-prefixed hex form.
func (s Sig) Hex() string { return "0x" + hex.EncodeToString(s[:]) }

// MarshalText encodes the signature as 0x-hex.
func (s Sig) MarshalText() ([]byte, error) { return []byte(s.Hex()), nil }

// UnmarshalText decodes 0x-hex of 65 bytes. A v of 0 or 1 (as some
// libraries emit) is normalized to 27 or 28.
func (s *Sig) UnmarshalText(b []byte) error {
	str := string(b)
	if !strings.HasPrefix(str, "0x") || len(str) != 2+130 {
		return fmt.Errorf("%w: signature must be 0x and 130 hex digits", ErrDecode)
	}
	if _, err := hex.Decode(s[:], b[2:]); err != nil {
		return fmt.Errorf("%w: signature: %v", ErrDecode, err)
	}
	if s[64] < 2 {
		s[64] += 27
	}
	return nil
}

// Tx is a signed transaction.
type Tx struct {
	Payload Payload
	Sig     Sig
}

// ID returns the transaction id in a domain: the EIP-712 digest.
func (tx *Tx) ID(d Domain) Hash { return d.Digest(tx.Payload.StructHash()) }

// Encode returns the wire form: kind byte, body, 65-byte signature.
func (tx *Tx) Encode() []byte {
	e := encoder{buf: make([]byte, 0, 160)}
	e.byte1(byte(tx.Payload.Kind()))
	tx.Payload.encode(&e)
	e.buf = append(e.buf, tx.Sig[:]...)
	return e.buf
}

// MaxTxSize bounds the wire form of one transaction.
const MaxTxSize = 4096

// DecodeTx parses the wire form. It checks the encoding only, never the
// signature.
func DecodeTx(b []byte) (*Tx, error) { return decodeTx(b, false) }

// decodeTx decodes the wire form; v1 the one of protocol version 1 (card
// records attached inside a version 1 batch).
func decodeTx(b []byte, v1 bool) (*Tx, error) {
	if len(b) > MaxTxSize {
		return nil, fmt.Errorf("%w: %d bytes exceeds %d", ErrDecode, len(b), MaxTxSize)
	}
	d := decoder{buf: b, v1: v1}
	k := Kind(d.byte1("kind"))
	if d.err != nil {
		return nil, d.err
	}
	spec := specOf(k)
	if spec == nil {
		return nil, fmt.Errorf("%w: %d", ErrUnknownKind, uint8(k))
	}
	p := spec.decode(&d)
	var tx Tx
	copy(tx.Sig[:], d.take(65, "signature"))
	if d.err != nil {
		return nil, d.err
	}
	if d.off != len(b) {
		return nil, fmt.Errorf("%w: %d trailing bytes", ErrDecode, len(b)-d.off)
	}
	tx.Payload = p
	return &tx, nil
}

// Recoverer recovers the address that signed a digest. The node supplies a
// libsecp256k1-backed one; the ledger never does cryptography of its own
// beyond hashing.
type Recoverer interface {
	Recover(digest Hash, sig Sig) (Address, error)
}

// Verified is a transaction whose signature has been checked: its id is
// computed and its sender recovered. Apply takes only Verified transactions,
// so recovery happens once, outside the state machine.
type Verified struct {
	Tx     *Tx
	ID     Hash
	Sender Address
	// Attached are the verified attachments of a card record, in order.
	Attached []*Verified
	// OfferID is the id of the offer a Fill carries (its maker's
	// signature checked).
	OfferID Hash
	// AuthID is the id of the spend authorization a Redeem carries (its
	// account holder's signature checked).
	AuthID Hash
	// OfferIDs are the ids of the offers a ConvertPay fills (their makers'
	// signatures checked).
	OfferIDs []Hash
}

// multiOfferCarrier is a payload that fills several signed offers (a
// ConvertPay).
type multiOfferCarrier interface{ signedOffers() []*SignedOffer }

// offerCarrier is a payload that carries a signed offer (a Fill).
type offerCarrier interface{ signedOffer() *SignedOffer }

// authCarrier is a payload that carries a signed spend authorization (a
// Redeem).
type authCarrier interface{ signedAuth() *SignedSpendAuth }

// attacher is a payload that carries other signed transactions.
type attacher interface{ attachments() []*Tx }

// Verify checks a transaction's fields and signature in a domain.
func Verify(tx *Tx, d Domain, rec Recoverer) (*Verified, error) {
	id, err := Precheck(tx, d)
	if err != nil {
		return nil, err
	}
	return VerifyWithID(tx, id, rec, d)
}

// Precheck runs every stateless check short of signature recovery and
// returns the id. Callers that cache recoveries look the id up before
// calling VerifyWithID.
func Precheck(tx *Tx, d Domain) (Hash, error) {
	if err := tx.Payload.Check(); err != nil {
		return Hash{}, err
	}
	if err := tx.Sig.CheckFormat(); err != nil {
		return Hash{}, err
	}
	return tx.ID(d), nil
}

// VerifyWithID recovers the signer of a prechecked transaction (and of its
// attachments, in domain d).
func VerifyWithID(tx *Tx, id Hash, rec Recoverer, d Domain) (*Verified, error) {
	from, err := rec.Recover(id, tx.Sig)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	if want := tx.Payload.Signer(); from != want {
		return nil, fmt.Errorf("%w: signed by %s, payload names %s", ErrWrongSigner, from.Hex(), want.Hex())
	}
	return VerifyKnownSender(tx, id, from, d, rec)
}

// VerifyKnownSender completes a transaction whose own signature a caller
// already recovered (its recovery cache): it verifies what the transaction
// carries — a fill's offer, a card record's attachments — and returns the
// Verified Apply needs.
func VerifyKnownSender(tx *Tx, id Hash, from Address, d Domain, rec Recoverer) (*Verified, error) {
	v := &Verified{Tx: tx, ID: id, Sender: from}
	if oc, ok := tx.Payload.(offerCarrier); ok {
		oid, err := VerifyOffer(oc.signedOffer(), d, rec)
		if err != nil {
			return nil, fmt.Errorf("the offer: %w", err)
		}
		v.OfferID = oid
	}
	if mc, ok := tx.Payload.(multiOfferCarrier); ok {
		for i, so := range mc.signedOffers() {
			oid, err := VerifyOffer(so, d, rec)
			if err != nil {
				return nil, fmt.Errorf("offer %d: %w", i, err)
			}
			v.OfferIDs = append(v.OfferIDs, oid)
		}
	}
	if ac, ok := tx.Payload.(authCarrier); ok {
		aid, err := VerifySpendAuth(ac.signedAuth(), d, rec)
		if err != nil {
			return nil, fmt.Errorf("the authorization: %w", err)
		}
		v.AuthID = aid
	}
	if r, ok := tx.Payload.(*CardRegister); ok {
		if err := VerifyCardConsent(r, d, rec); err != nil {
			return nil, err
		}
	}
	if at, ok := tx.Payload.(attacher); ok {
		for i, a := range at.attachments() {
			aid, err := Precheck(a, d)
			if err != nil {
				return nil, fmt.Errorf("attachment %d: %w", i, err)
			}
			av, err := VerifyWithID(a, aid, rec, d)
			if err != nil {
				return nil, fmt.Errorf("attachment %d: %w", i, err)
			}
			v.Attached = append(v.Attached, av)
		}
	}
	if cp, ok := tx.Payload.(*CardPayment); ok {
		ids := make([]Hash, len(v.Attached))
		for i, av := range v.Attached {
			ids[i] = av.ID
		}
		if AttachmentsHash(ids) != cp.AttachedHash {
			return nil, fmt.Errorf("%w: the attachments are not the ones the card signed (attached %s)", ErrBadField, cp.AttachedHash.Hex())
		}
	}
	return v, nil
}

// jsonTx is the JSON form of a signed transaction: the EIP-712 primary
// type, the message exactly as a wallet signs it, and the signature.
type jsonTx struct {
	Type      string          `json:"type"`
	Message   json.RawMessage `json:"message"`
	Signature Sig             `json:"signature"`
	// Attached carries a card record's attachments (not signed by it).
	Attached []*Tx `json:"attached,omitempty"`
	// OfferSignature is the maker's signature of the offer a Fill carries
	// (the offer itself is in the message, as the taker signs it).
	OfferSignature *Sig `json:"offer_signature,omitempty"`
	// AuthorizationSignature is the account holder's signature of the
	// spend authorization a Redeem carries.
	AuthorizationSignature *Sig `json:"authorization_signature,omitempty"`
	// OfferSignatures are the makers' signatures of the offers a
	// ConvertPay fills, in order.
	OfferSignatures []Sig `json:"offer_signatures,omitempty"`
	// ConsentSignature is the card's signature of CardConsent a
	// CardRegister carries.
	ConsentSignature *Sig `json:"consent_signature,omitempty"`
}

// MarshalJSON renders {"type", "message", "signature"}.
func (tx *Tx) MarshalJSON() ([]byte, error) {
	spec := specOf(tx.Payload.Kind())
	msg, err := json.Marshal(spec.toJSON(tx.Payload))
	if err != nil {
		return nil, err
	}
	j := jsonTx{Type: spec.name, Message: msg, Signature: tx.Sig}
	if at, ok := tx.Payload.(attacher); ok {
		j.Attached = at.attachments()
	}
	if oc, ok := tx.Payload.(offerCarrier); ok {
		sig := oc.signedOffer().Sig
		j.OfferSignature = &sig
	}
	if ac, ok := tx.Payload.(authCarrier); ok {
		sig := ac.signedAuth().Sig
		j.AuthorizationSignature = &sig
	}
	if mc, ok := tx.Payload.(multiOfferCarrier); ok {
		for _, so := range mc.signedOffers() {
			j.OfferSignatures = append(j.OfferSignatures, so.Sig)
		}
	}
	if r, ok := tx.Payload.(*CardRegister); ok {
		sig := r.Consent
		j.ConsentSignature = &sig
	}
	return json.Marshal(j)
}

// UnmarshalJSON parses {"type", "message", "signature"} and the fields its
// kind carries beside them, by strictjson's rules at every level: an
// unknown or repeated field, or a JSON number beyond 2^53 − 1, is
// ErrDecode.
func (tx *Tx) UnmarshalJSON(b []byte) error { return tx.unmarshalJSONAt(b, "$") }

// jsonTxIn is jsonTx as read: the attached transactions are read one by
// one, each at its own path.
type jsonTxIn struct {
	Type                   string            `json:"type"`
	Message                json.RawMessage   `json:"message"`
	Signature              Sig               `json:"signature"`
	Attached               []json.RawMessage `json:"attached"`
	OfferSignature         *Sig              `json:"offer_signature"`
	AuthorizationSignature *Sig              `json:"authorization_signature"`
	OfferSignatures        []Sig             `json:"offer_signatures"`
	ConsentSignature       *Sig              `json:"consent_signature"`
}

// unmarshalJSONAt reads a transaction found at path at of a JSON document.
func (tx *Tx) unmarshalJSONAt(b []byte, at string) error {
	var in jsonTxIn
	if err := strictjson.UnmarshalAt(b, &in, at); err != nil {
		return fmt.Errorf("%w: %w", ErrDecode, err)
	}
	k, ok := KindByName(in.Type)
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownKind, in.Type)
	}
	p, err := specOf(k).fromJSON(in.Message, at+".message")
	if err != nil {
		return err
	}
	j := jsonTx{Type: in.Type, Message: in.Message, Signature: in.Signature, OfferSignature: in.OfferSignature,
		AuthorizationSignature: in.AuthorizationSignature, OfferSignatures: in.OfferSignatures, ConsentSignature: in.ConsentSignature}
	for i, raw := range in.Attached {
		if string(raw) == "null" {
			return fmt.Errorf("%w: attached %d is null", ErrDecode, i)
		}
		a := new(Tx)
		if err := a.unmarshalJSONAt(raw, fmt.Sprintf("%s.attached[%d]", at, i)); err != nil {
			return err
		}
		j.Attached = append(j.Attached, a)
	}
	if r, ok := p.(*CardRegister); ok {
		if j.ConsentSignature == nil {
			return fmt.Errorf("%w: a card registration needs the card's consent_signature", ErrDecode)
		}
		r.Consent = *j.ConsentSignature
	} else if j.ConsentSignature != nil {
		return fmt.Errorf("%w: only card registrations carry a consent_signature", ErrDecode)
	}
	if oc, ok := p.(offerCarrier); ok {
		if j.OfferSignature == nil {
			return fmt.Errorf("%w: a fill needs the maker's offer_signature", ErrDecode)
		}
		oc.signedOffer().Sig = *j.OfferSignature
	} else if j.OfferSignature != nil {
		return fmt.Errorf("%w: only fills carry an offer_signature", ErrDecode)
	}
	if ac, ok := p.(authCarrier); ok {
		if j.AuthorizationSignature == nil {
			return fmt.Errorf("%w: a redeem needs the account holder's authorization_signature", ErrDecode)
		}
		ac.signedAuth().Sig = *j.AuthorizationSignature
	} else if j.AuthorizationSignature != nil {
		return fmt.Errorf("%w: only redeems carry an authorization_signature", ErrDecode)
	}
	if mc, ok := p.(multiOfferCarrier); ok {
		sos := mc.signedOffers()
		if len(j.OfferSignatures) != len(sos) {
			return fmt.Errorf("%w: %d offers, %d offer_signatures", ErrDecode, len(sos), len(j.OfferSignatures))
		}
		for i, so := range sos {
			so.Sig = j.OfferSignatures[i]
		}
	} else if len(j.OfferSignatures) > 0 {
		return fmt.Errorf("%w: only conversion payments carry offer_signatures", ErrDecode)
	}
	if cv, ok := p.(*ConvertPay); ok {
		var m struct {
			Record Hash `json:"record"`
		}
		if len(j.Attached) != 1 || json.Unmarshal(j.Message, &m) != nil {
			return fmt.Errorf("%w: a conversion payment attaches exactly its card record", ErrDecode)
		}
		cv.Record = j.Attached[0]
		if cv.recordHash() != m.Record {
			return fmt.Errorf("%w: the attached card record is not the one the message names", ErrDecode)
		}
	} else if len(j.Attached) > 0 {
		cp, ok := p.(*CardPayment)
		if !ok {
			return fmt.Errorf("%w: only card records carry attachments", ErrDecode)
		}
		cp.Attached = j.Attached
	}
	tx.Payload, tx.Sig = p, j.Signature
	return nil
}

// TypedData returns the full EIP-712 document of a payload ({types,
// primaryType, domain, message}) that eth_signTypedData_v4 accepts.
func TypedData(p Payload, d Domain) map[string]any {
	spec := specOf(p.Kind())
	types := map[string][]TypedField{"EIP712Domain": DomainFields, spec.name: spec.fields}
	for n, f := range spec.nested {
		types[n] = f
	}
	return map[string]any{
		"types":       types,
		"primaryType": spec.name,
		"domain":      DomainJSON(d),
		"message":     spec.toJSON(p),
	}
}

// DomainJSON renders a domain the way wallets expect it.
func DomainJSON(d Domain) map[string]any {
	return map[string]any{
		"name": DomainName, "version": DomainVersion,
		"chainId": d.ChainID, "verifyingContract": d.Contract.Hex(),
	}
}
