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
	var (
		next      uint64    // next block to scan
		skipBlock uint64    // in this block ...
		skipThru  = -1      // ... logs with an index <= skipThru were handled
		check     *blockRef // last block handled or scanned past
	)
	if cursor.IsZero() {
		next = f.cfg.From
	} else {
		check = &blockRef{cursor.Block, cursor.BlockHash}
		next = cursor.Block
		if cursor.Complete {
			next++
		} else {
			skipBlock, skipThru = cursor.Block, int(cursor.LogIndex)
		}
	}

	wake, stopWake := f.wakeups(ctx)
	defer stopWake()
	span := f.cfg.MaxRange
	backoff := f.cfg.PollInterval
	warnedBehind := false

	sleep := func(d time.Duration) error {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-wake:
		case <-t.C:
		}
		return nil
	}
	retry := func(err error) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		f.log.Warn("chain follower: RPC failed; retrying", "err", err, "in", backoff)
		t := time.NewTimer(backoff)
		defer t.Stop()
		backoff = min(backoff*2, 10*time.Second)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			return nil
		}
	}

	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		// 1. What we handled must still be canonical.
		if check != nil {
			b, err := f.cfg.Client.Block(ctx, rpc.BlockNumber(check.num))
			switch {
			case errors.Is(err, ethereum.NotFound):
				// A chain that ends below what we handled lost those blocks
				// (a reorg to a shorter chain, or a dev chain that crashed
				// and came back shorter): the caller rolls back. An endpoint
				// that is merely behind looks the same from here; rolling
				// back to what it serves and folding again is slower but
				// reaches the same state.
				if head, herr := f.cfg.Client.Block(ctx, rpc.LatestBlockNumber); herr == nil && head.Number < check.num {
					return &ReorgError{Block: check.num, Handled: check.hash}
				}
				if !warnedBehind {
					f.log.Warn("chain follower: the chain has no block at the cursor yet (node behind, or another chain?)", "block", check.num)
					warnedBehind = true
				}
				if err := sleep(f.cfg.PollInterval); err != nil {
					return err
				}
				continue
			case err != nil:
				if err := retry(err); err != nil {
					return err
				}
				continue
			case b.Hash != check.hash:
				return &ReorgError{Block: check.num, Handled: check.hash, Canonical: b.Hash}
			}
			warnedBehind = false
		}

		// 2. How far may we read?
		target, ok, err := f.target(ctx)
		if err != nil {
			if err := retry(err); err != nil {
				return err
			}
			continue
		}
		if !ok || target < next {
			if err := sleep(f.cfg.PollInterval); err != nil {
				return err
			}
			continue
		}

		// 3. Read one range, and make sure it hangs off what we checked.
		to := min(target, next+span-1)
		top, err := f.cfg.Client.Block(ctx, rpc.BlockNumber(to))
		if err != nil {
			if err := retry(err); err != nil {
				return err
			}
			continue
		}
		logs, err := fetchLogs(ctx, f.cfg.Client, f.sources, next, to)
		if err != nil {
			span = max(1, span/2) // providers cap results per query
			if err := retry(err); err != nil {
				return err
			}
			continue
		}
		if again, err := f.cfg.Client.Block(ctx, rpc.BlockNumber(to)); err != nil || again.Hash != top.Hash {
			continue // the chain moved under the query: start over (step 1 judges)
		}
		if check != nil {
			if b, err := f.cfg.Client.Block(ctx, rpc.BlockNumber(check.num)); err != nil || b.Hash != check.hash {
				continue
			}
		}
		consistent := true
		for _, l := range logs {
			if l.BlockNumber == to && l.BlockHash != top.Hash {
				consistent = false
			}
		}
		if !consistent {
			continue
		}
		backoff = f.cfg.PollInterval
		span = min(f.cfg.MaxRange, span*2)

		// 4. Deliver.
		from := next
		for i := range logs {
			l := &logs[i]
			if l.BlockNumber == skipBlock && int(l.Index) <= skipThru {
				continue
			}
			decode := f.decodeBatch
			if l.Address == f.cfg.Vault && f.cfg.Vault != f.cfg.Anchor {
				decode = f.decodeVault
			}
			ev, err := decode(l)
			if err != nil {
				return err
			}
			if err := handle(ctx, ev); err != nil {
				return fmt.Errorf("chain: handling %s: %w", ev, err)
			}
			check = &blockRef{l.BlockNumber, l.BlockHash}
		}
		check = &blockRef{to, top.Hash}
		next = to + 1
		skipThru = -1
		if f.cfg.Progress != nil {
			if err := f.cfg.Progress(ctx, Cursor{Block: to, BlockHash: top.Hash, Complete: true}); err != nil {
				return err
			}
		}
		f.log.Debug("chain follower: scanned", "from", from, "to", to, "events", len(logs))
	}
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
