package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/cardbridge/pcsctest"
	"github.com/anonex/anonex/client"
	"github.com/anonex/anonex/devnet"
	"github.com/anonex/anonex/internal/browsertest"
	"github.com/anonex/anonex/ledger"
	"github.com/chromedp/chromedp"
)

// TestWebTerminal drives the Terminal page in Chromium against a devnet
// whose two virtual cards sit in vpcd's readers behind pcscd (node 0
// serves the readers and runs the terminal):
//   - without the API token the page says how to give it, and nothing it
//     asks the node for is refused; the token pasted into its field opens
//     the terminal, with the devnet's EUR floor;
//   - 20.00 EUR typed on the keypad and paid by conversion from card 1's
//     ETH shows the wallet's quote (what the card pays in ETH, the 20.00
//     EUR the merchant gets, the rate); accepted, the card asks for the
//     PIN (the ETH is above its purse's no-PIN limit): a wrong PIN is
//     asked for again with 2 tries left, the right one approves the
//     payment, live in the page; on the node the ConvertPay settled and
//     the merchant got 2000 EUR units;
//   - 5.00 EUR from card 0 is approved offline in the page, and settles;
//   - the offline queue is empty (the network took both records).
func TestWebTerminal(t *testing.T) {
	pcsctest.Readers(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	d, err := devnet.Start(ctx, devnet.Config{Nodes: 1, Cards: 2, HTTPAddr: "127.0.0.1:0", WSAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if d.Info.CardNotice != "" || d.Info.Cards[1].Transport != "pcsc" {
		t.Fatalf("the devnet's cards are not behind pcscd: %s", d.Info.CardNotice)
	}
	node := client.New(d.Info.Nodes[0].API, "")
	app := d.Info.Nodes[0].API + "/"
	eur := d.AssetID("EUR")
	merchant := d.Info.Terminal.Payee
	b, cons := browsertest.Start(t, ctx)

	// No token: the page says where it is, and asks the node nothing it
	// would refuse.
	wait(t, b, 60*time.Second, "the Terminal page without a token", chromedp.Navigate(app+"#/terminal"),
		chromedp.WaitVisible(chromedp.CSS(`#term-token`)))
	if why := eval[string](t, b, `document.querySelector("#term-setup-why").textContent`); !strings.Contains(why, "api-token") {
		t.Errorf("without a token the page says %q", why)
	}
	browsertest.Screenshot(t, b, "web-terminal-token.png")
	cons.Check(t, "the Terminal page without a token")

	// The token, pasted into the page's field.
	wait(t, b, 30*time.Second, "the Terminal page with the token",
		chromedp.SendKeys(chromedp.CSS(`#term-token`), d.Info.Nodes[0].APIToken),
		chromedp.Click(chromedp.CSS(`#term-token-save`)),
		chromedp.WaitReady(chromedp.CSS(`#term-reader option[value="1"]`)),
		chromedp.WaitReady(chromedp.CSS(`#term-currency option`)))
	if !eval[bool](t, b, `document.querySelector("#term-setup").hidden`) {
		t.Error("the token given, the page still asks for it")
	}
	if floor := eval[string](t, b, `document.querySelector("#term-floor").textContent`); !strings.Contains(floor, "Offline up to 20.00 EUR") {
		t.Errorf("the page shows the floor as %q", floor)
	}

	// 20.00 EUR by conversion from card 1's ETH: quote, then PIN.
	m0 := settledUnits(t, ctx, node, merchant, eur)
	wait(t, b, 30*time.Second, "typing 20.00 EUR",
		chromedp.SetValue(chromedp.CSS(`#term-reader`), "1"),
		chromedp.Click(chromedp.CSS(`#term-keypad button[data-key="9"]`)),
		chromedp.Click(chromedp.CSS(`#term-keypad button[data-key="back"]`)),
		chromedp.Click(chromedp.CSS(`#term-keypad button[data-key="2"]`)),
		chromedp.Click(chromedp.CSS(`#term-keypad button[data-key="0"]`)),
		chromedp.Click(chromedp.CSS(`#term-keypad button[data-key="00"]`)))
	if got := eval[string](t, b, `document.querySelector("#term-amount").textContent`); got != "20.00 EUR" {
		t.Fatalf("the keypad shows %q, want 20.00 EUR", got)
	}
	wait(t, b, 60*time.Second, "the conversion's quote",
		chromedp.Click(chromedp.CSS(`#term-convert`)),
		chromedp.Click(chromedp.CSS(`#term-pay`)),
		chromedp.WaitVisible(chromedp.CSS(`#term-quote-accept`)))
	gets := eval[string](t, b, `document.querySelector("#term-quote-gets").textContent`)
	pays := eval[string](t, b, `document.querySelector("#term-quote-pays").textContent`)
	rate := eval[string](t, b, `document.querySelector("#term-quote-rate").textContent`)
	if gets != "20.00 EUR" || !strings.HasSuffix(pays, " ETH") || !strings.HasSuffix(rate, "EUR per ETH") {
		t.Fatalf("the quote shows: pays %q, gets %q, rate %q", pays, gets, rate)
	}
	browsertest.Screenshot(t, b, "web-terminal-quote.png")
	wait(t, b, 60*time.Second, "the PIN prompt",
		chromedp.Click(chromedp.CSS(`#term-quote-accept`)),
		chromedp.WaitVisible(chromedp.CSS(`#term-pin`)))
	wrong := "000000"
	if d.Info.Cards[1].PIN == wrong {
		wrong = "000001"
	}
	wait(t, b, 60*time.Second, "a wrong PIN asked again",
		chromedp.SendKeys(chromedp.CSS(`#term-pin`), wrong),
		chromedp.Click(chromedp.CSS(`#term-pin-ok`)),
		void(chromedp.Poll[bool](`document.querySelector("#term-pin-msg").textContent.includes("wrong PIN, 2 tries left") &&
			!document.querySelector("#term-pin-form").hidden`, chromedp.WithPollingTimeout(50*time.Second))))
	browsertest.Screenshot(t, b, "web-terminal-pin.png")
	wait(t, b, 90*time.Second, "the converted payment approved",
		chromedp.SendKeys(chromedp.CSS(`#term-pin`), d.Info.Cards[1].PIN),
		chromedp.Click(chromedp.CSS(`#term-pin-ok`)),
		chromedp.WaitVisible(chromedp.CSS(`#term-outcome[data-status="approved"]`)))
	browsertest.Screenshot(t, b, "web-terminal-approved.png")
	if conv := eval[string](t, b, `document.querySelector("#term-conversion").textContent`); !strings.Contains(conv, "ETH") ||
		!strings.Contains(conv, pays) || !strings.Contains(conv, "20.00 EUR") {
		t.Errorf("the page shows the conversion as %q; the quote was %s", conv, pays)
	}
	id, err := ledger.ParseHash(eval[string](t, b, `document.querySelector("#term-tx").textContent`))
	if err != nil {
		t.Fatal(err)
	}
	info, err := node.WaitTx(ctx, id)
	if err != nil || info.Status != api.TxSettled || info.Kind != "ConvertPay" {
		t.Fatalf("the page's conversion payment on the node: %+v %v", info, err)
	}
	if got := settledUnits(t, ctx, node, merchant, eur) - m0; got != 2000 {
		t.Errorf("the merchant got %d EUR units, want 2000", got)
	}
	if steps := eval[string](t, b, `document.querySelector("#term-steps").textContent`); !strings.Contains(steps, "quote accepted") ||
		!strings.Contains(steps, "settle") {
		t.Errorf("the payment's steps: %q", steps)
	}

	// 5.00 EUR offline from card 0.
	wait(t, b, 60*time.Second, "an offline payment",
		chromedp.SetValue(chromedp.CSS(`#term-reader`), "0"),
		chromedp.Click(chromedp.CSS(`#term-keypad button[data-key="clear"]`)),
		chromedp.Click(chromedp.CSS(`#term-keypad button[data-key="5"]`)),
		chromedp.Click(chromedp.CSS(`#term-keypad button[data-key="00"]`)),
		chromedp.Click(chromedp.CSS(`#term-convert`)), // off again
		chromedp.Click(chromedp.CSS(`#term-pay`)),
		void(chromedp.Poll[bool](`document.querySelector("#term-state").dataset.state === "approved" &&
			document.querySelector("#term-state").textContent.includes("5.00 EUR") &&
			document.querySelector("#term-mode").textContent === "offline"`, chromedp.WithPollingTimeout(50*time.Second))))
	if st := eval[string](t, b, `document.querySelector("#term-outcome").dataset.status`); st != "approved" {
		t.Fatalf("the offline payment's outcome: %q", st)
	}
	id, err = ledger.ParseHash(eval[string](t, b, `document.querySelector("#term-tx").textContent`))
	if err != nil {
		t.Fatal(err)
	}
	if info, err := node.WaitTx(ctx, id); err != nil || info.Status != api.TxSettled || info.Kind != "CardRecord" {
		t.Fatalf("the page's offline payment on the node: %+v %v", info, err)
	}
	wait(t, b, 20*time.Second, "the empty queue",
		void(chromedp.Poll[bool](`document.querySelector("#term-queue-note").textContent === "0 records queued."`, chromedp.WithPollingTimeout(15*time.Second))))
	browsertest.Screenshot(t, b, "web-terminal-offline.png")
	cons.Check(t, "the Terminal page's payments")
}
