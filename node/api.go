package node

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/anonex/anonex/account/names"
	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/docs"
	"github.com/anonex/anonex/ledger"
	"github.com/anonex/anonex/node/route"
	"github.com/anonex/anonex/web"
	"github.com/holiman/uint256"
)

// apiLimits are the API server's limits against slow and greedy clients.
type apiLimits struct {
	// ReadHeader bounds reading a request's headers; Read the whole
	// request, body included (a client trickling a body is cut off).
	ReadHeader, Read time.Duration
	// Write bounds writing a response. The event stream extends its
	// deadline by Write before each event it sends instead.
	Write time.Duration
	// Idle is how long a kept-alive connection may wait for its next
	// request.
	Idle time.Duration
	// Body bounds every request body (413 too_large beyond).
	Body int64
	// StreamsPerClient caps the open /v1/events streams of one client
	// address (429 too_many_streams beyond); KeepAlive is how often an
	// idle stream is sent a comment, so a dead client is noticed.
	StreamsPerClient int
	KeepAlive        time.Duration
}

var defaultAPILimits = apiLimits{
	ReadHeader: 10 * time.Second, Read: 30 * time.Second, Write: 30 * time.Second, Idle: 120 * time.Second,
	Body: route.MaxBody, StreamsPerClient: 8, KeepAlive: 15 * time.Second,
}

// newAPIServer is the node's HTTP server with the limits l.
func newAPIServer(h http.Handler, l apiLimits) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: l.ReadHeader, ReadTimeout: l.Read, WriteTimeout: l.Write,
		IdleTimeout: l.Idle, MaxHeaderBytes: 64 << 10}
}

func (n *Node) routes() http.Handler { return n.routesWith(defaultAPILimits) }

// routesWith is the API with limits lim: the node's own routes (status, the protocol's
// types, accounts, assets, transactions, batches, proofs, events) and
// each subsystem's.
func (n *Node) routesWith(lim apiLimits) http.Handler { return n.mux(lim).Handler() }

// mux mounts every route of the API.
func (n *Node) mux(lim apiLimits) *route.Mux {
	m := route.NewMux(n.cfg.APIToken, lim.Body)
	streams := newStreamLimiter(lim.StreamsPerClient)
	m.Handle("GET /v1/status", func(r *http.Request) (any, error) { return n.Status() })
	m.Handle("GET /v1/eip712", n.apiEIP712)
	m.Handle("GET /v1/accounts", n.apiAccounts)
	m.Handle("GET /v1/accounts/{q}", n.apiAccount)
	m.Handle("GET /v1/assets", n.apiAssets)
	m.Handle("GET /v1/assets/{q}", n.apiAsset)
	m.Handle("POST /v1/txs", func(r *http.Request) (any, error) {
		if err := n.limiter.Check(r); err != nil {
			return nil, err
		}
		return n.apiSubmit(r)
	})
	m.Handle("GET /v1/txs/{id}", n.apiTx)
	m.Handle("GET /v1/batches/{seq}", n.apiBatch)
	m.Handle("GET /v1/proofs/{account}/{asset}", n.apiProof)
	m.Handle("GET /v1/evidence", func(*http.Request) (any, error) { return n.evidence(), nil })
	m.Stream("GET /v1/events", func(w http.ResponseWriter, r *http.Request) { n.apiEvents(w, r, lim, streams) })
	m.Stream("GET /metrics", n.metrics.Handler().ServeHTTP)
	m.Stream("GET /v1/openapi.yaml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/yaml")
		w.Write(docs.OpenAPI)
	})
	m.Authorized("POST /v1/admin/flush", func(*http.Request) (any, error) {
		if n.submitter == nil {
			return nil, api.Errorf(api.CodeNotASettler, "this node has no settlement key")
		}
		n.Flush()
		return api.FlushResult{Flushed: true}, nil
	})
	m.Authorized("POST /v1/admin/backup", func(r *http.Request) (any, error) {
		var req api.BackupRequest
		if err := route.Decode(r, &req); err != nil {
			return nil, err
		}
		return n.Backup(req.Dir)
	})
	for _, sub := range n.subsystems {
		sub.Routes(m)
	}
	if n.cfg.Readers != nil {
		n.cfg.Readers.Routes(m)
	} else {
		none := func(*http.Request) (any, error) {
			return nil, api.Errorf(api.CodeNoReaders, "this node serves no card readers: start it with --readers on the machine the readers are on (anonex devnet's first node does)")
		}
		m.Authorized("GET /v1/readers", none)
		m.Authorized("GET /v1/readers/{rest...}", none)
		m.Authorized("POST /v1/readers/{rest...}", none)
		m.Authorized("GET /v1/terminal", none)
		m.Authorized("GET /v1/terminal/{rest...}", none)
		m.Authorized("POST /v1/terminal/{rest...}", none)
	}
	// The web app (docs/web.md) on every other GET path.
	m.App(web.Handler())
	return m
}

func (n *Node) apiEIP712(r *http.Request) (any, error) {
	q, err := route.Query(r, "type", "rpc")
	if err != nil {
		return nil, err
	}
	name, rpc := q["type"], q["rpc"]
	if rpc != "" && rpc != api.RPCSignTypedDataV4 {
		return nil, api.Errorf(api.CodeMalformed, "rpc=%q: the one value is %s", rpc, api.RPCSignTypedDataV4)
	}
	if name == "" {
		if rpc != "" {
			return nil, api.Errorf(api.CodeMalformed, "rpc needs a type (GET /v1/eip712?type=Transfer&rpc=%s)", api.RPCSignTypedDataV4)
		}
		return api.EIP712Info{Domain: ledger.DomainJSON(n.domain), Types: ledger.Types()}, nil
	}
	return n.EIP712Type(name, rpc == api.RPCSignTypedDataV4)
}

// EIP712Type answers GET /v1/eip712?type=name (withDomain: with
// rpc=eth_signTypedData_v4).
func (n *Node) EIP712Type(name string, withDomain bool) (api.EIP712Type, error) {
	types, ok := ledger.TypesFor(name)
	if !ok {
		return api.EIP712Type{}, api.Errorf(api.CodeUnknownType, "the protocol signs no type %q (type names are case-sensitive): %s",
			name, strings.Join(ledger.SignedTypes(), ", "))
	}
	domain := n.domain
	if name == ledger.AttestationType {
		// Attesters sign under the Vault's domain.
		if n.cfg.Vault.IsZero() {
			return api.EIP712Type{}, api.Errorf(api.CodeNoVault, "attestations are signed under the Vault's domain, and this node follows no Vault")
		}
		domain = ledger.NewDomain(n.domain.ChainID, n.cfg.Vault)
	}
	if withDomain {
		types["EIP712Domain"] = ledger.DomainFields
	}
	return api.EIP712Type{Domain: ledger.DomainJSON(domain), PrimaryType: name, Types: types}, nil
}

func (n *Node) apiSubmit(r *http.Request) (any, error) {
	var req api.SubmitRequest
	if err := route.Decode(r, &req); err != nil {
		return nil, err
	}
	return n.Submit(r.Context(), req.Tx)
}

func (n *Node) apiTx(r *http.Request) (any, error) {
	id, err := route.Hash(r, "id")
	if err != nil {
		return nil, err
	}
	return n.TxStatus(id)
}

// TxStatus reports what the node knows of a transaction.
func (n *Node) TxStatus(id ledger.Hash) (api.TxInfo, error) {
	if rec, ok, err := n.store.Tx(id); err != nil {
		return api.TxInfo{}, err
	} else if ok {
		seq := rec.Seq
		return api.TxInfo{ID: id, Status: settledStatus(rec), BatchSeq: &seq, Reason: rec.Reason.String(), Kind: rec.Kind.String()}, nil
	}
	st, ok := n.pool.Status(id)
	if !ok {
		reason, stored, err := n.store.Rejected(id)
		if err != nil {
			return api.TxInfo{}, err
		}
		if !stored {
			return api.TxInfo{}, api.Errorf(api.CodeUnknownTx, "no transaction %s is known to this node", id.Hex())
		}
		st.Rejected = reason
	}
	info := api.TxInfo{ID: id}
	switch {
	case st.Rejected != "":
		info.Status, info.Reason = api.TxRejected, st.Rejected
	case st.Anchored:
		seq := st.Seq
		info.Status, info.BatchSeq = api.TxAnchored, &seq
	case st.Queued:
		info.Status, info.Reason = api.TxQueued, "waiting for an earlier nonce"
	default:
		info.Status = api.TxPending
	}
	return info, nil
}

func (n *Node) apiBatch(r *http.Request) (any, error) {
	seq, err := strconv.ParseUint(r.PathValue("seq"), 10, 64)
	if err != nil {
		return nil, api.Errorf(api.CodeMalformed, "batch seq must be a number")
	}
	b, ok, err := n.store.Batch(seq)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, api.Errorf(api.CodeUnknownBatch, "batch %d is not folded here", seq)
	}
	// The same fields: a change to the record that api.Batch misses does
	// not compile.
	return api.Batch(b), nil
}

func assetInfo(a *ledger.Asset, pending bool) api.AssetInfo {
	return api.AssetInfo{ID: a.ID, Symbol: a.Symbol, Decimals: a.Decimals, Currency: a.Currency, Issuer: a.Issuer,
		Supply: ledger.FormatAmount(&a.Supply, a.Decimals), Metadata: a.Metadata, Pending: pending, Token: a.Token}
}

// assets lists settled assets and those only in the pending view.
func (n *Node) assets() ([]api.AssetInfo, error) {
	settled, err := n.store.Assets()
	if err != nil {
		return nil, err
	}
	seen := map[ledger.Hash]bool{}
	var out []api.AssetInfo
	for _, a := range settled {
		seen[a.ID] = true
		out = append(out, assetInfo(a, false))
	}
	n.pool.View(func(v *ledger.Overlay) {
		for _, a := range v.PendingAssets() {
			if !seen[a.ID] {
				out = append(out, assetInfo(a, true))
			}
		}
	})
	sort.Slice(out, func(i, j int) bool {
		if out[i].Symbol != out[j].Symbol {
			return out[i].Symbol < out[j].Symbol
		}
		return out[i].ID.Hex() < out[j].ID.Hex()
	})
	return out, nil
}

func (n *Node) apiAssets(*http.Request) (any, error) { return n.assets() }

func (n *Node) apiAsset(r *http.Request) (any, error) { return n.ResolveAsset(r.PathValue("q")) }

// ResolveAsset finds an asset by id or by a symbol that names exactly one.
func (n *Node) ResolveAsset(q string) (api.AssetInfo, error) {
	all, err := n.assets()
	if err != nil {
		return api.AssetInfo{}, err
	}
	var matches []api.AssetInfo
	for _, a := range all {
		if a.ID.Hex() == strings.ToLower(q) || a.Symbol == q {
			matches = append(matches, a)
		}
	}
	switch len(matches) {
	case 1:
		return matches[0], nil
	case 0:
		return api.AssetInfo{}, api.Errorf(api.CodeUnknownAsset, "no asset is named %q (GET /v1/assets lists them)", q)
	}
	e := api.Errorf(api.CodeAmbiguous, "symbol %q names %d assets; use an asset id", q, len(matches))
	for _, a := range matches {
		e.Candidates = append(e.Candidates, api.Candidate{ID: a.ID.Hex(), Symbol: a.Symbol, Address: a.Issuer.Hex()})
	}
	return api.AssetInfo{}, e
}

func (n *Node) apiAccount(r *http.Request) (any, error) {
	addr, err := n.ResolveAccount(r.PathValue("q"))
	if err != nil {
		return nil, err
	}
	return n.Account(addr)
}

// Account reports an account's settled and pending state.
func (n *Node) Account(addr ledger.Address) (api.AccountInfo, error) {
	info := api.AccountInfo{Address: addr, Name: names.Name(addr), Conflicted: n.pool.Conflicted(addr)}
	settledRaw, err := n.store.Balances(addr)
	if err != nil {
		return info, err
	}
	sv, err := n.store.State().Get(ledger.StateKeyAccount(addr))
	if err != nil {
		return info, err
	}
	if acc := ledger.DecodeAccount(sv); acc.Exists {
		info.SettledNonce, info.Number = acc.Nonce, &acc.Number
	}
	settled := map[ledger.Hash]*uint256.Int{}
	for id, v := range settledRaw {
		settled[id] = new(uint256.Int).SetBytes(v)
	}
	pending := map[ledger.Hash]*uint256.Int{}
	assets := map[ledger.Hash]*ledger.Asset{}
	n.pool.View(func(v *ledger.Overlay) {
		info.Nonce = v.Account(addr).Nonce
		pending = v.PendingBalances(addr)
		for id := range settled {
			if a, ok := v.Asset(id); ok {
				assets[id] = a
			}
		}
		for id := range pending {
			if a, ok := v.Asset(id); ok {
				assets[id] = a
			}
		}
	})
	for id, a := range assets {
		s, p := settled[id], pending[id]
		if s == nil {
			s = new(uint256.Int)
		}
		if p == nil {
			p = s
		}
		if s.IsZero() && p.IsZero() {
			continue
		}
		info.Balances = append(info.Balances, api.Balance{Asset: id, Symbol: a.Symbol, Decimals: a.Decimals,
			Settled: ledger.FormatAmount(s, a.Decimals), Pending: ledger.FormatAmount(p, a.Decimals),
			SettledUnits: s.Dec(), PendingUnits: p.Dec()})
	}
	sort.Slice(info.Balances, func(i, j int) bool { return info.Balances[i].Symbol < info.Balances[j].Symbol })
	if info.Balances == nil {
		info.Balances = []api.Balance{}
	}
	return info, nil
}

func (n *Node) apiAccounts(r *http.Request) (any, error) {
	q, err := route.Query(r, "from", "limit")
	if err != nil {
		return nil, err
	}
	var from, limit uint64 = 0, api.DefaultAccountPage
	if v, ok := q["from"]; ok {
		if from, err = strconv.ParseUint(v, 10, 64); err != nil {
			return nil, api.Errorf(api.CodeMalformed, "from=%q: an account number", v)
		}
	}
	if v, ok := q["limit"]; ok {
		if limit, err = strconv.ParseUint(v, 10, 64); err != nil || limit == 0 || limit > api.MaxAccountPage {
			return nil, api.Errorf(api.CodeMalformed, "limit=%q: 1 to %d", v, api.MaxAccountPage)
		}
	}
	return n.Accounts(from, limit)
}

// Accounts lists the settled accounts numbered from on, up to limit of
// them. Numbers never change once given, so pages read at different
// times fit together.
func (n *Node) Accounts(from, limit uint64) (api.AccountList, error) {
	st := ledger.NewOverlay(n.store.State())
	out := api.AccountList{Count: st.AccountCount(), Accounts: []api.NumberedAccount{}}
	for i := from; i < out.Count && uint64(len(out.Accounts)) < limit; i++ {
		a, ok := st.AccountByNumber(i)
		if !ok {
			return out, fmt.Errorf("node: the settled state numbers %d accounts but has no account %d", out.Count, i)
		}
		out.Accounts = append(out.Accounts, api.NumberedAccount{Number: i, Address: a, Name: names.Name(a)})
	}
	return out, st.Err()
}

// ResolveAccount finds an account by address, full name or unique name
// prefix. A name that matches several accounts is refused with them all.
func (n *Node) ResolveAccount(q string) (ledger.Address, error) {
	if strings.HasPrefix(q, "0x") || strings.HasPrefix(q, "0X") {
		a, err := ledger.ParseAddress(q)
		if err != nil {
			return a, api.Errorf(api.CodeMalformed, "%v", err)
		}
		return a, nil
	}
	found, err := n.store.AccountsByName(q, 11)
	if err != nil {
		return ledger.Address{}, err
	}
	uniq := map[ledger.Address]bool{}
	for _, a := range found {
		uniq[a] = true
	}
	n.pool.View(func(v *ledger.Overlay) {
		for _, a := range v.PendingAccounts() {
			if strings.HasPrefix(names.Name(a), q) {
				uniq[a] = true
			}
		}
	})
	switch len(uniq) {
	case 0:
		return ledger.Address{}, api.Errorf(api.CodeUnknownAccount, "no account is named %q", q)
	case 1:
		for a := range uniq {
			return a, nil
		}
	}
	e := api.Errorf(api.CodeAmbiguous, "%q matches %d accounts; use more of the name or the address", q, len(uniq))
	for a := range uniq {
		e.Candidates = append(e.Candidates, api.Candidate{Name: names.Name(a), Address: a.Hex()})
	}
	sort.Slice(e.Candidates, func(i, j int) bool { return e.Candidates[i].Name < e.Candidates[j].Name })
	return ledger.Address{}, e
}

func (n *Node) apiProof(r *http.Request) (any, error) {
	addr, err := n.ResolveAccount(r.PathValue("account"))
	if err != nil {
		return nil, err
	}
	asset, err := n.ResolveAsset(r.PathValue("asset"))
	if err != nil {
		return nil, err
	}
	// One snapshot: the head, the value and the proof are of one commit.
	snap, err := n.store.Snapshot()
	if err != nil {
		return nil, err
	}
	defer snap.Close()
	head, err := snap.Head()
	if err != nil {
		return nil, err
	}
	key := ledger.StateKeyBalance(addr, asset.ID)
	val, err := snap.Get(key)
	if err != nil {
		return nil, err
	}
	proof, err := ledger.NewTree(snap.Tree()).Prove(key)
	if err != nil {
		return nil, err
	}
	out := &api.ProofInfo{Account: addr, Asset: asset.ID, Units: new(uint256.Int).SetBytes(val).Dec(), Key: "0x" + hex.EncodeToString(key),
		Value: "0x" + hex.EncodeToString(val), StateRoot: head.StateRoot, Proof: proof, Seq: head.SettledSeq()}
	return out, nil
}

// apiEvents streams events as Server-Sent Events. The stream outlives the
// server's timeouts: net/http lifts the read deadline once the request is
// read (it then only watches for the client going away), and the stream
// pushes its write deadline forward before each write, so only a client
// that stops reading is cut off.
func (n *Node) apiEvents(w http.ResponseWriter, r *http.Request, lim apiLimits, streams *streamLimiter) {
	ip := route.ClientIP(r)
	if !streams.acquire(ip) {
		route.Fail(w, r, api.Errorf(api.CodeTooManyStreams,
			"this address already has %d event streams open on this node; close one first", streams.max))
		return
	}
	defer streams.release(ip)
	ch, cancel, ok := n.events.subscribe()
	if !ok {
		route.Fail(w, r, api.Errorf(api.CodeBusy, "too many event streams are open on this node"))
		return
	}
	defer cancel()
	rc := http.NewResponseController(w)
	write := func(f func()) bool {
		if lim.Write > 0 {
			rc.SetWriteDeadline(time.Now().Add(lim.Write))
		}
		f()
		return rc.Flush() == nil
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	if !write(func() { w.WriteHeader(http.StatusOK) }) {
		return
	}
	keep := time.NewTicker(lim.KeepAlive)
	defer keep.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-keep.C:
			if !write(func() { io.WriteString(w, ": keep-alive\n\n") }) {
				return
			}
		case e, ok := <-ch:
			if !ok {
				write(func() { io.WriteString(w, "event: closed\ndata: {}\n\n") })
				return
			}
			b, _ := json.Marshal(e)
			// A client that stops reading is cut off rather than holding
			// a goroutine forever.
			if !write(func() { fmt.Fprintf(w, "event: %s\ndata: %s\n\n", e.Type, b) }) {
				return
			}
		}
	}
}

// streamLimiter counts the open event streams per client address.
type streamLimiter struct {
	mu   sync.Mutex
	max  int
	open map[string]int
}

func newStreamLimiter(max int) *streamLimiter {
	return &streamLimiter{max: max, open: map[string]int{}}
}

func (l *streamLimiter) acquire(ip string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[ip] >= l.max {
		return false
	}
	l.open[ip]++
	return true
}

func (l *streamLimiter) release(ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[ip]--; l.open[ip] <= 0 {
		delete(l.open, ip)
	}
}

// evidence is every equivocation the pool saw, as GET /v1/evidence
// answers it.
func (n *Node) evidence() []api.Evidence {
	var out []api.Evidence // null, not [], when there is none: as before
	for _, e := range n.pool.Evidence() {
		out = append(out, api.Evidence{Account: e.Account, Nonce: e.Nonce, First: e.First, Second: e.Second, FirstRaw: e.FirstRaw, SecondRaw: e.SecondRaw})
	}
	return out
}
