package chain

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"sync"
	"time"

	"github.com/anonex/anonex/contracts"
	"github.com/anonex/anonex/contracts/bindings"
	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/params"
	"github.com/ethereum/go-ethereum/rpc"
)

// MaxBatchBytes is the largest batch the Anchor contract accepts.
const MaxBatchBytes = contracts.MaxBatchBytes

// DefaultReceiptPoll is how often Submit polls for a receipt when the node
// cannot return it at once (no eth_sendRawTransactionSync, or its timeout).
const DefaultReceiptPoll = 50 * time.Millisecond

// Defaults of SubmitterConfig.
const (
	DefaultStuckAfter = 30 * time.Second // 2.5 slots on mainnet
	DefaultMaxBumps   = 5                // 1.125^5: up to 1.8 times the first fees
)

// DefaultMaxFeeCap is the default fee cap ceiling: 500 gwei.
var DefaultMaxFeeCap = big.NewInt(500e9)

// SubmitterBackend is what a Submitter needs of an Ethereum node; *Client
// implements it.
type SubmitterBackend interface {
	ChainID(ctx context.Context) (uint64, error)
	Block(ctx context.Context, n rpc.BlockNumber) (BlockInfo, error)
	PendingNonceAt(ctx context.Context, account common.Address) (uint64, error)
	NonceAt(ctx context.Context, account common.Address, block *big.Int) (uint64, error)
	SuggestGasTipCap(ctx context.Context) (*big.Int, error)
	EstimateGas(ctx context.Context, msg ethereum.CallMsg) (uint64, error)
	CallContract(ctx context.Context, msg ethereum.CallMsg, block *big.Int) ([]byte, error)
	SendTransaction(ctx context.Context, tx *types.Transaction) error
	SendTransactionSync(ctx context.Context, tx *types.Transaction, timeout time.Duration) (*types.Receipt, error)
	TransactionReceipt(ctx context.Context, hash common.Hash) (*types.Receipt, error)
}

// SubmitterConfig configures NewSubmitter.
type SubmitterConfig struct {
	Client SubmitterBackend // required
	Anchor common.Address   // required: the Anchor contract
	Key    *ecdsa.PrivateKey

	// GasLimit caps the gas of one submission; 0 = 16,777,216, the
	// per-transaction maximum since EIP-7825. A 126,000-byte batch of random
	// bytes needs about 5.1M.
	GasLimit uint64

	// ReceiptPoll is the receipt polling interval used when the node cannot
	// return the receipt with the transaction; default DefaultReceiptPoll.
	ReceiptPoll time.Duration

	// StuckAfter: a batch transaction not mined this long after it was
	// sent is replaced with higher fees; default DefaultStuckAfter.
	StuckAfter time.Duration
	// MaxBumps bounds the replacements of one batch transaction; default
	// DefaultMaxBumps. Submit then fails with ErrStuck.
	MaxBumps int
	// MaxFeeCap is the highest fee cap (wei per gas) the submitter ever
	// offers; default DefaultMaxFeeCap.
	MaxFeeCap *big.Int

	Logger *slog.Logger // nil discards
}

// SubmitResult describes an accepted batch.
type SubmitResult struct {
	TxHash    common.Hash
	Seq       uint64 // the sequence number the Anchor assigned (from the Batch event)
	Block     uint64
	BlockHash common.Hash
	GasUsed   uint64
	DataLen   int
}

// Submitter posts batches to the Anchor contract from one account. It keeps
// the account's nonce locally (asking the node again whenever it is in
// doubt), so it should be the only sender from that account. Submit calls
// are serialised (a mutex): concurrent callers wait.
type Submitter struct {
	cfg    SubmitterConfig
	from   common.Address
	anchor *bindings.Anchor
	log    *slog.Logger

	mu         sync.Mutex
	signer     types.Signer // nil until the chain id is known
	nonce      uint64
	nonceKnown bool
	noSync     bool // the node lacks eth_sendRawTransactionSync
}

// NewSubmitter checks cfg and returns a Submitter. It does not talk to the
// node; the first Submit fetches the chain id and the nonce.
func NewSubmitter(cfg SubmitterConfig) (*Submitter, error) {
	if cfg.Client == nil {
		return nil, fmt.Errorf("%w: submitter needs a client", ErrConfig)
	}
	if cfg.Anchor == (common.Address{}) {
		return nil, fmt.Errorf("%w: submitter needs the anchor address", ErrConfig)
	}
	if cfg.Key == nil {
		return nil, fmt.Errorf("%w: submitter needs a key", ErrConfig)
	}
	if cfg.GasLimit == 0 {
		cfg.GasLimit = params.MaxTxGas
	}
	if cfg.ReceiptPoll <= 0 {
		cfg.ReceiptPoll = DefaultReceiptPoll
	}
	if cfg.StuckAfter <= 0 {
		cfg.StuckAfter = DefaultStuckAfter
	}
	if cfg.MaxBumps <= 0 {
		cfg.MaxBumps = DefaultMaxBumps
	}
	if cfg.MaxFeeCap == nil {
		cfg.MaxFeeCap = DefaultMaxFeeCap
	} else if cfg.MaxFeeCap.Sign() <= 0 {
		return nil, fmt.Errorf("%w: MaxFeeCap must be positive", ErrConfig)
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Submitter{
		cfg:    cfg,
		from:   crypto.PubkeyToAddress(cfg.Key.PublicKey),
		anchor: bindings.NewAnchor(),
		log:    logger,
	}, nil
}

// From is the submitting account.
func (s *Submitter) From() common.Address { return s.from }

// CheckBatch tells whether data has an acceptable length.
func CheckBatch(data []byte) error {
	switch {
	case len(data) == 0:
		return ErrEmptyBatch
	case len(data) > MaxBatchBytes:
		return fmt.Errorf("%w: %d bytes, at most %d", ErrBatchTooLarge, len(data), MaxBatchBytes)
	}
	return nil
}

// Submit posts data as one batch and waits until it is mined. A reverted
// transaction is a *RevertError. If ctx ends after the transaction was sent,
// it may still be mined later.
//
// The nonce comes from the node's pending nonce at the first Submit and
// again after any error that leaves it in doubt; a send refused with
// "nonce too low", "replacement transaction underpriced" (another
// transaction holds the nonce in the pool) or that fails otherwise makes the
// next attempt ask again, up to staleNonceRetries times within one Submit.
// A transaction not mined within StuckAfter is replaced (same nonce, tip
// and fee cap each raised by at least 12.5%, at most MaxFeeCap) up to
// MaxBumps times; when earlier transactions of the account sit unmined in
// the pool (a previous run's, stuck), the replacement takes the lowest
// unmined nonce instead. Whichever version is mined ends the wait.
func (s *Submitter) Submit(ctx context.Context, data []byte) (SubmitResult, error) {
	if err := CheckBatch(data); err != nil {
		return SubmitResult{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	start := time.Now()

	if s.signer == nil {
		id, err := s.cfg.Client.ChainID(ctx)
		if err != nil {
			return SubmitResult{}, err
		}
		s.signer = types.LatestSignerForChainID(new(big.Int).SetUint64(id))
	}

	abi := s.anchor.GetABI()
	input := s.anchor.PackSubmit(data)
	msg, err := callMsg(ctx, s.cfg.Client, s.from, &s.cfg.Anchor, input, nil)
	if err != nil {
		return SubmitResult{}, err
	}
	est, err := estimate(ctx, s.cfg.Client, msg, abi)
	if err != nil {
		return SubmitResult{}, err
	}
	if est > s.cfg.GasLimit {
		return SubmitResult{}, fmt.Errorf("%w: %d > %d", ErrGasCap, est, s.cfg.GasLimit)
	}
	gas := min(est+est/10, s.cfg.GasLimit) // headroom; only gas used is paid
	if msg.GasFeeCap.Cmp(s.cfg.MaxFeeCap) > 0 {
		msg.GasFeeCap = new(big.Int).Set(s.cfg.MaxFeeCap)
		if msg.GasTipCap.Cmp(msg.GasFeeCap) > 0 {
			msg.GasTipCap = new(big.Int).Set(msg.GasFeeCap)
		}
	}

	var (
		receipt *types.Receipt
		tx      *types.Transaction
	)
	for attempt := 0; ; attempt++ {
		if !s.nonceKnown {
			n, err := s.cfg.Client.PendingNonceAt(ctx, s.from)
			if err != nil {
				return SubmitResult{}, fmt.Errorf("chain: nonce of %s: %w", s.from, err)
			}
			s.nonce, s.nonceKnown = n, true
		}
		receipt, tx, err = s.post(ctx, input, gas, msg.GasTipCap, msg.GasFeeCap)
		if err == nil {
			break
		}
		// Whether the node kept the transaction is unknown: ask it next time.
		s.nonceKnown = false
		if !StaleNonce(err) || attempt >= staleNonceRetries || ctx.Err() != nil {
			return SubmitResult{}, err
		}
		s.log.Info("batch transaction refused for its nonce; asking the node for the pending nonce",
			"nonce", s.nonce, "err", err)
	}
	if tx.Nonce() == s.nonce {
		s.nonce++
	} else {
		s.nonceKnown = false // a takeover of an earlier nonce: our first version may be mined too
	}

	if receipt.Status != types.ReceiptStatusSuccessful {
		return SubmitResult{}, explainFailure(ctx, s.cfg.Client, tx, msg, receipt, abi)
	}
	res := SubmitResult{
		TxHash:    tx.Hash(),
		Block:     receipt.BlockNumber.Uint64(),
		BlockHash: receipt.BlockHash,
		GasUsed:   receipt.GasUsed,
		DataLen:   len(data),
	}
	found := false
	for _, l := range receipt.Logs {
		if l.Address != s.cfg.Anchor {
			continue
		}
		ev, err := s.anchor.UnpackBatchEvent(l)
		if err != nil {
			continue
		}
		res.Seq, found = ev.Seq, true
		break
	}
	if !found {
		return res, fmt.Errorf("%w (transaction %s)", ErrNoBatchEvent, tx.Hash())
	}
	s.log.Debug("batch submitted", "seq", res.Seq, "tx", res.TxHash, "block", res.Block,
		"gas", res.GasUsed, "bytes", res.DataLen, "took", time.Since(start))
	return res, nil
}

// staleNonceRetries bounds how often one Submit asks for a fresh nonce
// after a send refused for its nonce.
const staleNonceRetries = 3

// StaleNonce tells whether a send error shows that the nonce used was
// stale: taken on chain, or held in the pool by another transaction.
func StaleNonce(err error) bool {
	if err == nil {
		return false
	}
	m := strings.ToLower(err.Error())
	return strings.Contains(m, "nonce too low") || strings.Contains(m, "replacement transaction underpriced") ||
		strings.Contains(m, "already known")
}

func alreadyKnown(err error) bool {
	return err != nil && strings.Contains(strings.ToLower(err.Error()), "already known")
}

// bump raises v by 12.5%, rounded up: what geth's pool needs of a
// replacement (it asks 10% by default; other clients ask 12.5%).
func bump(v *big.Int) *big.Int {
	r := new(big.Int).Mul(v, big.NewInt(9))
	r.Add(r, big.NewInt(7))
	return r.Div(r, big.NewInt(8))
}

// post sends the batch transaction at s.nonce and waits until a version of
// it is mined, replacing it with higher fees while it is stuck. It returns
// the receipt and the version that was mined.
func (s *Submitter) post(ctx context.Context, input []byte, gas uint64, tip, feeCap *big.Int) (*types.Receipt, *types.Transaction, error) {
	var sent []*types.Transaction // every version the node accepted
	nonce := s.nonce
	for bumps := 0; ; bumps++ {
		tx, err := types.SignNewTx(s.cfg.Key, s.signer, &types.DynamicFeeTx{
			Nonce: nonce, GasTipCap: tip, GasFeeCap: feeCap, Gas: gas, To: &s.cfg.Anchor, Data: input,
		})
		if err != nil {
			return nil, nil, fmt.Errorf("chain: sign: %w", err)
		}
		deadline := time.Now().Add(s.cfg.StuckAfter)
		receipt, err := s.sendUntil(ctx, tx, deadline)
		switch {
		case receipt != nil:
			return receipt, tx, nil
		case err == nil || alreadyKnown(err):
			sent = append(sent, tx)
		case len(sent) == 0:
			return nil, nil, err
		case ctx.Err() != nil:
			return nil, nil, err
		default:
			// An earlier version may have been mined ("nonce too low"), or
			// the replacement was refused: wait for what was sent.
			s.log.Warn("replacing a stuck batch transaction failed", "nonce", nonce, "err", err)
		}
		if r, mined, err := s.waitAny(ctx, sent, deadline); r != nil || err != nil {
			return r, mined, err
		}
		if bumps >= s.cfg.MaxBumps {
			return nil, nil, fmt.Errorf("%w: nonce %d, %d versions sent, fee cap %s wei", ErrStuck, nonce, len(sent), feeCap)
		}
		// Stuck. Raise both fees by 12.5%, or to the node's current price
		// when that is higher, within MaxFeeCap.
		newTip, newCap := bump(tip), bump(feeCap)
		if fresh, err := callMsg(ctx, s.cfg.Client, s.from, &s.cfg.Anchor, input, nil); err == nil {
			if fresh.GasTipCap.Cmp(newTip) > 0 {
				newTip = fresh.GasTipCap
			}
			if fresh.GasFeeCap.Cmp(newCap) > 0 {
				newCap = fresh.GasFeeCap
			}
		}
		if newCap.Cmp(s.cfg.MaxFeeCap) > 0 {
			newCap = new(big.Int).Set(s.cfg.MaxFeeCap)
		}
		if newTip.Cmp(newCap) > 0 {
			newTip = new(big.Int).Set(newCap)
		}
		if newCap.Cmp(bump(feeCap)) < 0 || newTip.Cmp(bump(tip)) < 0 {
			// At the ceiling: no valid replacement. Wait once more.
			s.log.Error("batch transaction stuck at the fee cap ceiling", "nonce", nonce, "fee_cap", feeCap, "max_fee_cap", s.cfg.MaxFeeCap)
			if r, mined, err := s.waitAny(ctx, sent, time.Now().Add(s.cfg.StuckAfter)); r != nil || err != nil {
				return r, mined, err
			}
			return nil, nil, fmt.Errorf("%w: nonce %d at the fee cap ceiling %s wei", ErrStuck, nonce, s.cfg.MaxFeeCap)
		}
		// Earlier transactions of this account unmined in the pool (a
		// previous run's) hold ours back: take the lowest unmined nonce.
		if mined, err := s.cfg.Client.NonceAt(ctx, s.from, nil); err == nil && mined < nonce {
			s.log.Warn("earlier transactions of the settler's account are stuck in the pool; replacing the first",
				"mined_nonce", mined, "our_nonce", nonce)
			nonce = mined
		}
		s.log.Warn("batch transaction not mined in time; replacing it with higher fees", "nonce", nonce,
			"after", s.cfg.StuckAfter, "tip", newTip, "fee_cap", newCap, "bump", bumps+1)
		tip, feeCap = newTip, newCap
	}
}

// sendUntil sends tx and returns its receipt if it is mined before
// deadline; a nil receipt and nil error mean the node accepted it.
func (s *Submitter) sendUntil(ctx context.Context, tx *types.Transaction, deadline time.Time) (*types.Receipt, error) {
	if !s.noSync {
		receipt, err := s.cfg.Client.SendTransactionSync(ctx, tx, max(time.Until(deadline), time.Millisecond))
		if err == nil {
			return receipt, nil
		}
		var rpcErr rpc.Error
		switch {
		case errors.As(err, &rpcErr) && rpcErr.ErrorCode() == -32601,
			errors.As(err, &rpcErr) && strings.Contains(rpcErr.Error(), "eth_sendRawTransactionSync"):
			s.log.Info("node lacks eth_sendRawTransactionSync; polling receipts", "err", err)
			s.noSync = true
		case errors.As(err, &rpcErr) && rpcErr.ErrorCode() == 4:
			return nil, nil // in the pool, not mined in time
		default:
			return nil, fmt.Errorf("chain: send transaction: %w", err)
		}
	}
	if err := s.cfg.Client.SendTransaction(ctx, tx); err != nil {
		return nil, fmt.Errorf("chain: send transaction: %w", err)
	}
	return nil, nil
}

// waitAny polls for a receipt of any of txs until deadline. It returns
// nils at the deadline.
func (s *Submitter) waitAny(ctx context.Context, txs []*types.Transaction, deadline time.Time) (*types.Receipt, *types.Transaction, error) {
	t := time.NewTicker(s.cfg.ReceiptPoll)
	defer t.Stop()
	for {
		for _, tx := range txs {
			if r, err := s.cfg.Client.TransactionReceipt(ctx, tx.Hash()); err == nil && r != nil {
				return r, tx, nil
			}
		}
		if !time.Now().Before(deadline) {
			return nil, nil, nil
		}
		select {
		case <-ctx.Done():
			return nil, nil, fmt.Errorf("chain: waiting for the batch transaction: %w", ctx.Err())
		case <-t.C:
		}
	}
}

// sendAndWait sends tx and returns its receipt: at once through
// eth_sendRawTransactionSync when the node has it, else by polling every
// poll. *noSync remembers that the node lacks the sync method.
func sendAndWait(ctx context.Context, b SubmitterBackend, tx *types.Transaction, noSync *bool, poll time.Duration, log *slog.Logger) (*types.Receipt, error) {
	if !*noSync {
		var timeout time.Duration
		if dl, ok := ctx.Deadline(); ok {
			timeout = time.Until(dl)
		}
		receipt, err := b.SendTransactionSync(ctx, tx, timeout)
		if err == nil {
			return receipt, nil
		}
		var rpcErr rpc.Error
		switch {
		case errors.As(err, &rpcErr) && rpcErr.ErrorCode() == -32601,
			errors.As(err, &rpcErr) && strings.Contains(rpcErr.Error(), "eth_sendRawTransactionSync"):
			// Method not found: the transaction was not sent. Fall back.
			log.Info("node lacks eth_sendRawTransactionSync; polling receipts", "err", err)
			*noSync = true
			if err := b.SendTransaction(ctx, tx); err != nil {
				return nil, fmt.Errorf("chain: send transaction: %w", err)
			}
		case errors.As(err, &rpcErr) && rpcErr.ErrorCode() == 4:
			// The node's wait ended before the transaction was mined; it
			// is in the pool.
		default:
			return nil, fmt.Errorf("chain: send transaction: %w", err)
		}
	} else if err := b.SendTransaction(ctx, tx); err != nil {
		return nil, fmt.Errorf("chain: send transaction: %w", err)
	}
	return waitReceipt(ctx, b, tx.Hash(), poll)
}

// waitReceipt polls for the receipt of hash every interval.
func waitReceipt(ctx context.Context, b SubmitterBackend, hash common.Hash, interval time.Duration) (*types.Receipt, error) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		receipt, err := b.TransactionReceipt(ctx, hash)
		if err == nil && receipt != nil {
			return receipt, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("chain: waiting for the receipt of %s: %w", hash, ctx.Err())
		case <-t.C:
		}
	}
}

// revertReason decodes revert data with the Anchor's errors.
func (s *Submitter) revertReason(data []byte) string { return DecodeRevert(data, s.anchor.GetABI()) }
