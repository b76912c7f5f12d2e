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

// SubmitterBackend is what a Submitter needs of an Ethereum node; *Client
// implements it.
type SubmitterBackend interface {
	ChainID(ctx context.Context) (uint64, error)
	Block(ctx context.Context, n rpc.BlockNumber) (BlockInfo, error)
	PendingNonceAt(ctx context.Context, account common.Address) (uint64, error)
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
// the account's nonce locally, so it must be the only sender from that
// account. Submit calls are serialised (a mutex): concurrent callers wait.
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
	if !s.nonceKnown {
		n, err := s.cfg.Client.PendingNonceAt(ctx, s.from)
		if err != nil {
			return SubmitResult{}, fmt.Errorf("chain: nonce of %s: %w", s.from, err)
		}
		s.nonce, s.nonceKnown = n, true
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

	tx, err := types.SignNewTx(s.cfg.Key, s.signer, &types.DynamicFeeTx{
		Nonce:     s.nonce,
		GasTipCap: msg.GasTipCap,
		GasFeeCap: msg.GasFeeCap,
		Gas:       gas,
		To:        &s.cfg.Anchor,
		Data:      input,
	})
	if err != nil {
		return SubmitResult{}, fmt.Errorf("chain: sign: %w", err)
	}

	receipt, err := s.send(ctx, tx)
	if err != nil {
		// Whether the node kept the transaction is unknown: ask it next time.
		s.nonceKnown = false
		return SubmitResult{}, err
	}
	s.nonce++

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

// send sends tx and returns its receipt.
func (s *Submitter) send(ctx context.Context, tx *types.Transaction) (*types.Receipt, error) {
	return sendAndWait(ctx, s.cfg.Client, tx, &s.noSync, s.cfg.ReceiptPoll, s.log)
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
