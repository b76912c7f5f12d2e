package devchain

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/anonex/anonex/chain"
	"github.com/anonex/anonex/contracts"
	"github.com/anonex/anonex/contracts/bindings"
	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/rpc"
)

// Accounts 0 and 1 of the test mnemonic, prefunded by startTestChain.
var (
	testKey0 = TestKey(0)
	testKey1 = TestKey(1)
)

func testAlloc() map[common.Address]*big.Int {
	return Prefund(crypto.PubkeyToAddress(testKey0.PublicKey), crypto.PubkeyToAddress(testKey1.PublicKey))
}

func startTestChain(t *testing.T, cfg Config) *Chain {
	t.Helper()
	if cfg.HTTPAddr == "" {
		cfg.HTTPAddr = "127.0.0.1:0"
	}
	if cfg.WSAddr == "" {
		cfg.WSAddr = "127.0.0.1:0"
	}
	if cfg.Alloc == nil {
		cfg.Alloc = testAlloc()
	}
	c, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// rawCall posts one JSON-RPC request over plain HTTP, as any outside tool would.
func rawCall(t *testing.T, url, method string, params ...any) json.RawMessage {
	t.Helper()
	if params == nil {
		params = []any{}
	}
	body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Result json.RawMessage `json:"result"`
		Error  *struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	if out.Error != nil {
		t.Fatalf("%s: %s", method, out.Error.Message)
	}
	return out.Result
}

func TestRPCFromOutside(t *testing.T) {
	c := startTestChain(t, Config{})
	ctx := testCtx(t)
	t.Logf("started in memory in %v; http %s ws %s", c.StartupTime(), c.HTTPURL(), c.WSURL())

	for _, u := range []string{c.HTTPURL(), c.WSURL()} {
		if !strings.Contains(u, "127.0.0.1:") || strings.HasSuffix(u, ":0") {
			t.Fatalf("endpoint %q does not report the bound port", u)
		}
	}
	// eth_chainId over plain HTTP.
	if got := string(rawCall(t, c.HTTPURL(), "eth_chainId")); got != `"0x539"` {
		t.Fatalf("eth_chainId = %s, want 0x539", got)
	}
	// Today's mainnet rules: the draft Bogota fork is off.
	if cfg := c.eth.BlockChain().Config(); cfg.BogotaTime != nil || cfg.OsakaTime == nil {
		t.Fatalf("fork schedule: bogota %v osaka %v", cfg.BogotaTime, cfg.OsakaTime)
	}

	// A WebSocket subscription sees the block of a deployment.
	ws, err := rpc.DialContext(ctx, c.WSURL())
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	heads := make(chan *types.Header, 4)
	sub, err := ethclient.NewClient(ws).SubscribeNewHead(ctx, heads)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()

	addr, err := c.DeployAnchor(ctx, testKey0)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case h := <-heads:
		t.Logf("ws newHeads: block %d", h.Number)
	case err := <-sub.Err():
		t.Fatal(err)
	case <-ctx.Done():
		t.Fatal("no head over WebSocket")
	}

	// The deployed code is the artifact's, and the constant matches Go's.
	client := ethclient.NewClient(c.Attach())
	defer client.Close()
	code, err := client.CodeAt(ctx, addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(code, contracts.AnchorDeployedBytecode()) {
		t.Fatal("deployed code differs from build/Anchor.json deployedBytecode")
	}
	anchor := bindings.NewAnchor()
	max, err := bind.Call(anchor.Instance(client, addr), nil, anchor.PackMAXBATCHBYTES(), anchor.UnpackMAXBATCHBYTES)
	if err != nil {
		t.Fatal(err)
	}
	if max.Int64() != contracts.MaxBatchBytes {
		t.Fatalf("MAX_BATCH_BYTES = %v, Go says %d", max, contracts.MaxBatchBytes)
	}

	// The filter API is registered: eth_getLogs answers over HTTP.
	rawCall(t, c.HTTPURL(), "eth_getLogs", map[string]any{"fromBlock": "0x0", "toBlock": "latest", "address": addr})

	// Close is idempotent.
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestLoopbackOnly(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", "192.0.2.1:8545", ":x"} {
		if _, err := Start(Config{HTTPAddr: addr, WSAddr: "127.0.0.1:0"}); err == nil {
			t.Errorf("HTTPAddr %q accepted", addr)
		}
	}
}

func TestPersisted(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "eth")
	ctx := testCtx(t)
	c := startTestChain(t, Config{DataDir: dir})
	t.Logf("fresh data dir: started in %v", c.StartupTime())
	addr, err := c.DeployAnchor(ctx, testKey0)
	if err != nil {
		t.Fatal(err)
	}
	client := chain.NewClient(c.Attach())
	sub, err := chain.NewSubmitter(chain.SubmitterConfig{Client: client, Anchor: addr, Key: testKey0})
	if err != nil {
		t.Fatal(err)
	}
	var hashes []common.Hash
	for i := 0; i < 3; i++ {
		data := []byte(fmt.Sprintf("persisted batch %d", i))
		if _, err := sub.Submit(ctx, data); err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, crypto.Keccak256Hash(data))
	}
	// Period 0 may seal an extra empty block after a transaction: compare
	// the block at this height after reopening, not the head.
	head, headHash := c.Head()
	client.Close()
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}

	// Reopen: the stored genesis is reused (the prefunds are not passed again).
	c2, err := Start(Config{DataDir: dir, HTTPAddr: "127.0.0.1:0", WSAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	t.Logf("reopened data dir at block %d: started in %v", head, c2.StartupTime())
	if n, _ := c2.Head(); n < head {
		t.Fatalf("head after reopen %d, was %d", n, head)
	}
	if h := c2.eth.BlockChain().GetHeaderByNumber(head); h == nil || h.Hash() != headHash {
		t.Fatalf("block %d after reopen is %v, want %s", head, h, headHash)
	}
	ec := ethclient.NewClient(c2.Attach())
	defer ec.Close()
	anchor := bindings.NewAnchor()
	inst := anchor.Instance(ec, addr)
	next, err := bind.Call(inst, nil, anchor.PackNextSeq(), anchor.UnpackNextSeq)
	if err != nil {
		t.Fatal(err)
	}
	if next != 3 {
		t.Fatalf("nextSeq = %d after reopen, want 3", next)
	}
	for i, want := range hashes {
		got, err := bind.Call(inst, nil, anchor.PackBatchHash(uint64(i)), anchor.UnpackBatchHash)
		if err != nil {
			t.Fatal(err)
		}
		if common.Hash(got) != want {
			t.Fatalf("batchHash(%d) = %x, want %s", i, got, want)
		}
	}
	logs, err := ec.FilterLogs(ctx, ethereum.FilterQuery{Addresses: []common.Address{addr}})
	if err != nil {
		t.Fatal(err)
	}
	if len(logs) != 3 {
		t.Fatalf("%d logs after reopen, want 3", len(logs))
	}
	// The reopened chain keeps mining.
	s2, _ := chain.NewSubmitter(chain.SubmitterConfig{Client: chain.NewClient(c2.Attach()), Anchor: addr, Key: testKey0})
	res, err := s2.Submit(ctx, []byte("after reopen"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Seq != 3 {
		t.Fatalf("seq after reopen = %d, want 3", res.Seq)
	}
	if err := c2.Close(); err != nil {
		t.Fatal(err)
	}

	// A different chain id is refused with a clear error.
	if _, err := Start(Config{DataDir: dir, ChainID: 31337, HTTPAddr: "127.0.0.1:0", WSAddr: "127.0.0.1:0"}); err == nil || !strings.Contains(err.Error(), "chain id") {
		t.Fatalf("reopening with another chain id: %v", err)
	}
}

func TestMineAndReorg(t *testing.T) {
	c := startTestChain(t, Config{})
	ctx := testCtx(t)
	start, _ := c.Head()
	if err := c.MineBlocks(ctx, 3); err != nil {
		t.Fatal(err)
	}
	n, _ := c.Head()
	if n < start+3 {
		t.Fatalf("head %d after mining 3 from %d", n, start)
	}
	addr, err := c.DeployAnchor(ctx, testKey0)
	if err != nil {
		t.Fatal(err)
	}
	client := chain.NewClient(c.Attach())
	defer client.Close()
	sub, _ := chain.NewSubmitter(chain.SubmitterConfig{Client: client, Anchor: addr, Key: testKey0})
	res, err := sub.Submit(ctx, []byte("reorged"))
	if err != nil {
		t.Fatal(err)
	}
	head, _ := c.Head()
	if err := c.Reorg(ctx, res.Block); err != nil {
		t.Fatal(err)
	}
	head2, _ := c.Head()
	if head2 < head {
		t.Fatalf("head %d after reorg, was %d", head2, head)
	}
	b, err := client.Block(ctx, rpc.BlockNumber(res.Block))
	if err != nil {
		t.Fatal(err)
	}
	if b.Hash == res.BlockHash {
		t.Fatal("the batch's block was not replaced")
	}
	// The dropped transaction was mined again.
	r, err := client.TransactionReceipt(ctx, res.TxHash)
	if err != nil {
		t.Fatal(err)
	}
	if r.BlockHash == res.BlockHash {
		t.Fatal("receipt still in the old block")
	}
	t.Logf("batch tx moved from block %d %s to %d %s", res.Block, res.BlockHash, r.BlockNumber, r.BlockHash)
}

// TestAnchorGasTable measures the gas of submit with the batch bytes in the
// event (Anchor) and without (bench/AnchorNoEventData), for random payloads.
// The numbers are in contracts/README.md.
func TestAnchorGasTable(t *testing.T) {
	c := startTestChain(t, Config{})
	ctx := testCtx(t)
	withData, err := c.DeployAnchor(ctx, testKey0)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("../../contracts/build/bench/AnchorNoEventData.json")
	if err != nil {
		t.Fatal(err)
	}
	var art contracts.Artifact
	if err := json.Unmarshal(raw, &art); err != nil {
		t.Fatal(err)
	}
	ec := ethclient.NewClient(c.Attach())
	defer ec.Close()
	opts := bind.NewKeyedTransactor(testKey1, c.ChainID())
	opts.Context = ctx
	opts.NoSend = true
	noData, tx, err := bind.DeployContract(opts, art.Bytecode, ec, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r, err := ec.SendTransactionSync(ctx, tx, nil); err != nil || r.Status != 1 {
		t.Fatalf("deploy variant: %v", err)
	}

	client := chain.NewClient(c.Attach())
	defer client.Close()
	subWith, _ := chain.NewSubmitter(chain.SubmitterConfig{Client: client, Anchor: withData, Key: testKey0})
	subWithout, _ := chain.NewSubmitter(chain.SubmitterConfig{Client: client, Anchor: noData, Key: testKey1})
	// Warm up: the first submission also pays for nextSeq 0 -> 1.
	for _, s := range []*chain.Submitter{subWith, subWithout} {
		if _, err := s.Submit(ctx, []byte{1}); err != nil && !errors.Is(err, chain.ErrNoBatchEvent) {
			t.Fatal(err)
		}
	}
	t.Logf("| payload (random) | with data in event | without | difference |")
	for _, size := range []int{1000, 2000, 4000, 10_000, 100_000, contracts.MaxBatchBytes} {
		// Random calldata (zero bytes cost less), the same on every run.
		data := make([]byte, size)
		rand.NewChaCha8([32]byte{byte(size), byte(size >> 8), byte(size >> 16)}).Read(data)
		a, err := subWith.Submit(ctx, data)
		if err != nil {
			t.Fatal(err)
		}
		// The variant's event has no data field: the binding cannot decode
		// it, so the submitter reports ErrNoBatchEvent; the receipt is fine.
		b, err := submitRaw(ctx, ec, testKey1, noData, data)
		if err != nil {
			t.Fatal(err)
		}
		diff := int64(a.GasUsed) - int64(b)
		t.Logf("| %d B | %d | %d | %+d (%.1f%%) |", size, a.GasUsed, b, diff, 100*float64(diff)/float64(b))
		if size >= 10_000 && float64(diff) > 0.05*float64(b) {
			t.Errorf("event data costs %d gas (%.1f%%) at %d bytes: more than expected under EIP-7623", diff, 100*float64(diff)/float64(b), size)
		}
	}
}

// submitRaw sends submit(data) to addr and returns the gas used.
func submitRaw(ctx context.Context, ec *ethclient.Client, key *ecdsa.PrivateKey, addr common.Address, data []byte) (uint64, error) {
	anchor := bindings.NewAnchor()
	opts := bind.NewKeyedTransactor(key, big.NewInt(DefaultChainID))
	opts.Context = ctx
	opts.NoSend = true
	tx, err := bind.Transact(anchor.Instance(ec, addr), opts, anchor.PackSubmit(data))
	if err != nil {
		return 0, err
	}
	r, err := ec.SendTransactionSync(ctx, tx, nil)
	if err != nil {
		return 0, err
	}
	if r.Status != types.ReceiptStatusSuccessful {
		return 0, errors.New("reverted")
	}
	return r.GasUsed, nil
}

// TestMinesWhileReachFinalWaits is the chaos checker's third find, a
// deadlock of the dev chain: reachFinal read head events on the goroutine
// that waits for the chain's lock to add a block, so while a Reorg (or
// MineBlocks) held that lock through more than 64 new blocks its
// subscription filled, go-ethereum's head feed blocked on it, and so did
// the sealing of every further block: the reorg's injected deposit was
// never mined and the checker hung with the chain spinning.
func TestMinesWhileReachFinalWaits(t *testing.T) {
	c := startTestChain(t, Config{FinalDepth: 2})
	ctx := testCtx(t)
	c.mu.Lock() // as Reorg holds it
	// A block with a transaction: reachFinal wants two more above it, and
	// waits for the lock to add them; meanwhile 100 blocks come.
	_, err := c.DeployAnchor(ctx, testKey0)
	if err == nil {
		err = c.mineBlocks(ctx, 100)
	}
	c.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	before, _ := c.Head()
	if err := c.MineBlocks(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if now, _ := c.Head(); now <= before {
		t.Fatalf("head %d after mining from %d", now, before)
	}
}

// TestReorgAfterReopen is the chaos checker's fourth find: a chain
// reopened from its data dir and at once reorganized below the head it was
// reopened at sealed no block again (go-ethereum's simulated beacon failed
// every try with "safe block not in canonical chain"), so a deposit sent
// into the new blocks was never mined, seen about once in ten reopenings.
// Reorg now refuses that (ErrReorgBelowReopen) and replaces blocks sealed
// since the reopening, which works every time.
func TestReorgAfterReopen(t *testing.T) {
	dir := t.TempDir()
	for round := 0; round < 4; round++ {
		c, err := Start(Config{DataDir: dir, HTTPAddr: "127.0.0.1:0", WSAddr: "127.0.0.1:0", Alloc: testAlloc(), FinalDepth: 2})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		head, _ := c.Head()
		if err := c.Reorg(ctx, head); round > 0 && !errors.Is(err, ErrReorgBelowReopen) {
			t.Fatalf("round %d: a reorg from the reopened head %d: %v", round, c.ReopenedAt(), err)
		}
		n := 1 + round%3
		for i := 0; i < n; i++ {
			if _, err := c.DeployAnchor(ctx, testKey0); err != nil {
				t.Fatal(err)
			}
		}
		if round%2 == 0 {
			time.Sleep(50 * time.Millisecond)
		}
		head, _ = c.Head()
		from := max(head-2, c.ReopenedAt()+1)
		err = c.ReorgInject(ctx, from, func(ctx context.Context) error {
			_, err := c.DeployAnchor(ctx, testKey0)
			return err
		})
		cancel()
		if err != nil {
			t.Fatalf("round %d at head %d from %d (reopened at %d): %v", round, head, from, c.ReopenedAt(), err)
		}
		c.Close()
	}
}

// TestMarkAndRewind sets the chain back to a mark, as a devnet revert
// does: the head, the accounts' nonces and balances and the contracts
// deployed after the mark are all as they were at the mark, no block of
// the FinalDepth regrowth comes back, the chain mines on from there, and a
// mark whose block is gone is refused.
func TestMarkAndRewind(t *testing.T) {
	c := startTestChain(t, Config{FinalDepth: 2})
	ctx := testCtx(t)
	if _, err := c.DeployAnchor(ctx, testKey0); err != nil {
		t.Fatal(err)
	}
	m, err := c.Mark(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ec := ethclient.NewClient(c.Attach())
	defer ec.Close()
	from := crypto.PubkeyToAddress(testKey0.PublicKey)
	nonce, _ := ec.NonceAt(ctx, from, nil)
	balance, _ := ec.BalanceAt(ctx, from, nil)
	later, err := c.DeployAnchor(ctx, testKey0)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.MineBlocks(ctx, 5); err != nil {
		t.Fatal(err)
	}
	if err := c.Rewind(ctx, m); err != nil {
		t.Fatal(err)
	}
	// Give the head events of the rewind time to reach reachFinal: it must
	// not regrow the chain towards the old heads.
	time.Sleep(200 * time.Millisecond)
	if n, h := c.Head(); n != m.Number || h != m.Hash {
		t.Fatalf("head %d %s after rewinding to %+v", n, h, m)
	}
	if got, _ := ec.NonceAt(ctx, from, nil); got != nonce {
		t.Fatalf("nonce %d after rewind, was %d", got, nonce)
	}
	if got, _ := ec.BalanceAt(ctx, from, nil); got.Cmp(balance) != 0 {
		t.Fatalf("balance %s after rewind, was %s", got, balance)
	}
	if code, err := ec.CodeAt(ctx, later, nil); err != nil || len(code) != 0 {
		t.Fatalf("the contract deployed after the mark is still there: %d bytes, %v", len(code), err)
	}
	// The chain goes on from the mark: the same deployment again lands at
	// the same address, in a new block above the mark.
	again, err := c.DeployAnchor(ctx, testKey0)
	if err != nil {
		t.Fatal(err)
	}
	if again != later {
		t.Fatalf("redeployed at %s, first at %s", again, later)
	}
	if n, _ := c.Head(); n <= m.Number {
		t.Fatalf("head %d after a new transaction, mark %d", n, m.Number)
	}
	// The block after the mark is a new one: the mark one above is gone.
	n1, h1 := c.Head()
	m2 := Mark{Number: n1, Hash: h1}
	if err := c.Rewind(ctx, m); err != nil {
		t.Fatal(err)
	}
	if err := c.Rewind(ctx, m2); !errors.Is(err, ErrMarkGone) {
		t.Fatalf("rewind to a deleted block: %v, want ErrMarkGone", err)
	}
	if err := c.Rewind(ctx, Mark{Number: m.Number, Hash: common.Hash{1}}); !errors.Is(err, ErrMarkGone) {
		t.Fatalf("rewind to a block of another hash: %v, want ErrMarkGone", err)
	}
	if n, h := c.Head(); n != m.Number || h != m.Hash {
		t.Fatalf("a refused rewind moved the head to %d %s", n, h)
	}
}
