package devnet

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/cardbridge/applet"
	"github.com/anonex/anonex/cardbridge/cardclient"
	"github.com/anonex/anonex/cardbridge/pcsc"
	"github.com/anonex/anonex/cardbridge/pcsctest"
	"github.com/anonex/anonex/cardbridge/terminal"
	"github.com/anonex/anonex/cardbridge/terminal/queue"
	"github.com/anonex/anonex/client"
	"github.com/anonex/anonex/ledger"
	"github.com/holiman/uint256"
)

// devnetView is what a snapshot must bring back: per node the holders'
// settled EUR and nonces and the settled batch count, the chain head, and
// per card its counter and each purse's T, D and sequence number.
type devnetView struct {
	Nodes []string
	Head  uint64
	Hash  string
	Cards []string
}

func viewOf(t *testing.T, ctx context.Context, d *Devnet) devnetView {
	t.Helper()
	var v devnetView
	for i, n := range d.Nodes {
		var b strings.Builder
		fmt.Fprintf(&b, "settled %d;", settledHead(t, n).NextSeq)
		for _, a := range d.Info.Accounts[1:4] {
			addr, _ := ledger.ParseAddress(a.Address)
			info, err := n.Account(addr)
			if err != nil {
				t.Fatalf("node %d: %v", i, err)
			}
			eur := ""
			for _, bal := range info.Balances {
				if bal.Symbol == "EUR" {
					eur = bal.Settled
				}
			}
			fmt.Fprintf(&b, " %s nonce %d EUR %s;", a.Role, info.Nonce, eur)
		}
		v.Nodes = append(v.Nodes, b.String())
	}
	n, h := d.Chain.Head()
	v.Head, v.Hash = n, h.Hex()
	for i := range d.Info.Cards {
		tr, done := attach(t, ctx, d, i)
		cl := cardclient.New(tr)
		_, err := cl.Select()
		if err != nil {
			t.Fatalf("card %d: %v", i, err)
		}
		st, err := cl.Status()
		done()
		if err != nil {
			t.Fatalf("card %d: %v", i, err)
		}
		s := fmt.Sprintf("counter %d", st.Counter)
		for _, p := range st.Purses {
			s += fmt.Sprintf("; T %s D %s seq %d", p.T.Dec(), p.D.Dec(), p.Seq)
		}
		v.Cards = append(v.Cards, s)
	}
	return v
}

// attach connects to devnet card i as a terminal would: through pcscd
// (a shared connection) or, in process, by opening its state file.
func attach(t *testing.T, ctx context.Context, d *Devnet, i int) (cardclient.Transport, func()) {
	t.Helper()
	c := d.Info.Cards[i]
	if c.Transport == "pcsc" {
		pc, err := pcsc.Open()
		if err != nil {
			t.Fatal(err)
		}
		h, err := connectFresh(ctx, pc, c.Reader)
		if err != nil {
			pc.Release()
			t.Fatalf("card %d: %v", i, err)
		}
		return h, func() { h.Close(); pc.Release() }
	}
	m, err := applet.OpenFileMedium(c.State)
	if err != nil {
		t.Fatalf("card %d: %v", i, err)
	}
	a, err := applet.New(m, rand.Reader)
	if err != nil {
		m.Close()
		t.Fatal(err)
	}
	return cardclient.Direct{Card: a}, func() { m.Close() }
}

// waitView waits until the devnet looks like want (its nodes fold the
// chain up to the head again after a revert), failing with the
// difference.
func waitView(t *testing.T, ctx context.Context, d *Devnet, want devnetView, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := viewOf(t, ctx, d)
		if reflect.DeepEqual(got, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s the devnet is\n%+v\nwant\n%+v", timeout, got, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// transfer sends amount EUR (base units) from holder i to holder j and
// waits until every node has it settled.
func transfer(t *testing.T, ctx context.Context, d *Devnet, i, j int, amount uint64) {
	t.Helper()
	from, to := d.Info.Accounts[i], d.Info.Accounts[j]
	key, err := account.LoadKeyFile(from.Keystore, from.Password)
	if err != nil {
		t.Fatal(err)
	}
	info, err := d.Nodes[0].Account(key.Address())
	if err != nil {
		t.Fatal(err)
	}
	toAddr, _ := ledger.ParseAddress(to.Address)
	tx := &ledger.Transfer{From: key.Address(), To: toAddr, Asset: d.AssetID("EUR"), Amount: *uint256.NewInt(amount), Nonce: info.Nonce}
	sig, err := key.Sign(d.Nodes[0].Domain().Digest(tx.StructHash()))
	if err != nil {
		t.Fatal(err)
	}
	res, err := d.Nodes[0].Submit(ctx, &ledger.Tx{Payload: tx, Sig: ledger.Sig(sig)})
	if err != nil {
		t.Fatal(err)
	}
	d.Nodes[0].Flush()
	for _, n := range d.Nodes {
		if err := waitSettled(ctx, n, res.ID, 20*time.Second); err != nil {
			t.Fatal(err)
		}
	}
}

// payOnline has card i pay 30.00 EUR at the devnet's terminal: above the
// offline floor and the no-PIN limit, so online with the PIN; it waits
// until the payment is settled on every node.
func payOnline(t *testing.T, ctx context.Context, d *Devnet, i int) {
	t.Helper()
	q, err := queue.Open(filepath.Join(t.TempDir(), "terminal"))
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	ti := d.Info.Terminal
	payee, _ := ledger.ParseAddress(ti.Payee)
	issuer, _ := ledger.ParseAddress(ti.Trusted[0])
	pin := d.Info.Cards[i].PIN
	cfg := terminal.Config{Domain: d.Nodes[0].Domain(), Payee: payee, Trusted: []ledger.Address{issuer}, Queue: q,
		Net: client.TerminalNet{C: client.New(d.Nodes[0].APIURL(), d.Nodes[0].APIToken())},
		PIN: func() (string, error) { return pin, nil }}
	tr, done := attach(t, ctx, d, i)
	res := terminal.Pay(ctx, &cfg, tr, d.AssetID("EUR"), uint256.NewInt(30_00))
	done()
	if res.Status != "approved" || res.Mode != "online" || res.TxID == (ledger.Hash{}) {
		t.Fatalf("card %d pays 30.00 EUR: %+v", i, res)
	}
	for _, n := range d.Nodes {
		if err := waitSettled(ctx, n, res.TxID, 20*time.Second); err != nil {
			t.Fatal(err)
		}
	}
}

// webPay pays 5.00 EUR (offline) from card i at the terminal node 0 runs
// for the web app, through its API, as the Terminal page does.
func webPay(t *testing.T, ctx context.Context, d *Devnet, i int) {
	t.Helper()
	call := func(method, path string, body, out any) {
		t.Helper()
		b, _ := json.Marshal(body)
		req, _ := http.NewRequestWithContext(ctx, method, d.Nodes[0].APIURL()+path, bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+d.Nodes[0].APIToken())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			var e api.Error
			json.NewDecoder(resp.Body).Decode(&e)
			t.Fatalf("%s %s: %d %s: %s", method, path, resp.StatusCode, e.Code, e.Message)
		}
		json.NewDecoder(resp.Body).Decode(out)
	}
	var p api.TerminalPayment
	call("POST", "/v1/terminal/payments", api.TerminalPaymentRequest{Reader: d.Info.Cards[i].Index, Currency: "EUR", Amount: "5.00"}, &p)
	for p.Result == nil {
		call("GET", fmt.Sprintf("/v1/terminal/payments/%s?after=%d", p.ID, p.Version), nil, &p)
	}
	if p.Result.Status != "approved" || p.Result.TxID == nil {
		t.Fatalf("card %d pays 5.00 EUR at the web terminal: %+v", i, p.Result)
	}
	for _, n := range d.Nodes {
		if err := waitSettled(ctx, n, *p.Result.TxID, 20*time.Second); err != nil {
			t.Fatal(err)
		}
	}
}

// loadCard loads 10.00 EUR onto card i from its owner's account.
func loadCard(t *testing.T, ctx context.Context, d *Devnet, i int) {
	t.Helper()
	var owner *account.Key
	for _, a := range d.Info.Accounts {
		if strings.EqualFold(a.Address, d.Info.Cards[i].Owner) {
			k, err := account.LoadKeyFile(a.Keystore, a.Password)
			if err != nil {
				t.Fatal(err)
			}
			owner = k
		}
	}
	tr, done := attach(t, ctx, d, i)
	defer done()
	n0 := client.New(d.Nodes[0].APIURL(), d.Nodes[0].APIToken())
	_, id, err := client.LoadCard(ctx, cardclient.New(tr), n0, owner, d.AssetID("EUR"), uint256.NewInt(10_00))
	if err != nil {
		t.Fatalf("load card %d: %v", i, err)
	}
	if st, err := n0.WaitTx(ctx, id, api.TxSettled); err != nil || st.Status != api.TxSettled {
		t.Fatalf("load card %d: %+v %v", i, st, err)
	}
}

// TestSnapshotRevertWholeDevnet takes a snapshot, moves the devnet on
// (a transfer, a card load, a card payment, all settled; a later
// snapshot), and reverts: every node's balances, nonces and settled
// batches, the chain head and every card's counter, T and D are the
// snapshot's again, the later snapshot is gone with it, and the devnet
// works on (a transfer settles, a card pays). An attached card and an
// unknown id are refused and change nothing.
func TestSnapshotRevertWholeDevnet(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	d, err := Start(ctx, Config{Cards: 2, HTTPAddr: "127.0.0.1:0", WSAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	t.Logf("cards: %s", d.Info.Cards[0].Transport)

	began := time.Now()
	snap, err := d.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("snapshot %s at block %d in %s", snap.ID, snap.Chain.Number, time.Since(began))
	before := viewOf(t, ctx, d)
	if before.Head != snap.Chain.Number || before.Hash != snap.Chain.Hash.Hex() {
		t.Fatalf("snapshot at %+v, head then %d %s", snap.Chain, before.Head, before.Hash)
	}

	transfer(t, ctx, d, 1, 2, 1_50)
	loadCard(t, ctx, d, 0)
	payOnline(t, ctx, d, 1)
	later, err := d.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	moved := viewOf(t, ctx, d)
	for i := range before.Nodes {
		if moved.Nodes[i] == before.Nodes[i] {
			t.Fatalf("node %d did not move: %s", i, moved.Nodes[i])
		}
	}
	if moved.Cards[0] == before.Cards[0] || moved.Cards[1] == before.Cards[1] || moved.Head <= before.Head {
		t.Fatalf("the cards or the chain did not move: %+v", moved)
	}

	// A card attached by another program: refused, nothing changes.
	_, release := attach(t, ctx, d, 0)
	_, err = d.Revert(ctx, snap.ID)
	release()
	var attached *CardAttachedError
	if !errors.As(err, &attached) || attached.Card != 0 {
		t.Fatalf("revert with card 0 attached: %v, want a CardAttachedError for card 0", err)
	}
	t.Logf("refused: %v", err)
	if _, err := d.Revert(ctx, "77"); !errors.Is(err, ErrUnknownSnapshot) {
		t.Fatalf("revert to an unknown id: %v", err)
	}
	if now := viewOf(t, ctx, d); !reflect.DeepEqual(now, moved) {
		t.Fatalf("a refused revert changed the devnet:\n%+v\nwas\n%+v", now, moved)
	}

	began = time.Now()
	out, err := d.Revert(ctx, snap.ID)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("reverted in %s (%d ms inside)", time.Since(began), out.Millis)
	if len(out.Dropped) != 1 || out.Dropped[0] != later.ID {
		t.Fatalf("revert dropped %v, want the later snapshot %s", out.Dropped, later.ID)
	}
	waitView(t, ctx, d, before, 15*time.Second)
	for _, id := range []string{snap.ID, later.ID} {
		if _, err := d.Revert(ctx, id); !errors.Is(err, ErrUnknownSnapshot) {
			t.Fatalf("revert to used-up snapshot %s: %v", id, err)
		}
	}
	if len(d.Snapshots()) != 0 {
		t.Fatalf("snapshots left: %+v", d.Snapshots())
	}

	// The devnet works on from the snapshot: the same transfer and
	// payment again (the same nonces, the cards' same counters).
	transfer(t, ctx, d, 1, 2, 1_50)
	payOnline(t, ctx, d, 1)
	loadCard(t, ctx, d, 0)
	// The same balances and nonces (how many batches carried them
	// depends on timing).
	balances := func(v devnetView) []string {
		var out []string
		for _, n := range v.Nodes {
			out = append(out, n[strings.Index(n, ";"):])
		}
		return out
	}
	if after := viewOf(t, ctx, d); !reflect.DeepEqual(balances(after), balances(moved)) {
		t.Fatalf("the same transfers after the revert give\n%+v\nnot\n%+v", after.Nodes, moved.Nodes)
	}
}

// TestSnapshotGoneAfterRestart: a persisted devnet restarted does not
// revert to a snapshot taken before (the reopened chain cannot be rewound
// below the head it reopened at); the refusal says why, and snapshot ids
// are not given twice.
func TestSnapshotGoneAfterRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cfg := Config{Nodes: 1, NoMarket: true, DataDir: t.TempDir(), HTTPAddr: "127.0.0.1:0", WSAddr: "127.0.0.1:0"}
	d, err := Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := d.Snapshot(ctx)
	if err != nil {
		d.Close()
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	d, err = Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	_, err = d.Revert(ctx, snap.ID)
	if !errors.Is(err, ErrUnknownSnapshot) || !strings.Contains(err.Error(), "restarted") {
		t.Fatalf("revert across a restart: %v", err)
	}
	next, err := d.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if next.ID == snap.ID {
		t.Fatalf("snapshot id %s given twice", next.ID)
	}
	// The new one reverts.
	if _, err := d.Revert(ctx, next.ID); err != nil {
		t.Fatal(err)
	}
}

// TestSnapshotRevertsTheWebTerminal: the terminal node 0 runs for the web
// app keeps the counters of the cards it took, like the devnet's own
// terminal: a revert puts its queue back with the cards, so a card paying
// there after the revert signs the counters it signed before and is not
// taken for a clone. The cards sit in vpcd's readers behind pcscd (the web
// terminal pays through the machine's readers).
func TestSnapshotRevertsTheWebTerminal(t *testing.T) {
	pcsctest.Readers(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	d, err := Start(ctx, Config{Nodes: 1, Cards: 2, NoMarket: true, HTTPAddr: "127.0.0.1:0", WSAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if d.Info.Cards[1].Transport != "pcsc" {
		t.Fatalf("the devnet's cards are not behind pcscd: %s", d.Info.CardNotice)
	}
	webPay(t, ctx, d, 1) // the web terminal has run: its queue exists
	snap, err := d.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	webPay(t, ctx, d, 1)
	if _, err := d.Revert(ctx, snap.ID); err != nil {
		t.Fatal(err)
	}
	webPay(t, ctx, d, 1) // the counter of the payment reverted, signed again
}
