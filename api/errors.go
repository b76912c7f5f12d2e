package api

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Code is the "code" of an error answer: what went wrong, for programs
// (the message is for people and may change). Each code has its usual
// HTTP status, HTTPStatus; docs/api.md lists them. The one exception:
// unknown_asset is 404 for a lookup and 422 for a transaction refused
// against the pending view.
type Code string

// The codes of refusals of a request or a transaction.
const (
	// CodeMalformed: the body, JSON, hex or encoding does not parse, or
	// breaks a rule of the API's JSON (docs/api.md, "JSON").
	CodeMalformed Code = "malformed"
	// CodeBadSignature: the signature is invalid, high-s, or not by the
	// signing account (often: signed for another chain id or Anchor).
	CodeBadSignature Code = "bad_signature"
	// CodeInvalid: a field can never be valid.
	CodeInvalid Code = "invalid"
	// CodeNonceTooLow: the nonce was used.
	CodeNonceTooLow Code = "nonce_too_low"
	// CodeNonceGap: the node does not know the account's earlier
	// transactions.
	CodeNonceGap Code = "nonce_gap"
	// CodeConflict: another transaction holds this account nonce.
	CodeConflict Code = "conflict"
	// CodeAmbiguous: a name or symbol matches several accounts or assets;
	// the error's Candidates lists them.
	CodeAmbiguous Code = "ambiguous"
	// CodeInsufficientFunds, CodeUnknownAsset, CodeCardBlocked and
	// CodeUnfundable: the transaction would fail against the pending
	// view (422); nothing moved. CodeUnknownAsset is also an asset lookup
	// that found none (404, its usual status).
	CodeInsufficientFunds Code = "insufficient_funds"
	CodeUnknownAsset      Code = "unknown_asset"
	CodeCardBlocked       Code = "card_blocked"
	CodeUnfundable        Code = "unfundable"
)

// The codes of lookups that found nothing.
const (
	CodeNotFound       Code = "not_found"
	CodeUnknownTx      Code = "unknown_tx"
	CodeUnknownAccount Code = "unknown_account"
	CodeUnknownBatch   Code = "unknown_batch"
	CodeUnknownCard    Code = "unknown_card"
	CodeUnknownOffer   Code = "unknown_offer"
	CodeUnknownType    Code = "unknown_type"
	CodeUnknownVenue   Code = "unknown_venue"
)

// The codes of limits and of the node's own state.
const (
	// CodeTooLarge: the request body is over the node's limit.
	CodeTooLarge Code = "too_large"
	// CodeRateLimited, CodeTooManyStreams: too many submissions, or
	// event streams, from one client address.
	CodeRateLimited    Code = "rate_limited"
	CodeTooManyStreams Code = "too_many_streams"
	// CodeQuota: the account's quota of pending transactions that move
	// no value is used up; CodeMakerQuota: the maker's quota of offers.
	CodeQuota      Code = "quota"
	CodeMakerQuota Code = "maker_quota"
	// CodeUnauthorized: the call needs the node's API token.
	CodeUnauthorized Code = "unauthorized"
	// CodeBusy: the pending pool, an account's gap queue or the node's
	// event streams are full; CodeBookFull: the order book is.
	CodeBusy     Code = "busy"
	CodeBookFull Code = "book_full"
	// CodeNotFinal: what was asked for has settled but is not final yet.
	CodeNotFinal Code = "not_final"
	// CodeInternal: a fault of the node (its log says more).
	CodeInternal Code = "internal"
	// CodeNoVault: the node follows no Vault.
	CodeNoVault Code = "no_vault"
	// CodeNotASettler, CodeNotAnIssuer, CodeNotWallet: the node has no
	// settlement key, runs no issuer, or does not hold the account's key.
	CodeNotASettler Code = "not_a_settler"
	CodeNotAnIssuer Code = "not_an_issuer"
	CodeNotWallet   Code = "not_wallet"
	// CodeNotCardIssuer: another issuer registered the card.
	CodeNotCardIssuer Code = "not_card_issuer"
	// CodeBadBase: a card's update base is ahead of what the issuer
	// signed.
	CodeBadBase Code = "bad_base"
)

// The codes of offers, quotes and conversions.
const (
	CodeOfferDead     Code = "offer_dead"
	CodeOfferTooSmall Code = "offer_too_small"
	CodeThinBook      Code = "thin_book"
	CodeNoOffer       Code = "no_offer"
	CodeNoConversion  Code = "no_conversion"
	CodeTooSmall      Code = "too_small"
	CodeRefused       Code = "refused"
	CodeExpired       Code = "expired"
)

// The codes of venue records (signage).
const (
	// CodeStale: the node holds a newer record (a higher seq) of the same
	// venue, store or place, or another record with the same seq.
	CodeStale Code = "stale"
	// CodeVenueFull: the node holds as many venues, or stores of the
	// venue, as it keeps.
	CodeVenueFull Code = "venue_full"
	// CodeNotOperator: a place signed by another key than the venue's
	// operator.
	CodeNotOperator Code = "not_operator"
)

// The codes of the node's card readers (a node started with --readers).
const (
	// CodeNoReaders: the node serves no card readers.
	CodeNoReaders Code = "no_readers"
	// CodeUnknownReader: the machine has no reader with that index.
	CodeUnknownReader Code = "unknown_reader"
	// CodeNoCard: the reader holds no card, or it was taken out during
	// the call.
	CodeNoCard Code = "no_card"
	// CodeCardRefused: the card refused the command (a wrong PIN, a
	// blocked PIN, a stale update value); the message says why in words.
	CodeCardRefused Code = "card_refused"
	// CodeNoTerminal: the node runs no merchant terminal on its readers
	// (start it with --terminal DIR).
	CodeNoTerminal Code = "no_terminal"
	// CodeUnknownPayment: the terminal has no payment with that id (or
	// no longer: a finished one is kept for minutes).
	CodeUnknownPayment Code = "unknown_payment"
	// CodeNotWaiting: the payment is not waiting for that answer (a PIN
	// when it asks for none, a quote's answer when none is shown).
	CodeNotWaiting Code = "not_waiting"
)

var httpStatus = map[Code]int{
	CodeMalformed:         http.StatusBadRequest,
	CodeBadSignature:      http.StatusBadRequest,
	CodeInvalid:           http.StatusBadRequest,
	CodeNonceTooLow:       http.StatusConflict,
	CodeNonceGap:          http.StatusConflict,
	CodeConflict:          http.StatusConflict,
	CodeAmbiguous:         http.StatusConflict,
	CodeInsufficientFunds: http.StatusUnprocessableEntity,
	CodeUnknownAsset:      http.StatusNotFound,
	CodeCardBlocked:       http.StatusUnprocessableEntity,
	CodeUnfundable:        http.StatusUnprocessableEntity,

	CodeNotFound:       http.StatusNotFound,
	CodeUnknownTx:      http.StatusNotFound,
	CodeUnknownAccount: http.StatusNotFound,
	CodeUnknownBatch:   http.StatusNotFound,
	CodeUnknownCard:    http.StatusNotFound,
	CodeUnknownOffer:   http.StatusNotFound,
	CodeUnknownType:    http.StatusNotFound,
	CodeUnknownVenue:   http.StatusNotFound,

	CodeTooLarge:       http.StatusRequestEntityTooLarge,
	CodeRateLimited:    http.StatusTooManyRequests,
	CodeTooManyStreams: http.StatusTooManyRequests,
	CodeQuota:          http.StatusTooManyRequests,
	CodeMakerQuota:     http.StatusTooManyRequests,
	CodeUnauthorized:   http.StatusUnauthorized,
	CodeBusy:           http.StatusServiceUnavailable,
	CodeBookFull:       http.StatusServiceUnavailable,
	CodeNotFinal:       http.StatusServiceUnavailable,
	CodeInternal:       http.StatusInternalServerError,
	CodeNoVault:        http.StatusConflict,
	CodeNotASettler:    http.StatusConflict,
	CodeNotAnIssuer:    http.StatusConflict,
	CodeNotWallet:      http.StatusForbidden,
	CodeNotCardIssuer:  http.StatusForbidden,
	CodeBadBase:        http.StatusConflict,

	CodeOfferDead:     http.StatusUnprocessableEntity,
	CodeOfferTooSmall: http.StatusUnprocessableEntity,
	CodeThinBook:      http.StatusUnprocessableEntity,
	CodeNoOffer:       http.StatusUnprocessableEntity,
	CodeNoConversion:  http.StatusUnprocessableEntity,
	CodeTooSmall:      http.StatusUnprocessableEntity,
	CodeRefused:       http.StatusUnprocessableEntity,
	CodeExpired:       http.StatusGone,

	CodeStale:       http.StatusConflict,
	CodeVenueFull:   http.StatusServiceUnavailable,
	CodeNotOperator: http.StatusForbidden,

	CodeNoReaders:     http.StatusConflict,
	CodeUnknownReader: http.StatusNotFound,
	CodeNoCard:        http.StatusConflict,
	CodeCardRefused:   http.StatusUnprocessableEntity,

	CodeNoTerminal:     http.StatusConflict,
	CodeUnknownPayment: http.StatusNotFound,
	CodeNotWaiting:     http.StatusConflict,
}

// HTTPStatus is the HTTP status an error with this code is usually sent
// with (500 for a code this package does not know).
func (c Code) HTTPStatus() int {
	if s, ok := httpStatus[c]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// Codes lists every code the API answers with (the status table's: a
// test holds it to every Code constant declared here).
func Codes() []Code {
	out := make([]Code, 0, len(httpStatus))
	for c := range httpStatus {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// Error is the JSON body of every error answer.
type Error struct {
	Code       Code        `json:"code"`
	Message    string      `json:"message"`
	Candidates []Candidate `json:"candidates,omitempty"`
	// HTTPStatus is the status the answer has: what the server sends it
	// with (usually Code.HTTPStatus()), what a client received it with.
	// It is not part of the body.
	HTTPStatus int `json:"-"`
}

// Errorf makes an error with code, its usual HTTP status, and a message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), HTTPStatus: code.HTTPStatus()}
}

// Error is the message, with the candidates of an ambiguous name one a
// line.
func (e *Error) Error() string {
	s := e.Message
	for _, c := range e.Candidates {
		s += "\n  " + strings.TrimSpace(strings.Join([]string{c.Name, c.Symbol, c.Address, c.ID}, " "))
	}
	return s
}

// Candidate is one match of an ambiguous name or symbol.
type Candidate struct {
	Name    string `json:"name,omitempty"`
	Address string `json:"address,omitempty"`
	ID      string `json:"id,omitempty"`
	Symbol  string `json:"symbol,omitempty"`
}
