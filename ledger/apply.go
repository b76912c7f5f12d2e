package ledger

import (
	"encoding/binary"
	"fmt"
)

// Reason says why a transaction failed. Failures are final: the receipt is
// recorded and the nonce is consumed.
type Reason uint8

const (
	ReasonNone Reason = iota
	ReasonInsufficientFunds
	ReasonUnknownAsset
	ReasonBalanceOverflow
	ReasonAssetExists
	ReasonCardExists
	ReasonCloned
	ReasonCardAccount
	ReasonOfferExpired
	ReasonOfferCancelled
	ReasonOfferFilled
	ReasonMakerInsufficient
	// ReasonNotBridged: a Withdraw of an asset that did not come through
	// the Vault (an issued asset has nothing locked on Ethereum to pay).
	ReasonNotBridged
	// ReasonAuthExpired and ReasonAuthUsed: a Redeem of a spend
	// authorization past its expiry, or redeemed before.
	ReasonAuthExpired
	ReasonAuthUsed
	// ReasonCardRecordInvalid: the card record a conversion payment
	// carries does not apply: its card is not registered. (A used counter
	// is not this reason: the same record again lets the conversion go on,
	// another record is ReasonCloned.)
	ReasonCardRecordInvalid
	// ReasonNotCardIssuer: a CardBlock signed by an account that is not
	// the issuer that registered the card (or of no registered card).
	ReasonNotCardIssuer
	// ReasonCardBlocked: a CardBlock of a card already blocked.
	ReasonCardBlocked
)

var reasonNames = [...]string{
	ReasonNone:              "",
	ReasonInsufficientFunds: "insufficient funds",
	ReasonUnknownAsset:      "unknown asset",
	ReasonBalanceOverflow:   "balance would overflow",
	ReasonAssetExists:       "asset already exists",
	ReasonCardExists:        "card already registered",
	ReasonCloned:            "cloned card: this counter already signed another record",
	ReasonCardAccount:       "a card account is debited only by records its card signs",
	ReasonOfferExpired:      "offer expired",
	ReasonOfferCancelled:    "offer cancelled by its maker",
	ReasonOfferFilled:       "offer already filled (or this fill exceeds what is left)",
	ReasonMakerInsufficient: "the maker does not hold what the offer gives",
	ReasonNotBridged:        "asset is not bridged from Ethereum: nothing to withdraw",
	ReasonAuthExpired:       "spend authorization expired",
	ReasonAuthUsed:          "spend authorization already redeemed",
	ReasonCardRecordInvalid: "the card record does not apply (counter used or card unknown)",
	ReasonNotCardIssuer:     "only the issuer that registered the card can block it",
	ReasonCardBlocked:       "card already blocked",
}

func (r Reason) String() string {
	if int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return fmt.Sprintf("reason(%d)", uint8(r))
}

// Status is a receipt's outcome.
type Status uint8

const (
	StatusFailed Status = 0
	StatusOK     Status = 1
)

// Receipt records the outcome of one applied transaction.
type Receipt struct {
	TxID   Hash
	Kind   Kind
	Sender Address
	Status Status
	Reason Reason
	// Attached lists the card-to-card records a card record carried that
	// applied with it.
	Attached []Hash
}

// Hash commits to a receipt: keccak256(id ‖ kind ‖ sender ‖ status ‖ reason
// ‖ the ids of the attachments applied with it).
func (r *Receipt) Hash() Hash {
	b := make([]byte, 55, 55+32*len(r.Attached))
	copy(b[:32], r.TxID[:])
	b[32] = byte(r.Kind)
	copy(b[33:53], r.Sender[:])
	b[53] = byte(r.Status)
	b[54] = byte(r.Reason)
	for _, id := range r.Attached {
		b = append(b, id[:]...)
	}
	return Keccak256(b)
}

// Env is what Apply knows of the world besides the state: where the
// transaction is being applied. Time and height come in as inputs; the
// ledger never reads a clock.
type Env struct {
	// Seq is the batch sequence number (the next one, for the pending view).
	Seq uint64
	// Time is the anchoring block's timestamp in Unix seconds (the node's
	// clock for the pending view). Offer and spend authorization expiries
	// are compared with it (Fill, ConvertPay, Redeem).
	Time uint64
}

type execContext struct {
	st       *Overlay
	tx       *Verified
	env      Env
	attached []Hash // attachments applied by a card record
	// keep is set by a payload that failed but already reverted its own
	// failed part: what it applied before (a ConvertPay's card record)
	// stands.
	keep bool
}

// Apply applies one verified transaction to st. It is deterministic: the
// same state, transaction and env give the same writes and receipt on every
// machine.
//
// A non-nil error means no receipt: either the transaction can never be
// valid, or it is skipped for now (IsSkip: a nonce gap or a used nonce), or
// the state could not be read (the error wraps the store's error). A
// receipt with StatusFailed is a final business failure that consumed the
// nonce; its state changes are rolled back except the nonce.
func Apply(st *Overlay, tx *Verified, env Env) (*Receipt, error) {
	p := tx.Tx.Payload
	if err := p.Check(); err != nil {
		return nil, err
	}
	if tx.Sender != p.Signer() {
		return nil, fmt.Errorf("%w: sender %s, payload names %s", ErrWrongSigner, tx.Sender.Hex(), p.Signer().Hex())
	}
	if _, ok := p.(offerCarrier); ok && tx.OfferID.IsZero() {
		return nil, fmt.Errorf("%w: the fill's offer was not verified", ErrBadSignature)
	}
	if mc, ok := p.(multiOfferCarrier); ok && len(tx.OfferIDs) != len(mc.signedOffers()) {
		return nil, fmt.Errorf("%w: the offers were not verified", ErrBadSignature)
	}
	if _, ok := p.(authCarrier); ok && tx.AuthID.IsZero() {
		return nil, fmt.Errorf("%w: the redeem's authorization was not verified", ErrBadSignature)
	}
	st.err = nil // a long-lived view must not stay poisoned by an old read error
	if sp, ok := p.(selfReplaying); ok {
		return applySelf(st, tx, env, sp)
	}
	acc := st.Account(tx.Sender)
	if err := st.Err(); err != nil {
		return nil, err
	}
	switch n := p.AccountNonce(); {
	case n < acc.Nonce:
		return nil, fmt.Errorf("%w: account %s, nonce %d, next is %d", ErrNonceTooLow, tx.Sender.Hex(), n, acc.Nonce)
	case n > acc.Nonce:
		return nil, fmt.Errorf("%w: account %s, nonce %d, next is %d", ErrNonceGap, tx.Sender.Hex(), n, acc.Nonce)
	}
	snap := st.snapshot()
	c := &execContext{st: st, tx: tx, env: env}
	reason := p.execute(c)
	if err := st.Err(); err != nil {
		st.revert(snap)
		return nil, err
	}
	if reason != ReasonNone && !c.keep {
		st.revert(snap)
	}
	acc = st.touch(tx.Sender)
	acc.Nonce++
	st.setAccount(tx.Sender, acc)
	r := &Receipt{TxID: tx.ID, Kind: p.Kind(), Sender: tx.Sender, Status: StatusOK, Reason: reason}
	if reason != ReasonNone {
		r.Status = StatusFailed
	}
	return r, nil
}

// selfReplaying payloads (card records) are replay-protected by their own
// rule, not by the account nonce.
type selfReplaying interface {
	executeSelf(c *execContext) (Reason, error)
}

func applySelf(st *Overlay, tx *Verified, env Env, sp selfReplaying) (*Receipt, error) {
	snap := st.snapshot()
	c := &execContext{st: st, tx: tx, env: env}
	reason, err := sp.executeSelf(c)
	if st.Err() != nil {
		st.revert(snap)
		return nil, st.Err()
	}
	if err != nil {
		st.revert(snap)
		return nil, err
	}
	r := &Receipt{TxID: tx.ID, Kind: tx.Tx.Payload.Kind(), Sender: tx.Sender, Status: StatusOK, Reason: reason, Attached: c.attached}
	if reason != ReasonNone {
		r.Status = StatusFailed
	}
	return r, nil
}

// ReceiptsRoot is the RFC 6962 Merkle tree hash (keccak256) over the
// receipts' hashes in batch order; the empty batch's root is keccak256("").
func ReceiptsRoot(rs []Receipt) Hash { return ReceiptHashesRoot(ReceiptHashes(rs)) }

// ReceiptHashes hashes each receipt (Receipt.Hash), in order.
func ReceiptHashes(rs []Receipt) []Hash {
	out := make([]Hash, len(rs))
	for i := range rs {
		out[i] = rs[i].Hash()
	}
	return out
}

// ReceiptHashesRoot is ReceiptsRoot from the receipts' hashes.
func ReceiptHashesRoot(hashes []Hash) Hash {
	leaves := make([]Hash, len(hashes))
	for i, h := range hashes {
		leaves[i] = ReceiptLeaf(h)
	}
	return merkleRoot(leaves)
}

func merkleRoot(leaves []Hash) Hash {
	switch len(leaves) {
	case 0:
		return Keccak256()
	case 1:
		return leaves[0]
	}
	k := 1
	for k*2 < len(leaves) {
		k *= 2
	}
	l, r := merkleRoot(leaves[:k]), merkleRoot(leaves[k:])
	return Keccak256([]byte{1}, l[:], r[:])
}

func u64be(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }
