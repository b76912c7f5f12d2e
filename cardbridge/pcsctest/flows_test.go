package pcsctest

import (
	"context"
	"crypto/rand"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/cardbridge/apdu"
	"github.com/anonex/anonex/cardbridge/cardclient"
	"github.com/anonex/anonex/cardbridge/pcsc"
	"github.com/anonex/anonex/cardbridge/terminal"
	"github.com/anonex/anonex/cardbridge/terminal/queue"
	"github.com/anonex/anonex/client"
	"github.com/anonex/anonex/devnet"
	"github.com/anonex/anonex/ledger"
	"github.com/holiman/uint256"
)

// cardEnv is a devnet with two cards in vpcd's readers, through pcscd.
type cardEnv struct {
	t     *testing.T
	d     *devnet.Devnet
	pc    *pcsc.Context
	n     *client.Client
	eur   ledger.Hash
	cfg   *terminal.Config
	ctx   context.Context
	pins  []string
	cards []ledger.Address
}

func newCardEnv(t *testing.T) *cardEnv {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	d, err := devnet.Start(ctx, devnet.Config{Nodes: 1, Cards: 2, HTTPAddr: "127.0.0.1:0", WSAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if d.Info.CardNotice != "" || d.Info.Cards[0].Transport != "pcsc" {
		t.Fatalf("the devnet's cards are not behind pcscd: %s", d.Info.CardNotice)
	}
	e := &cardEnv{t: t, d: d, pc: openContext(t), n: client.New(d.Info.Nodes[0].API, d.Info.Nodes[0].APIToken), ctx: ctx}
	e.eur, _ = ledger.ParseHash(d.Info.Assets[0].ID)
	dom := d.Nodes[0].Domain()
	payee, _ := ledger.ParseAddress(d.Info.Terminal.Payee)
	issuer, _ := ledger.ParseAddress(d.Info.Terminal.Trusted[0])
	e.cfg = &terminal.Config{Domain: dom, Payee: payee, Trusted: []ledger.Address{issuer}, WaitSettled: true,
		Floor: map[ledger.Hash]*uint256.Int{e.eur: uint256.NewInt(2000)}, Net: client.TerminalNet{C: e.n}}
	q, err := queue.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	e.cfg.Queue = q
	for _, c := range d.Info.Cards {
		a, _ := ledger.ParseAddress(c.Address)
		e.cards, e.pins = append(e.cards, a), append(e.pins, c.PIN)
	}
	return e
}

// eurOf is an account's settled EUR, in base units.
func (e *cardEnv) eurOf(a api.AccountInfo) uint64 {
	for _, b := range a.Balances {
		if b.Asset == e.eur {
			v, _ := strconv.ParseUint(b.SettledUnits, 10, 64)
			return v
		}
	}
	return 0
}

// reader connects to card i's reader through pcscd.
func (e *cardEnv) reader(i int) *pcsc.Card {
	e.t.Helper()
	r, err := e.pc.VPCDReader(i)
	if err != nil {
		e.t.Fatal(err)
	}
	waitCard(e.t, e.pc, r)
	return connect(e.t, e.pc, r)
}

func (e *cardEnv) pay(i int, units uint64, pin string) terminal.Result {
	e.t.Helper()
	e.cfg.PIN = func() (string, error) { return pin, nil }
	return terminal.Pay(e.ctx, e.cfg, e.reader(i), e.eur, uint256.NewInt(units))
}

func (e *cardEnv) setAmount(i int) uint64 {
	e.t.Helper()
	cl := cardclient.New(e.reader(i))
	if _, err := cl.Select(); err != nil {
		e.t.Fatal(err)
	}
	st, err := cl.Status()
	if err != nil {
		e.t.Fatal(err)
	}
	return client.SetAmount(&st.Purses[0], &st.ReceivedValue).Uint64()
}

func (e *cardEnv) settled(id ledger.Hash) {
	e.t.Helper()
	info, err := e.n.WaitTx(e.ctx, id)
	if err != nil || info.Status != "settled" {
		e.t.Fatalf("tx %s: %+v %v", id.Hex(), info, err)
	}
}

// TestTerminalPaymentsThroughPCSC: the devnet's own examples — 5.00 goes
// offline in two APDUs, 50.00 online with the PIN — and the settlement
// seed's case: a card whose set amount is 10.00 while a settled load of
// 40.00 has not reached it pays 30.00 online and ends at 20.00.
func TestTerminalPaymentsThroughPCSC(t *testing.T) {
	e := newCardEnv(t)
	m0, err := e.n.Account(e.ctx, e.cfg.Payee.Hex())
	if err != nil {
		t.Fatal(err)
	}
	r := e.pay(0, 500, e.pins[0])
	if r.Status != "approved" || r.Mode != "offline" || r.APDUs > 4 {
		t.Fatalf("5.00: %+v", r)
	}
	e.settled(r.TxID)
	r = e.pay(0, 5000, e.pins[0])
	if r.Status != "approved" || r.Mode != "online" {
		t.Fatalf("50.00: %+v", r)
	}
	if got := e.setAmount(0); got != 10000-500-5000 {
		t.Fatalf("card 0 set amount %d", got)
	}
	// The seed's case on card 1: bring it to 10.00 …
	if r := e.pay(1, 9000, e.pins[1]); r.Status != "approved" {
		t.Fatalf("90.00: %+v", r)
	}
	if got := e.setAmount(1); got != 1000 {
		t.Fatalf("card 1 at %d, want 1000", got)
	}
	// … load 40.00 on the ledger while the card is elsewhere …
	owner, err := account.LoadKeyFile(e.d.Info.Accounts[2].Keystore, e.d.Info.Accounts[2].Password)
	if err != nil {
		t.Fatal(err)
	}
	acct, _ := e.n.Account(e.ctx, owner.Address().Hex())
	dom := e.d.Nodes[0].Domain()
	load := &ledger.Transfer{From: owner.Address(), To: e.cards[1], Asset: e.eur, Amount: *uint256.NewInt(4000), Nonce: acct.Nonce}
	sig, _ := owner.Sign(dom.Digest(load.StructHash()))
	res, err := e.n.Submit(e.ctx, &ledger.Tx{Payload: load, Sig: ledger.Sig(sig)})
	if err != nil {
		t.Fatal(err)
	}
	e.settled(res.ID)
	if got := e.setAmount(1); got != 1000 {
		t.Fatalf("the load reached the card by itself: %d", got)
	}
	// … and pays 30.00 online: the terminal writes the update value first,
	// and reports it (T 100.00 → 140.00).
	if r := e.pay(1, 3000, e.pins[1]); r.Status != "approved" || r.Mode != "online" {
		t.Fatalf("30.00 with 10.00 on the card and 40.00 settled: %+v", r)
	} else if len(r.Updates) != 1 || r.Updates[0] != (terminal.Update{Asset: e.eur, Before: "10000", After: "14000"}) {
		t.Fatalf("the update value written: %+v", r.Updates)
	}
	if got := e.setAmount(1); got != 2000 {
		t.Fatalf("card 1 ends at %d, want 2000", got)
	}
	merchant, _ := e.n.Account(e.ctx, e.cfg.Payee.Hex())
	if got := e.eurOf(merchant) - e.eurOf(m0); got != 500+5000+9000+3000 {
		t.Fatalf("merchant took %d EUR units: %+v", got, merchant.Balances)
	}
}

// TestTerminalDeclines: every decline carries its code and plain words.
func TestTerminalDeclines(t *testing.T) {
	e := newCardEnv(t)
	if r := e.pay(0, 50000, e.pins[0]); r.Status != "declined" || r.Code != terminal.CodeInsufficientFunds || r.Available != "10000" {
		t.Fatalf("500.00 on a 100.00 card: %+v", r)
	}
	for i, want := range []string{terminal.CodeWrongPIN, terminal.CodeWrongPIN, terminal.CodePINBlocked, terminal.CodePINBlocked} {
		if r := e.pay(0, 3000, "000000"); r.Code != want || r.Reason == "" {
			t.Fatalf("wrong PIN %d: %+v, want %s", i+1, r, want)
		}
	}
	// The PUK unblocks it.
	cl := cardclient.New(e.reader(0))
	cl.Select()
	if err := cl.UnblockPIN("12345678", e.pins[0]); err != nil {
		t.Fatal(err)
	}
	if r := e.pay(0, 3000, e.pins[0]); r.Status != "approved" {
		t.Fatalf("after unblocking: %+v", r)
	}
	// A terminal that does not trust the card's issuer.
	trusted := e.cfg.Trusted
	e.cfg.Trusted = []ledger.Address{{0x99}}
	if r := e.pay(0, 100, e.pins[0]); r.Code != terminal.CodeUnknownIssuer {
		t.Fatalf("untrusted issuer: %+v", r)
	}
	e.cfg.Trusted = trusted
	// A terminal whose randomness fails declines before the card signs
	// anything: offline (1.00) and online (30.00) alike.
	counter := func() uint64 {
		info, err := cardclient.New(e.reader(0)).Select()
		if err != nil {
			t.Fatal(err)
		}
		return info.Counter
	}
	before := counter()
	e.cfg.Rand = failingReader{}
	for _, units := range []uint64{100, 3000} {
		if r := e.pay(0, units, e.pins[0]); r.Status != "declined" || r.Code != terminal.CodeRefused || !strings.Contains(r.Reason, "randomness") {
			t.Fatalf("no randomness, %d units: %+v", units, r)
		}
	}
	e.cfg.Rand = nil
	if after := counter(); after != before {
		t.Fatalf("the card signed without a fresh challenge: counter %d, then %d", before, after)
	}
	// A card reported lost: declined online.
	if err := e.n.ReportLost(e.ctx, e.cards[1]); err != nil {
		t.Fatal(err)
	}
	if r := e.pay(1, 5000, e.pins[1]); r.Code != terminal.CodeHotListed {
		t.Fatalf("hot-listed card online: %+v", r)
	}
	// A clone of card 0 (its memory copied, key included) signs a counter
	// the terminal has already seen: counterfeit.
	clone, err := e.d.OpenCardState(0)
	if err != nil {
		t.Fatal(err)
	}
	if r := e.pay(0, 100, e.pins[0]); r.Status != "approved" {
		t.Fatalf("offline after the copy was taken: %+v", r)
	}
	if err := e.d.PullCard(0); err != nil {
		t.Fatal(err)
	}
	waitGone(t, e.pc, e.d.Info.Cards[0].Reader)
	if err := e.d.ReinsertCard(0, clone); err != nil {
		t.Fatal(err)
	}
	// The clone's memory predates that payment: it signs the same counter
	// again, for another challenge.
	if r := e.pay(0, 100, e.pins[0]); r.Code != terminal.CodeCounterfeit {
		t.Fatalf("clone reusing a counter: %+v", r)
	}
	// A card pulled mid-payment: declined, nothing lost.
	e.d.PullCard(0)
	waitGone(t, e.pc, e.d.Info.Cards[0].Reader)
	gated := &gateCard{Card: e.d.CardApplet(0), hold: make(chan struct{}), entered: make(chan struct{}, 1)}
	if err := e.d.ReinsertCard(0, gated); err != nil {
		t.Fatal(err)
	}
	h := e.reader(0)
	done := make(chan terminal.Result, 1)
	go func() { done <- terminal.Pay(e.ctx, e.cfg, h, e.eur, uint256.NewInt(100)) }()
	<-gated.entered
	e.d.PullCard(0)
	close(gated.hold)
	r := <-done
	if r.Code != terminal.CodeCardRemoved || r.InDoubt == nil {
		t.Fatalf("card pulled mid-payment: %+v", r)
	}
	// The card signed before it lost power: back in the reader, the
	// terminal finds the record by its challenge and the payment stands.
	waitGone(t, e.pc, e.d.Info.Cards[0].Reader)
	if err := e.d.ReinsertCard(0, e.d.CardApplet(0)); err != nil {
		t.Fatal(err)
	}
	rec := terminal.Recover(e.ctx, e.cfg, e.reader(0), *r.InDoubt)
	if rec.Status != "approved" {
		t.Fatalf("recovering the record: %+v", rec)
	}
	e.settled(rec.TxID)
}

// TestCardToCardThroughPCSC: card 0 pays card 1 across the two readers;
// card 1 spends it at a terminal before card 0's record reaches the
// network (its payment carries the record); card 1 cannot send it on.
func TestCardToCardThroughPCSC(t *testing.T) {
	e := newCardEnv(t)
	a, b := cardclient.New(e.reader(0)), cardclient.New(e.reader(1))
	var held *ledger.Tx
	tx, err := client.CardToCard(a, b, e.eur, uint256.NewInt(2500), e.pins[0], func(tx *ledger.Tx, _ uint64) error {
		held = tx // the host keeps it; it reaches the network later
		return nil
	})
	if err != nil || held == nil {
		t.Fatal(err)
	}
	// Card 1 pays 120.00: its own 100.00 and 20.00 of card 0's.
	r := e.pay(1, 12000, e.pins[1])
	if r.Status != "approved" {
		t.Fatalf("spending received value: %+v", r)
	}
	// Card 0's record is already applied (it travelled with card 1's).
	if res, err := e.n.Submit(e.ctx, tx); err != nil || res.Status != "settled" {
		t.Fatalf("card 0's record afterwards: %+v %v", res, err)
	}
	// Card 1's record, read back through pcscd, carries card 0's record
	// and commits to it: a copy without it is refused as never valid
	// (TestAttackStrippedAttachmentsBurnRecord end to end); the record
	// itself is the settled one.
	cl1 := cardclient.New(e.reader(1))
	if _, err := cl1.Select(); err != nil {
		t.Fatal(err)
	}
	rv, err := cl1.ReadRecord(0)
	if err != nil || len(rv.Attached) != 1 || rv.AttachedHash.IsZero() {
		t.Fatalf("card 1's record read back: %+v %v", rv, err)
	}
	genuine := cardclient.RecordTx(e.cards[1], &rv)
	if genuine.ID(e.cfg.Domain) != r.TxID {
		t.Fatalf("read back %s, the terminal settled %s", genuine.ID(e.cfg.Domain).Hex(), r.TxID.Hex())
	}
	stripped := *genuine.Payload.(*ledger.CardPayment)
	stripped.Attached = nil
	var apiErr *api.Error
	if _, err := e.n.Submit(e.ctx, &ledger.Tx{Payload: &stripped, Sig: genuine.Sig}); !errors.As(err, &apiErr) || apiErr.Code != "invalid" {
		t.Fatalf("stripped copy: %v", err)
	}
	if res, err := e.n.Submit(e.ctx, genuine); err != nil || res.Status != "settled" {
		t.Fatalf("card 1's record submitted again: %+v %v", res, err)
	}
	// Nobody registers an account as a card without its card's consent
	// (TestAttackStrangerRegistersCard end to end): a stranger's
	// registration of the merchant's account is refused.
	stranger, err := account.Generate(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	reg := &ledger.CardRegister{Issuer: stranger.Address(), Card: e.cfg.Payee, Owner: stranger.Address()}
	cc := reg.ConsentOf()
	csig, _ := stranger.Sign(e.cfg.Domain.Digest(cc.StructHash()))
	reg.Consent = ledger.Sig(csig)
	rsig, _ := stranger.Sign(e.cfg.Domain.Digest(reg.StructHash()))
	if _, err := e.n.Submit(e.ctx, &ledger.Tx{Payload: reg, Sig: ledger.Sig(rsig)}); !errors.As(err, &apiErr) || apiErr.Code != "bad_signature" {
		t.Fatalf("stranger's registration: %v", err)
	}
	// Card 1 cannot send unconfirmed value on card to card (its update
	// value confirmed the record in the online payment, so it is confirmed
	// value now: send more than it has confirmed).
	if _, err := client.CardToCard(b, a, e.eur, uint256.NewInt(10000), e.pins[1], func(*ledger.Tx, uint64) error { return nil }); !errors.Is(err, errInsufficient) {
		t.Fatalf("card 1 sending more than it holds: %v", err)
	}
}

var errInsufficient = &apdu.SWError{SW: apdu.SWInsufficientFunds}

// TestGiftConversionLoadsCard: POST /v1/conversions turns holder-1's 25.00
// GIFT into 23.75 EUR at the merchant's redemption offer and loads it onto
// holder-1's card; once the card takes its new update value (through
// pcscd) it can spend it.
func TestGiftConversionLoadsCard(t *testing.T) {
	e := newCardEnv(t)
	before := e.setAmount(0)
	var c api.Conversion
	req := api.ConversionRequest{Account: e.d.Info.Cards[0].Owner, Gift: "GIFT", LoadCard: e.cards[0].Hex()}
	if err := e.n.Do(e.ctx, "POST", "/v1/conversions", req, &c); err != nil {
		t.Fatal(err)
	}
	for c.Status != "loaded" {
		if c.Status == "failed" {
			t.Fatalf("conversion failed: %s", c.Reason)
		}
		time.Sleep(20 * time.Millisecond)
		if err := e.n.Do(e.ctx, "GET", "/v1/conversions/"+c.ID.Hex(), nil, &c); err != nil {
			t.Fatal(err)
		}
	}
	if !c.Depleted || c.Received != "23.75" || c.LoadTx == nil {
		t.Fatalf("conversion: %+v", c)
	}
	cl := cardclient.New(e.reader(0))
	if _, err := cl.Select(); err != nil {
		t.Fatal(err)
	}
	if _, err := client.RefreshCard(e.ctx, cl, e.n, e.eur); err != nil {
		t.Fatal(err)
	}
	if after := e.setAmount(0); after != before+2375 {
		t.Fatalf("card set amount %d → %d, want +2375", before, after)
	}
}

// TestConversionAtPaymentThroughPCSC: a card holding ETH pays a terminal
// that prices in EUR — the card's conversion request goes to its owner's
// wallet (node 0), the card signs the approved ETH amount (paying its
// owner), and the ConvertPay settles the merchant's EUR atomically. A
// conversion the ETH cannot cover is declined before the card signs.
func TestConversionAtPaymentThroughPCSC(t *testing.T) {
	e := newCardEnv(t)
	eth := e.d.AssetID("ETH")
	ethD := func() uint64 {
		cl := cardclient.New(e.reader(1))
		if _, err := cl.Select(); err != nil {
			t.Fatal(err)
		}
		st, err := cl.Status()
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range st.Purses {
			if p.Asset == eth {
				return p.D.Uint64()
			}
		}
		t.Fatal("no ETH purse")
		return 0
	}
	// 20.00 EUR is within the EUR purse's no-PIN limit (25.00 EUR), but
	// the ETH it converts from (about 0.0067 ETH) is above the ETH purse's
	// own (0.005 ETH): a terminal without a PIN pad cannot take it, and
	// the card signs nothing.
	e.cfg.PIN = nil
	if r := terminal.PayConverted(e.ctx, e.cfg, e.reader(1), e.eur, uint256.NewInt(2000)); r.Status != "declined" ||
		!strings.Contains(r.Reason, "needs the PIN") || ethD() != 0 {
		t.Fatalf("20.00 EUR from ETH without a PIN pad: %+v %+v", r, r.Conversion)
	}
	m0, _ := e.n.Account(e.ctx, e.cfg.Payee.Hex())
	e.cfg.PIN = func() (string, error) { return e.pins[1], nil }
	// The cardholder sees the wallet's quote before the card signs, and
	// may refuse it: the card signs nothing.
	var quoted []terminal.Quote
	e.cfg.Confirm = func(q terminal.Quote) bool { quoted = append(quoted, q); return false }
	if r := terminal.PayConverted(e.ctx, e.cfg, e.reader(1), e.eur, uint256.NewInt(1250)); r.Status != "declined" ||
		r.Code != terminal.CodeNotConfirmed || len(quoted) != 1 || quoted[0].Asset != eth || quoted[0].Amount.IsZero() || ethD() != 0 {
		t.Fatalf("12.50 EUR from ETH, quote refused: %+v, quotes %+v", r, quoted)
	}
	e.cfg.Confirm = func(q terminal.Quote) bool { quoted = append(quoted, q); return true }
	r := terminal.PayConverted(e.ctx, e.cfg, e.reader(1), e.eur, uint256.NewInt(1250))
	if r.Status != "approved" || r.Conversion == nil || r.Conversion.Asset != eth {
		t.Fatalf("12.50 EUR from ETH: %+v", r)
	}
	if len(quoted) != 2 || quoted[1].Amount.Dec() != r.Conversion.Amount || quoted[1].FiatAmount.Uint64() != 1250 {
		t.Fatalf("the quote accepted %+v, the conversion %+v", quoted[1], r.Conversion)
	}
	paid, _ := uint256.FromDecimal(r.Conversion.Amount)
	if got := ethD(); got != paid.Uint64() {
		t.Fatalf("the card's ETH D is %d, the conversion took %s", got, r.Conversion.Amount)
	}
	m1, _ := e.n.Account(e.ctx, e.cfg.Payee.Hex())
	if e.eurOf(m1)-e.eurOf(m0) != 1250 {
		t.Fatalf("the merchant got %d EUR units", e.eurOf(m1)-e.eurOf(m0))
	}
	info, err := e.n.WaitTx(e.ctx, r.TxID)
	if err != nil || info.Status != "settled" || info.Kind != "ConvertPay" {
		t.Fatalf("the conversion payment: %+v %v", info, err)
	}
	// Beyond the card's EUR the terminal converts by itself (Convert set).
	e.cfg.Convert = true
	r = terminal.Pay(e.ctx, e.cfg, e.reader(1), e.eur, uint256.NewInt(120_00))
	if r.Status != "approved" || r.Conversion == nil {
		t.Fatalf("120.00 EUR on a card with 100.00 EUR: %+v", r)
	}
	// More than the ETH covers: declined before the card signs anything.
	before := ethD()
	r = terminal.PayConverted(e.ctx, e.cfg, e.reader(1), e.eur, uint256.NewInt(100_00))
	if r.Status != "declined" || !strings.Contains(r.Reason, "conversion needs") {
		t.Fatalf("100.00 EUR with about 0.0056 ETH left: %+v", r)
	}
	if ethD() != before {
		t.Fatal("a declined conversion changed the card's D")
	}
}

// failingReader is a source of randomness that has none.
type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("entropy source unavailable") }
