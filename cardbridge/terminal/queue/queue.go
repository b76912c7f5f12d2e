// Package queue is a merchant terminal's durable store on Pebble: the card
// records not yet accepted by the network, and the highest counter seen
// per card. It implements terminal.Queue; the terminal's payment logic
// itself (package terminal) stores nothing, so what links it (the client
// side of the API, tests) links no database.
package queue

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/anonex/anonex/cardbridge/terminal"
	"github.com/anonex/anonex/ledger"
	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// Queue is the terminal's durable store: card records not yet accepted by
// the network, and the highest counter seen per card. A record is on disk
// (synced) before the terminal approves the payment, so a terminal killed
// at any point loses nothing it approved.
type Queue struct{ db *pebble.DB }

var _ terminal.Queue = (*Queue)(nil)

// Open opens the store in dir ("" keeps it in memory, for tests).
func Open(dir string) (*Queue, error) {
	opts := &pebble.Options{Logger: quietLogger{}}
	if dir == "" {
		opts.FS = vfs.NewMem()
	}
	db, err := pebble.Open(dir, opts)
	if err != nil {
		return nil, fmt.Errorf("terminal: queue %s: %w", dir, err)
	}
	return &Queue{db: db}, nil
}

// Close closes the store.
func (q *Queue) Close() error { return q.db.Close() }

// Checkpoint writes a copy of the store as it is now into dir, which must
// not exist (a devnet snapshot keeps its terminal's queue and counters so).
func (q *Queue) Checkpoint(dir string) error {
	if err := q.db.Checkpoint(dir, pebble.WithFlushedWAL()); err != nil {
		return fmt.Errorf("terminal: queue checkpoint: %w", err)
	}
	return nil
}

func recKey(id ledger.Hash) []byte { return append([]byte("r/"), id[:]...) }

func ctrKey(card ledger.Address) []byte { return append([]byte("c/"), card[:]...) }

// Put stores a record (wire form) and the card's counter, synced.
func (q *Queue) Put(id ledger.Hash, card ledger.Address, counter uint64, raw []byte) error {
	b := q.db.NewBatch()
	defer b.Close()
	b.Set(recKey(id), raw, nil)
	if counter > q.Counter(card) {
		b.Set(ctrKey(card), u64(counter), nil)
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("terminal: queue record: %w", err)
	}
	return nil
}

// Counter is the highest counter of a card this terminal has stored.
func (q *Queue) Counter(card ledger.Address) uint64 {
	v, c, err := q.db.Get(ctrKey(card))
	if err != nil {
		return 0
	}
	defer c.Close()
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

// Done removes a record the network accepted.
func (q *Queue) Done(id ledger.Hash) error {
	return q.db.Delete(recKey(id), pebble.Sync)
}

// Pending lists the records still to forward.
func (q *Queue) Pending() (map[ledger.Hash][]byte, error) {
	out := map[ledger.Hash][]byte{}
	it, err := q.db.NewIter(&pebble.IterOptions{LowerBound: []byte("r/"), UpperBound: []byte("r0")})
	if err != nil {
		return nil, err
	}
	for ok := it.First(); ok; ok = it.Next() {
		var id ledger.Hash
		copy(id[:], it.Key()[2:])
		out[id] = append([]byte(nil), it.Value()...)
	}
	return out, errors.Join(it.Error(), it.Close())
}

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

type quietLogger struct{}

func (quietLogger) Infof(string, ...any)  {}
func (quietLogger) Errorf(string, ...any) {}
func (quietLogger) Fatalf(format string, args ...any) {
	panic(fmt.Sprintf("terminal: pebble: "+format, args...))
}
