package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/chain/devchain"
	"github.com/anonex/anonex/client"
	"github.com/anonex/anonex/p2p"
	"github.com/cockroachdb/pebble/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/libp2p/go-libp2p/core/peer"
)

// docShellBlocks returns the ```sh blocks of a document, in order; a
// block with a placeholder (…) is a shape to fill in, not a command, and
// is left out.
func docShellBlocks(t *testing.T, path string) (run []string, skipped int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cur *strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case cur == nil && line == "```sh":
			cur = &strings.Builder{}
		case cur != nil && strings.HasPrefix(line, "```"):
			if strings.Contains(cur.String(), "…") {
				skipped++
			} else {
				run = append(run, cur.String())
			}
			cur = nil
		case cur != nil:
			cur.WriteString(line + "\n")
		}
	}
	return run, skipped
}

// keyFile writes k as a V3 keystore file at path, with password pass.
func keyFile(t *testing.T, k *account.Key, pass, path string) {
	t.Helper()
	st, err := account.OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	e, err := st.Create(k, pass, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(e.Path, path); err != nil {
		t.Fatal(err)
	}
}

// TestOperationsWalkthrough runs the shell blocks of docs/operations.md
// (deploy, run a node, back up, restore) as one shell session, as
// written, against an Ethereum chain served over JSON-RPC on 127.0.0.1
// that is not the devnet: chain/devchain's go-ethereum with chain id
// 31337 and no contracts, whose finalized block moves as a real chain's
// does (every 32nd block; blocks come every 50 ms). What a reader
// provides, the test provides: deployer.json and settler.json (funded
// keys), pw, `anonex` on the PATH, the chain's URL for
// http://127.0.0.1:8545 and a free port for 127.0.0.1:8081. Then it
// checks what the commands claim: the node settled at `finalized`, the
// attester signed, the backup holds the node's files, the restored node
// has the peer id and the balances of the backed-up one and settles on,
// and the key backups restore the same address.
func TestOperationsWalkthrough(t *testing.T) {
	tmp := t.TempDir()
	work, home, bin := filepath.Join(tmp, "work"), filepath.Join(tmp, "home"), filepath.Join(tmp, "bin")
	for _, d := range []string{work, home, bin} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	const pass = "operations walk-through"
	deployer, err := account.FromMnemonic(devchain.TestMnemonic, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	settler, err := account.FromMnemonic(devchain.TestMnemonic, "", 4)
	if err != nil {
		t.Fatal(err)
	}
	poor, err := account.FromMnemonic(devchain.TestMnemonic, "", 7)
	if err != nil {
		t.Fatal(err)
	}
	eth := new(big.Int).Mul(big.NewInt(1000), big.NewInt(1e18))
	ch, err := devchain.Start(devchain.Config{HTTPAddr: "127.0.0.1:0", WSAddr: "127.0.0.1:0", ChainID: 31337,
		Alloc:  map[common.Address]*big.Int{common.Address(deployer.Address()): eth, common.Address(settler.Address()): eth},
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Close()
	mineCtx, stopMining := context.WithCancel(context.Background())
	mined := make(chan struct{})
	go func() {
		defer close(mined)
		for mineCtx.Err() == nil {
			ch.MineBlocks(mineCtx, 1)
			select {
			case <-mineCtx.Done():
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	defer func() { stopMining(); <-mined }()

	keyFile(t, deployer, pass, filepath.Join(work, "deployer.json"))
	keyFile(t, settler, pass, filepath.Join(work, "settler.json"))
	keyFile(t, poor, pass, filepath.Join(work, "poor.json"))
	if err := os.WriteFile(filepath.Join(work, "pw"), []byte(pass+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	script := fmt.Sprintf("#!/bin/sh\nANONEX_AS_MAIN=1 exec %s \"$@\"\n", shellQuote(os.Args[0]))
	if err := os.WriteFile(filepath.Join(bin, "anonex"), []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}

	blocks, skipped := docShellBlocks(t, "../../docs/operations.md")
	if len(blocks) < 6 {
		t.Fatalf("docs/operations.md has %d runnable sh blocks (%d with placeholders): the walk-through is gone", len(blocks), skipped)
	}
	api := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	session := strings.Join(blocks, "\n")
	session = strings.ReplaceAll(session, "http://127.0.0.1:8545", ch.HTTPURL())
	session = strings.ReplaceAll(session, "127.0.0.1:8081", api)
	sh := exec.Command("bash", "-euo", "pipefail", "-c", session)
	sh.Dir = work
	sh.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "HOME="+home)
	sh.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // the shell and the nodes it starts
	var stdout, stderr syncBuffer
	sh.Stdout, sh.Stderr = &stdout, &stderr
	if err := sh.Start(); err != nil {
		t.Fatal(err)
	}
	// The session leaves the restored node running, as an operator would:
	// stop it (and anything else of the session) at the end.
	defer func() {
		syscall.Kill(-sh.Process.Pid, syscall.SIGTERM)
		time.Sleep(time.Second)
		syscall.Kill(-sh.Process.Pid, syscall.SIGKILL)
	}()
	exited := make(chan error, 1)
	go func() { exited <- sh.Wait() }()
	select {
	case err = <-exited:
	case <-time.After(5 * time.Minute):
		err = fmt.Errorf("still running after 5 minutes")
	}
	log, _ := os.ReadFile(filepath.Join(work, "n1.log"))
	t.Logf("the session:\n%s\nstdout:\n%s\nstderr:\n%s\nn1.log:\n%s", session, stdout.String(), stderr.String(), log)
	if err != nil {
		t.Fatalf("docs/operations.md's commands do not run as written: %v", err)
	}
	out := stdout.String()

	// The deployment: the config names what is on chain.
	conf, err := os.ReadFile(filepath.Join(work, "network.toml"))
	if err != nil {
		t.Fatal(err)
	}
	ec, err := ethclient.Dial(ch.HTTPURL())
	if err != nil {
		t.Fatal(err)
	}
	defer ec.Close()
	for _, key := range []string{"anchor", "vault"} {
		m := regexp.MustCompile(`(?m)^` + key + ` = "(0x[0-9a-fA-F]{40})"$`).FindStringSubmatch(string(conf))
		if m == nil {
			t.Fatalf("network.toml names no %s:\n%s", key, conf)
		}
		code, err := ec.CodeAt(context.Background(), common.HexToAddress(m[1]), nil)
		if err != nil || len(code) == 0 {
			t.Errorf("network.toml's %s %s has no code on the chain (%v)", key, m[1], err)
		}
	}
	if !regexp.MustCompile(`(?m)^anchor-block = [1-9][0-9]*$`).Match(conf) {
		t.Errorf("network.toml has no anchor-block:\n%s", conf)
	}

	// The node settled at the finalized block, the default off chain 1337.
	if !strings.Contains(string(log), "finalized=true") {
		t.Errorf("the node did not settle at finalized:\n%s", log)
	}
	// The balance before the backup, after the restore, and after a
	// transfer through the restored node.
	bal := func(amount string) int {
		return len(regexp.MustCompile(`(?m)^  `+regexp.QuoteMeta(amount)+` EUR\s+settled$`).FindAllString(out, -1))
	}
	if bal("12.50") != 2 || bal("13.50") != 1 {
		t.Errorf("want 12.50 EUR settled before the backup and after the restore, then 13.50 EUR: %d, %d times\n%s", bal("12.50"), bal("13.50"), out)
	}
	if !strings.Contains(out, "backed up to "+filepath.Join(work, "backups", "n1-1")) || !regexp.MustCompile(`settled through batch \d+`).MatchString(out) {
		t.Errorf("the backup did not say what it holds:\n%s", out)
	}
	for _, f := range []string{"ledger", "p2p.key", "api-token"} {
		if _, err := os.Stat(filepath.Join(work, "backups", "n1-1", f)); err != nil {
			t.Errorf("the backup lacks %s: %v", f, err)
		}
	}
	// The restored node is the backed-up one: its peer id, its token.
	key, err := p2p.LoadOrCreateIdentity(filepath.Join(work, "n1.broken", "p2p.key"))
	if err != nil {
		t.Fatal(err)
	}
	id, err := peer.IDFromPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(log), "node "+id.String()+"\n") {
		t.Errorf("the restored node does not run as peer %s, the backed-up node's", id)
	}
	tok, _ := os.ReadFile(filepath.Join(work, "n1.broken", "api-token"))
	cl := client.New("http://"+api, string(tok))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := cl.Backup(ctx, filepath.Join(tmp, "with-the-old-token")); err != nil {
		t.Errorf("the restored node refuses the backed-up node's API token: %v", err)
	}
	// The attester (--attest-keystore) signed the batches.
	st, err := cl.Status(ctx)
	if err != nil || st.SettledSeq == nil {
		t.Fatalf("status: %v %+v", err, st)
	}
	for {
		a, err := cl.Attestations(ctx, 0)
		if err == nil && len(a.Signatures) > 0 {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("the attester never signed batch 0: %v %+v", err, a)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// The key backups restore the one address.
	var addrs []string
	for _, dir := range []string{"wallet", "restored", "from-words"} {
		ks, err := account.OpenStore(filepath.Join(work, dir))
		if err != nil {
			t.Fatal(err)
		}
		es, err := ks.List()
		if err != nil || len(es) != 1 {
			t.Fatalf("keystore %s: %v %v", dir, es, err)
		}
		addrs = append(addrs, es[0].Address.Hex())
	}
	if addrs[0] != addrs[1] || addrs[0] != addrs[2] {
		t.Errorf("the backups restore other accounts: made %s, from the key file %s, from the words %s", addrs[0], addrs[1], addrs[2])
	}

	cli := func(args ...string) (string, error) {
		cmd := anonex(args...)
		cmd.Dir = work
		b, err := cmd.CombinedOutput()
		return string(b), err
	}
	nonce := func() uint64 {
		n, err := ec.NonceAt(context.Background(), common.Address(deployer.Address()), nil)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	// Bad input to deploy gets a clear error and sends nothing.
	t.Run("deploy refuses before sending", func(t *testing.T) {
		before := nonce()
		attester := "0x" + strings.Repeat("ab", 20)
		base := []string{"deploy", "--eth-rpc", ch.HTTPURL(), "--keystore", "deployer.json", "--password-file", "pw"}
		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{"--attester", attester, "--threshold", "2"}, "threshold 2: want 1 to 1"},
			{nil, "a Vault needs attesters"},
			{[]string{"--attester", attester, "--attester", attester}, "named twice"},
			{[]string{"--attester", "0xnope"}, "--attester 0xnope"},
			{[]string{"--attester", attester, "--chain-id", "11155111"}, "the endpoint serves chain 31337, not the 11155111"},
			{[]string{"--attester", attester, "--out", "network.toml"}, "network.toml exists"},
			{[]string{"--attester", attester, "--token", attester}, "symbol()"},
			{[]string{"--no-vault", "--attester", attester}, "make no sense without one"},
		} {
			out, err := cli(append(base, tc.args...)...)
			if err == nil || !strings.Contains(out, tc.want) {
				t.Errorf("deploy %v: %v, want an error saying %q:\n%s", tc.args, err, tc.want, out)
			}
		}
		out, err := cli("deploy", "--eth-rpc", ch.HTTPURL(), "--keystore", "poor.json", "--password-file", "pw", "--no-vault")
		if err == nil || !strings.Contains(out, "has no ETH on chain 31337") {
			t.Errorf("deploy from an account without ETH: %v\n%s", err, out)
		}
		if after := nonce(); after != before {
			t.Errorf("refused deployments sent %d transactions", after-before)
		}
	})

	// A store of a format this binary does not know stops the node with
	// the reason, and stays as it was.
	t.Run("a future store format", func(t *testing.T) {
		dir := filepath.Join(tmp, "future")
		if err := exec.Command("cp", "-a", filepath.Join(work, "backups", "n1-1"), dir).Run(); err != nil {
			t.Fatal(err)
		}
		db, err := pebble.Open(filepath.Join(dir, "ledger"), &pebble.Options{})
		if err != nil {
			t.Fatal(err)
		}
		db.Set([]byte{'F'}, binary.BigEndian.AppendUint32(nil, 99), pebble.Sync)
		db.Close()
		out, err := cli("node", "--config", "network.toml", "--datadir", dir, "--api", "127.0.0.1:0")
		if err == nil || !strings.Contains(out, "store format 99, and this anonex reads format 1 at most") {
			t.Errorf("a node on a format 99 store: %v\n%s", err, out)
		}
		out, err = cli("backup", "--datadir", dir, "--out", filepath.Join(tmp, "future-backup"))
		if err == nil || !strings.Contains(out, "store format 99") {
			t.Errorf("a backup of a format 99 store: %v\n%s", err, out)
		}
		if _, err := os.Stat(filepath.Join(tmp, "future-backup")); err == nil {
			t.Errorf("a refused backup left its directory")
		}
	})

	t.Run("backup refusals", func(t *testing.T) {
		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{"--node", "http://" + api, "--token", string(tok), "--out", filepath.Join(work, "backups", "n1-1")}, "exists: a backup never overwrites"},
			{[]string{"--node", "http://" + api, "--token", "wrong", "--out", filepath.Join(tmp, "x")}, "API token"},
			{[]string{"--datadir", filepath.Join(work, "n1"), "--out", filepath.Join(tmp, "y")}, "back it up through its API"},
			{[]string{"--datadir", filepath.Join(work, "keys"), "--out", filepath.Join(tmp, "z")}, "holds no node store"},
			{[]string{"--out", filepath.Join(tmp, "w")}, "name the node"},
		} {
			out, err := cli(append([]string{"backup"}, tc.args...)...)
			if err == nil || !strings.Contains(out, tc.want) {
				t.Errorf("backup %v: %v, want an error saying %q:\n%s", tc.args, err, tc.want, out)
			}
		}
		// A stopped node's data dir backs up from the command line.
		out, err := cli("backup", "--datadir", filepath.Join(work, "n1.broken"), "--out", filepath.Join(tmp, "offline"))
		if err != nil || !strings.Contains(out, "settled through batch") {
			t.Errorf("backup --datadir of a stopped node: %v\n%s", err, out)
		}
	})
}
