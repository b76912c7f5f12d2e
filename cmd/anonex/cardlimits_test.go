package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/anonex/anonex/devnet"
)

// TestCardLimitsPerPurse: `anonex card limits` shows each purse's limits
// in its own asset (symbol and units), and sets one purse's — signed by
// the card's owner — without touching the others.
func TestCardLimitsPerPurse(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	d, err := devnet.Start(ctx, devnet.Config{Nodes: 1, Cards: 1, DataDir: dir, HTTPAddr: "127.0.0.1:0", WSAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	show := func() map[string]purseLimits {
		t.Helper()
		var got []purseLimits
		out := run(t, "card", "limits", "--devnet", dir, "--json")
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("card limits --json: %v\n%s", err, out)
		}
		m := map[string]purseLimits{}
		for _, p := range got {
			m[p.Symbol] = p
		}
		return m
	}
	got := show()
	if e, x := got["EUR"], got["ETH"]; len(got) != 2 || e.OfflineCap != "50.00" || e.NoPinLimit != "25.00" || e.OfflineMax != 5 ||
		x.OfflineCap != "0.010000000000000000" || x.NoPinLimit != "0.005000000000000000" || x.OfflineMax != 5 {
		t.Fatalf("the devnet card's limits: %+v", got)
	}
	run(t, "card", "limits", "--devnet", dir, "--asset", "ETH", "--offline-cap", "0.02", "--offline-max", "3", "--no-pin", "0.01")
	got = show()
	if e, x := got["EUR"], got["ETH"]; e.NoPinLimit != "25.00" || e.Seq != 0 || x.OfflineCap != "0.020000000000000000" || x.NoPinLimit != "0.010000000000000000" ||
		x.OfflineMax != 3 || x.Seq == 0 {
		t.Fatalf("after setting the ETH purse's limits: %+v", got)
	}
	human := run(t, "card", "limits", "--devnet", dir)
	for _, want := range []string{"EUR: offline up to 50.00 EUR", "no PIN up to 25.00 EUR", "ETH: offline up to 0.020000000000000000 ETH", "no PIN up to 0.010000000000000000 ETH"} {
		if !strings.Contains(human, want) {
			t.Fatalf("card limits output lacks %q:\n%s", want, human)
		}
	}
	// The units are the asset's: 18 decimals for ETH, 2 for EUR.
	// Setting takes all three values.
	if out, err := anonex("card", "limits", "--devnet", dir, "--asset", "ETH", "--no-pin", "0.02").CombinedOutput(); err == nil {
		t.Fatalf("a partial limits update went through:\n%s", out)
	}
}
