package pool

import (
	"errors"
	"runtime"
	"sort"

	"github.com/anonex/anonex/ledger"
)

// view is the pending view over one settled state and what depends on it:
// the order its transactions applied in and those waiting on a nonce gap.
// A rebuild makes a new one off the pool's lock and swaps it in whole, so
// nothing of the size of the pool is done while the lock is held.
type view struct {
	ref *baseRef
	o   *ledger.Overlay
	// log holds the applied entries in application order: the order a
	// settler posts them in. Entries that left the pool stay in it (gone)
	// until a rebuild or a prefix fold trims them.
	log       []*Entry
	queued    map[*Entry]struct{}
	queuedPer map[ledger.Address]int
	gen       uint64 // stamps the entries a rebuild applied (Entry.rebuilt)
}

// baseRef is a view's base: a prefix fold moves it to the next Base under
// the pool's lock, which every read of the view holds.
type baseRef struct{ b Base }

func (r *baseRef) Get(k []byte) ([]byte, error) { return r.b.Get(k) }

func newView(base Base, gen uint64) *view {
	ref := &baseRef{base}
	return &view{ref: ref, o: ledger.NewOverlay(ref), queued: map[*Entry]struct{}{}, queuedPer: map[ledger.Address]int{}, gen: gen}
}

// apply applies e over the view; an applied entry joins the log.
func (vw *view) apply(p *Pool, e *Entry) (AddResult, error) {
	res, err := p.applyTo(vw.o, e.v)
	if err == nil && res == Added {
		vw.log = append(vw.log, e)
	}
	return res, err
}

func (vw *view) enqueue(e *Entry) {
	vw.queued[e] = struct{}{}
	vw.queuedPer[e.v.Sender]++
}

// dequeue takes e off the nonce-gap queue; false if it was not on it.
func (vw *view) dequeue(e *Entry) bool {
	if _, ok := vw.queued[e]; !ok {
		return false
	}
	delete(vw.queued, e)
	if vw.queuedPer[e.v.Sender]--; vw.queuedPer[e.v.Sender] <= 0 {
		delete(vw.queuedPer, e.v.Sender)
	}
	return true
}

// trim drops the entries at the log's front that left the pool (what a
// prefix fold settled).
func (vw *view) trim() {
	i := 0
	for i < len(vw.log) && vw.log[i].gone.Load() {
		vw.log[i] = nil
		i++
	}
	vw.log = vw.log[i:]
}

// Advance moves the pending view onto base, the settled state right after
// a commit that folded res (nil: the settled state changed in a way that
// is not a batch, such as a deposit). The caller commits first and calls
// Advance after; until then the pool's readers see the old settled state
// under the old pending writes. Advance drops what res settled and returns
// the ids of pending transactions that no longer apply (each with its
// reason in Status). The pool takes base and closes the one it leaves.
//
// When res settled exactly a prefix of the view's order, all of it
// successfully, the view's writes are still right over base and the view
// only moves to it: O(batch). Otherwise — and when the view holds far more
// writes than its transactions need — the view is rebuilt over base off
// the lock (see rebuildAndUnlock).
func (p *Pool) Advance(base Base, res *ledger.FoldResult) (dropped []ledger.Hash) {
	p.advance.Lock()
	defer p.advance.Unlock()
	p.mu.Lock()
	if res != nil {
		prefix := p.isPrefix(res)
		for _, r := range res.Receipts {
			if e, ok := p.entries[r.TxID]; ok {
				p.dropLocked(e, "")
			}
		}
		if prefix && p.vw.o.Len() <= 8*len(p.entries)+4096 {
			old := p.base
			p.base, p.vw.ref.b = base, base
			p.vw.trim()
			if len(p.entries) == 0 {
				p.vw = newView(base, p.gen)
			}
			p.mu.Unlock()
			closeLeft(old, base)
			return nil
		}
	}
	return p.rebuildAndUnlock(base, nil)
}

// isPrefix reports whether a folded batch applied exactly the first
// transactions of the view's application order, in that order, each
// successfully.
func (p *Pool) isPrefix(res *ledger.FoldResult) bool {
	if len(res.Skipped) > 0 {
		return false
	}
	log, i := p.vw.log, 0
	for _, r := range res.Receipts {
		if r.Status != ledger.StatusOK {
			return false
		}
		for i < len(log) && log[i].gone.Load() {
			i++
		}
		if i == len(log) || log[i].v.ID != r.TxID {
			return false
		}
		i++
	}
	return true
}

// Restore returns the transactions of batches a reorg undid to the pool,
// ahead of everything pending (the chain ordered them first), and moves
// the view onto base, the settled state after the rollback. es are in
// chain order. A pending transaction holding the slot (account nonce or
// card counter) of a returning one is dropped as superseded: the one the
// chain ordered first goes first. It returns the ids pending again and
// those dropped. Every entry's flight is cleared: our settler's batches
// belonged to the old chain.
func (p *Pool) Restore(base Base, es []*Entry) (back, dropped []ledger.Hash) {
	p.advance.Lock()
	defer p.advance.Unlock()
	p.mu.Lock()
	for _, e := range p.entries {
		e.flight = 0
	}
	var front []*Entry
	for _, e := range es {
		id := e.v.ID
		back = append(back, id)
		if _, ok := p.entries[id]; ok {
			continue
		}
		if other, ok := p.slots[slotOf(e.v)]; ok {
			p.dropLocked(other, "superseded: a transaction of the same nonce returned to pending after a reorg")
			dropped = append(dropped, other.v.ID)
		}
		p.insertLocked(e)
		front = append(front, e)
	}
	return back, append(dropped, p.rebuildAndUnlock(base, front)...)
}

// Load puts the transactions of the node's pending log into the pool (at
// start) and applies them over the settled state, in order. It returns the
// ids of those that no longer apply.
func (p *Pool) Load(es []*Entry) (dropped []ledger.Hash) {
	p.advance.Lock()
	defer p.advance.Unlock()
	p.mu.Lock()
	var front []*Entry
	for _, e := range es {
		if _, ok := p.entries[e.v.ID]; !ok {
			p.insertLocked(e)
			front = append(front, e)
		}
	}
	return p.rebuildAndUnlock(p.base, front)
}

// closeLeft closes the base the pool left, unless it stays.
func closeLeft(old, now Base) {
	if old != now {
		old.Close()
	}
}

// lockedCatchUp is the size of the last round of arrivals a rebuild
// replays under the lock; larger rounds run off it.
const lockedCatchUp = 256

// rebuildAndUnlock builds a new view over base from front (entries
// inserted but in no view yet, applied first) and every pooled
// transaction, and swaps it in. Called holding mu; returns without it.
//
// Under the lock it only copies the current view's log (pointers) and
// queue. It re-applies everything over base in a fresh view off the lock,
// while Add, Candidates and the readers go on with the old view over the
// old base; what arrives meanwhile is replayed on the new view in rounds,
// off the lock too, until a round is small. The last round, and what still
// waits on a nonce gap (the arrivals may fill it), run under the lock, and
// the views are swapped. Only if an entry the new view applied left the
// pool meanwhile (its nonce gap expired) is the new view built again
// under the lock: rare, and correct.
func (p *Pool) rebuildAndUnlock(base Base, front []*Entry) (dropped []ledger.Hash) {
	es, nq := p.rebuildOrderLocked(front)
	p.gen++
	nv := newView(base, p.gen)
	p.rebuilding, p.lost, p.arrivals = true, map[*Entry]bool{}, nil
	p.mu.Unlock()

	sortByArrival(es[len(es)-nq:])
	failed := p.replay(nv, es)
	p.mu.Lock()
	for round := 0; len(p.arrivals) > lockedCatchUp && round < 8; round++ {
		more := p.arrivals
		p.arrivals = nil
		p.mu.Unlock()
		failed = append(failed, p.replay(nv, more)...)
		p.mu.Lock()
	}
	tainted := false
	for e := range p.lost {
		tainted = tainted || e.rebuilt.Load() == nv.gen
	}
	if tainted {
		p.gen++
		nv = newView(base, p.gen)
		es, nq = p.rebuildOrderLocked(front)
		sortByArrival(es[len(es)-nq:])
		failed = p.replay(nv, es)
	} else {
		last := p.arrivals
		waiting := make([]*Entry, 0, len(nv.queued))
		for e := range nv.queued {
			waiting = append(waiting, e)
		}
		clear(nv.queued)
		clear(nv.queuedPer)
		sortByArrival(waiting)
		failed = append(failed, p.replay(nv, append(last, waiting...))...)
	}
	p.rebuilding, p.lost, p.arrivals = false, nil, nil
	old := p.base
	p.base, p.vw = base, nv
	for _, f := range failed {
		if f.e.gone.Load() {
			continue // left the pool meanwhile
		}
		reason := f.err.Error()
		if errors.Is(f.err, ledger.ErrNonceTooLow) {
			reason = "superseded: its nonce was used by a settled transaction"
		}
		p.dropLocked(f.e, reason)
		dropped = append(dropped, f.e.v.ID)
	}
	p.mu.Unlock()
	closeLeft(old, base)
	return dropped
}

// rebuildOrderLocked lists what a rebuild applies, in order: front, the
// current view's log (application order), then its queue (the last nq,
// to be sorted by arrival off the lock).
func (p *Pool) rebuildOrderLocked(front []*Entry) (es []*Entry, nq int) {
	es = make([]*Entry, 0, len(front)+len(p.vw.log)+len(p.vw.queued))
	es = append(es, front...)
	es = append(es, p.vw.log...)
	for e := range p.vw.queued {
		es = append(es, e)
	}
	return es, len(p.vw.queued)
}

func sortByArrival(es []*Entry) {
	sort.SliceStable(es, func(i, j int) bool { return es[i].arrived.Before(es[j].arrived) })
}

// failure is an entry that no longer applies, and why.
type failure struct {
	e   *Entry
	err error
}

// replay applies es over nv in order, and again those that wait on a nonce
// gap while any progress is made; those still waiting at the end join
// nv's queue. Entries that left the pool are passed over. It changes
// nothing of the pool's but nv and the entries' rebuilt stamps, so it runs
// off the lock; es is overwritten.
func (p *Pool) replay(nv *view, es []*Entry) (failed []failure) {
	waiting := es
	for progress := true; progress && len(waiting) > 0; {
		progress = false
		rest := waiting[:0]
		for i, e := range waiting {
			if i%256 == 255 {
				// Long replays run off the lock beside ingest: let its
				// short tasks in between.
				runtime.Gosched()
			}
			if e.gone.Load() {
				continue
			}
			res, err := p.applyTo(nv.o, e.v)
			switch {
			case err != nil:
				failed = append(failed, failure{e, err})
				progress = true
			case res == Queued:
				rest = append(rest, e)
			default:
				nv.log = append(nv.log, e)
				e.rebuilt.Store(nv.gen)
				progress = true
			}
		}
		waiting = rest
	}
	for _, e := range waiting {
		nv.enqueue(e)
	}
	return failed
}
