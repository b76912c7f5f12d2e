package apdu

import "errors"

// Sentinel errors. Functions wrap them with the facts of the failure
// (fmt.Errorf("%w: ...")); test with errors.Is.
var (
	// ErrBadCommand reports bytes that are not a short command APDU: fewer
	// than four bytes, or a length byte that does not match the rest.
	ErrBadCommand = errors.New("apdu: malformed command APDU")
	// ErrExtendedLength reports an extended-length command APDU (a 00 byte
	// where Lc would be, followed by a two-byte length). The applet speaks
	// short APDUs only: send long data with command chaining (Chain).
	ErrExtendedLength = errors.New("apdu: extended-length APDU not supported (short APDUs only; use command chaining)")
	// ErrBadResponse reports a response APDU shorter than its two status
	// bytes.
	ErrBadResponse = errors.New("apdu: malformed response APDU")
	// ErrDataTooLong reports a Command whose data does not fit one short
	// APDU (more than 255 bytes): split it with Chain.
	ErrDataTooLong = errors.New("apdu: command data over 255 bytes (use Chain)")
	// ErrBadLe reports a Command whose Le is not -1 (none) or 0..256.
	ErrBadLe = errors.New("apdu: Le out of range")
	// ErrChainInterleaved reports a chained part (or the command closing a
	// chain) whose CLA, INS, P1 or P2 differs from the chain's first part.
	// The chain is dropped; the card should answer SWConditionsNotSatisfied.
	ErrChainInterleaved = errors.New("apdu: command chain interrupted by a different command")
	// ErrChainTooLong reports a chain whose joined data would exceed the
	// Reassembler's limit. The chain is dropped; the card should answer
	// SWWrongLength.
	ErrChainTooLong = errors.New("apdu: chained command data too long")
	// ErrBadTLV reports bytes that are not a sequence of the applet's
	// BER-TLV objects: a truncated object, a multi-byte tag, an indefinite,
	// over-long or non-minimal length, or a constructed object whose value
	// is not itself TLV.
	ErrBadTLV = errors.New("apdu: malformed TLV")
	// ErrSW is matched (errors.Is) by every *SWError.
	ErrSW = errors.New("apdu: card answered an error status word")
)
