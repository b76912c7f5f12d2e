package route

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/ledger"
	"github.com/anonex/anonex/node/pool"
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
		ae := Classify(c.err)
		if ae.Code != c.code || ae.HTTPStatus != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d %s, want 422 %s", c.name, ae.HTTPStatus, ae.Code, c.code)
		}
	}
}
