package node

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/account/names"
	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/chain"
	"github.com/anonex/anonex/ledger"
	"github.com/anonex/anonex/ledger/store"
	"github.com/anonex/anonex/node/allocation"
	"github.com/anonex/anonex/node/bridge"
	"github.com/anonex/anonex/node/convert"
	"github.com/anonex/anonex/node/issuer"
	"github.com/anonex/anonex/node/offers"
	"github.com/anonex/anonex/node/pool"
	"github.com/anonex/anonex/node/route"
	"github.com/anonex/anonex/node/venues"
	"github.com/anonex/anonex/p2p"
	"github.com/ethereum/go-ethereum/common"
	"github.com/libp2p/go-libp2p/core/crypto"
)

// RouteSet is a set of API routes a node mounts beside its own (the card
// readers' desk): the node holds no state of theirs.
type RouteSet interface{ Routes(m *route.Mux) }

// Config configures a node. New copies it and fills in defaults.
type Config struct {
	// Network names the anonex network; gossip topics live under it.
	// Default "devnet".
	Network string
	// DataDir holds the Pebble store, the libp2p key and the API token.
	// Required unless InMemory.
	DataDir string
	// InMemory keeps the store in memory (the devnet default).
	InMemory bool

	// EthRPC is the Ethereum JSON-RPC endpoint (http, ws or ipc). Ignored
	// when EthClient is set.
	EthRPC string
	// EthClient is an already connected client (the devnet passes an
	// in-process one). The node does not close it.
	EthClient *chain.Client
	// Anchor is the Anchor contract's address. Required.
	Anchor ledger.Address
	// ChainID, when set, is the chain id the node expects: Start fails if
	// the endpoint serves another. 0 takes the endpoint's.
	ChainID uint64
	// AnchorBlock is the block the Anchor was deployed in; the follower
	// starts scanning there.
	AnchorBlock uint64
	// Confirmations K: a batch settles when its block is K deep.
	// 0 on the devnet.
	Confirmations uint64
	// Finalized settles batches only once their block is finalized
	// (Confirmations is then ignored): the setting for public networks.
	Finalized bool
	// FinalDepth: a block is final once it is FinalDepth blocks below the
	// chain head (with Finalized, the chain's finalized block is the
	// horizon instead). The issuer signs a card's T and attesters sign
	// batches only over final data, so a reorg above the horizon never
	// invalidates a signed T or a confirmed attestation; settled data above
	// it can still roll back. Default max(Confirmations, 2).
	FinalDepth uint64
	// IssuerFrontsUnfinal makes the issuer sign T over settled credits that
	// are not final yet: it fronts a load at its own risk (a reorg may take
	// the credit away after the card can spend it). Default false.
	IssuerFrontsUnfinal bool
	// PollInterval is how often the follower polls the chain head when it
	// cannot subscribe. Default 1 s.
	PollInterval time.Duration

	// APIAddr is the HTTP API's listen address. Default 127.0.0.1:0.
	APIAddr string
	// APIToken authorizes calls that use the node's keys or change its
	// configuration. Empty: read from DataDir/api-token, or generated and
	// written there.
	APIToken string
	// MetricsAddr, when set, is a listen address that serves GET /metrics
	// alone, for a Prometheus that should not reach the API. The API
	// serves GET /metrics too. Default: none.
	MetricsAddr string
	// SubmitRate limits POST /v1/txs per client IP, in requests a second
	// (burst twice that). Default 2,000.
	SubmitRate float64

	// P2PListen are libp2p listen multiaddrs. Default 127.0.0.1, TCP and
	// QUIC, OS-chosen ports.
	P2PListen []string
	// P2PKey is the libp2p identity. Default: DataDir/p2p.key (created),
	// or a fresh key when InMemory.
	P2PKey crypto.PrivKey
	// Bootstrap peers (full multiaddrs with /p2p/).
	Bootstrap []string
	// RefusalBurst and RefusalRate size each gossip peer's refusal
	// budget (p2p.Config): the transactions, offers and attestations it
	// may relay that this node refuses, in a row and then a second,
	// before its messages are dropped unvalidated. 0: p2p's defaults (512
	// and 5 a second; see docs/decisions.md).
	RefusalBurst int
	RefusalRate  float64

	// Vault is the Vault contract's address: the node then folds its
	// listings and deposits into the settled state and serves withdrawal
	// proofs. Zero: no bridge.
	Vault ledger.Address
	// AttestKey, when set, makes the node one of the Vault's attesters: it
	// signs each batch's attestation once the batch settles. The key must
	// be registered in the Vault.
	AttestKey *account.Key

	// WalletKeys are device accounts this node holds as their owners'
	// wallet: POST /v1/allocate signs their spend authorizations.
	WalletKeys []*account.Key

	// Readers, when set, mounts the routes of this machine's card readers
	// (cardbridge/desk, GET /v1/readers …) behind the API token: what the
	// web app's Cards page uses. Nil: those routes answer no_readers.
	Readers RouteSet

	// IssuerKey, when set, runs the issuer service with this device
	// account: it certifies and registers cards and signs their update
	// values (see docs/card-protocol.md).
	IssuerKey *account.Key

	// SettleKey, when set, makes this node a settler: it posts batches to
	// the Anchor with this Ethereum key and pays their gas.
	SettleKey *ecdsa.PrivateKey
	// SettleStuckAfter, SettleMaxBumps and SettleMaxFeeCap govern the
	// replacement of batch transactions that are not mined (see
	// chain.SubmitterConfig); zero values take its defaults (30 s, 5
	// replacements, 500 gwei).
	SettleStuckAfter time.Duration
	SettleMaxBumps   int
	SettleMaxFeeCap  *big.Int
	// BatchAge: post a batch once its oldest transaction waited this long.
	// Default 200 ms.
	BatchAge time.Duration
	// BatchMax: post at once when this many transactions wait; also the
	// most in one batch. Default and cap ledger.MaxBatchTxs.
	BatchMax int
	// FlightTimeout: a posted transaction not settled after this long may
	// be posted again. Default 30 s.
	FlightTimeout time.Duration

	// MaxQueue bounds each account's nonce-gap queue. Default 64.
	MaxQueue int
	// QueueTTL drops a transaction that waited this long for its nonce
	// gap to fill. Default 10 minutes.
	QueueTTL time.Duration
	// MaxPending bounds the pending pool. Default 200,000.
	MaxPending int

	// Clock gives the node's time: the pending view's, quotes' and
	// conversions'. Default time.Now.
	Clock func() time.Time
	// Rand is where the node's random values come from (API token, spend
	// authorization salts, conversion ids, an in-memory node's peer key).
	// Default crypto/rand.Reader.
	Rand   io.Reader
	Logger *slog.Logger
}

func (c *Config) setDefaults() error {
	if c.Network == "" {
		c.Network = "devnet"
	}
	if c.DataDir == "" && !c.InMemory {
		return errors.New("node: DataDir is required unless InMemory")
	}
	if c.EthClient == nil && c.EthRPC == "" {
		return errors.New("node: an Ethereum endpoint (EthRPC) is required")
	}
	if c.Anchor.IsZero() {
		return errors.New("node: the Anchor contract address is required")
	}
	if c.PollInterval <= 0 {
		c.PollInterval = time.Second
	}
	if c.FinalDepth == 0 {
		c.FinalDepth = max(c.Confirmations, 2)
	}
	if c.APIAddr == "" {
		c.APIAddr = "127.0.0.1:0"
	}
	if c.SubmitRate <= 0 {
		c.SubmitRate = 2000
	}
	if c.BatchAge <= 0 {
		c.BatchAge = 200 * time.Millisecond
	}
	if c.BatchMax <= 0 || c.BatchMax > ledger.MaxBatchTxs {
		c.BatchMax = ledger.MaxBatchTxs
	}
	if c.FlightTimeout <= 0 {
		c.FlightTimeout = 30 * time.Second
	}
	if c.MaxQueue <= 0 {
		c.MaxQueue = 64
	}
	if c.QueueTTL <= 0 {
		c.QueueTTL = 10 * time.Minute
	}
	if c.MaxPending <= 0 {
		c.MaxPending = 200000
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.Rand == nil {
		c.Rand = rand.Reader
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return nil
}

// Node is one running anonex node.
type Node struct {
	cfg    Config
	log    *slog.Logger
	store  *store.Store
	pool   *pool.Pool
	rec    ledger.Recoverer
	domain ledger.Domain

	eth       *chain.Client
	ownEth    bool
	host      *p2p.Host
	txTopic   *p2p.Topic
	submitter *chain.Submitter
	api       *http.Server
	apiLn     net.Listener
	metrics   *metrics
	// metricsSrv serves Config.MetricsAddr, when set.
	metricsSrv *http.Server
	metricsLn  net.Listener
	events     *hub
	// limiter bounds each client's submissions: POST /v1/txs and POST
	// /v1/offers share it.
	limiter *route.RateLimiter
	// The subsystems (see doc.go), in start order; each sees the node
	// through services.
	cards      *issuer.Service
	market     *offers.Service
	bridge     *bridge.Service
	conv       *convert.Service
	alloc      *allocation.Service
	signage    *venues.Service
	subsystems []subsystem

	// folded is the sequence number of the next batch to fold as the
	// pool knows it: it moves only once the pool dropped what a fold
	// settled (never between the store's commit and that), so the settler
	// never takes a transaction that just settled for one whose batch
	// skipped it, and posts it again.
	folded atomic.Uint64
	// afterFoldCommit, when set (tests only), runs between a fold's
	// commit and the pool's advance over it.
	afterFoldCommit func()

	mu      sync.Mutex
	ethHead uint64
	// horizon is the final horizon the head loop last saw (see
	// cachedHorizon); horizonKnown once it has.
	horizon      uint64
	horizonKnown bool
	followErr    error
	flush        chan struct{}

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once
}

// New opens the node's store and reloads its pending transactions. It
// starts nothing: see Start.
func New(cfg Config) (*Node, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	if !cfg.InMemory {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("node: data dir: %w", err)
		}
	}
	dbDir := filepath.Join(cfg.DataDir, "ledger")
	st, err := store.Open(dbDir, store.Options{InMemory: cfg.InMemory, Logger: cfg.Logger, AccountLabel: names.Name})
	if err != nil {
		return nil, err
	}
	base, err := st.Snapshot()
	if err != nil {
		st.Close()
		return nil, err
	}
	n := &Node{
		cfg: cfg, log: cfg.Logger, store: st, rec: Secp256k1{},
		pool:    pool.New(base, pool.Config{MaxQueue: cfg.MaxQueue, MaxPool: cfg.MaxPending, Clock: cfg.Clock}),
		flush:   make(chan struct{}, 1),
		events:  newHub(),
		limiter: route.NewRateLimiter(cfg.SubmitRate, cfg.Clock),
	}
	n.metrics = newMetrics(n)
	// Fills repeat their offer's signature: recover each once.
	n.rec = NewRecoveryCache(Secp256k1{}, 1<<16)
	if cfg.ChainID != 0 {
		n.domain = ledger.NewDomain(cfg.ChainID, cfg.Anchor)
	}
	if err := n.loadToken(); err != nil {
		st.Close()
		return nil, err
	}
	if err := n.newSubsystems(); err != nil {
		st.Close()
		return nil, err
	}
	return n, nil
}

func (n *Node) loadToken() error {
	if n.cfg.APIToken != "" {
		return nil
	}
	var path string
	if !n.cfg.InMemory {
		path = filepath.Join(n.cfg.DataDir, "api-token")
		if b, err := os.ReadFile(path); err == nil && len(b) > 0 {
			n.cfg.APIToken = string(b)
			return nil
		}
	}
	tok, err := randomToken(n.cfg.Rand)
	if err != nil {
		return fmt.Errorf("node: api token: %w", err)
	}
	n.cfg.APIToken = tok
	if path == "" {
		return nil
	}
	if err := os.WriteFile(path, []byte(tok), 0o600); err != nil {
		return fmt.Errorf("node: write api token: %w", err)
	}
	return nil
}

func randomToken(r io.Reader) (string, error) {
	var b [24]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

// Start connects to Ethereum, joins the gossip network, reloads pending
// transactions and starts the follower, the settler (with a SettleKey) and
// the API. The context bounds start-up only.
func (n *Node) Start(ctx context.Context) error {
	n.ctx, n.cancel = context.WithCancel(context.Background())
	if err := n.connectChain(ctx); err != nil {
		return err
	}
	if err := n.reloadPending(); err != nil {
		return err
	}
	head, err := n.store.Head()
	if err != nil {
		return err
	}
	n.folded.Store(head.NextSeq)
	if err := n.joinNetwork(ctx); err != nil {
		return err
	}
	for _, sub := range n.subsystems {
		if err := sub.Start(ctx); err != nil {
			return err
		}
	}
	if err := n.newSettler(); err != nil {
		return err
	}
	follower, cursor, err := n.newFollower()
	if err != nil {
		return err
	}
	if n.apiLn, err = net.Listen("tcp", n.cfg.APIAddr); err != nil {
		return fmt.Errorf("node: api listen %s: %w", n.cfg.APIAddr, err)
	}
	n.api = newAPIServer(n.metrics.instrument(n.routes()), defaultAPILimits)
	if n.cfg.MetricsAddr != "" {
		if n.metricsLn, err = net.Listen("tcp", n.cfg.MetricsAddr); err != nil {
			return fmt.Errorf("node: metrics listen %s: %w", n.cfg.MetricsAddr, err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", n.metrics.Handler())
		n.metricsSrv = newAPIServer(mux, defaultAPILimits)
	}
	n.runLoops(follower, cursor)
	n.log.Info("node started", "api", n.APIURL(), "peer", n.host.ID().String(), "settler", n.submitter != nil)
	return nil
}

// connectChain connects to Ethereum (or takes Config.EthClient), checks
// the chain id, fixes the EIP-712 domain and binds the store to this
// chain and Anchor.
func (n *Node) connectChain(ctx context.Context) error {
	cfg := &n.cfg
	if cfg.EthClient != nil {
		n.eth = cfg.EthClient
	} else {
		c, err := chain.Dial(ctx, cfg.EthRPC)
		if err != nil {
			return err
		}
		n.eth, n.ownEth = c, true
	}
	chainID, err := n.eth.ChainID(ctx)
	if err != nil {
		return fmt.Errorf("node: chain id: %w", err)
	}
	if cfg.ChainID != 0 && cfg.ChainID != chainID {
		return fmt.Errorf("node: the Ethereum endpoint serves chain %d, the node is configured for %d", chainID, cfg.ChainID)
	}
	n.domain = ledger.NewDomain(chainID, cfg.Anchor)
	if err := n.store.Bind(binary.BigEndian.AppendUint64(cfg.Anchor[:], chainID)); err != nil {
		return fmt.Errorf("node: %w (chain %d, Anchor %s)", err, chainID, cfg.Anchor.Hex())
	}
	return nil
}

// joinNetwork starts the libp2p host with the node's identity and joins
// the transaction topic; peers that join it are handed the pending set
// (see rebroadcastLoop).
func (n *Node) joinNetwork(ctx context.Context) error {
	cfg := &n.cfg
	key := cfg.P2PKey
	if key == nil {
		var err error
		if cfg.InMemory {
			key, _, err = crypto.GenerateEd25519Key(cfg.Rand)
		} else {
			key, err = p2p.LoadOrCreateIdentity(filepath.Join(cfg.DataDir, "p2p.key"))
		}
		if err != nil {
			return fmt.Errorf("node: p2p identity: %w", err)
		}
	}
	var err error
	n.host, err = p2p.New(ctx, p2p.Config{Network: cfg.Network, ListenAddrs: cfg.P2PListen, Identity: key,
		Bootstrap: cfg.Bootstrap, RefusalBurst: cfg.RefusalBurst, RefusalRate: cfg.RefusalRate, Logger: n.log.With("sub", "p2p")})
	if err != nil {
		return err
	}
	n.metrics.host.Store(n.host)
	if n.txTopic, err = n.host.Topic(p2p.TxTopicName(cfg.Network), n.validateGossip); err != nil {
		return err
	}
	return n.txTopic.HandOver(n.handOver)
}

// newSettler makes the batch submitter of a node with a SettleKey.
func (n *Node) newSettler() error {
	cfg := &n.cfg
	if cfg.SettleKey == nil {
		return nil
	}
	var err error
	n.submitter, err = chain.NewSubmitter(chain.SubmitterConfig{Client: n.eth, Anchor: common.Address(cfg.Anchor),
		Key: cfg.SettleKey, StuckAfter: cfg.SettleStuckAfter, MaxBumps: cfg.SettleMaxBumps, MaxFeeCap: cfg.SettleMaxFeeCap,
		Logger: n.log.With("sub", "settler")})
	return err
}

// newFollower makes the chain follower (of the Vault too, with a bridge)
// and reads where it stopped.
func (n *Node) newFollower() (*chain.Follower, chain.Cursor, error) {
	cfg := &n.cfg
	fcfg := chain.FollowerConfig{Client: n.eth, Anchor: common.Address(cfg.Anchor),
		From: cfg.AnchorBlock, Confirmations: cfg.Confirmations, Finalized: cfg.Finalized, PollInterval: cfg.PollInterval,
		Logger: n.log.With("sub", "follower"), Progress: n.followProgress}
	if n.bridge.Enabled() {
		fcfg.Vault = common.Address(cfg.Vault)
	}
	follower, err := chain.NewFollower(fcfg)
	if err != nil {
		return nil, chain.Cursor{}, err
	}
	cursor, err := n.cursor()
	return follower, cursor, err
}

// runLoops starts the node's goroutines: rebroadcast, the API, the
// follower, the head loop and, on a settler, the settle loop.
func (n *Node) runLoops(follower *chain.Follower, cursor chain.Cursor) {
	n.wg.Add(4)
	go func() {
		defer n.wg.Done()
		n.rebroadcastLoop()
	}()
	go func() {
		defer n.wg.Done()
		if err := n.api.Serve(n.apiLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
			n.log.Error("api stopped", "err", err)
		}
	}()
	if n.metricsSrv != nil {
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			if err := n.metricsSrv.Serve(n.metricsLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
				n.log.Error("metrics server stopped", "err", err)
			}
		}()
	}
	go func() {
		defer n.wg.Done()
		n.followLoop(follower, cursor)
	}()
	go func() {
		defer n.wg.Done()
		n.headLoop()
	}()
	if n.submitter != nil {
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			n.settleLoop()
		}()
	}
}

// reloadPending rebuilds the pending view from the stored log, through the
// node's one verifier (verifier.pendingEntry).
func (n *Node) reloadPending() error {
	recs, corrupt, err := n.store.LoadPending()
	if err != nil {
		return err
	}
	if corrupt > 0 {
		n.log.Warn("skipped corrupt pending records", "count", corrupt)
	}
	return n.dropPending(n.pool.Load(n.poolEntries(recs, "dropping a pending record")))
}

// followLoop runs the chain follower and restarts it from the stored
// cursor after any failure (a flaky endpoint, a store error): folding is
// idempotent per sequence number. After a reorg — a block it folded was
// replaced, or the chain came back shorter — it first rolls the settled
// state back to the fork point. Only a reorg deeper than the undo data
// kept stops it for good, with the reason in the status.
func (n *Node) followLoop(f *chain.Follower, cursor chain.Cursor) {
	backoff := 50 * time.Millisecond
	for {
		n.metrics.scanned.Store(cursor.Block)
		err := f.Run(n.ctx, cursor, n.foldEvent)
		if n.ctx.Err() != nil {
			return
		}
		if errors.Is(err, chain.ErrReorg) {
			n.metrics.followerErrors.WithLabelValues(followReorg).Inc()
			n.log.Warn("chain follower: the chain reorganized below what the node folded; rolling back", "err", err)
			_, err = n.rollback(n.ctx)
			if n.ctx.Err() != nil {
				return
			}
			if err == nil {
				n.metrics.rollbacks.Inc()
				backoff = 50 * time.Millisecond
				n.setFollowErr(nil)
				cursor = n.storedCursor(cursor)
				continue
			}
			if errors.Is(err, store.ErrUndoWindow) {
				n.metrics.followerErrors.WithLabelValues(followUndoWindow).Inc()
				n.setFollowErr(err)
				n.log.Error("chain follower stopped", "err", err)
				return
			}
		}
		n.metrics.followerErrors.WithLabelValues(followError).Inc()
		n.setFollowErr(err)
		n.log.Warn("chain follower failed; restarting from the stored cursor", "err", err, "in", backoff)
		select {
		case <-n.ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 10*time.Second)
		cursor = n.storedCursor(cursor)
		n.setFollowErr(nil)
	}
}

// followProgress is told each range the follower scanned through.
func (n *Node) followProgress(_ context.Context, c chain.Cursor) error {
	n.metrics.scanned.Store(c.Block)
	return nil
}

func (n *Node) setFollowErr(err error) {
	n.mu.Lock()
	n.followErr = err
	n.mu.Unlock()
}

// cursor reads the follower's cursor from the store's head (the zero
// cursor when nothing was folded).
func (n *Node) cursor() (chain.Cursor, error) {
	head, err := n.store.Head()
	if err != nil {
		return chain.Cursor{}, err
	}
	var c chain.Cursor
	if len(head.Cursor) > 0 {
		if err := json.Unmarshal(head.Cursor, &c); err != nil {
			return chain.Cursor{}, fmt.Errorf("node: stored chain cursor: %w", err)
		}
	}
	return c, nil
}

// storedCursor is cursor, or old if the head is unreadable.
func (n *Node) storedCursor(old chain.Cursor) chain.Cursor {
	c, err := n.cursor()
	if err != nil {
		return old
	}
	return c
}

// headLoop keeps the chain head for status and expires transactions that
// waited on a nonce gap for too long.
func (n *Node) headLoop() {
	t := time.NewTicker(max(n.cfg.PollInterval, 100*time.Millisecond))
	defer t.Stop()
	for {
		if h, err := n.eth.BlockNumber(n.ctx); err == nil {
			n.mu.Lock()
			n.ethHead = h
			n.mu.Unlock()
			n.refreshHorizon(n.ctx, h)
		}
		if ids := n.pool.ExpireQueued(n.cfg.Clock(), n.cfg.QueueTTL); len(ids) > 0 {
			if err := n.dropPending(ids); err != nil {
				n.log.Warn("storing expired pending transactions", "err", err)
			}
		}
		select {
		case <-n.ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Close stops the node. Safe to call twice.
func (n *Node) Close() error {
	var err error
	n.once.Do(func() {
		if n.cancel != nil {
			n.cancel()
		}
		for _, srv := range []*http.Server{n.api, n.metricsSrv} {
			if srv != nil {
				ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
				srv.Shutdown(ctx)
				cancel()
			}
		}
		n.events.close()
		for i := len(n.subsystems) - 1; i >= 0; i-- {
			n.subsystems[i].Stop()
		}
		n.wg.Wait()
		if n.host != nil {
			err = errors.Join(err, n.host.Close())
		}
		if n.ownEth && n.eth != nil {
			n.eth.Close()
		}
		err = errors.Join(err, n.store.Close())
	})
	return err
}

// APIURL is the HTTP API's base URL.
func (n *Node) APIURL() string {
	if n.apiLn == nil {
		return ""
	}
	return "http://" + n.apiLn.Addr().String()
}

// MetricsURL is the URL of GET /metrics on Config.MetricsAddr's listener,
// or "" when there is none (the API serves it too: APIURL()+"/metrics").
func (n *Node) MetricsURL() string {
	if n.metricsLn == nil {
		return ""
	}
	return "http://" + n.metricsLn.Addr().String() + "/metrics"
}

// APIToken is the token for authorized calls.
func (n *Node) APIToken() string { return n.cfg.APIToken }

// PeerID is the libp2p peer id.
func (n *Node) PeerID() string { return n.host.ID().String() }

// Multiaddrs are the node's full libp2p addresses.
func (n *Node) Multiaddrs() []string { return n.host.Addrs() }

// GossipStats are the p2p host's counters (messages validated, dropped
// for their size or their peer's spent refusal budget, ...); zero before
// Start.
func (n *Node) GossipStats() p2p.Stats {
	if n.host == nil {
		return p2p.Stats{}
	}
	return n.host.Stats()
}

// Domain is the EIP-712 domain the node validates against.
func (n *Node) Domain() ledger.Domain { return n.domain }

// Store exposes the node's store (read-only use).
func (n *Node) Store() *store.Store { return n.store }

// Pool exposes the pending pool (read-only use).
func (n *Node) Pool() *pool.Pool { return n.pool }

// Status reports the node's view.
func (n *Node) Status() (api.NodeStatus, error) {
	head, err := n.store.Head()
	if err != nil {
		return api.NodeStatus{}, err
	}
	s := api.NodeStatus{Network: n.cfg.Network, PeerID: n.host.ID().String(), Peers: n.host.Peers(),
		SettledRoot: head.StateRoot, Pending: n.pool.Len(), ChainID: n.domain.ChainID, Anchor: n.cfg.Anchor.Hex(),
		SettledSeq: head.SettledSeq()}
	if n.submitter != nil {
		s.Settler = n.submitter.From().Hex()
	}
	if n.bridge.Enabled() {
		s.Vault = n.bridge.Vault().Hex()
		if a := n.bridge.Attester(); !a.IsZero() {
			s.Attester = a.Hex()
		}
		s.Disagreement = n.bridge.Disagreement()
	}
	n.mu.Lock()
	s.EthBlock = n.ethHead
	if n.followErr != nil {
		s.Error = n.followErr.Error()
	}
	n.mu.Unlock()
	return s, nil
}
