package main

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/anonex/anonex/cardbridge/cardproto"
)

func TestCheckPIN(t *testing.T) {
	for pin, ok := range map[string]bool{
		"123456": true, "123456789012": true, "12345": false, "1234567890123": false,
		"12345a": false, "": false, "12 3456": false, "١٢٣٤٥٦": false, // Arabic-Indic digits are not ASCII
	} {
		err := checkPIN(pin)
		if (err == nil) != ok {
			t.Errorf("checkPIN(%q): %v, want ok %v", pin, err, ok)
		}
		if err != nil && pin != "" && strings.Contains(err.Error(), pin) {
			t.Errorf("the error shows the PIN: %v", err)
		}
	}
	if cardproto.CheckPUK("1234567") == nil || cardproto.CheckPUK("12345678") != nil {
		t.Error("a PUK is 8 to 12 digits")
	}
}

// TestMalformedPINNeverReachesTheCard: a 5-digit --pin is refused by
// every command that sends a PIN before it talks to the node or a card
// (the node here does not exist: reaching it would be another error).
func TestMalformedPINNeverReachesTheCard(t *testing.T) {
	for _, args := range [][]string{
		{"terminal", "pay", "--amount", "50.00", "--pin", "12345", "--node", "http://127.0.0.1:1"},
		{"card", "send", "--amount", "5.00", "--pin", "12345", "--node", "http://127.0.0.1:1"},
		{"card", "init", "--owner", "x", "--pin", "12345", "--puk", "12345678", "--node", "http://127.0.0.1:1"},
		{"card", "init", "--owner", "x", "--pin", "123456", "--puk", "1234567", "--node", "http://127.0.0.1:1"},
	} {
		out, err := anonex(args...).CombinedOutput()
		if err == nil || !strings.Contains(string(out), "digits") || !strings.Contains(string(out), "was not sent to the card") {
			t.Errorf("anonex %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// TestPipedSecretsReadALine: from a pipe (scripts, tests) a password is
// one line as before — not asked twice — and a PIN is checked without a
// second chance.
func TestPipedSecretsReadALine(t *testing.T) {
	ks := filepath.Join(t.TempDir(), "ks")
	cmd := anonex("account", "new", "--keystore", ks, "--light", "--json")
	cmd.Env = append(cmd.Env, "ANONEX_PASSWORD=")
	cmd.Stdin = strings.NewReader("piped password\n")
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), `"address"`) {
		t.Fatalf("account new from a pipe: %v\n%s", err, out)
	}

	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	w.WriteString("12345\n123456\n")
	w.Close()
	oldIn, oldLines := os.Stdin, stdinLines
	os.Stdin, stdinLines = r, bufio.NewReader(r)
	defer func() { os.Stdin, stdinLines = oldIn, oldLines }()
	if pin, err := readPIN("PIN: "); err == nil {
		t.Fatalf("a piped 5-digit PIN was accepted: %q", pin)
	}
}
