package ledger

import (
	"encoding/json"
	"fmt"

	"github.com/holiman/uint256"
)

// Spend authorizations. A SpendAuthorization is not a ledger transaction:
// an account holder signs it (up to Amount of Asset to Payee, until Expiry)
// and hands it to the payee's terminal, which redeems it with a Redeem
// transaction signed by the payee. Each authorization redeems once: the
// state records its id when used, whatever part of Amount was taken. It is
// how the stored-value allocator's choices are spent at the point of sale.

// KindRedeem is the Redeem transaction's kind.
const KindRedeem Kind = 8

var spendAuthType = Keccak256([]byte("SpendAuthorization(address account,bytes32 asset,uint256 amount,address payee,uint64 expiry,bytes32 salt)"))

// SpendAuthFields is the EIP-712 SpendAuthorization type, for wallets.
var SpendAuthFields = []TypedField{
	{"account", "address"}, {"asset", "bytes32"}, {"amount", "uint256"}, {"payee", "address"}, {"expiry", "uint64"}, {"salt", "bytes32"},
}

// SpendAuth allows Payee to take up to Amount of Asset from Account, once,
// until Expiry (a Unix second of the anchoring block).
type SpendAuth struct {
	Account Address
	Asset   Hash
	Amount  uint256.Int
	Payee   Address
	Expiry  uint64
	Salt    Hash
}

// StructHash is the EIP-712 hashStruct.
func (a *SpendAuth) StructHash() Hash {
	var w structWriter
	w.hash(spendAuthType)
	w.address(a.Account)
	w.hash(a.Asset)
	w.uint256(&a.Amount)
	w.address(a.Payee)
	w.uint64(a.Expiry)
	w.hash(a.Salt)
	return w.sum()
}

// Check reports whether an authorization can ever be redeemed.
func (a *SpendAuth) Check() error {
	switch {
	case a.Amount.IsZero():
		return fmt.Errorf("%w: authorization of nothing", ErrZeroAmount)
	case a.Account.IsZero() || a.Payee.IsZero() || a.Asset.IsZero():
		return fmt.Errorf("%w: authorization with a zero account, payee or asset", ErrBadField)
	case a.Account == a.Payee:
		return fmt.Errorf("%w: authorization to the account itself", ErrBadField)
	}
	return nil
}

func (a *SpendAuth) encode(e *encoder) {
	e.address(a.Account)
	e.asset(a.Asset)
	e.amount(&a.Amount)
	e.address(a.Payee)
	e.uvarint(a.Expiry)
	e.bytes32(a.Salt)
}

func decodeSpendAuth(d *decoder) SpendAuth {
	var a SpendAuth
	a.Account = d.address("account")
	a.Asset = d.asset("asset")
	a.Amount = *d.amount("amount")
	a.Payee = d.address("payee")
	a.Expiry = d.uvarint("expiry")
	a.Salt = d.bytes32("salt")
	return a
}

// SignedSpendAuth is an authorization and its account holder's signature.
type SignedSpendAuth struct {
	SpendAuth
	Sig Sig
}

// ID is the authorization's id (its EIP-712 digest) in a domain.
func (s *SignedSpendAuth) ID(d Domain) Hash { return d.Digest(s.SpendAuth.StructHash()) }

// VerifySpendAuth checks an authorization's fields and signer.
func VerifySpendAuth(s *SignedSpendAuth, d Domain, rec Recoverer) (Hash, error) {
	return verifySigned(s.Check(), s.ID(d), s.Sig, s.Account, "authorization", rec)
}

// spendAuthJSON is an authorization exactly as wallets sign it.
type spendAuthJSON struct {
	Account Address  `json:"account"`
	Asset   Hash     `json:"asset"`
	Amount  jsonU256 `json:"amount"`
	Payee   Address  `json:"payee"`
	Expiry  jsonU64  `json:"expiry"`
	Salt    Hash     `json:"salt"`
}

func spendAuthMsgOf(a *SpendAuth) spendAuthJSON {
	return spendAuthJSON{a.Account, a.Asset, jsonU256{a.Amount}, a.Payee, jsonU64(a.Expiry), a.Salt}
}

func (j *spendAuthJSON) auth() SpendAuth {
	return SpendAuth{Account: j.Account, Asset: j.Asset, Amount: j.Amount.Int, Payee: j.Payee, Expiry: uint64(j.Expiry), Salt: j.Salt}
}

// MarshalJSON renders {"message": authorization, "signature"}.
func (s *SignedSpendAuth) MarshalJSON() ([]byte, error) {
	return json.Marshal(signedJSON[spendAuthJSON]{spendAuthMsgOf(&s.SpendAuth), s.Sig})
}

// UnmarshalJSON reads {"message": authorization, "signature"}.
func (s *SignedSpendAuth) UnmarshalJSON(b []byte) error {
	var j signedJSON[spendAuthJSON]
	if err := strictUnmarshal(b, &j); err != nil {
		return err
	}
	s.SpendAuth, s.Sig = j.Message.auth(), j.Signature
	return nil
}

// SpendAuthTypedData is the EIP-712 document of an authorization for its
// account holder's wallet.
func SpendAuthTypedData(a *SpendAuth, d Domain) map[string]any {
	return messageTypedData("SpendAuthorization", SpendAuthFields, spendAuthMsgOf(a), d)
}

// Redeem takes Amount (at most the authorization's) from the authorizing
// account to the payee, who signs it.
type Redeem struct {
	Payee Address
	Auth  SignedSpendAuth
	// Amount is what the payee takes: at most Auth.Amount. The rest of
	// the authorization lapses.
	Amount uint256.Int
	Nonce  uint64
}

var redeemFields = []TypedField{{"payee", "address"}, {"authorization", "SpendAuthorization"}, {"amount", "uint256"}, {"nonce", "uint64"}}

type redeemJSON struct {
	Payee         Address       `json:"payee"`
	Authorization spendAuthJSON `json:"authorization"`
	Amount        jsonU256      `json:"amount"`
	Nonce         jsonU64       `json:"nonce"`
}

func init() {
	register(&kindSpec{
		kind: KindRedeem, name: "Redeem", fields: redeemFields, nested: map[string][]TypedField{"SpendAuthorization": SpendAuthFields},
		decode: func(d *decoder) Payload {
			var r Redeem
			r.Payee = d.address("payee")
			r.Auth.SpendAuth = decodeSpendAuth(d)
			copy(r.Auth.Sig[:], d.take(65, "authorization signature"))
			r.Amount = *d.amount("amount")
			r.Nonce = d.uvarint("nonce")
			return &r
		},
		fromJSON: func(msg json.RawMessage, at string) (Payload, error) {
			var j redeemJSON
			if err := messageUnmarshal(msg, at, &j); err != nil {
				return nil, err
			}
			return &Redeem{Payee: j.Payee, Auth: SignedSpendAuth{SpendAuth: j.Authorization.auth()}, Amount: j.Amount.Int, Nonce: uint64(j.Nonce)}, nil
		},
		toJSON: func(p Payload) any {
			r := p.(*Redeem)
			return redeemJSON{Payee: r.Payee, Authorization: spendAuthMsgOf(&r.Auth.SpendAuth), Amount: jsonU256{r.Amount}, Nonce: jsonU64(r.Nonce)}
		},
	})
}

func (r *Redeem) Kind() Kind           { return KindRedeem }
func (r *Redeem) Signer() Address      { return r.Payee }
func (r *Redeem) AccountNonce() uint64 { return r.Nonce }

// StructHash is the EIP-712 hashStruct; the authorization enters as its
// own hashStruct.
func (r *Redeem) StructHash() Hash {
	var w structWriter
	w.hash(specOf(KindRedeem).typeHash)
	w.address(r.Payee)
	w.hash(r.Auth.SpendAuth.StructHash())
	w.uint256(&r.Amount)
	w.uint64(r.Nonce)
	return w.sum()
}

func (r *Redeem) Check() error {
	if err := r.Auth.Check(); err != nil {
		return fmt.Errorf("the authorization: %w", err)
	}
	switch {
	case r.Amount.IsZero():
		return fmt.Errorf("%w: redeem of nothing", ErrZeroAmount)
	case r.Payee != r.Auth.Payee:
		return fmt.Errorf("%w: the authorization is for payee %s, not %s", ErrBadField, r.Auth.Payee.Hex(), r.Payee.Hex())
	case r.Amount.Gt(&r.Auth.Amount):
		return fmt.Errorf("%w: redeem of %s exceeds the authorized %s", ErrBadField, r.Amount.Dec(), r.Auth.Amount.Dec())
	}
	return r.Auth.Sig.CheckFormat()
}

func (r *Redeem) encode(e *encoder) {
	e.address(r.Payee)
	r.Auth.SpendAuth.encode(e)
	e.buf = append(e.buf, r.Auth.Sig[:]...)
	e.amount(&r.Amount)
	e.uvarint(r.Nonce)
}

func (r *Redeem) signedAuth() *SignedSpendAuth { return &r.Auth }

const prefixAuthUsed = 'r' // 'r' ‖ authorization id → 01: redeemed

// SpendAuthUsed reports whether an authorization was redeemed.
func (o *Overlay) SpendAuthUsed(id Hash) bool {
	return o.get(string(append([]byte{prefixAuthUsed}, id[:]...))) != nil
}

func (r *Redeem) execute(c *execContext) Reason {
	st, a, id := c.st, &r.Auth.SpendAuth, c.tx.AuthID
	switch {
	case c.env.Time > a.Expiry:
		return ReasonAuthExpired
	case st.SpendAuthUsed(id):
		return ReasonAuthUsed
	case !st.hasAsset(a.Asset):
		return ReasonUnknownAsset
	}
	if _, ok := st.Card(a.Account); ok {
		return ReasonCardAccount // a card purse is spent by the card's own records
	}
	if reason := st.move(a.Account, r.Payee, a.Asset, &r.Amount); reason != ReasonNone {
		return reason
	}
	st.put(string(append([]byte{prefixAuthUsed}, id[:]...)), []byte{1})
	return ReasonNone
}
