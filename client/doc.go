// Package client is the client side of a node's HTTP API (docs/api.md):
// what a wallet, a merchant terminal or a tool runs to use a node it does
// not host. The CLI, devnet, the bench and the tests use it.
//
//   - Client: one method per route, typed with package api's requests and
//     answers; an error answer comes back as *api.Error (its Code says
//     what went wrong). WaitTx and Events follow a transaction or the
//     node's event stream.
//   - The wallet's card flows (card.go): InitCard personalizes a blank
//     card with its issuer node and registers it with the card's consent;
//     LoadCard, CheckLoad and RefreshCard (RefreshPurse: with T before
//     and after) move value onto a card and have it take its update
//     value; CardToCard pays card to card. They talk to the card through
//     cardbridge/cardclient.
//   - The terminal's network side (terminal.go): TerminalNet implements
//     cardbridge/terminal's Network over a node's API (card standing,
//     update values, submitting records, conversions at payment time
//     through the card owner's wallet node).
//   - Withdrawal claims (withdraw.go): ClaimWithdrawal waits for a
//     withdrawal's attestations and claims the payout from the Vault.
//
// It imports no part of the server: not node, the store, p2p or Pebble
// (a test holds it to that), so a client links the API's vocabulary, the
// card protocol and, for claims, the Ethereum contracts, and nothing of a
// node.
package client
