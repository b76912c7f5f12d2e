// Package store keeps a node's ledger in Pebble: the settled state and its
// Merkle tree, the record of every folded batch and settled transaction,
// indexes by account name and asset symbol, and the durable log of pending
// transactions.
//
// Every folded batch commits in one synced Pebble batch (state, tree,
// records, chain cursor), so a node killed at any point reopens at its last
// folded batch. Pending transactions are appended through a group
// committer: concurrent callers share one fsync per group, and a caller is
// acknowledged only after its group is on disk.
package store
