package store

import (
	"fmt"

	"github.com/anonex/anonex/ledger"
	"github.com/cockroachdb/pebble/v2"
)

// Namespace is one kind of service record: what a node's features keep
// beside the ledger, never part of the state root. Every namespace is
// declared here, so two features cannot share keys by accident; within
// one, the keys are its feature's own.
type Namespace string

// The namespaces of service records, and their keys.
const (
	// NSIssuer: an issuer's snapshots of the credits (T) it signed for a
	// card's purse, by "<card>/<asset>/<seq, 20 digits>" in hex.
	NSIssuer Namespace = "iss"
	// NSAttestation: attestations of settled batches this node verified,
	// by "<seq, 16 hex digits>/<attester>".
	NSAttestation Namespace = "att"
	// NSAttestationConflict: two different attestations of one batch by
	// one attester (evidence), keyed as NSAttestation.
	NSAttestationConflict Namespace = "attx"
	// NSConversion: gift-card conversions, by id (0x-hex).
	NSConversion Namespace = "conv"
	// NSOffer: the open offers this node keeps on its book, by id (0x-hex).
	NSOffer Namespace = "offer"
	// NSWithdrawal: the transactions of burned withdrawals, by id (0x-hex),
	// written with the batch that burned them: their claims need the
	// fields.
	NSWithdrawal Namespace = "wd"
	// NSVenue: signed venue records (signage), the newest of each: a
	// venue's map by "v/<venue>", a store's listing by
	// "s/<venue>/<merchant>", the operator's word on its place by
	// "p/<venue>/<merchant>" (0x-hex), each the record's JSON.
	NSVenue Namespace = "venue"
)

// Retired namespaces, no longer read: "lost" (lost-card reports of the
// issuer's node, superseded by CardBlock transactions on the ledger).

// Records is one namespace of service records.
type Records struct {
	s      *Store
	prefix string
}

// Records opens a namespace of service records.
func (s *Store) Records(ns Namespace) Records { return Records{s: s, prefix: string(ns) + "/"} }

// Key is a record's full key, for Commit.Meta (records written with a
// fold step).
func (r Records) Key(key string) []byte { return []byte(r.prefix + key) }

func (r Records) dbKey(key string) []byte { return append([]byte{pMeta}, r.prefix+key...) }

// Get reads a record: nil if absent.
func (r Records) Get(key string) ([]byte, error) { return r.s.get(r.dbKey(key)) }

// Put writes a record, synced.
func (r Records) Put(key string, value []byte) error {
	return r.PutMany([]ledger.KV{{Key: []byte(key), Value: value}})
}

// PutMany writes records in one synced batch; a nil value deletes one.
func (r Records) PutMany(kvs []ledger.KV) error {
	s := r.s
	s.life.RLock()
	defer s.life.RUnlock()
	if s.shut {
		return ErrClosed
	}
	b := s.db.NewBatch()
	defer b.Close()
	for _, kv := range kvs {
		k := r.dbKey(string(kv.Key))
		if kv.Value == nil {
			b.Delete(k, nil)
		} else {
			b.Set(k, kv.Value, nil)
		}
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("store: %d %s records: %w", len(kvs), r.prefix, err)
	}
	return nil
}

// Scan calls fn for every record whose key starts with prefix, in key
// order, until fn returns false. Keys are given without the namespace.
func (r Records) Scan(prefix string, fn func(key string, value []byte) bool) error {
	n := 1 + len(r.prefix)
	return r.s.scan(r.dbKey(prefix), func(k, v []byte) bool { return fn(string(k[n:]), v) })
}
