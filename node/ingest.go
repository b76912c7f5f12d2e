package node

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/ledger"
	"github.com/anonex/anonex/ledger/store"
	"github.com/anonex/anonex/node/pool"
	"github.com/anonex/anonex/p2p"
	"github.com/libp2p/go-libp2p/core/peer"
)

// ErrAlreadySettled is returned for a transaction that is already settled.
var ErrAlreadySettled = errors.New("node: transaction already settled")

// Submit takes a signed transaction from a client: it verifies it, applies
// it to the pending view, stores it durably and gossips it. It returns once
// the transaction is on disk.
func (n *Node) Submit(ctx context.Context, tx *ledger.Tx) (api.SubmitResult, error) {
	id, err := n.verifier().precheck(tx)
	if err != nil {
		n.metrics.refusedBy(sourceSubmit, err)
		return api.SubmitResult{}, err
	}
	if rec, ok, err := n.store.Tx(id); err != nil {
		return api.SubmitResult{}, err
	} else if ok {
		n.metrics.bySource[sourceSubmit].known.Inc()
		return api.SubmitResult{ID: id, Status: settledStatus(rec)}, nil
	}
	a := &admission{raw: tx.Encode(), tx: tx, id: id}
	n.admit(a)
	n.metrics.ingested(sourceSubmit, a)
	switch {
	case errors.Is(a.err, ledger.ErrRecordApplied):
		// A card record already applied in the pending view (it travelled
		// as an attachment): nothing more to do.
		return api.SubmitResult{ID: id, Status: api.TxPending}, nil
	case a.err != nil:
		return api.SubmitResult{ID: id}, a.err
	}
	out := api.SubmitResult{ID: id, Status: api.TxPending}
	if a.res == pool.Queued {
		out.Status = api.TxQueued
	}
	// Gossip even a known one: the client may be re-sending because it
	// never reached the network. Only the bytes the pool holds go out: a
	// variant of a pooled transaction is answered for, not forwarded.
	raw := a.raw
	if a.variant {
		if _, praw, ok := n.pool.Lookup(id); ok {
			raw = praw
		} else {
			raw = nil
		}
	}
	if n.txTopic != nil && raw != nil {
		if err := n.txTopic.Publish(ctx, raw); err != nil {
			n.log.Debug("gossip publish", "id", id, "err", err)
		}
	}
	return out, nil
}

func settledStatus(r store.TxRecord) api.TxStatus {
	if r.Status == ledger.StatusOK {
		return api.TxSettled
	}
	return api.TxFailed
}

// validateGossip judges and applies a transaction heard from a peer.
// Never-valid payloads are rejected (the peer is penalized); well-formed
// ones we refuse cost the relaying peer a token of its refusal budget
// (p2p.Refuse), unless the refusal is not its doing (p2p.Ignore: see
// refusalVerdict). Only what the verifier passed in full and the pool
// holds in exactly these bytes is accepted, and so forwarded.
func (n *Node) validateGossip(ctx context.Context, from peer.ID, raw []byte) p2p.Verdict {
	a := &admission{raw: raw}
	var err error
	if a.tx, err = ledger.DecodeTx(raw); err != nil {
		n.metrics.refusedBy(sourceGossip, err)
		return p2p.Reject
	}
	if a.id, err = n.verifier().precheck(a.tx); err != nil {
		n.metrics.refusedBy(sourceGossip, err)
		return p2p.Reject
	}
	if _, ok, _ := n.store.Tx(a.id); ok {
		// Settled here: a peer that has not folded it yet still gossips
		// it. It cost no signature recovery.
		n.metrics.bySource[sourceGossip].known.Inc()
		return p2p.Ignore
	}
	n.admit(a)
	n.metrics.ingested(sourceGossip, a)
	switch {
	case errors.Is(a.err, errStore):
		n.log.Error("store pending", "id", a.id, "err", a.err)
		return p2p.Ignore
	case a.err != nil && !a.refused:
		return p2p.Reject // never valid: decode, fields, any signature it carries
	case a.err != nil && isHonestRefusal(a.err):
		return refusalVerdict(a.err)
	case a.err != nil:
		return p2p.Reject
	case a.variant:
		// Valid, but not the form we hold: another (id, signature) twin
		// with other attachments or carried signatures. Not forwarded.
		return p2p.Refuse
	}
	return p2p.Accept
}

// isHonestRefusal tells refusals an honest peer may cause (it saw other
// transactions first) from never-valid input.
func isHonestRefusal(err error) bool {
	return ledger.IsSkip(err) || errors.Is(err, pool.ErrUnfundable) || errors.Is(err, pool.ErrConflict) ||
		errors.Is(err, pool.ErrQueueFull) || errors.Is(err, pool.ErrPoolFull) || errors.Is(err, pool.ErrQuota) || errors.Is(err, pool.ErrNonceGapUnknown) ||
		errors.Is(err, ledger.ErrState)
}

// refusalVerdict judges an honest refusal of gossip. It costs the relaying
// peer a token of its refusal budget (p2p.Refuse: a peer that spends the
// budget is throttled), except when the refusal is not the peer's doing
// (p2p.Ignore): this node is full (ErrPoolFull) or its store failed, it
// already applied the card record (it travelled as an attachment), or the
// transaction is the first evidence that its account equivocates. What an
// honest relay sends us and we refuse otherwise comes from our views
// differing (it saw a conflicting or funding transaction we did not), which
// is rare; a flood of such transactions from one peer is spam.
func refusalVerdict(err error) p2p.Verdict {
	switch {
	case errors.Is(err, pool.ErrPoolFull), errors.Is(err, ledger.ErrState), errors.Is(err, ledger.ErrRecordApplied),
		errors.Is(err, pool.ErrNewEquivocation):
		return p2p.Ignore
	}
	return p2p.Refuse
}

// IngestRaw is the bulk path of ingest: it decodes and recovers a slice of
// wire transactions on every core, applies them to the pending view in
// order, and stores the accepted ones in one synced group commit. It does
// not gossip. It returns one error per input (nil: pending, now or
// already; a valid variant of a pooled transaction is not stored).
func (n *Node) IngestRaw(raws [][]byte) []error {
	return n.IngestStream([][][]byte{raws})[0]
}

// IngestStream ingests chunks of wire transactions in order, with the
// stages of the admission path overlapped: while one chunk is verified on
// every core, the previous chunk is applied to the pending view and its
// group commit syncs. It returns each chunk's per-transaction errors once
// every accepted transaction is on disk.
func (n *Node) IngestStream(chunks [][][]byte) [][]error {
	type checked struct {
		i  int
		as []*admission
	}
	ch := make(chan checked, 1)
	go func() {
		defer close(ch)
		vf := n.verifier()
		for i, raws := range chunks {
			as := make([]*admission, len(raws))
			for j, raw := range raws {
				as[j] = &admission{raw: raw}
			}
			parallel(len(as), func(j int) { vf.check(as[j]) })
			ch <- checked{i, as}
		}
	}()
	out := make([][]error, len(chunks))
	var wg sync.WaitGroup
	for c := range ch {
		now := n.cfg.Clock()
		n.add(c.as, now)
		wg.Add(1)
		go func(i int, as []*admission) {
			defer wg.Done()
			n.persist(as, now)
			errs := make([]error, len(as))
			for j, a := range as {
				errs[j] = a.err
				n.metrics.ingested(sourceBulk, a)
			}
			out[i] = errs
		}(c.i, c.as)
	}
	wg.Wait()
	return out
}

// parallel runs fn(0..n-1) over GOMAXPROCS workers that take small blocks
// of indexes as they go, so a worker slowed by other work on its core does
// not leave the others idle at the end.
func parallel(n int, fn func(i int)) {
	workers := runtime.GOMAXPROCS(0)
	if n < 64 || workers == 1 {
		for i := 0; i < n; i++ {
			fn(i)
		}
		return
	}
	const block = 16
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				lo := int(next.Add(block)) - block
				if lo >= n {
					return
				}
				for i := lo; i < min(lo+block, n); i++ {
					fn(i)
				}
			}
		}()
	}
	wg.Wait()
}
