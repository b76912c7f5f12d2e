// Package pool is a node's pending view: the settled state as of one
// commit plus every valid transaction heard and not yet settled, applied
// per account in nonce order. Pending means seen, not confirmed.
//
// The pool owns its lock, and no caller holds it across IO or a long scan.
// The settled state it reads is a Base pinned at one commit (a store
// snapshot), so the node commits a fold first — the pool's readers still
// see the old settled state under the old pending writes, a consistent
// whole — and then calls Advance with the new Base. Advance drops what the
// fold settled; when the fold settled exactly a prefix of the view, the
// view's writes are still right and it only moves to the new Base.
// Otherwise it rebuilds the view over the new Base off the lock while
// transactions keep arriving at the old one, and catches up with them
// under the lock before it swaps the views.
package pool

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/anonex/anonex/ledger"
)

// Base is the settled state the pool's view is built over, pinned at one
// commit. The pool closes a Base when it moves on from it.
type Base interface {
	ledger.Reader
	Close() error
}

// Static makes a Base of a reader that never changes under the pool (a
// test's map, a settled state nobody commits to): Close does nothing.
func Static(r ledger.Reader) Base { return &staticBase{r} }

type staticBase struct{ ledger.Reader }

func (*staticBase) Close() error { return nil }

// Pool errors. Each wraps the facts of the refusal.
var (
	ErrUnfundable = errors.New("pool: transaction would fail against the pending view")
	ErrConflict   = errors.New("pool: another transaction holds this account nonce (equivocation)")
	ErrQueueFull  = errors.New("pool: the account's nonce-gap queue is full")
	ErrPoolFull   = errors.New("pool: the pending pool is full")
	// ErrNonceGapUnknown refuses a gapped nonce from an account the
	// pending view has never seen.
	ErrNonceGapUnknown = errors.New("pool: nonce gap for an unknown account")
	// ErrQuota refuses a transaction that moves no value (IssueAsset,
	// CancelOffer, CardRegister, CardBlock) beyond its account's or the
	// pool's share: such transactions always pass the fundable check, so
	// fresh keys could otherwise fill the pool and the settlers' batches.
	ErrQuota = errors.New("pool: quota for transactions that move no value is used up")

	// ErrNewEquivocation is wrapped beside ErrConflict when the refused
	// transaction is the first evidence that its account equivocates: news
	// an honest peer relays (it saw the other version first), which gossip
	// does not charge to the relaying peer.
	ErrNewEquivocation = errors.New("pool: the first evidence that this account equivocates")
)

// AddResult says what the pool did with a transaction it did not refuse.
type AddResult int

const (
	// Added: applied to the pending view.
	Added AddResult = iota
	// Queued: waiting for a nonce gap to fill.
	Queued
	// Known: already in the pool.
	Known
)

// Entry is one pooled transaction.
type Entry struct {
	v       *ledger.Verified
	raw     []byte
	arrived time.Time
	flight  uint64 // 1 + the batch seq our settler posted it in; 0 if none
	flownAt time.Time
	idle    bool // moves no value: counted against the idle quotas
	// gone is set when the entry leaves the pool; a view's log may still
	// hold it. Atomic: a rebuild reads it off the lock.
	gone atomic.Bool
	// rebuilt is the generation of the last rebuilt view that applied it.
	rebuilt atomic.Uint64
}

// NewEntry makes an entry of a verified transaction, its exact wire bytes
// and when it arrived.
func NewEntry(v *ledger.Verified, raw []byte, arrived time.Time) *Entry {
	return &Entry{v: v, raw: raw, arrived: arrived}
}

// Verified is the entry's verified transaction.
func (e *Entry) Verified() *ledger.Verified { return e.v }

// Raw is the entry's wire form.
func (e *Entry) Raw() []byte { return e.raw }

// Arrived is when the entry reached the pool.
func (e *Entry) Arrived() time.Time { return e.arrived }

// inSubmission marks an entry our settler is submitting right now.
const inSubmission = math.MaxUint64

// Idle quotas: pending transactions that move no value, per account and in
// the whole pool (a tenth of it).
const maxIdlePerAccount = 8

// movesNoValue tells the kinds that always pass the fundable check.
func movesNoValue(k ledger.Kind) bool {
	switch k {
	case ledger.KindIssueAsset, ledger.KindCancelOffer, ledger.KindCardRegister, ledger.KindCardBlock:
		return true
	}
	return false
}

// Tx is the pooled transaction.
func (e *Entry) Tx() *ledger.Tx { return e.v.Tx }

// slot is what a transaction occupies: an account nonce, or a card counter.
type slot struct {
	acct    ledger.Address
	nonce   uint64
	counter bool
}

func slotOf(v *ledger.Verified) slot {
	a, n, c := ledger.ReplayKey(v.Tx.Payload)
	return slot{a, n, c}
}

// Evidence is two different signed transactions for the same account
// nonce, with both in wire form so anyone can check the signatures (GET
// /v1/evidence serves it as api.Evidence).
type Evidence struct {
	Account             ledger.Address
	Nonce               uint64
	First, Second       ledger.Hash
	FirstRaw, SecondRaw []byte
}

// maxEvidence bounds the equivocation evidence kept in memory.
const maxEvidence = 10000

// Pool is the pending view: the settled state plus every valid transaction
// heard and not yet settled, applied per account in nonce order.
type Pool struct {
	mu   sync.Mutex
	base Base  // the settled state the view reads
	vw   *view // the pending view over base
	// entries is written holding both mu and entriesMu (insertLocked,
	// dropLocked); Lookup reads it holding entriesMu only, so the
	// verifiers on every core look ids up while Add holds mu through
	// Apply.
	entries   map[ledger.Hash]*Entry
	entriesMu sync.RWMutex
	slots     map[slot]*Entry
	idlePer   map[ledger.Address]int
	nIdle     int
	evidence  []Evidence
	seenEv    map[[2]ledger.Hash]bool
	conflict  map[ledger.Address]bool
	rejected  *reasonCache
	maxQueue  int
	maxPool   int
	clock     func() time.Time

	// advance serializes Advance, Restore and Load: one view change at a
	// time. While one rebuilds off the lock, rebuilding is set, lost
	// collects the entries dropped meanwhile and arrivals those added.
	advance    sync.Mutex
	rebuilding bool
	lost       map[*Entry]bool
	arrivals   []*Entry
	gen        uint64 // the last rebuilt view's generation
}

// Config bounds a pool.
type Config struct {
	// MaxQueue bounds one account's transactions waiting on a nonce gap.
	MaxQueue int
	// MaxPool bounds the pool (applied and queued).
	MaxPool int
	// Clock gives the pending view's time (offers expire by it). Default
	// time.Now.
	Clock func() time.Time
}

// New starts an empty pending view over the settled state base; the pool
// owns base from now on and closes it when it moves on.
func New(base Base, cfg Config) *Pool {
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	return &Pool{
		base: base, vw: newView(base, 0),
		entries: map[ledger.Hash]*Entry{}, slots: map[slot]*Entry{},
		idlePer: map[ledger.Address]int{}, conflict: map[ledger.Address]bool{}, seenEv: map[[2]ledger.Hash]bool{},
		rejected: newReasonCache(65536), maxQueue: cfg.MaxQueue, maxPool: cfg.MaxPool, clock: cfg.Clock,
	}
}

// Lookup returns the pooled transaction with an id and the exact wire
// bytes the pool holds for it. It does not wait for Add.
func (p *Pool) Lookup(id ledger.Hash) (*ledger.Verified, []byte, bool) {
	p.entriesMu.RLock()
	e := p.entries[id]
	p.entriesMu.RUnlock()
	if e == nil {
		return nil, nil, false
	}
	return e.v, e.raw, true
}

// Add offers a verified transaction to the pending view.
func (p *Pool) Add(v *ledger.Verified, raw []byte, now time.Time) (AddResult, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.add(v, raw, now)
}

func (p *Pool) add(v *ledger.Verified, raw []byte, now time.Time) (AddResult, error) {
	if _, ok := p.entries[v.ID]; ok {
		return Known, nil
	}
	if len(p.entries) >= p.maxPool {
		return 0, fmt.Errorf("%w: %d transactions", ErrPoolFull, len(p.entries))
	}
	s := slotOf(v)
	if first, ok := p.slots[s]; ok {
		// Kept once per pair, bounded: resending an equivocation cannot
		// push real evidence out.
		news := false
		if key := [2]ledger.Hash{first.v.ID, v.ID}; !p.seenEv[key] && len(p.evidence) < maxEvidence {
			p.seenEv[key] = true
			p.evidence = append(p.evidence, Evidence{Account: s.acct, Nonce: s.nonce, First: first.v.ID, Second: v.ID,
				FirstRaw: first.raw, SecondRaw: raw})
			news = !p.conflict[s.acct]
			p.conflict[s.acct] = true
		}
		if news {
			return 0, fmt.Errorf("%w: account %s nonce %d is held by %s (%w)", ErrConflict, s.acct.Hex(), s.nonce, first.v.ID.Hex(), ErrNewEquivocation)
		}
		return 0, fmt.Errorf("%w: account %s nonce %d is held by %s", ErrConflict, s.acct.Hex(), s.nonce, first.v.ID.Hex())
	}
	// A blocked card's new online payment is refused here, on entry only:
	// a record admitted before the block stays and settles.
	if err := ledger.CardAdmissible(p.vw.o, v.Tx.Payload); err != nil {
		return 0, &UnfundableError{Err: err}
	}
	idle := movesNoValue(v.Tx.Payload.Kind())
	if idle {
		switch {
		case p.idlePer[v.Sender] >= maxIdlePerAccount:
			return 0, fmt.Errorf("%w: account %s has %d pending", ErrQuota, v.Sender.Hex(), p.idlePer[v.Sender])
		case p.nIdle >= max(p.maxPool/10, maxIdlePerAccount):
			return 0, fmt.Errorf("%w: %d pending in the pool", ErrQuota, p.nIdle)
		}
	}
	e := &Entry{v: v, raw: raw, arrived: now, idle: idle}
	res, err := p.vw.apply(p, e)
	if err != nil {
		return 0, err
	}
	if res == Queued {
		// A transaction waiting on a gap has not shown it can pay: only an
		// account the view knows may queue, within per-account and
		// pool-wide bounds, so throwaway keys cannot fill the pool.
		switch {
		case !p.vw.o.Account(s.acct).Exists:
			return 0, fmt.Errorf("%w: account %s has no settled or pending history", ErrNonceGapUnknown, s.acct.Hex())
		case p.vw.queuedPer[s.acct] >= p.maxQueue:
			return 0, fmt.Errorf("%w: %d waiting for account %s", ErrQueueFull, p.maxQueue, s.acct.Hex())
		case len(p.vw.queued) >= p.maxQueuedTotal():
			return 0, fmt.Errorf("%w: %d transactions wait on nonce gaps", ErrQueueFull, len(p.vw.queued))
		}
		p.vw.enqueue(e)
	}
	p.insertLocked(e)
	if res == Added {
		p.promote(s.acct)
	}
	return res, nil
}

// insertLocked puts an entry in the pool's indexes and quota counts.
func (p *Pool) insertLocked(e *Entry) {
	if p.rebuilding {
		p.arrivals = append(p.arrivals, e)
	}
	p.entriesMu.Lock()
	p.entries[e.v.ID] = e
	p.entriesMu.Unlock()
	p.slots[slotOf(e.v)] = e
	if e.idle = movesNoValue(e.v.Tx.Payload.Kind()); e.idle {
		p.idlePer[e.v.Sender]++
		p.nIdle++
	}
}

// applyTo applies a transaction to view, all or nothing: one that would
// fail (and so only burn its nonce) is refused, not applied.
func (p *Pool) applyTo(view *ledger.Overlay, v *ledger.Verified) (AddResult, error) {
	snap := view.Snapshot()
	r, err := ledger.Apply(view, v, p.env())
	switch {
	case err != nil && errors.Is(err, ledger.ErrNonceGap):
		return Queued, nil
	case err != nil && errors.Is(err, ledger.ErrCardUnfunded):
		// The ledger skips it (its counter stays free, it may pay once
		// its credits settle); the pending view refuses it like any
		// transaction that cannot pay now.
		return 0, &UnfundableError{Reason: ledger.ReasonInsufficientFunds, Err: err}
	case err != nil:
		return 0, err
	case r.Status != ledger.StatusOK:
		view.Revert(snap)
		return 0, &UnfundableError{Reason: r.Reason}
	}
	view.Forget()
	return Added, nil
}

// env is the ledger environment of the pending view: its clock's time.
func (p *Pool) env() ledger.Env { return ledger.Env{Time: uint64(p.clock().Unix())} }

// maxQueuedTotal is the pool-wide bound on gap-queued transactions: a
// tenth of the pool.
func (p *Pool) maxQueuedTotal() int { return max(p.maxPool/10, p.maxQueue) }

// ExpireQueued drops transactions that waited on a nonce gap longer than
// ttl, returning their ids.
func (p *Pool) ExpireQueued(now time.Time, ttl time.Duration) []ledger.Hash {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []ledger.Hash
	for e := range p.vw.queued {
		if now.Sub(e.arrived) > ttl {
			p.dropLocked(e, "expired: its nonce gap did not fill")
			out = append(out, e.v.ID)
		}
	}
	return out
}

// promote applies queued transactions of an account whose gap has filled.
func (p *Pool) promote(acct ledger.Address) {
	for p.vw.queuedPer[acct] > 0 {
		next := p.vw.o.Account(acct).Nonce
		e, ok := p.slots[slot{acct, next, false}]
		if !ok || !p.vw.dequeue(e) {
			return
		}
		res, err := p.vw.apply(p, e)
		if err != nil {
			p.dropLocked(e, err.Error())
			return
		}
		if res == Queued {
			p.vw.enqueue(e)
			return
		}
	}
}

func (p *Pool) dropLocked(e *Entry, reason string) {
	if p.rebuilding {
		p.lost[e] = true
	}
	if _, ok := p.entries[e.v.ID]; ok && e.idle {
		if p.idlePer[e.v.Sender]--; p.idlePer[e.v.Sender] <= 0 {
			delete(p.idlePer, e.v.Sender)
		}
		p.nIdle--
	}
	e.gone.Store(true)
	p.entriesMu.Lock()
	delete(p.entries, e.v.ID)
	p.entriesMu.Unlock()
	s := slotOf(e.v)
	if p.slots[s] == e {
		delete(p.slots, s)
	}
	p.vw.dequeue(e)
	if reason != "" {
		p.rejected.put(e.v.ID, reason)
	}
}

// Candidates returns up to max applied transactions a settler may post, in
// the view's application order: an order in which they apply. A
// transaction our settler anchored in batch s waits until the node has
// folded s (folded is the next sequence number to fold): if it is still
// pending then, the batch skipped it and it may go again. One whose
// submission is still under way waits for flightTimeout.
func (p *Pool) Candidates(max int, folded uint64, now time.Time, flightTimeout time.Duration) []*Entry {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]*Entry, 0, min(max, len(p.entries)))
	for _, e := range p.vw.log {
		if len(out) == max {
			break
		}
		switch {
		case e.gone.Load():
			continue
		case e.flight == inSubmission:
			if now.Sub(e.flownAt) < flightTimeout {
				continue
			}
		case e.flight != 0 && e.flight-1 >= folded:
			continue // anchored, not folded yet
		}
		// A candidate may depend on one still in flight; that is fine:
		// the flight lands first or the dependant is skipped and posted
		// again.
		out = append(out, e)
	}
	return out
}

// Unsettled returns the wire form of up to max pending transactions that
// arrived before cutoff and that no settler of ours is carrying, oldest
// first: what a node gossips again so a transaction that never reached the
// network (a node killed right after acknowledging it) still does.
func (p *Pool) Unsettled(cutoff time.Time, max int) [][]byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	take := func(e *Entry) bool { return !e.gone.Load() && e.flight == 0 && e.arrived.Before(cutoff) }
	var es []*Entry
	// The view's order is close to arrival order: its first max that
	// qualify are the oldest applied ones.
	for _, e := range p.vw.log {
		if len(es) == max {
			break
		}
		if take(e) {
			es = append(es, e)
		}
	}
	for e := range p.vw.queued {
		if take(e) {
			es = append(es, e)
		}
	}
	sort.Slice(es, func(i, j int) bool { return es[i].arrived.Before(es[j].arrived) })
	out := make([][]byte, 0, min(max, len(es)))
	for _, e := range es[:min(max, len(es))] {
		out = append(out, e.raw)
	}
	return out
}

// MarkSubmitting records that our settler is submitting these now.
func (p *Pool) MarkSubmitting(es []*Entry, now time.Time) { p.MarkFlight(es, inSubmission-1, now) }

// MarkFlight records that our settler posted these in batch seq.
func (p *Pool) MarkFlight(es []*Entry, seq uint64, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range es {
		e.flight, e.flownAt = seq+1, now
	}
}

// ClearFlight makes entries eligible again after a failed submission.
func (p *Pool) ClearFlight(es []*Entry) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range es {
		e.flight = 0
	}
}

// TxStatus is what the pool knows of one id.
type TxStatus struct {
	Pending  bool
	Queued   bool
	Anchored bool
	Seq      uint64
	Rejected string
	Arrived  time.Time
}

// Status reports an id's pending state, or the reason it was refused.
func (p *Pool) Status(id ledger.Hash) (TxStatus, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if e, ok := p.entries[id]; ok {
		_, queued := p.vw.queued[e]
		st := TxStatus{Pending: true, Queued: queued, Arrived: e.arrived}
		if e.flight != 0 && e.flight != inSubmission {
			st.Anchored, st.Seq = true, e.flight-1
		}
		return st, true
	}
	if r, ok := p.rejected.get(id); ok {
		return TxStatus{Rejected: r}, true
	}
	return TxStatus{}, false
}

// Reject remembers why an id was refused, for status queries.
func (p *Pool) Reject(id ledger.Hash, reason string) {
	p.mu.Lock()
	p.rejected.put(id, reason)
	p.mu.Unlock()
}

// View runs fn on the pending view under the pool's lock.
func (p *Pool) View(fn func(v *ledger.Overlay)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fn(p.vw.o)
}

// Len is the number of pending transactions (applied and queued).
func (p *Pool) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.entries)
}

// Conflicted reports whether an account has equivocated.
func (p *Pool) Conflicted(a ledger.Address) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.conflict[a]
}

// Evidence returns every equivocation seen.
func (p *Pool) Evidence() []Evidence {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Evidence(nil), p.evidence...)
}

// reasonCache is a bounded FIFO map of refused ids to their reason.
type reasonCache struct {
	m    map[ledger.Hash]string
	ring []ledger.Hash
	next int
}

func newReasonCache(n int) *reasonCache {
	return &reasonCache{m: make(map[ledger.Hash]string), ring: make([]ledger.Hash, n)}
}

func (c *reasonCache) put(id ledger.Hash, reason string) {
	if _, ok := c.m[id]; !ok {
		delete(c.m, c.ring[c.next])
		c.ring[c.next] = id
		c.next = (c.next + 1) % len(c.ring)
	}
	c.m[id] = reason
}

func (c *reasonCache) get(id ledger.Hash) (string, bool) {
	r, ok := c.m[id]
	return r, ok
}
