// Package api is the vocabulary of the node's HTTP API (docs/api.md) that
// its server (package node) and its clients (the CLI, devnet, wallets in
// Go) share, so both sides name a status with the same typed constant and
// never compare bare strings.
//
// It holds the statuses a response carries. It is a leaf: it imports no
// other package of anonex, so anything may use it.
package api
