package p2p

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/libp2p/go-libp2p"
	pubsub "github.com/libp2p/go-libp2p-pubsub"
	pb "github.com/libp2p/go-libp2p-pubsub/pb"
	"github.com/libp2p/go-libp2p/core/event"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/peerstore"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-libp2p/p2p/host/eventbus"
	rcmgr "github.com/libp2p/go-libp2p/p2p/host/resource-manager"
	"github.com/libp2p/go-libp2p/p2p/muxer/yamux"
	"github.com/libp2p/go-libp2p/p2p/net/connmgr"
	"github.com/libp2p/go-libp2p/p2p/net/swarm"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	quic "github.com/libp2p/go-libp2p/p2p/transport/quic"
	tcp "github.com/libp2p/go-libp2p/p2p/transport/tcp"
	ma "github.com/multiformats/go-multiaddr"
)

// Bootstrap reconnection: the first attempt is immediate, failures back off
// exponentially from BootstrapMinBackoff to BootstrapMaxBackoff (with ±25%
// jitter); a connected bootstrap peer is re-checked on every disconnect
// event and at least every bootstrapCheckInterval.
const (
	BootstrapMinBackoff    = 500 * time.Millisecond
	BootstrapMaxBackoff    = time.Minute
	bootstrapDialTimeout   = 15 * time.Second
	bootstrapCheckInterval = 30 * time.Second
)

// Gossip pipeline sizing. Messages are small (hundreds of bytes) and come
// in bursts of thousands a second.
const (
	// validateQueueSize is the number of received messages waiting for the
	// validation workers before new ones are dropped (default 32).
	validateQueueSize = 8192
	// validatorConcurrency bounds validator goroutines per topic; beyond it
	// messages are dropped unpunished (pubsub's "throttled").
	validatorConcurrency = 2048
	// validatorTimeout bounds a validator call (its ctx is cancelled).
	validatorTimeout = 10 * time.Second
	// outboundQueueSize is the number of RPCs queued per peer before
	// further ones to that peer are dropped (default 32).
	outboundQueueSize = 2048
	// deliveryBuffer is the buffer of the internal subscription's channel.
	deliveryBuffer = 1024
	// userAgent is announced through identify.
	userAgent = "anonex"
)

// Host is a libp2p host with anonex gossip topics. Create it with New and
// release it with Close. Its methods are safe for concurrent use.
type Host struct {
	s   *settings
	log *slog.Logger
	h   host.Host
	ps  *pubsub.PubSub
	tr  *tracer

	budgets        *budgets                   // every peer's refusal budget (budget.go)
	sizeRejected   atomic.Uint64              // received payloads rejected for their size
	budgetDropped  atomic.Uint64              // received messages dropped unvalidated: their peer's budget was spent
	validated      atomic.Uint64              // received messages that reached a validator
	verdicts       [NumVerdicts]atomic.Uint64 // received messages by their validator's verdict
	directRejected atomic.Uint64              // direct sends refused (SendDirect)

	// ctx lives until Close; it bounds pubsub and every goroutine we start.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex
	topics map[string]*Topic
	closed bool

	closeOnce sync.Once
	closeErr  error
}

// messageID is the gossip message ID: SHA-256 of the payload. Identical
// payloads are the same message, whoever publishes them and on whichever
// topic.
func messageID(m *pb.Message) string {
	sum := sha256.Sum256(m.Data)
	return string(sum[:])
}

// New starts a host: it listens on cfg.ListenAddrs (TCP and QUIC v1, Noise,
// Yamux, a resource manager with libp2p's auto-scaled default limits, a
// connection manager with cfg.ConnLow/ConnHigh), starts gossipsub (unsigned
// and authorless messages, message ID = SHA-256 of the payload, peer
// scoring) and begins connecting to cfg.Bootstrap in the background,
// retrying until Close.
//
// ctx bounds construction only; the Host lives until Close. Errors are
// configuration errors (see errors.go) or failures to listen.
func New(ctx context.Context, cfg Config) (*Host, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s, err := cfg.settings()
	if err != nil {
		return nil, err
	}

	limits := rcmgr.DefaultLimits
	libp2p.SetDefaultServiceLimits(&limits)
	rm, err := rcmgr.NewResourceManager(rcmgr.NewFixedLimiter(limits.AutoScale()))
	if err != nil {
		return nil, fmt.Errorf("p2p: resource manager: %w", err)
	}
	cm, err := connmgr.NewConnManager(s.connLow, s.connHigh, connmgr.WithGracePeriod(time.Minute))
	if err != nil {
		rm.Close()
		return nil, fmt.Errorf("%w: connection manager: %v", ErrBadConfig, err)
	}

	lh, err := libp2p.New(
		libp2p.Identity(s.identity),
		libp2p.ListenAddrs(s.listen...),
		// No SO_REUSEPORT: with it a second node configured with the same
		// TCP port starts "successfully" and the kernel splits incoming
		// connections between the two.
		libp2p.Transport(tcp.NewTCPTransport, tcp.DisableReuseport()),
		libp2p.Transport(quic.NewTransport),
		libp2p.Security(noise.ID, noise.New),
		libp2p.Muxer(yamux.ID, yamux.DefaultTransport),
		libp2p.ResourceManager(rm),
		libp2p.ConnectionManager(cm),
		libp2p.UserAgent(userAgent),
		// The node exports its own anonex_ metrics; libp2p's would also
		// collide between several hosts in one process.
		libp2p.DisableMetrics(),
	)
	if err != nil {
		rm.Close()
		cm.Close()
		return nil, fmt.Errorf("p2p: start libp2p: %w", err)
	}

	// libp2p succeeds when any one listen address works; we want all.
	if missing := unboundListenAddrs(s.listen, lh.Network().ListenAddresses()); len(missing) > 0 {
		lh.Close()
		return nil, fmt.Errorf("%w: %v (port in use?)", ErrListen, missing)
	}

	hctx, cancel := context.WithCancel(context.Background())
	h := &Host{
		s:       s,
		log:     s.logger,
		h:       lh,
		tr:      newTracer(),
		budgets: newBudgets(s.refBurst, s.refRate, time.Now),
		ctx:     hctx,
		cancel:  cancel,
		topics:  map[string]*Topic{},
	}

	params := pubsub.DefaultGossipSubParams()
	if s.heartbeat > 0 {
		params.HeartbeatInterval = s.heartbeat
		params.HeartbeatInitialDelay = s.heartbeat / 10
	}
	ps, err := pubsub.NewGossipSub(hctx, lh,
		pubsub.WithGossipSubProtocols([]protocol.ID{gossipProtocol}, gossipFeatures),
		pubsub.WithGossipSubParams(params),
		pubsub.WithMessageSignaturePolicy(pubsub.StrictNoSign),
		pubsub.WithNoAuthor(),
		pubsub.WithMessageIdFn(messageID),
		pubsub.WithMaxMessageSize(s.maxMsgSize+wireOverhead),
		pubsub.WithPeerScore(peerScoreParams(h.budgets.score), peerScoreThresholds()),
		pubsub.WithAppSpecificRpcInspector(h.inspectRPC),
		pubsub.WithPeerScoreInspect(pubsub.PeerScoreInspectFn(h.tr.setScores), scoreInspectPeriod(s.heartbeat)),
		pubsub.WithPeerExchange(true),
		pubsub.WithFloodPublish(true),
		pubsub.WithValidateQueueSize(validateQueueSize),
		pubsub.WithPeerOutboundQueueSize(outboundQueueSize),
		pubsub.WithRawTracer(h.tr),
		pubsub.WithLogger(slog.New(quietHandler{s.logger.Handler()}).With("component", "pubsub")),
	)
	if err != nil {
		cancel()
		lh.Close()
		return nil, fmt.Errorf("p2p: start gossipsub: %w", err)
	}
	h.ps = ps

	if err := h.startBootstrap(); err != nil {
		cancel()
		lh.Close()
		return nil, err
	}
	h.wg.Add(1)
	go h.sweepBudgets()
	h.log.Info("p2p host started", "peer", lh.ID().String(), "addrs", h.Addrs(), "network", s.network)
	return h, nil
}

// Stats are counters for monitoring; all but Peers count since New.
type Stats struct {
	// Peers is the number of connected peers.
	Peers int
	// DroppedRPCs counts outbound gossip RPCs dropped because a peer's
	// queue (2048 RPCs) was full: publishing faster than a peer reads.
	DroppedRPCs uint64
	// ThrottledMessages counts received messages dropped unvalidated
	// because the validation queue or the validator concurrency limit was
	// full.
	ThrottledMessages uint64
	// Validated counts received messages (not this host's own publishes)
	// that reached a topic's validator; Verdicts splits them by the
	// validator's verdict (indexed by Verdict: Accept, Ignore, Refuse,
	// Reject; a validator that panicked counts as Ignore).
	Validated uint64
	Verdicts  [NumVerdicts]uint64
	// OversizeRejected counts received payloads rejected for their size
	// (empty or above MaxMessageSize) before reaching a validator.
	OversizeRejected uint64
	// BudgetDropped counts received messages dropped unvalidated because
	// the peer that relayed them had spent its refusal budget.
	BudgetDropped uint64
	// BudgetPeers is the number of peers whose refusal budget is not
	// full (or that still carry its score penalty).
	BudgetPeers int
	// DirectRejected counts direct sends (Topic.SendDirect) refused for
	// a payload no honest peer sends; their senders were disconnected.
	DirectRejected uint64
}

func (h *Host) verdictCounts() (out [NumVerdicts]uint64) {
	for i := range out {
		out[i] = h.verdicts[i].Load()
	}
	return out
}

// Stats returns the host's counters.
func (h *Host) Stats() Stats {
	return Stats{
		Peers:             h.Peers(),
		DroppedRPCs:       h.tr.droppedRPCs.Load(),
		ThrottledMessages: h.tr.throttled.Load(),
		Validated:         h.validated.Load(),
		Verdicts:          h.verdictCounts(),
		OversizeRejected:  h.sizeRejected.Load(),
		BudgetDropped:     h.budgetDropped.Load(),
		BudgetPeers:       h.budgets.len(),
		DirectRejected:    h.directRejected.Load(),
	}
}

// PeerBudget is p's refusal budget on this host (see Config.RefusalBurst);
// a peer never refused has a full one.
func (h *Host) PeerBudget(p peer.ID) PeerBudget { return h.budgets.state(p) }

// inspectRPC runs in pubsub's event loop on every RPC received, before
// anything else looks at it. A peer whose refusal budget is spent has its
// messages dropped there, before the seen cache (so another peer's copy of
// one of them is still new), the validation queue and the validators; its
// IHAVE announcements go too, or this host would ask it again (IWANT) for
// the very messages it drops. The rest of its control messages
// (subscriptions, mesh maintenance, IWANT) pass.
func (h *Host) inspectRPC(from peer.ID, rpc *pubsub.RPC) error {
	n := len(rpc.Publish)
	ihave := rpc.Control != nil && len(rpc.Control.Ihave) > 0
	if (n > 0 || ihave) && !h.budgets.allow(from, n) {
		h.budgetDropped.Add(uint64(n))
		rpc.Publish = nil
		if ihave {
			rpc.Control.Ihave = nil
		}
	}
	return nil
}

// sweepBudgets forgets, every budgetSweepInterval, the refusal budgets
// that equal a fresh one, so only recently refused peers take memory.
func (h *Host) sweepBudgets() {
	defer h.wg.Done()
	t := time.NewTicker(budgetSweepInterval)
	defer t.Stop()
	for {
		select {
		case <-h.ctx.Done():
			return
		case <-t.C:
			h.budgets.sweep()
		}
	}
}

// PeerScore is this host's gossip score of a peer (see score.go) as of
// the last inspection, at most a second old; ok is false for a peer it
// does not score (never connected, or forgotten). A peer below
// GraylistThreshold has all its gossip ignored.
func (h *Host) PeerScore(p peer.ID) (score float64, ok bool) { return h.tr.score(p) }

// ID is the host's peer ID (derived from Config.Identity).
func (h *Host) ID() peer.ID { return h.h.ID() }

// Addrs returns the host's dialable addresses as full multiaddrs ending in
// /p2p/<id>, with listen ports resolved to the ports actually bound; give
// them to other nodes as Bootstrap entries or to Connect.
func (h *Host) Addrs() []string {
	addrs := h.h.Addrs()
	if len(addrs) == 0 {
		addrs, _ = h.h.Network().InterfaceListenAddresses()
	}
	p2pPart, err := ma.NewMultiaddr("/p2p/" + h.h.ID().String())
	if err != nil {
		return nil
	}
	out := make([]string, 0, len(addrs))
	for _, a := range addrs {
		out = append(out, a.Encapsulate(p2pPart).String())
	}
	return out
}

// Peers is the number of peers with an open connection.
func (h *Host) Peers() int { return len(h.h.Network().Peers()) }

// Connect dials a full multiaddr ending in /p2p/<id> and returns once the
// connection is established (or ctx ends, or Close is called). It returns
// nil at once when already connected. Unlike bootstrap peers, such a peer
// is not redialled when the connection drops.
func (h *Host) Connect(ctx context.Context, addr string) error {
	ai, err := parseDialAddr(addr)
	if err != nil {
		return err
	}
	if ai.ID == h.h.ID() {
		return fmt.Errorf("%w: %q", ErrSelfDial, addr)
	}
	if h.isClosed() {
		return ErrClosed
	}
	if h.h.Network().Connectedness(ai.ID) == network.Connected {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(h.ctx, cancel)
	defer stop()
	// An explicit request must not be refused by the swarm's dial backoff
	// (seconds to minutes after a failed dial).
	h.clearDialBackoff(ai.ID)
	if err := h.h.Connect(ctx, *ai); err != nil {
		if h.isClosed() {
			return ErrClosed
		}
		return fmt.Errorf("p2p: connect %s: %w", ai.ID, err)
	}
	return nil
}

func (h *Host) isClosed() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.closed
}

// Close leaves every topic, stops the bootstrap loops and gossipsub, and
// closes the libp2p host (listeners, connections, resource and connection
// managers). It waits for the goroutines it started. Calling it again
// returns the first result.
func (h *Host) Close() error {
	h.closeOnce.Do(func() {
		h.mu.Lock()
		h.closed = true
		topics := make([]*Topic, 0, len(h.topics))
		for _, t := range h.topics {
			topics = append(topics, t)
		}
		h.mu.Unlock()

		var errs []error
		// Leave topics while gossipsub still runs, so peers get PRUNE and
		// unsubscribe messages and repair their meshes promptly.
		for _, t := range topics {
			h.h.RemoveStreamHandler(directProtocol(t.name))
			if t.joins != nil {
				t.joins.Cancel()
			}
			t.sub.Cancel()
			if err := t.t.Close(); err != nil {
				errs = append(errs, fmt.Errorf("p2p: leave %s: %w", t.name, err))
			}
		}
		h.cancel()
		h.wg.Wait()
		if err := h.h.Close(); err != nil {
			errs = append(errs, fmt.Errorf("p2p: close host: %w", err))
		}
		h.closeErr = errors.Join(errs...)
		h.log.Info("p2p host closed", "peer", h.h.ID().String())
	})
	return h.closeErr
}

// startBootstrap protects the bootstrap peers from connection trimming and
// starts one reconnect loop per peer, woken by connectedness events.
func (h *Host) startBootstrap() error {
	if len(h.s.bootstrap) == 0 {
		return nil
	}
	sub, err := h.h.EventBus().Subscribe(new(event.EvtPeerConnectednessChanged), eventbus.BufSize(256))
	if err != nil {
		return fmt.Errorf("p2p: subscribe to connection events: %w", err)
	}
	wake := make(map[peer.ID]chan struct{}, len(h.s.bootstrap))
	for _, ai := range h.s.bootstrap {
		h.h.Peerstore().AddAddrs(ai.ID, ai.Addrs, peerstore.PermanentAddrTTL)
		h.h.ConnManager().Protect(ai.ID, "anonex-bootstrap")
		wake[ai.ID] = make(chan struct{}, 1)
	}

	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		defer sub.Close()
		for {
			select {
			case <-h.ctx.Done():
				return
			case e, ok := <-sub.Out():
				if !ok {
					return
				}
				ev := e.(event.EvtPeerConnectednessChanged)
				if c, ok := wake[ev.Peer]; ok {
					select {
					case c <- struct{}{}:
					default:
					}
				}
			}
		}
	}()

	for _, ai := range h.s.bootstrap {
		h.wg.Add(1)
		go h.keepConnected(ai, wake[ai.ID])
	}
	return nil
}

// keepConnected dials ai whenever it is not connected, backing off
// exponentially between failed attempts.
func (h *Host) keepConnected(ai peer.AddrInfo, wake <-chan struct{}) {
	defer h.wg.Done()
	log := h.log.With("bootstrap", ai.ID.String())
	backoff := BootstrapMinBackoff
	nextDial := time.Now()
	failures := 0
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-h.ctx.Done():
			return
		case <-timer.C:
		case <-wake:
		}
		if h.h.Network().Connectedness(ai.ID) == network.Connected {
			backoff, nextDial, failures = BootstrapMinBackoff, time.Now(), 0
			timer.Reset(bootstrapCheckInterval)
			continue
		}
		if wait := time.Until(nextDial); wait > 0 {
			timer.Reset(wait)
			continue
		}
		err := h.dialBootstrap(ai)
		if h.ctx.Err() != nil {
			return
		}
		if err == nil {
			log.Info("connected to bootstrap peer", "after_failures", failures)
			backoff, nextDial, failures = BootstrapMinBackoff, time.Now(), 0
			timer.Reset(bootstrapCheckInterval)
			continue
		}
		failures++
		wait := jitter(backoff)
		nextDial = time.Now().Add(wait)
		backoff = min(2*backoff, BootstrapMaxBackoff)
		lvl := slog.LevelDebug
		if failures == 1 || failures%10 == 0 {
			lvl = slog.LevelWarn
		}
		log.Log(h.ctx, lvl, "bootstrap peer unreachable", "failures", failures, "retry_in", wait.Round(time.Millisecond), "err", err)
		timer.Reset(wait)
	}
}

func (h *Host) dialBootstrap(ai peer.AddrInfo) error {
	// Keep the configured addresses even if the peerstore expired them
	// after a long disconnection.
	h.h.Peerstore().AddAddrs(ai.ID, ai.Addrs, peerstore.PermanentAddrTTL)
	ctx, cancel := context.WithTimeout(h.ctx, bootstrapDialTimeout)
	defer cancel()
	// Our own backoff governs retries, not the swarm's.
	h.clearDialBackoff(ai.ID)
	return h.h.Connect(ctx, ai)
}

// clearDialBackoff forgets the swarm's per-address backoff for p (which
// starts at 5 s after a failed dial and grows to minutes), so that a
// restarted peer is reached on our schedule. (network.WithForceDirectDial
// would also skip it, but in go-libp2p v0.51 it can panic with a nil
// transport when a dial races with Close.)
func (h *Host) clearDialBackoff(p peer.ID) {
	if sw, ok := h.h.Network().(interface{ Backoff() *swarm.DialBackoff }); ok {
		sw.Backoff().Clear(p)
	}
}

// jitter spreads d by ±25%.
func jitter(d time.Duration) time.Duration {
	return d*3/4 + rand.N(d/2+1)
}

// unboundListenAddrs returns the configured listen addresses with no bound
// counterpart (same protocols and values, any port for a configured port 0).
func unboundListenAddrs(want, bound []ma.Multiaddr) []string {
	var missing []string
	for _, w := range want {
		found := false
		for _, b := range bound {
			if listenMatches(w, b) {
				found = true
				break
			}
		}
		if !found {
			missing = append(missing, w.String())
		}
	}
	return missing
}

func listenMatches(want, bound ma.Multiaddr) bool {
	if len(want) != len(bound) {
		return false
	}
	for i := range want {
		w, b := &want[i], &bound[i]
		if w.Code() != b.Code() {
			return false
		}
		if w.Value() == b.Value() {
			continue
		}
		if (w.Code() == ma.P_TCP || w.Code() == ma.P_UDP) && w.Value() == "0" {
			continue
		}
		return false
	}
	return true
}
