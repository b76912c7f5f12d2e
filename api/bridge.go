package api

import (
	"encoding/json"

	"github.com/anonex/anonex/ledger"
)

// The Ethereum bridge (a node that follows a Vault): GET
// /v1/deposits/{q}, /v1/batches/{seq}/attestations and
// /v1/withdrawals/{id}.

// Deposit is one settled Vault deposit (GET /v1/deposits/{q} answers a
// list of them).
type Deposit struct {
	Index   uint64         `json:"index"`
	Asset   ledger.Hash    `json:"asset"`
	Account ledger.Address `json:"account"`
	Amount  string         `json:"amount"` // base units, decimal
	From    ledger.Address `json:"from"`   // the Ethereum sender
	Status  TxStatus       `json:"status"` // settled or failed
	Reason  string         `json:"reason,omitempty"`
	Block   uint64         `json:"block"`
	EthTx   ledger.Hash    `json:"eth_tx"`
}

// BatchAttestations is a batch's attestation as this node folded it, with
// the matching signatures it holds (ascending by signer, as the Vault
// wants them).
type BatchAttestations struct {
	Attestation ledger.Attestation `json:"attestation"`
	Signatures  []AttesterSig      `json:"signatures"`
	Threshold   int                `json:"threshold"`
	Attesters   []ledger.Address   `json:"attesters"`
	Vault       ledger.Address     `json:"vault"`
	// Conflicting lists attesters that signed other roots for this batch.
	Conflicting []ledger.Address `json:"conflicting,omitempty"`
}

// AttesterSig is one attester's signature.
type AttesterSig struct {
	Signer    ledger.Address `json:"signer"`
	Signature ledger.Sig     `json:"signature"`
}

// Withdrawal is everything needed to claim a withdrawal from the Vault.
type Withdrawal struct {
	ID ledger.Hash `json:"id"`
	// Status: pending (not settled), failed (settled with a reason: nothing
	// was burned), burned (settled, attestations short of the threshold),
	// attested (claimable), paid.
	Status   WithdrawalStatus `json:"status"`
	Reason   string           `json:"reason,omitempty"`
	Withdraw *ledger.Withdraw `json:"-"`
	Tx       json.RawMessage  `json:"tx,omitempty"`
	Seq      *uint64          `json:"seq,omitempty"`
	Index    uint64           `json:"index"`
	Size     uint64           `json:"size"`
	Proof    []ledger.Hash    `json:"proof,omitempty"`
	Token    *ledger.Address  `json:"token,omitempty"`

	*BatchAttestations
}
