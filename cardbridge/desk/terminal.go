package desk

// The desk's merchant terminal: what the web app's Terminal page drives.
// It takes payments with the same logic as `anonex terminal pay`
// (terminal.Pay and PayConverted), on a reader of the machine, into the
// terminal's durable record queue.
//
// A payment is a session, not one call: the card may ask for the PIN,
// and a conversion waits for the cardholder to accept the quote, while
// the card stays powered and selected in the middle of its command
// sequence. POST /v1/terminal/payments starts one on its own goroutine,
// which holds the reader (the desk's per-reader lock, so no Cards page
// call interleaves with it) until the payment ends; GET
// /v1/terminal/payments/{id} follows it (a long poll on its version); the
// PIN and the quote's answer are POSTed to it. Sessions are bounded in
// number and in time, and a finished one is forgotten after a while.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/cardbridge/apdu"
	"github.com/anonex/anonex/cardbridge/cardclient"
	"github.com/anonex/anonex/cardbridge/cardproto"
	"github.com/anonex/anonex/cardbridge/terminal"
	"github.com/anonex/anonex/cardbridge/terminal/queue"
	"github.com/anonex/anonex/client"
	"github.com/anonex/anonex/ledger"
	"github.com/anonex/anonex/node/route"
	"github.com/holiman/uint256"
)

// TerminalSettings configure the desk's merchant terminal.
type TerminalSettings struct {
	// Payee is the merchant's account. Required.
	Payee ledger.Address
	// Trusted are the issuers whose cards the terminal takes. Required.
	Trusted []ledger.Address
	// Floor is the offline floor limit per asset, in the asset's display
	// units ("20.00"); an asset not listed always goes online.
	Floor map[ledger.Hash]string
	// Queue is the directory of the terminal's record queue (Pebble). The
	// desk opens it only while a payment or a queue call uses it, so
	// `anonex terminal flush --queue DIR` works in between.
	Queue string
	// HotList is the hot-list as last fetched: offline payments use it
	// when the node does not give a newer one.
	HotList map[ledger.Address]string
	// NoWait approves an online payment once the network has the record,
	// without waiting for settlement.
	NoWait bool
	// Wallet is the card owners' wallet node for conversions (nil: the
	// desk's own node).
	Wallet *client.Client
}

// Session bounds.
const (
	// maxLive is how many payments may run at once (one per reader).
	maxLive = 8
	// maxKept is how many payments the desk remembers, finished included.
	maxKept = 64
	// paymentLifetime bounds a payment from start to end, its PIN and
	// quote prompts included.
	paymentLifetime = 3 * time.Minute
	// keepFinished is how long a finished payment can still be read.
	keepFinished = 10 * time.Minute
	// pollWait bounds a long poll (under the API's 30 s write timeout).
	pollWait = 20 * time.Second
)

// terminalRoutes mounts the terminal's routes (Routes calls it).
func (d *Desk) terminalRoutes(m *route.Mux) {
	m.Authorized("GET /v1/terminal", d.apiTerminal)
	m.Authorized("POST /v1/terminal/payments", d.apiPay)
	m.Authorized("GET /v1/terminal/payments/{id}", d.apiPayment)
	m.Authorized("POST /v1/terminal/payments/{id}/pin", d.apiPaymentPIN)
	m.Authorized("POST /v1/terminal/payments/{id}/quote", d.apiPaymentQuote)
	m.Authorized("POST /v1/terminal/payments/{id}/cancel", d.apiPaymentCancel)
	m.Authorized("POST /v1/terminal/recover", d.apiRecover)
	m.Authorized("GET /v1/terminal/queue", d.apiQueue)
	m.Authorized("POST /v1/terminal/queue/forward", d.apiForward)
}

// terminalState is the desk's terminal: its sessions and its queue.
type terminalState struct {
	mu       sync.Mutex
	sessions map[string]*session
	// The queue, open while in use (qn users).
	q  *queue.Queue
	qn int
}

// settings are the terminal's settings, or no_terminal.
func (d *Desk) settings() (TerminalSettings, error) {
	if d.cfg.Terminal == nil {
		return TerminalSettings{}, api.Errorf(api.CodeNoTerminal,
			"this node runs no merchant terminal: start it with --readers --terminal DIR (a directory `anonex terminal setup --queue DIR` wrote)")
	}
	s, err := d.cfg.Terminal()
	if err != nil {
		return s, api.Errorf(api.CodeNoTerminal, "the terminal is not configured: %v", err)
	}
	if s.Payee.IsZero() || len(s.Trusted) == 0 || s.Queue == "" {
		return s, api.Errorf(api.CodeNoTerminal, "the terminal's settings lack a payee, trusted issuers or a queue directory (`anonex terminal setup`)")
	}
	return s, nil
}

// openQueue opens the terminal's queue, or shares it with its other
// users; done closes it after the last one.
func (d *Desk) openQueue(dir string) (*queue.Queue, func(), error) {
	t := &d.term
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.q == nil {
		q, err := queue.Open(dir)
		if err != nil {
			return nil, nil, fmt.Errorf("%w (is `anonex terminal` using it right now?)", err)
		}
		t.q = q
	}
	t.qn++
	q := t.q
	var once sync.Once
	return q, func() {
		once.Do(func() {
			t.mu.Lock()
			defer t.mu.Unlock()
			if t.qn--; t.qn == 0 {
				if err := t.q.Close(); err != nil {
					d.cfg.Logger.Warn("closing the terminal's queue", "err", err)
				}
				t.q = nil
			}
		})
	}, nil
}

// readerLock is reader n's lock: one command sequence at a time on a card.
func (d *Desk) readerLock(n int) *sync.Mutex {
	d.mu.Lock()
	defer d.mu.Unlock()
	lock := d.busy[n]
	if lock == nil {
		lock = new(sync.Mutex)
		d.busy[n] = lock
	}
	return lock
}

// assets looks assets up on the node, once each.
type assets struct {
	n *client.Client
	m map[ledger.Hash]api.AssetInfo
}

func (a *assets) get(ctx context.Context, id ledger.Hash) (api.AssetInfo, bool) {
	if v, ok := a.m[id]; ok {
		return v, true
	}
	v, err := a.n.Asset(ctx, id.Hex())
	if err != nil {
		return v, false
	}
	a.m[id] = v
	return v, true
}

// show writes base units of asset as display units with the symbol's
// decimals (base units when the asset is unknown).
func (a *assets) show(ctx context.Context, id ledger.Hash, units *uint256.Int) (amount, symbol string) {
	info, ok := a.get(ctx, id)
	if !ok {
		return units.Dec(), ""
	}
	return ledger.FormatAmount(units, info.Decimals), info.Symbol
}

func (a *assets) showDec(ctx context.Context, id ledger.Hash, dec string) (amount, symbol string) {
	v, err := uint256.FromDecimal(dec)
	if err != nil {
		return dec, ""
	}
	return a.show(ctx, id, v)
}

func (d *Desk) apiTerminal(r *http.Request) (any, error) {
	s, err := d.settings()
	if err != nil {
		return nil, err
	}
	as, err := d.cfg.Node().Assets(r.Context())
	if err != nil {
		return nil, err
	}
	out := api.TerminalInfo{Payee: s.Payee, Trusted: s.Trusted, WaitSettled: !s.NoWait, Queue: s.Queue, Currencies: []api.TerminalCurrency{}}
	// The currencies: the fiat assets (an ISO 4217 code) and any asset
	// with a floor; every asset when there are none.
	for pass := 0; pass < 2 && len(out.Currencies) == 0; pass++ {
		for _, a := range as {
			floor, hasFloor := s.Floor[a.ID]
			if pass == 0 && a.Currency == 0 && !hasFloor {
				continue
			}
			out.Currencies = append(out.Currencies, api.TerminalCurrency{Asset: a.ID, Symbol: a.Symbol, Decimals: a.Decimals, Currency: a.Currency, Floor: floor})
		}
	}
	return out, nil
}

// session is one payment at the terminal.
type session struct {
	mu      sync.Mutex
	view    api.TerminalPayment
	changed chan struct{} // closed and replaced at each change
	pin     chan string
	quote   chan bool
	ended   time.Time // zero while it runs
	// cancelled is set by POST …/cancel: the next prompt declines.
	cancelled chan struct{}
	cancelOne sync.Once
}

// update changes the session's view under its lock and wakes its pollers.
func (s *session) update(f func(v *api.TerminalPayment)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&s.view)
	s.view.Version++
	close(s.changed)
	s.changed = make(chan struct{})
}

// step adds a step to the session (not the same text twice in a row).
func (s *session) step(text string) {
	s.update(func(v *api.TerminalPayment) {
		if n := len(v.Steps); n > 0 && v.Steps[n-1].Text == text {
			return
		}
		v.Steps = append(v.Steps, api.TerminalStep{AtMS: time.Now().UnixMilli(), Text: text})
	})
}

func (s *session) snapshot() (api.TerminalPayment, chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.view
	v.Steps = append([]api.TerminalStep(nil), v.Steps...)
	if v.Quote != nil {
		q := *v.Quote
		v.Quote = &q
	}
	return v, s.changed
}

func (s *session) running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ended.IsZero()
}

// watchedNet is the terminal's network, telling the session each step.
type watchedNet struct {
	terminal.Network
	s *session
}

func (w watchedNet) CardStatus(ctx context.Context, card ledger.Address) (terminal.CardStatus, error) {
	w.s.update(func(v *api.TerminalPayment) { v.Mode = "online" })
	w.s.step("online: asking the network about the card (registration, hot-list)")
	return w.Network.CardStatus(ctx, card)
}

func (w watchedNet) UpdateValue(ctx context.Context, card ledger.Address, asset ledger.Hash, base uint64) (cardproto.Update, bool, error) {
	w.s.step("fetching the card's update value (credits settled since it was last online)")
	return w.Network.UpdateValue(ctx, card, asset, base)
}

func (w watchedNet) Submit(ctx context.Context, tx *ledger.Tx) (ledger.Hash, error) {
	w.s.step("handing the card's record to the network")
	return w.Network.Submit(ctx, tx)
}

func (w watchedNet) WaitSettled(ctx context.Context, id ledger.Hash) (bool, string, error) {
	w.s.step("waiting for the payment to settle")
	return w.Network.WaitSettled(ctx, id)
}

func (w watchedNet) RequestConversion(ctx context.Context, r terminal.ConversionRequest) (cardproto.ConvertApproval, error) {
	w.s.step("the card asks to pay by conversion: asking its owner's wallet for a quote")
	return w.Network.RequestConversion(ctx, r)
}

func (w watchedNet) CompleteConversion(ctx context.Context, nonce ledger.Hash, counter uint64, sig ledger.Sig) (ledger.Hash, error) {
	w.s.step("the card signed: its owner's wallet pays the merchant")
	return w.Network.CompleteConversion(ctx, nonce, counter, sig)
}

// watchedQueue tells the session when a record is on disk.
type watchedQueue struct {
	terminal.Queue
	s *session
}

func (w watchedQueue) Put(id ledger.Hash, card ledger.Address, counter uint64, raw []byte) error {
	err := w.Queue.Put(id, card, counter, raw)
	if err == nil {
		w.s.step("the card signed: its record is stored in the terminal's queue")
	}
	return err
}

// newID is a payment's id: 16 random bytes, hex.
func newID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// sweep forgets finished payments past keepFinished, and the oldest
// finished ones beyond maxKept. It reports the running ones.
func (t *terminalState) sweep(now time.Time) (live []*session) {
	var done []*session
	var ids []string
	for id, s := range t.sessions {
		s.mu.Lock()
		ended := s.ended
		s.mu.Unlock()
		switch {
		case ended.IsZero():
			live = append(live, s)
		case now.Sub(ended) > keepFinished:
			delete(t.sessions, id)
		default:
			done = append(done, s)
			ids = append(ids, id)
		}
	}
	if over := len(live) + len(done) - (maxKept - 1); over > 0 {
		idx := make([]int, len(done))
		for i := range idx {
			idx[i] = i
		}
		sort.Slice(idx, func(a, b int) bool { return done[idx[a]].ended.Before(done[idx[b]].ended) })
		for _, i := range idx[:min(over, len(idx))] {
			delete(t.sessions, ids[i])
		}
	}
	return live
}

// apiPay is POST /v1/terminal/payments: start a payment from the card in
// a reader. It answers at once (the card is there, the payment runs);
// the rest comes from GET /v1/terminal/payments/{id}.
func (d *Desk) apiPay(r *http.Request) (any, error) {
	var req api.TerminalPaymentRequest
	if err := route.Decode(r, &req); err != nil {
		return nil, err
	}
	if err := checkReader(req.Reader); err != nil {
		return nil, err
	}
	set, err := d.settings()
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	n := d.cfg.Node()
	if req.Currency == "" {
		return nil, api.Errorf(api.CodeInvalid, "currency: the asset's symbol or id (GET /v1/terminal lists the terminal's)")
	}
	asset, err := n.Asset(ctx, req.Currency)
	if err != nil {
		return nil, err
	}
	amount, err := ledger.ParseAmount(req.Amount, asset.Decimals)
	if err != nil {
		return nil, api.Errorf(api.CodeInvalid, "amount %q: %v", req.Amount, err)
	}
	if amount.IsZero() {
		return nil, api.Errorf(api.CodeInvalid, "amount: nothing to pay")
	}
	cfg, err := d.terminalConfig(ctx, n, &set, asset)
	if err != nil {
		return nil, err
	}

	t := &d.term
	t.mu.Lock()
	live := t.sweep(time.Now())
	for _, s := range live {
		if s.view.Reader == req.Reader {
			t.mu.Unlock()
			return nil, api.Errorf(api.CodeBusy, "reader %d is taking payment %s: finish or cancel it first", req.Reader, s.view.ID)
		}
	}
	if len(live) >= maxLive {
		t.mu.Unlock()
		return nil, api.Errorf(api.CodeBusy, "the terminal runs %d payments already", len(live))
	}
	s := &session{changed: make(chan struct{}), pin: make(chan string, 1), quote: make(chan bool, 1), cancelled: make(chan struct{})}
	s.view = api.TerminalPayment{ID: newID(), Reader: req.Reader, Asset: asset.ID, Symbol: asset.Symbol, Amount: ledger.FormatAmount(amount, asset.Decimals),
		AmountUnits: amount.Dec(), Convert: req.Convert, State: api.TerminalStateReading, StartedMS: time.Now().UnixMilli(), Steps: []api.TerminalStep{}}
	// Reserve the reader before anything slow: the session is listed
	// while its card is opened.
	t.sessions[s.view.ID] = s
	t.mu.Unlock()
	fail := func(err error) (any, error) {
		s.mu.Lock()
		s.ended = time.Now()
		s.mu.Unlock()
		t.mu.Lock()
		delete(t.sessions, s.view.ID)
		t.mu.Unlock()
		return nil, cardFailure(err)
	}

	card, release, err := d.open(ctx, req.Reader)
	if err != nil {
		return fail(err)
	}
	q, qdone, err := d.openQueue(set.Queue)
	if err != nil {
		release()
		return fail(fmt.Errorf("the terminal's queue: %w", err))
	}
	cfg.Queue = watchedQueue{Queue: q, s: s}
	cfg.Net = watchedNet{Network: cfg.Net, s: s}
	pctx, cancel := context.WithTimeout(context.Background(), paymentLifetime)
	cfg.PIN = func() (string, error) { return d.askPIN(pctx, s, card) }
	cfg.Confirm = func(q terminal.Quote) bool { return d.askQuote(pctx, s, n, q) }
	s.step(fmt.Sprintf("reading the card in reader %d", req.Reader))
	if f, ok := cfg.Floor[asset.ID]; ok && !amount.Gt(f) && !req.Convert {
		s.update(func(v *api.TerminalPayment) { v.Mode = "offline" })
		s.step("offline: within the terminal's floor limit, the card signs without the network")
	}
	go func() {
		defer func() {
			cancel()
			qdone()
			release()
		}()
		var res terminal.Result
		if req.Convert {
			res = terminal.PayConverted(pctx, cfg, card, asset.ID, amount)
		} else {
			res = terminal.Pay(pctx, cfg, card, asset.ID, amount)
		}
		view := resultView(pctx, &assets{n: n, m: map[ledger.Hash]api.AssetInfo{asset.ID: asset}}, asset, &res)
		if res.Status != "approved" && res.Code != terminal.CodeNotConfirmed && res.Code != terminal.CodeWrongPIN {
			d.cfg.Logger.Info("terminal payment declined", "reader", req.Reader, "code", res.Code, "reason", res.Reason)
		}
		s.update(func(v *api.TerminalPayment) {
			v.State, v.Result, v.PIN = res.Status, view, nil
			if res.Mode != "" {
				v.Mode = res.Mode
			}
		})
		s.mu.Lock()
		s.ended = time.Now()
		s.mu.Unlock()
	}()
	v, _ := s.snapshot()
	return v, nil
}

// terminalConfig is the terminal's configuration for a payment in asset.
func (d *Desk) terminalConfig(ctx context.Context, n *client.Client, set *TerminalSettings, asset api.AssetInfo) (*terminal.Config, error) {
	dom, err := n.Domain(ctx)
	if err != nil {
		return nil, err
	}
	cfg := &terminal.Config{Domain: dom, Payee: set.Payee, Trusted: set.Trusted, Floor: map[ledger.Hash]*uint256.Int{},
		WaitSettled: !set.NoWait, Convert: true, Net: client.TerminalNet{C: n, Wallet: set.Wallet}, HotList: set.HotList}
	if f, ok := set.Floor[asset.ID]; ok {
		v, err := ledger.ParseAmount(f, asset.Decimals)
		if err != nil {
			return nil, api.Errorf(api.CodeInvalid, "the terminal's floor for %s, %q: %v", asset.Symbol, f, err)
		}
		cfg.Floor[asset.ID] = v
	}
	// The node's hot-list is the newest there is.
	if hl, err := n.HotList(ctx); err == nil {
		cfg.HotList = map[ledger.Address]string{}
		for _, e := range hl {
			cfg.HotList[e.Card] = e.Reason
		}
	}
	return cfg, nil
}

// errCancelled is a prompt's answer once the payment was cancelled.
var errCancelled = errors.New("the payment was cancelled at the terminal")

// askPIN asks the page for the PIN, and checks it on the card before the
// terminal uses it: a wrong one is asked again (with the tries left), as
// a terminal's PIN pad does. A PIN that is right, or the card's last try,
// or a card that no longer answers, goes to the terminal, which then
// verifies it and declines in its words if it must.
func (d *Desk) askPIN(ctx context.Context, s *session, card cardclient.Transport) (string, error) {
	// No SELECT here: it would reset the card's session (a conversion's
	// pending request with it). The tries left come with a wrong PIN.
	cl := cardclient.New(card)
	msg := "the card asks for the PIN"
	var tries uint8
	for {
		s.update(func(v *api.TerminalPayment) {
			v.State, v.PIN = api.TerminalStatePIN, &api.TerminalPINPrompt{Message: msg, Tries: tries}
		})
		s.step("waiting for the PIN")
		var pin string
		select {
		case pin = <-s.pin:
		case <-s.cancelled:
			return "", errCancelled
		case <-ctx.Done():
			s.update(func(v *api.TerminalPayment) { v.State, v.PIN = api.TerminalStateReading, nil })
			return "", errors.New("no PIN was entered in time")
		}
		s.update(func(v *api.TerminalPayment) { v.State, v.PIN = api.TerminalStateReading, nil })
		s.step("checking the PIN on the card")
		err := cl.VerifyPIN(pin)
		var swe *apdu.SWError
		if !errors.As(err, &swe) {
			return pin, nil // right, or the card is gone: the terminal says which
		}
		left, wrong := apdu.WrongPIN(swe.SW)
		if !wrong || left == 0 {
			return pin, nil // blocked now: the terminal's own VERIFY says so
		}
		tries = uint8(left)
		_, msg = terminal.Refusal(err)
		s.step(msg)
	}
}

// askQuote shows a conversion's quote and waits for the cardholder.
func (d *Desk) askQuote(ctx context.Context, s *session, n *client.Client, q terminal.Quote) bool {
	as := &assets{n: n, m: map[ledger.Hash]api.AssetInfo{}}
	fiatAmt, fiatSym := as.show(ctx, q.Fiat, &q.FiatAmount)
	amt, sym := as.show(ctx, q.Asset, &q.Amount)
	view := &api.TerminalQuote{Card: q.Card, Fiat: q.Fiat, FiatSymbol: fiatSym, FiatAmount: fiatAmt, Asset: q.Asset, Symbol: sym,
		Amount: amt, AmountUnits: q.Amount.Dec(), Rate: rate(ctx, as, q)}
	s.update(func(v *api.TerminalPayment) { v.State, v.Quote = api.TerminalStateQuote, view })
	s.step(fmt.Sprintf("quote: the card pays %s %s for %s %s (%s): waiting for the cardholder", amt, sym, fiatAmt, fiatSym, view.Rate))
	var ok bool
	select {
	case ok = <-s.quote:
	case <-s.cancelled:
	case <-ctx.Done():
	}
	s.update(func(v *api.TerminalPayment) {
		v.State = api.TerminalStateReading
		if v.Quote != nil {
			v.Quote.Accepted = &ok
		}
	})
	if ok {
		s.step("quote accepted: the card signs")
	} else {
		s.step("quote not accepted: the card signs nothing")
	}
	return ok
}

// rate is a quote's rate in words: "2985.07 EUR per ETH".
func rate(ctx context.Context, as *assets, q terminal.Quote) string {
	fa, ok1 := as.get(ctx, q.Fiat)
	pa, ok2 := as.get(ctx, q.Asset)
	if !ok1 || !ok2 || q.Amount.IsZero() {
		return "rate unknown"
	}
	// fiat units per whole asset: fiat × 10^decimals(asset) / paid.
	num := new(big.Int).Mul(q.FiatAmount.ToBig(), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(pa.Decimals)), nil))
	num.Quo(num, q.Amount.ToBig())
	v, overflow := uint256.FromBig(num)
	if overflow {
		return "rate unknown"
	}
	return ledger.FormatAmount(v, fa.Decimals) + " " + fa.Symbol + " per " + pa.Symbol
}

// resultView is a payment's result as the API shows it.
func resultView(ctx context.Context, as *assets, asset api.AssetInfo, res *terminal.Result) *api.TerminalResult {
	v := &api.TerminalResult{Mode: res.Mode, Status: res.Status, Code: res.Code, Reason: res.Reason, APDUs: res.APDUs, InDoubt: res.InDoubt,
		Updates: []api.TerminalUpdate{}}
	if !res.TxID.IsZero() {
		id := res.TxID
		v.TxID = &id
	}
	if a, err := ledger.ParseAddress(res.Card); err == nil && res.Card != "" {
		v.Card = &a
	}
	if res.Available != "" {
		v.Available, _ = as.showDec(ctx, asset.ID, res.Available)
	}
	if c := res.Conversion; c != nil {
		amt, sym := as.showDec(ctx, c.Asset, c.Amount)
		v.Conversion = &api.TerminalConversion{Asset: c.Asset, Symbol: sym, Amount: amt, Record: c.Record}
	}
	for _, u := range res.Updates {
		before, sym := as.showDec(ctx, u.Asset, u.Before)
		after, _ := as.showDec(ctx, u.Asset, u.After)
		v.Updates = append(v.Updates, api.TerminalUpdate{Asset: u.Asset, Symbol: sym, Before: before, After: after})
	}
	return v
}

// session finds payment {id}.
func (d *Desk) session(r *http.Request) (*session, error) {
	if _, err := d.settings(); err != nil {
		return nil, err
	}
	id := r.PathValue("id")
	d.term.mu.Lock()
	s := d.term.sessions[id]
	d.term.mu.Unlock()
	if s == nil {
		return nil, api.Errorf(api.CodeUnknownPayment, "no payment %q at this terminal (a finished one is kept %v)", id, keepFinished)
	}
	return s, nil
}

// apiPayment is GET /v1/terminal/payments/{id}[?after=VERSION]: the
// payment as it stands; with after, once its version is past it (a long
// poll of up to 20 s, then as it stands).
func (d *Desk) apiPayment(r *http.Request) (any, error) {
	q, err := route.Query(r, "after")
	if err != nil {
		return nil, err
	}
	s, err := d.session(r)
	if err != nil {
		return nil, err
	}
	var after uint64
	if q["after"] != "" {
		if after, err = strconv.ParseUint(q["after"], 10, 64); err != nil {
			return nil, api.Errorf(api.CodeMalformed, "after=%q: a payment's version", q["after"])
		}
	}
	timer := time.NewTimer(pollWait)
	defer timer.Stop()
	for {
		v, changed := s.snapshot()
		if q["after"] == "" || v.Version > after {
			return v, nil
		}
		select {
		case <-changed:
		case <-timer.C:
			return v, nil
		case <-r.Context().Done():
			return nil, r.Context().Err()
		}
	}
}

// apiPaymentPIN is POST /v1/terminal/payments/{id}/pin.
func (d *Desk) apiPaymentPIN(r *http.Request) (any, error) {
	return answer(d, r, api.TerminalStatePIN, "a PIN", func(req *api.TerminalPINEntry) error {
		// A malformed PIN never reaches the card: it would cost a try.
		if err := cardproto.CheckPIN(req.PIN); err != nil {
			return api.Errorf(api.CodeInvalid, "pin: %v", err)
		}
		return nil
	}, func(s *session, req *api.TerminalPINEntry) { s.pin <- req.PIN })
}

// apiPaymentQuote is POST /v1/terminal/payments/{id}/quote.
func (d *Desk) apiPaymentQuote(r *http.Request) (any, error) {
	return answer(d, r, api.TerminalStateQuote, "a quote's answer", nil,
		func(s *session, req *api.TerminalQuoteAnswer) { s.quote <- req.Accept })
}

// answer hands the cardholder's answer in r's body (checked by check, when
// set) to the payment waiting for it at the prompt state (what names the
// answer): taken once, so a second answer is not waited for, and
// not_waiting when the payment is not at that prompt.
func answer[T any](d *Desk, r *http.Request, state, what string, check func(*T) error, give func(*session, *T)) (any, error) {
	var req T
	if err := route.Decode(r, &req); err != nil {
		return nil, err
	}
	s, err := d.session(r)
	if err != nil {
		return nil, err
	}
	if check != nil {
		if err := check(&req); err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	at := s.view.State
	if at == state {
		s.view.State = api.TerminalStateReading
	}
	s.mu.Unlock()
	if at != state {
		return nil, api.Errorf(api.CodeNotWaiting, "payment %s is not waiting for %s (it is %s)", s.view.ID, what, at)
	}
	give(s, &req)
	v, _ := s.snapshot()
	return v, nil
}

// apiPaymentCancel is POST /v1/terminal/payments/{id}/cancel: the
// payment is declined at its next prompt (the PIN, a quote), before the
// card signs; one past its prompts completes.
func (d *Desk) apiPaymentCancel(r *http.Request) (any, error) {
	s, err := d.session(r)
	if err != nil {
		return nil, err
	}
	if s.running() {
		s.cancelOne.Do(func() {
			close(s.cancelled)
			s.step("cancel asked: the payment stops at its next prompt, before the card signs")
		})
	}
	v, _ := s.snapshot()
	return v, nil
}

// apiRecover is POST /v1/terminal/recover: after a card was pulled
// mid-payment (in_doubt), read its records back and keep the payment if
// it signed.
func (d *Desk) apiRecover(r *http.Request) (any, error) {
	var req api.TerminalRecover
	if err := route.Decode(r, &req); err != nil {
		return nil, err
	}
	set, err := d.settings()
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	n := d.cfg.Node()
	dom, err := n.Domain(ctx)
	if err != nil {
		return nil, err
	}
	card, release, err := d.hold(ctx, req.Reader)
	if err != nil {
		return nil, err
	}
	defer release()
	q, done, err := d.openQueue(set.Queue)
	if err != nil {
		return nil, err
	}
	defer done()
	cfg := &terminal.Config{Domain: dom, Payee: set.Payee, Trusted: set.Trusted, Queue: q, Net: client.TerminalNet{C: n, Wallet: set.Wallet}}
	res := terminal.Recover(ctx, cfg, card, req.Challenge)
	return resultView(ctx, &assets{n: n, m: map[ledger.Hash]api.AssetInfo{}}, api.AssetInfo{}, &res), nil
}

// readerTaken says whether a payment runs on reader n.
func (d *Desk) readerTaken(n int) bool {
	d.term.mu.Lock()
	defer d.term.mu.Unlock()
	for _, s := range d.term.sweep(time.Now()) {
		if s.view.Reader == n {
			return true
		}
	}
	return false
}

// apiQueue is GET /v1/terminal/queue.
func (d *Desk) apiQueue(r *http.Request) (any, error) {
	set, err := d.settings()
	if err != nil {
		return nil, err
	}
	q, done, err := d.openQueue(set.Queue)
	if err != nil {
		return nil, err
	}
	pend, err := q.Pending()
	done()
	if err != nil {
		return nil, err
	}
	as := &assets{n: d.cfg.Node(), m: map[ledger.Hash]api.AssetInfo{}}
	out := api.TerminalQueue{Records: []api.TerminalRecord{}}
	for id, raw := range pend {
		rec := api.TerminalRecord{ID: id, Mode: "unknown"}
		if tx, err := ledger.DecodeTx(raw); err == nil {
			if p, ok := tx.Payload.(*ledger.CardPayment); ok {
				c := &p.CardRecord
				rec.Card, rec.Asset, rec.Counter = c.Card, c.Asset, c.Counter
				rec.Amount, rec.Symbol = as.show(r.Context(), c.Asset, &c.Amount)
				rec.Mode = map[uint8]string{ledger.CardModeOffline: "offline", ledger.CardModeOnline: "online", ledger.CardModeToCard: "card"}[c.Mode]
			}
		}
		out.Records = append(out.Records, rec)
	}
	sort.Slice(out.Records, func(i, j int) bool {
		a, b := out.Records[i], out.Records[j]
		if a.Card != b.Card {
			return a.Card.Hex() < b.Card.Hex()
		}
		return a.Counter < b.Counter
	})
	return out, nil
}

// apiForward is POST /v1/terminal/queue/forward: hand every queued record
// to the network (terminal.Forward); those it takes leave the queue.
func (d *Desk) apiForward(r *http.Request) (any, error) {
	set, err := d.settings()
	if err != nil {
		return nil, err
	}
	q, done, err := d.openQueue(set.Queue)
	if err != nil {
		return nil, err
	}
	defer done()
	pend, err := q.Pending()
	if err != nil {
		return nil, err
	}
	left, ferr := terminal.Forward(r.Context(), &terminal.Config{Queue: q, Net: client.TerminalNet{C: d.cfg.Node()}})
	out := api.TerminalForward{Forwarded: len(pend) - left, Left: left}
	if ferr != nil {
		out.Error = ferr.Error()
	}
	return out, nil
}
