// Package node assembles one anonex node: the Pebble store, the pending
// pool (package node/pool: the pending view over a store snapshot, which
// a fold commits under first and then advances), the libp2p gossip host, the chain follower that
// folds anchored batches into the settled state, the settler that posts
// batches when the node has an Ethereum key, and the HTTP API.
//
// Lifecycle: New copies, defaults and validates the Config and opens the
// store; Start brings up the network, chain and API; Close stops every
// goroutine the node started and closes the store, and is safe to call
// twice. Time comes from Config.Clock so tests can drive it.
package node
