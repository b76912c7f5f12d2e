package node

import (
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"runtime/debug"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/chain"
	"github.com/anonex/anonex/ledger"
	"github.com/anonex/anonex/ledger/store"
	"github.com/anonex/anonex/node/pool"
	"github.com/anonex/anonex/node/route"
	"github.com/anonex/anonex/p2p"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// The node's Prometheus metrics (GET /metrics; docs/operations.md lists
// them). Rules every metric keeps, which TestMetricsMoveWithTraffic
// checks on a real scrape:
//
//   - every name starts with anonex_ (the Go runtime's and the process's
//     too: go_… and process_… become anonex_go_… and anonex_process_…);
//   - base units, named in the suffix: _seconds, _bytes, _blocks; a
//     counter ends in _total;
//   - a label takes a small, fixed set of values (a route pattern, an
//     error code, a verdict, a kind): never an address, a peer id, a
//     transaction id or anything else a client chooses.
//
// Each node has a registry of its own: tests run many nodes in one
// process, and nothing is registered globally.

// Ingest sources: how a transaction reached the pending view.
const (
	sourceSubmit = "submit" // Node.Submit: POST /v1/txs and the node's own services
	sourceGossip = "gossip" // a peer relayed it
	sourceBulk   = "bulk"   // IngestRaw and IngestStream
)

// Status label values of a receipt or a card payment: the API's
// statuses of a folded transaction.
const (
	statusOK     = string(api.TxSettled)
	statusFailed = string(api.TxFailed)
)

type metrics struct {
	reg *prometheus.Registry

	admitted *prometheus.CounterVec // source
	known    *prometheus.CounterVec // source
	refused  *prometheus.CounterVec // source, reason
	// bySource are admitted's and known's series of each source, looked
	// up once: the bulk path counts every transaction.
	bySource map[string]sourceCounters

	foldBatches  *prometheus.CounterVec // result
	foldBytes    prometheus.Counter
	foldReceipts *prometheus.CounterVec // kind, status
	foldSkipped  prometheus.Counter
	foldInvalid  prometheus.Counter
	foldSeconds  prometheus.Histogram
	cardPayments *prometheus.CounterVec // mode, status

	posted         prometheus.Counter
	postedTxs      prometheus.Counter
	postedBytes    prometheus.Counter
	gasUsed        prometheus.Counter
	submitSeconds  prometheus.Histogram
	submitFailures *prometheus.CounterVec // error

	followerErrors *prometheus.CounterVec // kind
	rollbacks      prometheus.Counter
	// scanned is the last block the follower scanned through (every event
	// up to it is folded).
	scanned atomic.Uint64
	// host is the gossip host once Start made it.
	host atomic.Pointer[p2p.Host]

	apiRequests *prometheus.CounterVec   // route, code
	apiSeconds  *prometheus.HistogramVec // route
}

// cardModes names the card record modes for the mode label; a ConvertPay
// (an online card payment converted at payment time) is "convert".
var cardModes = map[uint8]string{ledger.CardModeOffline: "offline", ledger.CardModeOnline: "online", ledger.CardModeToCard: "to_card"}

const modeConvert = "convert"

// Kinds of follower failure (anonex_follower_errors_total).
const (
	followReorg      = "reorg"       // the chain reorganized below what was folded (a rollback follows)
	followUndoWindow = "undo_window" // ... deeper than the undo data: the follower stopped
	followError      = "error"       // anything else (an endpoint, the store): retried with backoff
)

func newMetrics(n *Node) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	counter := func(name, help string) prometheus.Counter {
		c := prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
		m.reg.MustRegister(c)
		return c
	}
	counterVec := func(name, help string, labels ...string) *prometheus.CounterVec {
		c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
		m.reg.MustRegister(c)
		return c
	}
	histogram := func(name, help string, buckets []float64) prometheus.Histogram {
		h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: name, Help: help, Buckets: buckets})
		m.reg.MustRegister(h)
		return h
	}

	m.admitted = counterVec("anonex_ingest_admitted_total", "Transactions the pending pool took (pending or queued on a nonce gap), by how they came.", "source")
	m.known = counterVec("anonex_ingest_known_total", "Transactions that came again: already pending or settled here.", "source")
	m.refused = counterVec("anonex_ingest_refused_total", "Transactions refused, by how they came and the API error code of the refusal.", "source", "reason")
	m.bySource = map[string]sourceCounters{}
	for _, s := range []string{sourceSubmit, sourceGossip, sourceBulk} {
		m.bySource[s] = sourceCounters{admitted: m.admitted.WithLabelValues(s), known: m.known.WithLabelValues(s)}
	}

	m.foldBatches = counterVec("anonex_fold_batches_total", "Anchored batches folded into the settled state; result junk: it did not decode and changed nothing.", "result")
	m.foldBatches.WithLabelValues("folded")
	m.foldBatches.WithLabelValues("junk")
	m.foldBytes = counter("anonex_fold_batch_bytes_total", "Bytes of batch data (compressed, as posted) folded.")
	m.foldReceipts = counterVec("anonex_fold_receipts_total", "Transactions settled by folded batches, by kind and receipt status (settled or failed).", "kind", "status")
	m.foldSkipped = counter("anonex_fold_skipped_transactions_total", "Usable transactions of folded batches that got no receipt (they stay pending).")
	m.foldInvalid = counter("anonex_fold_invalid_transactions_total", "Transactions of folded batches that could not be used (bad signature, undecodable).")
	m.foldSeconds = histogram("anonex_fold_duration_seconds", "Time to fold one batch: decode, verify, apply, commit.", prometheus.ExponentialBuckets(0.001, 2, 14))
	m.cardPayments = counterVec("anonex_card_payments_total", "Card payments settled by folded batches, by mode (offline, online, to_card; "+
		"convert: a ConvertPay) and receipt status; the card-to-card records a record carried and applied count as to_card, settled.", "mode", "status")
	for _, mode := range append(slices.Collect(maps.Values(cardModes)), modeConvert) {
		m.cardPayments.WithLabelValues(mode, statusOK)
		m.cardPayments.WithLabelValues(mode, statusFailed)
	}

	m.posted = counter("anonex_settler_batches_total", "Batches this node posted to the Anchor and saw mined.")
	m.postedTxs = counter("anonex_settler_transactions_total", "Transactions in the batches this node posted.")
	m.postedBytes = counter("anonex_settler_batch_bytes_total", "Bytes of batch data this node posted.")
	m.gasUsed = counter("anonex_settler_gas_used_total", "Gas used by this node's batch transactions (from their receipts).")
	m.submitSeconds = histogram("anonex_settler_submit_duration_seconds", "Time from posting a batch to its receipt, replacements included.", prometheus.ExponentialBuckets(0.01, 2, 14))
	m.submitFailures = counterVec("anonex_settler_failures_total", "Batch submissions that failed (error stuck: every replacement failed; error: anything else); the batch's transactions are posted again.", "error")
	m.submitFailures.WithLabelValues("stuck")
	m.submitFailures.WithLabelValues("error")

	m.followerErrors = counterVec("anonex_follower_errors_total", "Chain follower failures, by kind (reorg, undo_window, error).", "kind")
	for _, k := range []string{followReorg, followUndoWindow, followError} {
		m.followerErrors.WithLabelValues(k)
	}
	m.rollbacks = counter("anonex_rollbacks_total", "Rollbacks of the settled state after a reorg of the chain.")

	m.apiRequests = counterVec("anonex_api_requests_total", "HTTP API requests answered, by route pattern and HTTP status code.", "route", "code")
	m.apiSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "anonex_api_request_duration_seconds",
		Help: "Time to answer an HTTP API request, by route pattern (an event stream: how long it stayed open).", Buckets: prometheus.DefBuckets}, []string{"route"})
	m.reg.MustRegister(m.apiSeconds)

	m.reg.MustRegister(stateCollector{n})
	m.reg.MustRegister(buildInfo())
	runtime := prometheus.WrapRegistererWithPrefix("anonex_", m.reg)
	runtime.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// buildInfo is anonex_build_info: 1, with the module version and the Go
// version as labels.
func buildInfo() prometheus.Collector {
	version, goVersion := "unknown", "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		version, goVersion = bi.Main.Version, bi.GoVersion
	}
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "anonex_build_info", Help: "The anonex build: 1, with its version and Go version as labels.",
		ConstLabels: prometheus.Labels{"version": version, "go_version": goVersion}})
	g.Set(1)
	return g
}

// Handler serves the node's metrics in Prometheus' exposition format.
func (m *metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// Registry is the node's metrics registry (for tests, and for a program
// that embeds a node and serves its metrics itself).
func (n *Node) Registry() *prometheus.Registry { return n.metrics.reg }

type sourceCounters struct{ admitted, known prometheus.Counter }

// ingested counts one admission's outcome.
func (m *metrics) ingested(source string, a *admission) {
	switch {
	case a.err == nil && a.res == pool.Known, errors.Is(a.err, ledger.ErrRecordApplied):
		m.bySource[source].known.Inc()
	case a.err == nil:
		m.bySource[source].admitted.Inc()
	default:
		m.refusedBy(source, a.err)
	}
}

// refusedBy counts a refusal under its API error code: the code a client
// would be answered with, a small fixed set.
func (m *metrics) refusedBy(source string, err error) {
	m.refused.WithLabelValues(source, string(route.Classify(err).Code)).Inc()
}

// folded counts a batch the node folded: res is nil for a junk batch.
func (m *metrics) folded(rec *store.BatchRecord, res *ledger.FoldResult, verified []*ledger.Verified, took time.Duration) {
	m.foldBytes.Add(float64(rec.Bytes))
	if res == nil {
		m.foldBatches.WithLabelValues("junk").Inc()
		return
	}
	m.foldBatches.WithLabelValues("folded").Inc()
	m.foldSkipped.Add(float64(rec.Skipped))
	m.foldInvalid.Add(float64(rec.Invalid))
	m.foldSeconds.Observe(took.Seconds())
	byID := make(map[ledger.Hash]*ledger.Verified, len(verified))
	for _, v := range verified {
		byID[v.ID] = v
	}
	for i := range res.Receipts {
		r := &res.Receipts[i]
		status := statusOK
		if r.Status != ledger.StatusOK {
			status = statusFailed
		}
		m.foldReceipts.WithLabelValues(r.Kind.String(), status).Inc()
		v := byID[r.TxID]
		if v == nil {
			continue
		}
		switch p := v.Tx.Payload.(type) {
		case *ledger.CardPayment:
			if mode, ok := cardModes[p.Mode]; ok {
				m.cardPayments.WithLabelValues(mode, status).Inc()
			}
			m.cardPayments.WithLabelValues(cardModes[ledger.CardModeToCard], statusOK).Add(float64(len(r.Attached)))
		case *ledger.ConvertPay:
			m.cardPayments.WithLabelValues(modeConvert, status).Inc()
		}
	}
}

// postedBatch counts a batch this node's settler posted.
func (m *metrics) postedBatch(res chain.SubmitResult, txs int, took time.Duration) {
	m.posted.Inc()
	m.postedTxs.Add(float64(txs))
	m.postedBytes.Add(float64(res.DataLen))
	m.gasUsed.Add(float64(res.GasUsed))
	m.submitSeconds.Observe(took.Seconds())
}

func (m *metrics) submitFailed(err error) {
	kind := "error"
	if errors.Is(err, chain.ErrStuck) {
		kind = "stuck"
	}
	m.submitFailures.WithLabelValues(kind).Inc()
}

// instrument counts and times every request h answers, by the pattern
// that matched it (http.ServeMux sets Request.Pattern; a request refused
// before routing, for its size, is "unrouted").
func (m *metrics) instrument(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(sw, r)
		pattern := r.Pattern
		if pattern == "" {
			pattern = "unrouted"
		}
		code := sw.status
		if code == 0 {
			code = http.StatusOK
		}
		m.apiRequests.WithLabelValues(pattern, strconv.Itoa(code)).Inc()
		m.apiSeconds.WithLabelValues(pattern).Observe(time.Since(start).Seconds())
	})
}

// statusWriter remembers the status of an answer. Unwrap lets
// http.ResponseController reach the connection (the event stream flushes
// and moves its write deadline through it).
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// stateCollector reads the node's state at each scrape: the pending pool,
// the settled head, the chain head and the follower, the gossip host.
type stateCollector struct{ n *Node }

var (
	descPending        = prometheus.NewDesc("anonex_pending_transactions", "Transactions in the pending pool (pending, queued on a nonce gap, or in flight in a batch).", nil, nil)
	descSettledSeq     = prometheus.NewDesc("anonex_settled_seq", "Sequence number of the last batch folded into the settled state (absent until one is).", nil, nil)
	descSettledBlock   = prometheus.NewDesc("anonex_settled_block", "Ethereum block of the last chain event folded into the settled state.", nil, nil)
	descChainHead      = prometheus.NewDesc("anonex_chain_head_block", "The Ethereum endpoint's head block, as the node last saw it.", nil, nil)
	descFollowerBlock  = prometheus.NewDesc("anonex_follower_block", "The last block the chain follower scanned through: every event up to it is folded.", nil, nil)
	descFollowerLag    = prometheus.NewDesc("anonex_follower_lag_blocks", "Chain head minus the follower's block: at least the confirmations the node waits for.", nil, nil)
	descFollowerUp     = prometheus.NewDesc("anonex_follower_up", "1 while the chain follower runs without error, 0 while it fails or has stopped (GET /v1/status says why).", nil, nil)
	descPeers          = prometheus.NewDesc("anonex_p2p_peers", "Connected libp2p peers.", nil, nil)
	descGossipVerdicts = prometheus.NewDesc("anonex_gossip_messages_total", "Gossip messages received from peers that reached a validator, by its verdict (accept, ignore, refuse, reject).", []string{"verdict"}, nil)
	descGossipOversize = prometheus.NewDesc("anonex_gossip_oversize_rejected_total", "Gossip messages rejected for their size before validation.", nil, nil)
	descGossipBudget   = prometheus.NewDesc("anonex_gossip_budget_dropped_total", "Gossip messages dropped unvalidated: the relaying peer had spent its refusal budget.", nil, nil)
	descGossipThrottle = prometheus.NewDesc("anonex_gossip_throttled_total", "Gossip messages dropped unvalidated: the validation queue was full.", nil, nil)
	descGossipDropped  = prometheus.NewDesc("anonex_gossip_dropped_rpcs_total", "Outbound gossip RPCs dropped: a peer's queue was full.", nil, nil)
	descGossipDirect   = prometheus.NewDesc("anonex_gossip_direct_rejected_total", "Direct sends refused (their senders were disconnected).", nil, nil)
	descBudgetPeers    = prometheus.NewDesc("anonex_gossip_budget_peers", "Peers whose refusal budget is not full.", nil, nil)
)

func (c stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descPending, descSettledSeq, descSettledBlock, descChainHead, descFollowerBlock, descFollowerLag,
		descFollowerUp, descPeers, descGossipVerdicts, descGossipOversize, descGossipBudget, descGossipThrottle, descGossipDropped,
		descGossipDirect, descBudgetPeers} {
		ch <- d
	}
}

func (c stateCollector) Collect(ch chan<- prometheus.Metric) {
	n := c.n
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	count := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge(descPending, float64(n.pool.Len()))
	var settledBlock uint64
	if head, err := n.store.Head(); err == nil {
		if seq := head.SettledSeq(); seq != nil {
			gauge(descSettledSeq, float64(*seq))
		}
		var cur chain.Cursor
		if len(head.Cursor) > 0 && json.Unmarshal(head.Cursor, &cur) == nil {
			settledBlock = cur.Block
			gauge(descSettledBlock, float64(cur.Block))
		}
	}
	host := n.metrics.host.Load()
	if host == nil {
		return // not started
	}
	n.mu.Lock()
	ethHead, followErr := n.ethHead, n.followErr
	n.mu.Unlock()
	scanned := n.metrics.scanned.Load()
	// The head loop polls the head; the follower may have seen a later
	// one since.
	ethHead = max(ethHead, scanned, settledBlock)
	gauge(descChainHead, float64(ethHead))
	gauge(descFollowerBlock, float64(scanned))
	gauge(descFollowerLag, float64(ethHead-min(scanned, ethHead)))
	up := 1.0
	if followErr != nil {
		up = 0
	}
	gauge(descFollowerUp, up)

	st := host.Stats()
	gauge(descPeers, float64(st.Peers))
	for v := p2p.Accept; v < p2p.NumVerdicts; v++ {
		count(descGossipVerdicts, st.Verdicts[v], v.String())
	}
	count(descGossipOversize, st.OversizeRejected)
	count(descGossipBudget, st.BudgetDropped)
	count(descGossipThrottle, st.ThrottledMessages)
	count(descGossipDropped, st.DroppedRPCs)
	count(descGossipDirect, st.DirectRejected)
	gauge(descBudgetPeers, float64(st.BudgetPeers))
}
