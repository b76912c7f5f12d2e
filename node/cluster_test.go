package node_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/chain/devchain"
	"github.com/anonex/anonex/client"
	"github.com/anonex/anonex/ledger"
	"github.com/anonex/anonex/ledger/store"
	"github.com/anonex/anonex/node"
	"github.com/ethereum/go-ethereum/common"
	"github.com/holiman/uint256"
)

// cluster is a chain and nodes built by hand, so a test can stop and
// restart one node on its data dir.
type cluster struct {
	t      *testing.T
	chain  *devchain.Chain
	anchor ledger.Address
	nodes  []*node.Node
	cfgs   []node.Config
	dir    string
}

func newCluster(t *testing.T, n int) *cluster { return newClusterSettlers(t, n, 1) }

// newClusterSettlers starts n nodes, the first settlers of them settling
// (each with its own Ethereum key).
func newClusterSettlers(t *testing.T, n, settlers int) *cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	keys := ethKeys(t)
	var funded []common.Address
	for _, k := range keys {
		funded = append(funded, common.Address(k.Address()))
	}
	ch, err := devchain.Start(devchain.Config{HTTPAddr: "127.0.0.1:0", WSAddr: "127.0.0.1:0", Alloc: devchain.Prefund(funded...)})
	if err != nil {
		t.Fatal(err)
	}
	anchor, err := ch.DeployAnchor(ctx, keys[0].ToECDSA())
	if err != nil {
		t.Fatal(err)
	}
	c := &cluster{t: t, chain: ch, anchor: ledger.Address(anchor), dir: t.TempDir()}
	t.Cleanup(c.close)
	for i := 0; i < n; i++ {
		cfg := node.Config{DataDir: filepath.Join(c.dir, fmt.Sprint("node-", i)), EthRPC: ch.WSURL(), Anchor: c.anchor,
			PollInterval: 20 * time.Millisecond, BatchAge: 30 * time.Millisecond}
		if i < settlers {
			cfg.SettleKey = keys[i].ToECDSA()
		}
		c.cfgs = append(c.cfgs, cfg)
		c.nodes = append(c.nodes, nil)
		c.start(i)
	}
	return c
}

func ethKeys(t *testing.T) []*account.Key {
	var out []*account.Key
	for i := uint32(0); i < 10; i++ {
		k, err := account.FromMnemonic(devchain.TestMnemonic, "", i)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, k)
	}
	return out
}

func (c *cluster) start(i int) {
	c.t.Helper()
	cfg := c.cfgs[i]
	cfg.Bootstrap = nil
	for j, n := range c.nodes {
		if j != i && n != nil {
			cfg.Bootstrap = append(cfg.Bootstrap, n.Multiaddrs()...)
		}
	}
	n, err := node.New(cfg)
	if err != nil {
		c.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := n.Start(ctx); err != nil {
		n.Close()
		c.t.Fatal(err)
	}
	c.nodes[i] = n
}

func (c *cluster) stop(i int) {
	if c.nodes[i] != nil {
		if err := c.nodes[i].Close(); err != nil {
			c.t.Errorf("close node %d: %v", i, err)
		}
		c.nodes[i] = nil
	}
}

func (c *cluster) close() {
	for i := range c.nodes {
		c.stop(i)
	}
	c.chain.Close()
}

// wallet is a device account with its next nonce.
type wallet struct {
	key   *account.Key
	nonce uint64
}

func newWallet(t *testing.T, seed uint32) *wallet {
	k, err := account.FromMnemonic(devchain.TestMnemonic, "", 1000+seed)
	if err != nil {
		t.Fatal(err)
	}
	return &wallet{key: k}
}

func (w *wallet) sign(t *testing.T, dom ledger.Domain, p ledger.Payload) *ledger.Tx {
	sig, err := w.key.Sign(dom.Digest(p.StructHash()))
	if err != nil {
		t.Fatal(err)
	}
	return &ledger.Tx{Payload: p, Sig: ledger.Sig(sig)}
}

func (w *wallet) transfer(t *testing.T, dom ledger.Domain, to *wallet, asset ledger.Hash, units uint64) *ledger.Tx {
	p := &ledger.Transfer{From: w.key.Address(), To: to.key.Address(), Asset: asset, Amount: *uint256.NewInt(units), Nonce: w.nonce}
	w.nonce++
	return w.sign(t, dom, p)
}

func (w *wallet) issue(t *testing.T, dom ledger.Domain, symbol string, supply uint64) (*ledger.Tx, ledger.Hash) {
	p := &ledger.IssueAsset{Issuer: w.key.Address(), Symbol: symbol, Decimals: 2, Supply: *uint256.NewInt(supply), Nonce: w.nonce}
	w.nonce++
	return w.sign(t, dom, p), dom.Digest(p.StructHash())
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

func submit(t *testing.T, n *node.Node, tx *ledger.Tx) ledger.Hash {
	t.Helper()
	res, err := n.Submit(context.Background(), tx)
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	return res.ID
}

// fund issues 1,000,000 units of EUR from issuer, gives each holder
// 10,000, and waits until all of it has settled on every node.
func (c *cluster) fund(t *testing.T, issuer *wallet, holders []*wallet) ledger.Hash {
	t.Helper()
	dom := c.nodes[0].Domain()
	issueTx, eur := issuer.issue(t, dom, "EUR", 1_000_000)
	last := submit(t, c.nodes[0], issueTx)
	for _, h := range holders {
		last = submit(t, c.nodes[0], issuer.transfer(t, dom, h, eur, 10_000))
	}
	waitStatus(t, c.nodes, last, api.TxSettled, 20*time.Second)
	return eur
}

// waitStatus waits until every given node reports status for id.
func waitStatus(t *testing.T, nodes []*node.Node, id ledger.Hash, status api.TxStatus, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for _, n := range nodes {
		for {
			info, err := n.TxStatus(id)
			if err == nil && info.Status == status {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("tx %s: status %q (err %v), want %q", id, info.Status, err, status)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

func TestClusterSettlesTheSameEverywhere(t *testing.T) {
	c := newCluster(t, 3)
	dom := c.nodes[0].Domain()
	issuer := newWallet(t, 0)
	holders := []*wallet{newWallet(t, 1), newWallet(t, 2), newWallet(t, 3)}

	eur := c.fund(t, issuer, holders)

	// Transfers from several accounts enter at different nodes.
	var ids []ledger.Hash
	for round := 0; round < 5; round++ {
		for i, h := range holders {
			to := holders[(i+1)%len(holders)]
			ids = append(ids, submit(t, c.nodes[i], h.transfer(t, dom, to, eur, uint64(100+round))))
		}
	}
	// Pending on the other nodes within moments (gossip).
	for _, id := range ids {
		for _, n := range c.nodes {
			deadline := time.Now().Add(5 * time.Second)
			for {
				info, err := n.TxStatus(id)
				if err == nil && info.Status != api.TxRejected {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("tx %s never reached a node: %v %+v", id, err, info)
				}
				time.Sleep(2 * time.Millisecond)
			}
		}
	}
	for _, id := range ids {
		waitStatus(t, c.nodes, id, api.TxSettled, 20*time.Second)
	}
	c.sameEverywhere(t, append([]*wallet{issuer}, holders...), eur)

	// Stop node 2, keep trading, restart it: it catches up from the chain.
	c.stop(2)
	var later []ledger.Hash
	for i, h := range holders {
		later = append(later, submit(t, c.nodes[i%2], h.transfer(t, dom, issuer, eur, 7)))
	}
	for _, id := range later {
		waitStatus(t, c.nodes[:2], id, api.TxSettled, 20*time.Second)
	}
	c.start(2)
	for _, id := range later {
		waitStatus(t, c.nodes, id, api.TxSettled, 20*time.Second)
	}
	c.sameEverywhere(t, append([]*wallet{issuer}, holders...), eur)
	got, _ := c.nodes[2].Account(holders[0].key.Address())
	if want := fmt.Sprint(10_000 - (100 + 101 + 102 + 103 + 104) + (100 + 101 + 102 + 103 + 104) - 7); got.Balances[0].SettledUnits != want {
		t.Fatalf("holder 0 after restart: %+v, want %s units", got.Balances, want)
	}
}

// sameEverywhere checks roots and balances agree on every node.
func (c *cluster) sameEverywhere(t *testing.T, ws []*wallet, asset ledger.Hash) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var roots []ledger.Hash
		for _, n := range c.nodes {
			roots = append(roots, settledHead(t, n).StateRoot)
		}
		same := true
		for _, r := range roots[1:] {
			same = same && r == roots[0]
		}
		if same {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("settled roots differ: %v", roots)
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, w := range ws {
		var want string
		for i, n := range c.nodes {
			info, err := n.Account(w.key.Address())
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(info.Balances)
			if i == 0 {
				want = string(b)
			} else if string(b) != want {
				t.Fatalf("node %d sees %s for %s, node 0 %s", i, b, w.key.Name(), want)
			}
		}
	}
}

// TestBadInputMovesNothing sends every kind of bad transaction through the
// HTTP API and checks each gets a clear error and no value moves.
func TestBadInputMovesNothing(t *testing.T) {
	c := newCluster(t, 1)
	n := c.nodes[0]
	dom := n.Domain()
	alice, bob := newWallet(t, 10), newWallet(t, 11)
	issueTx, eur := alice.issue(t, dom, "EUR", 5000)
	submit(t, n, issueTx)
	good := alice.transfer(t, dom, bob, eur, 100)
	id := submit(t, n, good)
	waitStatus(t, c.nodes, id, api.TxSettled, 20*time.Second)

	post := func(body string) (int, map[string]any) {
		resp, err := http.Post(n.APIURL()+"/v1/txs", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	js := func(tx *ledger.Tx) string {
		b, _ := tx.MarshalJSON()
		return string(b)
	}
	forged := *alice.transfer(t, dom, bob, eur, 1)
	forged.Sig[5] ^= 1
	otherChain := ledger.NewDomain(1, dom.Contract)
	wrongDomain := alice.transfer(t, otherChain, bob, eur, 1)
	alice.nonce-- // neither consumed a nonce
	alice.nonce--
	overspend := bob.transfer(t, dom, alice, eur, 101)
	bob.nonce--
	unknownAsset := bob.transfer(t, dom, alice, ledger.Hash{0x42}, 1)
	bob.nonce--
	zero := *bob.transfer(t, dom, alice, eur, 1)
	bob.nonce--
	zero.Payload.(*ledger.Transfer).Amount = uint256.Int{}
	for _, c := range []struct {
		name, body, code string
	}{
		{"not json", `{"type":`, "malformed"},
		{"unknown type", `{"type":"Mint","message":{},"signature":"0x00"}`, "malformed"},
		{"unknown field", strings.Replace(js(good), `"nonce"`, `"nonse"`, 1), "malformed"},
		{"raw garbage", `{"raw":"0x01020304"}`, "malformed"},
		{"wrong signature", js(&forged), "bad_signature"},
		{"wrong chain id", js(wrongDomain), "bad_signature"},
		{"replay", js(good), ""},
		{"insufficient funds", js(overspend), "insufficient_funds"},
		{"unknown asset", js(unknownAsset), "unknown_asset"},
		{"zero amount", js(&zero), "invalid"},
	} {
		status, out := post(c.body)
		if c.code == "" {
			if status != 200 || out["status"] != string(api.TxSettled) {
				t.Errorf("%s: %d %v, want the settled record", c.name, status, out)
			}
			continue
		}
		if out["code"] != c.code || out["message"] == "" || status < 400 {
			t.Errorf("%s: %d %v, want code %s", c.name, status, out, c.code)
		}
	}
	acct, _ := n.Account(bob.key.Address())
	if len(acct.Balances) != 1 || acct.Balances[0].PendingUnits != "100" || acct.Nonce != 0 {
		t.Fatalf("bad input moved value: %+v", acct)
	}
	// A symbol naming two assets is refused with both listed.
	carol := newWallet(t, 12)
	second, secondID := carol.issue(t, dom, "EUR", 1)
	submit(t, n, second)
	if _, err := n.ResolveAsset("EUR"); err == nil || !strings.Contains(err.Error(), eur.Hex()) || !strings.Contains(err.Error(), secondID.Hex()) {
		t.Fatalf("ambiguous symbol: %v", err)
	}
	resp0, err := http.Get(n.APIURL() + "/v1/assets/EUR")
	if err != nil {
		t.Fatal(err)
	}
	var amb map[string]any
	json.NewDecoder(resp0.Body).Decode(&amb)
	resp0.Body.Close()
	if resp0.StatusCode != http.StatusConflict || amb["code"] != "ambiguous" || len(amb["candidates"].([]any)) != 2 {
		t.Fatalf("GET /v1/assets/EUR with two EURs: %d %v", resp0.StatusCode, amb)
	}
	if a, err := n.ResolveAsset(eur.Hex()); err != nil || a.ID != eur {
		t.Fatalf("by id: %+v %v", a, err)
	}
	// Oversized bodies are refused before parsing.
	status, out := post(`{"raw":"0x` + strings.Repeat("00", 70000) + `"}`)
	if status != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversized body: %d %v", status, out)
	}
	// Token-protected calls refuse without the token.
	resp, err := http.Post(n.APIURL()+"/v1/admin/flush", "application/json", bytes.NewReader(nil))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("flush without token: %d", resp.StatusCode)
	}
	if err := client.New(n.APIURL(), n.APIToken()).Flush(context.Background()); err != nil {
		t.Fatalf("flush with token: %v", err)
	}
}
