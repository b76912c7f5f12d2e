package web_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/client"
	"github.com/anonex/anonex/devnet"
	"github.com/anonex/anonex/internal/browsertest"
	"github.com/anonex/anonex/ledger"
	"github.com/chromedp/chromedp"
)

// wait runs actions with a deadline, failing the test with what.
func wait(t *testing.T, b context.Context, within time.Duration, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b, within)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		browsertest.Screenshot(t, b, "web-failed.png")
		t.Fatalf("%s: %v", what, err)
	}
}

// void is an action whose value does not matter.
func void[T any](a chromedp.Action[T]) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := a(ctx, tg)
		return chromedp.Void{}, err
	}
}

func eval[T any](t *testing.T, b context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(b, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

// clickJS clicks the element sel finds from the page's own script. The
// book redraws its rows on every event: a row's button found through the
// protocol may be gone by the time it is clicked ("Could not find node
// with given id").
func clickJS(sel string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		if _, err := chromedp.WaitVisible(chromedp.CSS(sel))(ctx, tg); err != nil {
			return chromedp.Void{}, err
		}
		_, err := chromedp.Evaluate[bool](fmt.Sprintf(`(document.querySelector(%q).click(), true)`, sel))(ctx, tg)
		return chromedp.Void{}, err
	}
}

// goTo sets the page's hash (a view of the one page: keys opened stay open).
func goTo(t *testing.T, b context.Context, hash string) {
	t.Helper()
	eval[any](t, b, fmt.Sprintf("location.hash = %q", hash))
}

// TestWebApp drives the node's web app in Chromium against a devnet:
//   - every page (Network, Wallet, Market) loads, and nothing logs an
//     error to the console from the first load to the last step;
//   - the Network page lists the settled batches with their Ethereum
//     transactions as the node has them, the transfer's batch among them,
//     and the transfer's events as the node streamed them;
//   - a keystore file of a devnet demo account, opened in the page with
//     the demo password, signs a transfer in the page that the node takes
//     and settles; the page's history shows it pending, then settled
//     (live), both balances move by the amount on the node, and the
//     page's balances follow;
//   - the account's QR code reads back (jsQR) as its address;
//   - after a reorg that takes the transfer's batch off the chain, the
//     history shows it pending again, then settled again;
//   - an offer made in the page is on the node's book, as made;
//   - a fill of the market maker's ask, and a sale to its bid, taken in
//     the page, settle as the page said and show in the page's fills; the
//     offer made in the page, cancelled there, leaves the book and shows
//     cancelled.
func TestWebApp(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	d, err := devnet.Start(ctx, devnet.Config{Nodes: 2, HTTPAddr: "127.0.0.1:0", WSAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	node := client.New(d.Info.Nodes[0].API, "")
	app := d.Info.Nodes[0].API + "/"
	holder, to := d.Info.Accounts[1], d.Info.Accounts[2]
	if holder.Role != "holder-1" || to.Role != "holder-2" {
		t.Fatalf("the devnet's accounts changed: %s, %s", holder.Role, to.Role)
	}
	b, cons := browsertest.Start(t, ctx)

	// Every page loads.
	wait(t, b, 60*time.Second, "the Network page", chromedp.Navigate(app+"#/network"),
		chromedp.WaitVisible(chromedp.CSS(`#batches tbody tr[data-seq]`)), chromedp.WaitVisible(chromedp.CSS(`#peers`)))
	status, err := node.Status(ctx)
	if err != nil || status.SettledSeq == nil {
		t.Fatalf("status %+v: %v", status, err)
	}
	checkBatchRow(t, b, node, *status.SettledSeq)
	if peers := eval[string](t, b, `document.querySelector("#peers").textContent`); peers != "1" {
		t.Errorf("the Network page shows %s peers; node 0 has 1", peers)
	}
	browsertest.Screenshot(t, b, "web-network.png")
	goTo(t, b, "#/wallet")
	wait(t, b, 20*time.Second, "the Wallet page", chromedp.WaitVisible(chromedp.CSS(`#accounts li[data-address]`)), chromedp.WaitVisible(chromedp.CSS(`#keystore-file`)))
	browsertest.Screenshot(t, b, "web-wallet.png")
	goTo(t, b, "#/market")
	wait(t, b, 20*time.Second, "the Market page", chromedp.WaitVisible(chromedp.CSS(`#asks tbody tr[data-offer]`)),
		chromedp.WaitVisible(chromedp.CSS(`#bids tbody tr[data-offer]`)), chromedp.WaitVisible(chromedp.CSS(`#depth svg`)))
	browsertest.Screenshot(t, b, "web-market.png")
	cons.Check(t, "loading the pages")

	// Open holder-1's keystore file in the page.
	goTo(t, b, "#/wallet")
	wait(t, b, 60*time.Second, "opening the keystore file",
		chromedp.WaitVisible(chromedp.CSS(`#keystore-file`)),
		chromedp.SetUploadFiles(chromedp.CSS(`#keystore-file`), []string{holder.Keystore}),
		chromedp.SendKeys(chromedp.CSS(`#keystore-password`), devnet.DemoPassword),
		chromedp.Click(chromedp.CSS(`#keystore-open`)),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#keys li[data-address="%s"]`, holder.Address))),
		chromedp.WaitVisible(chromedp.CSS(`#send-to`)))
	if got := eval[string](t, b, `document.querySelector("#account-address").textContent`); got != holder.Address {
		t.Fatalf("the page shows account %s, want %s", got, holder.Address)
	}
	checkQR(t, b, holder.Address)

	// Send 1.25 EUR to holder-2, by name.
	eur := d.AssetID("EUR")
	before, fromBefore := settledUnits(t, ctx, node, to.Address, eur), settledUnits(t, ctx, node, holder.Address, eur)
	watchStatuses(t, b)
	wait(t, b, 30*time.Second, "sending",
		chromedp.SendKeys(chromedp.CSS(`#send-to`), to.Name),
		chromedp.SetValue(chromedp.CSS(`#send-asset`), eur.Hex()),
		chromedp.SendKeys(chromedp.CSS(`#send-amount`), "1.25"),
		chromedp.Click(chromedp.CSS(`#send-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#sent-id`)))
	id, err := ledger.ParseHash(eval[string](t, b, `document.querySelector("#sent-id").textContent`))
	if err != nil {
		t.Fatal(err)
	}
	row := fmt.Sprintf(`#history tr[data-id="%s"]`, id.Hex())
	wait(t, b, 30*time.Second, "the transfer seen settled in the page",
		chromedp.WaitVisible(chromedp.CSS(row+` td.status[data-status="settled"]`)))
	info, err := node.Tx(ctx, id)
	if err != nil || info.Status != api.TxSettled || info.Kind != "Transfer" || info.BatchSeq == nil {
		t.Fatalf("the node has the page's transfer as %+v, %v; want a settled Transfer", info, err)
	}
	if after := settledUnits(t, ctx, node, to.Address, eur); after-before != 125 {
		t.Errorf("holder-2's settled EUR moved by %d units, want 125", after-before)
	}
	if seq := eval[string](t, b, fmt.Sprintf(`document.querySelector(%q).textContent`, row+" td:last-child")); seq != fmt.Sprint(*info.BatchSeq) {
		t.Errorf("the history row shows batch %q, the node %d", seq, *info.BatchSeq)
	}
	// The page's balances follow: holder-1's EUR, settled and pending alike.
	if got := settledUnits(t, ctx, node, holder.Address, eur); fromBefore-got != 125 {
		t.Errorf("holder-1's settled EUR moved by %d units, want -125", got-fromBefore)
	}
	eurLeft := fmt.Sprintf("%d.%02d", (fromBefore-125)/100, (fromBefore-125)%100)
	wait(t, b, 20*time.Second, "holder-1's balance after the transfer",
		void(chromedp.Poll[bool](fmt.Sprintf(`document.querySelector('#balances tr[data-symbol="EUR"] td.settled')?.textContent === %[1]q &&
			document.querySelector('#balances tr[data-symbol="EUR"] td.pending')?.textContent === %[1]q`, eurLeft), chromedp.WithPollingInterval(50*time.Millisecond))))
	seen := statuses(t, b, id)
	if len(seen) < 2 || !slices.Contains([]string{"pending", "queued", "anchored"}, seen[0]) || seen[len(seen)-1] != "settled" {
		t.Errorf("the history row went through %v; want pending (or queued, anchored) first, settled last", seen)
	}
	browsertest.Screenshot(t, b, "web-wallet-sent.png")

	// The Network page lists the transfer's batch with its Ethereum transaction.
	goTo(t, b, "#/network")
	wait(t, b, 20*time.Second, "the transfer's batch on the Network page",
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#batches tr[data-seq="%d"]`, *info.BatchSeq))))
	checkBatchRow(t, b, node, *info.BatchSeq)
	for _, st := range []string{"pending", "settled"} {
		if !eval[bool](t, b, fmt.Sprintf(`!!document.querySelector('#feed li[data-id="%s"][data-status="%s"]')`, id.Hex(), st)) {
			t.Errorf("the Network page's live feed has no %s event of the transfer", st)
		}
	}
	browsertest.Screenshot(t, b, "web-network-batch.png")

	// A reorg takes the batch off the chain: the page shows the transfer
	// pending again, then settled again when its batch is mined anew.
	goTo(t, b, "#/wallet/"+holder.Address)
	wait(t, b, 20*time.Second, "the history", chromedp.WaitVisible(chromedp.CSS(row+` td.status[data-status="settled"]`)))
	batch, err := node.Batch(ctx, *info.BatchSeq)
	if err != nil {
		t.Fatal(err)
	}
	watchStatuses(t, b)
	if err := d.Chain.Reorg(ctx, batch.Block); err != nil {
		t.Fatal(err)
	}
	wait(t, b, 60*time.Second, "the transfer settled again after the reorg",
		void(chromedp.Poll[bool](fmt.Sprintf(`(window.statuses[%q] || []).join() .includes("pending") && document.querySelector(%q)?.dataset.status === "settled"`,
			id.Hex(), row+" td.status"), chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(60*time.Second))))
	if seen := statuses(t, b, id); len(seen) < 2 || seen[len(seen)-1] != "settled" || !slices.Contains(seen, "pending") {
		t.Errorf("after the reorg the row went through %v; want pending, then settled", seen)
	}
	if again, err := node.Tx(ctx, id); err != nil || again.Status != api.TxSettled {
		t.Errorf("after the reorg the node has the transfer as %+v, %v", again, err)
	}
	cons.Check(t, "the transfer")

	// Make an offer: sell 0.500 GOLD at 2500.00 EUR (above the market
	// maker's asks, so nothing takes it).
	goTo(t, b, "#/market/GOLD/EUR")
	wait(t, b, 30*time.Second, "making an offer",
		chromedp.WaitVisible(chromedp.CSS(`#asks tbody tr[data-offer]`)),
		chromedp.SetValue(chromedp.CSS(`#make-side`), "sell"),
		chromedp.SendKeys(chromedp.CSS(`#make-amount`), "0.500"),
		chromedp.SendKeys(chromedp.CSS(`#make-price`), "2500.00"),
		chromedp.Click(chromedp.CSS(`#make-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#make-id`)))
	offerID, err := ledger.ParseHash(eval[string](t, b, `document.querySelector("#make-id").textContent`))
	if err != nil {
		t.Fatal(err)
	}
	offerRow := fmt.Sprintf(`#asks tr[data-offer="%s"]`, offerID.Hex())
	wait(t, b, 20*time.Second, "the page's offer on the page's book", chromedp.WaitVisible(chromedp.CSS(offerRow+".mine")))
	book, err := node.Book(ctx, "GOLD", "EUR")
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(book.Asks, func(l api.BookLevel) bool { return l.Offer == offerID })
	if i < 0 {
		t.Fatalf("the offer %s made in the page is not on the node's book: %+v", offerID.Hex(), book.Asks)
	}
	if l := book.Asks[i]; l.Price != "2500" && l.Price != "2500.00" || l.Size != "0.500" || !strings.EqualFold(l.Maker.Hex(), holder.Address) {
		t.Errorf("the node's book has the page's offer as %+v; want 0.500 GOLD at 2500 EUR by %s", l, holder.Address)
	}
	browsertest.Screenshot(t, b, "web-market-offer.png")

	// Take 0.100 GOLD of the market maker's best ask.
	best := book.Asks[0]
	if best.Offer == offerID {
		t.Fatalf("the page's offer at 2500 is the best ask: %+v", book.Asks)
	}
	wait(t, b, 30*time.Second, "taking the best ask",
		clickJS(fmt.Sprintf(`#asks tr[data-offer="%s"] button.take`, best.Offer.Hex())),
		chromedp.WaitVisible(chromedp.CSS(`#take-amount`)),
		chromedp.SendKeys(chromedp.CSS(`#take-amount`), "0.100"),
		chromedp.Click(chromedp.CSS(`#take-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#take-id`)))
	fillID, err := ledger.ParseHash(eval[string](t, b, `document.querySelector("#take-id").textContent`))
	if err != nil {
		t.Fatal(err)
	}
	wait(t, b, 30*time.Second, "the fill settled in the page",
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#fills tr[data-id="%s"] td.status[data-status="settled"]`, fillID.Hex()))))
	if fi, err := node.Tx(ctx, fillID); err != nil || fi.Status != api.TxSettled || fi.Kind != "Fill" {
		t.Errorf("the node has the page's fill as %+v, %v", fi, err)
	}
	if oi, err := node.Offer(ctx, best.Offer); err != nil || oi.Filled != "100" {
		t.Errorf("the taken offer: %+v, %v; want 100 units (0.100 GOLD) filled", oi, err)
	}

	// Sell 0.050 GOLD to the market maker's best bid: the page takes the
	// most EUR that costs at most 0.050 GOLD.
	bid := book.Bids[0]
	bidOffer, err := node.Offer(ctx, bid.Offer)
	if err != nil {
		t.Fatal(err)
	}
	wait(t, b, 30*time.Second, "selling to the best bid",
		clickJS(fmt.Sprintf(`#bids tr[data-offer="%s"] button.take`, bid.Offer.Hex())),
		chromedp.WaitVisible(chromedp.CSS(`#take-amount`)),
		chromedp.SendKeys(chromedp.CSS(`#take-amount`), "0.050"),
		chromedp.Click(chromedp.CSS(`#take-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#take-id`)))
	sellID, err := ledger.ParseHash(eval[string](t, b, `document.querySelector("#take-id").textContent`))
	if err != nil {
		t.Fatal(err)
	}
	wait(t, b, 30*time.Second, "the sale settled in the page",
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#fills tr[data-id="%s"] td.status[data-status="settled"]`, sellID.Hex()))))
	give, want := bidOffer.Offer.GiveAmount.Uint64(), bidOffer.Offer.WantAmount.Uint64() // EUR units for GOLD units
	take := 50 * give / want
	if oi, err := node.Offer(ctx, bid.Offer); err != nil || oi.Filled != fmt.Sprint(take) {
		t.Errorf("the bid sold to: %+v, %v; want %d EUR units filled (the most that costs at most 50 GOLD units)", oi, err, take)
	}

	// Cancel the page's own offer.
	wait(t, b, 30*time.Second, "cancelling the page's offer",
		clickJS(offerRow+` button.cancel`),
		chromedp.WaitNotPresent(chromedp.CSS(offerRow)))
	cancelID, err := ledger.ParseHash(eval[string](t, b, `document.querySelector("#cancel-id").textContent`))
	if err != nil {
		t.Fatal(err)
	}
	if ci, err := node.WaitTx(ctx, cancelID); err != nil || ci.Status != api.TxSettled || ci.Kind != "CancelOffer" {
		t.Errorf("the page's cancel: %+v, %v; want a settled CancelOffer", ci, err)
	}
	// The node forgets a cancelled offer once the cancel settles (404).
	var ae *api.Error
	if oi, err := node.Offer(ctx, offerID); !(err == nil && oi.Status == api.OfferCancelled || errors.As(err, &ae) && ae.HTTPStatus == 404) {
		t.Errorf("the cancelled offer: %+v, %v", oi, err)
	}
	wait(t, b, 20*time.Second, "the page's offer shown cancelled",
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#my-offers tr[data-offer="%s"] td.status[data-status="cancelled"]`, offerID.Hex()))))
	browsertest.Screenshot(t, b, "web-market-filled.png")
	cons.Check(t, "the market")
	if alert := eval[bool](t, b, `document.querySelector("#alert").hidden`); !alert {
		t.Errorf("the page shows an error: %s", eval[string](t, b, `document.querySelector("#alert").textContent`))
	}
}

// checkBatchRow: the Network page's row of batch seq shows the Ethereum
// transaction and counts the node has for it.
func checkBatchRow(t *testing.T, b context.Context, node *client.Client, seq uint64) {
	t.Helper()
	batch, err := node.Batch(context.Background(), seq)
	if err != nil {
		t.Fatal(err)
	}
	sel := fmt.Sprintf(`#batches tr[data-seq="%d"]`, seq)
	cells := eval[[]string](t, b, fmt.Sprintf(`[...document.querySelectorAll(%q)].map(td => td.textContent)`, sel+" td"))
	want := []string{fmt.Sprint(seq), fmt.Sprint(batch.Block), batch.TxHash.Hex(), fmt.Sprint(batch.Txs), fmt.Sprint(batch.Receipts)}
	if len(cells) < len(want) || !slices.Equal(cells[:len(want)], want) {
		t.Errorf("the Network page shows batch %d as %q; the node has %q", seq, cells, want)
	}
}

// checkQR reads the page's QR code (its canvas, as PNG) back with jsQR.
func checkQR(t *testing.T, b context.Context, want string) {
	t.Helper()
	url := eval[string](t, b, `document.querySelector("canvas#qr").toDataURL("image/png")`)
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(url, "data:image/png;base64,"))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	rgba := image.NewRGBA(img.Bounds())
	draw.Draw(rgba, rgba.Bounds(), img, img.Bounds().Min, draw.Src)
	f := filepath.Join(t.TempDir(), "qr.rgba")
	if err := os.WriteFile(f, rgba.Pix, 0o644); err != nil {
		t.Fatal(err)
	}
	w, h := rgba.Bounds().Dx(), rgba.Bounds().Dy()
	out, err := exec.Command("node", "testdata/qrcheck.mjs", "image", f, fmt.Sprint(w), fmt.Sprint(h)).CombinedOutput()
	if err != nil {
		t.Fatalf("reading the page's QR code: %v: %s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != want {
		t.Errorf("the page's QR code reads %q, want %q", got, want)
	}
}

// watchStatuses records, in the page, every status each history row
// shows, in order (window.statuses[id]).
func watchStatuses(t *testing.T, b context.Context) {
	t.Helper()
	eval[any](t, b, `(() => {
		window.statuses = {};
		const look = () => document.querySelectorAll("#history tr[data-id]").forEach((tr) => {
			const s = tr.querySelector("td.status")?.dataset.status, seen = (window.statuses[tr.dataset.id] ||= []);
			if (s && seen[seen.length - 1] !== s) seen.push(s);
		});
		if (window.statusObserver) window.statusObserver.disconnect();
		window.statusObserver = new MutationObserver(look);
		window.statusObserver.observe(document.body, { subtree: true, childList: true, attributes: true });
		look();
	})()`)
}

func statuses(t *testing.T, b context.Context, id ledger.Hash) []string {
	t.Helper()
	return eval[[]string](t, b, fmt.Sprintf(`window.statuses[%q] || []`, id.Hex()))
}

func settledUnits(t *testing.T, ctx context.Context, node *client.Client, account string, asset ledger.Hash) int64 {
	t.Helper()
	a, err := node.Account(ctx, account)
	if err != nil {
		t.Fatal(err)
	}
	for _, bal := range a.Balances {
		if bal.Asset == asset {
			var n int64
			fmt.Sscan(bal.SettledUnits, &n)
			return n
		}
	}
	return 0
}
