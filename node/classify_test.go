package node

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/ledger"
	"github.com/anonex/anonex/node/pool"
	"github.com/holiman/uint256"
)

// TestClassifyUsesTypedErrors: the code of a refusal comes from the
// error's type and facts, never from words in its message: a reason named
// only in the text gives no code of its own, and a typed reason gives its
// code whatever the text says.
func TestClassifyUsesTypedErrors(t *testing.T) {
	cases := []struct {
		name string
		err  error
		code api.Code
	}{
		{"typed insufficient funds", &pool.UnfundableError{Reason: ledger.ReasonInsufficientFunds}, "insufficient_funds"},
		{"typed unknown asset", &pool.UnfundableError{Reason: ledger.ReasonUnknownAsset}, "unknown_asset"},
		{"typed, misleading text", &pool.UnfundableError{Reason: ledger.ReasonUnknownAsset, Err: errors.New(ledger.ReasonInsufficientFunds.String())}, "unknown_asset"},
		{"another reason", &pool.UnfundableError{Reason: ledger.ReasonOfferExpired}, "unfundable"},
		{"wrapped", fmt.Errorf("submitting: %w", &pool.UnfundableError{Reason: ledger.ReasonInsufficientFunds}), "insufficient_funds"},
		{"card blocked", &pool.UnfundableError{Err: fmt.Errorf("%w: card 0x11", ledger.ErrCardBlocked)}, "card_blocked"},
		{"reason only in the text", fmt.Errorf("%w: %s", pool.ErrUnfundable, ledger.ReasonInsufficientFunds), "unfundable"},
		{"unknown asset only in the text", fmt.Errorf("%w: %s", pool.ErrUnfundable, ledger.ReasonUnknownAsset), "unfundable"},
	}
	for _, c := range cases {
		ae := classify(c.err)
		if ae.Code != c.code || ae.HTTPStatus != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d %s, want 422 %s", c.name, ae.HTTPStatus, ae.Code, c.code)
		}
	}
}

// TestPoolRefusalsCarryTheirReason: the pool's refusals are typed, so the
// API answers insufficient_funds and unknown_asset from the pending view
// itself.
func TestPoolRefusalsCarryTheirReason(t *testing.T) {
	n, _ := offlineNode(t)
	issuer := offlineKey(t, 0)
	is, eur := issueTx(t, issuer, "EUR", 0)
	mustSubmit(t, n, is)
	over := signTx(t, issuer, &ledger.Transfer{From: issuer.Address(), To: ledger.Address{9}, Asset: eur, Amount: *uint256.NewInt(2e9), Nonce: 1})
	if _, err := n.Submit(context.Background(), over); classify(err).Code != "insufficient_funds" {
		t.Errorf("overspend: %v classified %s", err, classify(err).Code)
	}
	unknown := signTx(t, issuer, &ledger.Transfer{From: issuer.Address(), To: ledger.Address{9}, Asset: ledger.Hash{0xee},
		Amount: *uint256.NewInt(1), Nonce: 1})
	if _, err := n.Submit(context.Background(), unknown); classify(err).Code != "unknown_asset" {
		t.Errorf("unknown asset: %v classified %s", err, classify(err).Code)
	}
}
