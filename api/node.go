package api

import (
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/anonex/anonex/ledger"
)

// The node itself: GET /v1/status, /v1/eip712, /v1/evidence, /v1/events
// and POST /v1/admin/flush.

// NodeStatus is GET /v1/status.
type NodeStatus struct {
	Network     string      `json:"network"`
	PeerID      string      `json:"peer_id"`
	Peers       int         `json:"peers"`
	SettledSeq  *uint64     `json:"settled_seq"`
	SettledRoot ledger.Hash `json:"settled_root"`
	Pending     int         `json:"pending"`
	EthBlock    uint64      `json:"eth_block"`
	ChainID     uint64      `json:"chain_id"`
	Anchor      string      `json:"anchor"`
	Settler     string      `json:"settler,omitempty"`
	Vault       string      `json:"vault,omitempty"`
	Attester    string      `json:"attester,omitempty"`
	Error       string      `json:"error,omitempty"`
	// Disagreement is set once a registered attester signed other roots
	// for a batch this node folded: this node's settled state is not the
	// network's.
	Disagreement *RootDisagreement `json:"disagreement,omitempty"`
}

// RootDisagreement is a registered attester's signed attestation of a batch
// whose roots differ from what this node folded: the two fold different
// states from the same chain (a different Vault, another build, a bug).
// GET /v1/status shows the first one seen.
type RootDisagreement struct {
	Seq      uint64             `json:"seq"`
	Attester ledger.Address     `json:"attester"`
	Ours     ledger.Attestation `json:"ours"`
	Theirs   ledger.Attestation `json:"theirs"`
}

// EIP712Info is GET /v1/eip712: the domain and every type at once (with
// EIP712Domain), for reference. Wallets sign with EIP712Type.
type EIP712Info struct {
	Domain map[string]any                 `json:"domain"`
	Types  map[string][]ledger.TypedField `json:"types"`
}

// EIP712Type is GET /v1/eip712?type=T: what a wallet signs a T with, as
// is. Its keys are EIP-712's own (primaryType, and chainId and
// verifyingContract in the domain), not the API's snake_case: they are
// handed to the signer unchanged. Types holds T and the structs it
// references only, without EIP712Domain: ethers' signTypedData(domain,
// types, message) takes them so and refuses EIP712Domain among them. With
// rpc=eth_signTypedData_v4, Types also holds EIP712Domain: the document
// eth_signTypedData_v4 (MetaMask) takes once "message" is added.
type EIP712Type struct {
	Domain      map[string]any                 `json:"domain"`
	PrimaryType string                         `json:"primaryType"`
	Types       map[string][]ledger.TypedField `json:"types"`
}

// RPCSignTypedDataV4 is the one value of GET /v1/eip712's rpc parameter.
const RPCSignTypedDataV4 = "eth_signTypedData_v4"

// Event is one status change, sent on GET /v1/events.
type Event struct {
	Type   string       `json:"type"` // tx | batch | offer | deposit | ...
	ID     *ledger.Hash `json:"id,omitempty"`
	Status string       `json:"status,omitempty"`
	Seq    *uint64      `json:"seq,omitempty"`
	Reason string       `json:"reason,omitempty"`
	Root   *ledger.Hash `json:"root,omitempty"`
	// Deposits.
	Index   *uint64         `json:"index,omitempty"`
	Account *ledger.Address `json:"account,omitempty"`
	Asset   *ledger.Hash    `json:"asset,omitempty"`
	Amount  string          `json:"amount,omitempty"`
	EthTx   *ledger.Hash    `json:"eth_tx,omitempty"`
}

// Evidence is one equivocation (GET /v1/evidence): two different signed
// transactions for the same account nonce, with both in wire form so
// anyone can check the signatures.
type Evidence struct {
	Account   ledger.Address `json:"account"`
	Nonce     uint64         `json:"nonce"`
	First     ledger.Hash    `json:"first"`
	Second    ledger.Hash    `json:"second"`
	FirstRaw  HexBytes       `json:"first_raw"`
	SecondRaw HexBytes       `json:"second_raw"`
}

// HexBytes is bytes written as a 0x-prefixed hex string.
type HexBytes []byte

// MarshalText writes 0x-hex.
func (h HexBytes) MarshalText() ([]byte, error) { return []byte(fmt.Sprintf("0x%x", []byte(h))), nil }

// UnmarshalText reads 0x-hex.
func (h *HexBytes) UnmarshalText(b []byte) error {
	s, ok := strings.CutPrefix(string(b), "0x")
	if !ok {
		return fmt.Errorf("api: %q is not 0x-hex", b)
	}
	v, err := hex.DecodeString(s)
	if err != nil {
		return fmt.Errorf("api: %q is not 0x-hex: %v", b, err)
	}
	*h = v
	return nil
}

// FlushResult is what POST /v1/admin/flush answers.
type FlushResult struct {
	Flushed bool `json:"flushed"`
}

// BackupRequest is the body of POST /v1/admin/backup.
type BackupRequest struct {
	// Dir is where the node writes the backup, on its own machine: an
	// absolute path that does not exist yet.
	Dir string `json:"dir"`
}

// BackupResult is what POST /v1/admin/backup answers: the backup, a data
// dir a node starts from, as read back from it.
type BackupResult struct {
	Dir string `json:"dir"`
	// Format is the store's format version (ledger/store.FormatVersion).
	Format uint32 `json:"format"`
	// SettledSeq is the last batch folded in the backup (absent when
	// none); StateRoot the root after it.
	SettledSeq *uint64     `json:"settled_seq,omitempty"`
	StateRoot  ledger.Hash `json:"state_root"`
	// Pending counts the acknowledged transactions not yet settled that
	// the backup holds.
	Pending int `json:"pending"`
	// Files are the node's files copied beside the store (p2p.key,
	// api-token).
	Files []string `json:"files"`
}
