package client

import (
	"context"
	"fmt"

	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/cardbridge/cardproto"
	"github.com/anonex/anonex/cardbridge/terminal"
	"github.com/anonex/anonex/ledger"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/holiman/uint256"
)

// TerminalNet lets a merchant terminal use a node through its HTTP API.
// Conversions go to Wallet, the card owner's wallet node (C when nil).
type TerminalNet struct {
	C      *Client
	Wallet *Client
}

func (t TerminalNet) wallet() *Client {
	if t.Wallet != nil {
		return t.Wallet
	}
	return t.C
}

// RequestConversion implements terminal.Network.
func (t TerminalNet) RequestConversion(ctx context.Context, r terminal.ConversionRequest) (cardproto.ConvertApproval, error) {
	req := api.PayConversionRequest{Card: r.Card, Fiat: r.Fiat, FiatAmount: r.FiatAmount.Dec(), Payee: r.Payee, Challenge: r.Challenge,
		Nonce: r.Nonce, Sealed: hexutil.Encode(r.Sealed), Signature: r.Sig}
	ap, err := t.wallet().PayConversion(ctx, req)
	if err != nil {
		return cardproto.ConvertApproval{}, err
	}
	amount, err := uint256.FromDecimal(ap.Amount)
	if err != nil {
		return cardproto.ConvertApproval{}, fmt.Errorf("node: approval amount %q: %w", ap.Amount, err)
	}
	return cardproto.ConvertApproval{Nonce: ap.Nonce, Asset: ap.Asset, Amount: *amount, Collector: ap.Collector, Sig: ap.Signature}, nil
}

// CompleteConversion implements terminal.Network.
func (t TerminalNet) CompleteConversion(ctx context.Context, nonce ledger.Hash, counter uint64, sig ledger.Sig) (ledger.Hash, error) {
	done, err := t.wallet().RecordPayConversion(ctx, nonce, api.PayConversionRecord{Counter: counter, Signature: sig})
	return done.Tx, err
}

var _ terminal.Network = TerminalNet{}

// CardStatus implements terminal.Network.
func (t TerminalNet) CardStatus(ctx context.Context, card ledger.Address) (terminal.CardStatus, error) {
	info, err := t.C.Card(ctx, card)
	if err != nil {
		return terminal.CardStatus{}, err
	}
	cs := terminal.CardStatus{Registered: info.Registered, Issuer: info.Issuer, HotListed: info.HotListed}
	switch {
	case info.Cloned:
		cs.Reason = "cloned"
	case info.Blocked:
		cs.Reason = info.BlockReason
	}
	return cs, nil
}

// UpdateValue implements terminal.Network.
func (t TerminalNet) UpdateValue(ctx context.Context, card ledger.Address, asset ledger.Hash, base uint64) (cardproto.Update, bool, error) {
	uv, err := t.C.UpdateValue(ctx, card, asset, base)
	if err != nil || uv.UpToDate {
		return cardproto.Update{}, uv.UpToDate, err
	}
	u, err := cardUpdate(uv)
	return u, false, err
}

// Submit implements terminal.Network.
func (t TerminalNet) Submit(ctx context.Context, tx *ledger.Tx) (ledger.Hash, error) {
	r, err := t.C.Submit(ctx, tx)
	return r.ID, err
}

// WaitSettled implements terminal.Network.
func (t TerminalNet) WaitSettled(ctx context.Context, id ledger.Hash) (bool, string, error) {
	info, err := t.C.WaitTx(ctx, id)
	if err != nil {
		return false, "", err
	}
	return info.Status == api.TxSettled, string(info.Status) + ": " + info.Reason, nil
}
