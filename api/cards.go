package api

import (
	"fmt"

	"github.com/anonex/anonex/ledger"
)

// Cards: an issuer node's POST /v1/cards, /v1/cards/{card}/register and
// /v1/cards/{card}/lost, and any node's GET /v1/cards/{card},
// /v1/cards/{card}/update and /v1/hotlist.

// UpdateValue is an issuer-signed T for a card at update Base.
type UpdateValue struct {
	Card      ledger.Address `json:"card"`
	Asset     ledger.Hash    `json:"asset"`
	Total     string         `json:"total"` // base units
	Seq       uint64         `json:"seq"`
	Base      uint64         `json:"base"`
	Confirmed []ledger.Hash  `json:"confirmed"`
	Signature ledger.Sig     `json:"signature"`
	UpToDate  bool           `json:"up_to_date"`
}

// CardInfo is GET /v1/cards/{card}. Registration and credits are settled;
// the hot-list flags are the pending view's (the settled state plus what
// this node has heard), so a block is seen as soon as it is accepted.
type CardInfo struct {
	Card       ledger.Address `json:"card"`
	Registered bool           `json:"registered"`
	Issuer     ledger.Address `json:"issuer"`
	Owner      ledger.Address `json:"owner"`
	Cloned     bool           `json:"cloned"`
	// Blocked: the card's issuer blocked it (a CardBlock), for
	// BlockReason ("lost" or "stolen"); BlockPending while that block is
	// accepted but not settled yet.
	Blocked      bool              `json:"blocked"`
	BlockReason  string            `json:"block_reason,omitempty"`
	BlockPending bool              `json:"block_pending"`
	HotListed    bool              `json:"hot_listed"`
	Credited     map[string]string `json:"credited"` // asset id → base units
}

// HotListEntry is one card terminals must refuse online.
type HotListEntry struct {
	Card   ledger.Address `json:"card"`
	Issuer ledger.Address `json:"issuer"`
	Reason string         `json:"reason"` // cloned | lost | stolen
	// Pending: the block is accepted by this node but not settled yet.
	Pending bool `json:"pending"`
}

// BlockRequest is the optional body of POST /v1/cards/{card}/lost.
type BlockRequest struct {
	Reason string `json:"reason,omitempty"` // lost (the default) | stolen
}

// BlockResult is what POST /v1/cards/{card}/lost answers: the CardBlock
// submitted, or, when the card was already blocked, no transaction.
type BlockResult struct {
	Card    ledger.Address `json:"card"`
	Reason  string         `json:"reason"`
	BlockTx *ledger.Hash   `json:"block_tx,omitempty"`
	// Already: the card was blocked before (BlockTx is then absent).
	Already bool `json:"already_blocked"`
}

// ParseBlockReason reads "lost" or "stolen" ("" is lost).
func ParseBlockReason(s string) (uint8, error) {
	switch s {
	case "", "lost":
		return ledger.BlockLost, nil
	case "stolen":
		return ledger.BlockStolen, nil
	}
	return 0, fmt.Errorf("block reason %q: want lost or stolen", s)
}

// CertifyRequest is POST /v1/cards.
type CertifyRequest struct {
	Card  ledger.Address `json:"card"`
	Owner ledger.Address `json:"owner"`
}

// CertifyResult is what POST /v1/cards answers: what PERSONALIZE needs.
type CertifyResult struct {
	Card    ledger.Address `json:"card"`
	Owner   ledger.Address `json:"owner"`
	Issuer  ledger.Address `json:"issuer"`
	Cert    ledger.Sig     `json:"cert"`
	ChainID uint64         `json:"chain_id"`
	Anchor  ledger.Address `json:"anchor"`
}

// RegisterRequest is POST /v1/cards/{card}/register: the card's consent
// (CARD CONSENT) to its registration under this issuer for Owner.
type RegisterRequest struct {
	Owner   ledger.Address `json:"owner"`
	Consent ledger.Sig     `json:"consent"`
}

// RegisterResult is what POST /v1/cards/{card}/register answers.
type RegisterResult struct {
	Card       ledger.Address `json:"card"`
	RegisterTx ledger.Hash    `json:"register_tx"`
}
