package main

import (
	"strings"
	"testing"

	"github.com/anonex/anonex/ledger"
)

// TestDeskTerminalSettings: `anonex node --readers --terminal DIR` reads
// the terminal's settings from terminal.json as `anonex terminal setup`
// writes it, refuses a DIR that has none at start, and reads the file
// again at each payment.
func TestDeskTerminalSettings(t *testing.T) {
	dir := t.TempDir()
	if _, err := deskTerminal(dir); err == nil || !strings.Contains(err.Error(), "terminal setup") {
		t.Fatalf("a directory with no terminal.json: %v", err)
	}
	eur := ledger.Hash{0xe0}
	st := &terminalState{ChainID: 1337, Payee: "0x00000000000000000000000000000000000000a1",
		Trusted: []string{"0x00000000000000000000000000000000000000b2"}, Floor: map[string]string{eur.Hex(): "20.00"},
		HotList: map[string]string{"0x00000000000000000000000000000000000000c3": "stolen"}}
	if err := st.save(dir); err != nil {
		t.Fatal(err)
	}
	get, err := deskTerminal(dir)
	if err != nil {
		t.Fatal(err)
	}
	set, err := get()
	if err != nil {
		t.Fatal(err)
	}
	if set.Payee != (ledger.Address{19: 0xa1}) || len(set.Trusted) != 1 || set.Trusted[0] != (ledger.Address{19: 0xb2}) ||
		set.Floor[eur] != "20.00" || set.Queue != dir || set.HotList[ledger.Address{19: 0xc3}] != "stolen" {
		t.Fatalf("settings %+v", set)
	}
	st.Floor[eur.Hex()] = "30.00"
	if err := st.save(dir); err != nil {
		t.Fatal(err)
	}
	if set, err = get(); err != nil || set.Floor[eur] != "30.00" {
		t.Fatalf("a new setup is not read: %+v %v", set.Floor, err)
	}
}
