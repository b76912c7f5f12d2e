package devnet

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/chain/devchain"
	"github.com/anonex/anonex/ledger"
	"github.com/holiman/uint256"
)

// syncBuffer is a bytes.Buffer safe for the logger's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// The settler pays gas from a key of its own: the devnet's set-up (deploying,
// funding, Vault deposits) sends from the deployer's key at the same time,
// and with one shared key the two raced for nonces ("nonce too low" at every
// start).
func TestSettlerHasItsOwnKey(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	d, err := Start(ctx, Config{HTTPAddr: "127.0.0.1:0", WSAddr: "127.0.0.1:0", NoMarket: true, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()

	settler := d.Info.Nodes[0].SettleAccount
	if settler == "" || settler == d.Info.EthAccounts[0] || settler != d.Info.EthAccounts[SettlerEthAccount] {
		t.Fatalf("node 0 settles from %q (deployer %s)", settler, d.Info.EthAccounts[0])
	}

	// A few transfers, each to settled, through node 1 (gossiped to the settler).
	var eur ledger.Hash
	for _, a := range d.Info.Assets {
		if a.Symbol == "EUR" {
			if eur, err = ledger.ParseHash(a.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	from, err := account.FromMnemonic(devchain.TestMnemonic, "", 101) // holder-1
	if err != nil {
		t.Fatal(err)
	}
	to, _ := ledger.ParseAddress(d.Info.Accounts[2].Address)
	n := d.Nodes[1]
	acct, err := n.Account(from.Address())
	if err != nil {
		t.Fatal(err)
	}
	dom := n.Domain()
	for i := uint64(0); i < 5; i++ {
		p := &ledger.Transfer{From: from.Address(), To: to, Asset: eur, Amount: *uint256.NewInt(1_00), Nonce: acct.Nonce + i}
		sig, err := from.Sign(dom.Digest(p.StructHash()))
		if err != nil {
			t.Fatal(err)
		}
		res, err := n.Submit(ctx, &ledger.Tx{Payload: p, Sig: ledger.Sig(sig)})
		if err != nil {
			t.Fatal(err)
		}
		if err := waitSettled(ctx, n, res.ID, 20*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	if s := logs.String(); strings.Contains(s, "nonce too low") || strings.Contains(s, "batch submission failed") {
		t.Fatalf("the settler's submissions failed:\n%s", s)
	}
}
