package chain

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/anonex/anonex/contracts/bindings"
	"github.com/anonex/anonex/ledger"
	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/rpc"
)

// Defaults of FollowerConfig.
const (
	DefaultPollInterval = time.Second
	DefaultMaxRange     = 2000 // blocks per eth_getLogs query
)

// FollowerBackend is what a Follower needs of an Ethereum node; *Client
// implements it. SubscribeNewHeads may fail with
// rpc.ErrNotificationsUnsupported: the follower then polls.
type FollowerBackend interface {
	Block(ctx context.Context, n rpc.BlockNumber) (BlockInfo, error)
	FilterLogs(ctx context.Context, q ethereum.FilterQuery) ([]types.Log, error)
	SubscribeNewHeads(ctx context.Context, ch chan<- BlockInfo) (ethereum.Subscription, error)
}

// FollowerConfig configures NewFollower.
type FollowerConfig struct {
	Client FollowerBackend // required
	Anchor common.Address  // required

	// Vault, when set, adds the Vault's AssetListed and Deposit events to
	// the stream, in chain order with the batches.
	Vault common.Address

	// From is the first block scanned when Run starts from a zero cursor:
	// the Anchor's deployment block (0 scans from genesis).
	From uint64

	// Confirmations K: events are delivered once their block is K blocks
	// below the head (0 = at the head).
	Confirmations uint64

	// Finalized delivers events only up to the "finalized" block instead of
	// head−K (Confirmations is then ignored).
	Finalized bool

	// PollInterval is how often the head is polled when no header
	// subscription is available; default 1 s (the devnet passes 20–50 ms).
	PollInterval time.Duration

	// MaxRange caps the blocks of one log query; default 2,000.
	MaxRange uint64

	// Progress, when set, is called after each scanned range with a cursor
	// through its last block (Complete), so that a caller may persist
	// progress across blocks without events. An error stops Run.
	Progress func(ctx context.Context, c Cursor) error

	Logger *slog.Logger // nil discards
}

// Cursor says what a follower has handled. The zero Cursor means nothing:
// Run starts at FollowerConfig.From.
type Cursor struct {
	Block     uint64      // block of the last handled event (or scanned block)
	BlockHash common.Hash // its hash; zero for the zero cursor
	LogIndex  uint        // log index of the last handled event in Block
	Complete  bool        // every event of Block was handled (LogIndex unused)
}

// IsZero tells whether c is the zero cursor.
func (c Cursor) IsZero() bool { return c.BlockHash == (common.Hash{}) }

// Event is one event the follower delivers, in chain order: a Batch of
// the Anchor, or an AssetListed or Deposit of the Vault. Exactly one of
// Batch, Listing and Deposit is set.
type Event struct {
	Batch   *Batch
	Listing *ledger.VaultListing
	Deposit *ledger.VaultDeposit
	From    common.Address // the depositor on Ethereum (Deposit only)

	Block     uint64
	BlockHash common.Hash
	TxHash    common.Hash
	LogIndex  uint
}

// Batch is the body of an Anchor Batch event.
type Batch struct {
	Seq       uint64
	DataHash  common.Hash
	Submitter common.Address
	Data      []byte
}

// Cursor is the cursor to persist once e is handled.
func (e Event) Cursor() Cursor {
	return Cursor{Block: e.Block, BlockHash: e.BlockHash, LogIndex: e.LogIndex}
}

// String names the event for logs and errors.
func (e Event) String() string {
	switch {
	case e.Batch != nil:
		return fmt.Sprintf("batch %d (block %d)", e.Batch.Seq, e.Block)
	case e.Deposit != nil:
		return fmt.Sprintf("vault deposit %d (block %d, index %d)", e.Deposit.Index, e.Block, e.LogIndex)
	default:
		return fmt.Sprintf("vault listing (block %d, index %d)", e.Block, e.LogIndex)
	}
}

// Follower reads the Anchor's Batch events (and the Vault's, when
// configured) in chain order.
type Follower struct {
	cfg     FollowerConfig
	anchor  *bindings.Anchor
	vault   *bindings.Vault
	sources []logSource
	log     *slog.Logger
}

// NewFollower checks cfg and returns a Follower.
func NewFollower(cfg FollowerConfig) (*Follower, error) {
	if cfg.Client == nil {
		return nil, fmt.Errorf("%w: follower needs a client", ErrConfig)
	}
	if cfg.Anchor == (common.Address{}) {
		return nil, fmt.Errorf("%w: follower needs the anchor address", ErrConfig)
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	if cfg.MaxRange == 0 {
		cfg.MaxRange = DefaultMaxRange
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	anchor, vault := bindings.NewAnchor(), bindings.NewVault()
	sources := []logSource{{Address: cfg.Anchor, Topic: anchor.GetABI().Events[bindings.AnchorBatchEventName].ID}}
	if cfg.Vault != (common.Address{}) {
		events := vault.GetABI().Events
		sources = append(sources,
			logSource{Address: cfg.Vault, Topic: events[bindings.VaultAssetListedEventName].ID},
			logSource{Address: cfg.Vault, Topic: events[bindings.VaultDepositEventName].ID})
	}
	return &Follower{cfg: cfg, anchor: anchor, vault: vault, sources: sources, log: logger}, nil
}

// blockRef is a block the follower has handled or scanned past.
type blockRef struct {
	num  uint64
	hash common.Hash
}

// Run delivers every Batch event after cursor, in (block number, log index)
// order, each exactly once, to handle — but only events at most head−K (or
// the finalized block). It runs until ctx ends (returning ctx.Err()), handle
// or Progress fails (returning that error), or a block it handled or scanned
// is no longer canonical or no longer exists (returning a *ReorgError, which
// wraps ErrReorg; the caller rolls back and runs again).
// Failing RPC calls are logged and retried with backoff.
//
// Run checks, before every step, that the last block it handled or scanned
// still has the hash it had; a cursor from an earlier run is checked the same
// way, so a reorg while the node was down is caught too.
func (f *Follower) Run(ctx context.Context, cursor Cursor, handle func(ctx context.Context, ev Event) error) error {
	r := &run{f: f, ctx: ctx, handle: handle, skipThru: -1, span: f.cfg.MaxRange, backoff: f.cfg.PollInterval}
	if cursor.IsZero() {
		r.next = f.cfg.From
	} else {
		r.check = &blockRef{cursor.Block, cursor.BlockHash}
		r.next = cursor.Block
		if cursor.Complete {
			r.next++
		} else {
			r.skipBlock, r.skipThru = cursor.Block, int(cursor.LogIndex)
		}
	}
	var stopWake func()
	r.wake, stopWake = f.wakeups(ctx)
	defer stopWake()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		if ok, err := r.stillCanonical(); err != nil || !ok {
			if err != nil {
				return err
			}
			continue
		}
		rng, ok, err := r.read()
		if err != nil {
			return err
		}
		if ok {
			if err := r.deliver(rng); err != nil {
				return err
			}
		}
	}
}

// run is one Run's state: where it is, and how it paces its RPC calls.
type run struct {
	f      *Follower
	ctx    context.Context
	handle func(ctx context.Context, ev Event) error

	next      uint64    // next block to scan
	skipBlock uint64    // in this block ...
	skipThru  int       // ... logs with an index <= skipThru were handled
	check     *blockRef // last block handled or scanned past

	wake         <-chan struct{}
	span         uint64        // blocks per log query, halved when a provider refuses
	backoff      time.Duration // the next retry's wait
	warnedBehind bool
}

// rangeRead is one range read in full, consistent with what was checked.
type rangeRead struct {
	to   uint64
	top  BlockInfo
	logs []types.Log
}

// sleep waits d, or until a new head, or until ctx ends.
func (r *run) sleep(d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-r.ctx.Done():
		return r.ctx.Err()
	case <-r.wake:
	case <-t.C:
	}
	return nil
}

// retry logs a failed RPC call and waits the backoff, which doubles up to
// 10 s; it fails only when ctx ends.
func (r *run) retry(err error) error {
	if r.ctx.Err() != nil {
		return r.ctx.Err()
	}
	r.f.log.Warn("chain follower: RPC failed; retrying", "err", err, "in", r.backoff)
	t := time.NewTimer(r.backoff)
	defer t.Stop()
	r.backoff = min(r.backoff*2, 10*time.Second)
	select {
	case <-r.ctx.Done():
		return r.ctx.Err()
	case <-t.C:
		return nil
	}
}

// stillCanonical is step 1: what was handled must still be canonical. It
// returns a *ReorgError when it is not, and false (after waiting) when it
// cannot tell yet.
func (r *run) stillCanonical() (bool, error) {
	if r.check == nil {
		return true, nil
	}
	c := r.f.cfg.Client
	b, err := c.Block(r.ctx, rpc.BlockNumber(r.check.num))
	switch {
	case errors.Is(err, ethereum.NotFound):
		// A chain that ends below what we handled lost those blocks (a
		// reorg to a shorter chain, or a dev chain that crashed and came
		// back shorter): the caller rolls back. An endpoint that is merely
		// behind looks the same from here; rolling back to what it serves
		// and folding again is slower but reaches the same state.
		if head, herr := c.Block(r.ctx, rpc.LatestBlockNumber); herr == nil && head.Number < r.check.num {
			return false, &ReorgError{Block: r.check.num, Handled: r.check.hash}
		}
		if !r.warnedBehind {
			r.f.log.Warn("chain follower: the chain has no block at the cursor yet (node behind, or another chain?)", "block", r.check.num)
			r.warnedBehind = true
		}
		return false, r.sleep(r.f.cfg.PollInterval)
	case err != nil:
		return false, r.retry(err)
	case b.Hash != r.check.hash:
		return false, &ReorgError{Block: r.check.num, Handled: r.check.hash, Canonical: b.Hash}
	}
	r.warnedBehind = false
	return true, nil
}

// read is steps 2 and 3: how far may we read, then one range of logs that
// hangs off what was checked. ok is false when there is nothing to read
// yet or the chain moved under the query (the next round judges).
func (r *run) read() (rng rangeRead, ok bool, err error) {
	c := r.f.cfg.Client
	target, ok, err := r.f.target(r.ctx)
	if err != nil {
		return rng, false, r.retry(err)
	}
	if !ok || target < r.next {
		return rng, false, r.sleep(r.f.cfg.PollInterval)
	}
	rng.to = min(target, r.next+r.span-1)
	if rng.top, err = c.Block(r.ctx, rpc.BlockNumber(rng.to)); err != nil {
		return rng, false, r.retry(err)
	}
	if rng.logs, err = fetchLogs(r.ctx, c, r.f.sources, r.next, rng.to); err != nil {
		r.span = max(1, r.span/2) // providers cap results per query
		return rng, false, r.retry(err)
	}
	// The chain moved under the query, or answered it from another fork:
	// wait for the next head (or a poll interval) and start over, step 1
	// judging. Without the wait a node spins on an endpoint that keeps
	// answering so (seen on the dev chain right after a reorg: the three
	// nodes' followers took both cores, and the chain sealed no block).
	if again, err := c.Block(r.ctx, rpc.BlockNumber(rng.to)); err != nil || again.Hash != rng.top.Hash {
		return rng, false, r.sleep(r.f.cfg.PollInterval)
	}
	if r.check != nil {
		if b, err := c.Block(r.ctx, rpc.BlockNumber(r.check.num)); err != nil || b.Hash != r.check.hash {
			return rng, false, r.sleep(r.f.cfg.PollInterval)
		}
	}
	for _, l := range rng.logs {
		if l.BlockNumber == rng.to && l.BlockHash != rng.top.Hash {
			return rng, false, r.sleep(r.f.cfg.PollInterval)
		}
	}
	r.backoff = r.f.cfg.PollInterval
	r.span = min(r.f.cfg.MaxRange, r.span*2)
	return rng, true, nil
}

// deliver is step 4: hand each event of the range to the handler, in
// order, past those a cursor says were handled, then move on.
func (r *run) deliver(rng rangeRead) error {
	from := r.next
	for i := range rng.logs {
		l := &rng.logs[i]
		if l.BlockNumber == r.skipBlock && int(l.Index) <= r.skipThru {
			continue
		}
		decode := r.f.decodeBatch
		if l.Address == r.f.cfg.Vault && r.f.cfg.Vault != r.f.cfg.Anchor {
			decode = r.f.decodeVault
		}
		ev, err := decode(l)
		if err != nil {
			return err
		}
		if err := r.handle(r.ctx, ev); err != nil {
			return fmt.Errorf("chain: handling %s: %w", ev, err)
		}
		r.check = &blockRef{l.BlockNumber, l.BlockHash}
	}
	r.check = &blockRef{rng.to, rng.top.Hash}
	r.next = rng.to + 1
	r.skipThru = -1
	if p := r.f.cfg.Progress; p != nil {
		if err := p(r.ctx, Cursor{Block: rng.to, BlockHash: rng.top.Hash, Complete: true}); err != nil {
			return err
		}
	}
	r.f.log.Debug("chain follower: scanned", "from", from, "to", rng.to, "events", len(rng.logs))
	return nil
}

// target returns the highest block whose events may be delivered.
func (f *Follower) target(ctx context.Context) (uint64, bool, error) {
	if f.cfg.Finalized {
		b, err := f.cfg.Client.Block(ctx, rpc.FinalizedBlockNumber)
		if errors.Is(err, ethereum.NotFound) {
			return 0, false, nil
		}
		if err != nil {
			return 0, false, err
		}
		return b.Number, true, nil
	}
	head, err := f.cfg.Client.Block(ctx, rpc.LatestBlockNumber)
	if err != nil {
		return 0, false, err
	}
	if head.Number < f.cfg.Confirmations {
		return 0, false, nil
	}
	return head.Number - f.cfg.Confirmations, true, nil
}

// eventAt is an Event at a log's position, with no body yet.
func eventAt(l *types.Log) Event {
	return Event{Block: l.BlockNumber, BlockHash: l.BlockHash, TxHash: l.TxHash, LogIndex: l.Index}
}

// decodeBatch turns an Anchor log into a Batch event.
func (f *Follower) decodeBatch(l *types.Log) (Event, error) {
	ev := eventAt(l)
	b, err := f.anchor.UnpackBatchEvent(l)
	if err != nil {
		return ev, fmt.Errorf("chain: undecodable Batch log (block %d, index %d): %w", l.BlockNumber, l.Index, err)
	}
	if crypto.Keccak256Hash(b.Data) != common.Hash(b.DataHash) {
		return ev, fmt.Errorf("chain: Batch %d (block %d): data does not match its hash", b.Seq, l.BlockNumber)
	}
	ev.Batch = &Batch{Seq: b.Seq, DataHash: b.DataHash, Submitter: b.Submitter, Data: b.Data}
	return ev, nil
}

// decodeVault turns a Vault log into a Listing or Deposit event.
func (f *Follower) decodeVault(l *types.Log) (Event, error) {
	ev := eventAt(l)
	switch l.Topics[0] {
	case f.vault.GetABI().Events[bindings.VaultAssetListedEventName].ID:
		e, err := f.vault.UnpackAssetListedEvent(l)
		if err != nil {
			return ev, fmt.Errorf("chain: undecodable AssetListed log (block %d, index %d): %w", l.BlockNumber, l.Index, err)
		}
		ev.Listing = &ledger.VaultListing{Vault: ledger.Address(l.Address), Asset: e.Asset, Token: ledger.Address(e.Token),
			Symbol: e.Symbol, Decimals: e.Decimals}
	default:
		e, err := f.vault.UnpackDepositEvent(l)
		if err != nil {
			return ev, fmt.Errorf("chain: undecodable Deposit log (block %d, index %d): %w", l.BlockNumber, l.Index, err)
		}
		d := &ledger.VaultDeposit{Index: e.Index, Asset: e.Asset, Account: ledger.Address(e.Account)}
		if d.Amount.SetFromBig(e.Amount) {
			return ev, fmt.Errorf("chain: Deposit %d amount overflows 256 bits", e.Index)
		}
		ev.Deposit, ev.From = d, e.From
	}
	return ev, nil
}

// wakeups subscribes to new heads when the backend can, and returns a
// channel that receives a value on each (coalesced). Without a subscription
// the channel never fires and Run polls.
func (f *Follower) wakeups(ctx context.Context) (<-chan struct{}, func()) {
	wake := make(chan struct{}, 1)
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			heads := make(chan BlockInfo, 16)
			sub, err := f.cfg.Client.SubscribeNewHeads(ctx, heads)
			if errors.Is(err, rpc.ErrNotificationsUnsupported) {
				return // polling only
			}
			if err != nil {
				f.log.Debug("chain follower: head subscription failed; polling", "err", err)
			} else {
				f.pump(ctx, sub, heads, wake)
			}
			select { // resubscribe later; poll meanwhile
			case <-ctx.Done():
			case <-time.After(5 * time.Second):
			}
		}
	}()
	return wake, func() { cancel(); <-done }
}

// pump forwards head notifications to wake until the subscription ends.
func (f *Follower) pump(ctx context.Context, sub ethereum.Subscription, heads <-chan BlockInfo, wake chan<- struct{}) {
	defer sub.Unsubscribe()
	for {
		select {
		case <-ctx.Done():
			return
		case err := <-sub.Err():
			f.log.Debug("chain follower: head subscription ended; polling", "err", err)
			return
		case <-heads:
			select {
			case wake <- struct{}{}:
			default:
			}
		}
	}
}
