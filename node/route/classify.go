package route

import (
	"errors"
	"net/http"

	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/ledger"
	"github.com/anonex/anonex/node/pool"
)

// unfundableCodes are the reasons of ErrUnfundable with a code of their
// own; any other reason is "unfundable".
var unfundableCodes = map[ledger.Reason]api.Code{
	ledger.ReasonInsufficientFunds: api.CodeInsufficientFunds,
	ledger.ReasonUnknownAsset:      api.CodeUnknownAsset,
}

// Classify maps ledger and pool errors to API errors by their types
// (errors.Is and errors.As), never by their text. Anything else is 500
// internal.
func Classify(err error) *api.Error {
	msg := err.Error()
	switch {
	case errors.Is(err, ledger.ErrDecode), errors.Is(err, ledger.ErrUnknownKind), errors.Is(err, ledger.ErrBadAddress),
		errors.Is(err, ledger.ErrBadHash), errors.Is(err, ledger.ErrBadAmount):
		return api.Errorf(api.CodeMalformed, "%s", msg)
	case errors.Is(err, ledger.ErrBadSignature), errors.Is(err, ledger.ErrWrongSigner):
		return api.Errorf(api.CodeBadSignature, "%s (check the chain id and Anchor address of the EIP-712 domain: GET /v1/eip712)", msg)
	case errors.Is(err, ledger.ErrBadField), errors.Is(err, ledger.ErrZeroAmount), errors.Is(err, ledger.ErrTooManyDecim):
		return api.Errorf(api.CodeInvalid, "%s", msg)
	case errors.Is(err, ledger.ErrNonceTooLow):
		return api.Errorf(api.CodeNonceTooLow, "%s", msg)
	case errors.Is(err, pool.ErrConflict):
		return api.Errorf(api.CodeConflict, "%s", msg)
	case errors.Is(err, pool.ErrNonceGapUnknown):
		return api.Errorf(api.CodeNonceGap, "%s (send the account's earlier transactions first)", msg)
	case errors.Is(err, pool.ErrUnfundable):
		code := api.CodeUnfundable
		var ue *pool.UnfundableError
		switch {
		case errors.Is(err, ledger.ErrCardBlocked):
			code = api.CodeCardBlocked
		case errors.As(err, &ue) && unfundableCodes[ue.Reason] != "":
			code = unfundableCodes[ue.Reason]
		}
		e := api.Errorf(code, "%s", msg)
		// unknown_asset included: a transaction refused, not a lookup.
		e.HTTPStatus = http.StatusUnprocessableEntity
		return e
	case errors.Is(err, pool.ErrQueueFull), errors.Is(err, pool.ErrPoolFull):
		return api.Errorf(api.CodeBusy, "%s", msg)
	case errors.Is(err, pool.ErrQuota):
		return api.Errorf(api.CodeQuota, "%s (wait until some settle)", msg)
	}
	return api.Errorf(api.CodeInternal, "%s", msg)
}
