package chain

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"sync"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/rpc"
)

// Transactor sends Ethereum transactions from one key: contract calls and
// deployments by devnet set-up, and deposits, withdrawal claims and batch
// confirmations by the CLI. Each Send asks the node for the account's
// pending nonce, so several processes may share a key as long as they do
// not send at the same instant; Sends of one Transactor are serialised.
type Transactor struct {
	client SubmitterBackend
	key    *ecdsa.PrivateKey
	from   common.Address
	abis   []abi.ABI // for revert reasons
	log    *slog.Logger

	mu     sync.Mutex
	signer types.Signer
	noSync bool
}

// NewTransactor returns a Transactor for key. abis name the custom errors
// the called contracts may revert with, so a RevertError reads
// "AlreadyPaid(id=0x…)" rather than hex.
func NewTransactor(client SubmitterBackend, key *ecdsa.PrivateKey, abis ...abi.ABI) *Transactor {
	return &Transactor{client: client, key: key, from: crypto.PubkeyToAddress(key.PublicKey), abis: abis,
		log: slog.New(slog.DiscardHandler)}
}

// From is the sending account.
func (t *Transactor) From() common.Address { return t.from }

// Send sends a transaction to `to` (nil deploys `data` as creation code)
// with `value` wei and returns its successful receipt. A call that would
// revert fails before anything is sent, with a *RevertError naming the
// contract's error; a transaction that fails on chain returns its receipt
// and a *RevertError.
func (t *Transactor) Send(ctx context.Context, to *common.Address, data []byte, value *big.Int) (*types.Receipt, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.signer == nil {
		id, err := t.client.ChainID(ctx)
		if err != nil {
			return nil, err
		}
		t.signer = types.LatestSignerForChainID(new(big.Int).SetUint64(id))
	}
	if value == nil {
		value = new(big.Int)
	}
	nonce, err := t.client.PendingNonceAt(ctx, t.from)
	if err != nil {
		return nil, fmt.Errorf("chain: nonce of %s: %w", t.from, err)
	}
	msg, err := callMsg(ctx, t.client, t.from, to, data, value)
	if err != nil {
		return nil, err
	}
	est, err := estimate(ctx, t.client, msg, t.abis...)
	if err != nil {
		return nil, err
	}
	gas := est + est/5 // headroom; only gas used is paid
	tx, err := types.SignNewTx(t.key, t.signer, &types.DynamicFeeTx{
		Nonce: nonce, GasTipCap: msg.GasTipCap, GasFeeCap: msg.GasFeeCap, Gas: gas, To: to, Value: value, Data: data,
	})
	if err != nil {
		return nil, fmt.Errorf("chain: sign: %w", err)
	}
	receipt, err := sendAndWait(ctx, t.client, tx, &t.noSync, DefaultReceiptPoll, t.log)
	if err != nil {
		return nil, err
	}
	if receipt.Status != types.ReceiptStatusSuccessful {
		return receipt, explainFailure(ctx, t.client, tx, msg, receipt, t.abis...)
	}
	return receipt, nil
}

// callMsg prices a call: the suggested tip, and a fee cap with room for
// the base fee to double before the transaction is priced out.
func callMsg(ctx context.Context, b SubmitterBackend, from common.Address, to *common.Address, data []byte, value *big.Int) (ethereum.CallMsg, error) {
	tip, err := b.SuggestGasTipCap(ctx)
	if err != nil {
		return ethereum.CallMsg{}, fmt.Errorf("chain: gas tip: %w", err)
	}
	head, err := b.Block(ctx, rpc.LatestBlockNumber)
	if err != nil {
		return ethereum.CallMsg{}, err
	}
	if head.BaseFee == nil {
		return ethereum.CallMsg{}, errors.New("chain: the chain has no base fee (pre-London): unsupported")
	}
	feeCap := new(big.Int).Add(new(big.Int).Mul(head.BaseFee, big.NewInt(2)), tip)
	return ethereum.CallMsg{From: from, To: to, GasFeeCap: feeCap, GasTipCap: tip, Value: value, Data: data}, nil
}

// estimate asks for the gas of msg; a call that would revert is a
// *RevertError naming the contract's error.
func estimate(ctx context.Context, b SubmitterBackend, msg ethereum.CallMsg, abis ...abi.ABI) (uint64, error) {
	est, err := b.EstimateGas(ctx, msg)
	if err != nil {
		if rev, ok := ethclient.RevertErrorData(err); ok {
			return 0, &RevertError{Reason: DecodeRevert(rev, abis...), Data: rev}
		}
		return 0, fmt.Errorf("chain: estimate gas: %w", err)
	}
	return est, nil
}

// explainFailure explains a failed receipt: out of gas, or the revert
// reason found by replaying the call on the parent block's state.
func explainFailure(ctx context.Context, b SubmitterBackend, tx *types.Transaction, msg ethereum.CallMsg, r *types.Receipt, abis ...abi.ABI) *RevertError {
	e := &RevertError{TxHash: tx.Hash()}
	if r.GasUsed >= tx.Gas() {
		e.Reason = fmt.Sprintf("out of gas (limit %d)", tx.Gas())
		return e
	}
	msg.Gas = tx.Gas()
	var at *big.Int
	if r.BlockNumber != nil && r.BlockNumber.Sign() > 0 {
		at = new(big.Int).Sub(r.BlockNumber, big.NewInt(1))
	}
	if _, err := b.CallContract(ctx, msg, at); err != nil {
		if rev, ok := ethclient.RevertErrorData(err); ok {
			e.Data, e.Reason = rev, DecodeRevert(rev, abis...)
		} else {
			e.Reason = err.Error()
		}
	}
	return e
}

// Call runs a read-only call against the latest block.
func Call(ctx context.Context, b SubmitterBackend, to common.Address, data []byte, abis ...abi.ABI) ([]byte, error) {
	out, err := b.CallContract(ctx, ethereum.CallMsg{To: &to, Data: data}, nil)
	if err != nil {
		if rev, ok := ethclient.RevertErrorData(err); ok {
			return nil, &RevertError{Reason: DecodeRevert(rev, abis...), Data: rev}
		}
		return nil, fmt.Errorf("chain: call %s: %w", to, err)
	}
	return out, nil
}

// DecodeRevert renders revert data: a custom error of one of abis as
// "Name(arg=value, ...)", Error(string) as its text, Panic(uint256) as
// "panic 0x..", anything else as hex.
func DecodeRevert(data []byte, abis ...abi.ABI) string {
	if len(data) >= 4 {
		for _, a := range abis {
			for _, e := range a.Errors {
				if !bytes.Equal(data[:4], e.ID[:4]) {
					continue
				}
				vals, err := e.Inputs.Unpack(data[4:])
				if err != nil {
					continue
				}
				parts := make([]string, len(vals))
				for i, v := range vals {
					parts[i] = e.Inputs[i].Name + "=" + formatArg(v)
				}
				return e.Name + "(" + strings.Join(parts, ", ") + ")"
			}
		}
		if reason, err := abi.UnpackRevert(data); err == nil {
			return reason
		}
	}
	if len(data) == 0 {
		return ""
	}
	return hexutil.Encode(data)
}

func formatArg(v any) string {
	switch x := v.(type) {
	case [32]byte:
		return hexutil.Encode(x[:])
	case []byte:
		return hexutil.Encode(x)
	case common.Address:
		return x.Hex()
	}
	return fmt.Sprint(v)
}
