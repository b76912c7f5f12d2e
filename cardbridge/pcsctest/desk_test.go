package pcsctest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/client"
	"github.com/anonex/anonex/devnet"
	"github.com/anonex/anonex/ledger"
)

// TestDeskRefusals: the card readers' routes of node 0 (the desk, as
// --readers mounts it), through the real pcscd, refuse what they must
// with the code docs/api.md gives, and lose nothing:
//   - without the API token, or with another, nothing is read (401);
//   - a reader the machine does not have is unknown_reader; an empty one
//     (a card pulled) is no_card, and the card put back answers again;
//   - a malformed PIN or PUK, or both, or neither, never reach the card
//     (invalid, and the card's tries are unchanged);
//   - a wrong PIN is card_refused with the tries left, in words;
//   - an update for a purse the card does not have is refused, and an
//     asset that does not parse malformed;
//   - the card's view is what the card's memory holds.
func TestDeskRefusals(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
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
	n := client.New(n0.API, n0.APIToken)
	code := func(err error) api.Code {
		var ae *api.Error
		if errors.As(err, &ae) {
			return ae.Code
		}
		return ""
	}

	for _, tok := range []string{"", "not-the-token"} {
		if _, err := client.New(n0.API, tok).Readers(ctx); code(err) != api.CodeUnauthorized {
			t.Errorf("GET /v1/readers with token %q: %v, want unauthorized", tok, err)
		}
		if _, err := client.New(n0.API, tok).ChangeReaderPIN(ctx, 0, api.PINChange{PIN: "999999", NewPIN: "123456"}); code(err) != api.CodeUnauthorized {
			t.Errorf("POST /v1/readers/0/pin with token %q: %v, want unauthorized", tok, err)
		}
	}
	rs, err := n.Readers(ctx)
	if err != nil || len(rs) < 2 || !rs[0].Card || !rs[1].Card || rs[0].Index != 0 || rs[1].Index != 1 {
		t.Fatalf("readers: %+v %v", rs, err)
	}

	view, err := n.ReaderCard(ctx, 0)
	mem := d.CardApplet(0).State()
	if err != nil || view.Address != mem.Address || view.Owner != mem.Owner || view.Counter != mem.Counter || view.PINLeft != mem.PINLeft ||
		view.Life != "active" || len(view.Purses) != len(mem.Purses) {
		t.Fatalf("card 0: %+v %v; its memory: %+v", view, err, mem)
	}
	for i, p := range view.Purses {
		m := mem.Purses[i]
		if p.Asset != m.Asset || p.T != m.T.Dec() || p.D != m.D.Dec() || p.OfflineCap != m.Limits.OfflineCap.Dec() || p.Seq != m.Seq {
			t.Errorf("purse %d: %+v; memory %+v", i, p, m)
		}
	}

	if _, err := n.ReaderCard(ctx, 7); code(err) != api.CodeUnknownReader {
		t.Errorf("reader 7: %v, want unknown_reader", err)
	}
	pulled := d.CardApplet(1)
	if err := d.PullCard(1); err != nil {
		t.Fatal(err)
	}
	if _, err := n.ReaderCard(ctx, 1); code(err) != api.CodeNoCard {
		t.Errorf("an empty reader: %v, want no_card", err)
	}
	if err := d.ReinsertCard(1, pulled); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		v, err := n.ReaderCard(ctx, 1)
		if err == nil && v.Address.Hex() == d.Info.Cards[1].Address {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("card 1 put back: %+v %v", v, err)
		}
		time.Sleep(100 * time.Millisecond)
	}

	tries := mem.PINLeft
	for _, req := range []api.PINChange{
		{PIN: "12345", NewPIN: "123456"},
		{PIN: "12345a", NewPIN: "123456"},
		{PIN: "123456", NewPIN: "1234"},
		{PUK: "1234567", NewPIN: "123456"},
		{PIN: "123456", PUK: "12345678", NewPIN: "123456"},
		{NewPIN: "123456"},
	} {
		if _, err := n.ChangeReaderPIN(ctx, 0, req); code(err) != api.CodeInvalid {
			t.Errorf("PIN change %+v: %v, want invalid", req, err)
		}
	}
	if got := d.CardApplet(0).State().PINLeft; got != tries {
		t.Errorf("malformed PINs cost tries: %d left, had %d", got, tries)
	}
	_, err = n.ChangeReaderPIN(ctx, 0, api.PINChange{PIN: "999999", NewPIN: "123456"})
	if code(err) != api.CodeCardRefused || !strings.Contains(err.Error(), "wrong PIN, 2 tries left") {
		t.Errorf("a wrong PIN: %v", err)
	}
	// The right PIN restores the tries (the PIN stays as it was).
	if r, err := n.ChangeReaderPIN(ctx, 0, api.PINChange{PIN: d.Info.Cards[0].PIN, NewPIN: d.Info.Cards[0].PIN}); err != nil || r.PINLeft != tries {
		t.Errorf("the right PIN: %+v %v", r, err)
	}

	if _, err := n.ReaderUpdate(ctx, 0, ledger.Hash{0x42}); code(err) != api.CodeRefused {
		t.Errorf("an update for a purse the card does not have: %v, want refused", err)
	}
	if _, err := n.WriteReaderUpdate(ctx, 0, ledger.Hash{0x42}); code(err) != api.CodeRefused {
		t.Errorf("writing an update for a purse the card does not have: %v, want refused", err)
	}
	eur := d.AssetID("EUR")
	up, err := n.ReaderUpdate(ctx, 0, eur)
	if err != nil || !up.Authorization.UpToDate || up.Before != up.After || up.Written {
		t.Errorf("the EUR update of a card up to date: %+v %v", up, err)
	}
}
