package chain

import (
	"context"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/anonex/anonex/contracts/bindings"
	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/rpc"
)

// rpcErr is a JSON-RPC error with a code and optional data, as the rpc
// package returns them.
type rpcErr struct {
	code int
	msg  string
	data any
}

func (e *rpcErr) Error() string  { return e.msg }
func (e *rpcErr) ErrorCode() int { return e.code }
func (e *rpcErr) ErrorData() any { return e.data }

// fakeNode is a SubmitterBackend that mines every sent transaction at once
// into block 100 with a Batch log, unless told otherwise.
type fakeNode struct {
	anchor    common.Address
	syncErr   error // returned by SendTransactionSync
	sendErr   error // returned by SendTransaction
	receiptIn int   // TransactionReceipt answers NotFound this many times first
	revert    bool  // receipts fail; eth_call reverts with EmptyBatch()
	nonceAsks int
	sent      []*types.Transaction
	seq       uint64
}

func (n *fakeNode) ChainID(context.Context) (uint64, error) { return 1337, nil }
func (n *fakeNode) Block(context.Context, rpc.BlockNumber) (BlockInfo, error) {
	return BlockInfo{Number: 99, BaseFee: big.NewInt(7)}, nil
}
func (n *fakeNode) PendingNonceAt(context.Context, common.Address) (uint64, error) {
	n.nonceAsks++
	return uint64(len(n.sent)), nil
}
func (n *fakeNode) NonceAt(context.Context, common.Address, *big.Int) (uint64, error) {
	return uint64(len(n.sent)), nil
}
func (n *fakeNode) SuggestGasTipCap(context.Context) (*big.Int, error) { return big.NewInt(1), nil }
func (n *fakeNode) EstimateGas(context.Context, ethereum.CallMsg) (uint64, error) {
	return 100_000, nil
}
func (n *fakeNode) CallContract(context.Context, ethereum.CallMsg, *big.Int) ([]byte, error) {
	if n.revert {
		id := bindings.AnchorEmptyBatchErrorID()
		return nil, &rpcErr{code: 3, msg: "execution reverted", data: hexutil.Encode(id[:4])}
	}
	return nil, nil
}
func (n *fakeNode) SendTransaction(_ context.Context, tx *types.Transaction) error {
	if n.sendErr != nil {
		return n.sendErr
	}
	n.sent = append(n.sent, tx)
	return nil
}
func (n *fakeNode) SendTransactionSync(ctx context.Context, tx *types.Transaction, _ time.Duration) (*types.Receipt, error) {
	if n.syncErr != nil {
		if n.syncErr.(*rpcErr).code == 4 {
			n.sent = append(n.sent, tx) // accepted, not mined in time
		}
		return nil, n.syncErr
	}
	n.sent = append(n.sent, tx)
	return n.TransactionReceipt(ctx, tx.Hash())
}
func (n *fakeNode) TransactionReceipt(_ context.Context, hash common.Hash) (*types.Receipt, error) {
	if n.receiptIn > 0 {
		n.receiptIn--
		return nil, ethereum.NotFound
	}
	r := &types.Receipt{Status: types.ReceiptStatusSuccessful, TxHash: hash, BlockNumber: big.NewInt(100), GasUsed: 50_000}
	if n.revert {
		r.Status = types.ReceiptStatusFailed
		return r, nil
	}
	ev := bindings.NewAnchor().GetABI().Events[bindings.AnchorBatchEventName]
	data, _ := ev.Inputs.NonIndexed().Pack(common.Hash{}, []byte{1})
	r.Logs = []*types.Log{{Address: n.anchor, Topics: []common.Hash{ev.ID, common.BigToHash(new(big.Int).SetUint64(n.seq)), {}}, Data: data}}
	n.seq++
	return r, nil
}

func newFakeSubmitter(t *testing.T, n *fakeNode) *Submitter {
	t.Helper()
	key, _ := crypto.GenerateKey()
	n.anchor = common.HexToAddress("0xa1")
	s, err := NewSubmitter(SubmitterConfig{Client: n, Anchor: n.anchor, Key: key, ReceiptPoll: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSubmitterFallsBackToPolling(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  *rpcErr
	}{
		{"method not found", &rpcErr{code: -32601, msg: "the method eth_sendRawTransactionSync does not exist/is not available"}},
		{"sync timeout", &rpcErr{code: 4, msg: "The transaction was added to the transaction pool but wasn't processed in 20s"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := &fakeNode{syncErr: tc.err, receiptIn: 3}
			s := newFakeSubmitter(t, n)
			for i := 0; i < 2; i++ {
				n.receiptIn = 3
				res, err := s.Submit(context.Background(), []byte("x"))
				if err != nil {
					t.Fatal(err)
				}
				if res.Seq != uint64(i) || res.Block != 100 {
					t.Fatalf("result %+v", res)
				}
			}
			if len(n.sent) != 2 || n.sent[0].Nonce() != 0 || n.sent[1].Nonce() != 1 || n.nonceAsks != 1 {
				t.Fatalf("sent %d txs, nonce asked %d times", len(n.sent), n.nonceAsks)
			}
			tx := n.sent[0]
			if tx.Type() != types.DynamicFeeTxType || tx.GasFeeCap().Int64() != 2*7+1 || tx.Gas() != 110_000 {
				t.Fatalf("tx fees/gas: cap %v tip %v gas %d", tx.GasFeeCap(), tx.GasTipCap(), tx.Gas())
			}
		})
	}
}

func TestSubmitterRevertReason(t *testing.T) {
	n := &fakeNode{revert: true}
	s := newFakeSubmitter(t, n)
	_, err := s.Submit(context.Background(), []byte("x"))
	var re *RevertError
	if !errors.As(err, &re) || !errors.Is(err, ErrReverted) || re.Reason != "EmptyBatch()" || re.TxHash == (common.Hash{}) {
		t.Fatalf("Submit: %v", err)
	}
	if got := s.revertReason(append(common.FromHex("0x08c379a0"), mustPackString("nope")...)); got != "nope" {
		t.Fatalf("Error(string) decoded as %q", got)
	}
	if got := s.revertReason(nil); got != "" {
		t.Fatalf("no data decoded as %q", got)
	}
}

func mustPackString(s string) []byte {
	// abi encoding of one string argument
	out := make([]byte, 64+((len(s)+31)/32)*32)
	out[31] = 0x20
	out[63] = byte(len(s))
	copy(out[64:], s)
	return out
}

func TestSubmitterSendErrorRefetchesNonce(t *testing.T) {
	// A stale nonce: asked again within the Submit, a bounded number of times.
	n := &fakeNode{syncErr: &rpcErr{code: -32000, msg: "nonce too low: next nonce 11, tx nonce 5"}}
	s := newFakeSubmitter(t, n)
	if _, err := s.Submit(context.Background(), []byte("x")); err == nil || !strings.Contains(err.Error(), "nonce too low") {
		t.Fatalf("Submit: %v", err)
	}
	if n.nonceAsks != staleNonceRetries+1 {
		t.Fatalf("nonce asked %d times, want %d", n.nonceAsks, staleNonceRetries+1)
	}
	// Any other send error: the next Submit asks again.
	n.syncErr, n.nonceAsks = &rpcErr{code: -32000, msg: "connection reset"}, 0
	if _, err := s.Submit(context.Background(), []byte("x")); err == nil || n.nonceAsks != 1 {
		t.Fatalf("Submit: %v, nonce asked %d times", err, n.nonceAsks)
	}
	n.syncErr = nil
	if _, err := s.Submit(context.Background(), []byte("x")); err != nil {
		t.Fatal(err)
	}
	if n.nonceAsks != 2 {
		t.Fatalf("nonce asked %d times, want 2", n.nonceAsks)
	}
}

func TestStaleNonceErrors(t *testing.T) {
	for _, m := range []string{"nonce too low: next nonce 11, tx nonce 5", "replacement transaction underpriced", "already known"} {
		if !StaleNonce(&rpcErr{code: -32000, msg: m}) {
			t.Errorf("%q not taken as a stale nonce", m)
		}
	}
	if StaleNonce(errors.New("insufficient funds for gas * price + value")) || StaleNonce(nil) {
		t.Error("other errors taken as a stale nonce")
	}
	if got := bump(big.NewInt(8)); got.Int64() != 9 {
		t.Errorf("bump(8) = %v", got)
	}
	if got := bump(big.NewInt(1)); got.Int64() != 2 {
		t.Errorf("bump(1) = %v, want 2 (rounded up: a replacement must be higher)", got)
	}
}

func TestNewSubmitterChecksConfig(t *testing.T) {
	if _, err := NewSubmitter(SubmitterConfig{}); !errors.Is(err, ErrConfig) {
		t.Fatal(err)
	}
	if _, err := NewFollower(FollowerConfig{}); !errors.Is(err, ErrConfig) {
		t.Fatal(err)
	}
	if _, err := Dial(context.Background(), "ftp://x"); !errors.Is(err, ErrBadURL) {
		t.Fatal(err)
	}
}
