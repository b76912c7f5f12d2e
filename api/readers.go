package api

import "github.com/anonex/anonex/ledger"

// Reader is one card reader of the node's machine, as GET /v1/readers
// lists it (only on a node started with --readers).
type Reader struct {
	// Index is the reader's number in every reader route
	// (/v1/readers/{index}/…), as --reader N counts them on the command
	// line.
	Index int    `json:"index"`
	Name  string `json:"name"`
	// Card says a card is in the reader.
	Card bool `json:"card"`
}

// CardView is GET /v1/readers/{n}/card: what the card in the reader says
// of itself (GET STATUS), amounts in base units of each purse's asset.
type CardView struct {
	Reader  int            `json:"reader"`
	Address ledger.Address `json:"address"`
	// Life is "blank", "keyed", "active" or "terminated".
	Life    string         `json:"life"`
	Owner   ledger.Address `json:"owner"`
	Counter uint64         `json:"counter"`
	// PINLeft and PUKLeft are the tries left before the PIN (the PUK)
	// blocks.
	PINLeft uint8 `json:"pin_left"`
	PUKLeft uint8 `json:"puk_left"`
	// ChainID and Anchor are the network the card was personalized for
	// (its EIP-712 domain); Trusted its issuers.
	ChainID uint64           `json:"chain_id"`
	Anchor  ledger.Address   `json:"anchor"`
	Trusted []ledger.Address `json:"trusted"`
	// OfflineRun counts the offline payments since the last online one.
	OfflineRun uint8       `json:"offline_run"`
	Purses     []PurseView `json:"purses"`
	// Received counts card-to-card records the card took and the network
	// has not confirmed yet; ReceivedValue is their value (in the first
	// purse's asset, which is where it counts).
	Received      uint8  `json:"received"`
	ReceivedValue string `json:"received_value"`
}

// PurseView is one purse of a card: T (the settled credits its issuer
// signed), D (what it spent), Spendable (what a terminal may take: T − D,
// plus received value in the first purse), and its offline limits.
type PurseView struct {
	Asset     ledger.Hash `json:"asset"`
	T         string      `json:"t"`
	D         string      `json:"d"`
	Spendable string      `json:"spendable"`
	// Seq numbers the issuer's update values the purse took.
	Seq        uint64 `json:"seq"`
	OfflineCap string `json:"offline_cap"`
	OfflineMax uint8  `json:"offline_max"`
	NoPinLimit string `json:"no_pin_limit"`
	LimitsSeq  uint64 `json:"limits_seq"`
}

// CardUpdateRequest is the body of POST /v1/readers/{n}/update: which
// purse takes its issuer's newest update value.
type CardUpdateRequest struct {
	Asset ledger.Hash `json:"asset"`
}

// CardUpdate is GET and POST /v1/readers/{n}/update. GET is the
// issuer's authorization as it stands (Authorization, with Before the
// purse's T on the card and After the T it signs) and writes nothing;
// POST writes it to the card (Written), and Spendable is then the card's.
type CardUpdate struct {
	Card          ledger.Address `json:"card"`
	Asset         ledger.Hash    `json:"asset"`
	Before        string         `json:"before"`
	After         string         `json:"after"`
	Authorization UpdateValue    `json:"authorization"`
	Written       bool           `json:"written"`
	D             string         `json:"d,omitempty"`
	Spendable     string         `json:"spendable,omitempty"`
}

// PINChange is the body of POST /v1/readers/{n}/pin: the PIN, or the PUK
// when the PIN is blocked, and the new PIN (6 to 12 digits).
type PINChange struct {
	PIN    string `json:"pin,omitempty"`
	PUK    string `json:"puk,omitempty"`
	NewPIN string `json:"new_pin"`
}

// PINChanged answers POST /v1/readers/{n}/pin.
type PINChanged struct {
	Card    ledger.Address `json:"card"`
	PINLeft uint8          `json:"pin_left"`
}
