package devnet

import (
	"context"
	"fmt"
	"math/big"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/chain"
	"github.com/anonex/anonex/client"
	"github.com/anonex/anonex/ledger"
	"github.com/anonex/anonex/node"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/holiman/uint256"
)

// TestChaosChecker is a Jepsen-style checker on a whole devnet (the
// embedded chain, three nodes, the Vault, the market maker): seeded random
// transfers, fills of the market maker's offers and withdrawals enter at
// random nodes, Ethereum deposits go to the Vault, and the chain is
// reorganized (depth 1 to 6) between them. At the end it checks:
//
//   - every acknowledged transaction is settled or failed (with a reason)
//     on every node;
//   - every node has the same settled root, and so has a node that folds
//     the chain from scratch;
//   - each asset's supply is the sum of all settled balances (for bridged
//     assets: deposits minus withdrawals);
//   - the Vault holds exactly the ledger's bridged ETH once every burned
//     withdrawal is paid out.
//
// ANONEX_CHAOS_OPS sets the number of operations (make chaos: 300),
// ANONEX_CHAOS_SEED replays a run; a failure prints both and the history.
func TestChaosChecker(t *testing.T) {
	ops, seed := 40, uint64(time.Now().UnixNano())
	if v := os.Getenv("ANONEX_CHAOS_OPS"); v != "" {
		ops, _ = strconv.Atoi(v)
	}
	if v := os.Getenv("ANONEX_CHAOS_SEED"); v != "" {
		seed, _ = strconv.ParseUint(v, 10, 64)
	}
	t.Logf("chaos checker: %d operations, seed %d (replay: ANONEX_CHAOS_SEED=%d ANONEX_CHAOS_OPS=%d)", ops, seed, seed, ops)
	r := rand.New(rand.NewPCG(seed, 0xc4ec))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	d, err := Start(ctx, Config{HTTPAddr: "127.0.0.1:0", WSAddr: "127.0.0.1:0", DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	events, stopEvents, ok := d.Nodes[1].Subscribe()
	if !ok {
		t.Fatal("cannot subscribe to node 1's events")
	}
	defer stopEvents()
	rollbacks := make(chan int, 1)
	go func() {
		n := 0
		for ev := range events {
			if ev.Type == "reorg" {
				n++
			}
			select {
			case <-rollbacks:
			default:
			}
			rollbacks <- n
		}
	}()

	var history []string
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("seed %d: %s\nhistory:\n%s", seed, fmt.Sprintf(format, args...), strings.Join(history, "\n"))
	}
	asset := func(sym string) ledger.Hash {
		for _, a := range d.Info.Assets {
			if a.Symbol == sym {
				h, _ := ledger.ParseHash(a.ID)
				return h
			}
		}
		fail("no %s", sym)
		return ledger.Hash{}
	}
	eur, eth := asset("EUR"), asset("ETH")
	dom := d.Nodes[0].Domain()
	type holder struct {
		key   *account.Key
		nonce uint64
	}
	var holders []*holder
	for _, a := range d.Info.Accounts {
		if strings.HasPrefix(a.Role, "holder-") {
			k, err := account.LoadKeyFile(a.Keystore, a.Password)
			if err != nil {
				t.Fatal(err)
			}
			info, err := d.Nodes[0].Account(k.Address())
			if err != nil {
				t.Fatal(err)
			}
			holders = append(holders, &holder{key: k, nonce: info.Nonce})
		}
	}
	ethc := chain.NewClient(d.Chain.Attach())
	defer ethc.Close()
	vaultAddr := common.HexToAddress(d.Info.Contracts["vault"])
	vault := chain.NewVault(ethc, vaultAddr)
	claimer := vault.Transactor(EthKey(7))

	var acked []ledger.Hash
	var withdrawals []ledger.Hash
	fills := 0
	submit := func(h *holder, p ledger.Payload) bool {
		sig, err := h.key.Sign(dom.Digest(p.StructHash()))
		if err != nil {
			t.Fatal(err)
		}
		i := r.IntN(len(d.Nodes))
		res, err := d.Nodes[i].Submit(ctx, &ledger.Tx{Payload: p, Sig: ledger.Sig(sig)})
		if err != nil {
			// Refused, not acknowledged: the nonce was not taken.
			history = append(history, fmt.Sprintf("  refused at node %d: %v", i, err))
			return false
		}
		h.nonce++
		acked = append(acked, res.ID)
		if _, ok := p.(*ledger.Withdraw); ok {
			withdrawals = append(withdrawals, res.ID)
		}
		return true
	}
	for op := 0; op < ops; op++ {
		h := holders[r.IntN(len(holders))]
		switch x := r.IntN(100); {
		case x < 60:
			to := holders[r.IntN(len(holders))]
			if to == h {
				continue
			}
			amt := uint64(1 + r.IntN(100))
			history = append(history, fmt.Sprintf("%d transfer %d EUR units %s -> %s", op, amt, h.key.Name(), to.key.Name()))
			submit(h, &ledger.Transfer{From: h.key.Address(), To: to.key.Address(), Asset: eur, Amount: *uint256.NewInt(amt), Nonce: h.nonce})
		case x < 75:
			wei := big.NewInt(int64(1+r.IntN(1000)) * 1e12)
			history = append(history, fmt.Sprintf("%d deposit %s wei for %s", op, wei, h.key.Name()))
			if _, err := vault.Deposit(ctx, vault.Transactor(h.key.ToECDSA()), h.key.Address(), wei); err != nil {
				fail("deposit: %v", err)
			}
		case x < 81:
			// Take a little of the market maker's best ETH ask, paying EUR.
			book := d.Nodes[0].Book(api.AssetInfo{ID: eth, Decimals: 18}, api.AssetInfo{ID: eur, Decimals: 2})
			if len(book.Asks) == 0 {
				continue
			}
			oi, err := d.Nodes[0].Offer(book.Asks[0].Offer)
			if err != nil || oi.Offer == nil {
				continue
			}
			take := uint256.NewInt(uint64(1+r.IntN(100)) * 1e12) // wei of ETH
			history = append(history, fmt.Sprintf("%d fill %s wei of offer %s by %s", op, take, oi.ID, h.key.Name()))
			if submit(h, &ledger.Fill{Taker: h.key.Address(), Offer: *oi.Offer, Take: *take, Nonce: h.nonce}) {
				fills++
			}
		case x < 87:
			amt := uint256.NewInt(uint64(1+r.IntN(1000)) * 1e12)
			history = append(history, fmt.Sprintf("%d withdraw %s wei from %s", op, amt, h.key.Name()))
			submit(h, &ledger.Withdraw{Account: h.key.Address(), Asset: eth, Amount: *amt, To: ledger.Address(crypto.PubkeyToAddress(EthKey(8).PublicKey)), Nonce: h.nonce})
		default:
			head, _ := d.Chain.Head()
			depth := uint64(1 + r.IntN(6))
			wei := big.NewInt(int64(1+r.IntN(1000)) * 1e12)
			history = append(history, fmt.Sprintf("%d reorg depth %d at head %d, with a deposit of %s wei for %s in the new blocks",
				op, depth, head, wei, h.key.Name()))
			// The replacement blocks carry a deposit the old ones did not:
			// every node must roll back, fold the new order, and agree.
			err := d.Chain.ReorgInject(ctx, head-depth+1, func(ctx context.Context) error {
				t := vault.Transactor(h.key.ToECDSA())
				_, err := vault.Deposit(ctx, t, h.key.Address(), wei)
				return err
			})
			if err != nil {
				fail("reorg: %v", err)
			}
		}
		if r.IntN(4) == 0 {
			time.Sleep(time.Duration(r.IntN(30)) * time.Millisecond)
		}
	}

	// 1. Every acknowledged transaction ends settled or failed everywhere.
	for i, n := range d.Nodes {
		for _, id := range acked {
			deadline := time.Now().Add(60 * time.Second)
			for {
				info, err := n.TxStatus(id)
				if err == nil && (info.Status == "settled" || info.Status == "failed") {
					break
				}
				if time.Now().After(deadline) {
					fail("node %d: acknowledged %s is %+v (%v)", i, id, info, err)
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
	}
	// Claim every burned withdrawal (the Vault pays each once).
	for _, id := range withdrawals {
		info, _ := d.Nodes[0].TxStatus(id)
		if info.Status != "settled" {
			continue
		}
		cl := client.New(d.Nodes[0].APIURL(), d.Nodes[0].APIToken())
		cctx, ccancel := context.WithTimeout(ctx, 60*time.Second)
		_, err := client.ClaimWithdrawal(cctx, cl, vault, claimer, id, 20*time.Millisecond)
		ccancel()
		if err != nil {
			fail("claiming withdrawal %s: %v", id, err)
		}
	}

	// 2. One root everywhere, and on a node folding the chain from scratch.
	fresh, err := node.New(node.Config{DataDir: filepath.Join(t.TempDir(), "fresh"), EthRPC: d.Chain.WSURL(),
		Anchor: d.Nodes[0].Domain().Contract, Vault: ledger.Address(vaultAddr), PollInterval: 20 * time.Millisecond, FinalDepth: FinalDepth})
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	if err := fresh.Start(ctx); err != nil {
		t.Fatal(err)
	}
	all := append(append([]*node.Node(nil), d.Nodes...), fresh)
	deadline := time.Now().Add(60 * time.Second)
	for {
		same := true
		for _, n := range all[1:] {
			same = same && n.Store().MustHead().StateRoot == all[0].Store().MustHead().StateRoot &&
				n.Store().MustHead().NextSeq == all[0].Store().MustHead().NextSeq
		}
		if same {
			break
		}
		if time.Now().After(deadline) {
			var roots []string
			for _, n := range all {
				h := n.Store().MustHead()
				roots = append(roots, fmt.Sprintf("seq %d root %s", h.NextSeq, h.StateRoot))
			}
			fail("settled roots differ (nodes 0-2, fresh replay): %v", roots)
		}
		time.Sleep(10 * time.Millisecond)
	}

	// 3. Each asset's supply is the sum of its settled balances.
	st := d.Nodes[0].Store()
	accts, err := st.AccountsByName("", 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	sums := map[ledger.Hash]*uint256.Int{}
	for _, a := range accts {
		bals, err := st.Balances(a)
		if err != nil {
			t.Fatal(err)
		}
		for id, v := range bals {
			if sums[id] == nil {
				sums[id] = new(uint256.Int)
			}
			sums[id].Add(sums[id], new(uint256.Int).SetBytes(v))
		}
	}
	assets, err := st.Assets()
	if err != nil {
		t.Fatal(err)
	}
	var ethSupply *uint256.Int
	for _, a := range assets {
		got := sums[a.ID]
		if got == nil {
			got = new(uint256.Int)
		}
		if !got.Eq(&a.Supply) {
			fail("asset %s: balances sum to %s, supply is %s", a.Symbol, got.Dec(), a.Supply.Dec())
		}
		if a.ID == eth {
			ethSupply = &a.Supply
		}
	}
	// 4. The Vault holds the ledger's bridged ETH, every withdrawal paid.
	vb, err := ethc.Eth().BalanceAt(ctx, vaultAddr, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ethSupply == nil || vb.Cmp(ethSupply.ToBig()) != 0 {
		fail("the Vault holds %s wei, the ledger's ETH supply is %v", vb, ethSupply)
	}
	seen := 0
	select {
	case seen = <-rollbacks:
	default:
	}
	t.Logf("%d operations: %d acknowledged (%d fills), %d withdrawals paid, %d rollbacks on node 1; roots equal a fresh replay; supplies and the Vault balance check out",
		ops, len(acked), fills, len(withdrawals), seen)
}
