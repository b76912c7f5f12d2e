package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/chain"
	"github.com/anonex/anonex/chain/devchain"
	"github.com/anonex/anonex/client"
	"github.com/anonex/anonex/devnet"
	"github.com/anonex/anonex/ledger"
	"github.com/anonex/anonex/node"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/holiman/uint256"
)

// chaosKnobs reads the crash loop's size and seed from the environment:
// ANONEX_CHAOS_KILLS (default small, for make test; make chaos runs 50) and
// ANONEX_CHAOS_SEED (default: the clock; printed so a failure replays).
func chaosKnobs(t *testing.T, defKills int) (int, uint64) {
	kills := defKills
	if v := os.Getenv("ANONEX_CHAOS_KILLS"); v != "" {
		k, err := strconv.Atoi(v)
		if err != nil || k < 1 {
			t.Fatalf("ANONEX_CHAOS_KILLS=%q", v)
		}
		kills = k
	}
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("ANONEX_CHAOS_SEED"); v != "" {
		s, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("ANONEX_CHAOS_SEED=%q", v)
		}
		seed = s
	}
	t.Logf("crash loop: %d kills, seed %d (replay: ANONEX_CHAOS_SEED=%d ANONEX_CHAOS_KILLS=%d)", kills, seed, seed, kills)
	return kills, seed
}

// devnetProc is one `anonex devnet --datadir` process.
type devnetProc struct {
	t    *testing.T
	dir  string
	cmd  interface{ Wait() error }
	pid  int
	info devnet.Info
	errs *strings.Builder
	mu   *sync.Mutex
}

// startDevnetProc starts the devnet on dir and waits for its banner; env
// adds to its environment.
func startDevnetProc(t *testing.T, dir string, env ...string) *devnetProc {
	t.Helper()
	cmd := anonex("devnet", "--datadir", dir, "--http-port", "0", "--ws-port", "0", "--cards", "0")
	cmd.Env = append(cmd.Env, env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &devnetProc{t: t, dir: dir, errs: new(strings.Builder), mu: new(sync.Mutex)}
	cmd.Stderr = writerFunc(func(b []byte) (int, error) {
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.errs.Len() < 1<<16 {
			p.errs.Write(b)
		}
		return len(b), nil
	})
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p.cmd, p.pid = cmd, cmd.Process.Pid
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		found := false
		for sc.Scan() {
			if !found && strings.Contains(sc.Text(), "anonex devnet ready") {
				found = true
				ready <- true
			}
		}
		if !found {
			ready <- false
		}
	}()
	select {
	case ok := <-ready:
		if !ok {
			cmd.Wait()
			t.Fatalf("devnet exited before it was ready:\n%s", p.stderr())
		}
	case <-time.After(90 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("devnet not ready after 90 s:\n%s", p.stderr())
	}
	b, err := os.ReadFile(filepath.Join(dir, "devnet.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &p.info); err != nil {
		t.Fatal(err)
	}
	return p
}

func (p *devnetProc) stderr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.errs.String()
}

func (p *devnetProc) kill() {
	syscall.Kill(p.pid, syscall.SIGKILL)
	p.cmd.Wait()
}

func (p *devnetProc) client(i int) *client.Client {
	cl := client.New(p.info.Nodes[i].API, p.info.Nodes[i].APIToken)
	cl.HTTP = &http.Client{Timeout: 5 * time.Second}
	return cl
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

// TestDevnetCrashLoop kills the whole devnet — chain and nodes — with
// SIGKILL at random moments while transfers flow into random nodes, and
// restarts it on its data dir, again and again. After every restart the
// devnet must come back by itself; at the end every acknowledged transfer
// is settled (or failed with a reason) on every node, every node has the
// same settled root, and a node that folds the chain from scratch reaches
// that root too. Seeded: the log names the seed to replay a failure.
func TestDevnetCrashLoop(t *testing.T) { devnetCrashLoop(t, 3, false) }

// TestDevnetCrashLoopChainLosesBlocks is the crash loop with the chain's
// durability fix turned off (devnet.LoseUnsyncedEnv): as before it, a
// SIGKILL loses the newest blocks — batches the nodes folded and Vault
// deposits among them. The nodes must roll back what the chain lost, the
// transfers of lost batches must settle again, and the Vault must still
// hold exactly the ledger's ETH.
func TestDevnetCrashLoopChainLosesBlocks(t *testing.T) { devnetCrashLoop(t, 6, true) }

func devnetCrashLoop(t *testing.T, defKills int, loseBlocks bool) {
	kills, seed := chaosKnobs(t, defKills)
	r := rand.New(rand.NewPCG(seed, 0xc4a05))
	dir := t.TempDir()
	var env []string
	if loseBlocks {
		env = append(env, devnet.LoseUnsyncedEnv+"=1")
	}
	p := startDevnetProc(t, dir, env...)
	defer func() { p.kill() }()

	holder := p.info.Accounts[1]
	key, err := account.LoadKeyFile(holder.Keystore, holder.Password)
	if err != nil {
		t.Fatal(err)
	}
	var eur ledger.Hash
	for _, a := range p.info.Assets {
		if a.Symbol == "EUR" {
			eur, _ = ledger.ParseHash(a.ID)
		}
	}
	to, _ := ledger.ParseAddress(p.info.Accounts[2].Address)
	ctx := context.Background()
	dom, err := p.client(0).Domain(ctx)
	if err != nil {
		t.Fatal(err)
	}
	acct, err := p.client(0).Account(ctx, key.Address().Hex())
	if err != nil {
		t.Fatal(err)
	}
	nonce := acct.Nonce
	var acked []ledger.Hash
	var unsure []*ledger.Tx // sent, answer lost: sent again after the restart
	history := []string{}
	rollbacks := 0 // how often a node rolled back (its chain came back shorter)

	for k := 0; k < kills; k++ {
		// Send what may have been stored but never acknowledged again:
		// a wallet re-sends, it never signs another transaction for the
		// same nonce.
		// A node may refuse for a moment (its nonce-gap queue is full
		// until a peer gossips again what it acknowledged before the
		// kill): a wallet tries again.
		for _, tx := range unsure {
			res, err := resend(ctx, func() (api.SubmitResult, error) { return p.client(r.IntN(3)).Submit(ctx, tx) })
			if err != nil {
				t.Fatalf("kill %d: re-sending %s: %v", k, tx.ID(dom), err)
			}
			acked = append(acked, res.ID)
			nonce++
		}
		unsure = nil
		var mu sync.Mutex
		stop := make(chan struct{})
		done := make(chan struct{})
		sendSeed := r.Uint64()
		go func() {
			defer close(done)
			rs := rand.New(rand.NewPCG(sendSeed, 1))
			for {
				select {
				case <-stop:
					return
				default:
				}
				tr := &ledger.Transfer{From: key.Address(), To: to, Asset: eur, Amount: *uint256.NewInt(1 + rs.Uint64N(2)), Nonce: nonce}
				sig, err := key.Sign(dom.Digest(tr.StructHash()))
				if err != nil {
					t.Error(err)
					return
				}
				tx := &ledger.Tx{Payload: tr, Sig: ledger.Sig(sig)}
				res, err := p.client(rs.IntN(3)).Submit(ctx, tx)
				mu.Lock()
				if err != nil {
					unsure = append(unsure, tx)
					mu.Unlock()
					return // the devnet is gone
				}
				acked = append(acked, res.ID)
				nonce++
				mu.Unlock()
				time.Sleep(time.Duration(rs.IntN(20)) * time.Millisecond)
			}
		}()
		wait := time.Duration(50+r.IntN(1500)) * time.Millisecond
		if loseBlocks {
			// A Vault deposit just before the kill: the chain may lose it
			// with the newest blocks, and the ledger must then lose it too.
			time.Sleep(wait / 2)
			if err := depositETH(ctx, p, key, big.NewInt(int64(1+r.IntN(1000))*1e12)); err != nil {
				t.Logf("kill %d: deposit: %v", k+1, err)
			}
			wait -= wait / 2
		}
		time.Sleep(wait)
		p.kill()
		rollbacks += strings.Count(p.stderr(), "rolled back the settled state")
		close(stop)
		<-done
		mu.Lock()
		history = append(history, fmt.Sprintf("kill %d after %s: %d acknowledged so far, next nonce %d", k+1, wait, len(acked), nonce))
		mu.Unlock()
		p = startDevnetProc(t, dir, env...)
	}
	t.Log(strings.Join(history, "\n"))
	if len(acked) == 0 {
		t.Fatal("no transfer was acknowledged: the loop tested nothing")
	}

	// Every acknowledged transfer ends settled or failed, on every node.
	deadline, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	for i := range p.info.Nodes {
		cl := p.client(i)
		for _, id := range acked {
			var last api.TxInfo
			for {
				info, err := cl.Tx(deadline, id)
				if err == nil && (info.Status == "settled" || info.Status == "failed") {
					break
				}
				if err == nil {
					last = info
				}
				if deadline.Err() != nil {
					// What every node knows of it, for the post-mortem.
					var seen []string
					for j := range p.info.Nodes {
						sctx, scancel := context.WithTimeout(context.Background(), 2*time.Second)
						ti, terr := p.client(j).Tx(sctx, id)
						st, serr := p.client(j).Status(sctx)
						scancel()
						seen = append(seen, fmt.Sprintf("node %d: tx %+v (%v); status %+v (%v)", j, ti, terr, st, serr))
					}
					t.Fatalf("node %d: acknowledged %s is still %+v (%v) after the crash loop\n%s\n%s\nstderr:\n%s",
						i, id, last, err, strings.Join(seen, "\n"), strings.Join(history, "\n"), p.stderr())
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
	}
	// The same settled root everywhere, and on a node that folds the chain
	// from scratch.
	fresh, err := node.New(node.Config{DataDir: t.TempDir(), EthRPC: p.info.EthWS,
		Anchor: mustAddr(t, p.info.Contracts["anchor"]), Vault: mustAddr(t, p.info.Contracts["vault"]), PollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	if err := fresh.Start(deadline); err != nil {
		t.Fatal(err)
	}
	for {
		var roots []string
		var seqs []string
		for i := range p.info.Nodes {
			st, err := p.client(i).Status(deadline)
			if err != nil {
				roots = append(roots, err.Error())
				continue
			}
			roots = append(roots, st.SettledRoot.Hex())
			seqs = append(seqs, fmt.Sprint(st.SettledSeq))
		}
		roots = append(roots, settledHead(t, fresh).StateRoot.Hex())
		same := true
		for _, x := range roots[1:] {
			same = same && x == roots[0]
		}
		if same {
			break
		}
		if deadline.Err() != nil {
			t.Fatalf("settled roots differ after the crash loop (nodes 0-2, fresh replay): %v (seqs %v)\n%s",
				roots, seqs, strings.Join(history, "\n"))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if loseBlocks {
		// The Vault holds exactly the ledger's ETH: deposits the chain lost
		// are gone from the ledger too (no withdrawals in this loop).
		ethc, err := ethclient.DialContext(ctx, p.info.EthRPC)
		if err != nil {
			t.Fatal(err)
		}
		defer ethc.Close()
		held, err := ethc.BalanceAt(ctx, common.HexToAddress(p.info.Contracts["vault"]), nil)
		if err != nil {
			t.Fatal(err)
		}
		var ledgerETH, vaultETH string
		assets, err := p.client(0).Assets(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range assets {
			if a.Symbol == "ETH" {
				u, _ := uint256.FromBig(held)
				ledgerETH, vaultETH = a.Supply, ledger.FormatAmount(u, a.Decimals)
			}
		}
		if vaultETH != ledgerETH {
			t.Fatalf("the Vault holds %s wei, the ledger's ETH supply is %s\n%s", held, ledgerETH, strings.Join(history, "\n"))
		}
	}
	t.Logf("%d kills, %d transfers acknowledged, all settled; roots equal a fresh replay; %d node rollbacks seen",
		kills, len(acked), rollbacks+strings.Count(p.stderr(), "rolled back the settled state"))
}

// depositETH deposits wei to key's ledger account through the devnet's
// Vault, from key's own Ethereum account, and waits for it to be mined.
func depositETH(ctx context.Context, p *devnetProc, key *account.Key, wei *big.Int) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	c, err := chain.Dial(ctx, p.info.EthRPC)
	if err != nil {
		return err
	}
	defer c.Close()
	v := chain.NewVault(c, common.HexToAddress(p.info.Contracts["vault"]))
	_, err = v.Deposit(ctx, v.Transactor(key.ToECDSA()), key.Address(), wei)
	return err
}

// resend tries a submission for up to 20 s, as a wallet would.
func resend(ctx context.Context, submit func() (api.SubmitResult, error)) (api.SubmitResult, error) {
	deadline := time.Now().Add(20 * time.Second)
	for {
		res, err := submit()
		if err == nil || time.Now().After(deadline) {
			return res, err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func mustAddr(t *testing.T, s string) ledger.Address {
	t.Helper()
	a, err := ledger.ParseAddress(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestNodeCrashLoop kills one `anonex node` process — a settler with no
// peers, so everything it acknowledges can only settle through its own
// store and its own batches — with SIGKILL at random moments of ingest,
// settling and following, and restarts it on its data dir. At the end
// every acknowledged transfer is settled or failed with a reason, and the
// node's settled root equals that of a node that folds the same chain from
// scratch. Seeded like TestDevnetCrashLoop.
func TestNodeCrashLoop(t *testing.T) {
	kills, seed := chaosKnobs(t, 4)
	r := rand.New(rand.NewPCG(seed, 0x0de))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	d := startDevnet(t, ctx, devnet.Config{Nodes: 1})
	// The process settles with an Ethereum key of its own.
	ethKey, err := account.FromMnemonic(devchain.TestMnemonic, "", 9)
	if err != nil {
		t.Fatal(err)
	}
	ks, err := account.OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	entry, err := ks.Create(ethKey, "pw", true)
	if err != nil {
		t.Fatal(err)
	}
	pwFile := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pwFile, []byte("pw\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	settle := []string{"--settle", "--settle-keystore", entry.Path, "--password-file", pwFile, "--batch-age", "20ms"}

	holder := d.Info.Accounts[1]
	key, err := account.LoadKeyFile(holder.Keystore, holder.Password)
	if err != nil {
		t.Fatal(err)
	}
	eur, _ := ledger.ParseHash(d.Info.Assets[0].ID)
	to, _ := ledger.ParseAddress(d.Info.Accounts[2].Address)
	dom := d.Nodes[0].Domain()
	acct, err := d.Nodes[0].Account(key.Address())
	if err != nil {
		t.Fatal(err)
	}
	nonce := acct.Nonce

	dir := filepath.Join(t.TempDir(), "node")
	port := freePort(t)
	proc := startNode(t, d, dir, port, settle...)
	defer func() {
		proc.Process.Signal(syscall.SIGKILL)
		proc.Wait()
	}()
	cl := client.New(fmt.Sprintf("http://127.0.0.1:%d", port), "")
	cl.HTTP = &http.Client{Timeout: 5 * time.Second}
	var acked []ledger.Hash
	var unsure *ledger.Tx
	for k := 0; k < kills; k++ {
		if unsure != nil { // re-send what may have been stored unacknowledged
			res, err := resend(ctx, func() (api.SubmitResult, error) { return cl.Submit(ctx, unsure) })
			if err != nil {
				t.Fatalf("kill %d: re-sending: %v", k, err)
			}
			acked, unsure = append(acked, res.ID), nil
			nonce++
		}
		stop, done := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(done)
			for {
				select {
				case <-stop:
					return
				default:
				}
				tr := &ledger.Transfer{From: key.Address(), To: to, Asset: eur, Amount: *uint256.NewInt(1), Nonce: nonce}
				sig, err := key.Sign(dom.Digest(tr.StructHash()))
				if err != nil {
					t.Error(err)
					return
				}
				tx := &ledger.Tx{Payload: tr, Sig: ledger.Sig(sig)}
				res, err := cl.Submit(ctx, tx)
				if err != nil {
					unsure = tx
					return
				}
				acked = append(acked, res.ID)
				nonce++
			}
		}()
		time.Sleep(time.Duration(20+r.IntN(800)) * time.Millisecond)
		proc.Process.Signal(syscall.SIGKILL)
		proc.Wait()
		close(stop)
		<-done
		proc = startNode(t, d, dir, port, settle...)
	}
	if len(acked) == 0 {
		t.Fatal("no transfer was acknowledged: the loop tested nothing")
	}
	for _, id := range acked {
		info, err := cl.WaitTx(ctx, id, "settled", "failed")
		if err != nil {
			t.Fatalf("acknowledged %s after %d kills: %+v %v", id, kills, info, err)
		}
	}
	// A node folding the same chain from scratch reaches the same root.
	fresh, err := node.New(node.Config{DataDir: t.TempDir(), EthRPC: d.Info.EthWS, Anchor: mustAddr(t, d.Info.Contracts["anchor"]),
		Vault: mustAddr(t, d.Info.Contracts["vault"]), PollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	if err := fresh.Start(ctx); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		st, err := cl.Status(ctx)
		replay := settledHead(t, fresh)
		if err == nil && st.SettledSeq != nil && st.SettledRoot == replay.StateRoot && replay.NextSeq == *st.SettledSeq+1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("root after %d kills: %+v (%v); a fresh replay has %s at next seq %d", kills, st, err,
				replay.StateRoot, replay.NextSeq)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("%d kills, %d transfers acknowledged, all settled; the root equals a fresh replay", kills, len(acked))
}
