package pool

import "github.com/anonex/anonex/ledger"

// UnfundableError is ErrUnfundable with its facts, so the node's API picks its
// error code from them (errors.As) and never from the message's text.
type UnfundableError struct {
	// Reason is the receipt the transaction would get in the pending view
	// (ReasonNone when another rule of the view refused it).
	Reason ledger.Reason
	// Err is the ledger's error behind the refusal, if any (e.g.
	// ledger.ErrCardBlocked, or the unfunded card record's skip).
	Err error
}

func (e *UnfundableError) Error() string {
	s := ErrUnfundable.Error()
	if e.Reason != ledger.ReasonNone {
		s += ": " + e.Reason.String()
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Is makes errors.Is(err, ErrUnfundable) hold.
func (e *UnfundableError) Is(target error) bool { return target == ErrUnfundable }

func (e *UnfundableError) Unwrap() error { return e.Err }
