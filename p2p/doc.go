// Package p2p is the anonex network layer: a libp2p host (TCP and QUIC v1,
// Noise, Yamux, resource and connection managers) and gossipsub topics that
// carry opaque payloads. It knows nothing about the ledger: the node
// supplies a Validator per topic, and applies what it accepts there.
//
// # Contract
//
//   - Identity. The host is keyed by its own ed25519 key (Config.Identity,
//     usually from LoadOrCreateIdentity), never by a device/account key: a
//     peer ID is public, and a secp256k1 peer ID would reveal the account.
//     Deleting the key file rotates the peer ID.
//   - Topics are /anonex/<network>/<kind>/<version>: TxTopicName,
//     OfferTopicName, EvidenceTopicName, AttestTopicName. Host.Topic refuses other networks'
//     topics. Gossipsub runs under its own protocol ID
//     (/anonex/meshsub/1.2.0), so anonex nodes never mesh with other
//     libp2p applications.
//   - Messages are unsigned and authorless (StrictNoSign, no From/Seqno):
//     the payload carries its own signatures and the network does not learn
//     which peer authored it. A message ID is SHA-256 of the payload, so
//     identical payloads are one message, on every topic.
//   - Validation happens before forwarding: a payload travels only through
//     hosts whose validators Accept it. Ignore costs the relaying peer
//     nothing; Refuse (well formed but refused) and Reject (never valid)
//     each take a token of its refusal budget; Reject also penalizes it
//     (peer scoring, see score.go; Host.PeerScore shows a peer's score,
//     refreshed every second, and Topic.InMesh its place in the mesh: a
//     negative score prunes it, one below GraylistThreshold has all its
//     gossip ignored). The validator also runs on the host's own Publish.
//     See Validator for the details (concurrency, re-validation after the
//     seen period, ctx, panics).
//   - Refusal budget (budget.go): per peer, a token bucket of
//     Config.RefusalBurst refusals (512) regaining Config.RefusalRate a
//     second (5) and a tenth per message it is first to deliver that is
//     accepted. A peer that spends it is throttled: everything it sends is
//     dropped unvalidated, before the seen cache (another peer's copy of a
//     dropped message is still new), until an eighth of the burst is back;
//     refusals of its messages already in validation become debt (down to
//     minus the burst). Each time it runs out its score drops by 100,
//     decaying to 1% in 10 minutes, to at most -400: pruned from the mesh,
//     never graylisted by refusals alone. Host.PeerBudget shows a peer's
//     budget; Stats.BudgetDropped counts the messages dropped so.
//   - Sizes: payloads are 1..Config.MaxMessageSize bytes (64 KiB by
//     default); Publish refuses larger ones, and larger ones received are
//     rejected (or dropped unread when they exceed the wire limit).
//   - Listening is all or nothing: New fails with ErrListen unless every
//     Config.ListenAddrs entry is bound (libp2p alone settles for one), and
//     TCP listens without SO_REUSEPORT, so two nodes cannot share a port.
//   - Bootstrap peers are dialled at start and redialled with exponential
//     backoff (0.5 s to 1 min) whenever disconnected, until Close.
//   - Publish has no backpressure: each peer has an outbound queue of 2048
//     RPCs, beyond which messages to that peer are dropped (counted in
//     Stats.DroppedRPCs). Pace bulk publishing (a validated-window of ~1000
//     sustains 30-60k small messages/s per hop on loopback).
//   - Direct sends: gossipsub drops a payload its host delivered within
//     the seen period (2 minutes), Publish included, so gossip cannot bring
//     a payload again to a peer that missed it. Topic.SendDirect hands
//     payloads to one peer over a stream (<topic>/direct, at most
//     MaxDirectPayloads, 30 s): the peer runs the topic's validator on each
//     (from = the sender) and forwards none; a payload of a wrong size or
//     rejected ends the stream and the connection to its sender (no gossip
//     score sees it). A host takes one direct send per peer and topic every
//     DirectInterval (30 s), and none from a peer whose refusal budget is
//     spent: it is a hand-over when a peer joins, not a channel around the
//     budget. Topic.Joins reports each peer that joins a topic.
//   - Close is idempotent. It waits for the goroutines this package starts
//     and closes libp2p; gossipsub's own goroutines end right after (the
//     tests check with goleak that nothing is left).
//
// Not here yet (see DESIGN.md "Network"): mDNS, the Kademlia DHT under the
// anonex prefix, the /anonex/sync/1.0.0 protocol (a joining node fetching
// settled batches; pending transactions reach it by direct sends). Budgets
// and scores are per peer ID, and a peer ID is free: a flooder that
// reconnects under new IDs gets a fresh budget each time (bounded by the
// connection and resource managers, not by this package).
package p2p
