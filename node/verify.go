package node

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/ledger"
	"github.com/anonex/anonex/ledger/store"
	"github.com/anonex/anonex/node/pool"
)

// errStore wraps a failure of the node's own store on the admission path:
// the transaction was not refused, the node could not keep it.
var errStore = errors.New("node: store")

// verifier is the one way this node turns a transaction into a
// *ledger.Verified: a client's submission, a peer's gossip, bulk ingest,
// a settled batch and the node's own pending log all pass here, so
// everything the node accepts, stores, folds or forwards is checked the
// same way.
//
// A transaction's id and signature cover its payload as signed, not what
// it carries beside it: a Fill's maker signature, a card record's
// attachments, a ConvertPay's record and offers. Knowing an (id,
// signature) pair therefore vouches only for the sender. The verifier
// reuses what the node already knows without trusting more than that:
//
//   - the exact wire bytes of a pooled transaction: the pool's Verified,
//     with no recovery at all (the common case: a copy heard again);
//   - the same (id, signature) with other bytes (a variant): the sender is
//     reused, everything carried is verified again;
//   - otherwise every signature is recovered, through the node's recovery
//     cache (an offer carried by many fills is recovered once).
//
// It reads the pool but never the settled state: a batch must fold the
// same on every node.
type verifier struct {
	domain ledger.Domain
	rec    ledger.Recoverer
	pool   *pool.Pool
}

func (n *Node) verifier() verifier { return verifier{domain: n.domain, rec: n.rec, pool: n.pool} }

// precheck runs the stateless checks short of recovery and returns the id.
func (vf verifier) precheck(tx *ledger.Tx) (ledger.Hash, error) {
	return ledger.Precheck(tx, vf.domain)
}

// verify checks a prechecked transaction. raw is its wire form (nil: the
// verifier encodes tx to compare it with the pool's). sender, when not
// nil, is the signer this node itself recovered for tx's (id, signature)
// before (its own pending log). pooled reports that the pool holds these
// exact bytes: v is then the pool's own.
func (vf verifier) verify(tx *ledger.Tx, id ledger.Hash, raw []byte, sender *ledger.Address) (v *ledger.Verified, pooled bool, err error) {
	if pv, praw, ok := vf.pool.Lookup(id); ok && pv.Tx.Sig == tx.Sig {
		if raw == nil {
			raw = tx.Encode()
		}
		if bytes.Equal(raw, praw) {
			return pv, true, nil
		}
		s := pv.Sender
		sender = &s
	}
	if sender != nil && *sender == tx.Payload.Signer() {
		v, err = ledger.VerifyKnownSender(tx, id, *sender, vf.domain, vf.rec)
	} else {
		v, err = ledger.VerifyWithID(tx, id, vf.rec, vf.domain)
	}
	return v, false, err
}

// pendingEntry turns a stored pending record back into a pool entry
// through the verifier: the sender was recovered by this node on first
// ingest and is trusted from its own store; everything the transaction
// carries is verified again.
func (vf verifier) pendingEntry(r store.Pending) (*pool.Entry, error) {
	tx, err := ledger.DecodeTx(r.Raw)
	if err != nil {
		return nil, fmt.Errorf("does not decode: %w", err)
	}
	sender := r.Sender
	v, _, err := vf.verifyTx(tx, r.Raw, &sender)
	if err != nil {
		return nil, fmt.Errorf("does not verify: %w", err)
	}
	return pool.NewEntry(v, r.Raw, time.Unix(0, r.Arrived)), nil
}

// poolEntries turns stored pending records (the pending log, or what an
// undone batch had settled) back into pool entries through the verifier,
// in order. A record that does not verify is left out and logged with
// what.
func (n *Node) poolEntries(recs []store.Pending, what string) []*pool.Entry {
	vf := n.verifier()
	es := make([]*pool.Entry, 0, len(recs))
	for _, r := range recs {
		e, err := vf.pendingEntry(r)
		if err != nil {
			n.log.Warn(what, "id", r.ID, "err", err)
			continue
		}
		es = append(es, e)
	}
	return es
}

// verifyTx prechecks and verifies.
func (vf verifier) verifyTx(tx *ledger.Tx, raw []byte, sender *ledger.Address) (*ledger.Verified, bool, error) {
	id, err := vf.precheck(tx)
	if err != nil {
		return nil, false, err
	}
	return vf.verify(tx, id, raw, sender)
}

// admission is one transaction on the admission path: verify, add to the
// pending view, store durably, tell watchers. Every way a transaction
// enters the pending view goes through it (Submit, gossip, IngestRaw and
// IngestStream); the caller gossips.
type admission struct {
	raw []byte
	tx  *ledger.Tx // decoded from raw if nil
	id  ledger.Hash
	v   *ledger.Verified
	// pooled: an identical copy of a pooled transaction.
	pooled bool
	// variant: verified, but the pool holds other bytes under its id; it
	// was not added and must not be forwarded.
	variant bool
	res     pool.AddResult
	err     error
	// refused: err is the pool's refusal, not a verification failure.
	refused bool
}

// check decodes (if needed), prechecks and verifies. It only reads the
// pool, so admissions are checked in parallel.
func (vf verifier) check(a *admission) {
	if a.tx == nil {
		if a.tx, a.err = ledger.DecodeTx(a.raw); a.err != nil {
			return
		}
	}
	if a.id == (ledger.Hash{}) {
		if a.id, a.err = vf.precheck(a.tx); a.err != nil {
			return
		}
	}
	a.v, a.pooled, a.err = vf.verify(a.tx, a.id, a.raw, nil)
}

// add offers the checked admissions to the pending view, in order.
func (n *Node) add(as []*admission, now time.Time) {
	for _, a := range as {
		if a.err != nil {
			continue
		}
		a.res, a.err = n.pool.Add(a.v, a.raw, now)
		switch {
		case a.err != nil:
			a.refused = true
			if !errors.Is(a.err, ledger.ErrRecordApplied) {
				n.pool.Reject(a.id, a.err.Error())
			}
		case a.res == pool.Known && !a.pooled:
			// Verified, but another form holds the id (or the pool took
			// this one since check): only bytes the pool holds go on.
			_, praw, ok := n.pool.Lookup(a.id)
			a.variant = !ok || !bytes.Equal(praw, a.raw)
		}
	}
}

// persist stores the admissions the pool took in one synced group commit
// and tells watchers; it returns once they are on disk.
func (n *Node) persist(as []*admission, now time.Time) {
	recs := make([]store.Pending, 0, len(as))
	took := make([]*admission, 0, len(as))
	for _, a := range as {
		if a.err == nil && a.res != pool.Known {
			recs = append(recs, store.Pending{ID: a.id, Sender: a.v.Sender, Arrived: now.UnixNano(), Raw: a.raw})
			took = append(took, a)
		}
	}
	if len(recs) == 0 {
		return
	}
	if err := n.store.AppendPending(recs...); err != nil {
		for _, a := range took {
			a.err = fmt.Errorf("%w: %w", errStore, err)
		}
		return
	}
	for _, a := range took {
		status := api.TxPending
		if a.res == pool.Queued {
			status = api.TxQueued
		}
		n.events.publish(api.Event{Type: "tx", ID: &a.id, Status: string(status)})
	}
}

// admit takes one transaction through the whole path.
func (n *Node) admit(a *admission) {
	n.verifier().check(a)
	if a.err != nil {
		return
	}
	now := n.cfg.Clock()
	n.add([]*admission{a}, now)
	n.persist([]*admission{a}, now)
}
