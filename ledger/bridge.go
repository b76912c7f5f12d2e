package ledger

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/holiman/uint256"
)

// The Ethereum value bridge (contracts/Vault.sol). Two system entries come
// from the Vault's events, in chain order with the Anchor's batches: an
// asset listing and a deposit. They are not signed by any account: the
// chain vouches for them, and a node reads them only from the Vault it was
// configured with. A Withdraw is an ordinary account transaction that burns
// a bridged asset; the Vault pays it out against the receipt's proof.

// KindWithdraw is the Withdraw transaction's kind.
const KindWithdraw Kind = 7

// Errors of system entries.
var (
	// ErrDepositApplied: the deposit's index is below the next one; it was
	// credited before (a follower replaying after a restart).
	ErrDepositApplied = errors.New("ledger: deposit already credited")
	// ErrDepositGap: a deposit index was skipped; the chain reader lost
	// an event.
	ErrDepositGap = errors.New("ledger: deposit index out of order")
)

// BridgedAssetID is the asset id of a token bridged through a Vault:
// keccak256("anonex.bridge" ‖ chainId (32 bytes) ‖ vault ‖ token), token
// zero for ETH. Vault.assetId computes the same.
func BridgedAssetID(chainID uint64, vault, token Address) Hash {
	var cid [32]byte
	binary.BigEndian.PutUint64(cid[24:], chainID)
	return Keccak256([]byte("anonex.bridge"), cid[:], vault[:], token[:])
}

// VaultListing is the Vault's AssetListed event: the asset exists on the
// ledger from here on, with zero supply, issued by the Vault.
type VaultListing struct {
	Vault    Address
	Asset    Hash
	Token    Address // zero for ETH
	Symbol   string
	Decimals uint8
}

// ApplyListing creates a bridged asset. Listing an asset id that exists is
// a no-op (a replay); a listing the ledger cannot represent is an error
// (the Vault validates the same rules, so this means a different contract).
func ApplyListing(st *Overlay, l *VaultListing) error {
	st.err = nil
	if !ValidSymbol(l.Symbol) || l.Decimals > MaxAssetDecimals || l.Asset.IsZero() {
		return fmt.Errorf("%w: listing %s (%q, %d decimals)", ErrBadField, l.Asset, l.Symbol, l.Decimals)
	}
	if st.hasAsset(l.Asset) {
		return st.Err()
	}
	token := l.Token
	st.setAsset(l.Asset, &Asset{ID: l.Asset, Issuer: l.Vault, Symbol: l.Symbol, Decimals: l.Decimals, Token: &token})
	return st.Err()
}

// VaultDeposit is the Vault's Deposit event.
type VaultDeposit struct {
	Index   uint64
	Asset   Hash
	Account Address
	Amount  uint256.Int
}

const keyNextDeposit = "#d" // next deposit index (8 bytes)

// NextDeposit is the index of the next deposit the state expects.
func (o *Overlay) NextDeposit() uint64 {
	v := o.get(keyNextDeposit)
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

// ApplyDeposit credits a deposit: the account's balance and the asset's
// supply grow by the amount. Deposits apply in index order, each once:
// ErrDepositApplied for an index already credited, ErrDepositGap for one
// ahead of the next. A deposit of an asset the ledger does not know, or
// one that would overflow, is recorded as failed (the index is used, the
// value stays locked in the Vault) and returned as a non-OK Reason.
func ApplyDeposit(st *Overlay, d *VaultDeposit) (Reason, error) {
	st.err = nil
	next := st.NextDeposit()
	if err := st.Err(); err != nil {
		return 0, err
	}
	switch {
	case d.Index < next:
		return 0, fmt.Errorf("%w: index %d, next is %d", ErrDepositApplied, d.Index, next)
	case d.Index > next:
		return 0, fmt.Errorf("%w: index %d, next is %d", ErrDepositGap, d.Index, next)
	}
	var c [8]byte
	binary.BigEndian.PutUint64(c[:], next+1)
	reason := credit(st, d)
	st.put(keyNextDeposit, c[:])
	return reason, st.Err()
}

func credit(st *Overlay, d *VaultDeposit) Reason {
	a, ok := st.Asset(d.Asset)
	if !ok || a.Token == nil {
		return ReasonUnknownAsset
	}
	if d.Amount.IsZero() || d.Account.IsZero() {
		return ReasonNone // the Vault refuses both; nothing to credit
	}
	supply, over := new(uint256.Int).AddOverflow(&a.Supply, &d.Amount)
	if over {
		return ReasonBalanceOverflow
	}
	bal, over := new(uint256.Int).AddOverflow(st.Balance(d.Account, d.Asset), &d.Amount)
	if over {
		return ReasonBalanceOverflow
	}
	a.Supply = *supply
	st.setAsset(d.Asset, a)
	st.touch(d.Account)
	st.setBalance(d.Account, d.Asset, bal)
	if _, isCard := st.Card(d.Account); isCard {
		st.addCardCredit(d.Account, d.Asset, &d.Amount)
	}
	return ReasonNone
}

// Withdraw burns Amount of a bridged Asset from Account; the Vault pays it
// to To on Ethereum once the batch with its receipt is attested. Its id
// (the EIP-712 digest) is what the Vault marks paid.
type Withdraw struct {
	Account Address
	Asset   Hash
	Amount  uint256.Int
	To      Address // Ethereum recipient
	Nonce   uint64
}

var withdrawFields = []TypedField{
	{"account", "address"}, {"asset", "bytes32"}, {"amount", "uint256"}, {"to", "address"}, {"nonce", "uint64"},
}

type withdrawJSON struct {
	Account Address  `json:"account"`
	Asset   Hash     `json:"asset"`
	Amount  jsonU256 `json:"amount"`
	To      Address  `json:"to"`
	Nonce   jsonU64  `json:"nonce"`
}

func init() {
	register(&kindSpec{
		kind:   KindWithdraw,
		name:   "Withdraw",
		fields: withdrawFields,
		decode: func(d *decoder) Payload {
			var w Withdraw
			w.Account = d.address("account")
			w.Asset = d.asset("asset")
			w.Amount = *d.amount("amount")
			copy(w.To[:], d.take(20, "to")) // an Ethereum address, never an account number
			w.Nonce = d.uvarint("nonce")
			return &w
		},
		fromJSON: func(msg json.RawMessage, at string) (Payload, error) {
			var j withdrawJSON
			if err := messageUnmarshal(msg, at, &j); err != nil {
				return nil, err
			}
			return &Withdraw{Account: j.Account, Asset: j.Asset, Amount: j.Amount.Int, To: j.To, Nonce: uint64(j.Nonce)}, nil
		},
		toJSON: func(p Payload) any {
			w := p.(*Withdraw)
			return withdrawJSON{w.Account, w.Asset, jsonU256{w.Amount}, w.To, jsonU64(w.Nonce)}
		},
	})
}

func (w *Withdraw) Kind() Kind           { return KindWithdraw }
func (w *Withdraw) Signer() Address      { return w.Account }
func (w *Withdraw) AccountNonce() uint64 { return w.Nonce }

func (w *Withdraw) StructHash() Hash {
	var s structWriter
	s.hash(specOf(KindWithdraw).typeHash)
	s.address(w.Account)
	s.hash(w.Asset)
	s.uint256(&w.Amount)
	s.address(w.To)
	s.uint64(w.Nonce)
	return s.sum()
}

func (w *Withdraw) Check() error {
	switch {
	case w.Amount.IsZero():
		return fmt.Errorf("%w: withdrawal of nothing", ErrZeroAmount)
	case w.To.IsZero():
		return fmt.Errorf("%w: withdrawal to the zero address", ErrBadField)
	case w.Asset.IsZero():
		return fmt.Errorf("%w: zero asset id", ErrBadField)
	}
	return nil
}

func (w *Withdraw) encode(e *encoder) {
	e.address(w.Account)
	e.asset(w.Asset)
	e.amount(&w.Amount)
	e.buf = append(e.buf, w.To[:]...)
	e.uvarint(w.Nonce)
}

func (w *Withdraw) execute(c *execContext) Reason {
	if _, ok := c.st.Card(w.Account); ok {
		return ReasonCardAccount
	}
	a, ok := c.st.Asset(w.Asset)
	switch {
	case !ok:
		return ReasonUnknownAsset
	case a.Token == nil:
		return ReasonNotBridged
	}
	bal := c.st.Balance(w.Account, w.Asset)
	if bal.Lt(&w.Amount) {
		return ReasonInsufficientFunds
	}
	c.st.setBalance(w.Account, w.Asset, bal.Sub(bal, &w.Amount))
	a.Supply.Sub(&a.Supply, &w.Amount) // supply ≥ any balance
	c.st.setAsset(w.Asset, a)
	return ReasonNone
}

// ReceiptProof returns the RFC 6962 audit path of leaf index among the
// batch's receipts (the proof Vault.withdraw checks against the receipts
// root).
func ReceiptProof(rs []Receipt, index int) ([]Hash, error) {
	return ReceiptHashProof(ReceiptHashes(rs), index)
}

// ReceiptHashProof is ReceiptProof from the receipts' hashes (what a store
// keeps per batch).
func ReceiptHashProof(hashes []Hash, index int) ([]Hash, error) {
	if index < 0 || index >= len(hashes) {
		return nil, fmt.Errorf("ledger: receipt %d of %d", index, len(hashes))
	}
	leaves := make([]Hash, len(hashes))
	for i, h := range hashes {
		leaves[i] = ReceiptLeaf(h)
	}
	return auditPath(leaves, index), nil
}

// ReceiptLeaf is the Merkle leaf of a receipt hash: keccak256(0x00 ‖ h).
func ReceiptLeaf(h Hash) Hash { return Keccak256([]byte{0}, h[:]) }

// auditPath is RFC 6962's PATH(m, D[n]).
func auditPath(leaves []Hash, m int) []Hash {
	n := len(leaves)
	if n <= 1 {
		return nil
	}
	k := 1
	for k*2 < n {
		k *= 2
	}
	if m < k {
		return append(auditPath(leaves[:k], m), merkleRoot(leaves[k:]))
	}
	return append(auditPath(leaves[k:], m-k), merkleRoot(leaves[:k]))
}

// VerifyReceiptProof checks an audit path as Vault.verifyInclusion does
// (RFC 9162 §2.1.3.2).
func VerifyReceiptProof(leaf Hash, index, size uint64, proof []Hash, root Hash) bool {
	if index >= size {
		return false
	}
	fn, sn, r := index, size-1, leaf
	for _, p := range proof {
		if sn == 0 {
			return false
		}
		if fn&1 == 1 || fn == sn {
			r = Keccak256([]byte{1}, p[:], r[:])
			for fn&1 == 0 && fn != 0 {
				fn >>= 1
				sn >>= 1
			}
		} else {
			r = Keccak256([]byte{1}, r[:], p[:])
		}
		fn >>= 1
		sn >>= 1
	}
	return sn == 0 && r == root
}

// Attestation is what the Vault's attesters sign for a settled batch, with
// EIP-712 under the Vault's domain (name "anonex", version "1", the chain,
// the Vault): Attestation(uint64 seq,bytes32 dataHash,bytes32 stateRoot,
// bytes32 receiptsRoot).
type Attestation struct {
	Seq          uint64 `json:"seq"`
	DataHash     Hash   `json:"data_hash"`
	StateRoot    Hash   `json:"state_root"`
	ReceiptsRoot Hash   `json:"receipts_root"`
}

var attestationTypeHash = Keccak256([]byte("Attestation(uint64 seq,bytes32 dataHash,bytes32 stateRoot,bytes32 receiptsRoot)"))

// Digest is the EIP-712 digest an attester signs; Vault.attestationDigest
// computes the same.
func (a *Attestation) Digest(chainID uint64, vault Address) Hash {
	var w structWriter
	w.hash(attestationTypeHash)
	w.uint64(a.Seq)
	w.hash(a.DataHash)
	w.hash(a.StateRoot)
	w.hash(a.ReceiptsRoot)
	return NewDomain(chainID, vault).Digest(w.sum())
}
