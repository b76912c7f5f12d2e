package api

// TxStatus is what a node knows of a transaction: the "status" of GET
// /v1/txs/{id}, of POST /v1/txs and of /v1/events' tx events, and of a
// Vault deposit (settled or failed).
type TxStatus string

const (
	// TxPending: in the node's pending view, not yet settled.
	TxPending TxStatus = "pending"
	// TxQueued: accepted, waiting for an earlier nonce of its account.
	TxQueued TxStatus = "queued"
	// TxAnchored: in a batch this node posted, not yet folded.
	TxAnchored TxStatus = "anchored"
	// TxSettled: folded with a success receipt.
	TxSettled TxStatus = "settled"
	// TxFailed: folded with a failure receipt; the reason says why. Final:
	// the nonce is used.
	TxFailed TxStatus = "failed"
	// TxRejected: refused or dropped by this node; the reason says why.
	TxRejected TxStatus = "rejected"
)

// Final reports whether the status will not change on this node by itself:
// settled, failed or rejected. (A reorg can still take a settled or failed
// transaction back to pending; /v1/events says so.)
func (s TxStatus) Final() bool { return s == TxSettled || s == TxFailed || s == TxRejected }

// TxStatuses lists every TxStatus.
var TxStatuses = []TxStatus{TxPending, TxQueued, TxAnchored, TxSettled, TxFailed, TxRejected}

// WithdrawalStatus is the "status" of GET /v1/withdrawals/{id}.
type WithdrawalStatus string

const (
	// WithdrawalPending: the Withdraw is not settled.
	WithdrawalPending WithdrawalStatus = "pending"
	// WithdrawalFailed: settled with a failure receipt; nothing burned.
	WithdrawalFailed WithdrawalStatus = "failed"
	// WithdrawalBurned: settled; its batch has fewer attestations than the
	// Vault's threshold.
	WithdrawalBurned WithdrawalStatus = "burned"
	// WithdrawalAttested: claimable from the Vault.
	WithdrawalAttested WithdrawalStatus = "attested"
	// WithdrawalPaid: the Vault paid it.
	WithdrawalPaid WithdrawalStatus = "paid"
)

// ConversionStatus is the "status" of a gift-card conversion (GET
// /v1/conversions/{id}, event: conversion).
type ConversionStatus string

const (
	ConversionRequested ConversionStatus = "requested"
	// ConversionFilled: the fill is in the pending view.
	ConversionFilled ConversionStatus = "filled"
	// ConversionSettled: the fill settled.
	ConversionSettled ConversionStatus = "settled"
	// ConversionLoaded: the result was moved to the card account.
	ConversionLoaded ConversionStatus = "loaded"
	// ConversionFailed: the reason says why.
	ConversionFailed ConversionStatus = "failed"
)

// OfferStatus is the "status" of GET /v1/offers/{id} in the pending view.
type OfferStatus string

const (
	OfferOpen      OfferStatus = "open"
	OfferFilled    OfferStatus = "filled"
	OfferCancelled OfferStatus = "cancelled"
	OfferExpired   OfferStatus = "expired"
)
