package pcsctest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/cardbridge/terminal"
	"github.com/anonex/anonex/cardbridge/terminal/queue"
	"github.com/anonex/anonex/client"
	"github.com/holiman/uint256"
)

// deskAPI calls node 0's terminal routes (the desk's) over HTTP.
type deskAPI struct {
	t     *testing.T
	base  string
	token string
}

// call sends body (nil: none) and decodes the answer into out; it
// returns the HTTP status and, for an error answer, its body.
func (a deskAPI) call(method, path string, body, out any) (int, api.Error) {
	a.t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, _ := http.NewRequest(method, a.base+path, rd)
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var e api.Error
	if resp.StatusCode != http.StatusOK {
		json.NewDecoder(resp.Body).Decode(&e)
		return resp.StatusCode, e
	}
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			a.t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return resp.StatusCode, e
}

// must is call that fails the test on an error answer.
func (a deskAPI) must(method, path string, body, out any) {
	a.t.Helper()
	if st, e := a.call(method, path, body, out); st != http.StatusOK {
		a.t.Fatalf("%s %s: %d %s: %s", method, path, st, e.Code, e.Message)
	}
}

// pay starts a payment.
func (a deskAPI) pay(reader int, amount string, convert bool) api.TerminalPayment {
	a.t.Helper()
	var p api.TerminalPayment
	a.must("POST", "/v1/terminal/payments", api.TerminalPaymentRequest{Reader: reader, Currency: "EUR", Amount: amount, Convert: convert}, &p)
	return p
}

// until follows payment p (long polls) until it is in one of states.
func (a deskAPI) until(p api.TerminalPayment, states ...string) api.TerminalPayment {
	a.t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		for _, s := range states {
			if p.State == s {
				return p
			}
		}
		if p.State == api.TerminalStateApproved || p.State == api.TerminalStateDeclined || time.Now().After(deadline) {
			a.t.Fatalf("payment %s is %s, want %v: %+v %+v", p.ID, p.State, states, p.Result, p.Steps)
		}
		a.must("GET", fmt.Sprintf("/v1/terminal/payments/%s?after=%d", p.ID, p.Version), nil, &p)
	}
}

// TestDeskTerminalThroughPCSC drives the terminal node 0 runs on the
// machine's readers (the web app's Terminal page) over HTTP, with the
// devnet's two cards in vpcd's readers behind pcscd:
//   - without the API token every terminal route is 401; GET
//     /v1/terminal shows the devnet's payee and its EUR floor (20.00);
//   - 5.00 EUR goes offline without the PIN, its record reaches the
//     network and settles, and the queue is left empty;
//   - 50.00 EUR goes online and asks for the PIN: a malformed PIN is
//     refused before the card (no try spent), a wrong one is asked for
//     again with 2 tries left, a second payment and a Cards page call on
//     the busy reader are refused busy, the right PIN approves it once settled, the merchant gets
//     5000 units and the card has its 3 tries back;
//   - 12.50 EUR converted from the card's ETH shows the wallet's quote
//     (ETH amount, EUR amount, rate): declined, the card signs nothing
//     and nothing is paid; accepted, the ConvertPay settles the merchant's
//     12.50 EUR and the card's ETH D moves by the quoted amount;
//   - a conversion the card's ETH cannot cover is declined with the
//     wallet's reason, after the PIN, and a payment cancelled at its PIN
//     prompt is declined with nothing signed;
//   - a record left in the terminal's queue by a payment taken with the
//     network unreachable is listed by GET /v1/terminal/queue, and POST
//     …/forward hands it to the network, where it settles;
//   - a card pulled while it signs declines card_removed with the
//     payment's challenge in doubt; back in the reader, recover finds its
//     record and the payment settles; a payment on an empty reader is
//     refused no_card.
func TestDeskTerminalThroughPCSC(t *testing.T) {
	e := newCardEnv(t)
	ctx := e.ctx
	node := e.d.Info.Nodes[0]
	a := deskAPI{t: t, base: node.API, token: node.APIToken}

	// No token, no terminal.
	anon := deskAPI{t: t, base: node.API}
	for _, c := range [][2]string{{"GET", "/v1/terminal"}, {"POST", "/v1/terminal/payments"}, {"GET", "/v1/terminal/queue"},
		{"POST", "/v1/terminal/queue/forward"}, {"POST", "/v1/terminal/payments/x/pin"}} {
		if st, er := anon.call(c[0], c[1], api.TerminalPaymentRequest{Reader: 0, Currency: "EUR", Amount: "1.00"}, nil); st != 401 || er.Code != api.CodeUnauthorized {
			t.Fatalf("%s %s without the token: %d %s", c[0], c[1], st, er.Code)
		}
	}
	var info api.TerminalInfo
	a.must("GET", "/v1/terminal", nil, &info)
	if info.Payee != e.cfg.Payee || len(info.Currencies) == 0 {
		t.Fatalf("terminal %+v", info)
	}
	floor := ""
	for _, c := range info.Currencies {
		if c.Asset == e.eur {
			floor = c.Floor
		}
	}
	if floor != "20.00" {
		t.Fatalf("the terminal's EUR floor is %q, want 20.00 (the devnet's)", floor)
	}
	merchant := func() uint64 {
		acc, err := e.n.Account(ctx, e.cfg.Payee.Hex())
		if err != nil {
			t.Fatal(err)
		}
		return e.eurOf(acc)
	}
	card := func(i int) api.CardView {
		var v api.CardView
		a.must("GET", fmt.Sprintf("/v1/readers/%d/card", i), nil, &v)
		return v
	}

	// Offline.
	p := a.until(a.pay(0, "5.00", false), api.TerminalStateApproved)
	r := p.Result
	if r.Mode != "offline" || r.TxID == nil || p.Mode != "offline" || p.PIN != nil {
		t.Fatalf("5.00 offline: %+v %+v", p, r)
	}
	e.settled(*r.TxID)
	var q api.TerminalQueue
	a.must("GET", "/v1/terminal/queue", nil, &q)
	if len(q.Records) != 0 {
		t.Fatalf("the network took the offline record, yet the queue holds %+v", q.Records)
	}

	// Online with the PIN: a malformed one, a wrong one, the right one.
	m0 := merchant()
	p = a.until(a.pay(0, "50.00", false), api.TerminalStatePIN)
	if p.Mode != "online" || p.PIN == nil {
		t.Fatalf("50.00 asks for the PIN online: %+v", p)
	}
	if st, er := a.call("POST", "/v1/terminal/payments/"+p.ID+"/pin", api.TerminalPINEntry{PIN: "12"}, nil); st != 400 || er.Code != api.CodeInvalid {
		t.Fatalf("a malformed PIN: %d %s", st, er.Code)
	}
	if st, er := a.call("POST", "/v1/terminal/payments/"+p.ID+"/quote", api.TerminalQuoteAnswer{Accept: true}, nil); st != 409 || er.Code != api.CodeNotWaiting {
		t.Fatalf("a quote's answer to a PIN prompt: %d %s", st, er.Code)
	}
	if st, er := a.call("POST", "/v1/terminal/payments", api.TerminalPaymentRequest{Reader: 0, Currency: "EUR", Amount: "1.00"}, nil); st != 503 || er.Code != api.CodeBusy {
		t.Fatalf("a second payment on the busy reader: %d %s", st, er.Code)
	}
	if st, er := a.call("GET", "/v1/readers/0/card", nil, nil); st != 503 || er.Code != api.CodeBusy {
		t.Fatalf("the Cards page's call on the reader taking a payment: %d %s", st, er.Code)
	}
	wrong := "000000"
	if wrong == e.pins[0] {
		wrong = "000001"
	}
	a.must("POST", "/v1/terminal/payments/"+p.ID+"/pin", api.TerminalPINEntry{PIN: wrong}, &p)
	p = a.until(p, api.TerminalStatePIN)
	if p.PIN.Tries != 2 || !strings.Contains(p.PIN.Message, "wrong PIN, 2 tries left") {
		t.Fatalf("after a wrong PIN: %+v", p.PIN)
	}
	a.must("POST", "/v1/terminal/payments/"+p.ID+"/pin", api.TerminalPINEntry{PIN: e.pins[0]}, &p)
	p = a.until(p, api.TerminalStateApproved)
	if p.Result.Mode != "online" || p.Result.TxID == nil {
		t.Fatalf("50.00 online: %+v", p.Result)
	}
	e.settled(*p.Result.TxID)
	if got := merchant() - m0; got != 5000 {
		t.Fatalf("the merchant got %d EUR units, want 5000", got)
	}
	if c := card(0); c.PINLeft != 3 {
		t.Fatalf("the card has %d PIN tries after the right PIN, want 3", c.PINLeft)
	}

	// A conversion from the card's ETH: the quote declined, then accepted.
	eth := e.d.AssetID("ETH")
	ethD := func() string {
		for _, pv := range card(1).Purses {
			if pv.Asset == eth {
				return pv.D
			}
		}
		t.Fatal("card 1 has no ETH purse")
		return ""
	}
	p = a.until(a.pay(1, "12.50", true), api.TerminalStateQuote)
	qt := p.Quote
	if qt == nil || qt.Asset != eth || qt.Symbol != "ETH" || qt.FiatAmount != "12.50" || qt.FiatSymbol != "EUR" ||
		!strings.HasSuffix(qt.Rate, "EUR per ETH") || qt.AmountUnits == "" || qt.AmountUnits == "0" {
		t.Fatalf("the quote: %+v", qt)
	}
	a.must("POST", "/v1/terminal/payments/"+p.ID+"/quote", api.TerminalQuoteAnswer{Accept: false}, &p)
	p = a.until(p, api.TerminalStateDeclined)
	if p.Result.Code != terminal.CodeNotConfirmed || ethD() != "0" || p.Quote.Accepted == nil || *p.Quote.Accepted {
		t.Fatalf("a declined quote: %+v, the card's ETH D %s", p.Result, ethD())
	}
	m0 = merchant()
	p = a.until(a.pay(1, "12.50", true), api.TerminalStateQuote)
	quoted := p.Quote.AmountUnits
	a.must("POST", "/v1/terminal/payments/"+p.ID+"/quote", api.TerminalQuoteAnswer{Accept: true}, &p)
	p = a.until(p, api.TerminalStateApproved)
	if c := p.Result.Conversion; c == nil || c.Asset != eth || p.Result.TxID == nil {
		t.Fatalf("12.50 EUR from ETH: %+v", p.Result)
	}
	if got := ethD(); got != quoted {
		t.Fatalf("the card's ETH D is %s, the quote was %s", got, quoted)
	}
	tx, err := e.n.WaitTx(ctx, *p.Result.TxID)
	if err != nil || tx.Status != api.TxSettled || tx.Kind != "ConvertPay" {
		t.Fatalf("the conversion payment: %+v %v", tx, err)
	}
	if got := merchant() - m0; got != 1250 {
		t.Fatalf("the merchant got %d EUR units from the conversion, want 1250", got)
	}

	// Declines in words: more than the card's ETH covers; a cancel.
	p = a.until(a.pay(1, "400.00", true), api.TerminalStatePIN)
	a.must("POST", "/v1/terminal/payments/"+p.ID+"/pin", api.TerminalPINEntry{PIN: e.pins[1]}, &p)
	p = a.until(p, api.TerminalStateDeclined)
	if p.Result.Code != terminal.CodeRefused || !strings.Contains(p.Result.Reason, "conversion") {
		t.Fatalf("400.00 EUR from about 0.046 ETH: %+v", p.Result)
	}
	before := card(0)
	p = a.until(a.pay(0, "30.00", false), api.TerminalStatePIN)
	a.must("POST", "/v1/terminal/payments/"+p.ID+"/cancel", nil, &p)
	p = a.until(p, api.TerminalStateDeclined)
	if !strings.Contains(p.Result.Reason, "cancelled") || card(0).Purses[0].D != before.Purses[0].D {
		t.Fatalf("a payment cancelled at the PIN: %+v", p.Result)
	}

	// The queue: a record a terminal took with the network unreachable,
	// in the web terminal's queue, forwarded from the page's route.
	qdir := e.d.Dir + "/web-terminal"
	qq, err := queue.Open(qdir)
	if err != nil {
		t.Fatal(err)
	}
	down := *e.cfg
	down.Queue, down.Net = qq, client.TerminalNet{C: client.New("http://127.0.0.1:1", "")}
	res := terminal.Pay(ctx, &down, e.reader(0), e.eur, uint256.NewInt(300))
	qq.Close()
	if res.Status != "approved" || res.Mode != "offline" {
		t.Fatalf("3.00 offline with the network unreachable: %+v", res)
	}
	a.must("GET", "/v1/terminal/queue", nil, &q)
	if len(q.Records) != 1 || q.Records[0].ID != res.TxID || q.Records[0].Amount != "3.00" || q.Records[0].Symbol != "EUR" ||
		q.Records[0].Mode != "offline" || q.Records[0].Card != e.cards[0] {
		t.Fatalf("the queue: %+v, want the record %s", q.Records, res.TxID.Hex())
	}
	var fw api.TerminalForward
	a.must("POST", "/v1/terminal/queue/forward", nil, &fw)
	if fw.Forwarded != 1 || fw.Left != 0 || fw.Error != "" {
		t.Fatalf("forward: %+v", fw)
	}
	e.settled(res.TxID)
	a.must("GET", "/v1/terminal/queue", nil, &q)
	if len(q.Records) != 0 {
		t.Fatalf("the queue after forwarding: %+v", q.Records)
	}

	// A card pulled while it signs: in doubt, recovered, nothing lost.
	e.d.PullCard(0)
	waitGone(t, e.pc, e.d.Info.Cards[0].Reader)
	if st, er := a.call("POST", "/v1/terminal/payments", api.TerminalPaymentRequest{Reader: 0, Currency: "EUR", Amount: "1.00"}, nil); st != 409 ||
		er.Code != api.CodeNoCard || !strings.Contains(er.Message, "put the card in the reader") {
		t.Fatalf("a payment on an empty reader: %d %s %s", st, er.Code, er.Message)
	}
	gated := &gateCard{Card: e.d.CardApplet(0), hold: make(chan struct{}), entered: make(chan struct{}, 1)}
	if err := e.d.ReinsertCard(0, gated); err != nil {
		t.Fatal(err)
	}
	waitCard(t, e.pc, e.d.Info.Cards[0].Reader)
	p = a.pay(0, "1.00", false)
	select {
	case <-gated.entered:
	case <-time.After(30 * time.Second):
		t.Fatal("the card was never asked to sign")
	}
	e.d.PullCard(0)
	close(gated.hold)
	p = a.until(p, api.TerminalStateDeclined)
	if p.Result.Code != terminal.CodeCardRemoved || p.Result.InDoubt == nil || !strings.Contains(p.Result.Reason, "removed") {
		t.Fatalf("the card pulled mid-payment: %+v", p.Result)
	}
	waitGone(t, e.pc, e.d.Info.Cards[0].Reader)
	if err := e.d.ReinsertCard(0, e.d.CardApplet(0)); err != nil {
		t.Fatal(err)
	}
	waitCard(t, e.pc, e.d.Info.Cards[0].Reader)
	var rec api.TerminalResult
	a.must("POST", "/v1/terminal/recover", api.TerminalRecover{Reader: 0, Challenge: *p.Result.InDoubt}, &rec)
	if rec.Status != "approved" || rec.TxID == nil {
		t.Fatalf("recovering the pulled card's payment: %+v", rec)
	}
	e.settled(*rec.TxID)
	info2, err := e.n.Tx(context.Background(), *rec.TxID)
	if err != nil || info2.Kind != "CardRecord" {
		t.Fatalf("the recovered payment: %+v %v", info2, err)
	}
}
