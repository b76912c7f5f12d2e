package api

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/anonex/anonex/internal/strictjson"
	"github.com/anonex/anonex/ledger"
)

// Transactions and batches: POST /v1/txs, GET /v1/txs/{id},
// /v1/batches/{seq} and /v1/proofs/{account}/{asset}.

// SubmitRequest is the body of POST /v1/txs: the JSON form of a signed
// transaction, or {"raw": "0x<wire form>"} and nothing else.
type SubmitRequest struct {
	Tx *ledger.Tx
}

// UnmarshalJSON reads either form strictly.
func (s *SubmitRequest) UnmarshalJSON(b []byte) error {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(b, &keys); err != nil {
		return err
	}
	if _, ok := keys["raw"]; !ok {
		s.Tx = new(ledger.Tx)
		return s.Tx.UnmarshalJSON(b)
	}
	var raw struct {
		Raw string `json:"raw"`
	}
	if err := strictjson.Unmarshal(b, &raw); err != nil {
		return err
	}
	w, err := hex.DecodeString(strings.TrimPrefix(raw.Raw, "0x"))
	if err != nil {
		return fmt.Errorf("raw is not hex: %v", err)
	}
	s.Tx, err = ledger.DecodeTx(w)
	return err
}

// SubmitResult is what POST /v1/txs answers.
type SubmitResult struct {
	ID     ledger.Hash `json:"id"`
	Status TxStatus    `json:"status"` // pending | queued | settled | failed
}

// TxInfo is GET /v1/txs/{id}.
type TxInfo struct {
	ID       ledger.Hash `json:"id"`
	Status   TxStatus    `json:"status"`
	BatchSeq *uint64     `json:"batch_seq,omitempty"`
	Reason   string      `json:"reason,omitempty"`
	Kind     string      `json:"kind,omitempty"`
}

// Batch is GET /v1/batches/{seq}: a batch as this node folded it. Txs
// counts its transactions, Receipts those with a receipt, Skipped the
// usable ones without (they stay pending), Invalid the unusable ones; the
// roots are those after the batch.
type Batch struct {
	Seq          uint64         `json:"seq"`
	Block        uint64         `json:"block"`
	BlockHash    ledger.Hash    `json:"block_hash"`
	TxHash       ledger.Hash    `json:"eth_tx"`
	Submitter    ledger.Address `json:"submitter"`
	DataHash     ledger.Hash    `json:"data_hash"`
	Bytes        int            `json:"bytes"`
	Txs          int            `json:"txs"`
	Receipts     int            `json:"receipts"`
	Skipped      int            `json:"skipped"`
	Invalid      int            `json:"invalid"`
	StateRoot    ledger.Hash    `json:"state_root"`
	ReceiptsRoot ledger.Hash    `json:"receipts_root"`
	// Junk is set when the batch did not decode; it changed nothing.
	Junk string `json:"junk,omitempty"`
}

// ProofInfo is GET /v1/proofs/{account}/{asset}: a settled balance and its
// Merkle proof against the latest folded state root.
type ProofInfo struct {
	Account   ledger.Address `json:"account"`
	Asset     ledger.Hash    `json:"asset"`
	Units     string         `json:"units"`
	Key       string         `json:"key"`
	Value     string         `json:"value"`
	StateRoot ledger.Hash    `json:"state_root"`
	Seq       *uint64        `json:"batch_seq"`
	Proof     ledger.Proof   `json:"proof"`
}
