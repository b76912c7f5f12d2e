package main

import (
	"context"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/anonex/anonex/devnet"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/ethclient"
)

// TestDevnetAccountsAndFaucet: `devnet --accounts N --balance X` adds
// accounts funded on the chain and in the devnet's keystore; the faucet
// pays them any asset from the demo account that holds the most of it;
// an added account deposits its chain ETH into the ledger.
func TestDevnetAccountsAndFaucet(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	five := new(big.Int).Mul(big.NewInt(5), big.NewInt(1e18))
	d := startDevnet(t, ctx, devnet.Config{DataDir: dir, Nodes: 1, Accounts: 2, Balance: five})
	var added []devnet.AccountInfo
	for _, a := range d.Info.Accounts {
		if strings.HasPrefix(a.Role, "account-") {
			added = append(added, a)
		}
	}
	if len(added) != 2 || added[0].Role != "account-1" {
		t.Fatalf("added accounts %+v", added)
	}
	eth, err := ethclient.Dial(d.Info.EthRPC)
	if err != nil {
		t.Fatal(err)
	}
	defer eth.Close()
	if bal, err := eth.BalanceAt(ctx, common.HexToAddress(added[0].Address), nil); err != nil || bal.Cmp(five) != 0 {
		t.Fatalf("account-1 holds %v wei on the chain (%v), want 5 ETH", bal, err)
	}
	out := run(t, "faucet", "--devnet", dir, "--to", "account-1", "--asset", "EUR", "--amount", "25", "--wait", "settled")
	if !strings.Contains(out, "settled") {
		t.Fatalf("faucet: %s", out)
	}
	run(t, "faucet", "--devnet", dir, "--to", "account-1", "--asset", "ETH", "--amount", "0.5", "--wait", "settled")
	run(t, "deposit", "--devnet", dir, "--from", "account-1", "--asset", "ETH", "--amount", "1", "--wait", "settled")
	bal := run(t, "balance", "--devnet", dir, "account-1")
	if !strings.Contains(bal, "25.00") || !strings.Contains(bal, "1.5") {
		t.Fatalf("account-1 after the faucet and a deposit:\n%s", bal)
	}
	b, err := anonex("faucet", "--devnet", dir, "--to", "account-2", "--asset", "EUR", "--amount", "99999999").CombinedOutput()
	if err == nil || !strings.Contains(string(b), "no demo account holds") {
		t.Fatalf("a faucet beyond what the demo holds: %v %s", err, b)
	}
}
