package pcsctest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/anonex/anonex/cardbridge/cardclient"
	"github.com/anonex/anonex/cardbridge/terminal"
	"github.com/anonex/anonex/cardbridge/terminal/queue"
	"github.com/anonex/anonex/devnet"
	"github.com/anonex/anonex/ledger"
	"github.com/holiman/uint256"
)

// TestDevnetRevertCardsThroughPCSC: a devnet revert puts the memory of
// cards that sit in vpcd's readers back — counter, T, D and sequence of
// every purse — after an online payment (settled) and an offline one
// (only on the card and in the terminal's queue), together with the
// payee's balance; it is refused while a program holds a connection to a
// card or to the devnet's terminal, and afterwards the card pays again
// through pcscd at the devnet's terminal, whose counters were reverted with
// the cards (else it would decline the card as a clone).
func TestDevnetRevertCardsThroughPCSC(t *testing.T) {
	e := newCardEnv(t)
	status := func(i int) string {
		t.Helper()
		h := e.reader(i)
		defer h.Close()
		cl := cardclient.New(h)
		if _, err := cl.Select(); err != nil {
			t.Fatal(err)
		}
		st, err := cl.Status()
		if err != nil {
			t.Fatal(err)
		}
		s := fmt.Sprintf("counter %d", st.Counter)
		for _, p := range st.Purses {
			s += fmt.Sprintf("; T %s D %s seq %d", p.T.Dec(), p.D.Dec(), p.Seq)
		}
		return s
	}
	payee := func() uint64 {
		t.Helper()
		a, err := e.n.Account(e.ctx, e.d.Info.Terminal.Payee)
		if err != nil {
			t.Fatal(err)
		}
		return e.eurOf(a)
	}
	pay := func(i int, units uint64, mode string) ledger.Hash {
		t.Helper()
		// The devnet's own terminal, as `anonex terminal pay --devnet`:
		// its queue remembers each card's counter.
		q, err := queue.Open(e.d.Info.Terminal.Queue)
		if err != nil {
			t.Fatal(err)
		}
		e.cfg.Queue = q
		h := e.reader(i)
		e.cfg.PIN = func() (string, error) { return e.pins[i], nil }
		res := terminal.Pay(e.ctx, e.cfg, h, e.eur, uint256.NewInt(units))
		h.Close()
		q.Close()
		if res.Status != "approved" || res.Mode != mode {
			t.Fatalf("card %d pays %d: %+v, want approved %s", i, units, res, mode)
		}
		return res.TxID
	}
	before := []string{status(0), status(1)}
	paid := payee()
	snap, err := e.d.Snapshot(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	e.settled(pay(0, 30_00, "online"))
	pay(1, 5_00, "offline")
	if status(0) == before[0] || status(1) == before[1] || payee() == paid {
		t.Fatalf("the payments did not move the cards or the payee: %s, %s, %d", status(0), status(1), payee())
	}

	h, err := e.pc.Connect(e.d.Info.Cards[1].Reader)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.d.Revert(e.ctx, snap.ID)
	h.Close()
	var attached *devnet.CardAttachedError
	if !errors.As(err, &attached) || attached.Card != 1 {
		t.Fatalf("revert with a connection to card 1: %v, want CardAttachedError for card 1", err)
	}

	// The devnet's terminal open in a terminal program: refused too.
	q, err := queue.Open(e.d.Info.Terminal.Queue)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.d.Revert(e.ctx, snap.ID)
	q.Close()
	if !errors.Is(err, devnet.ErrTerminalAttached) {
		t.Fatalf("revert with the devnet's terminal open: %v, want ErrTerminalAttached", err)
	}

	if _, err := e.d.Revert(e.ctx, snap.ID); err != nil {
		t.Fatal(err)
	}
	for i := range before {
		if got := status(i); got != before[i] {
			t.Fatalf("card %d after the revert: %s, at the snapshot %s", i, got, before[i])
		}
	}
	if got := payee(); got != paid {
		t.Fatalf("the payee holds %d after the revert, %d at the snapshot", got, paid)
	}
	e.settled(pay(0, 30_00, "online"))
}
