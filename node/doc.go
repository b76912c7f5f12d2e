// Package node assembles one anonex node — the server side: the Pebble
// store, the pending pool (package node/pool: the pending view over a
// store snapshot, which a fold commits under first and then advances),
// the libp2p gossip host, the chain follower that folds anchored batches
// into the settled state, the settler that posts batches when the node
// has an Ethereum key, and the HTTP API.
//
// Beside them, in this package for now, the node's features: the issuer
// service (issuer.go: card certificates, registration, update values,
// blocks), the Vault bridge (bridge.go: deposits, attestations,
// withdrawals), offers and the book (offers.go), gift-card conversions
// (conversions.go) and conversions at payment time (payconvert.go), and
// stored-value allocation (allocate.go). Each mounts its routes on the
// API's mux.
//
// The API speaks package api's types (every route's request and answer,
// the error body and codes); node only answers with them. The client
// side — the HTTP client, the wallet's card flows, the terminal's network
// side, withdrawal claims — is package client, which imports nothing of
// node: a wallet or terminal links api and client, never the server.
//
// Lifecycle: New copies, defaults and validates the Config and opens the
// store; Start brings up the network, chain and API; Close stops every
// goroutine the node started and closes the store, and is safe to call
// twice. Time comes from Config.Clock so tests can drive it.
package node
