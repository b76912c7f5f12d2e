package chain_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/anonex/anonex/chain"
	"github.com/anonex/anonex/chain/devchain"
	"github.com/anonex/anonex/contracts/bindings"
	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
)

// Accounts 0 and 1 of the standard test mnemonic.
var (
	key0 = devchain.TestKey(0)
	key1 = devchain.TestKey(1)
)

type env struct {
	eth    *devchain.Chain
	anchor common.Address
	deploy uint64 // block of the deployment
}

func newEnv(t *testing.T) *env {
	t.Helper()
	c, err := devchain.Start(devchain.Config{
		HTTPAddr: "127.0.0.1:0",
		WSAddr:   "127.0.0.1:0",
		Alloc:    devchain.Prefund(crypto.PubkeyToAddress(key0.PublicKey), crypto.PubkeyToAddress(key1.PublicKey)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	addr, err := c.DeployAnchor(ctx(t), key0)
	if err != nil {
		t.Fatal(err)
	}
	head, _ := c.Head()
	return &env{eth: c, anchor: addr, deploy: head}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return c
}

func dial(t *testing.T, url string) *chain.Client {
	t.Helper()
	c, err := chain.Dial(ctx(t), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func newSubmitter(t *testing.T, e *env, c *chain.Client, key *ecdsa.PrivateKey) *chain.Submitter {
	t.Helper()
	s, err := chain.NewSubmitter(chain.SubmitterConfig{Client: c, Anchor: e.anchor, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// collector runs a follower in the background and records what it delivers
// and, for a follower started by followScan, how far it has scanned.
type collector struct {
	mu      sync.Mutex
	events  []chain.Event
	scanned uint64 // last block scanned through (Progress)
	done    chan error
	cancel  context.CancelFunc
}

// followScan builds a follower from cfg that reports its progress to the
// collector, and runs it from cur.
func followScan(t *testing.T, cfg chain.FollowerConfig, cur chain.Cursor) *collector {
	t.Helper()
	c := &collector{done: make(chan error, 1)}
	cfg.Progress = func(_ context.Context, cur chain.Cursor) error {
		c.mu.Lock()
		c.scanned = max(c.scanned, cur.Block)
		c.mu.Unlock()
		return nil
	}
	f, err := chain.NewFollower(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.run(t, f, cur)
	return c
}

// waitScanned waits until the follower has scanned through block: the
// positive signal that it has seen everything up to there, before a test
// asserts that something was not delivered.
func (c *collector) waitScanned(t *testing.T, block uint64, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		c.mu.Lock()
		got := c.scanned
		c.mu.Unlock()
		if got >= block {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("follower scanned through block %d after %v, want %d", got, within, block)
		}
		select {
		case err := <-c.done:
			c.done <- err
			t.Fatalf("Run ended at block %d: %v", got, err)
		case <-time.After(2 * time.Millisecond):
		}
	}
}

// scanPast mines a block and waits until the follower (no confirmations)
// has scanned through it: whatever it would deliver up to the head, it
// has delivered.
func (c *collector) scanPast(t *testing.T, e *env) {
	t.Helper()
	if err := e.eth.MineBlocks(ctx(t), 1); err != nil {
		t.Fatal(err)
	}
	head, _ := e.eth.Head()
	c.waitScanned(t, head, 5*time.Second)
}

func follow(t *testing.T, f *chain.Follower, cur chain.Cursor) *collector {
	t.Helper()
	c := &collector{done: make(chan error, 1)}
	c.run(t, f, cur)
	return c
}

// run runs f from cur in the background until the test ends.
func (c *collector) run(t *testing.T, f *chain.Follower, cur chain.Cursor) {
	t.Helper()
	runCtx, cancel := context.WithCancel(ctx(t))
	c.cancel = cancel
	go func() {
		c.done <- f.Run(runCtx, cur, func(_ context.Context, ev chain.Event) error {
			c.mu.Lock()
			c.events = append(c.events, ev)
			c.mu.Unlock()
			return nil
		})
	}()
	t.Cleanup(func() { cancel(); <-c.done })
}

func (c *collector) snapshot() []chain.Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.events)
}

// wait waits until n events were delivered (or Run ended).
func (c *collector) wait(t *testing.T, n int, within time.Duration) []chain.Event {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if evs := c.snapshot(); len(evs) >= n {
			return evs
		}
		select {
		case err := <-c.done:
			c.done <- err
			t.Fatalf("Run ended after %d events: %v", len(c.snapshot()), err)
		case <-time.After(2 * time.Millisecond):
		}
	}
	t.Fatalf("%d events after %v, want %d", len(c.snapshot()), within, n)
	return nil
}

func TestSubmitFollowResume(t *testing.T) {
	e := newEnv(t)
	client := dial(t, e.eth.HTTPURL()) // HTTP: the follower polls
	if client.SupportsSubscriptions() {
		t.Fatal("HTTP client claims subscriptions")
	}
	if id, err := client.ChainID(ctx(t)); err != nil || id != 1337 {
		t.Fatalf("ChainID = %d, %v", id, err)
	}
	sub := newSubmitter(t, e, client, key0)

	var (
		datas   [][]byte
		results []chain.SubmitResult
		lat     []time.Duration
	)
	for i := 0; i < 3; i++ {
		data := bytes.Repeat([]byte{byte('a' + i)}, 100*(i+1))
		start := time.Now()
		res, err := sub.Submit(ctx(t), data)
		if err != nil {
			t.Fatal(err)
		}
		lat = append(lat, time.Since(start))
		if res.Seq != uint64(i) || res.DataLen != len(data) || res.GasUsed == 0 || res.Block <= e.deploy {
			t.Fatalf("submit %d: %+v", i, res)
		}
		datas, results = append(datas, data), append(results, res)
	}
	t.Logf("submit latency over HTTP: %v", lat)

	fcfg := chain.FollowerConfig{Client: client, Anchor: e.anchor, From: e.deploy, PollInterval: 20 * time.Millisecond}
	col := followScan(t, fcfg, chain.Cursor{})
	evs := col.wait(t, 3, 5*time.Second)
	for i, ev := range evs {
		r := results[i]
		if ev.Batch.Seq != uint64(i) || !bytes.Equal(ev.Batch.Data, datas[i]) || ev.Batch.DataHash != crypto.Keccak256Hash(datas[i]) ||
			ev.Batch.Submitter != sub.From() || ev.Block != r.Block || ev.BlockHash != r.BlockHash || ev.TxHash != r.TxHash {
			t.Fatalf("event %d = %+v, submitted %+v", i, ev, r)
		}
	}

	// A fourth batch reaches the running follower.
	data3 := []byte("fourth")
	r3, err := sub.Submit(ctx(t), data3)
	if err != nil {
		t.Fatal(err)
	}
	evs = col.wait(t, 4, 5*time.Second)
	if evs[3].Batch.Seq != 3 || !bytes.Equal(evs[3].Batch.Data, data3) || evs[3].TxHash != r3.TxHash {
		t.Fatalf("event 3 = %+v", evs[3])
	}
	col.scanPast(t, e)
	if n := len(col.snapshot()); n != 4 {
		t.Fatalf("%d events delivered, want 4 (a repeat?)", n)
	}
	col.cancel()
	if err := <-col.done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run after cancel: %v", err)
	}
	col.done <- nil

	// Resume after the second event: exactly the third and fourth follow.
	col2 := followScan(t, fcfg, evs[1].Cursor())
	col2.wait(t, 2, 5*time.Second)
	col2.scanPast(t, e)
	got := col2.snapshot()
	if len(got) != 2 || got[0].Batch.Seq != 2 || got[1].Batch.Seq != 3 {
		t.Fatalf("resumed from seq 1: got %v", seqs(got))
	}
	// Resume after the last event: nothing until a new batch.
	col3 := followScan(t, fcfg, evs[3].Cursor())
	col3.scanPast(t, e)
	if n := len(col3.snapshot()); n != 0 {
		t.Fatalf("resumed from the last event: %d delivered", n)
	}
	if _, err := sub.Submit(ctx(t), []byte("fifth")); err != nil {
		t.Fatal(err)
	}
	if got := col3.wait(t, 1, 5*time.Second); got[0].Batch.Seq != 4 {
		t.Fatalf("after resume: seq %d", got[0].Batch.Seq)
	}
}

func seqs(evs []chain.Event) []uint64 {
	var s []uint64
	for _, e := range evs {
		s = append(s, e.Batch.Seq)
	}
	return s
}

// TestFollowerWebSocket: over WebSocket the follower wakes on new heads, not
// on its poll timer (set to 10 s here).
func TestFollowerWebSocket(t *testing.T) {
	e := newEnv(t)
	ws := dial(t, e.eth.WSURL())
	if !ws.SupportsSubscriptions() {
		t.Fatal("WebSocket client without subscriptions")
	}
	col := followScan(t, chain.FollowerConfig{Client: ws, Anchor: e.anchor, From: e.deploy, PollInterval: 10 * time.Second}, chain.Cursor{})
	// Idle: it has scanned to the head, so only a head notification can
	// make it read the batches below within the test's 3 s.
	col.waitScanned(t, e.deploy, 3*time.Second)
	sub := newSubmitter(t, e, ws, key1)
	start := time.Now()
	for i := 0; i < 3; i++ {
		if _, err := sub.Submit(ctx(t), []byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	evs := col.wait(t, 3, 3*time.Second)
	t.Logf("3 batches submitted and delivered over WebSocket in %v", time.Since(start))
	for i, ev := range evs {
		if ev.Batch.Seq != uint64(i) || ev.Batch.Submitter != sub.From() {
			t.Fatalf("event %d: %+v", i, ev)
		}
	}
}

func TestConfirmations(t *testing.T) {
	e := newEnv(t)
	client := chain.NewClient(e.eth.Attach()) // in process
	const k = 3
	var (
		mu       sync.Mutex
		headSeen []uint64
		evs      []chain.Event
		scanned  uint64
	)
	f, _ := chain.NewFollower(chain.FollowerConfig{Client: client, Anchor: e.anchor, From: e.deploy, Confirmations: k, PollInterval: 10 * time.Millisecond,
		Progress: func(_ context.Context, c chain.Cursor) error {
			mu.Lock()
			scanned = max(scanned, c.Block)
			mu.Unlock()
			return nil
		}})
	runCtx, cancel := context.WithCancel(ctx(t))
	done := make(chan error, 1)
	go func() {
		done <- f.Run(runCtx, chain.Cursor{}, func(ctx context.Context, ev chain.Event) error {
			head, err := client.BlockNumber(ctx)
			mu.Lock()
			evs = append(evs, ev)
			headSeen = append(headSeen, head)
			mu.Unlock()
			return err
		})
	}()
	defer func() { cancel(); <-done }()

	res, err := newSubmitter(t, e, client, key0).Submit(ctx(t), []byte("deep enough?"))
	if err != nil {
		t.Fatal(err)
	}
	// One block short of K deep: once the follower has scanned through the
	// block before the batch's, the batch may only have been delivered if
	// the chain grew meanwhile (the dev chain may mine an extra block): the
	// head each delivery saw is checked below.
	if err := e.eth.MineBlocks(ctx(t), k-1); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for {
		mu.Lock()
		s, n, seen := scanned, len(evs), slices.Clone(headSeen)
		mu.Unlock()
		if n != 0 && seen[0] < res.Block+k {
			t.Fatalf("delivered at head %d, batch in block %d, K=%d", seen[0], res.Block, k)
		}
		if n != 0 || s >= res.Block-1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("follower scanned through block %d, want %d", s, res.Block-1)
		}
		time.Sleep(2 * time.Millisecond)
	}
	if err := e.eth.MineBlocks(ctx(t), 1); err != nil {
		t.Fatal(err)
	}
	var n int
	deadline = time.Now().Add(3 * time.Second)
	for {
		mu.Lock()
		n = len(evs)
		mu.Unlock()
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("not delivered after K more blocks")
		}
		time.Sleep(5 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if headSeen[0] < evs[0].Block+k {
		t.Fatalf("delivered block %d at head %d with K=%d", evs[0].Block, headSeen[0], k)
	}
}

func TestSubmitRejects(t *testing.T) {
	e := newEnv(t)
	client := chain.NewClient(e.eth.Attach())
	defer client.Close()
	sub := newSubmitter(t, e, client, key0)
	if _, err := sub.Submit(ctx(t), nil); !errors.Is(err, chain.ErrEmptyBatch) {
		t.Fatalf("empty: %v", err)
	}
	if _, err := sub.Submit(ctx(t), make([]byte, chain.MaxBatchBytes+1)); !errors.Is(err, chain.ErrBatchTooLarge) {
		t.Fatalf("oversized: %v", err)
	}
	// The largest batch is accepted.
	big := make([]byte, chain.MaxBatchBytes)
	for i := range big {
		big[i] = byte(i*7 + 1)
	}
	res, err := sub.Submit(ctx(t), big)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("a %d-byte batch: %d gas", len(big), res.GasUsed)

	// The contract itself rejects them too, with its custom errors.
	anchor := bindings.NewAnchor()
	from := sub.From()
	for _, tc := range []struct {
		data []byte
		want string
	}{{[]byte{}, "EmptyBatch"}, {make([]byte, chain.MaxBatchBytes+1), "BatchTooLarge"}} {
		_, err := client.EstimateGas(ctx(t), ethereum.CallMsg{From: from, To: &e.anchor, Data: anchor.PackSubmit(tc.data)})
		rev, ok := ethclient.RevertErrorData(err)
		if !ok {
			t.Fatalf("%s: no revert data in %v", tc.want, err)
		}
		v, err := anchor.UnpackError(rev)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprintf("%T", v); got != "*bindings.Anchor"+tc.want {
			t.Fatalf("revert %s, want %s", got, tc.want)
		}
	}
}

// TestReorgDetected makes a real reorg on the embedded chain: the block
// holding a handled batch is replaced (its transaction is mined again into a
// new block at the same height). A running follower stops with ErrReorg, and
// so does a new Run from the persisted cursor.
func TestReorgDetected(t *testing.T) {
	e := newEnv(t)
	client := chain.NewClient(e.eth.Attach())
	f, _ := chain.NewFollower(chain.FollowerConfig{Client: client, Anchor: e.anchor, From: e.deploy, PollInterval: 10 * time.Millisecond})
	col := follow(t, f, chain.Cursor{})
	res, err := newSubmitter(t, e, client, key0).Submit(ctx(t), []byte("to be reorged"))
	if err != nil {
		t.Fatal(err)
	}
	ev := col.wait(t, 1, 5*time.Second)[0]
	if err := e.eth.Reorg(ctx(t), res.Block); err != nil {
		t.Fatal(err)
	}
	var runErr error
	select {
	case runErr = <-col.done:
		col.done <- runErr
	case <-time.After(5 * time.Second):
		t.Fatal("the running follower did not notice the reorg")
	}
	var re *chain.ReorgError
	if !errors.Is(runErr, chain.ErrReorg) || !errors.As(runErr, &re) {
		t.Fatalf("Run: %v", runErr)
	}
	if re.Block < ev.Block || re.Handled == re.Canonical {
		t.Fatalf("reorg error %+v for event in block %d", re, ev.Block)
	}
	t.Logf("running follower: %v", runErr)

	err = f.Run(ctx(t), ev.Cursor(), func(context.Context, chain.Event) error {
		t.Fatal("delivered after a reorg")
		return nil
	})
	if !errors.As(err, &re) || re.Block != ev.Block || re.Handled != ev.BlockHash || re.Canonical == ev.BlockHash || re.Canonical == (common.Hash{}) {
		t.Fatalf("Run from the stale cursor: %v", err)
	}
	t.Logf("from the stale cursor: %v", err)
}

// TestSubmitLatency measures sequential submissions over the in-process and
// HTTP transports (period 0).
func TestSubmitLatency(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name   string
		client *chain.Client
	}{{"in-process", chain.NewClient(e.eth.Attach())}, {"http", dial(t, e.eth.HTTPURL())}} {
		sub := newSubmitter(t, e, tc.client, key0)
		var lat []time.Duration
		data := make([]byte, 10_000)
		for i := 0; i < 30; i++ {
			data[0] = byte(i)
			start := time.Now()
			if _, err := sub.Submit(ctx(t), data); err != nil {
				t.Fatal(err)
			}
			lat = append(lat, time.Since(start))
		}
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		t.Logf("%s, 10 KB batches: median %v, p90 %v, max %v", tc.name, lat[len(lat)/2], lat[len(lat)*9/10], lat[len(lat)-1])
	}
}
