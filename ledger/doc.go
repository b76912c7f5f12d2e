// Package ledger is anonex's deterministic state machine: device accounts,
// assets, the transaction kinds and their EIP-712 encoding, Apply and its
// receipts, the batch format settlers anchor to Ethereum, and the state and
// receipts roots.
//
// The package does no IO: it imports no network, file, clock, randomness or
// logging package (a test enforces this). The state comes in through the
// Reader interface and leaves as a write set; time comes in through Env;
// signature recovery comes in through the Recoverer interface, so a node
// recovers each signature once, with the fastest binding it has, outside
// the core.
//
// Apply's three outcomes: an error that is never valid (bad signature, bad
// field), a skip with no receipt (IsSkip: a nonce gap or a used nonce; a
// card record whose card is not registered yet, that was applied, or that
// its card account cannot pay yet; the transaction stays pending), or a
// receipt — StatusOK, or StatusFailed with
// a Reason, which is final and consumes the nonce.
package ledger
