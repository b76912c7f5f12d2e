package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/anonex/anonex/devnet"
	"github.com/anonex/anonex/ledger"
	"github.com/urfave/cli/v2"
)

// resolveWith runs resolveTerminal under the real flags of `terminal pay`.
func resolveWith(t *testing.T, args ...string) (*terminalSetup, error) {
	t.Helper()
	var ts *terminalSetup
	var rerr error
	pay := &cli.Command{Name: "pay", Flags: []cli.Flag{&cli.StringFlag{Name: "currency", Value: "EUR"}, &cli.StringFlag{Name: "queue"}, nodeFlag, devnetFlag},
		Action: func(c *cli.Context) error {
			n, err := nodeClient(c)
			if err != nil {
				return err
			}
			ts, rerr = resolveTerminal(context.Background(), c, n, c.String("currency"))
			return nil
		}}
	app := &cli.App{Name: "anonex", Commands: []*cli.Command{pay}}
	if err := app.Run(append([]string{"anonex", "pay"}, args...)); err != nil {
		t.Fatal(err)
	}
	return ts, rerr
}

// TestTerminalResolvesOffline: with the node down, `terminal pay` takes the
// currency, its decimals and the network's domain from devnet.json or from
// the terminal's own terminal.json, and says to run `terminal setup` when
// it has neither.
func TestTerminalResolvesOffline(t *testing.T) {
	down := deadNode(t)
	eur := ledger.Hash{0xe0}
	anchor := ledger.Address{0xa0}
	dir := t.TempDir()
	info := devnet.Info{ChainID: 1337, Contracts: map[string]string{"anchor": anchor.Hex()},
		Assets:   []devnet.AssetInfo{{ID: eur.Hex(), Symbol: "EUR", Decimals: 2}},
		Terminal: &devnet.TerminalInfo{Queue: filepath.Join(dir, "terminal")}}
	b, _ := json.Marshal(info)
	if err := os.WriteFile(filepath.Join(dir, "devnet.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	want := ledger.NewDomain(1337, anchor)

	ts, err := resolveWith(t, "--devnet", dir, "--node", down, "--currency", "eur")
	if err != nil || ts.online || ts.asset.ID != eur || ts.asset.Decimals != 2 || ts.domain.Digest(ledger.Hash{}) != want.Digest(ledger.Hash{}) {
		t.Fatalf("from devnet.json: %+v %v", ts, err)
	}

	own := filepath.Join(t.TempDir(), "terminal")
	if _, err := resolveWith(t, "--node", down, "--queue", own); err == nil || !strings.Contains(err.Error(), "terminal setup") {
		t.Fatalf("no configuration at all: %v", err)
	}
	st := &terminalState{ChainID: 1337, Anchor: anchor, Assets: []stateAsset{{ID: eur, Symbol: "EUR", Decimals: 2}}}
	if err := st.save(own); err != nil {
		t.Fatal(err)
	}
	ts, err = resolveWith(t, "--node", down, "--queue", own, "--currency", eur.Hex())
	if err != nil || ts.online || ts.asset.Symbol != "EUR" || ts.domain.Digest(ledger.Hash{}) != want.Digest(ledger.Hash{}) {
		t.Fatalf("from terminal.json: %+v %v", ts, err)
	}
	if _, err := resolveWith(t, "--node", down, "--queue", own, "--currency", "USD"); err == nil || !strings.Contains(err.Error(), "no record of the asset") {
		t.Fatalf("an asset the terminal never saw: %v", err)
	}
}
