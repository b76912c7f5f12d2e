package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/anonex/anonex/cardbridge/pcsctest"
	"github.com/anonex/anonex/devnet"
)

// readmeCommand is one shell command of README.md's code blocks, its
// continuation lines joined.
type readmeCommand struct {
	line int // where it starts in README.md
	text string
}

// readmeCommands reads the commands of README.md's ```sh blocks.
func readmeCommands(t *testing.T, path string) []readmeCommand {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []readmeCommand
	in, joining := false, false
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "```"):
			in = !in && strings.TrimPrefix(line, "```") == "sh"
			continue
		case !in:
			continue
		}
		if joining {
			out[len(out)-1].text += " " + strings.TrimSpace(line)
		} else if s := strings.TrimSpace(line); s != "" && !strings.HasPrefix(s, "#") {
			out = append(out, readmeCommand{line: n, text: s})
		}
		joining = strings.HasSuffix(line, `\`)
		if joining {
			c := &out[len(out)-1]
			c.text = strings.TrimSpace(strings.TrimSuffix(c.text, `\`))
		}
	}
	return out
}

var (
	txIDPrinted    = regexp.MustCompile(`(?m)^  tx +(0x[0-9a-f]{64})`)
	offerPrinted   = regexp.MustCompile(`(?m)^offer (0x[0-9a-f]{64})`)
	askPrinted     = regexp.MustCompile(`(?m)^  ask .* (0x[0-9a-f]{64})$`)
	createdPrinted = regexp.MustCompile(`(?m)^created ([a-z]+-[a-z]+)-[0-9a-f]{7}\n`)
	mnemonicLine   = regexp.MustCompile(`(?m)it is shown once:\n  ([a-z ]+)\n`)
)

// TestReadmeTour runs every command of README.md's tour as written — in a
// shell, $A being this binary — against a fresh devnet whose cards sit in
// vpcd's readers behind the real pcscd, and fails on any that does not
// succeed. What a reader of the README fills in, the test fills in the
// same way, and only that:
//
//   - "/tmp/dn", "/tmp/pay.json": a temporary devnet directory and file;
//     the devnet takes free chain ports (--http-port 0 --ws-port 0), as
//     the README's fixed 8545 and 8546 may be taken on a shared machine,
//     and `anonex node`'s --api 127.0.0.1:8081 becomes 127.0.0.1:0;
//   - "0x…": the transaction id the command before printed (tx status), the
//     best ask of the book just printed (offer take), the offer just made
//     (offer cancel);
//   - "truly-loop": the account `account new` made; words.txt: its
//     mnemonic; "UTC--…": a geth key file in ~/.ethereum/keystore;
//   - ~ is a temporary home, and the keystore password comes from
//     ANONEX_PASSWORD (a person types it);
//   - the conversion's quote is answered "y" on stdin.
//
// Not run: `make devnet` and `make test` (this is make test; the test
// starts the devnet itself), `A=bin/anonex` (A is this binary), and the
// node on another network, whose every value is a placeholder (wss://…).
// `anonex node` runs until it has started and printed its API, then stops
// on SIGTERM. No command may draw a progress line into piped output.
func TestReadmeTour(t *testing.T) {
	stopPCSC, err := pcsctest.StartDaemon()
	if err != nil {
		t.Fatal(err)
	}
	defer stopPCSC()
	tmp := t.TempDir()
	dn, home, work := filepath.Join(tmp, "dn"), filepath.Join(tmp, "home"), filepath.Join(tmp, "work")
	for _, d := range []string{home, work, filepath.Join(home, ".ethereum", "keystore")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	info, banner, stopDevnet := startDevnetProcess(t, dn, "--http-port", "0", "--ws-port", "0")
	defer stopDevnet()
	if info.Cards[0].Transport != "pcsc" {
		t.Fatalf("the devnet's cards are not behind pcscd: %s", info.CardNotice)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// A geth key file for `account import ~/.ethereum/keystore/UTC--…`.
	run(t, "account", "export", "holder-3", "--devnet", dn, "--out", filepath.Join(home, ".ethereum", "keystore", "UTC--readme"))

	var lastTx, bestAsk, made, created string
	ran := 0
	for _, c := range readmeCommands(t, "../../README.md") {
		cmd := c.text
		switch {
		case strings.HasPrefix(cmd, "make "), cmd == "A=bin/anonex", strings.Contains(cmd, "wss://…"):
			t.Logf("README.md:%d not run: %s", c.line, cmd)
			continue
		case !strings.HasPrefix(cmd, "$A ") && !strings.HasPrefix(cmd, "opensc-tool "):
			t.Fatalf("README.md:%d: a command this test does not know how to run: %s", c.line, cmd)
		}
		for _, r := range [][2]string{{"/tmp/dn", dn}, {"/tmp/pay.json", filepath.Join(tmp, "pay.json")}, {"127.0.0.1:8081", "127.0.0.1:0"},
			{"UTC--…", "UTC--readme"}} {
			cmd = strings.ReplaceAll(cmd, r[0], r[1])
		}
		fill := func(placeholder, value, what string) {
			if strings.Contains(cmd, placeholder) {
				if value == "" {
					t.Fatalf("README.md:%d: no %s printed before %s", c.line, what, c.text)
				}
				cmd = strings.Replace(cmd, placeholder, value, 1)
			}
		}
		switch {
		case strings.Contains(cmd, " tx status "):
			fill("0x…", lastTx, "transaction id")
		case strings.Contains(cmd, " offer take "):
			fill("0x…", bestAsk, "ask")
		case strings.Contains(cmd, " offer cancel "):
			fill("0x…", made, "offer")
		case strings.Contains(cmd, " account export "):
			fill("truly-loop", created, "new account")
		}
		if strings.Contains(cmd, "…") {
			t.Fatalf("README.md:%d: a placeholder this test does not fill: %s", c.line, c.text)
		}
		sh := exec.Command("bash", "-c", cmd)
		sh.Dir = work
		sh.Env = append(os.Environ(), "A="+exe, "ANONEX_AS_MAIN=1", "HOME="+home, "ANONEX_PASSWORD=devnet")
		if strings.Contains(cmd, "--convert") {
			sh.Stdin = strings.NewReader("y\n")
		}
		var stdout, stderr bytes.Buffer
		sh.Stdout, sh.Stderr = &stdout, &stderr
		if strings.HasPrefix(cmd, "$A node ") {
			runNodeUntilUp(t, sh, &stdout, &stderr, c)
			ran++
			continue
		}
		if strings.HasPrefix(cmd, "opensc-tool ") {
			if _, err := exec.LookPath("opensc-tool"); err != nil {
				t.Fatalf("README.md:%d: opensc-tool is not installed (make test installs it): %s", c.line, c.text)
			}
		}
		start := time.Now()
		err := sh.Run()
		t.Logf("README.md:%d (%s) %s\n%s%s", c.line, time.Since(start).Round(time.Millisecond), cmd, stdout.String(), stderr.String())
		if err != nil {
			t.Fatalf("README.md:%d does not run as written: %v\n%s\n%s%s", c.line, err, c.text, stdout.String(), stderr.String())
		}
		if strings.ContainsRune(stdout.String()+stderr.String(), '\r') {
			t.Errorf("README.md:%d drew a progress line into piped output:\n%q", c.line, stderr.String())
		}
		ran++
		out := stdout.String()
		if m := txIDPrinted.FindAllStringSubmatch(out, -1); m != nil {
			lastTx = m[len(m)-1][1]
		}
		if m := offerPrinted.FindStringSubmatch(out); m != nil {
			made = m[1]
		}
		if m := askPrinted.FindAllStringSubmatch(out, -1); m != nil {
			bestAsk = m[len(m)-1][1] // asks print highest first
		}
		if m := createdPrinted.FindStringSubmatch(out); m != nil {
			created = m[1]
			mn := mnemonicLine.FindStringSubmatch(out)
			if mn == nil {
				t.Fatalf("account new printed no mnemonic:\n%s", out)
			}
			if err := os.WriteFile(filepath.Join(work, "words.txt"), []byte(mn[1]+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	if ran < 30 {
		t.Fatalf("ran %d commands of the README: it has more", ran)
	}
	env := append(os.Environ(), "ANONEX_AS_MAIN=1", "HOME="+home, "ANONEX_PASSWORD=devnet")

	t.Run("the banner's commands run as printed", func(t *testing.T) {
		checkBanner(t, banner, exe, env, work)
	})

	// With --node URL (and a keystore) where the tour gave --devnet DIR.
	t.Run("--node instead of --devnet", func(t *testing.T) {
		node, ks := info.Nodes[0].API, filepath.Join(dn, "keystore")
		h1, h2 := info.Accounts[1], info.Accounts[2]
		for _, args := range [][]string{
			{"--node", node, "balance", h1.Address},
			{"balance", h1.Name, "--node", node},
			{"--node", node, "offer", "book", "GOLD/EUR"},
			{"--node", node, "transfer", "--keystore", ks, "--from", h1.Name, "--to", h2.Address, "--asset", "EUR", "--amount", "1", "--wait", "settled"},
			{"--node", node, "--token", info.Nodes[0].APIToken, "allocate", "--keystore", ks, "--amount", "1.00", "--merchant", h2.Address, "--account", h1.Address},
		} {
			cmd := anonex(args...)
			cmd.Env = append(cmd.Env, "ANONEX_PASSWORD=devnet")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("anonex %s: %v\n%s", strings.Join(args, " "), err, out)
			}
		}
	})

	// What goes wrong says so in words, and under --json as JSON.
	t.Run("errors", func(t *testing.T) {
		for _, tc := range []struct {
			args []string
			want []string
		}{
			{[]string{"transfer", "--from", "holder-1", "--to", "holdr-2", "--asset", "EUR", "--amount", "1"},
				[]string{`"code": "unknown_account"`, `"holder-2"`, "did you mean holder-2?"}},
			{[]string{"transfer", "--from", "holder-1", "--to", "holder-2", "--asset", "GLD", "--amount", "1"},
				[]string{"did you mean GOLD?"}},
			{[]string{"transfer", "--from", "holder-3", "--to", "holder-2", "--asset", "EUR", "--amount", "999999"},
				[]string{`"code": "insufficient_funds"`, "available", "999999.00 EUR needed", "(holder-3)"}},
			{[]string{"card", "status", "--reader", "2"}, []string{"the devnet has no card there", "reader 0 holds", "reader 1 holds", "(card 1)"}},
			{[]string{"card", "send", "--from-reader", "1", "--to-reader", "0", "--amount", "1.00", "--yes", "--pin", "999999"},
				[]string{"the paying card (reader 1): wrong PIN, 2 tries left (status word 63C2)"}},
			{[]string{"terminal", "pay", "--reader", "1", "--amount", "1000.00", "--currency", "EUR", "--convert", "--yes"},
				[]string{"cover", "EUR of the 1000.00 EUR asked"}},
			{[]string{"asset", "issue", "--from", "issuer", "--symbol", "GOLD", "--supply", "1"},
				[]string{"GOLD already names asset", "--same-symbol"}},
			{[]string{"offer", "take", "--from", "holder-1"}, []string{"missing --offer"}},
		} {
			args := append([]string{"--devnet", dn, "--json"}, tc.args...)
			cmd := anonex(args...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			var je struct{ Error jsonError }
			if err == nil || json.Unmarshal(stderr.Bytes(), &je) != nil || je.Error.Message == "" {
				t.Errorf("anonex %s: %v; stderr is not a JSON error:\n%s", strings.Join(args, " "), err, stderr.String())
				continue
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("anonex %s: no %q in\n%s", strings.Join(tc.args, " "), w, stderr.String())
				}
			}
		}
	})

	// An offer cancelled once is not cancelled again, and the refusal
	// spends no nonce: just after the first cancel (pending, or settled
	// already: the devnet settles within milliseconds) and long after it
	// (the tour's).
	t.Run("cancel twice", func(t *testing.T) {
		out := run(t, "--devnet", dn, "--json", "offer", "make", "--from", "holder-2", "--give", "1.000:GOLD", "--want", "5000:EUR")
		var o struct{ ID string }
		if err := json.Unmarshal([]byte(out), &o); err != nil {
			t.Fatalf("offer make: %v %s", err, out)
		}
		run(t, "--devnet", dn, "offer", "cancel", "--from", "holder-2", "--offer", o.ID)
		nonce := func() uint64 {
			var a struct{ Nonce uint64 }
			json.Unmarshal([]byte(run(t, "--devnet", dn, "--json", "balance", "holder-2")), &a)
			return a.Nonce
		}
		before := nonce()
		for _, id := range []string{o.ID, made} {
			out, err := anonex("--devnet", dn, "offer", "cancel", "--from", "holder-2", "--offer", id).CombinedOutput()
			if err == nil || !strings.Contains(string(out), "nothing to cancel") {
				t.Errorf("a second cancel of %s: %v\n%s", id, err, out)
			}
		}
		if after := nonce(); after != before {
			t.Errorf("refused cancels moved holder-2's nonce from %d to %d", before, after)
		}
	})

	// An offer that crosses the book warns, with the offers to take.
	t.Run("crossing offer", func(t *testing.T) {
		out, err := anonex("--devnet", dn, "offer", "make", "--from", "holder-2", "--give", "1.000:GOLD", "--want", "1000:EUR", "--expires", "1m").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "warning: the offer crosses the book") || !strings.Contains(string(out), " offer take --from holder-2 --offer 0x") {
			t.Fatalf("a crossing offer: %v\n%s", err, out)
		}
	})
}

// checkBanner runs the example commands of the devnet's banner as printed
// (in a shell, from another directory) and checks the banner's columns line
// up.
func checkBanner(t *testing.T, banner, exe string, env []string, dir string) {
	_, try, ok := strings.Cut(banner, "\nTry:\n")
	if !ok {
		t.Fatalf("no examples in the banner:\n%s", banner)
	}
	ran := 0
	for _, line := range strings.Split(try, "\n") {
		if !strings.HasPrefix(line, "  ") {
			break
		}
		cmd := strings.TrimSpace(line)
		if !strings.HasPrefix(cmd, shellQuote(exe)+" ") {
			t.Errorf("a banner example does not start with this binary (%s): %s", exe, cmd)
		}
		sh := exec.Command("bash", "-c", cmd)
		sh.Dir, sh.Env, sh.Stdin = dir, env, strings.NewReader("y\n")
		if out, err := sh.CombinedOutput(); err != nil {
			t.Errorf("the banner's %s does not run as printed: %v\n%s", cmd, err, out)
		}
		ran++
	}
	if ran < 5 {
		t.Errorf("ran %d examples of the banner:\n%s", ran, banner)
	}
	// Each table's columns start at one offset on every row.
	for _, section := range []string{"Nodes", "Demo accounts", "Assets", "Cards"} {
		_, rest, ok := strings.Cut(banner, "\n"+section)
		if !ok {
			t.Errorf("no %s in the banner", section)
			continue
		}
		rows := strings.Split(strings.SplitN(rest, "\n\n", 2)[0], "\n")[1:]
		col := -1
		for _, r := range rows {
			if !strings.HasPrefix(r, "  ") || strings.HasPrefix(r, "  terminal:") {
				continue
			}
			i := strings.Index(r, "0x")
			if section == "Nodes" {
				i = strings.Index(r, "peer ")
			}
			if col >= 0 && i != col {
				t.Errorf("%s: columns do not line up:\n%s", section, strings.Join(rows, "\n"))
				break
			}
			col = i
		}
	}
}

// runNodeUntilUp starts `anonex node`, waits until it prints its API,
// and stops it with SIGTERM; it must stop cleanly.
func runNodeUntilUp(t *testing.T, sh *exec.Cmd, stdout, stderr *bytes.Buffer, c readmeCommand) {
	t.Helper()
	var out syncBuffer
	sh.Stdout = &out
	sh.Stderr = stderr
	sh.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // bash and the node it starts
	if err := sh.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- sh.Wait() }()
	deadline := time.After(90 * time.Second)
	for !strings.Contains(out.String(), "  api ") {
		select {
		case err := <-exited:
			t.Fatalf("README.md:%d exited before it was up: %v\n%s\n%s%s", c.line, err, c.text, out.String(), stderr.String())
		case <-deadline:
			syscall.Kill(-sh.Process.Pid, syscall.SIGKILL)
			t.Fatalf("README.md:%d not up after 90 s\n%s%s", c.line, out.String(), stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	syscall.Kill(-sh.Process.Pid, syscall.SIGTERM)
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("README.md:%d did not stop cleanly: %v\n%s", c.line, err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		syscall.Kill(-sh.Process.Pid, syscall.SIGKILL)
		t.Fatalf("README.md:%d ignored SIGTERM", c.line)
	}
	t.Logf("README.md:%d ran until up: %s\n%s", c.line, c.text, out.String())
}

// startDevnetProcess runs `anonex devnet --datadir dir args...` as a
// process, waits for its devnet.json, and returns it with a function that
// stops the devnet with SIGTERM (and checks it stopped cleanly).
func startDevnetProcess(t *testing.T, dir string, args ...string) (devnet.Info, string, func()) {
	t.Helper()
	dn := anonex(append([]string{"devnet", "--datadir", dir}, args...)...)
	var stdout, stderr syncBuffer
	dn.Stdout, dn.Stderr = &stdout, &stderr
	if err := dn.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- dn.Wait() }()
	var info devnet.Info
	deadline := time.Now().Add(90 * time.Second)
	for {
		b, err := os.ReadFile(filepath.Join(dir, "devnet.json"))
		if err == nil && json.Unmarshal(b, &info) == nil && len(info.Nodes) > 0 && strings.Contains(stdout.String(), "Ctrl-C stops everything") {
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("devnet exited: %v\n%s%s", err, stdout.String(), stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			dn.Process.Kill()
			t.Fatalf("no devnet after 90 s\n%s%s", stdout.String(), stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("devnet banner:\n%s", stdout.String())
	stopped := false
	return info, stdout.String(), func() {
		if stopped {
			return
		}
		stopped = true
		dn.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("devnet did not stop cleanly: %v\n%s", err, stderr.String())
			}
		case <-time.After(30 * time.Second):
			dn.Process.Kill()
			t.Errorf("devnet ignored SIGTERM")
		}
	}
}
