package api

import "github.com/anonex/anonex/ledger"

// Offers and the book: POST /v1/offers, GET /v1/offers/{id}, /v1/quote
// and /v1/book/{base}/{quote}.

// OfferPosted is what POST /v1/offers answers: the offer's id.
type OfferPosted struct {
	ID ledger.Hash `json:"id"`
}

// BookLevel is one offer of a side (bids or asks) of GET /v1/book.
type BookLevel struct {
	Offer ledger.Hash    `json:"offer"`
	Maker ledger.Address `json:"maker"`
	Price string         `json:"price"` // quote per base, in decimals
	Size  string         `json:"size"`  // base, in decimals
	Total string         `json:"total"` // quote, in decimals
}

// BookInfo is GET /v1/book/{base}/{quote}.
type BookInfo struct {
	Base    AssetInfo   `json:"base"`
	Quote   AssetInfo   `json:"quote"`
	BestBid string      `json:"best_bid,omitempty"`
	BestAsk string      `json:"best_ask,omitempty"`
	Bids    []BookLevel `json:"bids"`
	Asks    []BookLevel `json:"asks"`
}

// OfferInfo is GET /v1/offers/{id}.
type OfferInfo struct {
	ID        ledger.Hash         `json:"id"`
	Offer     *ledger.SignedOffer `json:"offer"`
	Status    OfferStatus         `json:"status"`
	Filled    string              `json:"filled_units"`
	Remaining string              `json:"remaining_units"`
}

// QuoteInfo is GET /v1/quote.
type QuoteInfo struct {
	Pay       AssetInfo   `json:"pay"`
	Receive   AssetInfo   `json:"receive"`
	Amount    string      `json:"amount"`    // of receive, display units
	PayTotal  string      `json:"pay_total"` // of pay, display units
	PayUnits  string      `json:"pay_units"`
	Takes     []QuoteTake `json:"takes"`
	ValidTill int64       `json:"valid_till"` // Unix seconds: a quote goes stale
}

// QuoteTake is one fill of a quote.
type QuoteTake struct {
	Offer     ledger.Hash `json:"offer"`
	TakeUnits string      `json:"take_units"`
	PayUnits  string      `json:"pay_units"`
}
