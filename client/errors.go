package client

import "errors"

// The client's sentinel errors. (Their text keeps the "node:" prefix it
// had when this code lived in package node: the CLI prints it as is.)
var (
	// ErrLoadRefused reports a load refused before any value moved.
	ErrLoadRefused = errors.New("node: load refused, nothing moved")
	// ErrNoCardPurse reports a card without a purse in the asset.
	ErrNoCardPurse = errors.New("node: the card has no purse in this asset")
	// ErrWithdrawalFailed: the Withdraw settled with a failure receipt; nothing
	// was burned, so there is nothing to claim.
	ErrWithdrawalFailed = errors.New("node: the withdrawal failed on the ledger")
	// ErrReceivingCard is matched by an error of the receiving card of a
	// card-to-card payment (the paying card's errors do not match it).
	ErrReceivingCard = errors.New("node: the receiving card")
	// ErrAlreadyPaid: the Vault paid this withdrawal before.
	ErrAlreadyPaid = errors.New("node: the withdrawal was already paid")
)
