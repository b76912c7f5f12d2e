package main

import (
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/cardbridge/applet"
	"github.com/anonex/anonex/cardbridge/cardclient"
	"github.com/anonex/anonex/devnet"
	"github.com/anonex/anonex/ledger"
	"github.com/urfave/cli/v2"
)

// payFlagsOf parses a printed `anonex terminal pay ...` command with the
// real command's flags and returns its context's values.
func payFlagsOf(t *testing.T, printed string) map[string]any {
	t.Helper()
	args := strings.Fields(printed)
	if len(args) < 3 || (args[0] != "anonex" && args[0] != selfCommand()) || args[1] != "terminal" || args[2] != "pay" {
		t.Fatalf("not a terminal pay command of this binary: %s", printed)
	}
	term := terminalCommand()
	got := map[string]any{}
	for _, sc := range term.Subcommands {
		if sc.Name == "pay" {
			sc.Action = func(c *cli.Context) error {
				got["reader"], got["reader_set"] = c.Int("reader"), c.IsSet("reader")
				got["card"], got["currency"], got["amount"] = c.String("card"), c.String("currency"), c.String("amount")
				got["no-convert"], got["payee"] = c.Bool("no-convert"), c.String("payee")
				got["devnet"], got["node"] = str(c, "devnet"), str(c, "node")
				return nil
			}
		}
	}
	app := &cli.App{Name: "anonex", ExitErrHandler: keepRunning, Commands: []*cli.Command{term}}
	if err := app.Run(args); err != nil {
		t.Fatalf("the printed command does not run: %v\n%s", err, printed)
	}
	return got
}

// TestRedeemNamesTheCardsReader: when an allocation chose card 1's purse,
// the command `terminal redeem` prints to collect it names reader 1, the
// card (so the terminal refuses card 0), the asset, no conversion, the
// payee and the devnet and node it was given — and runs as printed.
func TestRedeemNamesTheCardsReader(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "my devnet")
	os.MkdirAll(dir, 0o700)
	card0, card1 := ledger.Address{0xc0}, ledger.Address{0xc1}
	info := devnet.Info{DataDir: dir, Cards: []devnet.CardInfo{{Index: 0, Address: card0.Hex()}, {Index: 1, Address: card1.Hex()}}}
	b, _ := json.Marshal(info)
	if err := os.WriteFile(filepath.Join(dir, "devnet.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	sp := api.AllocateSpend{Item: "card", Account: card1, Asset: ledger.Hash{0xee}, Symbol: "EUR", Amount: "50.00", Access: "card"}
	payee := ledger.Address{0x77}
	var printed string
	app := &cli.App{Name: "anonex", ExitErrHandler: keepRunning, Flags: []cli.Flag{devnetFlag, nodeFlag}, Action: func(c *cli.Context) error {
		printed = cardCollectCommand(c, sp, payee)
		return nil
	}}
	if err := app.Run([]string{"anonex", "--devnet", dir, "--node", "http://127.0.0.1:8545"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(printed, "--devnet '"+dir+"'") {
		t.Errorf("the devnet directory is not quoted for the shell: %s", printed)
	}
	// Run it as a shell would split it (the quoted directory is one word).
	got := payFlagsOf(t, strings.Replace(printed, "'"+dir+"'", "DEVNETDIR", 1))
	want := map[string]any{"reader": 1, "reader_set": true, "card": card1.Hex(), "currency": sp.Asset.Hex(), "amount": "50.00",
		"no-convert": true, "payee": payee.Hex(), "devnet": "DEVNETDIR", "node": "http://127.0.0.1:8545"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("printed command: %s = %v, want %v\n%s", k, got[k], v, printed)
		}
	}

	// Away from a devnet the reader is unknown: the command still names
	// the card, so the terminal charges no other.
	got = payFlagsOf(t, collectCommand("anonex", sp, payee, -1, "", ""))
	if got["reader_set"] != false || got["card"] != card1.Hex() || got["no-convert"] != true {
		t.Errorf("without a devnet: %v", got)
	}
}

// TestTerminalPayRefusesAnotherCard: terminal pay --card refuses a card in
// the reader that is not the one named, before asking anything of it.
func TestTerminalPayRefusesAnotherCard(t *testing.T) {
	card, err := applet.New(applet.NewMemMedium(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	cl := cardclient.New(cardclient.Direct{Card: card})
	if _, err := cl.Select(); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.GenerateKey(); err != nil {
		t.Fatal(err)
	}
	info, err := cl.Select()
	if err != nil {
		t.Fatal(err)
	}
	if err := checkCard(cl, info.Address.Hex(), 1); err != nil {
		t.Fatalf("the right card: %v", err)
	}
	other := ledger.Address{0xc1}
	err = checkCard(cl, other.Hex(), 0)
	if err == nil || !strings.Contains(err.Error(), "nothing was charged") || !strings.Contains(err.Error(), info.Address.Hex()) {
		t.Fatalf("another card: %v", err)
	}
}

// keepRunning stops urfave/cli from calling os.Exit in the test binary
// when an action returns an exit-coded error (cli.Exit): the test sees the
// error instead of the binary ending with no failing test.
func keepRunning(*cli.Context, error) {}
