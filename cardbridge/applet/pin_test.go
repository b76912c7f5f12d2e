package applet

import (
	"bytes"
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

// TestAttackPINGuessByPowerCut: an attacker guesses the PIN (or the PUK)
// and cuts power the moment the card starts a write that a right guess
// would not make (or stops making writes a right guess would make). The
// card must have spent the try by then: it spends it, durably, before it
// compares, and gives it back on success.
func TestAttackPINGuessByPowerCut(t *testing.T) {
	cases := []struct {
		name        string
		ins         byte
		right, bad  []byte
		triesBefore func(*State) uint8
	}{
		{"VERIFY", cardproto.INSVerify, []byte("123456"), []byte("999999"), func(s *State) uint8 { return s.PINLeft }},
		{"CHANGE PIN", cardproto.INSChangePIN, cardproto.Secrets("123456", "222222"), cardproto.Secrets("999999", "222222"),
			func(s *State) uint8 { return s.PINLeft }},
		{"UNBLOCK", cardproto.INSUnblock, cardproto.Secrets("12345678", "333333"), cardproto.Secrets("99999999", "333333"),
			func(s *State) uint8 { return s.PUKLeft }},
	}
	for _, c := range cases {
		for _, spent := range []int{0, 1} { // at full tries, and after a wrong guess
			base := newActiveCard(t, 40)
			base.selectCard()
			for i := 0; i < spent; i++ {
				base.do(0x00, c.ins, 0, cardproto.PINRef, c.bad)
			}
			left := c.triesBefore(base.card.st)
			right, _ := secretRun(t, base, 0, c.ins, c.right)
			wrong, _ := secretRun(t, base, 0, c.ins, c.bad)
			// The first write at which a wrong guess looks different from a
			// right one (a write that differs, or one made by only one).
			k := 0
			for k < len(right) && k < len(wrong) && bytes.Equal(right[k], wrong[k]) {
				k++
			}
			if k == len(right) && k == len(wrong) {
				t.Fatalf("%s: a right and a wrong guess write the same", c.name)
			}
			// Cut power the moment that write starts: the writes before it
			// land, it is torn.
			_, h := secretRun(t, base, k+1, c.ins, c.bad)
			if got := c.triesBefore(h.card.st); got != left-1 {
				t.Fatalf("%s (%d tries left): power cut at write %d, where a wrong guess shows, leaves %d tries: the guess cost nothing",
					c.name, left, k+1, got)
			}
			// And the right guess, cut at its first write, has compared
			// nothing yet: at most it costs a try, it never learns more.
			_, h = secretRun(t, base, 1, c.ins, c.right)
			if got := c.triesBefore(h.card.st); got != left && got != left-1 {
				t.Fatalf("%s: a cut right guess left %d tries of %d", c.name, got, left)
			}
		}
	}
}
