package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/client"
	"github.com/anonex/anonex/devnet"
)

func TestSettleDepthDefaults(t *testing.T) {
	k := uint64(12)
	for _, tc := range []struct {
		chain     uint64
		finSet    bool
		fin       bool
		conf      *uint64
		wantK     uint64
		wantFinal bool
	}{
		{chain: 1337},                      // the devnet: 0 confirmations
		{chain: 1, wantFinal: true},        // mainnet: finalized
		{chain: 11155111, wantFinal: true}, // any other chain too
		{chain: 1, conf: &k, wantK: 12},    // an explicit K overrides
		{chain: 1337, finSet: true, fin: true, wantFinal: true},
	} {
		gotK, gotFinal, err := settleDepth(tc.chain, tc.finSet, tc.fin, tc.conf)
		if err != nil || gotK != tc.wantK || gotFinal != tc.wantFinal {
			t.Errorf("chain %d: %d, %v, %v; want %d, %v", tc.chain, gotK, gotFinal, err, tc.wantK, tc.wantFinal)
		}
	}
	if _, _, err := settleDepth(1, true, true, &k); err == nil {
		t.Error("--finalized with --confirmations accepted")
	}
}

// A node started as the README shows folds the devnet's state: with
// --devnet DIR it takes the endpoint, the Anchor and the Vault from
// devnet.json and reaches the same settled root; without a Vault it refuses
// to start rather than fold another state.
func TestNodeFoldsTheDevnetState(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	d := startDevnet(t, ctx, devnet.Config{Nodes: 1, NoMarket: true})
	var err error

	// No Vault: refused, with the way out.
	var errb bytes.Buffer
	cmd := anonex("node", "--datadir", filepath.Join(t.TempDir(), "x"), "--eth-rpc", d.Info.EthWS,
		"--anchor", d.Info.Contracts["anchor"], "--api", "127.0.0.1:0")
	cmd.Stderr = &errb
	if err := cmd.Run(); err == nil || !strings.Contains(errb.String(), "--vault") {
		t.Fatalf("a node without a Vault started (%v): %s", err, errb.String())
	}

	port := freePort(t)
	cmd = anonex("node", "--devnet", d.Dir, "--datadir", filepath.Join(t.TempDir(), "n"),
		"--api", fmt.Sprintf("127.0.0.1:%d", port), "--poll", "20ms", "--log-level", "info")
	var logs bytes.Buffer
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}()
	want := settledHead(t, d.Nodes[0])
	cl := client.New(fmt.Sprintf("http://127.0.0.1:%d", port), "")
	var st api.NodeStatus
	for deadline := time.Now().Add(30 * time.Second); ; {
		c, cancel := context.WithTimeout(ctx, time.Second)
		st, err = cl.Status(c)
		cancel()
		if err == nil && st.SettledSeq != nil && *st.SettledSeq >= want.NextSeq-1 && st.SettledRoot == want.StateRoot {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("node not at the devnet's state (seq %d root %s): %+v %v\n%s", want.NextSeq-1, want.StateRoot, st, err, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if st.Vault != d.Info.Contracts["vault"] || st.Disagreement != nil {
		t.Fatalf("status %+v", st)
	}
	acct, err := cl.Account(ctx, d.Info.Accounts[1].Address)
	if err != nil {
		t.Fatal(err)
	}
	syms := map[string]string{}
	for _, b := range acct.Balances {
		syms[b.Symbol] = b.Settled
	}
	if syms["ETH"] == "" || syms[devnet.TokenSymbol] == "" {
		t.Fatalf("holder-1 on the node: %v", syms)
	}
	if !strings.Contains(logs.String(), "finalized=false") {
		t.Fatalf("the devnet's chain should settle at 0 confirmations:\n%s", logs.String())
	}
}
