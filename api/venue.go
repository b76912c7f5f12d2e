package api

import "github.com/anonex/anonex/ledger"

// VenueInfo is a venue as GET /v1/venues lists it: its operator's newest
// signed map.
type VenueInfo struct {
	ID       ledger.Hash    `json:"id"`
	Name     string         `json:"name"`
	Operator ledger.Address `json:"operator"`
	Seq      uint64         `json:"seq"`
	// Map is keccak256 of the SVG (GET /v1/venues/{id}/map.svg); ViewBox
	// its coordinate system [min_x, min_y, width, height], in which stores
	// are placed.
	Map     ledger.Hash `json:"map"`
	ViewBox [4]float64  `json:"view_box"`
	// Stores counts the stores shown on the map (open, approved in place).
	Stores int `json:"stores"`
}

// The states of a store at a venue.
const (
	// StoreShown: open, and the operator's newest approval is at the
	// store's place: kiosks show it.
	StoreShown = "shown"
	// StoreAwaiting: open, with no approval at its place yet (new, or
	// moved since).
	StoreAwaiting = "awaiting_approval"
	// StoreRefused: the operator's newest word on the merchant is a
	// refusal.
	StoreRefused = "refused"
	// StoreClosed: the merchant closed its listing.
	StoreClosed = "closed"
)

// VenueStoreInfo is a store at a venue.
type VenueStoreInfo struct {
	Merchant ledger.Address `json:"merchant"`
	Name     string         `json:"name"`
	X        uint32         `json:"x"`
	Y        uint32         `json:"y"`
	// Accepts are the assets the store lists; it also takes any asset its
	// merchant issued (its gift cards).
	Accepts []ledger.Hash `json:"accepts"`
	Status  string        `json:"status"`
	Seq     uint64        `json:"seq"`
	// PlaceSeq is the seq of the operator's newest approval or refusal of
	// the merchant (absent without one).
	PlaceSeq *uint64 `json:"place_seq,omitempty"`
}

// VenueDetail is GET /v1/venues/{id}: the venue and every store listed.
type VenueDetail struct {
	VenueInfo
	StoreList []VenueStoreInfo `json:"store_list"`
}

// VenueRecordResult answers POST /v1/venues.
type VenueRecordResult struct {
	Venue ledger.Hash `json:"venue"`
	Type  string      `json:"type"`
	// Duplicate: the node held this very record already.
	Duplicate bool `json:"duplicate"`
}

// VenueCardAsset is an asset a card account holds, with its issuer.
type VenueCardAsset struct {
	Asset    ledger.Hash    `json:"asset"`
	Symbol   string         `json:"symbol"`
	Decimals uint8          `json:"decimals"`
	Issuer   ledger.Address `json:"issuer"`
}

// VenueCardStore is a shown store and which of a card's assets it takes.
type VenueCardStore struct {
	Merchant ledger.Address `json:"merchant"`
	Name     string         `json:"name"`
	X        uint32         `json:"x"`
	Y        uint32         `json:"y"`
	Takes    []ledger.Hash  `json:"takes"`
}

// VenueCardView is GET /v1/venues/{id}/cards/{card}: where at the venue a
// card is accepted. It names the assets the ledger credits to the card
// (settled or pending), never their balances: a kiosk shows the card's
// spendable balances from the card itself, after its PIN.
type VenueCardView struct {
	Venue  ledger.Hash      `json:"venue"`
	Card   ledger.Address   `json:"card"`
	Assets []VenueCardAsset `json:"assets"`
	Stores []VenueCardStore `json:"stores"`
}
