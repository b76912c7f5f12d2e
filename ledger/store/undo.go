package store

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/anonex/anonex/ledger"
	"github.com/cockroachdb/pebble/v2"
)

// Undo data: every fold step (a batch or a Vault event, at one chain
// position) records, in the same synced Pebble batch as its writes, the
// value every key it wrote had before, and the transactions it settled. A
// reorg or a chain that came back shorter is then rolled back step by step,
// newest first, each step one synced batch, so a node killed mid-rollback
// reopens at a step boundary and goes on.
//
// Records older than Options.UndoDepth blocks below the newest step are
// pruned: a reorg deeper than that cannot be rolled back (ErrUndoWindow).

// DefaultUndoDepth is how many blocks of undo data a store keeps.
const DefaultUndoDepth = 4096

// ErrUndoWindow reports a rollback below the oldest undo record kept.
var ErrUndoWindow = errors.New("store: the reorg is deeper than the undo data kept")

// Step is a fold step's chain position: the block and log index of the
// event it folded, and the hash of that block.
type Step struct {
	Block     uint64
	LogIndex  uint32
	BlockHash ledger.Hash
}

func undoKey(block uint64, index uint32) []byte {
	k := binary.BigEndian.AppendUint64([]byte{pUndo}, block)
	return binary.BigEndian.AppendUint32(k, index)
}

// undoWriter wraps a Pebble batch and notes, before each key's first
// write, the value the key had: the undo record of the step.
type undoWriter struct {
	s    *Store
	b    *pebble.Batch
	seen map[string]struct{}
	rec  []byte // encoded entries
	n    int
	err  error
}

func (s *Store) newUndoWriter(b *pebble.Batch) *undoWriter {
	return &undoWriter{s: s, b: b, seen: make(map[string]struct{})}
}

func (w *undoWriter) note(k []byte) {
	if w.err != nil {
		return
	}
	if _, ok := w.seen[string(k)]; ok {
		return
	}
	w.seen[string(k)] = struct{}{}
	v, c, err := w.s.db.Get(k) // the caller holds s.life
	w.rec = binary.AppendUvarint(w.rec, uint64(len(k)))
	w.rec = append(w.rec, k...)
	switch {
	case errors.Is(err, pebble.ErrNotFound):
		w.rec = append(w.rec, 0)
	case err != nil:
		w.err = fmt.Errorf("store: reading undo value: %w", err)
		return
	default:
		w.rec = append(w.rec, 1)
		w.rec = binary.AppendUvarint(w.rec, uint64(len(v)))
		w.rec = append(w.rec, v...)
		c.Close()
	}
	w.n++
}

// Set writes key=value, noting the old value first.
func (w *undoWriter) Set(k, v []byte) {
	w.note(k)
	w.b.Set(k, v, nil)
}

// Delete deletes key, noting the old value first.
func (w *undoWriter) Delete(k []byte) {
	w.note(k)
	w.b.Delete(k, nil)
}

// finish adds the undo record of step (with the transactions it settled)
// to the batch, and prunes records older than the undo depth.
func (w *undoWriter) finish(step Step, settled []Pending) error {
	if w.err != nil {
		return w.err
	}
	v := make([]byte, 0, 1+32+10+len(w.rec)+64*len(settled))
	v = append(v, 1) // version
	v = append(v, step.BlockHash[:]...)
	v = binary.AppendUvarint(v, uint64(w.n))
	v = append(v, w.rec...)
	v = binary.AppendUvarint(v, uint64(len(settled)))
	for _, p := range settled {
		v = append(v, p.ID[:]...)
		e := encodePending(p)
		v = binary.AppendUvarint(v, uint64(len(e)))
		v = append(v, e...)
	}
	if err := w.b.Set(undoKey(step.Block, step.LogIndex), v, nil); err != nil {
		return err
	}
	if depth := w.s.undoDepth; step.Block > depth {
		return w.b.DeleteRange(undoKey(0, 0), undoKey(step.Block-depth, 0), nil)
	}
	return nil
}

// undoRecord is a decoded undo record.
type undoRecord struct {
	step    Step
	entries []undoEntry
	settled []Pending
}

type undoEntry struct {
	key     []byte
	present bool
	value   []byte
}

func decodeUndo(k, v []byte) (undoRecord, error) {
	var r undoRecord
	bad := func(what string) (undoRecord, error) {
		return r, fmt.Errorf("%w: undo record %x: %s", ErrCorrupt, k, what)
	}
	if len(k) != 13 || len(v) < 33 || v[0] != 1 {
		return bad("header")
	}
	r.step.Block = binary.BigEndian.Uint64(k[1:])
	r.step.LogIndex = binary.BigEndian.Uint32(k[9:])
	copy(r.step.BlockHash[:], v[1:33])
	p := v[33:]
	take := func() ([]byte, bool) {
		l, n := binary.Uvarint(p)
		if n <= 0 || l > uint64(len(p)-n) {
			return nil, false
		}
		out := p[n : n+int(l)]
		p = p[n+int(l):]
		return out, true
	}
	count, n := binary.Uvarint(p)
	if n <= 0 {
		return bad("entry count")
	}
	p = p[n:]
	for i := uint64(0); i < count; i++ {
		key, ok := take()
		if !ok || len(p) == 0 {
			return bad("entry key")
		}
		e := undoEntry{key: append([]byte(nil), key...), present: p[0] == 1}
		p = p[1:]
		if e.present {
			val, ok := take()
			if !ok {
				return bad("entry value")
			}
			e.value = append([]byte(nil), val...)
		}
		r.entries = append(r.entries, e)
	}
	count, n = binary.Uvarint(p)
	if n <= 0 {
		return bad("settled count")
	}
	p = p[n:]
	for i := uint64(0); i < count; i++ {
		if len(p) < 32 {
			return bad("settled id")
		}
		var id ledger.Hash
		copy(id[:], p)
		p = p[32:]
		e, ok := take()
		if !ok || len(e) < 28 {
			return bad("settled record")
		}
		pd := Pending{ID: id, Arrived: int64(binary.BigEndian.Uint64(e[20:28])), Raw: append([]byte(nil), e[28:]...)}
		copy(pd.Sender[:], e[:20])
		r.settled = append(r.settled, pd)
	}
	return r, nil
}

// Steps lists the fold steps that can be undone, newest first.
func (s *Store) Steps() ([]Step, error) {
	var out []Step
	s.life.RLock()
	defer s.life.RUnlock()
	if s.shut {
		return nil, ErrClosed
	}
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: []byte{pUndo}, UpperBound: []byte{pUndo + 1}})
	if err != nil {
		return nil, fmt.Errorf("store: iterate: %w", err)
	}
	for ok := it.Last(); ok; ok = it.Prev() {
		k, v := it.Key(), it.Value()
		if len(k) != 13 || len(v) < 33 {
			it.Close()
			return nil, fmt.Errorf("%w: undo record %x", ErrCorrupt, k)
		}
		st := Step{Block: binary.BigEndian.Uint64(k[1:]), LogIndex: binary.BigEndian.Uint32(k[9:])}
		copy(st.BlockHash[:], v[1:33])
		out = append(out, st)
	}
	return out, errors.Join(it.Error(), it.Close())
}

// UndoNewest undoes the newest fold step: every key it wrote gets its old
// value back (the head and its chain cursor included), the transactions it
// settled are pending records again, and its undo record is gone — in one
// synced batch. It returns the step and the transactions it returned to
// pending; ok is false when there is nothing to undo.
func (s *Store) UndoNewest() (step Step, restored []Pending, ok bool, err error) {
	s.life.RLock()
	defer s.life.RUnlock()
	if s.shut {
		return step, nil, false, ErrClosed
	}
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: []byte{pUndo}, UpperBound: []byte{pUndo + 1}})
	if err != nil {
		return step, nil, false, fmt.Errorf("store: iterate: %w", err)
	}
	if !it.Last() {
		return step, nil, false, errors.Join(it.Error(), it.Close())
	}
	k := append([]byte(nil), it.Key()...)
	rec, derr := decodeUndo(k, it.Value())
	if err := errors.Join(derr, it.Close()); err != nil {
		return step, nil, false, err
	}
	b := s.db.NewBatch()
	defer b.Close()
	had := make(map[string]bool)
	for _, e := range rec.entries {
		if e.present {
			b.Set(e.key, e.value, nil)
			had[string(e.key)] = true
		} else {
			b.Delete(e.key, nil)
		}
	}
	// The settled transactions are pending again; where the step deleted
	// our own pending record, the entry above put it back as it was.
	for _, p := range rec.settled {
		if k := prefixed(pPending, p.ID[:]); !had[string(k)] {
			b.Set(k, encodePending(p), nil)
		}
	}
	b.Delete(k, nil)
	if err := b.Commit(pebble.Sync); err != nil {
		return step, nil, false, fmt.Errorf("store: undo step at block %d: %w", rec.step.Block, err)
	}
	return rec.step, rec.settled, true, nil
}

// UndoDepth is how many blocks of undo data the store keeps.
func (s *Store) UndoDepth() uint64 { return s.undoDepth }

// FinalState is the settled state as it was after the last fold step at or
// below block horizon: the current state with the undo data of every newer
// step laid over it (the oldest value of each key wins). Issuers sign T and
// attesters sign batches only over this, so a reorg above the horizon can
// never invalidate what they signed. Read from one Pebble snapshot; call
// the returned function when done.
func (s *Store) FinalState(horizon uint64) (ledger.Reader, func(), error) {
	sn, err := s.Snapshot()
	if err != nil {
		return nil, nil, err
	}
	over := map[string]undoEntry{}
	err = sn.iterate(undoKey(horizon+1, 0), []byte{pUndo + 1}, func(it *pebble.Iterator) error {
		// Newest first, so the oldest step's value of a key is written last.
		for ok := it.Last(); ok; ok = it.Prev() {
			rec, err := decodeUndo(append([]byte(nil), it.Key()...), it.Value())
			if err != nil {
				return err
			}
			for _, e := range rec.entries {
				if len(e.key) > 0 && e.key[0] == pState {
					over[string(e.key[1:])] = e
				}
			}
		}
		return nil
	})
	if err != nil {
		sn.Close()
		return nil, nil, err
	}
	r := &finalReader{sn: sn, over: over}
	return r, func() { sn.Close() }, nil
}

type finalReader struct {
	sn   *Snapshot
	over map[string]undoEntry
}

func (r *finalReader) Get(k []byte) ([]byte, error) {
	if e, ok := r.over[string(k)]; ok {
		if !e.present {
			return nil, nil
		}
		return append([]byte(nil), e.value...), nil
	}
	return r.sn.Get(k)
}
