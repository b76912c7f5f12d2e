package client

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/chain"
	"github.com/anonex/anonex/ledger"
	"github.com/ethereum/go-ethereum/common"
)

// ClaimResult is what ClaimWithdrawal did on Ethereum.
type ClaimResult struct {
	ID         ledger.Hash    `json:"id"`
	Seq        uint64         `json:"seq"`
	ConfirmTx  *common.Hash   `json:"confirm_tx,omitempty"` // nil when the batch was confirmed before
	ConfirmGas uint64         `json:"confirm_gas,omitempty"`
	PayoutTx   common.Hash    `json:"payout_tx"`
	PayoutGas  uint64         `json:"payout_gas"`
	To         ledger.Address `json:"to"`
	Amount     string         `json:"amount"` // base units
}

// ClaimWithdrawal waits (polling every poll) until the node holds a
// threshold of attestations for the batch that burned withdrawal id, then
// records the attestation in the Vault if nobody did yet and claims the
// payout with t. Any funded Ethereum account may claim: the Vault pays the
// recipient the Withdraw names.
func ClaimWithdrawal(ctx context.Context, cl *Client, v *chain.Vault, t *chain.Transactor, id ledger.Hash, poll time.Duration) (*ClaimResult, error) {
	var w api.Withdrawal
	for {
		var err error
		w, err = cl.Withdrawal(ctx, id)
		if err != nil {
			return nil, err
		}
		switch w.Status {
		case api.WithdrawalFailed:
			return nil, fmt.Errorf("%w: %s", ErrWithdrawalFailed, w.Reason)
		case api.WithdrawalPaid:
			return nil, ErrAlreadyPaid
		}
		if w.Status == api.WithdrawalAttested {
			break
		}
		select {
		case <-ctx.Done():
			got := 0
			if w.BatchAttestations != nil {
				got = len(w.Signatures)
			}
			return nil, fmt.Errorf("withdrawal %s is %s (%d attestations held by the node): %w", id, w.Status, got, ctx.Err())
		case <-time.After(poll):
		}
	}
	if w.Withdraw == nil || w.Seq == nil {
		return nil, fmt.Errorf("node: withdrawal %s: the node sent no transaction or batch", id)
	}
	if w.Vault != ledger.Address(v.Address) {
		return nil, fmt.Errorf("node: withdrawal %s is attested for vault %s, not %s", id, w.Vault.Hex(), v.Address.Hex())
	}
	res := &ClaimResult{ID: id, Seq: *w.Seq, To: w.Withdraw.To, Amount: w.Withdraw.Amount.Dec()}
	root, err := v.Confirmed(ctx, *w.Seq)
	if err != nil {
		return nil, err
	}
	if root.IsZero() {
		sigs := make([]ledger.Sig, len(w.Signatures))
		for i, s := range w.Signatures {
			sigs[i] = s.Signature
		}
		r, err := v.ConfirmBatch(ctx, t, w.Attestation, sigs)
		if err != nil {
			return nil, fmt.Errorf("confirming batch %d in the vault: %w", *w.Seq, err)
		}
		h := r.TxHash
		res.ConfirmTx, res.ConfirmGas = &h, r.GasUsed
	}
	r, err := v.Withdraw(ctx, t, w.Withdraw, *w.Seq, w.Index, w.Size, w.Proof)
	if err != nil {
		var re *chain.RevertError
		if errors.As(err, &re) && len(re.Reason) >= 11 && re.Reason[:11] == "AlreadyPaid" {
			return nil, ErrAlreadyPaid
		}
		return nil, fmt.Errorf("claiming from the vault: %w", err)
	}
	res.PayoutTx, res.PayoutGas = r.TxHash, r.GasUsed
	return res, nil
}
