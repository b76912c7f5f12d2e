package store

import (
	"errors"
	"fmt"
	"sync"

	"github.com/anonex/anonex/ledger"
	"github.com/cockroachdb/pebble/v2"
)

// Snapshot is the store as it was at one moment, read-only: commits made
// after it was taken are invisible through it. A node's pending view is
// built over one, so a fold commits without holding the view's readers
// still, and the view moves to the new state when it is ready.
//
// Reads after Close, or after the store closed, fail with ErrClosed; Close
// is safe twice and safe after the store closed (the store closes every
// open snapshot first, as Pebble requires).
type Snapshot struct {
	s      *Store
	life   sync.RWMutex
	snap   *pebble.Snapshot
	closed bool
}

// Snapshot pins the store's current contents.
func (s *Store) Snapshot() (*Snapshot, error) {
	s.life.RLock()
	defer s.life.RUnlock()
	if s.shut {
		return nil, ErrClosed
	}
	sn := &Snapshot{s: s, snap: s.db.NewSnapshot()}
	s.snapMu.Lock()
	s.snaps[sn] = struct{}{}
	s.snapMu.Unlock()
	return sn, nil
}

func (sn *Snapshot) get(key []byte) ([]byte, error) {
	sn.life.RLock()
	defer sn.life.RUnlock()
	if sn.closed {
		return nil, ErrClosed
	}
	return getIn(sn.snap, key)
}

// iterate runs fn over an iterator of the snapshot's keys in [lo, hi).
func (sn *Snapshot) iterate(lo, hi []byte, fn func(it *pebble.Iterator) error) error {
	sn.life.RLock()
	defer sn.life.RUnlock()
	if sn.closed {
		return ErrClosed
	}
	it, err := sn.snap.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
	if err != nil {
		return fmt.Errorf("store: iterate: %w", err)
	}
	err = fn(it)
	return errors.Join(err, it.Error(), it.Close())
}

// Get reads a key of the settled state: a Snapshot is a ledger.Reader.
func (sn *Snapshot) Get(k []byte) ([]byte, error) { return sn.get(prefixed(pState, k)) }

// Tree is the settled state's Merkle tree nodes as of the snapshot.
func (sn *Snapshot) Tree() ledger.TreeNodes { return snapPrefix{sn, pTree} }

// Head is the head record as of the snapshot.
func (sn *Snapshot) Head() (Head, error) {
	v, err := sn.get([]byte{pHead})
	if err != nil {
		return Head{}, err
	}
	return decodeHead(v)
}

// Close releases the snapshot.
func (sn *Snapshot) Close() error {
	sn.life.Lock()
	defer sn.life.Unlock()
	if sn.closed {
		return nil
	}
	sn.closed = true
	sn.s.snapMu.Lock()
	delete(sn.s.snaps, sn)
	sn.s.snapMu.Unlock()
	return sn.snap.Close()
}

type snapPrefix struct {
	sn *Snapshot
	p  byte
}

func (r snapPrefix) Get(k []byte) ([]byte, error) { return r.sn.get(prefixed(r.p, k)) }

// closeSnapshots closes every snapshot still open; Close calls it before
// closing the database.
func (s *Store) closeSnapshots() {
	s.snapMu.Lock()
	open := make([]*Snapshot, 0, len(s.snaps))
	for sn := range s.snaps {
		open = append(open, sn)
	}
	s.snapMu.Unlock()
	for _, sn := range open {
		sn.Close()
	}
}
