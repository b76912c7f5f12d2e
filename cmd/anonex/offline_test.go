package main

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/anonex/anonex/cardbridge/pcsctest"
	"github.com/anonex/anonex/cardbridge/terminal"
	"github.com/anonex/anonex/cardbridge/terminal/queue"
	"github.com/anonex/anonex/client"
	"github.com/anonex/anonex/devnet"
	"github.com/anonex/anonex/ledger"
)

// deadNode is the URL of a port nothing listens on: a node that is down.
func deadNode(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

func queued(t *testing.T, dir string) map[ledger.Hash][]byte {
	t.Helper()
	q, err := queue.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	p, err := q.Pending()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestOfflinePaymentWithNetworkDown is the README's offline payment with
// the node down, through pcscd and vpcd: below the floor the terminal
// approves it offline from its own configuration (devnet.json, or the
// terminal.json `terminal setup` wrote) and keeps the record on disk;
// above the floor it declines with "needs the network" and the card signs
// nothing; a card on the hot-list as last fetched is refused offline; once
// the node is back, `terminal flush` forwards the records and they settle.
func TestOfflinePaymentWithNetworkDown(t *testing.T) {
	stop, err := pcsctest.StartDaemon()
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	d, err := devnet.Start(ctx, devnet.Config{Nodes: 1, Cards: 1, NoMarket: true, HTTPAddr: "127.0.0.1:0", WSAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if d.Info.Cards[0].Transport != "pcsc" {
		t.Fatalf("the devnet's card is not behind pcscd: %+v", d.Info.Cards[0])
	}
	dir := d.Info.DataDir
	cl := client.New(d.Info.Nodes[0].API, d.Info.Nodes[0].APIToken)
	down := deadNode(t)
	payee := d.Info.Terminal.Payee
	before, err := cl.Account(ctx, payee)
	if err != nil {
		t.Fatal(err)
	}
	card := func() string { return run(t, "card", "status", "--devnet", dir, "--reader", "0", "--json") }
	pay := func(args ...string) (terminal.Result, string, error) {
		cmd := anonex(append([]string{"terminal", "pay", "--reader", "0", "--json"}, args...)...)
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var res terminal.Result
		json.Unmarshal([]byte(stdout.String()), &res)
		return res, stdout.String() + stderr.String(), err
	}

	// The README's command, the node down: devnet.json is the terminal's
	// configuration.
	res, out, err := pay("--devnet", dir, "--node", down, "--amount", "5.00", "--currency", "EUR")
	if err != nil || res.Status != "approved" || res.Mode != "offline" {
		t.Fatalf("offline payment with the node down: %v\n%s", err, out)
	}
	first := res.TxID
	if p := queued(t, d.Info.Terminal.Queue); len(p) != 1 || p[first] == nil {
		t.Fatalf("the terminal's queue holds %d records, want the payment's", len(p))
	}
	if _, err := cl.Tx(ctx, first); err == nil {
		t.Fatalf("the node has the record though it was down")
	}

	// Above the floor the payment needs the network: a clear decline, and
	// the card signs nothing.
	was := card()
	res, out, err = pay("--devnet", dir, "--node", down, "--amount", "30.00", "--currency", "EUR")
	if err == nil || res.Status != "declined" || res.Code != terminal.CodeNetwork || !strings.Contains(out, "needs the network") {
		t.Fatalf("online payment with the node down: %v\n%s", err, out)
	}
	if now := card(); now != was {
		t.Fatalf("the card changed on a declined payment:\n%s\n%s", was, now)
	}
	if p := queued(t, d.Info.Terminal.Queue); len(p) != 1 {
		t.Fatalf("the terminal's queue holds %d records after the decline, want 1", len(p))
	}

	// A terminal of its own, no devnet.json: set up online, then it pays
	// offline from terminal.json alone.
	own := filepath.Join(t.TempDir(), "terminal")
	run(t, "terminal", "setup", "--devnet", dir, "--queue", own)
	res, out, err = pay("--node", down, "--queue", own, "--amount", "4.00", "--currency", "EUR")
	if err != nil || res.Status != "approved" || res.Mode != "offline" {
		t.Fatalf("offline payment from terminal.json: %v\n%s", err, out)
	}
	second := res.TxID
	if p := queued(t, own); len(p) != 1 || p[second] == nil {
		t.Fatalf("the own terminal's queue holds %d records, want the payment's", len(p))
	}

	// The node is back: flush forwards both, and they settle.
	for _, q := range []string{d.Info.Terminal.Queue, own} {
		if out := run(t, "terminal", "flush", "--devnet", dir, "--queue", q); !strings.Contains(out, "0 records left") {
			t.Fatalf("flush %s: %s", q, out)
		}
		if p := queued(t, q); len(p) != 0 {
			t.Fatalf("%d records left in %s after the flush", len(p), q)
		}
	}
	for _, id := range []ledger.Hash{first, second} {
		if st, err := cl.WaitTx(ctx, id, "settled"); err != nil || st.Status != "settled" {
			t.Fatalf("queued record %s: %+v %v", id.Hex(), st, err)
		}
	}
	after, err := cl.Account(ctx, payee)
	if err != nil {
		t.Fatal(err)
	}
	eur := d.Info.Assets[0].ID
	for _, a := range d.Info.Assets {
		if a.Symbol == "EUR" {
			eur = a.ID
		}
	}
	s0, _ := units(t, before, eur)
	s1, _ := units(t, after, eur)
	if got := mustInt(t, s1) - mustInt(t, s0); got != 9_00 {
		t.Fatalf("the merchant received %d cents, want 900", got)
	}

	// The hot-list as last fetched is checked offline.
	st, err := loadTerminalState(own)
	if err != nil {
		t.Fatal(err)
	}
	st.HotList = map[string]string{d.Info.Cards[0].Address: "lost"}
	if err := st.save(own); err != nil {
		t.Fatal(err)
	}
	was = card()
	res, out, err = pay("--node", down, "--queue", own, "--amount", "1.00", "--currency", "EUR")
	if err == nil || res.Code != terminal.CodeHotListed {
		t.Fatalf("a hot-listed card offline: %v\n%s", err, out)
	}
	if now := card(); now != was {
		t.Fatalf("the card changed on a declined payment")
	}
	if _, err := os.Stat(statePath(own)); err != nil {
		t.Fatal(err)
	}
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	var v int64
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return v
}
