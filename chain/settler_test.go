package chain_test

import (
	"context"
	"crypto/ecdsa"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/anonex/anonex/chain"
	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/rpc"
)

// lowballer is a node that, while lying is set, reports a base fee of 1 wei:
// a submitter then prices its transaction far below the chain's base fee
// (at least 7 wei), so the transaction sits in the pool and is never mined,
// as after a base fee spike. It records every transaction sent.
type lowballer struct {
	*chain.Client
	mu    sync.Mutex
	lying bool
	sent  []*types.Transaction
}

func (l *lowballer) Block(ctx context.Context, n rpc.BlockNumber) (chain.BlockInfo, error) {
	b, err := l.Client.Block(ctx, n)
	l.mu.Lock()
	defer l.mu.Unlock()
	if err == nil && l.lying {
		b.BaseFee = big.NewInt(1)
	}
	return b, err
}

func (l *lowballer) SuggestGasTipCap(ctx context.Context) (*big.Int, error) {
	l.mu.Lock()
	lying := l.lying
	l.mu.Unlock()
	if lying {
		return big.NewInt(1), nil
	}
	return l.Client.SuggestGasTipCap(ctx)
}

// EstimateGas estimates without the fees: the base fee rose between the
// estimate and the send.
func (l *lowballer) EstimateGas(ctx context.Context, msg ethereum.CallMsg) (uint64, error) {
	msg.GasFeeCap, msg.GasTipCap = nil, nil
	return l.Client.EstimateGas(ctx, msg)
}

func (l *lowballer) record(tx *types.Transaction) {
	l.mu.Lock()
	l.sent = append(l.sent, tx)
	l.mu.Unlock()
}

func (l *lowballer) SendTransaction(ctx context.Context, tx *types.Transaction) error {
	l.record(tx)
	return l.Client.SendTransaction(ctx, tx)
}

func (l *lowballer) SendTransactionSync(ctx context.Context, tx *types.Transaction, timeout time.Duration) (*types.Receipt, error) {
	l.record(tx)
	return l.Client.SendTransactionSync(ctx, tx, timeout)
}

func (l *lowballer) setLying(v bool) {
	l.mu.Lock()
	l.lying = v
	l.mu.Unlock()
}

func (l *lowballer) sends() []*types.Transaction {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]*types.Transaction(nil), l.sent...)
}

// noneLeft waits until the account has no transaction left in the pool (an
// unmineable one would keep the period-0 chain sealing empty blocks, and
// closing it then can crash go-ethereum's simulated beacon).
func noneLeft(t *testing.T, c *chain.Client, key *ecdsa.PrivateKey) {
	t.Helper()
	addr := crypto.PubkeyToAddress(key.PublicKey)
	for deadline := time.Now().Add(5 * time.Second); ; {
		pending, err1 := c.PendingNonceAt(ctx(t), addr)
		mined, err2 := c.NonceAt(ctx(t), addr, nil)
		if err1 == nil && err2 == nil && pending == mined {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("transactions left in the pool: pending nonce %d, mined %d (%v %v)", pending, mined, err1, err2)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func stuckSubmitter(t *testing.T, e *env, b chain.SubmitterBackend, key *ecdsa.PrivateKey, stuckAfter time.Duration) *chain.Submitter {
	t.Helper()
	s, err := chain.NewSubmitter(chain.SubmitterConfig{Client: b, Anchor: e.anchor, Key: key, StuckAfter: stuckAfter, MaxBumps: 3,
		ReceiptPoll: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// A batch transaction priced under the base fee is replaced, after
// StuckAfter, by one with the same nonce and fees at least 12.5% higher.
func TestSubmitterBumpsStuckTransaction(t *testing.T) {
	e := newEnv(t)
	l := &lowballer{Client: dial(t, e.eth.WSURL()), lying: true}
	const stuckAfter = time.Second
	s := stuckSubmitter(t, e, l, key0, stuckAfter)
	began := time.Now()
	go func() { time.Sleep(stuckAfter / 2); l.setLying(false) }() // the node's price recovers
	res, err := s.Submit(ctx(t), []byte("stuck, then bumped"))
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(began)
	sent := l.sends()
	if len(sent) != 2 {
		t.Fatalf("sent %d versions, want 2", len(sent))
	}
	first, second := sent[0], sent[1]
	t.Logf("first: tip %v cap %v; replacement after %v: tip %v cap %v; mined in block %d after %v",
		first.GasTipCap(), first.GasFeeCap(), stuckAfter, second.GasTipCap(), second.GasFeeCap(), res.Block, took)
	if second.Nonce() != first.Nonce() || res.TxHash != second.Hash() {
		t.Fatalf("replacement nonce %d (first %d), mined %s", second.Nonce(), first.Nonce(), res.TxHash)
	}
	for _, p := range [][2]*big.Int{{first.GasTipCap(), second.GasTipCap()}, {first.GasFeeCap(), second.GasFeeCap()}} {
		if min := new(big.Int).Div(new(big.Int).Mul(p[0], big.NewInt(1125)), big.NewInt(1000)); p[1].Cmp(min) < 0 {
			t.Fatalf("replacement fee %v < 1.125 × %v", p[1], p[0])
		}
	}
	if took < stuckAfter {
		t.Fatalf("replaced after %v, before StuckAfter %v", took, stuckAfter)
	}
	// The next batch takes the next nonce.
	if _, err := s.Submit(ctx(t), []byte("next")); err != nil {
		t.Fatal(err)
	}
	if got := l.sends(); got[len(got)-1].Nonce() != first.Nonce()+1 {
		t.Fatalf("next batch at nonce %d, want %d", got[len(got)-1].Nonce(), first.Nonce()+1)
	}
	noneLeft(t, l.Client, key0)
}

// A settler that stops while its transaction is stuck in the pool, and starts
// again with the same key, keeps posting: its new submitter takes the pending
// nonce, finds its transaction held back by the old one, and replaces the old
// one.
func TestSubmitterRestartedMidFlight(t *testing.T) {
	e := newEnv(t)
	l := &lowballer{Client: dial(t, e.eth.WSURL()), lying: true}
	old := stuckSubmitter(t, e, l, key0, time.Hour)
	crashCtx, crash := context.WithTimeout(ctx(t), 300*time.Millisecond)
	defer crash()
	if _, err := old.Submit(crashCtx, []byte("in flight at the crash")); err == nil {
		t.Fatal("the underpriced batch was mined")
	}
	stuck := l.sends()[0]

	l2 := &lowballer{Client: dial(t, e.eth.WSURL())}
	s := stuckSubmitter(t, e, l2, key0, time.Second)
	began := time.Now()
	for i := 0; i < 3; i++ {
		if _, err := s.Submit(ctx(t), []byte{byte(i + 1)}); err != nil {
			t.Fatalf("batch %d after the restart: %v", i, err)
		}
	}
	sent := l2.sends()
	t.Logf("3 batches posted in %v after the restart; versions sent: %d", time.Since(began), len(sent))
	if sent[0].Nonce() != stuck.Nonce()+1 {
		t.Fatalf("restarted settler started at nonce %d, want the pending nonce %d", sent[0].Nonce(), stuck.Nonce()+1)
	}
	replaced := false
	for _, tx := range sent {
		replaced = replaced || tx.Nonce() == stuck.Nonce()
	}
	if !replaced {
		t.Fatal("the stuck transaction of the previous run was not replaced")
	}
	if r, err := l2.TransactionReceipt(ctx(t), stuck.Hash()); err == nil && r != nil {
		t.Fatal("the underpriced transaction was mined")
	}
	noneLeft(t, l2.Client, key0)
}
