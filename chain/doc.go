// Package chain is the Ethereum side of an anonex node.
//
//   - Client is a thin JSON-RPC connection (Dial: http(s), ws(s) or an IPC
//     path; NewClient wraps an existing rpc.Client, e.g. an in-process one).
//   - Submitter posts a batch to the Anchor contract and returns the
//     sequence number the contract assigned, with the block and gas used.
//   - Follower reads the Anchor's Batch events in chain order — (block number,
//     log index) — exactly once after a cursor, up to head−K (or up to the
//     finalized block), and detects reorgs of what it has handled.
//
// The batch bytes are opaque here. The settled ledger is a pure fold of the
// events the Follower delivers; the caller persists the Cursor of the last
// event it folded and resumes from it. Rolling back after a reorg is the
// caller's job: Run stops with an error wrapping ErrReorg when a block it
// handled is replaced or gone, and the node undoes its fold steps back to
// the fork point (ledger/store keeps undo data) and runs again.
//
// Both Submitter and Follower use the node through small interfaces
// (SubmitterBackend, FollowerBackend) that *Client implements, so tests can
// substitute a fake.
package chain
