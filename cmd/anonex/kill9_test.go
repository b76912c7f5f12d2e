package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/client"
	"github.com/anonex/anonex/devnet"
	"github.com/anonex/anonex/ledger"
	"github.com/holiman/uint256"
)

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startNode runs `anonex node` as a process (with extra flags) and waits
// for its API.
func startNode(t *testing.T, d *devnet.Devnet, dir string, port int, extra ...string) *exec.Cmd {
	t.Helper()
	cmd := anonex(append([]string{"node", "--datadir", dir, "--eth-rpc", d.Info.EthWS, "--anchor", d.Info.Contracts["anchor"],
		"--vault", d.Info.Contracts["vault"], "--api", fmt.Sprintf("127.0.0.1:%d", port), "--poll", "20ms", "--log-level", "warn"}, extra...)...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	cl := client.New(fmt.Sprintf("http://127.0.0.1:%d", port), "")
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		st, err := cl.Status(ctx)
		cancel()
		if err == nil && st.SettledSeq != nil && *st.SettledSeq >= settledHead(t, d.Nodes[0]).NextSeq-1 {
			return cmd
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("node process not ready: %v %+v", err, st)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestNodeKill9KeepsAcknowledgedTxs runs a node as its own OS process,
// submits transfers to it while another goroutine kills it with SIGKILL,
// restarts it on the same data dir and checks that every transfer the API
// acknowledged is still pending there. The node has no peers and no
// settler, so its own store is the only place the transfers can come from.
func TestNodeKill9KeepsAcknowledgedTxs(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	d := startDevnet(t, ctx, devnet.Config{Nodes: 1})
	holder := d.Info.Accounts[1]
	key, err := account.LoadKeyFile(holder.Keystore, holder.Password)
	if err != nil {
		t.Fatal(err)
	}
	eur, _ := ledger.ParseHash(d.Info.Assets[0].ID)
	to, _ := ledger.ParseAddress(d.Info.Accounts[2].Address)
	dom := d.Nodes[0].Domain()

	dir := filepath.Join(t.TempDir(), "node")
	port := freePort(t)
	proc := startNode(t, d, dir, port)
	cl := client.New(fmt.Sprintf("http://127.0.0.1:%d", port), "")
	cl.HTTP = &http.Client{Timeout: 5 * time.Second}

	var mu sync.Mutex
	var acked []ledger.Hash
	done := make(chan struct{})
	go func() {
		defer close(done)
		for nonce := uint64(0); ; nonce++ {
			p := &ledger.Transfer{From: key.Address(), To: to, Asset: eur, Amount: *uint256.NewInt(1 + nonce), Nonce: nonce}
			sig, err := key.Sign(dom.Digest(p.StructHash()))
			if err != nil {
				t.Error(err)
				return
			}
			res, err := cl.Submit(ctx, &ledger.Tx{Payload: p, Sig: ledger.Sig(sig)})
			if err != nil {
				return // the node is gone
			}
			mu.Lock()
			acked = append(acked, res.ID)
			mu.Unlock()
		}
	}()
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 40 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	proc.Process.Signal(syscall.SIGKILL)
	proc.Wait()
	<-done
	mu.Lock()
	ids := append([]ledger.Hash(nil), acked...)
	mu.Unlock()

	proc = startNode(t, d, dir, port)
	defer func() {
		proc.Process.Signal(syscall.SIGTERM)
		proc.Wait()
	}()
	for i, id := range ids {
		info, err := cl.Tx(ctx, id)
		if err != nil || info.Status != "pending" {
			t.Fatalf("acknowledged tx %d of %d (%s) after kill -9: %+v %v", i+1, len(ids), id, info, err)
		}
	}
	acct, err := cl.Account(ctx, key.Address().Hex())
	if err != nil {
		t.Fatal(err)
	}
	if acct.Nonce < uint64(len(ids)) {
		t.Fatalf("pending nonce %d after restart, %d transfers were acknowledged", acct.Nonce, len(ids))
	}
	t.Logf("%d transfers acknowledged before kill -9, all pending after restart (next nonce %d)", len(ids), acct.Nonce)
}
