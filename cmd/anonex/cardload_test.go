package main

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/cardbridge"
	"github.com/anonex/anonex/cardbridge/apdu"
	"github.com/anonex/anonex/cardbridge/cardclient"
	"github.com/anonex/anonex/cardbridge/cardproto"
	"github.com/anonex/anonex/client"
	"github.com/anonex/anonex/devnet"
	"github.com/anonex/anonex/ledger"
	"github.com/holiman/uint256"
)

// noUpdates is a card transport that drops UPDATE: a card pulled just as
// its new update value is written.
type noUpdates struct{ cardclient.Transport }

func (t noUpdates) Transmit(cmd apdu.Command) (apdu.Response, error) {
	if cmd.INS == cardproto.INSUpdate {
		return apdu.Response{}, errors.New("card removed")
	}
	return t.Transport.Transmit(cmd)
}

func units(t *testing.T, a api.AccountInfo, asset string) (settled, pending string) {
	t.Helper()
	for _, b := range a.Balances {
		if b.Asset.Hex() == asset {
			return b.SettledUnits, b.PendingUnits
		}
	}
	return "0", "0"
}

// TestCardLoadNeverStrandsValue: `card load` in an asset the card has no
// purse for is refused before anything moves (the owner's balance and
// nonce unchanged), a load in the card's purse goes through as before,
// and a load whose card drops out after the transfer settled says that
// the value is on the card's account and how to finish — which
// `card update` then does.
func TestCardLoadNeverStrandsValue(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	d, err := devnet.Start(ctx, devnet.Config{Nodes: 1, Cards: 2, NoMarket: true, HTTPAddr: "127.0.0.1:0", WSAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	dir := d.Info.DataDir
	cl := client.New(d.Info.Nodes[0].API, d.Info.Nodes[0].APIToken)
	asset := map[string]string{}
	for _, a := range d.Info.Assets {
		asset[a.Symbol] = a.ID
	}
	role := map[string]devnet.AccountInfo{}
	for _, a := range d.Info.Accounts {
		role[a.Role] = a
	}
	holder2 := role["holder-2"].Address
	if !strings.EqualFold(d.Info.Cards[1].Owner, holder2) {
		t.Fatalf("card 1 belongs to %s, not holder-2", d.Info.Cards[1].Owner)
	}

	t.Run("no purse in the asset", func(t *testing.T) {
		before, err := cl.Account(ctx, holder2)
		if err != nil {
			t.Fatal(err)
		}
		out, err := anonex("card", "load", "--devnet", dir, "--reader", "1", "--amount", "5.00", "--asset", "USD").CombinedOutput()
		if err == nil || !strings.Contains(string(out), "no purse") || !strings.Contains(string(out), "nothing moved") {
			t.Fatalf("card load in USD: %v\n%s", err, out)
		}
		after, err := cl.Account(ctx, holder2)
		if err != nil {
			t.Fatal(err)
		}
		s0, p0 := units(t, before, asset["USD"])
		s1, p1 := units(t, after, asset["USD"])
		if after.Nonce != before.Nonce || s0 != s1 || p0 != p1 {
			t.Fatalf("value moved: nonce %d → %d, USD settled %s → %s, pending %s → %s", before.Nonce, after.Nonce, s0, s1, p0, p1)
		}
		card1, _ := ledger.ParseAddress(d.Info.Cards[1].Address)
		if ci, err := cl.Account(ctx, card1.Hex()); err == nil {
			if s, p := units(t, ci, asset["USD"]); s != "0" || p != "0" {
				t.Fatalf("the card account holds USD: %s / %s", s, p)
			}
		}
	})

	t.Run("a purse the card has", func(t *testing.T) {
		out := run(t, "card", "load", "--devnet", dir, "--reader", "1", "--amount", "5.00", "--asset", "EUR")
		if !strings.Contains(out, "loaded 5.00 EUR") {
			t.Fatalf("card load in EUR: %s", out)
		}
	})

	t.Run("the card drops out after the transfer settled", func(t *testing.T) {
		// The card is driven in process, through whatever the devnet put
		// it behind: its state file, or its reader through pcscd.
		c0 := d.Info.Cards[0]
		t.Logf("card 0 is driven through its %s transport", c0.Transport)
		src := cardbridge.Source{Reader: c0.Index}
		switch c0.Transport {
		case "file":
			src.State = c0.State
		case "pcsc":
		default:
			t.Fatalf("card 0 has transport %q", c0.Transport)
		}
		card, err := cardbridge.Open(ctx, src)
		if err != nil {
			t.Fatalf("card 0: %v", err)
		}
		tr, closeCard := card.T, func() { card.Close() }
		owner := role["holder-1"]
		key, err := account.LoadKeyFile(owner.Keystore, owner.Password)
		if err != nil {
			closeCard()
			t.Fatal(err)
		}
		eur, _ := ledger.ParseHash(asset["EUR"])
		_, tx, err := client.LoadCard(ctx, cardclient.New(noUpdates{tr}), cl, key, eur, uint256.NewInt(7_00))
		closeCard()
		if err == nil || !strings.Contains(err.Error(), "settled: the value is on the card's account") || !strings.Contains(err.Error(), "anonex card update") {
			t.Fatalf("a load whose card dropped out: %v", err)
		}
		if st, err := cl.WaitTx(ctx, tx); err != nil || st.Status != "settled" {
			t.Fatalf("the load transfer: %+v %v", st, err)
		}
		before := run(t, "card", "status", "--devnet", dir, "--reader", "0", "--json")
		out := run(t, "card", "update", "--devnet", dir, "--reader", "0", "--asset", "EUR", "--json")
		if !strings.Contains(out, `"set_amount"`) || before == run(t, "card", "status", "--devnet", dir, "--reader", "0", "--json") {
			t.Fatalf("card update did not finish the load: %s", out)
		}
	})

	t.Run("a card blocked with the CLI", func(t *testing.T) {
		card1 := strings.ToLower(d.Info.Cards[1].Address)
		out := run(t, "card", "block", "--devnet", dir, "--card", card1, "--reason", "stolen", "--json")
		if !strings.Contains(out, `"block_tx"`) || !strings.Contains(out, `"stolen"`) {
			t.Fatalf("card block: %s", out)
		}
		list := strings.ToLower(run(t, "card", "hotlist", "--devnet", dir, "--json"))
		if !strings.Contains(list, card1) || !strings.Contains(list, `"stolen"`) {
			t.Fatalf("card hotlist: %s", list)
		}
		again := run(t, "card", "block", "--devnet", dir, "--card", card1)
		if !strings.Contains(again, "already blocked") {
			t.Fatalf("second card block: %s", again)
		}
		load, err := anonex("card", "load", "--devnet", dir, "--reader", "1", "--amount", "1.00", "--asset", "EUR").CombinedOutput()
		if err == nil || !strings.Contains(string(load), "blocked by its issuer") {
			t.Fatalf("load of a blocked card: %v\n%s", err, load)
		}
	})
}
