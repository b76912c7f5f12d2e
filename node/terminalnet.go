package node

import (
	"context"

	"github.com/anonex/anonex/cardbridge/cardproto"
	"github.com/anonex/anonex/cardbridge/terminal"
	"github.com/anonex/anonex/ledger"
)

// TerminalNet lets a merchant terminal use a node through its HTTP API.
type TerminalNet struct{ C *Client }

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
	case info.Lost:
		cs.Reason = "lost"
	}
	return cs, nil
}

// UpdateValue implements terminal.Network.
func (t TerminalNet) UpdateValue(ctx context.Context, card ledger.Address, asset ledger.Hash, base uint64) (cardproto.Update, bool, error) {
	uv, err := t.C.UpdateValue(ctx, card, asset, base)
	if err != nil || uv.UpToDate {
		return cardproto.Update{}, uv.UpToDate, err
	}
	u, err := uv.CardUpdate()
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
	return info.Status == "settled", info.Status + ": " + info.Reason, nil
}
