package chain

import (
	"errors"
	"fmt"

	"github.com/ethereum/go-ethereum/common"
)

var (
	// ErrReorg is wrapped by the error Run returns when a block the follower
	// handled (or scanned past) is no longer canonical. See ReorgError.
	ErrReorg = errors.New("chain: reorg")

	// ErrEmptyBatch: a batch must have at least one byte.
	ErrEmptyBatch = errors.New("chain: empty batch")

	// ErrBatchTooLarge: a batch is longer than MaxBatchBytes.
	ErrBatchTooLarge = errors.New("chain: batch too large")

	// ErrReverted is wrapped by a RevertError: the transaction (or its gas
	// estimate) reverted.
	ErrReverted = errors.New("chain: transaction reverted")

	// ErrGasCap: the gas estimate is above SubmitterConfig.GasLimit.
	ErrGasCap = errors.New("chain: gas estimate above the cap")

	// ErrNoBatchEvent: a successful receipt carried no Batch event of the
	// Anchor (wrong contract address?).
	ErrNoBatchEvent = errors.New("chain: no Batch event in the receipt")

	// ErrStuck: a batch transaction was not mined after every allowed
	// replacement (SubmitterConfig.MaxBumps, MaxFeeCap).
	ErrStuck = errors.New("chain: batch transaction not mined")

	// ErrBadURL: Dial accepts http(s)://, ws(s):// URLs and IPC paths.
	ErrBadURL = errors.New("chain: unsupported endpoint URL")

	// ErrConfig: a required configuration field is missing or invalid.
	ErrConfig = errors.New("chain: bad configuration")
)

// ReorgError says which handled block is no longer canonical.
type ReorgError struct {
	Block     uint64      // number of the block the follower had handled
	Handled   common.Hash // its hash as handled
	Canonical common.Hash // the hash the chain has at that number now (zero if none)
}

func (e *ReorgError) Error() string {
	if e.Canonical == (common.Hash{}) {
		return fmt.Sprintf("chain: reorg: block %d was %s when handled, the chain now ends below it", e.Block, e.Handled.Hex())
	}
	return fmt.Sprintf("chain: reorg: block %d was %s when handled, the chain now has %s",
		e.Block, e.Handled.Hex(), e.Canonical.Hex())
}

// Unwrap makes errors.Is(err, ErrReorg) true.
func (e *ReorgError) Unwrap() error { return ErrReorg }

// RevertError is a reverted submission, with the reason when the node gave
// one (a custom error of the Anchor, e.g. "EmptyBatch()", or an Error(string)).
type RevertError struct {
	TxHash common.Hash // zero when the gas estimate already reverted
	Reason string      // decoded reason; empty if unknown
	Data   []byte      // raw revert data, if any
}

func (e *RevertError) Error() string {
	msg := "chain: transaction reverted"
	if e.TxHash != (common.Hash{}) {
		msg += " (" + e.TxHash.Hex() + ")"
	} else {
		msg = "chain: gas estimate reverted"
	}
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	return msg
}

// Unwrap makes errors.Is(err, ErrReverted) true.
func (e *RevertError) Unwrap() error { return ErrReverted }
