// Package api is the vocabulary of the node's HTTP API (docs/api.md): the
// request and response types of every route, the typed statuses they
// carry, and the error codes. The server (package node) answers with
// these types and every client reads them — package client, the CLI,
// devnet, the bench, wallets in Go — so both sides name a field, a status
// or a code the same way and never compare bare strings.
//
//   - Requests and answers, by route family: node.go (status, eip712,
//     evidence, events, flush), txs.go (transactions, batches, proofs),
//     accounts.go (accounts and assets), cards.go, bridge.go (deposits,
//     attestations, withdrawals), offers.go, conversions.go, allocate.go.
//   - Statuses (status.go): TxStatus, WithdrawalStatus, ConversionStatus,
//     OfferStatus.
//   - Errors (errors.go): Error is the body of every error answer; Code
//     its "code", each with its usual HTTP status.
//
// The JSON of these types is the API's contract: a change to a field's
// name or tag is an API change (node's tests hold every name to
// snake_case and every route's types to this package). It is a leaf: it
// imports only the ledger's types (addresses, hashes, signatures, signed
// transactions and offers) and the strict JSON reader, never node, the
// store, p2p or chain, so a client links none of them.
package api
