package p2p

import (
	"math"
	"sync"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/peer"
)

// Per-peer refusal budget.
//
// Gossip hides who authored a message and an honest peer relays everyone's
// traffic, so a limit on how much a peer sends would punish the relays.
// What an honest relay rarely sends is something we refuse: it forwards
// only what its own validator accepted, so we refuse what it relays only
// where our views differ (it saw another transaction first). So each peer
// has a budget of refusals, a token bucket:
//
//   - it holds RefusalBurst tokens when full and regains RefusalRate a
//     second, plus refusalEarn for each message the peer is the first to
//     deliver that we accept (a busy honest relay's rare refusals grow
//     with its traffic, and so does its budget);
//   - each Refuse or Reject verdict on a message it relayed, and each
//     payload of a size we reject, takes one token; the balance may go
//     into debt, down to -RefusalBurst, for messages that were already
//     being validated;
//   - Accept earns, Ignore and our own publishes cost nothing.
//
// A peer with less than one token left is throttled: pubsub's RPC inspector
// drops every message it sends before the seen cache and the validators,
// so a dropped message costs a map lookup, and an honest message dropped
// so is still new to us when another peer relays it. The peer stays
// throttled until its balance is back to a resumeDivisor-th of the burst
// (without that hysteresis every regained token would let in the window of
// messages that arrive before the next verdict).
//
// Each time a peer's budget runs out its application score (gossipsub's
// P5) drops by budgetPenalty, decaying like the invalid-message penalty
// (to 1% in 10 minutes), down to at most budgetPenaltyCap. One exhaustion
// outweighs the most a peer earns in a topic (TopicScoreCap 50), so a
// flooder is pruned from our meshes at the next heartbeat; the cap keeps
// the score above the gossip threshold (-500), because refusals can be
// framed on an honest relay (an attacker shows it and us two versions of
// a transaction). Graylisting stays the consequence of rejects (P4).
const (
	// DefaultRefusalBurst is the default Config.RefusalBurst, in refusals.
	DefaultRefusalBurst = 512
	// DefaultRefusalRate is the default Config.RefusalRate, in refusals a
	// second.
	DefaultRefusalRate = 5.0
	// MaxRefusalBurst bounds Config.RefusalBurst.
	MaxRefusalBurst = 1 << 16

	refusalEarn      = 0.1
	resumeDivisor    = 8
	budgetPenalty    = 100.0
	budgetPenaltyCap = 400.0
	// budgetSweepInterval is how often budgets that are full again and
	// carry no penalty are forgotten (they equal a fresh one).
	budgetSweepInterval = time.Minute
)

// PeerBudget is a peer's refusal budget as this host sees it.
type PeerBudget struct {
	// Tokens is how many more refusals the peer may cause before it is
	// throttled; negative while it pays off refusals of messages that
	// were in validation when it ran out.
	Tokens float64
	// Throttled: its messages are dropped unvalidated.
	Throttled bool
	// Penalty is what its budget costs its gossip score now (>= 0, at
	// most budgetPenaltyCap).
	Penalty float64
	// Refused counts its messages refused or rejected, and Dropped those
	// dropped unvalidated while it was throttled, since its budget was
	// last full with no penalty (then it is forgotten).
	Refused, Dropped uint64
}

// budgets holds every peer's refusal budget. Its methods are short and
// never call out: pubsub calls score and allow from its event loop.
type budgets struct {
	burst, rate, resume float64
	decay               float64 // the penalty's factor per second
	now                 func() time.Time

	mu    sync.Mutex
	peers map[peer.ID]*budget // only peers that were refused since their budget was last full
}

type budget struct {
	tokens    float64
	at        time.Time // when tokens and episodes were brought up to date
	throttled bool
	episodes  float64 // decaying count of exhaustions
	refused   uint64
	dropped   uint64
}

func newBudgets(burst int, rate float64, now func() time.Time) *budgets {
	return &budgets{
		burst:  float64(burst),
		rate:   rate,
		resume: max(1, float64(burst)/resumeDivisor),
		decay:  math.Pow(pubsub.ScoreParameterDecay(scoreDecayWindow), 1/pubsub.DefaultDecayInterval.Seconds()),
		now:    now,
		peers:  map[peer.ID]*budget{},
	}
}

// update brings b to now: tokens regained, episodes decayed.
func (bs *budgets) update(b *budget, now time.Time) {
	dt := now.Sub(b.at).Seconds()
	if dt <= 0 {
		return
	}
	b.at = now
	b.tokens = min(bs.burst, b.tokens+bs.rate*dt)
	if b.throttled && b.tokens >= bs.resume {
		b.throttled = false
	}
	if b.episodes > 0 {
		b.episodes *= math.Pow(bs.decay, dt)
		if b.episodes < pubsub.DefaultDecayToZero {
			b.episodes = 0
		}
	}
}

func (bs *budgets) penalty(b *budget) float64 {
	return min(budgetPenaltyCap, budgetPenalty*b.episodes)
}

// refused charges p one refusal.
func (bs *budgets) refused(p peer.ID) {
	now := bs.now()
	bs.mu.Lock()
	defer bs.mu.Unlock()
	b := bs.peers[p]
	if b == nil {
		b = &budget{tokens: bs.burst, at: now}
		bs.peers[p] = b
	}
	bs.update(b, now)
	b.refused++
	b.tokens = max(b.tokens-1, -bs.burst)
	if b.tokens < 1 && !b.throttled { // not one more refusal left
		b.throttled = true
		b.episodes++
	}
}

// accepted credits p for a message it was first to deliver and we took.
func (bs *budgets) accepted(p peer.ID) {
	now := bs.now()
	bs.mu.Lock()
	defer bs.mu.Unlock()
	b := bs.peers[p]
	if b == nil {
		return // full already
	}
	bs.update(b, now)
	b.tokens = min(bs.burst, b.tokens+refusalEarn)
}

// allow reports whether p's n messages may go on to validation, and
// counts them dropped if not.
func (bs *budgets) allow(p peer.ID, n int) bool {
	now := bs.now()
	bs.mu.Lock()
	defer bs.mu.Unlock()
	b := bs.peers[p]
	if b == nil {
		return true
	}
	bs.update(b, now)
	if b.throttled {
		b.dropped += uint64(n)
	}
	return !b.throttled
}

// score is p's application-specific gossip score: minus its penalty.
func (bs *budgets) score(p peer.ID) float64 {
	now := bs.now()
	bs.mu.Lock()
	defer bs.mu.Unlock()
	b := bs.peers[p]
	if b == nil {
		return 0
	}
	bs.update(b, now)
	return -bs.penalty(b)
}

func (bs *budgets) state(p peer.ID) PeerBudget {
	now := bs.now()
	bs.mu.Lock()
	defer bs.mu.Unlock()
	b := bs.peers[p]
	if b == nil {
		return PeerBudget{Tokens: bs.burst}
	}
	bs.update(b, now)
	return PeerBudget{Tokens: b.tokens, Throttled: b.throttled, Penalty: bs.penalty(b), Refused: b.refused, Dropped: b.dropped}
}

// len is the number of budgets kept.
func (bs *budgets) len() int {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	return len(bs.peers)
}

// sweep forgets the budgets that equal a fresh one: full, not throttled,
// no penalty left. It returns how many it keeps.
func (bs *budgets) sweep() int {
	now := bs.now()
	bs.mu.Lock()
	defer bs.mu.Unlock()
	for p, b := range bs.peers {
		bs.update(b, now)
		if b.tokens >= bs.burst && !b.throttled && b.episodes == 0 {
			delete(bs.peers, p)
		}
	}
	return len(bs.peers)
}
