package applet

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/anonex/anonex/cardbridge/cardproto"
)

// traceMedium records every page write (offset and bytes) that reaches
// the memory underneath: what an attacker watching the card's power
// draw sees start.
type traceMedium struct {
	*MemMedium
	writes [][]byte
}

func (m *traceMedium) WriteAt(p []byte, off int64) (int, error) {
	w := append([]byte{byte(off >> 24), byte(off >> 16), byte(off >> 8), byte(off)}, p...)
	m.writes = append(m.writes, w)
	return m.MemMedium.WriteAt(p, off)
}

// secretRun runs one PIN-checking command on a copy of base's memory and
// returns the page writes it made and the card it leaves. cut > 0 cuts
// power at that page write of the command (it is torn).
func secretRun(t *testing.T, base *harness, cut int, ins byte, data []byte) ([][]byte, *harness) {
	t.Helper()
	tm := &traceMedium{MemMedium: base.mem.Clone()}
	h := &harness{t: t, mem: tm.MemMedium, issuer: base.issuer, owner: base.owner, addr: base.addr}
	c, err := New(tm, newRand(9))
	if err != nil {
		t.Fatal(err)
	}
	h.card = c
	h.selectCard()
	if cut > 0 {
		tm.CutAfter = tm.Writes() + cut
	}
	h.do(0x00, ins, 0, cardproto.PINRef, data)
	tm.CutAfter = 0
	h.reload()
	return tm.writes, h
}

// guessCase is one PIN- or PUK-checking command with a right and a wrong
// guess, and the tries counter it spends.
type guessCase struct {
	name       string
	ins        byte
	right, bad []byte
	tries      func(*State) uint8
}

// TestAttackPINGuessByPowerCut: an attacker guesses the PIN (or the PUK)
// and cuts power the moment the card starts a write that a right guess
// would not make (or stops making writes a right guess would make). The
// card must have spent the try by then: it spends it, durably, before it
// compares, and gives it back on success.
func TestAttackPINGuessByPowerCut(t *testing.T) {
	pin := func(s *State) uint8 { return s.PINLeft }
	puk := func(s *State) uint8 { return s.PUKLeft }
	cases := []guessCase{
		{"VERIFY", cardproto.INSVerify, []byte("123456"), []byte("999999"), pin},
		{"CHANGE PIN", cardproto.INSChangePIN, cardproto.Secrets("123456", "222222"), cardproto.Secrets("999999", "222222"), pin},
		{"UNBLOCK", cardproto.INSUnblock, cardproto.Secrets("12345678", "333333"), cardproto.Secrets("99999999", "333333"), puk},
	}
	for _, c := range cases {
		for _, spent := range []int{0, 1} { // at full tries, and after a wrong guess
			t.Run(fmt.Sprintf("%s/%d wrong before", c.name, spent), func(t *testing.T) { guessByPowerCut(t, c, spent) })
		}
	}
}

func guessByPowerCut(t *testing.T, c guessCase, spent int) {
	base := newActiveCard(t, 40)
	base.selectCard()
	for i := 0; i < spent; i++ {
		base.do(0x00, c.ins, 0, cardproto.PINRef, c.bad)
	}
	left := c.tries(base.card.st)
	right, _ := secretRun(t, base, 0, c.ins, c.right)
	wrong, _ := secretRun(t, base, 0, c.ins, c.bad)
	// The first write at which a wrong guess looks different from a right
	// one (a write that differs, or one made by only one).
	k := 0
	for k < len(right) && k < len(wrong) && bytes.Equal(right[k], wrong[k]) {
		k++
	}
	if k == len(right) && k == len(wrong) {
		t.Fatal("a right and a wrong guess write the same")
	}
	// Cut power the moment that write starts: the writes before it land,
	// it is torn.
	_, h := secretRun(t, base, k+1, c.ins, c.bad)
	if got := c.tries(h.card.st); got != left-1 {
		t.Fatalf("%d tries left: power cut at write %d, where a wrong guess shows, leaves %d tries: the guess cost nothing",
			left, k+1, got)
	}
	// At every cut of a wrong guess: either its try is spent, or all it
	// wrote until then (the torn write included) is what a right guess
	// writes — the attacker has learned nothing.
	for cut := 1; cut <= len(wrong); cut++ {
		_, h := secretRun(t, base, cut, c.ins, c.bad)
		if got := c.tries(h.card.st); got != left-1 && !prefixEqual(wrong, right, cut) {
			t.Fatalf("%d tries left: a wrong guess cut at write %d shows itself and keeps its try (%d left)", left, cut, got)
		}
	}
	// And the right guess, cut at its first write, has compared nothing
	// yet: at most it costs a try, it never learns more.
	_, h = secretRun(t, base, 1, c.ins, c.right)
	if got := c.tries(h.card.st); got != left && got != left-1 {
		t.Fatalf("a cut right guess left %d tries of %d", got, left)
	}
}

// prefixEqual reports whether the first n writes of a and b are the same.
func prefixEqual(a, b [][]byte, n int) bool {
	if len(a) < n || len(b) < n {
		return false
	}
	for i := 0; i < n; i++ {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}
