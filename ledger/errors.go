package ledger

import "errors"

// Errors of decoding: the bytes or JSON do not form a transaction.
var (
	ErrBadAddress   = errors.New("ledger: malformed address")
	ErrBadHash      = errors.New("ledger: malformed hash")
	ErrDecode       = errors.New("ledger: malformed encoding")
	ErrUnknownKind  = errors.New("ledger: unknown transaction kind")
	ErrBadAmount    = errors.New("ledger: malformed amount")
	ErrTooManyDecim = errors.New("ledger: amount has more decimals than the asset")
	ErrBatchTooBig  = errors.New("ledger: batch exceeds its caps")
	ErrBatchVersion = errors.New("ledger: unsupported batch version")
)

// Errors of validity: the transaction can never be valid, whatever the state.
var (
	ErrBadSignature = errors.New("ledger: invalid signature")
	ErrWrongSigner  = errors.New("ledger: signature is not from the signing account")
	ErrZeroAmount   = errors.New("ledger: amount is zero")
	ErrBadField     = errors.New("ledger: invalid field")
)

// Skips: the transaction is not applicable now and produces no receipt. It
// stays pending and may apply later (a nonce gap fills) or never (its nonce
// was used by another transaction).
var (
	ErrNonceTooLow = errors.New("ledger: nonce too low")
	ErrNonceGap    = errors.New("ledger: nonce gap")
)

// ErrState wraps a failure of the store under the ledger: not the
// transaction's fault, and fatal for the operation.
var ErrState = errors.New("ledger: state store failed")

// IsSkip reports whether err means "no receipt now, not never valid".
func IsSkip(err error) bool {
	return errors.Is(err, ErrNonceTooLow) || errors.Is(err, ErrNonceGap) ||
		errors.Is(err, ErrCardUnknown) || errors.Is(err, ErrRecordApplied) ||
		errors.Is(err, ErrCardUnfunded)
}
