package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"

	"github.com/anonex/anonex/ledger"
	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// Key prefixes.
const (
	pState    = 's' // state key → value
	pTree     = 't' // tree position → node
	pHead     = 'h' // head record
	pPending  = 'p' // tx id → pending record
	pTx       = 'x' // tx id → settled tx record
	pBatch    = 'B' // seq(8) → batch record (JSON)
	pName     = 'N' // account name ‖ address → nothing
	pSymbol   = 'Y' // symbol ‖ 0 ‖ asset id → nothing
	pIdentity = 'I' // the network the store belongs to
	pReceipts = 'R' // seq(8) → the batch's receipt hashes, 32 bytes each
	pDeposit  = 'D' // index(8) → deposit record (JSON)
	pDepTx    = 'E' // eth tx hash ‖ index(8) → nothing
	pUndo     = 'U' // block(8) ‖ log index(4) → undo record of the fold step there
	pRejected = 'J' // tx id → why an acknowledged transaction left the pool
	// pFormat ('F', format.go) holds the store's format version.
)

var (
	// ErrClosed is returned after Close.
	ErrClosed = errors.New("store: closed")
	// ErrCorrupt reports a record that does not decode.
	ErrCorrupt = errors.New("store: corrupt record")
	// ErrOtherNetwork refuses a data dir made for another network.
	ErrOtherNetwork = errors.New("store: data dir of another network")
)

// Options configure Open.
type Options struct {
	// InMemory keeps everything in memory (tests, the devnet default).
	InMemory bool
	// MaxGroup caps the pending records written by one synced group
	// commit. Default 4096.
	MaxGroup int
	// CacheBytes sizes Pebble's block cache. Default 128 MiB.
	CacheBytes int64
	// Logger receives Pebble's messages: its info at debug level. nil
	// discards info and keeps errors on the default logger.
	Logger *slog.Logger
	// UndoDepth is how many blocks below the newest fold step keep their
	// undo data (see Steps and UndoNewest). Default DefaultUndoDepth.
	UndoDepth uint64
	// AccountLabel names an account for the name index AccountsByName
	// searches (the node passes account/names.Name). nil: no name index.
	AccountLabel func(ledger.Address) string
}

// pebbleLogger adapts slog to Pebble's logger.
type pebbleLogger struct{ l *slog.Logger }

func (p pebbleLogger) Infof(format string, args ...any) { p.l.Debug(fmt.Sprintf(format, args...)) }
func (p pebbleLogger) Errorf(format string, args ...any) {
	p.l.Error(fmt.Sprintf(format, args...))
}
func (p pebbleLogger) Fatalf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	p.l.Error(msg)
	panic("store: pebble: " + msg)
}

// Store is one node's Pebble database.
type Store struct {
	// life is read-held by every database call and write-held by Close,
	// so a late reader (a gossip validator still running at shutdown)
	// gets ErrClosed instead of a Pebble panic.
	life   sync.RWMutex
	shut   bool
	db     *pebble.DB
	group  chan groupReq
	quit   chan struct{}
	wg     sync.WaitGroup
	once   sync.Once
	closed chan struct{}
	max    int

	undoDepth uint64
	label     func(ledger.Address) string

	snapMu sync.Mutex
	snaps  map[*Snapshot]struct{}
}

// Open opens or creates the store in dir.
func Open(dir string, o Options) (*Store, error) {
	if o.MaxGroup <= 0 {
		o.MaxGroup = 4096
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.CacheBytes <= 0 {
		o.CacheBytes = 128 << 20
	}
	if o.UndoDepth == 0 {
		o.UndoDepth = DefaultUndoDepth
	}
	cache := pebble.NewCache(o.CacheBytes)
	defer cache.Unref()
	popts := &pebble.Options{
		Logger: pebbleLogger{o.Logger.With("sub", "pebble")},
		Cache:  cache,
		// Point reads dominate (state keys, tree nodes, absent keys):
		// bloom filters spare them most sstable reads.
		MemTableSize: 32 << 20,
	}
	for i := range popts.Levels {
		popts.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
	}
	if o.InMemory {
		popts.FS = vfs.NewMem()
	}
	db, err := pebble.Open(dir, popts)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", dir, err)
	}
	if err := checkFormat(db, dir); err != nil {
		db.Close()
		return nil, err
	}
	s := &Store{db: db, group: make(chan groupReq, 1024), quit: make(chan struct{}), closed: make(chan struct{}), max: o.MaxGroup, undoDepth: o.UndoDepth, label: o.AccountLabel,
		snaps: map[*Snapshot]struct{}{}}
	s.wg.Add(1)
	go s.groupLoop()
	return s, nil
}

// Close stops the group committer and closes the database. Safe twice.
func (s *Store) Close() error {
	var err error
	s.once.Do(func() {
		close(s.quit)
		s.wg.Wait()
		close(s.closed)
		s.closeSnapshots()
		s.life.Lock()
		s.shut = true
		err = s.db.Close()
		s.life.Unlock()
	})
	return err
}

// Checkpoint writes a copy of the store as it is now into dir, which must
// not exist: Pebble's checkpoint (sstables hard-linked where dir is on the
// same file system, copied elsewhere; the write-ahead log flushed first),
// so every write acknowledged before the call is in it. Opening dir gives
// the store back as it was at that moment, as a restart after a crash
// then would. It is safe while the node runs (copying the directory's
// files is not: Pebble writes, renames and deletes them as it goes): what
// a backup (POST /v1/admin/backup) and a devnet snapshot keep of a node.
func (s *Store) Checkpoint(dir string) error {
	s.life.RLock()
	defer s.life.RUnlock()
	if s.shut {
		return ErrClosed
	}
	if err := s.db.Checkpoint(dir, pebble.WithFlushedWAL()); err != nil {
		return fmt.Errorf("store: checkpoint into %s: %w", dir, err)
	}
	return nil
}

func (s *Store) get(key []byte) ([]byte, error) {
	s.life.RLock()
	defer s.life.RUnlock()
	if s.shut {
		return nil, ErrClosed
	}
	return getIn(s.db, key)
}

// getIn reads a key from the database or a snapshot of it: a copy of the
// value, or nil if absent.
func getIn(r pebble.Reader, key []byte) ([]byte, error) {
	v, c, err := r.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: get: %w", err)
	}
	out := append([]byte(nil), v...)
	c.Close()
	return out, nil
}

func prefixed(p byte, k []byte) []byte {
	out := make([]byte, 1+len(k))
	out[0] = p
	copy(out[1:], k)
	return out
}

type prefixReader struct {
	s *Store
	p byte
}

func (r prefixReader) Get(k []byte) ([]byte, error) { return r.s.get(prefixed(r.p, k)) }

// State is the settled state as the ledger reads it.
func (s *Store) State() ledger.Reader { return prefixReader{s, pState} }

// Tree is the settled state's Merkle tree nodes.
func (s *Store) Tree() ledger.TreeNodes { return prefixReader{s, pTree} }

// Bind ties the store to one network: the first call records the
// identity (e.g. chain id and Anchor address); later calls fail if it
// differs, so a node never folds one chain onto another's state.
func (s *Store) Bind(identity []byte) error {
	v, err := s.get([]byte{pIdentity})
	if err != nil {
		return err
	}
	if v == nil {
		s.life.RLock()
		defer s.life.RUnlock()
		if s.shut {
			return ErrClosed
		}
		return s.db.Set([]byte{pIdentity}, identity, pebble.Sync)
	}
	if !bytes.Equal(v, identity) {
		return fmt.Errorf("%w: the data dir belongs to %x, not %x", ErrOtherNetwork, v, identity)
	}
	return nil
}

// Head is what the store has folded so far.
type Head struct {
	// NextSeq is the sequence number of the next batch to fold.
	NextSeq uint64
	// StateRoot is the root after the last folded batch (zero at start).
	StateRoot ledger.Hash
	// Cursor is the chain follower's position, opaque to the store.
	Cursor []byte
}

// SettledSeq is the sequence number of the last folded batch, or nil when
// none is folded yet.
func (h Head) SettledSeq() *uint64 {
	if h.NextSeq == 0 {
		return nil
	}
	s := h.NextSeq - 1
	return &s
}

// Head reads the head record.
func (s *Store) Head() (Head, error) {
	v, err := s.get([]byte{pHead})
	if err != nil {
		return Head{}, err
	}
	return decodeHead(v)
}

func decodeHead(v []byte) (Head, error) {
	if v == nil {
		return Head{}, nil
	}
	if len(v) < 40 {
		return Head{}, fmt.Errorf("%w: head is %d bytes", ErrCorrupt, len(v))
	}
	h := Head{NextSeq: binary.BigEndian.Uint64(v), Cursor: append([]byte(nil), v[40:]...)}
	copy(h.StateRoot[:], v[8:40])
	return h, nil
}

func encodeHead(h Head) []byte {
	v := binary.BigEndian.AppendUint64(nil, h.NextSeq)
	v = append(v, h.StateRoot[:]...)
	return append(v, h.Cursor...)
}

// BatchRecord describes one anchored batch as this node folded it.
type BatchRecord struct {
	Seq          uint64         `json:"seq"`
	Block        uint64         `json:"block"`
	BlockHash    ledger.Hash    `json:"block_hash"`
	TxHash       ledger.Hash    `json:"eth_tx"`
	Submitter    ledger.Address `json:"submitter"`
	DataHash     ledger.Hash    `json:"data_hash"`
	Bytes        int            `json:"bytes"`
	Txs          int            `json:"txs"`
	Receipts     int            `json:"receipts"`
	Skipped      int            `json:"skipped"`
	Invalid      int            `json:"invalid"`
	StateRoot    ledger.Hash    `json:"state_root"`
	ReceiptsRoot ledger.Hash    `json:"receipts_root"`
	// Junk is set when the batch did not decode; it changed nothing.
	Junk string `json:"junk,omitempty"`
}

// TxRecord is a settled transaction's place and outcome.
type TxRecord struct {
	Seq    uint64
	Index  uint32
	Kind   ledger.Kind
	Status ledger.Status
	Reason ledger.Reason
}

func encodeTxRecord(r TxRecord) []byte {
	v := binary.BigEndian.AppendUint64(nil, r.Seq)
	v = binary.BigEndian.AppendUint32(v, r.Index)
	return append(v, byte(r.Kind), byte(r.Status), byte(r.Reason))
}

// Commit is everything one fold step writes: a batch of the Anchor, or an
// event of the Vault. Store.Commit writes it in one synced Pebble batch,
// with the undo data that takes it back.
type Commit struct {
	// Step is the event's chain position, under which the commit's undo
	// data is kept.
	Step   Step
	Cursor []byte
	// Result is what the step did to the state: a batch's fold (nil for a
	// junk batch), or a Vault event's writes and root (no receipts).
	Result *ledger.FoldResult
	// Record is the batch's record; nil for a Vault event, which leaves
	// the next batch sequence number as it is.
	Record *BatchRecord
	// Deposit is a folded Vault deposit.
	Deposit *DepositRecord
	// Drop lists pending records to delete (settled, or made stale).
	Drop []ledger.Hash
	// Meta are service records written with the step (see PutMeta).
	Meta []ledger.KV
	// Settled are the transactions the step settled, as pending records:
	// undoing the step makes them pending again.
	Settled []Pending
}

// writeState adds state and tree writes to w, with the name and symbol
// indexes of the accounts and assets they touch.
func (s *Store) writeState(w *undoWriter, state, tree []ledger.KV) {
	for _, kv := range state {
		k := prefixed(pState, kv.Key)
		if kv.Value == nil {
			w.Delete(k)
		} else {
			w.Set(k, kv.Value)
		}
		switch kind, addr, asset := ledger.ParseStateKey(kv.Key); kind {
		case "account":
			if s.label != nil {
				w.Set(nameKey(s.label(addr), addr), nil)
			}
		case "asset":
			if a, ok := ledger.DecodeAsset(asset, kv.Value); ok {
				w.Set(symbolKey(a.Symbol, asset), nil)
			}
		}
	}
	for _, kv := range tree {
		k := prefixed(pTree, kv.Key)
		if kv.Value == nil {
			w.Delete(k)
		} else {
			w.Set(k, kv.Value)
		}
	}
}

func receiptsKey(seq uint64) []byte { return binary.BigEndian.AppendUint64([]byte{pReceipts}, seq) }

// BatchReceipts returns the hashes of a folded batch's receipts, in batch
// order: the leaves of its receipts root.
func (s *Store) BatchReceipts(seq uint64) ([]ledger.Hash, bool, error) {
	v, err := s.get(receiptsKey(seq))
	if err != nil || v == nil {
		return nil, false, err
	}
	if len(v)%32 != 0 {
		return nil, false, fmt.Errorf("%w: receipts of batch %d are %d bytes", ErrCorrupt, seq, len(v))
	}
	out := make([]ledger.Hash, len(v)/32)
	for i := range out {
		copy(out[i][:], v[32*i:])
	}
	return out, true, nil
}

// DepositRecord is a Vault event this node folded: a deposit, or an asset
// listing (Index is then unused and Listing set).
type DepositRecord struct {
	Index   uint64         `json:"index"`
	Asset   ledger.Hash    `json:"asset"`
	Account ledger.Address `json:"account"`
	Amount  string         `json:"amount"` // base units, decimal
	From    ledger.Address `json:"from"`   // the Ethereum sender
	Status  string         `json:"status"` // "settled" or "failed"
	Reason  string         `json:"reason,omitempty"`
	Block   uint64         `json:"block"`
	EthTx   ledger.Hash    `json:"eth_tx"`
}

// Deposit reads a folded deposit by its Vault index.
func (s *Store) Deposit(index uint64) (DepositRecord, bool, error) {
	var r DepositRecord
	v, err := s.get(binary.BigEndian.AppendUint64([]byte{pDeposit}, index))
	if err != nil || v == nil {
		return r, false, err
	}
	if err := json.Unmarshal(v, &r); err != nil {
		return r, false, fmt.Errorf("%w: deposit %d: %v", ErrCorrupt, index, err)
	}
	return r, true, nil
}

// DepositsByTx lists the deposits an Ethereum transaction made.
func (s *Store) DepositsByTx(tx ledger.Hash) ([]DepositRecord, error) {
	var idx []uint64
	if err := s.scan(prefixed(pDepTx, tx[:]), func(k, _ []byte) bool {
		idx = append(idx, binary.BigEndian.Uint64(k[len(k)-8:]))
		return true
	}); err != nil {
		return nil, err
	}
	out := make([]DepositRecord, 0, len(idx))
	for _, i := range idx {
		r, ok, err := s.Deposit(i)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, r)
		}
	}
	return out, nil
}

// Commit writes one fold step atomically and syncs it. For a batch the
// head moves to the batch's sequence number and root; for a Vault event
// only the root moves.
func (s *Store) Commit(c Commit) error {
	head, err := s.Head() // before the lock: a read takes it too
	if err != nil {
		return err
	}
	if r := c.Record; r != nil {
		head.NextSeq, head.StateRoot = r.Seq+1, r.StateRoot
	} else if c.Result != nil {
		head.StateRoot = c.Result.StateRoot
	}
	head.Cursor = c.Cursor
	s.life.RLock()
	defer s.life.RUnlock()
	if s.shut {
		return ErrClosed
	}
	b := s.db.NewBatch()
	defer b.Close()
	w := s.newUndoWriter(b)
	if r := c.Result; r != nil {
		s.writeState(w, r.StateWrites, r.TreeWrites)
	}
	if rec := c.Record; rec != nil {
		if r := c.Result; r != nil {
			writeReceipts(w, rec.Seq, r)
		}
		raw, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		w.Set(batchKey(rec.Seq), raw)
	}
	if d := c.Deposit; d != nil {
		raw, err := json.Marshal(d)
		if err != nil {
			return err
		}
		w.Set(binary.BigEndian.AppendUint64([]byte{pDeposit}, d.Index), raw)
		w.Set(binary.BigEndian.AppendUint64(prefixed(pDepTx, d.EthTx[:]), d.Index), nil)
	}
	for _, id := range c.Drop {
		w.Delete(prefixed(pPending, id[:]))
	}
	for _, kv := range c.Meta {
		w.Set(append([]byte{pMeta}, kv.Key...), kv.Value)
	}
	w.Set([]byte{pHead}, encodeHead(head))
	if err := w.finish(c.Step, c.Settled); err != nil {
		return err
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("store: commit the step at block %d: %w", c.Step.Block, err)
	}
	return nil
}

// writeReceipts adds a batch's receipts root leaves and transaction
// records to w.
func writeReceipts(w *undoWriter, seq uint64, r *ledger.FoldResult) {
	hashes := make([]byte, 0, 32*len(r.ReceiptHashes))
	for _, h := range r.ReceiptHashes {
		hashes = append(hashes, h[:]...)
	}
	w.Set(receiptsKey(seq), hashes)
	for i, rc := range r.Receipts {
		w.Set(prefixed(pTx, rc.TxID[:]), encodeTxRecord(TxRecord{Seq: seq, Index: uint32(i), Kind: rc.Kind, Status: rc.Status, Reason: rc.Reason}))
		for _, id := range rc.Attached {
			// Settled inside the record that carried it.
			w.Set(prefixed(pTx, id[:]), encodeTxRecord(TxRecord{Seq: seq, Index: uint32(i), Kind: ledger.KindCardRecord, Status: ledger.StatusOK}))
		}
	}
}

func batchKey(seq uint64) []byte { return binary.BigEndian.AppendUint64([]byte{pBatch}, seq) }

// Batch reads a folded batch's record.
func (s *Store) Batch(seq uint64) (BatchRecord, bool, error) {
	v, err := s.get(batchKey(seq))
	if err != nil || v == nil {
		return BatchRecord{}, false, err
	}
	var r BatchRecord
	if err := json.Unmarshal(v, &r); err != nil {
		return r, false, fmt.Errorf("%w: batch %d: %v", ErrCorrupt, seq, err)
	}
	return r, true, nil
}

// Tx reads a settled transaction's record.
func (s *Store) Tx(id ledger.Hash) (TxRecord, bool, error) {
	v, err := s.get(prefixed(pTx, id[:]))
	if err != nil || v == nil {
		return TxRecord{}, false, err
	}
	if len(v) != 15 {
		return TxRecord{}, false, fmt.Errorf("%w: tx record %d bytes", ErrCorrupt, len(v))
	}
	return TxRecord{Seq: binary.BigEndian.Uint64(v), Index: binary.BigEndian.Uint32(v[8:]),
		Kind: ledger.Kind(v[12]), Status: ledger.Status(v[13]), Reason: ledger.Reason(v[14])}, true, nil
}

func nameKey(name string, a ledger.Address) []byte {
	k := append([]byte{pName}, name...)
	return append(append(k, 0), a[:]...)
}

func symbolKey(sym string, id ledger.Hash) []byte {
	k := append([]byte{pSymbol}, sym...)
	return append(append(k, 0), id[:]...)
}

// AccountsByName lists settled accounts whose name starts with prefix (a
// full name matches itself), at most limit of them.
func (s *Store) AccountsByName(prefix string, limit int) ([]ledger.Address, error) {
	var out []ledger.Address
	err := s.scan(append([]byte{pName}, prefix...), func(k, _ []byte) bool {
		var a ledger.Address
		copy(a[:], k[len(k)-20:])
		out = append(out, a)
		return len(out) < limit
	})
	return out, err
}

// AssetsBySymbol lists the ids of every settled asset with this symbol.
func (s *Store) AssetsBySymbol(sym string) ([]ledger.Hash, error) {
	var out []ledger.Hash
	err := s.scan(append(append([]byte{pSymbol}, sym...), 0), func(k, _ []byte) bool {
		var id ledger.Hash
		copy(id[:], k[len(k)-32:])
		out = append(out, id)
		return true
	})
	return out, err
}

// Assets lists every settled asset.
func (s *Store) Assets() ([]*ledger.Asset, error) {
	var out []*ledger.Asset
	err := s.scan([]byte{pState, 's'}, func(k, v []byte) bool {
		var id ledger.Hash
		copy(id[:], k[2:])
		if a, ok := ledger.DecodeAsset(id, v); ok {
			out = append(out, a)
		}
		return true
	})
	return out, err
}

// Balances lists an account's settled balances by asset id.
func (s *Store) Balances(a ledger.Address) (map[ledger.Hash][]byte, error) {
	out := map[ledger.Hash][]byte{}
	err := s.scan(append([]byte{pState, 'b'}, a[:]...), func(k, v []byte) bool {
		var id ledger.Hash
		copy(id[:], k[22:])
		out[id] = append([]byte(nil), v...)
		return true
	})
	return out, err
}

func (s *Store) scan(prefix []byte, fn func(k, v []byte) bool) error {
	s.life.RLock()
	defer s.life.RUnlock()
	if s.shut {
		return ErrClosed
	}
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: prefixEnd(prefix)})
	if err != nil {
		return fmt.Errorf("store: iterate: %w", err)
	}
	for ok := it.First(); ok; ok = it.Next() {
		if !fn(it.Key(), it.Value()) {
			break
		}
	}
	return errors.Join(it.Error(), it.Close())
}

func prefixEnd(p []byte) []byte {
	end := bytes.Clone(p)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

var _ io.Closer = (*Store)(nil)

// pMeta holds the service records (see Records): never part of the state
// root.
const pMeta = 'M'

// ScanState calls fn for every settled state key that starts with prefix
// (a prefix the ledger exports), in key order, until fn returns false.
func (s *Store) ScanState(prefix []byte, fn func(key, value []byte) bool) error {
	return s.scan(prefixed(pState, prefix), func(k, v []byte) bool { return fn(k[1:], v) })
}
