package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/cardbridge/pcsctest"
	"github.com/anonex/anonex/client"
	"github.com/anonex/anonex/devnet"
	"github.com/anonex/anonex/ledger/store"
	"github.com/anonex/anonex/node"
	"github.com/ethereum/go-ethereum/rpc"
)

// The test binary doubles as the anonex binary: with ANONEX_AS_MAIN set it
// runs main, so the end-to-end tests drive real processes without a second
// build.
//
// go test always passes -test.* flags and anonex takes none: a test binary
// run by go test with ANONEX_AS_MAIN leaked into its environment runs its
// tests (running main there would exit before any test, with main's usage
// error as the only trace), and the variable is not passed on.
func TestMain(m *testing.M) {
	if os.Getenv("ANONEX_AS_MAIN") == "1" && !testFlags(os.Args[1:]) {
		os.Args = append([]string{"anonex"}, os.Args[1:]...)
		main()
		os.Exit(0)
	}
	os.Unsetenv("ANONEX_AS_MAIN")
	// The devnet's cards go into vpcd's readers when pcscd runs (another
	// test binary may have started it): one binary at a time there.
	unlock, err := pcsctest.LockReaders()
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		os.Exit(1)
	}
	code := m.Run()
	unlock()
	os.Exit(code)
}

func testFlags(args []string) bool {
	for _, a := range args {
		if strings.HasPrefix(a, "-test.") {
			return true
		}
	}
	return false
}

func anonex(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "ANONEX_AS_MAIN=1")
	return cmd
}

// settledHead reads n's settled head from its store, failing t when the
// store cannot say.
func settledHead(t testing.TB, n *node.Node) store.Head {
	t.Helper()
	h, err := n.Store().Head()
	if err != nil {
		t.Fatalf("settled head: %v", err)
	}
	return h
}

// startDevnet starts an in-process devnet with cfg on free chain ports,
// failing t when it cannot, and closes it when t ends.
func startDevnet(t *testing.T, ctx context.Context, cfg devnet.Config) *devnet.Devnet {
	t.Helper()
	cfg.HTTPAddr, cfg.WSAddr = "127.0.0.1:0", "127.0.0.1:0"
	d, err := devnet.Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func run(t *testing.T, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := anonex(args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("anonex %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errb.String())
	}
	return out.String()
}

// TestDevnetProcessTransferSettles is the README's tour as a test: it runs
// `anonex devnet` as a process, waits for devnet.json, sends a transfer with
// the CLI and sees it settled on every node, then stops the devnet with
// SIGTERM.
func TestDevnetProcessTransferSettles(t *testing.T) {
	dir := t.TempDir()
	dn := anonex("devnet", "--datadir", dir, "--http-port", "0", "--ws-port", "0", "--cards", "0")
	var stdout, stderr bytes.Buffer
	dn.Stdout, dn.Stderr = &stdout, &stderr
	if err := dn.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- dn.Wait() }()
	defer func() {
		dn.Process.Signal(syscall.SIGKILL)
	}()
	var info devnet.Info
	deadline := time.Now().Add(60 * time.Second)
	for {
		b, err := os.ReadFile(filepath.Join(dir, "devnet.json"))
		if err == nil && json.Unmarshal(b, &info) == nil && len(info.Nodes) == 3 {
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("devnet exited: %v\n%s%s", err, stdout.String(), stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no devnet.json after 60 s\n%s%s", stdout.String(), stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(stdout.String(), "anonex devnet ready") {
		t.Errorf("banner missing:\n%s", stdout.String())
	}
	out := run(t, "--devnet", dir, "--json", "transfer", "--from", "holder-1", "--to", "holder-2",
		"--asset", "EUR", "--amount", "1.25", "--wait", "settled")
	var tx api.TxInfo
	if err := json.Unmarshal([]byte(out), &tx); err != nil || tx.Status != "settled" {
		t.Fatalf("transfer: %v %s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i, n := range info.Nodes {
		cl := client.New(n.API, "")
		got, err := cl.WaitTx(ctx, tx.ID)
		if err != nil || got.Status != "settled" {
			t.Fatalf("node %d: %+v %v", i, got, err)
		}
	}
	bal := run(t, "balance", "--devnet", dir, "--json", "holder-2")
	var acct api.AccountInfo
	if err := json.Unmarshal([]byte(bal), &acct); err != nil {
		t.Fatalf("balance: %v %s", err, bal)
	}
	eur := ""
	for _, b := range acct.Balances {
		if b.Symbol == "EUR" {
			eur = b.Settled
		}
	}
	if eur != "1001.25" {
		t.Fatalf("holder-2 has %q EUR, want 1001.25", eur)
	}
	// Bad input at the CLI: too many decimals, unknown asset, overspend.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--amount", "1.255", "--asset", "EUR"}, "more decimals"},
		{[]string{"--amount", "1", "--asset", "XYZ"}, "no asset is named"},
		{[]string{"--amount", "999999", "--asset", "EUR"}, "insufficient funds"},
	} {
		args := append([]string{"--devnet", dir, "transfer", "--from", "holder-3", "--to", "holder-1"}, c.args...)
		cmd := anonex(args...)
		b, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(b), c.want) {
			t.Errorf("%v: err %v, output %s; want %q", c.args, err, b, c.want)
		}
	}
	st := run(t, "tx", "status", "--devnet", dir, tx.ID.Hex())
	if !strings.Contains(st, "settled") {
		t.Errorf("tx status: %s", st)
	}

	// The bridge: deposit ETH and the test token, withdraw ETH to an
	// Ethereum address, see it paid there, and see a second claim refused.
	out = run(t, "--devnet", dir, "--json", "deposit", "--from", "holder-3", "--asset", "ETH", "--amount", "2.5", "--wait", "settled")
	if !strings.Contains(out, `"status": "settled"`) {
		t.Fatalf("deposit: %s", out)
	}
	run(t, "--devnet", dir, "deposit", "--from", "holder-3", "--to", "holder-2", "--asset", "TOK", "--amount", "7", "--wait", "settled")
	bal = run(t, "balance", "--devnet", dir, "--json", "holder-3")
	if !strings.Contains(bal, `"12.500000000000000000"`) {
		t.Fatalf("holder-3 after depositing 2.5 ETH on top of 10: %s", bal)
	}
	payee := "0x000000000000000000000000000000000000c0de"
	out = run(t, "--devnet", dir, "--json", "withdraw", "--from", "holder-3", "--to", payee, "--asset", "ETH", "--amount", "1.25")
	var claim client.ClaimResult
	if err := json.Unmarshal([]byte(out), &claim); err != nil || claim.Amount != "1250000000000000000" {
		t.Fatalf("withdraw: %v %s", err, out)
	}
	var wei string
	rc, err := rpc.Dial(info.EthRPC)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if err := rc.Call(&wei, "eth_getBalance", payee, "latest"); err != nil || wei != "0x1158e460913d0000" {
		t.Fatalf("payee holds %s wei on Ethereum (%v), want 1.25 ETH", wei, err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"withdraw", "--from", "holder-3", "--claim", claim.ID.Hex()}, "already paid"},
		{[]string{"withdraw", "--from", "holder-3", "--to", payee, "--asset", "EUR", "--amount", "1"}, "not bridged"},
		{[]string{"withdraw", "--from", "holder-3", "--to", payee, "--asset", "ETH", "--amount", "1000"}, "insufficient funds"},
		{[]string{"withdraw", "--from", "holder-3", "--to", "0x1234", "--asset", "ETH", "--amount", "1"}, "--to"},
		{[]string{"deposit", "--from", "holder-3", "--to", "0xnothex", "--asset", "ETH", "--amount", "1"}, "--to"},
		{[]string{"deposit", "--from", "holder-3", "--asset", "GOLD", "--amount", "1"}, "not bridged"},
	} {
		b, err := anonex(append([]string{"--devnet", dir}, c.args...)...).CombinedOutput()
		if err == nil || !strings.Contains(string(b), c.want) {
			t.Errorf("%v: err %v, output %s; want %q", c.args, err, b, c.want)
		}
	}

	dn.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("devnet did not stop cleanly: %v\n%s", err, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("devnet ignored SIGTERM")
	}
	if !strings.Contains(stderr.String(), "devnet stopped") {
		t.Errorf("no clean stop message:\n%s", stderr.String())
	}
}

// TestAccountCommands exercises account new, list, show, export, import.
func TestAccountCommands(t *testing.T) {
	dir := t.TempDir()
	ks := filepath.Join(dir, "ks")
	pw := filepath.Join(dir, "pw")
	os.WriteFile(pw, []byte("correct horse\n"), 0o600)
	var created map[string]string
	out := run(t, "account", "new", "--keystore", ks, "--password-file", pw, "--light", "--json")
	if err := json.Unmarshal([]byte(out), &created); err != nil || len(strings.Fields(created["mnemonic"])) != 12 {
		t.Fatalf("account new: %v %s", err, out)
	}
	if list := run(t, "account", "list", "--keystore", ks); !strings.Contains(list, created["name"]) {
		t.Fatalf("list: %s", list)
	}
	show := run(t, "account", "show", "--keystore", ks, created["name"][:8])
	if !strings.Contains(show, created["address"]) {
		t.Fatalf("show by name prefix: %s", show)
	}
	exported := filepath.Join(dir, "out.json")
	// As the README writes it: the flags after the account (urfave/cli
	// alone would take --out for an argument and ignore it).
	run(t, "account", "export", created["name"], "--out", exported, "--keystore", ks, "--password-file", pw)
	if _, err := os.Stat(exported); err != nil {
		t.Fatalf("account export NAME --out F wrote no file: %v", err)
	}
	// Import into a second keystore, from the exported file and from the
	// mnemonic: both give the same address.
	ks2 := filepath.Join(dir, "ks2")
	imp := run(t, "account", "import", "--keystore", ks2, "--password-file", pw, "--light", exported)
	if !strings.Contains(imp, created["address"]) {
		t.Fatalf("import: %s", imp)
	}
	mn := filepath.Join(dir, "mn")
	os.WriteFile(mn, []byte(created["mnemonic"]+"\n"), 0o600)
	ks3 := filepath.Join(dir, "ks3")
	imp = run(t, "account", "import", "--keystore", ks3, "--password-file", pw, "--light", "--mnemonic-file", mn)
	if !strings.Contains(imp, created["address"]) {
		t.Fatalf("import from mnemonic: %s", imp)
	}
	// A bulk import: every key file of a directory, and a list back.
	var second map[string]string
	out = run(t, "account", "new", "--keystore", ks, "--password-file", pw, "--light", "--json")
	if err := json.Unmarshal([]byte(out), &second); err != nil {
		t.Fatalf("account new: %v %s", err, out)
	}
	bulk := filepath.Join(dir, "bulk")
	os.MkdirAll(bulk, 0o700)
	for _, a := range []map[string]string{created, second} {
		run(t, "account", "export", a["address"], "--out", filepath.Join(bulk, a["name"]+".json"), "--keystore", ks, "--password-file", pw)
	}
	var got []map[string]string
	out = run(t, "account", "import", bulk, "--keystore", filepath.Join(dir, "ks4"), "--password-file", pw, "--light", "--json")
	if err := json.Unmarshal([]byte(out), &got); err != nil || len(got) != 2 {
		t.Fatalf("bulk import: %v %s", err, out)
	}
	for _, a := range []map[string]string{created, second} {
		if !strings.Contains(out, a["address"]) {
			t.Fatalf("bulk import lacks %s: %s", a["address"], out)
		}
	}
	// A wrong password is a clear error.
	bad := filepath.Join(dir, "bad")
	os.WriteFile(bad, []byte("wrong\n"), 0o600)
	b, err := anonex("account", "export", "--keystore", ks, "--password-file", bad, "--out", filepath.Join(dir, "x"), created["address"]).CombinedOutput()
	if err == nil || !strings.Contains(strings.ToLower(string(b)), "password") {
		t.Fatalf("wrong password: %v %s", err, b)
	}
}
