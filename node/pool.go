package node

import (
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/anonex/anonex/ledger"
)

// Pool errors. Each wraps the facts of the refusal.
var (
	ErrUnfundable = errors.New("node: transaction would fail against the pending view")
	ErrConflict   = errors.New("node: another transaction holds this account nonce (equivocation)")
	ErrQueueFull  = errors.New("node: the account's nonce-gap queue is full")
	ErrPoolFull   = errors.New("node: the pending pool is full")
	// ErrNonceGapUnknown refuses a gapped nonce from an account the
	// pending view has never seen.
	ErrNonceGapUnknown = errors.New("node: nonce gap for an unknown account")
	// ErrQuota refuses a transaction that moves no value (IssueAsset,
	// CancelOffer, CardRegister, CardBlock) beyond its account's or the
	// pool's share: such transactions always pass the fundable check, so
	// fresh keys could otherwise fill the pool and the settlers' batches.
	ErrQuota = errors.New("node: quota for transactions that move no value is used up")
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

type poolEntry struct {
	v       *ledger.Verified
	raw     []byte
	arrived time.Time
	queued  bool
	order   uint64 // position in the view's application order
	flight  uint64 // 1 + the batch seq our settler posted it in; 0 if none
	flownAt time.Time
	idle    bool // moves no value: counted against the idle quotas
}

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
func (e *poolEntry) Tx() *ledger.Tx { return e.v.Tx }

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
// nonce, with both in wire form so anyone can check the signatures.
type Evidence struct {
	Account   ledger.Address `json:"account"`
	Nonce     uint64         `json:"nonce"`
	First     ledger.Hash    `json:"first"`
	Second    ledger.Hash    `json:"second"`
	FirstRaw  hexBytes       `json:"first_raw"`
	SecondRaw hexBytes       `json:"second_raw"`
}

// hexBytes marshals as 0x-hex.
type hexBytes []byte

func (h hexBytes) MarshalText() ([]byte, error) { return []byte(fmt.Sprintf("0x%x", []byte(h))), nil }

// maxEvidence bounds the equivocation evidence kept in memory.
const maxEvidence = 10000

// Pool is the pending view: the settled state plus every valid transaction
// heard and not yet settled, applied per account in nonce order. Pending
// means seen, not confirmed.
type Pool struct {
	mu      sync.Mutex
	settled ledger.Reader
	view    *ledger.Overlay
	// entries is written holding both mu and entriesMu (insertLocked,
	// dropLocked); Lookup reads it holding entriesMu only, so the
	// verifiers on every core look ids up while Add holds mu through
	// Apply.
	entries   map[ledger.Hash]*poolEntry
	entriesMu sync.RWMutex
	slots     map[slot]*poolEntry
	queuedPer map[ledger.Address]int
	nQueued   int
	idlePer   map[ledger.Address]int
	nIdle     int
	evidence  []Evidence
	seenEv    map[[2]ledger.Hash]bool
	conflict  map[ledger.Address]bool
	order     uint64
	rejected  *reasonCache
	maxQueue  int
	maxPool   int
	// Clock gives the pending view's time (offers expire by it).
	Clock func() time.Time
}

// NewPool starts an empty pending view over the settled state.
func NewPool(settled ledger.Reader, maxQueue, maxPool int) *Pool {
	p := &Pool{
		settled: settled, view: ledger.NewOverlay(settled),
		entries: map[ledger.Hash]*poolEntry{}, slots: map[slot]*poolEntry{},
		queuedPer: map[ledger.Address]int{}, idlePer: map[ledger.Address]int{}, conflict: map[ledger.Address]bool{}, seenEv: map[[2]ledger.Hash]bool{},
		rejected: newReasonCache(65536), maxQueue: maxQueue, maxPool: maxPool, Clock: time.Now,
	}
	return p
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
		if key := [2]ledger.Hash{first.v.ID, v.ID}; !p.seenEv[key] && len(p.evidence) < maxEvidence {
			p.seenEv[key] = true
			p.evidence = append(p.evidence, Evidence{Account: s.acct, Nonce: s.nonce, First: first.v.ID, Second: v.ID,
				FirstRaw: first.raw, SecondRaw: raw})
			p.conflict[s.acct] = true
		}
		return 0, fmt.Errorf("%w: account %s nonce %d is held by %s", ErrConflict, s.acct.Hex(), s.nonce, first.v.ID.Hex())
	}
	// A blocked card's new online payment is refused here, on entry only:
	// a record admitted before the block stays and settles.
	if err := ledger.CardAdmissible(p.view, v.Tx.Payload); err != nil {
		return 0, fmt.Errorf("%w: %w", ErrUnfundable, err)
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
	e := &poolEntry{v: v, raw: raw, arrived: now, idle: idle}
	res, err := p.applyOne(e)
	if err != nil {
		return 0, err
	}
	if res == Queued {
		// A transaction waiting on a gap has not shown it can pay: only an
		// account the view knows may queue, within per-account and
		// pool-wide bounds, so throwaway keys cannot fill the pool.
		switch {
		case !p.view.Account(s.acct).Exists:
			return 0, fmt.Errorf("%w: account %s has no settled or pending history", ErrNonceGapUnknown, s.acct.Hex())
		case p.queuedPer[s.acct] >= p.maxQueue:
			return 0, fmt.Errorf("%w: %d waiting for account %s", ErrQueueFull, p.maxQueue, s.acct.Hex())
		case p.queuedTotal() >= p.maxQueuedTotal():
			return 0, fmt.Errorf("%w: %d transactions wait on nonce gaps", ErrQueueFull, p.queuedTotal())
		}
		e.queued = true
		p.queuedPer[s.acct]++
		p.nQueued++
	}
	p.insertLocked(e)
	if res == Added {
		p.promote(s.acct)
	}
	return res, nil
}

// insertLocked puts an entry in the pool's indexes and quota counts.
func (p *Pool) insertLocked(e *poolEntry) {
	p.entriesMu.Lock()
	p.entries[e.v.ID] = e
	p.entriesMu.Unlock()
	p.slots[slotOf(e.v)] = e
	if e.idle = movesNoValue(e.v.Tx.Payload.Kind()); e.idle {
		p.idlePer[e.v.Sender]++
		p.nIdle++
	}
}

// applyOne applies an entry to the view, all or nothing: a transaction that
// would fail (and so only burn its nonce) is refused, not applied.
func (p *Pool) applyOne(e *poolEntry) (AddResult, error) {
	snap := p.view.Snapshot()
	r, err := ledger.Apply(p.view, e.v, ledger.Env{Time: uint64(p.Clock().Unix())})
	switch {
	case err != nil && errors.Is(err, ledger.ErrNonceGap):
		return Queued, nil
	case err != nil && errors.Is(err, ledger.ErrCardUnfunded):
		// The ledger skips it (its counter stays free, it may pay once
		// its credits settle); the pending view refuses it like any
		// transaction that cannot pay now.
		return 0, fmt.Errorf("%w: %s: %v", ErrUnfundable, ledger.ReasonInsufficientFunds, err)
	case err != nil:
		return 0, err
	case r.Status != ledger.StatusOK:
		p.view.Revert(snap)
		return 0, fmt.Errorf("%w: %s", ErrUnfundable, r.Reason)
	}
	p.view.Forget()
	p.order++
	e.order = p.order
	return Added, nil
}

func (p *Pool) queuedTotal() int { return p.nQueued }

// maxQueuedTotal is the pool-wide bound on gap-queued transactions: a
// tenth of the pool.
func (p *Pool) maxQueuedTotal() int { return max(p.maxPool/10, p.maxQueue) }

// ExpireQueued drops transactions that waited on a nonce gap longer than
// ttl, returning their ids.
func (p *Pool) ExpireQueued(now time.Time, ttl time.Duration) []ledger.Hash {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []ledger.Hash
	for id, e := range p.entries {
		if e.queued && now.Sub(e.arrived) > ttl {
			p.dropLocked(e, "expired: its nonce gap did not fill")
			out = append(out, id)
		}
	}
	return out
}

// promote applies queued transactions of an account whose gap has filled.
func (p *Pool) promote(acct ledger.Address) {
	for p.queuedPer[acct] > 0 {
		next := p.view.Account(acct).Nonce
		e, ok := p.slots[slot{acct, next, false}]
		if !ok || !e.queued {
			return
		}
		if _, err := p.applyOne(e); err != nil {
			p.dropLocked(e, err.Error())
			return
		}
		e.queued = false
		p.queuedPer[acct]--
		p.nQueued--
	}
}

func (p *Pool) dropLocked(e *poolEntry, reason string) {
	if _, ok := p.entries[e.v.ID]; ok && e.idle {
		if p.idlePer[e.v.Sender]--; p.idlePer[e.v.Sender] <= 0 {
			delete(p.idlePer, e.v.Sender)
		}
		p.nIdle--
	}
	p.entriesMu.Lock()
	delete(p.entries, e.v.ID)
	p.entriesMu.Unlock()
	s := slotOf(e.v)
	if p.slots[s] == e {
		delete(p.slots, s)
	}
	if e.queued {
		p.queuedPer[e.v.Sender]--
		p.nQueued--
		if p.queuedPer[e.v.Sender] == 0 {
			delete(p.queuedPer, e.v.Sender)
		}
	}
	if reason != "" {
		p.rejected.put(e.v.ID, reason)
	}
}

// settledLocked removes the transactions a folded batch settled and brings
// the pending view over the new settled state. Transactions that no longer
// apply (their nonce was used by another, or they became unfundable) leave
// the pool with a reason; their ids are returned. The caller holds the lock
// through the store commit (see Lock).
//
// When the batch settled exactly a prefix of the view's application order,
// all of it successfully, the view's writes are still right over the new
// settled state and it is kept as is; otherwise the view is rebuilt by
// re-applying every remaining transaction. The view is also rebuilt when it
// holds far more writes than its transactions need.
func (p *Pool) settledLocked(res *ledger.FoldResult) (dropped []ledger.Hash) {
	if res != nil && p.isPrefix(res) {
		for _, r := range res.Receipts {
			p.dropLocked(p.entries[r.TxID], "")
		}
		if len(p.entries) == 0 {
			p.view = ledger.NewOverlay(p.settled)
			p.order = 0
			return nil
		}
		if p.view.Len() <= 8*len(p.entries)+4096 {
			return nil
		}
	} else if res != nil {
		for _, r := range res.Receipts {
			if e, ok := p.entries[r.TxID]; ok {
				p.dropLocked(e, "")
			}
		}
	}
	return p.rebuildLocked()
}

// isPrefix reports whether a folded batch applied exactly the first
// transactions of the view's application order, each successfully.
func (p *Pool) isPrefix(res *ledger.FoldResult) bool {
	if len(res.Skipped) > 0 {
		return false
	}
	var last uint64
	in := make(map[ledger.Hash]bool, len(res.Receipts))
	for _, r := range res.Receipts {
		e, ok := p.entries[r.TxID]
		if !ok || e.queued || r.Status != ledger.StatusOK || e.order <= last {
			return false
		}
		last = e.order
		in[r.TxID] = true
	}
	for id, e := range p.entries {
		if !e.queued && !in[id] && e.order < last {
			return false
		}
	}
	return true
}

// rebuildLocked re-applies every pooled transaction over the settled state.
func (p *Pool) rebuildLocked() (dropped []ledger.Hash) {
	all := make([]*poolEntry, 0, len(p.entries))
	for _, e := range p.entries {
		all = append(all, e)
	}
	// Re-apply in the old application order, queued ones after.
	sort.Slice(all, func(i, j int) bool {
		a, b := all[i], all[j]
		if a.queued != b.queued {
			return !a.queued
		}
		if a.order != b.order {
			return a.order < b.order
		}
		return a.arrived.Before(b.arrived)
	})
	p.view = ledger.NewOverlay(p.settled)
	p.order = 0
	for _, e := range all {
		e.queued = false
	}
	clear(p.queuedPer)
	p.nQueued = 0
	waiting := all
	for progress := true; progress && len(waiting) > 0; {
		progress = false
		rest := waiting[:0]
		for _, e := range waiting {
			res, err := p.applyOne(e)
			switch {
			case err != nil:
				reason := err.Error()
				if errors.Is(err, ledger.ErrNonceTooLow) {
					reason = "superseded: its nonce was used by a settled transaction"
				}
				p.dropLocked(e, reason)
				dropped = append(dropped, e.v.ID)
				progress = true
			case res == Queued:
				rest = append(rest, e)
			default:
				progress = true
			}
		}
		waiting = rest
	}
	for _, e := range waiting {
		e.queued = true
		p.queuedPer[e.v.Sender]++
		p.nQueued++
	}
	return dropped
}

// Lock and Unlock let the follower hold the pool still while it commits a
// batch and rebuilds the view, so no reader sees the new settled state
// under the old pending writes.
func (p *Pool) Lock()   { p.mu.Lock() }
func (p *Pool) Unlock() { p.mu.Unlock() }

// Candidates returns up to max applied transactions a settler may post, in
// the view's application order: an order in which they apply. A
// transaction our settler anchored in batch s waits until the node has
// folded s (folded is the next sequence number to fold): if it is still
// pending then, the batch skipped it and it may go again. One whose
// submission is still under way waits for flightTimeout.
func (p *Pool) Candidates(max int, folded uint64, now time.Time, flightTimeout time.Duration) []*poolEntry {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]*poolEntry, 0, min(max, len(p.entries)))
	for _, e := range p.entries {
		switch {
		case e.queued:
			continue
		case e.flight == inSubmission:
			if now.Sub(e.flownAt) < flightTimeout {
				continue
			}
		case e.flight != 0 && e.flight-1 >= folded:
			continue // anchored, not folded yet
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].order < out[j].order })
	// A candidate may depend on one still in flight; that is fine: the
	// flight lands first or the dependant is skipped and posted again.
	if len(out) > max {
		out = out[:max]
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
	es := make([]*poolEntry, 0, min(max, len(p.entries)))
	for _, e := range p.entries {
		if e.flight == 0 && e.arrived.Before(cutoff) {
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

// MarkFlight records that our settler posted these in batch seq.
func (p *Pool) MarkFlight(es []*poolEntry, seq uint64, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range es {
		e.flight, e.flownAt = seq+1, now
	}
}

// ClearFlight makes entries eligible again after a failed submission.
func (p *Pool) ClearFlight(es []*poolEntry) {
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
		st := TxStatus{Pending: true, Queued: e.queued, Arrived: e.arrived}
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
	fn(p.view)
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
