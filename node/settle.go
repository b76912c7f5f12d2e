package node

import (
	"errors"
	"log/slog"
	"time"

	"github.com/anonex/anonex/chain"
	"github.com/anonex/anonex/ledger"
	"github.com/anonex/anonex/node/pool"
)

// Flush asks the settler to post a batch now, whatever its age.
func (n *Node) Flush() {
	select {
	case n.flush <- struct{}{}:
	default:
	}
}

// settleLoop posts batches: when the oldest candidate has waited BatchAge,
// when BatchMax are waiting, or when flushed. A failed submission returns
// its transactions to the candidates and the next waits a backoff doubling
// from 100 ms to 10 s; nonces and stuck transactions are the submitter's
// (chain.Submitter).
func (n *Node) settleLoop() {
	tick := time.NewTicker(max(n.cfg.BatchAge/4, 5*time.Millisecond))
	defer tick.Stop()
	backoff := time.Duration(0)
	for {
		forced := false
		select {
		case <-n.ctx.Done():
			return
		case <-tick.C:
		case <-n.flush:
			forced = true
		}
		now := n.cfg.Clock()
		cands := n.candidates(now)
		if len(cands) == 0 {
			continue
		}
		oldest := now
		for _, e := range cands {
			if e.Arrived().Before(oldest) {
				oldest = e.Arrived()
			}
		}
		if !forced && len(cands) < n.cfg.BatchMax && now.Sub(oldest) < n.cfg.BatchAge+backoff {
			continue
		}
		data, used := n.buildBatch(cands)
		if len(used) == 0 {
			continue
		}
		n.pool.MarkSubmitting(used, now)
		posted := time.Now()
		res, err := n.submitter.Submit(n.ctx, data)
		if err != nil {
			n.pool.ClearFlight(used)
			if n.ctx.Err() != nil {
				return
			}
			n.metrics.submitFailed(err)
			backoff = min(max(2*backoff, 100*time.Millisecond), 10*time.Second)
			level := slog.LevelWarn
			if errors.Is(err, chain.ErrStuck) {
				level = slog.LevelError // every replacement failed: fees or the ceiling need a look
			}
			n.log.Log(n.ctx, level, "batch submission failed", "txs", len(used), "bytes", len(data), "err", err, "retry_in", backoff)
			continue
		}
		backoff = 0
		n.metrics.postedBatch(res, len(used), time.Since(posted))
		n.pool.MarkFlight(used, res.Seq, n.cfg.Clock())
		n.log.Debug("posted batch", "seq", res.Seq, "txs", len(used), "bytes", len(data), "gas", res.GasUsed)
	}
}

// candidates are the pending transactions the settler may post now: none
// in a batch posted and not folded yet (by the pool's own count of folded
// batches, n.folded: one that skipped a transaction gives it back, one
// that settled it has taken it out of the pool first).
func (n *Node) candidates(now time.Time) []*pool.Entry {
	return n.pool.Candidates(n.cfg.BatchMax, n.folded.Load(), now, n.cfg.FlightTimeout)
}

// buildBatch encodes candidates into one batch that fits the Anchor's cap,
// shrinking it until the compressed form fits.
func (n *Node) buildBatch(cands []*pool.Entry) ([]byte, []*pool.Entry) {
	for len(cands) > 0 {
		b := ledger.NewBatchBuilder(n.store.State())
		used := cands[:0:0]
		for _, e := range cands {
			if !b.Add(e.Tx()) {
				break
			}
			used = append(used, e)
		}
		data := b.Bytes()
		if len(data) <= ledger.MaxBatchBytes {
			return data, used
		}
		keep := len(used) * ledger.MaxBatchBytes / len(data) * 95 / 100
		cands = used[:min(keep, len(used)-1)]
	}
	return nil, nil
}
