package node_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/client"
	"github.com/anonex/anonex/ledger"
	"github.com/anonex/anonex/p2p"
	"github.com/holiman/uint256"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape is one scrape of a node's /metrics, parsed.
type scrape map[string]*dto.MetricFamily

func scrapeURL(t *testing.T, url string) scrape {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("GET %s: Content-Type %q, want Prometheus' text format", url, ct)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: the answer does not parse as the exposition format: %v", url, err)
	}
	return fams
}

// value is the sum of the series of family name whose labels include
// labels (name, value, name, value, ...), a histogram's by its count; ok
// is false when there is none.
func (s scrape) value(name string, labels ...string) (float64, bool) {
	f := s[name]
	if f == nil {
		return 0, false
	}
	var sum float64
	found := false
next:
	for _, m := range f.Metric {
		for i := 0; i+1 < len(labels); i += 2 {
			has := false
			for _, l := range m.Label {
				has = has || (l.GetName() == labels[i] && l.GetValue() == labels[i+1])
			}
			if !has {
				continue next
			}
		}
		found = true
		switch {
		case m.Counter != nil:
			sum += m.Counter.GetValue()
		case m.Gauge != nil:
			sum += m.Gauge.GetValue()
		case m.Histogram != nil:
			sum += float64(m.Histogram.GetSampleCount())
		case m.Untyped != nil:
			sum += m.Untyped.GetValue()
		}
	}
	return sum, found
}

func (s scrape) must(t *testing.T, name string, labels ...string) float64 {
	t.Helper()
	v, ok := s.value(name, labels...)
	if !ok {
		t.Fatalf("no series %s%v in the scrape", name, labels)
	}
	return v
}

var (
	hexAddress = regexp.MustCompile(`(?i)0x[0-9a-f]{40}`)
	hexHash    = regexp.MustCompile(`(?i)(0x)?[0-9a-f]{64}`)
	// libp2p peer ids: base58 multihashes of an Ed25519 (12D3Koo…) or an
	// RSA/secp256k1 key (Qm…, 16Uiu2…).
	peerID      = regexp.MustCompile(`\b(12D3Koo|Qm[1-9A-HJ-NP-Za-km-z]{44}|16Uiu2)`)
	nonBaseUnit = regexp.MustCompile(`_(milliseconds|microseconds|nanoseconds|ms|us|ns|minutes|hours|days|kilobytes|megabytes|gigabytes|kb|mb|gb|bits)(_|$)`)
)

// checkNaming checks the rules of node/metrics.go on every family of a
// scrape: anonex_ names, _total on counters and only on them, base
// units, and no label value that names an account, a transaction or a
// peer (peers are the node ids that must not show up).
func checkNaming(t *testing.T, s scrape, peers ...string) {
	t.Helper()
	if len(s) < 30 {
		t.Fatalf("only %d metric families", len(s))
	}
	for name, f := range s {
		if !strings.HasPrefix(name, "anonex_") {
			t.Errorf("%s: every metric name starts with anonex_", name)
		}
		isCounter := f.GetType() == dto.MetricType_COUNTER
		if isCounter != strings.HasSuffix(name, "_total") {
			t.Errorf("%s is a %s: a counter's name ends in _total, and only a counter's", name, f.GetType())
		}
		if nonBaseUnit.MatchString(name) {
			t.Errorf("%s: use base units (seconds, bytes)", name)
		}
		for _, m := range f.Metric {
			for _, l := range m.Label {
				v := l.GetValue()
				bad := hexAddress.MatchString(v) || hexHash.MatchString(v) || peerID.MatchString(v)
				for _, p := range peers {
					bad = bad || strings.Contains(v, p)
				}
				if bad {
					t.Errorf("%s{%s=%q}: a label value names an account, a transaction or a peer", name, l.GetName(), v)
				}
			}
		}
	}
}

// TestMetricsMoveWithTraffic scrapes two real nodes — node 0 settles and
// runs the card issuer, node 1 serves its metrics on a listener of its
// own — before and after transfers, a refused and a repeated submission,
// and card payments offline and online, and checks that the metrics moved
// with what happened, that they keep the naming rules, and that every
// metric docs/grafana-dashboard.json queries is in the scrape.
func TestMetricsMoveWithTraffic(t *testing.T) {
	c := newCluster(t, 2)
	issuer, owner, merchant, cardW := newWallet(t, 900), newWallet(t, 901), newWallet(t, 902), newWallet(t, 903)
	holders := []*wallet{newWallet(t, 904), newWallet(t, 905)}
	c.stop(1)
	c.stop(0)
	c.cfgs[0].IssuerKey = issuer.key
	c.cfgs[1].MetricsAddr = "127.0.0.1:0"
	c.start(0)
	c.start(1)
	n0, n1 := c.nodes[0], c.nodes[1]
	if n1.MetricsURL() == "" || n0.MetricsURL() != "" {
		t.Fatalf("metrics listeners: node 0 %q, node 1 %q", n0.MetricsURL(), n1.MetricsURL())
	}
	peers := []string{n0.PeerID(), n1.PeerID()}
	before0 := scrapeURL(t, n0.APIURL()+"/metrics")
	before1 := scrapeURL(t, n1.MetricsURL())
	checkNaming(t, before0, peers...)

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	dom := n0.Domain()
	cl0 := client.New(n0.APIURL(), n0.APIToken())

	// The issuer registers a card; assets go to the holders and the card.
	issueTx, eur := issuer.issue(t, dom, "EUR", 1_000_000)
	submit(t, n0, issueTx)
	card := cardW.key.Address()
	consent := ledger.CardConsent{Card: card, Issuer: issuer.key.Address(), Owner: owner.key.Address()}
	sig, err := cardW.key.Sign(dom.Digest(consent.StructHash()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl0.RegisterCard(ctx, card, owner.key.Address(), ledger.Sig(sig)); err != nil {
		t.Fatal(err)
	}
	issuer.nonce = 2 // the issue, then the registration the issuer node signed
	for _, h := range holders {
		submit(t, n0, issuer.transfer(t, dom, h, eur, 10_000))
	}
	load := submit(t, n0, issuer.transfer(t, dom, cardW, eur, 5000))
	waitStatus(t, c.nodes, load, api.TxSettled, 30*time.Second)

	// Transfers, through the HTTP API of node 0.
	const transfers = 6
	var last ledger.Hash
	var lastTx *ledger.Tx
	for i := 0; i < transfers; i++ {
		lastTx = holders[i%2].transfer(t, dom, holders[(i+1)%2], eur, uint64(10+i))
		res, err := cl0.Submit(ctx, lastTx)
		if err != nil {
			t.Fatal(err)
		}
		last = res.ID
	}
	// The same again (known), and one beyond the balance (refused).
	if _, err := cl0.Submit(ctx, lastTx); err != nil {
		t.Fatalf("resubmission: %v", err)
	}
	var apiErr *api.Error
	over := holders[0].transfer(t, dom, holders[1], eur, 1_000_000)
	if _, err := cl0.Submit(ctx, over); !errors.As(err, &apiErr) || apiErr.Code != api.CodeInsufficientFunds {
		t.Fatalf("overspend: %v", err)
	}
	holders[0].nonce--
	// Card payments: one offline, one online.
	record := func(counter, amount uint64, mode uint8) *ledger.Tx {
		return cardW.sign(t, dom, &ledger.CardPayment{CardRecord: ledger.CardRecord{Card: card, Asset: eur, Amount: *uint256.NewInt(amount),
			Payee: merchant.key.Address(), Counter: counter, Challenge: ledger.Hash{byte(counter)}, Mode: mode}})
	}
	offline := submit(t, n0, record(1, 300, ledger.CardModeOffline))
	online := submit(t, n0, record(2, 200, ledger.CardModeOnline))
	for _, id := range []ledger.Hash{last, offline, online} {
		waitStatus(t, c.nodes, id, api.TxSettled, 30*time.Second)
	}

	// Quiet: nothing pending, both nodes at the same head.
	for deadline := time.Now().Add(30 * time.Second); n0.Pool().Len()+n1.Pool().Len() > 0 ||
		settledHead(t, n0).NextSeq != settledHead(t, n1).NextSeq; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("still pending: %d and %d", n0.Pool().Len(), n1.Pool().Len())
		}
	}
	quiet := settledHead(t, n0)
	after0 := scrapeURL(t, n0.APIURL()+"/metrics")
	gossipBefore := n1.GossipStats()
	after1 := scrapeURL(t, n1.MetricsURL())
	gossipAfter := n1.GossipStats()
	// The API listener of node 1 serves the same registry.
	viaAPI1 := scrapeURL(t, n1.APIURL()+"/metrics")
	for _, s := range []scrape{after0, after1, viaAPI1} {
		checkNaming(t, s, peers...)
	}

	grew := func(name string, before, after scrape, by float64, labels ...string) {
		t.Helper()
		b, _ := before.value(name, labels...)
		a := after.must(t, name, labels...)
		if a-b < by {
			t.Errorf("%s%v went from %v to %v, want a rise of at least %v", name, labels, b, a, by)
		}
	}
	// Ingest: every transfer, the issue, the loads, the card records and
	// the registration the issuer signed came through Submit on node 0,
	// each once; node 1 took them by gossip, but for any it folded before
	// a copy reached it.
	admitted := float64(1 + len(holders) + 1 + transfers + 2 + 1)
	exactly := func(name string, before, after scrape, want float64, labels ...string) {
		t.Helper()
		b, _ := before.value(name, labels...)
		if a := after.must(t, name, labels...); a-b != want {
			t.Errorf("%s%v went from %v to %v, want a rise of %v", name, labels, b, a, want)
		}
	}
	exactly("anonex_ingest_admitted_total", before0, after0, admitted, "source", "submit")
	exactly("anonex_ingest_known_total", before0, after0, 1, "source", "submit")
	exactly("anonex_ingest_refused_total", before0, after0, 1, "source", "submit", "reason", string(api.CodeInsufficientFunds))
	exactly("anonex_ingest_refused_total", before0, after0, 1, "source", "submit")
	exactly("anonex_ingest_admitted_total", before1, after1, 0, "source", "submit")
	grew("anonex_ingest_admitted_total", before1, after1, 1, "source", "gossip")
	if b, a := before1.must(t, "anonex_ingest_admitted_total", "source", "gossip"), after1.must(t, "anonex_ingest_admitted_total", "source", "gossip"); a-b > admitted {
		t.Errorf("node 1 admitted %v transactions by gossip; %v were sent", a-b, admitted)
	}
	// The verdicts are the p2p host's counters, read at the scrape. (How
	// many messages came by pubsub rather than handed over directly when
	// node 1 joined depends on when its mesh formed.)
	for v := p2p.Accept; v < p2p.NumVerdicts; v++ {
		got := after1.must(t, "anonex_gossip_messages_total", "verdict", v.String())
		if got < float64(gossipBefore.Verdicts[v]) || got > float64(gossipAfter.Verdicts[v]) {
			t.Errorf("anonex_gossip_messages_total{verdict=%q} %v; the host counted %d, then %d", v, got, gossipBefore.Verdicts[v], gossipAfter.Verdicts[v])
		}
	}
	if v := after0.must(t, "anonex_pending_transactions"); v != 0 {
		t.Errorf("anonex_pending_transactions %v, the pool is empty", v)
	}

	// The fold: both nodes settled the same batches. (The settler may
	// still post a batch whose transactions all settled already: it folds
	// with every one skipped, so the head may move on under the scrape.)
	for i, s := range []scrape{after0, after1} {
		if seq := s.must(t, "anonex_settled_seq"); seq < float64(quiet.NextSeq-1) || seq > float64(settledHead(t, n0).NextSeq-1) {
			t.Errorf("node %d: anonex_settled_seq %v, the store's head %d", i, seq, quiet.NextSeq-1)
		}
		if s.must(t, "anonex_chain_head_block") < s.must(t, "anonex_settled_block") || s.must(t, "anonex_settled_block") == 0 {
			t.Errorf("node %d: settled block %v, head %v", i, s.must(t, "anonex_settled_block"), s.must(t, "anonex_chain_head_block"))
		}
		if s.must(t, "anonex_follower_up") != 1 {
			t.Errorf("node %d: the follower is not up", i)
		}
		// The devnet's chain settles at 0 confirmations and seals a block
		// per transaction: the follower is near the head.
		if lag := s.must(t, "anonex_follower_lag_blocks"); lag > 20 {
			t.Errorf("node %d: follower lag %v blocks", i, lag)
		}
		if s.must(t, "anonex_p2p_peers") < 1 {
			t.Errorf("node %d: no peers", i)
		}
	}
	if _, ok := before0.value("anonex_settled_seq"); ok {
		grew("anonex_settled_seq", before0, after0, 1)
	}
	for i, pair := range [][2]scrape{{before0, after0}, {before1, after1}} {
		b, a := pair[0], pair[1]
		grew("anonex_fold_batches_total", b, a, 1, "result", "folded")
		grew("anonex_fold_batch_bytes_total", b, a, 100)
		grew("anonex_fold_receipts_total", b, a, float64(transfers+len(holders)+1), "kind", "Transfer", "status", string(api.TxSettled))
		grew("anonex_fold_duration_seconds", b, a, 1)
		grew("anonex_card_payments_total", b, a, 1, "mode", "offline", "status", string(api.TxSettled))
		grew("anonex_card_payments_total", b, a, 1, "mode", "online", "status", string(api.TxSettled))
		if v := a.must(t, "anonex_card_payments_total", "mode", "to_card", "status", string(api.TxSettled)); v != 0 {
			t.Errorf("node %d: %v card-to-card payments, none was made", i, v)
		}
	}
	// Only node 0 settles: it posted the batches and paid their gas.
	grew("anonex_settler_batches_total", before0, after0, 1)
	grew("anonex_settler_gas_used_total", before0, after0, 21_000)
	grew("anonex_settler_batch_bytes_total", before0, after0, 100)
	grew("anonex_settler_transactions_total", before0, after0, admitted)
	if v := after1.must(t, "anonex_settler_batches_total"); v != 0 {
		t.Errorf("node 1 posted %v batches; it has no settlement key", v)
	}
	// The API counted its requests by route pattern, never by path.
	grew("anonex_api_requests_total", before0, after0, transfers+2, "route", "POST /v1/txs")
	grew("anonex_api_requests_total", before0, after0, 1, "route", "POST /v1/txs", "code", "422")
	grew("anonex_api_requests_total", before0, after0, 1, "route", "GET /metrics", "code", "200")

	t.Run("dashboard", func(t *testing.T) { checkDashboard(t, after0) })
}

// checkDashboard: every metric docs/grafana-dashboard.json queries (in a
// panel or a variable) is in a real scrape (a histogram's _bucket, _sum and _count series are its
// family's), and the dashboard is a Grafana dashboard with panels.
func checkDashboard(t *testing.T, s scrape) {
	b, err := os.ReadFile("../docs/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Title  string `json:"title"`
		UID    string `json:"uid"`
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
		Templating struct {
			List []struct {
				Name       string `json:"name"`
				Definition string `json:"definition"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("docs/grafana-dashboard.json: %v", err)
	}
	if dash.Title == "" || dash.UID == "" || len(dash.Panels) < 8 {
		t.Fatalf("docs/grafana-dashboard.json: title %q, uid %q, %d panels", dash.Title, dash.UID, len(dash.Panels))
	}
	name := regexp.MustCompile(`\banonex_[a-z0-9_]+`)
	queried := map[string]bool{}
	for _, p := range dash.Panels {
		exprs := 0
		for _, tg := range p.Targets {
			for _, m := range name.FindAllString(tg.Expr, -1) {
				queried[m] = true
				exprs++
			}
		}
		if exprs == 0 && len(p.Targets) > 0 {
			t.Errorf("panel %q queries no anonex metric", p.Title)
		}
	}
	for _, v := range dash.Templating.List {
		for _, m := range name.FindAllString(v.Definition, -1) {
			queried[m] = true
		}
	}
	if len(queried) < 10 {
		t.Fatalf("the dashboard queries only %d metrics", len(queried))
	}
	var missing []string
	for m := range queried {
		fam := m
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			if base, ok := strings.CutSuffix(m, suffix); ok && s[base] != nil && s[base].GetType() == dto.MetricType_HISTOGRAM {
				fam = base
			}
		}
		if s[fam] == nil {
			missing = append(missing, m)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Fatalf("the dashboard queries metrics no node exports: %s", strings.Join(missing, ", "))
	}
}
