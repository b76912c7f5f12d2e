package pcsctest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/cardbridge/cardclient"
	"github.com/anonex/anonex/cardbridge/cardproto"
	"github.com/anonex/anonex/chain/devchain"
	"github.com/anonex/anonex/client"
	"github.com/anonex/anonex/devnet"
	"github.com/anonex/anonex/internal/browsertest"
	"github.com/anonex/anonex/kiosk"
	"github.com/anonex/anonex/ledger"
	"github.com/chromedp/chromedp"
	"github.com/holiman/uint256"
)

// kioskEvents reads a kiosk's event stream.
func kioskEvents(t *testing.T, ctx context.Context, base string) <-chan kiosk.Event {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	out := make(chan kiosk.Event, 32)
	go func() {
		defer resp.Body.Close()
		defer close(out)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if line := sc.Text(); strings.HasPrefix(line, "data: ") {
				var e kiosk.Event
				if json.Unmarshal([]byte(line[6:]), &e) == nil {
					out <- e
				}
			}
		}
	}()
	return out
}

func nextEvent(t *testing.T, events <-chan kiosk.Event, typ string, within time.Duration) (kiosk.Event, time.Time) {
	t.Helper()
	deadline := time.After(within)
	for {
		select {
		case e, ok := <-events:
			if !ok {
				t.Fatalf("the kiosk's event stream ended, waiting for %s", typ)
			}
			if e.Type == typ {
				return e, time.Now()
			}
		case <-deadline:
			t.Fatalf("no %s event from the kiosk within %s", typ, within)
		}
	}
}

// TestKioskEmphasizesWhereTheCardIsTaken: a card presented at the kiosk's
// reader (through pcscd) is read, and the kiosk sends the page exactly
// the stores of the devnet's venue that take its assets; the right PIN
// (after a wrong one, which reports the tries left) adds the card's
// spendable balances, read from the card; a store that registers while
// the card is there is added live; taking the card away clears the map.
func TestKioskEmphasizesWhereTheCardIsTaken(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	d, err := devnet.Start(ctx, devnet.Config{Nodes: 1, Cards: 1, HTTPAddr: "127.0.0.1:0", WSAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if d.Info.CardNotice != "" {
		t.Fatalf("the devnet's cards are not behind pcscd: %s", d.Info.CardNotice)
	}
	n := client.New(d.Info.Nodes[0].API, "")
	venue, _ := ledger.ParseHash(d.Info.Venues[0].ID)
	pc := openContext(t)
	reader, err := pc.VPCDReader(1)
	if err != nil {
		t.Fatal(err)
	}
	k, err := kiosk.New(kiosk.Config{Node: n, Venue: venue, Reader: reader})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	srv := httptest.NewServer(k.Handler())
	defer srv.Close()
	defer k.Close() // before srv.Close: it ends the page's event streams
	kctx, stopKiosk := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- k.Run(kctx) }()
	defer func() { stopKiosk(); <-done }()
	events := kioskEvents(t, ctx, srv.URL)

	page, err := http.Get(srv.URL + "/")
	if err != nil || page.StatusCode != 200 || !strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("the kiosk page: %v %v", err, page)
	}
	page.Body.Close()

	if err := d.PresentCard(0, 1); err != nil {
		t.Fatal(err)
	}
	ev, got := nextEvent(t, events, "card", 10*time.Second)
	card, _ := ledger.ParseAddress(d.Info.Cards[0].Address)
	if ev.Card == nil || *ev.Card != card {
		t.Fatalf("the kiosk read card %v, presented %s", ev.Card, card.Hex())
	}
	lag := got.Sub(time.UnixMilli(ev.At))
	t.Logf("from the reader's report to the page's event: %s", lag)
	if lag > 500*time.Millisecond {
		t.Errorf("the card's stores reached the page %s after the reader reported the card (the map must be drawn within 500 ms)", lag)
	}
	var names []string
	for _, s := range ev.Stores {
		names = append(names, s.Name)
	}
	slices.Sort(names)
	if want := []string{"Caffè Centrale", "Crypto Corner", "Market Hall", "Merchant Gift Shop"}; !slices.Equal(names, want) {
		t.Fatalf("stores %v, want %v", names, want)
	}

	post := func(path, body string) int {
		resp, err := http.Post(srv.URL+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	resp, err := http.Post(srv.URL+"/pin", "application/json", strings.NewReader(`{"pin":"999999"}`))
	if err != nil {
		t.Fatal(err)
	}
	var wrong struct {
		OK      bool   `json:"ok"`
		Error   string `json:"error"`
		PINLeft *uint8 `json:"pin_left"`
	}
	json.NewDecoder(resp.Body).Decode(&wrong)
	resp.Body.Close()
	if resp.StatusCode != 200 || wrong.OK || wrong.PINLeft == nil || *wrong.PINLeft != 2 || !strings.Contains(wrong.Error, "wrong PIN") {
		t.Fatalf("a wrong PIN: HTTP %d %+v", resp.StatusCode, wrong)
	}
	if e, _ := nextEvent(t, events, "pin", 5*time.Second); e.PINLeft == nil || *e.PINLeft != 2 {
		t.Fatalf("after a wrong PIN: %+v", e)
	}
	// Not a PIN: refused by the kiosk, no try spent.
	for _, bad := range []string{`{"pin":"12a456"}`, `{"pin":"123"}`, `{"pin":"1234567890123"}`} {
		if code := post("/pin", bad); code != http.StatusBadRequest {
			t.Errorf("POST /pin %s: HTTP %d, want 400", bad, code)
		}
	}
	if code := post("/pin", `{"pin":"`+d.Info.Cards[0].PIN+`"}`); code != 200 {
		t.Fatalf("the right PIN: HTTP %d", code)
	}
	bal, _ := nextEvent(t, events, "balances", 5*time.Second)
	spend := map[string]string{}
	for _, b := range bal.Balances {
		spend[b.Symbol] = b.Spendable
	}
	if spend["EUR"] != "100.00" || spend["ETH"] != "0.05" {
		t.Fatalf("balances %+v, want the devnet card's 100.00 EUR and 0.05 ETH", bal.Balances)
	}
	// The kiosk reset the card after the PIN: the session it opened ends,
	// so even a program that skips SELECT (which also ends a session)
	// cannot pay with it.
	h, err := pc.Connect(reader)
	if err != nil {
		t.Fatal(err)
	}
	cc := cardclient.New(h)
	ch, err := cc.Challenge()
	if err == nil {
		_, err = cc.Send(&cardproto.PayRequest{Asset: d.AssetID("EUR"), Amount: *uint256.NewInt(9000), Payee: ledger.Address{1}, Challenge: ch})
	}
	if err == nil {
		t.Error("after the kiosk showed the balances, another program paid with the card without its PIN")
	}
	h.Close()
	if code := post("/pin", `{"pin":"`+d.Info.Cards[0].PIN+`"}`); code != http.StatusConflict {
		t.Errorf("a PIN after the balances were shown: HTTP %d, want 409", code)
	}

	// A bakery registers and is placed while the card is at the kiosk.
	op, _ := account.FromMnemonic(devchain.TestMnemonic, "", devnet.VenueOperatorIndex)
	baker, _ := account.FromMnemonic(devchain.TestMnemonic, "", 300)
	dom := d.Nodes[0].Domain()
	eur := d.AssetID("EUR")
	for _, r := range []struct {
		k   *account.Key
		rec *ledger.VenueRecord
	}{
		{baker, &ledger.VenueRecord{Type: ledger.VenueRecordStore, Store: &ledger.VenueStore{Venue: venue, Merchant: baker.Address(),
			Name: "Bakery", X: 400, Y: 280, Accepts: []ledger.Hash{eur}, Open: true, Seq: 1}}},
		{op, &ledger.VenueRecord{Type: ledger.VenueRecordPlace, Place: &ledger.VenuePlace{Venue: venue, Merchant: baker.Address(),
			X: 400, Y: 280, Approved: true, Seq: 1}}},
	} {
		sig, _ := r.k.Sign(dom.Digest(r.rec.StructHash()))
		r.rec.Signature = ledger.Sig(sig)
		if _, err := n.PostVenueRecord(ctx, r.rec); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		e, _ := nextEvent(t, events, "card", time.Until(deadline))
		if slices.ContainsFunc(e.Stores, func(s api.VenueCardStore) bool { return s.Name == "Bakery" }) {
			break
		}
	}

	if err := d.WithdrawCard(0); err != nil {
		t.Fatal(err)
	}
	nextEvent(t, events, "removed", 5*time.Second)
}

// kioskStore is what the test expects of one shown store of the devnet's
// venue for the card presented: computed here from the card's own purses
// (GET STATUS through pcscd) and the store's listing (the node's venue),
// never from the kiosk's answer.
type kioskStore struct {
	name     string
	merchant ledger.Address
	accepts  []string               // the symbols it lists, then its merchant's own
	takes    []string               // the card's purses it takes, by symbol
	spend    map[string]uint256.Int // what the card can spend there, per symbol
}

// expectedStores computes, for a card's purses, every shown store of the
// venue and which purses it takes: a purse whose asset the store lists,
// or whose asset its merchant issued (a gift card at its own shop).
func expectedStores(t *testing.T, d *devnet.Devnet, v api.VenueDetail, purses []cardproto.Purse) []kioskStore {
	t.Helper()
	type asset struct {
		symbol string
		issuer ledger.Address
	}
	assets := map[ledger.Hash]asset{}
	for _, a := range d.Info.Assets {
		id, _ := ledger.ParseHash(a.ID)
		issuer, _ := ledger.ParseAddress(a.Issuer)
		assets[id] = asset{a.Symbol, issuer}
	}
	var out []kioskStore
	for _, st := range v.StoreList {
		if st.Status != api.StoreShown {
			continue
		}
		ks := kioskStore{name: st.Name, merchant: st.Merchant, spend: map[string]uint256.Int{}}
		for _, a := range st.Accepts {
			ks.accepts = append(ks.accepts, assets[a].symbol)
		}
		for _, a := range d.Info.Assets {
			if issuer, _ := ledger.ParseAddress(a.Issuer); issuer == st.Merchant {
				ks.accepts = append(ks.accepts, a.Symbol)
			}
		}
		for _, p := range purses {
			a, ok := assets[p.Asset]
			if !ok || !p.T.Gt(&p.D) {
				continue // an unknown asset, or nothing left to spend
			}
			if slices.Contains(st.Accepts, p.Asset) || a.issuer == st.Merchant {
				ks.takes = append(ks.takes, a.symbol)
				var left uint256.Int
				left.Sub(&p.T, &p.D)
				ks.spend[a.symbol] = left
			}
		}
		out = append(out, ks)
	}
	return out
}

// shownAmounts parses what the page shows a card can spend ("100.00 EUR ·
// 20.00 GIFT") into base units per symbol.
func shownAmounts(t *testing.T, d *devnet.Devnet, text string) map[string]uint256.Int {
	t.Helper()
	dec := map[string]uint8{}
	for _, a := range d.Info.Assets {
		dec[a.Symbol] = a.Decimals
	}
	out := map[string]uint256.Int{}
	for _, part := range strings.Split(text, " · ") {
		amount, sym, ok := strings.Cut(strings.TrimSpace(part), " ")
		d, known := dec[sym]
		if !ok || !known {
			t.Fatalf("the page shows %q: not an amount and a devnet symbol", part)
		}
		v, err := ledger.ParseAmount(amount, d)
		if err != nil {
			t.Fatalf("the page shows %q: %v", part, err)
		}
		out[sym] = *v
	}
	return out
}

// showSpend prints amounts in base units per symbol, for a failure.
func showSpend(m map[string]uint256.Int) string {
	var parts []string
	for _, sym := range slices.Sorted(maps.Keys(m)) {
		v := m[sym]
		parts = append(parts, v.Dec()+" "+sym+" base units")
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func sameAmounts(a, b map[string]uint256.Int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || !v.Eq(&w) {
			return false
		}
	}
	return true
}

func pageEval[T any](t *testing.T, b context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(b, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

func pageDo(t *testing.T, b context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b, 10*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		browsertest.Screenshot(t, b, "kiosk-failed.png")
		t.Fatalf("%s: %v", what, err)
	}
}

// pollVoid waits until a JavaScript predicate holds in the page.
func pollVoid(predicate string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := chromedp.Poll[bool](predicate, chromedp.WithPollingInterval(20*time.Millisecond))(ctx, tg)
		return chromedp.Void{}, err
	}
}

// storeSel is the CSS selector of a store's mark on the kiosk's map.
func storeSel(m ledger.Address) string {
	return fmt.Sprintf(`#map .store[data-merchant=%q]`, m.Hex())
}

// balanceInDOM matches an amount with a devnet symbol anywhere in the
// page's text (the map's too): a balance.
const balanceInDOM = `/[0-9] (EUR|ETH|GIFT|GOLD|USD|TOK)\b/.test(document.documentElement.textContent)`

// TestKioskPageEveryDevnetCard: the kiosk page in a real browser (headless
// Chromium), with each devnet card presented in turn at the kiosk's reader
// (through pcscd):
//   - exactly the stores that take one of the card's purses are
//     emphasized, the others plain — computed here from the card's purses
//     (GET STATUS) and each store's listing and merchant, so the gift
//     card (card devnet.GiftCard's GIFT) lights the merchant's shop and
//     no other; the map is drawn within 500 ms of the reader reporting
//     the card (the goal; measured by the page from the PC/SC event's
//     time to its second animation frame after drawing);
//   - no balance is anywhere in the page before the PIN;
//   - clicking a store shows its details: its name, what it takes in
//     symbols (its merchant's gift cards too), whether it takes the card
//     and which purses; Close hides them; a plain store's details open
//     with the keyboard (Enter) and close with Escape;
//   - a wrong PIN on the page's pad shows the tries left; the right one
//     (on the pad for card 0, typed on the keyboard for card 1) shows,
//     under each emphasized store, what the card can spend there in each
//     purse the store takes, in units with symbols, and the same in the
//     store's details; plain stores show none;
//   - nothing logs an error to the console.
//
// Screenshots of each card before and after the PIN are kept as artifacts.
func TestKioskPageEveryDevnetCard(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	d, err := devnet.Start(ctx, devnet.Config{Nodes: 1, Cards: 2, HTTPAddr: "127.0.0.1:0", WSAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if d.Info.CardNotice != "" {
		t.Fatalf("the devnet's cards are not behind pcscd: %s", d.Info.CardNotice)
	}
	pc := openContext(t)
	// What each card holds, read from the card in its own reader.
	purses := make([][]cardproto.Purse, len(d.Info.Cards))
	for i, c := range d.Info.Cards {
		waitCard(t, pc, c.Reader)
		h, err := pc.Connect(c.Reader)
		if err != nil {
			t.Fatal(err)
		}
		cl := cardclient.New(h)
		_, err = cl.Select()
		var st cardproto.Status
		if err == nil {
			st, err = cl.Status()
		}
		h.Close()
		if err != nil {
			t.Fatalf("card %d: %v", i, err)
		}
		purses[i] = st.Purses
	}
	// Card 1 leaves reader 1, the kiosk's; each card is presented there
	// in turn.
	if err := d.WithdrawCard(1); err != nil {
		t.Fatal(err)
	}
	reader, err := pc.VPCDReader(1)
	if err != nil {
		t.Fatal(err)
	}
	if err := pc.WaitRemoved(ctx, reader); err != nil {
		t.Fatal(err)
	}
	n := client.New(d.Info.Nodes[0].API, "")
	venueID, _ := ledger.ParseHash(d.Info.Venues[0].ID)
	venue, err := n.Venue(ctx, venueID)
	if err != nil {
		t.Fatal(err)
	}
	k, err := kiosk.New(kiosk.Config{Node: n, Venue: venueID, Reader: reader})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	srv := httptest.NewServer(k.Handler())
	defer srv.Close()
	defer k.Close()
	kctx, stopKiosk := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- k.Run(kctx) }()
	defer func() { stopKiosk(); <-done }()

	b, cons := browsertest.Start(t, ctx)
	pageDo(t, b, "the kiosk page", chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`#map .store`)))
	names := func(sel string) []string {
		return pageEval[[]string](t, b, fmt.Sprintf(`[...document.querySelectorAll(%q)].map(t => t.textContent).sort()`, sel))
	}
	if got := names(`#map .store > text`); len(got) != len(expectedStores(t, d, venue, nil)) {
		t.Fatalf("the page shows stores %v, the venue has %d shown", got, len(expectedStores(t, d, venue, nil)))
	}
	for i := range d.Info.Cards {
		want := expectedStores(t, d, venue, purses[i])
		var emph, plain, giftAt []string
		for _, s := range want {
			if len(s.takes) > 0 {
				emph = append(emph, s.name)
			} else {
				plain = append(plain, s.name)
			}
			if slices.Contains(s.takes, "GIFT") {
				giftAt = append(giftAt, s.name)
			}
		}
		slices.Sort(emph)
		slices.Sort(plain)
		// The devnet's demo, as the README tells it: the gift card's GIFT
		// only at the merchant's shop (the expectation above must see it).
		if i == devnet.GiftCard && !slices.Equal(giftAt, []string{"Merchant Gift Shop"}) {
			t.Fatalf("card %d: its GIFT would be taken at %v, want the merchant's shop only (purses %+v)", i, giftAt, purses[i])
		}
		if len(emph) == 0 || len(plain) == 0 {
			t.Fatalf("card %d: emphasized %v, plain %v: the demo needs both", i, emph, plain)
		}

		if err := d.PresentCard(i, 1); err != nil {
			t.Fatal(err)
		}
		pageDo(t, b, fmt.Sprintf("card %d drawn", i), chromedp.WaitVisible(chromedp.CSS(`#map .store.takes`)))
		if got, gotPlain := names(`#map .store.takes > text:not(.balance)`), names(`#map .store.plain > text`); !slices.Equal(got, emph) || !slices.Equal(gotPlain, plain) {
			t.Errorf("card %d: emphasized %v, plain %v; want %v emphasized, %v plain", i, got, gotPlain, emph, plain)
		}
		if pageEval[bool](t, b, balanceInDOM) || pageEval[int](t, b, `document.querySelectorAll("#map .balance").length`) != 0 {
			t.Errorf("card %d: a balance is in the page before the PIN: %q", i, pageEval[string](t, b, `document.body.innerText`))
		}
		browsertest.Screenshot(t, b, fmt.Sprintf("kiosk-card-%d.png", i))

		// Touching a store that takes the card shows its details.
		var taking, notTaking kioskStore
		for _, s := range want {
			if len(s.takes) > 0 && (taking.name == "" || s.name == "Merchant Gift Shop") {
				taking = s
			}
			if len(s.takes) == 0 && notTaking.name == "" {
				notTaking = s
			}
		}
		detail := func() (name, accepts, card, spend string) {
			v := pageEval[[]string](t, b, `["store-name", "store-accepts", "store-card", "store-spend"].map(id => document.getElementById(id).textContent)`)
			return v[0], v[1], v[2], v[3]
		}
		pageDo(t, b, "click "+taking.name, chromedp.Click(chromedp.CSS(storeSel(taking.merchant)+" circle")), chromedp.WaitVisible(chromedp.CSS(`#store`)))
		name, accepts, takesCard, spend := detail()
		if name != taking.name || !containsAll(accepts, taking.accepts) || !strings.HasPrefix(takesCard, "Takes this card's") ||
			!containsAll(takesCard, taking.takes) || balanceRe.MatchString(spend) || balanceRe.MatchString(takesCard) {
			t.Errorf("card %d, %s's details before the PIN: %q / %q / %q / %q; want it to list %v, take %v, no balance",
				i, taking.name, name, accepts, takesCard, spend, taking.accepts, taking.takes)
		}
		pageDo(t, b, "close the details", chromedp.Click(chromedp.CSS(`#store-close`)), chromedp.WaitNotVisible(chromedp.CSS(`#store`)))
		// A plain store, with the keyboard: Enter opens, Escape closes.
		pageDo(t, b, "Enter on "+notTaking.name, chromedp.Focus(chromedp.CSS(storeSel(notTaking.merchant))),
			chromedp.KeyEvent("\r"), chromedp.WaitVisible(chromedp.CSS(`#store`)))
		if name, accepts, takesCard, _ := detail(); name != notTaking.name || !containsAll(accepts, notTaking.accepts) || takesCard != "Does not take this card." {
			t.Errorf("card %d, %s's details: %q / %q / %q; want it to list %v and not take the card", i, notTaking.name, name, accepts, takesCard, notTaking.accepts)
		}
		pageDo(t, b, "Escape", chromedp.KeyEvent("\x1b"), chromedp.WaitNotVisible(chromedp.CSS(`#store`)))

		// The PIN, on the page.
		pin := d.Info.Cards[i].PIN
		pad := func(keys string) {
			for _, c := range keys {
				pageDo(t, b, "the PIN pad", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#pinpad button[data-key=%q]`, string(c)))))
			}
			pageDo(t, b, "the PIN pad's OK", chromedp.Click(chromedp.CSS(`#pinpad button[data-key="OK"]`)))
		}
		if i == 0 {
			pad("999999")
			pageDo(t, b, "a wrong PIN", pollVoid(`document.getElementById("message").textContent.includes("2 tries left")`))
			if pageEval[bool](t, b, balanceInDOM) {
				t.Errorf("card %d: a balance is in the page after a wrong PIN", i)
			}
			pad(pin)
		} else {
			pageEval[bool](t, b, `(document.activeElement?.blur(), true)`)
			pageDo(t, b, "the PIN typed", chromedp.KeyEvent(pin+"\r"))
		}
		pageDo(t, b, fmt.Sprintf("card %d's balances", i), chromedp.WaitVisible(chromedp.CSS(`#map .store.takes .balance`)))
		shown := pageEval[map[string]string](t, b, `Object.fromEntries([...document.querySelectorAll("#map .store")].map(g =>
			[g.querySelector("text").textContent, g.querySelector(".balance")?.textContent ?? ""]))`)
		for _, s := range want {
			if len(s.takes) == 0 {
				if shown[s.name] != "" {
					t.Errorf("card %d: %s, which does not take it, shows %q", i, s.name, shown[s.name])
				}
				continue
			}
			if shown[s.name] == "" || !sameAmounts(shownAmounts(t, d, shown[s.name]), s.spend) {
				t.Errorf("card %d: %s shows %q; the card can spend %s there", i, s.name, shown[s.name], showSpend(s.spend))
			}
		}
		browsertest.Screenshot(t, b, fmt.Sprintf("kiosk-card-%d-pin.png", i))
		pageDo(t, b, "click "+taking.name+" after the PIN", chromedp.Click(chromedp.CSS(storeSel(taking.merchant)+" circle")), chromedp.WaitVisible(chromedp.CSS(`#store`)))
		if _, _, _, spend := detail(); !strings.HasPrefix(spend, "This card can spend here: ") ||
			!sameAmounts(shownAmounts(t, d, strings.TrimPrefix(spend, "This card can spend here: ")), taking.spend) {
			t.Errorf("card %d, %s's details after the PIN: %q; the card can spend %s there", i, taking.name, spend, showSpend(taking.spend))
		}
		browsertest.Screenshot(t, b, fmt.Sprintf("kiosk-card-%d-store.png", i))
		pageDo(t, b, "close the details", chromedp.Click(chromedp.CSS(`#store-close`)), chromedp.WaitNotVisible(chromedp.CSS(`#store`)))

		deadline := time.Now().Add(5 * time.Second)
		for len(k.Draws()) <= i && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if err := d.WithdrawCard(i); err != nil {
			t.Fatal(err)
		}
		pageDo(t, b, "the card withdrawn", chromedp.WaitNotPresent(chromedp.CSS(`#map .store.takes`)))
		if pageEval[bool](t, b, balanceInDOM) {
			t.Errorf("card %d: a balance is still in the page after the card left", i)
		}
		if err := pc.WaitRemoved(ctx, reader); err != nil {
			t.Fatal(err)
		}
	}
	draws := k.Draws()
	t.Logf("drawn after the reader's report: %v", draws)
	if len(draws) != len(d.Info.Cards) {
		t.Fatalf("the page reported %d draws for %d cards", len(draws), len(d.Info.Cards))
	}
	for i, dr := range draws {
		if dr > 500*time.Millisecond || dr < 0 {
			t.Errorf("card %d drawn %s after the reader reported it: the goal is 500 ms", i, dr)
		}
	}
	cons.Check(t, "the kiosk page")
}

// balanceRe matches an amount with a symbol.
var balanceRe = regexp.MustCompile(`[0-9] [A-Z]{2,}`)

// containsAll reports whether s names every one of words.
func containsAll(s string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(s, w) {
			return false
		}
	}
	return true
}
