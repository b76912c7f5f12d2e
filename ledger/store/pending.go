package store

import (
	"encoding/binary"
	"fmt"

	"github.com/anonex/anonex/ledger"
	"github.com/cockroachdb/pebble/v2"
)

// Pending is one pending transaction as the store keeps it.
type Pending struct {
	ID     ledger.Hash
	Sender ledger.Address // recovered once on ingest; trusted on reload
	// Arrived is when this node first saw it, in Unix nanoseconds.
	Arrived int64
	Raw     []byte // wire form
}

func encodePending(p Pending) []byte {
	v := make([]byte, 0, 28+len(p.Raw))
	v = append(v, p.Sender[:]...)
	v = binary.BigEndian.AppendUint64(v, uint64(p.Arrived))
	return append(v, p.Raw...)
}

type groupReq struct {
	put  []Pending
	del  []ledger.Hash
	rej  []Dropped
	done chan error
}

// Dropped is a pending transaction that left the pool without settling,
// with the reason: kept, so that "rejected, because …" survives a restart.
type Dropped struct {
	ID     ledger.Hash
	Reason string
}

// MaxReasonBytes bounds a stored rejection reason.
const MaxReasonBytes = 512

// AppendPending stores pending transactions durably: it returns once they
// are synced to disk, sharing the fsync with every concurrent caller.
func (s *Store) AppendPending(recs ...Pending) error {
	return s.submit(groupReq{put: recs})
}

// DeletePending removes pending records (through the same group commit).
func (s *Store) DeletePending(ids ...ledger.Hash) error {
	return s.submit(groupReq{del: ids})
}

// DropPending removes pending records that left the pool without settling
// and keeps why (see Rejected), through the same group commit.
func (s *Store) DropPending(drops ...Dropped) error {
	return s.submit(groupReq{rej: drops})
}

// Rejected returns why an acknowledged transaction left the pool without
// settling, if it did.
func (s *Store) Rejected(id ledger.Hash) (string, bool, error) {
	v, err := s.get(prefixed(pRejected, id[:]))
	if err != nil || v == nil {
		return "", false, err
	}
	return string(v), true, nil
}

func (s *Store) submit(r groupReq) error {
	r.done = make(chan error, 1)
	select {
	case s.group <- r:
	case <-s.quit:
		return ErrClosed
	}
	select {
	case err := <-r.done:
		return err
	case <-s.closed:
		return ErrClosed
	}
}

func (s *Store) groupLoop() {
	defer s.wg.Done()
	for {
		var first groupReq
		select {
		case first = <-s.group:
		case <-s.quit:
			s.failQueued()
			return
		}
		reqs := []groupReq{first}
		n := len(first.put) + len(first.del) + len(first.rej)
	gather:
		for n < s.max {
			select {
			case r := <-s.group:
				reqs = append(reqs, r)
				n += len(r.put) + len(r.del) + len(r.rej)
			default:
				break gather
			}
		}
		err := s.writeGroup(reqs)
		for _, r := range reqs {
			r.done <- err
		}
	}
}

func (s *Store) failQueued() {
	for {
		select {
		case r := <-s.group:
			r.done <- ErrClosed
		default:
			return
		}
	}
}

func (s *Store) writeGroup(reqs []groupReq) error {
	s.life.RLock()
	defer s.life.RUnlock()
	b := s.db.NewBatch()
	defer b.Close()
	for _, r := range reqs {
		for _, p := range r.put {
			b.Set(prefixed(pPending, p.ID[:]), encodePending(p), nil)
			b.Delete(prefixed(pRejected, p.ID[:]), nil) // accepted again
		}
		for _, id := range r.del {
			b.Delete(prefixed(pPending, id[:]), nil)
		}
		for _, d := range r.rej {
			b.Delete(prefixed(pPending, d.ID[:]), nil)
			reason := d.Reason
			if len(reason) > MaxReasonBytes {
				reason = reason[:MaxReasonBytes]
			}
			b.Set(prefixed(pRejected, d.ID[:]), []byte(reason), nil)
		}
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("store: group commit of %d requests: %w", len(reqs), err)
	}
	return nil
}

// LoadPending reads every stored pending transaction, in no set order.
// Records that do not decode are skipped and counted in corrupt: a pending
// transaction can always be sent again, a node that cannot start cannot.
func (s *Store) LoadPending() (out []Pending, corrupt int, err error) {
	err = s.scan([]byte{pPending}, func(k, v []byte) bool {
		if len(k) != 33 || len(v) < 28 {
			corrupt++
			return true
		}
		p := Pending{Arrived: int64(binary.BigEndian.Uint64(v[20:28])), Raw: append([]byte(nil), v[28:]...)}
		copy(p.ID[:], k[1:])
		copy(p.Sender[:], v[:20])
		out = append(out, p)
		return true
	})
	return out, corrupt, err
}
