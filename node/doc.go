// Package node assembles one anonex node — the server side. Node itself
// keeps the lifecycle, ingest, the fold and settlement, and the API's mux:
//
//   - the Pebble store (ledger/store) and the pending pool (node/pool: the
//     pending view over a store snapshot, which a fold commits under first
//     and then advances);
//   - ingest: the one verifier every way in uses (the API, gossip, a
//     reload, a rollback), the libp2p gossip host and its transaction
//     topic, the hand-over of the pending set to peers that join;
//   - the fold: the chain follower folds anchored batches and the Vault's
//     listings and deposits into the settled state in chain order, and
//     rolls back on a reorg (follow.go, rollback.go);
//   - settlement: with an Ethereum key, the settler posts batches
//     (settle.go);
//   - the API's mux (node/route: how every route answers, reads bodies and
//     checks the API token) and its own routes: status, EIP-712 types,
//     accounts, assets, transactions, batches, proofs, events, and the
//     API's OpenAPI document (docs/api.yaml, embedded by package docs);
//     the web app (package web) on every other GET path;
//   - the metrics (metrics.go): a Prometheus registry of the node's own,
//     served at GET /metrics (and on Config.MetricsAddr).
//
// Beside them run the subsystems, each a package with Config, New, Start,
// Stop and Routes, seeing the node only through an interface it declares
// (subsystems.go implements them all):
//
//   - node/issuer: cards — the issuer service (certificates, registration,
//     update values, blocks) and, on every node, card state and the
//     hot-list;
//   - node/offers: offers and the book — gossip, storage, pruning, book
//     levels and quotes;
//   - node/bridge: the Vault bridge beyond the fold — attestations (signed,
//     gossiped, compared with the node's roots), withdrawals' proofs,
//     deposits;
//   - node/convert: gift-card conversions and conversions at payment time,
//     for the accounts the node holds as a wallet;
//   - node/allocation: stored-value allocation with spend authorizations;
//   - node/venues: signage — venue maps, store listings and their places,
//     gossiped and kept, and where at a venue a card is taken.
//
// The API speaks package api's types (every route's request and answer,
// the error body and codes); node only answers with them. The client
// side — the HTTP client, the wallet's card flows, the terminal's network
// side, withdrawal claims — is package client, which imports nothing of
// node: a wallet or terminal links api and client, never the server.
//
// Lifecycle: New copies, defaults and validates the Config, opens the
// store and makes the subsystems; Start brings up the chain client, the
// network, the subsystems (in order), the follower, the settler and the
// API; Close stops the subsystems in reverse order and every goroutine the
// node started, and closes the store, and is safe to call twice. Time
// comes from Config.Clock and randomness from Config.Rand, so tests can
// drive them.
package node
