package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/cardbridge/cardproto"
	"github.com/anonex/anonex/cardbridge/pcsctest"
	"github.com/anonex/anonex/client"
	"github.com/anonex/anonex/devnet"
	"github.com/anonex/anonex/internal/browsertest"
	"github.com/anonex/anonex/ledger"
	"github.com/chromedp/chromedp"
	"github.com/holiman/uint256"
)

// TestWebCards drives the Cards page in Chromium against a devnet whose
// two cards are in vpcd readers behind the real pcscd (node 0 serves the
// readers, as --readers does):
//   - the API token comes in the link `anonex devnet` prints, and leaves
//     the location at once;
//   - the page lists both readers with a card, and shows card 0 as the
//     card itself says (its memory, read in the devnet process, not
//     through the page's routes): address, owner, counter, PIN tries, and
//     each purse's spendable amount and limits in units;
//   - a load of 12.50 EUR from the owner's key opened in the page: the
//     transfer signed in the page settles, the issuer's authorization
//     (T before → after) is shown, and the card's memory then holds the
//     new T; the page shows the new spendable amount;
//   - a wrong PIN costs a try and says so; the right one changes the PIN,
//     which the card then takes; a malformed PIN never reaches the card;
//   - a lost card (card 1) blocked from the page is on the node's
//     hot-list;
//   - nothing logs an error to the console.
func TestWebCards(t *testing.T) {
	pcsctest.Readers(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	d, err := devnet.Start(ctx, devnet.Config{Nodes: 1, Cards: 2, NoMarket: true, HTTPAddr: "127.0.0.1:0", WSAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if d.Info.Cards[0].Transport != "pcsc" {
		t.Fatalf("the devnet's cards are not behind pcscd: %s", d.Info.CardNotice)
	}
	n0 := d.Info.Nodes[0]
	node := client.New(n0.API, n0.APIToken)
	card, eur := d.Info.Cards[0], d.AssetID("EUR")
	mem := func() cardproto.Purse {
		st := d.CardApplet(0).State()
		for _, p := range st.Purses {
			if p.Asset == eur {
				return p
			}
		}
		t.Fatalf("card 0 has no EUR purse: %+v", st.Purses)
		return cardproto.Purse{}
	}
	before := mem()
	st := d.CardApplet(0).State()

	b, cons := browsertest.Start(t, ctx)
	wait(t, b, 60*time.Second, "the Cards page", chromedp.Navigate(n0.API+"/#/cards?token="+n0.APIToken),
		chromedp.WaitVisible(chromedp.CSS(`#readers li[data-reader="1"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#card-address`)),
		chromedp.WaitVisible(chromedp.CSS(`#purses tbody tr[data-symbol="EUR"]`)))
	if href := eval[string](t, b, `location.href`); strings.Contains(href, "token") {
		t.Errorf("the token stays in the location: %s", href)
	}
	for _, c := range []struct{ sel, want string }{
		{"#card-address", card.Address},
		{"#card-counter", fmt.Sprintf("%d payments signed", st.Counter)},
		{"#card-pin-left", fmt.Sprint(st.PINLeft)},
		{"#card-puk-left", fmt.Sprint(st.PUKLeft)},
		{"#card-life", "active"},
		{`#purses tr[data-symbol="EUR"] td.spendable`, ledger.FormatAmount(new(uint256.Int).Sub(&before.T, &before.D), 2) + " EUR"},
		{`#purses tr[data-symbol="EUR"] td:nth-child(5)`, ledger.FormatAmount(&before.Limits.OfflineCap, 2) + " EUR"},
		{`#purses tr[data-symbol="EUR"] td:nth-child(7)`, ledger.FormatAmount(&before.Limits.NoPinLimit, 2) + " EUR"},
	} {
		if got := eval[string](t, b, fmt.Sprintf(`document.querySelector(%q).textContent`, c.sel)); got != c.want {
			t.Errorf("%s shows %q; the card says %q", c.sel, got, c.want)
		}
	}
	if got := eval[string](t, b, `document.querySelector("#readers").textContent`); !strings.Contains(got, "reader 0") || !strings.Contains(got, "reader 1") {
		t.Errorf("the readers list is %q", got)
	}
	browsertest.Screenshot(t, b, "web-cards.png")

	// Load 12.50 EUR from the owner's key, opened in the page.
	var owner devnet.AccountInfo
	for _, a := range d.Info.Accounts {
		if strings.EqualFold(a.Address, card.Owner) {
			owner = a
		}
	}
	if owner.Keystore == "" {
		t.Fatalf("no demo account owns card 0 (%s)", card.Owner)
	}
	wait(t, b, 30*time.Second, "opening the owner's keystore",
		chromedp.SetUploadFiles(chromedp.CSS(`#keystore-file`), []string{owner.Keystore}),
		chromedp.SendKeys(chromedp.CSS(`#keystore-password`), devnet.DemoPassword),
		chromedp.Click(chromedp.CSS(`#keystore-open`)),
		chromedp.WaitVisible(chromedp.CSS(`#load-amount`)))
	wait(t, b, 90*time.Second, "loading the card",
		chromedp.SetValue(chromedp.CSS(`#load-asset`), eur.Hex()),
		chromedp.SendKeys(chromedp.CSS(`#load-amount`), "12.50"),
		chromedp.Click(chromedp.CSS(`#load-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#load-written, #load-error`)))
	if e := eval[string](t, b, `(document.querySelector("#load-error") || {}).textContent || ""`); e != "" {
		t.Fatalf("the load failed in the page: %s", e)
	}
	after := mem()
	want := new(uint256.Int).AddUint64(&before.T, 1250)
	if !after.T.Eq(want) {
		t.Errorf("the card's EUR T is %s after the load; want %s (was %s)", after.T.Dec(), want.Dec(), before.T.Dec())
	}
	auth := eval[string](t, b, `document.querySelector("#load-authorization").textContent`)
	if !strings.Contains(auth, ledger.FormatAmount(&before.T, 2)) || !strings.Contains(auth, ledger.FormatAmount(want, 2)) {
		t.Errorf("the authorization shown (%q) does not say T %s → %s", auth, ledger.FormatAmount(&before.T, 2), ledger.FormatAmount(want, 2))
	}
	spend := ledger.FormatAmount(new(uint256.Int).Sub(&after.T, &after.D), 2) + " EUR"
	wait(t, b, 10*time.Second, "the new spendable amount",
		void(chromedp.Poll[bool](fmt.Sprintf(`document.querySelector('#purses tr[data-symbol="EUR"] td.spendable').textContent === %q`, spend), chromedp.WithPollingTimeout(10*time.Second))))
	browsertest.Screenshot(t, b, "web-cards-loaded.png")

	// The PIN: a malformed one never reaches the card; a wrong one costs a
	// try; the right one changes it.
	pinLeft := func() uint8 { return d.CardApplet(0).State().PINLeft }
	changePIN := func(old, nw string) string {
		wait(t, b, 20*time.Second, "changing the PIN",
			chromedp.SetValue(chromedp.CSS(`#pin-old`), old), chromedp.SetValue(chromedp.CSS(`#pin-new`), nw),
			chromedp.SetValue(chromedp.CSS(`#pin-again`), nw),
			void(chromedp.Evaluate[any](`document.querySelector("#pin-result").replaceChildren()`)),
			chromedp.Click(chromedp.CSS(`#pin-submit`)),
			void(chromedp.Poll[bool](`document.querySelector("#pin-result").textContent !== ""`, chromedp.WithPollingTimeout(15*time.Second))))
		return eval[string](t, b, `document.querySelector("#pin-result").textContent`)
	}
	if got := changePIN("12345", "654321"); !strings.Contains(got, "not sent to the card") || pinLeft() != st.PINLeft {
		t.Errorf("a 5-digit PIN: the page says %q and the card has %d tries (had %d)", got, pinLeft(), st.PINLeft)
	}
	cons.Check(t, "loading the Cards page and the card")
	if got := changePIN("999999", "654321"); !strings.Contains(got, fmt.Sprintf("wrong PIN, %d tries left", st.PINLeft-1)) || pinLeft() != st.PINLeft-1 {
		t.Errorf("a wrong PIN: the page says %q; the card has %d tries left", got, pinLeft())
	}
	cons.CheckExpecting(t, "a wrong PIN (refused by the card, 422)", "/v1/readers/0/pin")
	if got := changePIN(card.PIN, "654321"); !strings.Contains(got, "The PIN is changed") {
		t.Errorf("the right PIN: the page says %q", got)
	}
	if pc, err := node.ChangeReaderPIN(ctx, 0, api.PINChange{PIN: "654321", NewPIN: card.PIN}); err != nil || pc.PINLeft != st.PINLeft {
		t.Errorf("the new PIN on the card: %+v %v", pc, err)
	}

	// Block card 1, reported lost.
	lost := d.Info.Cards[1].Address
	wait(t, b, 30*time.Second, "blocking a lost card",
		chromedp.SetValue(chromedp.CSS(`#block-card`), lost),
		chromedp.Click(chromedp.CSS(`#block-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#block-result .error`)),
		chromedp.Click(chromedp.CSS(`#block-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#block-done, #block-error`)))
	if e := eval[string](t, b, `(document.querySelector("#block-error") || {}).textContent || ""`); e != "" {
		t.Fatalf("blocking failed in the page: %s", e)
	}
	addr, _ := ledger.ParseAddress(lost)
	info, err := node.Card(ctx, addr)
	if err != nil || !info.HotListed || info.BlockReason != "lost" {
		t.Errorf("card 1 after the block from the page: %+v %v", info, err)
	}
	browsertest.Screenshot(t, b, "web-cards-done.png")
	cons.Check(t, "the Cards page")
}
