package node

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/anonex/anonex/ledger"
	"github.com/anonex/anonex/ledger/store"
	"github.com/anonex/anonex/p2p"
	"github.com/libp2p/go-libp2p/core/peer"
)

// SubmitResult is what POST /v1/txs answers.
type SubmitResult struct {
	ID     ledger.Hash `json:"id"`
	Status string      `json:"status"` // pending | queued | settled | failed
}

// ErrAlreadySettled is returned for a transaction that is already settled.
var ErrAlreadySettled = errors.New("node: transaction already settled")

// Submit takes a signed transaction from a client: it verifies it, applies
// it to the pending view, stores it durably and gossips it. It returns once
// the transaction is on disk.
func (n *Node) Submit(ctx context.Context, tx *ledger.Tx) (SubmitResult, error) {
	id, err := ledger.Precheck(tx, n.domain)
	if err != nil {
		return SubmitResult{}, err
	}
	if rec, ok, err := n.store.Tx(id); err != nil {
		return SubmitResult{}, err
	} else if ok {
		return SubmitResult{ID: id, Status: settledStatus(rec)}, nil
	}
	var v *ledger.Verified
	if sender, ok := n.pool.Has(id, tx.Sig); ok {
		v, err = ledger.VerifyKnownSender(tx, id, sender, n.domain, n.rec)
	} else {
		v, err = ledger.VerifyWithID(tx, id, n.rec, n.domain)
	}
	if err != nil {
		return SubmitResult{ID: id}, err
	}
	raw := tx.Encode()
	res, err := n.pool.Add(v, raw, n.cfg.Clock())
	if errors.Is(err, ledger.ErrRecordApplied) {
		// A card record already applied in the pending view (it travelled
		// as an attachment): nothing more to do.
		return SubmitResult{ID: id, Status: "pending"}, nil
	}
	if err != nil {
		n.pool.Reject(id, err.Error())
		return SubmitResult{ID: id}, err
	}
	out := SubmitResult{ID: id, Status: "pending"}
	if res == Queued {
		out.Status = "queued"
	}
	if res != Known {
		if err := n.store.AppendPending(store.Pending{ID: id, Sender: v.Sender, Arrived: n.cfg.Clock().UnixNano(), Raw: raw}); err != nil {
			return SubmitResult{ID: id}, err
		}
		n.events.publish(Event{Type: "tx", ID: &id, Status: out.Status})
	}
	// Gossip even a known one: the client may be re-sending because it
	// never reached the network.
	if err := n.txTopic.Publish(ctx, raw); err != nil {
		n.log.Debug("gossip publish", "id", id, "err", err)
	}
	return out, nil
}

func settledStatus(r store.TxRecord) string {
	if r.Status == ledger.StatusOK {
		return "settled"
	}
	return "failed"
}

// validateGossip judges and applies a transaction heard from a peer.
// Never-valid payloads are rejected (the peer is penalized); payloads an
// honest peer could send but that we cannot use now are ignored.
func (n *Node) validateGossip(ctx context.Context, from peer.ID, raw []byte) p2p.Verdict {
	tx, err := ledger.DecodeTx(raw)
	if err != nil {
		return p2p.Reject
	}
	id, err := ledger.Precheck(tx, n.domain)
	if err != nil {
		return p2p.Reject
	}
	if _, ok := n.pool.Has(id, tx.Sig); ok {
		return p2p.Accept
	}
	if _, ok, _ := n.store.Tx(id); ok {
		return p2p.Ignore
	}
	v, err := ledger.VerifyWithID(tx, id, n.rec, n.domain)
	if err != nil {
		return p2p.Reject
	}
	res, err := n.pool.Add(v, raw, n.cfg.Clock())
	switch {
	case err != nil && isHonestRefusal(err):
		n.pool.Reject(id, err.Error())
		return p2p.Ignore
	case err != nil:
		return p2p.Reject
	case res == Known:
		return p2p.Accept
	}
	if err := n.store.AppendPending(store.Pending{ID: id, Sender: v.Sender, Arrived: n.cfg.Clock().UnixNano(), Raw: raw}); err != nil {
		n.log.Error("store pending", "id", id, "err", err)
		return p2p.Ignore
	}
	status := "pending"
	if res == Queued {
		status = "queued"
	}
	n.events.publish(Event{Type: "tx", ID: &id, Status: status})
	return p2p.Accept
}

// isHonestRefusal tells refusals an honest peer may cause (it saw other
// transactions first) from never-valid input.
func isHonestRefusal(err error) bool {
	return ledger.IsSkip(err) || errors.Is(err, ErrUnfundable) || errors.Is(err, ErrConflict) ||
		errors.Is(err, ErrQueueFull) || errors.Is(err, ErrPoolFull) || errors.Is(err, ErrQuota) || errors.Is(err, ErrNonceGapUnknown) ||
		errors.Is(err, ledger.ErrState)
}

// IngestRaw is the bulk path of ingest: it decodes and recovers a slice of
// wire transactions on every core, applies them to the pending view in
// order, and stores the accepted ones in one synced group commit. It does
// not gossip. It returns one error per input (nil: accepted).
func (n *Node) IngestRaw(raws [][]byte) []error {
	return n.IngestStream([][][]byte{raws})[0]
}

// IngestStream ingests chunks of wire transactions in order, with the
// stages overlapped: while one chunk's signatures are recovered on every
// core, the previous chunk is applied to the pending view and its group
// commit syncs. It returns each chunk's per-transaction errors once every
// accepted transaction is on disk.
func (n *Node) IngestStream(chunks [][][]byte) [][]error {
	type verified struct {
		i    int
		vs   []*ledger.Verified
		errs []error
	}
	ch := make(chan verified, 1)
	go func() {
		defer close(ch)
		for i, raws := range chunks {
			vs, errs := n.verifyRaw(raws)
			ch <- verified{i, vs, errs}
		}
	}()
	out := make([][]error, len(chunks))
	var wg sync.WaitGroup
	for v := range ch {
		out[v.i] = v.errs
		recs, idx := n.applyVerified(chunks[v.i], v.vs, v.errs)
		if len(recs) == 0 {
			continue
		}
		wg.Add(1)
		go func(errs []error) {
			defer wg.Done()
			if err := n.store.AppendPending(recs...); err != nil {
				for _, i := range idx {
					errs[i] = fmt.Errorf("node: store: %w", err)
				}
			}
		}(v.errs)
	}
	wg.Wait()
	return out
}

// verifyRaw decodes and recovers on every core.
func (n *Node) verifyRaw(raws [][]byte) ([]*ledger.Verified, []error) {
	errs := make([]error, len(raws))
	vs := make([]*ledger.Verified, len(raws))
	parallel(len(raws), func(i int) {
		tx, err := ledger.DecodeTx(raws[i])
		if err == nil {
			vs[i], err = ledger.Verify(tx, n.domain, n.rec)
		}
		errs[i] = err
	})
	return vs, errs
}

// applyVerified adds verified transactions to the pool in order and returns
// the records to store, with the input index of each.
func (n *Node) applyVerified(raws [][]byte, vs []*ledger.Verified, errs []error) ([]store.Pending, []int) {
	now := n.cfg.Clock()
	recs := make([]store.Pending, 0, len(raws))
	idx := make([]int, 0, len(raws))
	for i, v := range vs {
		if v == nil {
			continue
		}
		res, err := n.pool.Add(v, raws[i], now)
		if err != nil {
			errs[i] = err
			continue
		}
		if res != Known {
			recs = append(recs, store.Pending{ID: v.ID, Sender: v.Sender, Arrived: now.UnixNano(), Raw: raws[i]})
			idx = append(idx, i)
		}
	}
	return recs, idx
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
