package chain

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/anonex/anonex/contracts/bindings"
	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/rpc"
)

// fakeChain is a FollowerBackend over an in-memory chain whose blocks can be
// replaced: the seam to unit-test ordering, ranges, retries and reorg
// detection without a node.
type fakeChain struct {
	mu        sync.Mutex
	anchor    common.Address
	blocks    []fakeBlock // index = number
	finalized uint64
	gen       int // bumps on every replacement, to give new hashes
	queries   [][2]uint64
	failLogs  int // fail this many FilterLogs calls first
}

type fakeBlock struct {
	hash common.Hash
	logs []types.Log
}

func newFakeChain(n int) *fakeChain {
	f := &fakeChain{anchor: common.HexToAddress("0xa1")}
	f.extend(n)
	return f
}

func (f *fakeChain) hashOf(num uint64) common.Hash {
	return crypto.Keccak256Hash([]byte(fmt.Sprintf("block %d gen %d", num, f.gen)))
}

// extend appends n empty blocks.
func (f *fakeChain) extend(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := 0; i < n; i++ {
		num := uint64(len(f.blocks))
		f.blocks = append(f.blocks, fakeBlock{hash: f.hashOf(num)})
	}
}

// addBatches puts one Batch log per seq into block num.
func (f *fakeChain) addBatches(num uint64, seqs ...uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	anchor := bindings.NewAnchor()
	ev := anchor.GetABI().Events[bindings.AnchorBatchEventName]
	b := &f.blocks[num]
	for _, seq := range seqs {
		data := []byte(fmt.Sprintf("batch %d", seq))
		packed, err := ev.Inputs.NonIndexed().Pack(crypto.Keccak256Hash(data), data)
		if err != nil {
			panic(err)
		}
		// an unrelated log first, to make the indexes sparse
		b.logs = append(b.logs, types.Log{Address: common.HexToAddress("0xbeef"), Topics: []common.Hash{{1}}, BlockNumber: num, BlockHash: b.hash, Index: uint(len(b.logs))})
		b.logs = append(b.logs, types.Log{
			Address:     f.anchor,
			Topics:      []common.Hash{ev.ID, common.BigToHash(new(big.Int).SetUint64(seq)), common.BytesToHash(common.HexToAddress("0x5b").Bytes())},
			Data:        packed,
			BlockNumber: num,
			BlockHash:   b.hash,
			TxHash:      common.Hash{byte(seq)},
			Index:       uint(len(b.logs)),
		})
	}
}

// replaceFrom gives every block from num on a new hash (and drops its logs).
func (f *fakeChain) replaceFrom(num uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gen++
	for i := num; i < uint64(len(f.blocks)); i++ {
		f.blocks[i] = fakeBlock{hash: f.hashOf(i)}
	}
}

func (f *fakeChain) Block(_ context.Context, n rpc.BlockNumber) (BlockInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var num uint64
	switch n {
	case rpc.LatestBlockNumber:
		num = uint64(len(f.blocks) - 1)
	case rpc.FinalizedBlockNumber:
		num = f.finalized
	default:
		if n < 0 || uint64(n) >= uint64(len(f.blocks)) {
			return BlockInfo{}, ethereum.NotFound
		}
		num = uint64(n)
	}
	return BlockInfo{Number: num, Hash: f.blocks[num].hash}, nil
}

func (f *fakeChain) FilterLogs(_ context.Context, q ethereum.FilterQuery) ([]types.Log, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failLogs > 0 {
		f.failLogs--
		return nil, errors.New("fake: try later")
	}
	from, to := q.FromBlock.Uint64(), q.ToBlock.Uint64()
	f.queries = append(f.queries, [2]uint64{from, to})
	var out []types.Log
	for n := from; n <= to && n < uint64(len(f.blocks)); n++ {
		for _, l := range f.blocks[n].logs {
			if len(q.Addresses) > 0 && l.Address != q.Addresses[0] {
				continue
			}
			out = append(out, l)
		}
	}
	// A node may return logs in any order: reverse them.
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

func (f *fakeChain) SubscribeNewHeads(context.Context, chan<- BlockInfo) (ethereum.Subscription, error) {
	return nil, rpc.ErrNotificationsUnsupported
}

// runUntil runs the follower until it delivered n events or stop says so,
// and returns the events and Run's error.
func runUntil(t *testing.T, fol *Follower, cur Cursor, n int) ([]Event, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var evs []Event
	err := fol.Run(ctx, cur, func(_ context.Context, ev Event) error {
		evs = append(evs, ev)
		if len(evs) == n {
			cancel()
		}
		return nil
	})
	return evs, err
}

func newTestFollower(t *testing.T, f *fakeChain, mod func(*FollowerConfig)) *Follower {
	t.Helper()
	cfg := FollowerConfig{Client: f, Anchor: f.anchor, PollInterval: time.Millisecond, MaxRange: 3}
	if mod != nil {
		mod(&cfg)
	}
	fol, err := NewFollower(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return fol
}

func TestFollowerOrderAndRanges(t *testing.T) {
	f := newFakeChain(20)
	f.addBatches(2, 0)
	f.addBatches(7, 1, 2, 3)
	f.addBatches(8, 4)
	f.addBatches(19, 5)
	fol := newTestFollower(t, f, nil)
	evs, err := runUntil(t, fol, Cursor{}, 6)
	if !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	for i, ev := range evs {
		if ev.Batch.Seq != uint64(i) || string(ev.Batch.Data) != fmt.Sprintf("batch %d", i) {
			t.Fatalf("event %d: seq %d data %q", i, ev.Batch.Seq, ev.Batch.Data)
		}
	}
	for _, q := range f.queries {
		if q[1]-q[0]+1 > 3 {
			t.Fatalf("query %v spans more than MaxRange", q)
		}
	}
	// Resume in the middle of block 7: after seq 1.
	evs, _ = runUntil(t, fol, Cursor{Block: 7, BlockHash: f.blocks[7].hash, LogIndex: evsIndex(f, 7, 1)}, 4)
	if got := seqsOf(evs); fmt.Sprint(got) != "[2 3 4 5]" {
		t.Fatalf("resumed after seq 1: %v", got)
	}
	// Resume from a complete-block cursor (Progress).
	evs, _ = runUntil(t, fol, Cursor{Block: 7, BlockHash: f.blocks[7].hash, Complete: true}, 2)
	if got := seqsOf(evs); fmt.Sprint(got) != "[4 5]" {
		t.Fatalf("resumed after block 7: %v", got)
	}
}

func evsIndex(f *fakeChain, block, seq uint64) uint {
	for _, l := range f.blocks[block].logs {
		if l.Address == f.anchor && new(big.Int).SetBytes(l.Topics[1][:]).Uint64() == seq {
			return l.Index
		}
	}
	panic("no such log")
}

func seqsOf(evs []Event) []uint64 {
	var s []uint64
	for _, e := range evs {
		s = append(s, e.Batch.Seq)
	}
	return s
}

// A reorg that only replaces blocks scanned past (no event in them) is
// detected too: a batch could have moved into them.
func TestFollowerReorgOfScannedBlocks(t *testing.T) {
	f := newFakeChain(10)
	f.addBatches(2, 0)
	old := f.blocks[9].hash
	fol := newTestFollower(t, f, func(c *FollowerConfig) {
		c.MaxRange = 100
		c.Progress = func(_ context.Context, cur Cursor) error {
			if cur.Block != 9 || cur.BlockHash != old || !cur.Complete {
				t.Errorf("progress %+v", cur)
			}
			f.replaceFrom(8) // the blocks after the event change
			return nil
		}
	})
	var evs []Event
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := fol.Run(ctx, Cursor{}, func(_ context.Context, ev Event) error { evs = append(evs, ev); return nil })
	var re *ReorgError
	if !errors.As(err, &re) || !errors.Is(err, ErrReorg) || re.Block != 9 || re.Handled != old || re.Canonical != f.blocks[9].hash {
		t.Fatalf("Run: %v", err)
	}
	if len(evs) != 1 {
		t.Fatalf("%d events before the reorg", len(evs))
	}
}

func TestFollowerStaleCursor(t *testing.T) {
	f := newFakeChain(10)
	f.addBatches(4, 0)
	stale := Cursor{Block: 4, BlockHash: f.blocks[4].hash, LogIndex: 1}
	f.replaceFrom(3)
	fol := newTestFollower(t, f, nil)
	_, err := runUntil(t, fol, stale, 1)
	var re *ReorgError
	if !errors.As(err, &re) || re.Block != 4 {
		t.Fatalf("Run from a stale cursor: %v", err)
	}
}

func TestFollowerRetriesAndConfirmations(t *testing.T) {
	f := newFakeChain(10)
	f.addBatches(5, 0)
	f.addBatches(8, 1)
	f.failLogs = 2
	fol := newTestFollower(t, f, func(c *FollowerConfig) { c.Confirmations = 2 })
	// With K=2 and head 9, block 8 is not deep enough: one event only.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	var evs []Event
	err := fol.Run(ctx, Cursor{}, func(_ context.Context, ev Event) error { evs = append(evs, ev); return nil })
	if !errors.Is(err, context.DeadlineExceeded) || len(evs) != 1 || evs[0].Batch.Seq != 0 {
		t.Fatalf("K=2 at head 9: %v, %v", err, seqsOf(evs))
	}
	f.extend(1) // head 10: block 8 is 2 deep
	evs, _ = runUntil(t, fol, evs[0].Cursor(), 1)
	if len(evs) != 1 || evs[0].Batch.Seq != 1 {
		t.Fatalf("after one more block: %v", seqsOf(evs))
	}
}

func TestFollowerFinalized(t *testing.T) {
	f := newFakeChain(10)
	f.addBatches(3, 0)
	f.addBatches(6, 1)
	f.finalized = 4
	fol := newTestFollower(t, f, func(c *FollowerConfig) { c.Finalized = true })
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	var evs []Event
	_ = fol.Run(ctx, Cursor{}, func(_ context.Context, ev Event) error { evs = append(evs, ev); return nil })
	if fmt.Sprint(seqsOf(evs)) != "[0]" {
		t.Fatalf("finalized 4: %v", seqsOf(evs))
	}
}

func TestFollowerHandlerError(t *testing.T) {
	f := newFakeChain(5)
	f.addBatches(1, 0)
	fol := newTestFollower(t, f, nil)
	boom := errors.New("boom")
	err := fol.Run(context.Background(), Cursor{}, func(context.Context, Event) error { return boom })
	if !errors.Is(err, boom) {
		t.Fatalf("Run: %v", err)
	}
}
