package devchain

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/anonex/anonex/contracts/bindings"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core"
	"github.com/ethereum/go-ethereum/core/rawdb"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/eth"
	"github.com/ethereum/go-ethereum/eth/catalyst"
	"github.com/ethereum/go-ethereum/eth/ethconfig"
	"github.com/ethereum/go-ethereum/eth/filters"
	"github.com/ethereum/go-ethereum/ethclient"
	gethlog "github.com/ethereum/go-ethereum/log"
	"github.com/ethereum/go-ethereum/node"
	"github.com/ethereum/go-ethereum/p2p"
	"github.com/ethereum/go-ethereum/rpc"
)

// Defaults of Config.
const (
	DefaultHTTPAddr = "127.0.0.1:8545"
	DefaultWSAddr   = "127.0.0.1:8546"
	DefaultChainID  = 1337
	// DefaultGasLimit is the block gas limit: today's mainnet order of
	// magnitude, far above one 126,000-byte batch (~4.1M gas).
	DefaultGasLimit = 60_000_000
)

// Config configures Start. The zero value is a valid in-memory chain on
// the default ports.
type Config struct {
	// HTTPAddr and WSAddr are the JSON-RPC listen addresses, host:port with a
	// loopback host (an empty host means 127.0.0.1). Port 0 picks a free
	// port; HTTPURL and WSURL report the bound one. Defaults 127.0.0.1:8545
	// and 127.0.0.1:8546. When both name the same port (both 0 included) the
	// WebSocket endpoint is served on the HTTP listener, as in geth.
	HTTPAddr, WSAddr string

	// DataDir persists the chain (hash state scheme, no pruning: a kill -9
	// loses at most the last blocks). Empty keeps everything in memory.
	// Reopening a directory reuses its genesis: Alloc and GasLimit are then
	// ignored, and ChainID must match the stored chain's.
	DataDir string

	// Period is the block interval, rounded up to whole seconds. Zero mines a
	// block as soon as a transaction arrives. With period 0, block
	// timestamps run ahead of the wall clock (each block is at least its
	// parent + 1 s): never read block time as wall time.
	Period time.Duration

	// ChainID of the chain; default 1337. It is also the network id.
	ChainID uint64

	// Alloc prefunds accounts in the genesis block (balances in wei).
	Alloc map[common.Address]*big.Int

	// GasLimit is the block gas limit; default DefaultGasLimit.
	GasLimit uint64

	// LoseUnsynced leaves go-ethereum's own (unsynced) writes as they are
	// instead of syncing on every head: a SIGKILL then loses the newest
	// blocks, as it did before the sync. A fault seam for the crash tests
	// of nodes that must roll back what the chain lost; never for use.
	LoseUnsynced bool

	// FinalDepth, with Period 0, makes the chain add empty blocks after
	// each block with transactions until that block is FinalDepth deep:
	// the nodes' final horizon (node.Config.FinalDepth), which issuers and
	// attesters wait for, is then reached within milliseconds on a chain
	// that would otherwise stand still. 0: no extra blocks.
	FinalDepth uint64

	// Logger receives go-ethereum's node-level log records; nil discards them.
	Logger *slog.Logger
}

// Chain is a running embedded Ethereum development chain.
type Chain struct {
	cfg     Config
	stack   *node.Node
	eth     *eth.Ethereum
	beacon  *catalyst.SimulatedBeacon
	chainID *big.Int
	httpURL string
	wsURL   string
	started time.Duration

	mu     sync.Mutex // serialises Reorg and MineBlocks
	reorgs uint64     // Reorg calls so far (guarded by mu)
	// reopened is the head a reopened data dir started at (0 for a new
	// chain): Reorg never goes below it.
	reopened  uint64
	rpc       *rpc.Client // in-process, for dev_addWithdrawal
	quit      chan struct{}
	watchDone chan struct{}
	syncDone  chan struct{}
	finalDone chan struct{}
	closeOnce sync.Once
	closeErr  error
}

// loopbackAddr validates a host:port listen address, requires a loopback
// host and returns host and port.
func loopbackAddr(what, addr string) (string, int, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, fmt.Errorf("devchain: %s address %q: %w", what, addr, err)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	if host != "localhost" {
		ip := net.ParseIP(host)
		if ip == nil || !ip.IsLoopback() {
			return "", 0, fmt.Errorf("devchain: %s address %q: the dev chain listens on loopback only (127.0.0.1)", what, addr)
		}
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("devchain: %s address %q: bad port", what, addr)
	}
	return host, port, nil
}

// Start starts an embedded go-ethereum dev chain and returns once its
// JSON-RPC endpoints accept requests. Close it when done.
func Start(cfg Config) (*Chain, error) {
	begin := time.Now()
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	critToStderr()
	stack, err := newStack(cfg)
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			stack.Close()
		}
	}()
	genesis, err := devGenesis(stack, cfg)
	if err != nil {
		return nil, err
	}
	backend, err := newBackend(stack, cfg, genesis)
	if err != nil {
		return nil, err
	}
	period := uint64((cfg.Period + time.Second - 1) / time.Second)
	beacon, err := newBeacon(stack, backend, period)
	if err != nil {
		return nil, err
	}
	if err := stack.Start(); err != nil {
		return nil, fmt.Errorf("devchain: start ethereum node: %w", err)
	}
	c := &Chain{
		cfg:     cfg,
		stack:   stack,
		eth:     backend,
		beacon:  beacon,
		chainID: new(big.Int).SetUint64(cfg.ChainID),
		httpURL: stack.HTTPEndpoint(),
		wsURL:   stack.WSEndpoint(),
		rpc:     stack.Attach(),
	}
	if genesis == nil {
		c.reopened = backend.BlockChain().CurrentBlock().Number.Uint64()
	}
	c.startLoops(period)
	c.started = time.Since(begin)
	ok = true
	if cfg.Logger != nil {
		cfg.Logger.Info("ethereum dev chain started", "http", c.httpURL, "ws", c.wsURL,
			"chain_id", cfg.ChainID, "head", backend.BlockChain().CurrentBlock().Number,
			"datadir", cfg.DataDir, "period", cfg.Period, "took", c.started)
	}
	return c, nil
}

// withDefaults returns cfg with its defaults filled in, or an error for a
// value no default can mend. The listen addresses are checked by newStack.
func (cfg Config) withDefaults() (Config, error) {
	if cfg.HTTPAddr == "" {
		cfg.HTTPAddr = DefaultHTTPAddr
	}
	if cfg.WSAddr == "" {
		cfg.WSAddr = DefaultWSAddr
	}
	if cfg.ChainID == 0 {
		cfg.ChainID = DefaultChainID
	}
	if cfg.GasLimit == 0 {
		cfg.GasLimit = DefaultGasLimit
	}
	if cfg.Period < 0 {
		return cfg, errors.New("devchain: negative block period")
	}
	return cfg, nil
}

// newStack makes the go-ethereum node that hosts the chain: no devp2p
// networking at all (as --dev), JSON-RPC over HTTP and WebSocket on
// loopback addresses only. It does not start it.
func newStack(cfg Config) (*node.Node, error) {
	httpHost, httpPort, err := loopbackAddr("HTTP", cfg.HTTPAddr)
	if err != nil {
		return nil, err
	}
	wsHost, wsPort, err := loopbackAddr("WebSocket", cfg.WSAddr)
	if err != nil {
		return nil, err
	}
	logger := gethlog.NewLogger(slog.DiscardHandler)
	if cfg.Logger != nil {
		logger = gethlog.NewLogger(cfg.Logger.Handler())
	}
	modules := []string{"eth", "net", "web3", "txpool", "debug", "dev"}
	stack, err := node.New(&node.Config{
		Name:    "geth", // the instance directory: <DataDir>/geth, as geth lays it out
		DataDir: cfg.DataDir,
		P2P: p2p.Config{
			MaxPeers:    0,
			ListenAddr:  "",
			NoDial:      true,
			NoDiscovery: true,
		},
		HTTPHost:         httpHost,
		HTTPPort:         httpPort,
		HTTPModules:      modules,
		HTTPCors:         []string{"*"}, // loopback only; lets a local web UI call it
		HTTPVirtualHosts: []string{"localhost"},
		HTTPTimeouts:     rpc.DefaultHTTPTimeouts,
		WSHost:           wsHost,
		WSPort:           wsPort,
		WSModules:        modules,
		WSOrigins:        []string{"*"},
		Logger:           logger,
	})
	if err != nil {
		return nil, fmt.Errorf("devchain: ethereum node: %w", err)
	}
	return stack, nil
}

// newBackend registers the Ethereum service on stack, a full node that
// keeps every block's state (hash scheme, no pruning), and the filter API
// it lacks. genesis is nil when the data dir already holds a chain; that
// chain's id must be cfg.ChainID.
func newBackend(stack *node.Node, cfg Config, genesis *core.Genesis) (*eth.Ethereum, error) {
	ethCfg := ethconfig.Defaults
	ethCfg.Genesis = genesis
	ethCfg.NetworkId = cfg.ChainID
	ethCfg.SyncMode = ethconfig.FullSync
	ethCfg.StateScheme = rawdb.HashScheme
	ethCfg.NoPruning = true // archive: every block's state is written at once
	ethCfg.Preimages = true
	ethCfg.EnablePreimageRecording = true
	ethCfg.DatabaseCache = 128
	ethCfg.TrieCleanCache = 64
	ethCfg.TrieDirtyCache = 64
	ethCfg.SnapshotCache = 32
	ethCfg.Miner.GasCeil = cfg.GasLimit
	ethCfg.Miner.GasPrice = big.NewInt(1) // as --dev: include any tip
	ethCfg.TxPool.NoLocals = true
	// No log index: eth_getLogs scans block blooms instead, which is quick
	// on a dev chain, while loading the index made reopening a data dir slow
	// (filtermaps' head snapshot: ~0.2 s, 18 s under -race).
	ethCfg.LogNoHistory = true

	backend, err := eth.New(stack, &ethCfg)
	if err != nil {
		return nil, fmt.Errorf("devchain: ethereum service: %w", err)
	}
	if got := backend.BlockChain().Config().ChainID; got == nil || got.Uint64() != cfg.ChainID {
		return nil, fmt.Errorf("devchain: data dir %s holds a chain with chain id %v, not %d", cfg.DataDir, got, cfg.ChainID)
	}
	// eth.New does not register eth_getLogs and the filter subscriptions.
	filterSystem := filters.NewFilterSystem(backend.APIBackend, filters.Config{
		LogCacheSize:  ethCfg.FilterLogCacheSize,
		LogQueryLimit: ethCfg.LogQueryLimit,
		RangeLimit:    ethCfg.RangeLimit,
	})
	stack.RegisterAPIs([]rpc.API{{Namespace: "eth", Service: filters.NewFilterAPI(filterSystem)}})
	return backend, nil
}

// newBeacon registers the simulated beacon that seals blocks on stack:
// every period seconds, or with period 0 whenever a transaction (or a
// withdrawal) arrives.
func newBeacon(stack *node.Node, backend *eth.Ethereum, period uint64) (*catalyst.SimulatedBeacon, error) {
	beacon, err := catalyst.NewSimulatedBeacon(period, common.Address{}, backend)
	if err != nil {
		return nil, fmt.Errorf("devchain: simulated beacon: %w", err)
	}
	// Without these APIs a period-0 chain never mines: they run the loop
	// that seals a block whenever a transaction (or withdrawal) arrives.
	catalyst.RegisterSimulatedBeaconAPIs(stack, beacon)
	stack.RegisterLifecycle(beacon)
	return beacon, nil
}

// startLoops starts the chain's own goroutines where they have work: the
// watchdog (period 0), the head syncs (a data dir, unless LoseUnsynced)
// and the blocks towards the final horizon (period 0 and FinalDepth).
// Close stops them and waits for them.
func (c *Chain) startLoops(period uint64) {
	c.quit = make(chan struct{})
	c.watchDone = goIf(period == 0, c.watchdog)
	c.syncDone = goIf(c.cfg.DataDir != "" && !c.cfg.LoseUnsynced, c.syncHeads)
	c.finalDone = goIf(period == 0 && c.cfg.FinalDepth > 0, c.reachFinal)
}

// goIf runs loop on a goroutine of its own when on, and returns a channel
// closed once loop has returned (at once when not on).
func goIf(on bool, loop func()) chan struct{} {
	done := make(chan struct{})
	if !on {
		close(done)
		return done
	}
	go func() {
		defer close(done)
		loop()
	}()
	return done
}

// devGenesis returns the genesis to start with, or nil when the data
// directory already holds a chain (a different genesis would be refused as
// incompatible).
func devGenesis(stack *node.Node, cfg Config) (*core.Genesis, error) {
	if cfg.DataDir != "" && rawdb.PreexistingDatabase(stack.ResolvePath("chaindata")) != "" {
		db, err := stack.OpenDatabaseWithOptions("chaindata", node.DatabaseOptions{ReadOnly: true})
		if err != nil {
			return nil, fmt.Errorf("devchain: open chain database: %w", err)
		}
		has := rawdb.ReadCanonicalHash(db, 0) != (common.Hash{})
		db.Close()
		if has {
			return nil, nil
		}
	}
	genesis := core.DeveloperGenesisBlock(cfg.GasLimit, nil)
	// DeveloperGenesisBlock copied the config struct; its pointers are shared
	// with params.AllDevChainProtocolChanges, so replace rather than mutate.
	genesis.Config.ChainID = new(big.Int).SetUint64(cfg.ChainID)
	// Bogota is a draft future fork with other gas rules: run today's.
	genesis.Config.BogotaTime = nil
	for addr, bal := range cfg.Alloc {
		if bal == nil || bal.Sign() < 0 {
			return nil, fmt.Errorf("devchain: bad prefund for %s", addr)
		}
		genesis.Alloc[addr] = types.Account{Balance: new(big.Int).Set(bal)}
	}
	return genesis, nil
}

var critOnce sync.Once

// critToStderr makes go-ethereum's global logger print critical messages
// to stderr: its log.Crit exits the process (a database write failing, for
// one), and with the default logger it would do so silently.
func critToStderr() {
	critOnce.Do(func() {
		if gethlog.Root().Enabled(context.Background(), gethlog.LevelCrit) {
			return // someone already routes it
		}
		// Wrapped: go-ethereum's SetDefault also makes a *logger Go's
		// slog default, which would route the standard log package and
		// slog.Default through this Crit-only handler and drop them (a
		// log.Fatal anywhere in the process would then exit silently).
		gethlog.SetDefault(critOnly{gethlog.NewLogger(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: gethlog.LevelCrit}))})
	})
}

// critOnly is go-ethereum's root logger here; its own type keeps
// gethlog.SetDefault from replacing Go's slog default.
type critOnly struct{ gethlog.Logger }

// HTTPURL is the JSON-RPC over HTTP endpoint, e.g. http://127.0.0.1:8545.
func (c *Chain) HTTPURL() string { return c.httpURL }

// WSURL is the JSON-RPC over WebSocket endpoint, e.g. ws://127.0.0.1:8546.
func (c *Chain) WSURL() string { return c.wsURL }

// ChainID is the chain id.
func (c *Chain) ChainID() *big.Int { return new(big.Int).Set(c.chainID) }

// StartupTime is how long Start took, from call to ready.
func (c *Chain) StartupTime() time.Duration { return c.started }

// Head returns the number and hash of the current head block.
func (c *Chain) Head() (uint64, common.Hash) {
	h := c.eth.BlockChain().CurrentBlock()
	return h.Number.Uint64(), h.Hash()
}

// Attach returns an in-process JSON-RPC client (subscriptions included). The
// caller closes it.
func (c *Chain) Attach() *rpc.Client { return c.stack.Attach() }

// Close stops the chain and closes its database. It is idempotent and safe
// to call from a signal handler's goroutine; later calls return the first
// result.
func (c *Chain) Close() error {
	c.closeOnce.Do(func() {
		close(c.quit)
		<-c.watchDone
		<-c.syncDone
		<-c.finalDone
		// go-ethereum's period-0 block producer seals on a goroutine of its
		// own that it does not wait for when it stops: a block sealed while
		// the chain shuts down dereferences a block the closed database no
		// longer returns (SimulatedBeacon.sealBlock, a nil finalized hash)
		// and crashes the whole process — the "test binary exited with no
		// failing test". Let it go idle first (bounded: a transaction it
		// can never mine keeps it busy for ever).
		if c.cfg.Period == 0 {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			c.mu.Lock()
			c.waitQuiet(ctx)
			c.mu.Unlock()
			cancel()
		}
		c.rpc.Close()
		c.closeErr = c.stack.Close()
		if c.cfg.Logger != nil {
			c.cfg.Logger.Info("ethereum dev chain stopped", "err", c.closeErr)
		}
	})
	return c.closeErr
}

// DeployAnchor deploys the Anchor contract from key's account and returns its
// address once the deployment is mined.
func (c *Chain) DeployAnchor(ctx context.Context, key *ecdsa.PrivateKey) (common.Address, error) {
	rc := c.Attach()
	defer rc.Close()
	client := ethclient.NewClient(rc)

	opts := bind.NewKeyedTransactor(key, c.chainID)
	opts.Context = ctx
	opts.NoSend = true // sent below with eth_sendRawTransactionSync
	code, err := hexutil.Decode(bindings.AnchorMetaData.Bin)
	if err != nil {
		return common.Address{}, fmt.Errorf("devchain: anchor bytecode: %w", err)
	}
	addr, tx, err := bind.DeployContract(opts, code, client, nil)
	if err != nil {
		return common.Address{}, fmt.Errorf("devchain: deploy anchor: %w", err)
	}
	receipt, err := client.SendTransactionSync(ctx, tx, nil)
	if err != nil {
		return common.Address{}, fmt.Errorf("devchain: deploy anchor: %w", err)
	}
	if receipt.Status != types.ReceiptStatusSuccessful {
		return common.Address{}, fmt.Errorf("devchain: deploy anchor: transaction %s failed", tx.Hash())
	}
	if receipt.ContractAddress != addr {
		return common.Address{}, fmt.Errorf("devchain: deploy anchor: receipt names %s, expected %s", receipt.ContractAddress, addr)
	}
	if c.cfg.Logger != nil {
		c.cfg.Logger.Info("anchor deployed", "address", addr, "deployer", crypto.PubkeyToAddress(key.PublicKey),
			"block", receipt.BlockNumber, "gas", receipt.GasUsed)
	}
	return addr, nil
}

// MineBlocks seals n blocks (empty unless transactions are pending) and
// returns once the head has advanced by at least n. On a chain with a Period
// it just waits for them.
//
// Blocks are requested through the simulated beacon's own loop (one empty
// withdrawal each, as dev_addWithdrawal does), never by sealing from this
// goroutine, which would race with that loop.
func (c *Chain) MineBlocks(ctx context.Context, n int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mineBlocks(ctx, n)
}

func (c *Chain) mineBlocks(ctx context.Context, n int) error {
	for i := 0; i < n; i++ {
		start, _ := c.Head()
		for {
			if c.cfg.Period == 0 {
				if err := c.poke(ctx); err != nil {
					return fmt.Errorf("devchain: mine block: %w", err)
				}
			}
			wait := 100 * time.Millisecond
			if c.cfg.Period > 0 {
				wait = 2*c.cfg.Period + time.Second
			}
			waitCtx, cancel := context.WithTimeout(ctx, wait)
			err := c.waitHead(waitCtx, start+1)
			cancel()
			if err == nil {
				break
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			// No block: the wake-up was lost (see watchdog). Poke again.
		}
	}
	return nil
}

// poke queues an empty withdrawal (0 gwei to the zero address), which makes
// the period-0 beacon loop seal a block (with any pending transactions).
func (c *Chain) poke(ctx context.Context) error {
	w := map[string]any{
		"index":          hexutil.Uint64(0),
		"validatorIndex": hexutil.Uint64(0),
		"address":        common.Address{},
		"amount":         hexutil.Uint64(0),
	}
	return c.rpc.CallContext(ctx, nil, "dev_addWithdrawal", w)
}

// watchdog heals lost wake-ups of the period-0 beacon loop. That loop
// subscribes to new transactions in a goroutine of its own, started before
// the node; a transaction that arrives before it has subscribed is never
// mined (seen about once in 30 starts when a test sends at once on a busy
// machine). When transactions are pending and the head has not moved for two
// ticks, the watchdog pokes the loop with an empty withdrawal.
func (c *Chain) watchdog() {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	lastHead, _ := c.Head()
	stuck := 0
	for {
		select {
		case <-c.quit:
			return
		case <-t.C:
		}
		head, _ := c.Head()
		executable, _ := c.eth.TxPool().Stats()
		if executable == 0 || head != lastHead {
			lastHead, stuck = head, 0
			continue
		}
		if stuck++; stuck >= 2 {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			if err := c.poke(ctx); err != nil && c.cfg.Logger != nil {
				c.cfg.Logger.Warn("ethereum dev chain: poking the block producer failed", "err", err)
			}
			cancel()
			stuck = 0
		}
	}
}

// syncHeads makes each new head durable before anyone reads it for long:
// go-ethereum writes blocks without syncing its write-ahead log, so a dev
// chain killed with SIGKILL used to come back some blocks shorter than what
// nodes had folded (they then roll back, as after a reorg). Syncing the log
// on every new head (coalesced: one sync covers every block before it)
// narrows that to the block being written at the moment of the kill.
func (c *Chain) syncHeads() {
	db := c.eth.ChainDb()
	c.eachHead(func([]*types.Header) {
		if err := db.SyncKeyValue(); err != nil && c.cfg.Logger != nil {
			c.cfg.Logger.Warn("ethereum dev chain: syncing the database failed", "err", err)
		}
	})
}

// eachHead calls fn with the chain's new heads until Close: every head
// that came since its last call, at once. A reader of its own drains the
// subscription, so go-ethereum's head feed, which the sealing of every
// block waits on, never waits for fn: reachFinal's fn waits for the
// chain's lock, which Reorg and MineBlocks hold while blocks come (with the
// subscription read by fn's goroutine, 64 blocks under the lock filled it,
// the feed blocked, and no block was sealed again).
func (c *Chain) eachHead(fn func([]*types.Header)) {
	heads := make(chan core.ChainHeadEvent, 64)
	sub := c.eth.BlockChain().SubscribeChainHeadEvent(heads)
	var (
		mu     sync.Mutex
		queued []*types.Header
	)
	wake := make(chan struct{}, 1)
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		defer sub.Unsubscribe()
		for {
			select {
			case <-c.quit:
				return
			case <-sub.Err():
				return
			case ev := <-heads:
				mu.Lock()
				queued = append(queued, ev.Header)
				mu.Unlock()
				select {
				case wake <- struct{}{}:
				default:
				}
			}
		}
	}()
	defer func() { <-readDone }()
	for {
		select {
		case <-c.quit:
			return
		case <-readDone:
			return
		case <-wake:
		}
		mu.Lock()
		got := queued
		queued = nil
		mu.Unlock()
		if len(got) > 0 {
			fn(got)
		}
	}
}

// reachFinal adds empty blocks after each block with transactions until it
// is FinalDepth deep (see Config.FinalDepth). It decides from the chain as
// it is under the chain's lock, not from the heads it saw: after a Rewind
// the newest block with transactions may be far below the highest one
// seen, and a decision taken before the rewind would regrow the chain.
func (c *Chain) reachFinal() {
	c.eachHead(func([]*types.Header) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		go func() { // Close cancels a mining wait
			select {
			case <-c.quit:
				cancel()
			case <-ctx.Done():
			}
		}()
		c.mu.Lock()
		defer c.mu.Unlock()
		if !c.finalPending() {
			return
		}
		if err := c.mineBlocks(ctx, 1); err != nil && c.cfg.Logger != nil && ctx.Err() == nil {
			c.cfg.Logger.Warn("ethereum dev chain: adding a block towards the final horizon failed", "err", err)
		}
	})
}

// finalPending reports whether one of the newest FinalDepth blocks carries
// transactions: the chain then needs more blocks above it.
func (c *Chain) finalPending() bool {
	bc := c.eth.BlockChain()
	h := bc.CurrentBlock()
	for i := uint64(0); i < c.cfg.FinalDepth && h != nil && h.Number.Sign() > 0; i++ {
		if h.TxHash != types.EmptyTxsHash {
			return true
		}
		h = bc.GetHeader(h.ParentHash, h.Number.Uint64()-1)
	}
	return false
}

// waitHead waits until the head block number is at least n.
func (c *Chain) waitHead(ctx context.Context, n uint64) error {
	t := time.NewTicker(2 * time.Millisecond)
	defer t.Stop()
	for {
		if head, _ := c.Head(); head >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Reorg replaces every block from number from up to the head (at most 64
// blocks) with new ones, as a test helper for followers: the head is set back
// to block from−1, the
// transactions of the dropped blocks return to the pool and are mined again
// into new blocks, and blocks are added until the new chain is at least as
// long as the old one. Every block from from on gets a new hash. Only for
// Period 0, and on a reopened chain only above the head it was reopened at
// (ErrReorgBelowReopen); call it while no transactions are being sent.
//
// It does not use SimulatedBeacon.Fork: that calls TxPool.Sync, which
// deadlocks when it runs concurrently with the beacon loop's own Sync (the
// pool keeps a single waiter), e.g. right after a transaction was mined.
func (c *Chain) Reorg(ctx context.Context, from uint64) error {
	return c.ReorgInject(ctx, from, nil)
}

// ErrReorgBelowReopen: Reorg was asked to replace blocks a reopened chain
// loaded from its data dir. go-ethereum's simulated beacon, set back below
// the head it started at, at times never seals a block again ("safe block
// not in canonical chain" on every try), so Reorg refuses; blocks sealed
// since the reopening can be replaced.
var ErrReorgBelowReopen = errors.New("devchain: cannot reorg below the head the chain was reopened at")

// ReopenedAt is the head block a chain reopened from its data dir started
// at (0 for a new chain): Reorg replaces only blocks above it.
func (c *Chain) ReopenedAt() uint64 { return c.reopened }

// ReorgInject is Reorg with inject called once the head is set back and
// before the chain regrows: a transaction it sends lands in the replacement
// blocks among the re-mined ones, so the new chain's content differs from
// the old one's, not only its hashes.
func (c *Chain) ReorgInject(ctx context.Context, from uint64, inject func(ctx context.Context) error) error {
	if c.cfg.Period != 0 {
		return errors.New("devchain: Reorg needs a chain with period 0")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.waitQuiet(ctx); err != nil {
		return err
	}
	head, _ := c.Head()
	if from == 0 || from > head || head-from >= 64 {
		return fmt.Errorf("devchain: cannot reorg from block %d with head %d (1 to 64 blocks, never genesis)", from, head)
	}
	if from <= c.reopened {
		return fmt.Errorf("%w: block %d is not above %d", ErrReorgBelowReopen, from, c.reopened)
	}
	// A new fee recipient for the replacement blocks: on a chain whose
	// timestamps run ahead of the clock, a block re-mined with the same
	// transactions would otherwise come out identical, hash and all, and
	// there would be no reorg to see.
	c.reorgs++
	recipient := common.Address{0xfe, byte(c.reorgs >> 8), byte(c.reorgs)}
	if err := c.rpc.CallContext(ctx, nil, "dev_setFeeRecipient", recipient); err != nil {
		return fmt.Errorf("devchain: reorg: %w", err)
	}
	bc := c.eth.BlockChain()
	parent := bc.GetBlockByNumber(from - 1)
	if parent == nil {
		return fmt.Errorf("devchain: block %d not found", from-1)
	}
	for tries := 0; ; tries++ {
		_, err := bc.SetCanonical(parent)
		if err == nil {
			break
		}
		if tries == 100 { // the chain lock is busy (TryLock): retry briefly
			return fmt.Errorf("devchain: reorg: %w", err)
		}
		time.Sleep(2 * time.Millisecond)
	}
	if inject != nil {
		if err := inject(ctx); err != nil {
			return fmt.Errorf("devchain: reorg: inject: %w", err)
		}
	}
	// The dropped transactions come back to the pool and wake the beacon
	// loop; the empty withdrawals make sure the chain regrows.
	if now, _ := c.Head(); now < head {
		return c.mineBlocks(ctx, int(head-now))
	}
	return nil
}

// waitQuiet waits until no transaction is pending and the head has not moved
// for a short while: the beacon loop is then idle.
func (c *Chain) waitQuiet(ctx context.Context) error {
	const quiet = 30 * time.Millisecond
	last, _ := c.Head()
	since := time.Now()
	t := time.NewTicker(2 * time.Millisecond)
	defer t.Stop()
	for {
		now, _ := c.Head()
		executable, queued := c.eth.TxPool().Stats()
		switch {
		case now != last || executable+queued > 0:
			last, since = now, time.Now()
		case time.Since(since) >= quiet:
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Mark is a block of the chain to come back to with Rewind: what a devnet
// snapshot records of the chain.
type Mark struct {
	Number uint64      `json:"number"`
	Hash   common.Hash `json:"hash"`
}

// Mark waits until the chain is quiet — no transaction pending, the head
// still, the newest block with transactions FinalDepth deep (it adds the
// blocks when it is not) — and returns the head. ctx bounds the wait: a
// chain that keeps receiving transactions never goes quiet.
func (c *Chain) Mark(ctx context.Context) (Mark, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		if err := c.waitQuiet(ctx); err != nil {
			executable, queued := c.eth.TxPool().Stats()
			return Mark{}, fmt.Errorf("devchain: the chain did not go quiet (%d transactions pending, %d queued): %w", executable, queued, err)
		}
		if c.cfg.Period != 0 || !c.finalPending() {
			break
		}
		if err := c.mineBlocks(ctx, 1); err != nil {
			return Mark{}, fmt.Errorf("devchain: mark: %w", err)
		}
	}
	n, h := c.Head()
	return Mark{Number: n, Hash: h}, nil
}

// ErrMarkGone: the block a Mark names is no longer on the chain (the chain
// was rewound below it, or reorganized).
var ErrMarkGone = errors.New("devchain: the marked block is no longer on the chain")

// Rewind sets the chain back to the block m names, as go-ethereum's
// debug_setHead does (BlockChain.SetHead): every block above it is
// deleted, the state is that block's again (every account's balance,
// nonce, code and storage), and the transaction pool is emptied, so
// nothing sent after the mark is mined again. The next block is built on
// m with a new hash. It waits until the chain is quiet first (see Mark),
// bounded by ctx.
//
// It refuses a block no longer on the chain (ErrMarkGone) and, on a
// reopened chain, a block below the head it was reopened at
// (ErrReorgBelowReopen: go-ethereum's simulated beacon set back there may
// never seal again).
func (c *Chain) Rewind(ctx context.Context, m Mark) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.waitQuiet(ctx); err != nil {
		executable, queued := c.eth.TxPool().Stats()
		return fmt.Errorf("devchain: rewind: the chain did not go quiet (%d transactions pending, %d queued): %w", executable, queued, err)
	}
	bc := c.eth.BlockChain()
	head, _ := c.Head()
	if h := bc.GetHeaderByNumber(m.Number); m.Number > head || h == nil || h.Hash() != m.Hash {
		return fmt.Errorf("%w: block %d %s (head %d)", ErrMarkGone, m.Number, m.Hash, head)
	}
	if m.Number < c.reopened {
		return fmt.Errorf("%w: block %d is below %d", ErrReorgBelowReopen, m.Number, c.reopened)
	}
	if m.Number == head {
		return nil
	}
	if err := bc.SetHead(m.Number); err != nil {
		return fmt.Errorf("devchain: rewind to block %d: %w", m.Number, err)
	}
	// The pool was empty (waitQuiet) and the deleted blocks' transactions
	// are not put back (their blocks are gone); clear it anyway, while the
	// block producer is idle (Clear syncs the pool, as the producer does:
	// two syncs at once would block one for ever).
	if executable, queued := c.eth.TxPool().Stats(); executable+queued > 0 {
		c.eth.TxPool().Clear()
	}
	if now, hash := c.Head(); now != m.Number || hash != m.Hash {
		return fmt.Errorf("devchain: rewind to block %d left the head at %d %s", m.Number, now, hash)
	}
	return nil
}
