package api

import "github.com/anonex/anonex/ledger"

// Stored-value allocation (POST /v1/allocate): a payment of an amount at
// a merchant, in the units of one asset, is covered from a pool of
// stored-value items — balances of the user's accounts (device accounts
// and card purses) in assets of the payment's currency. Each chosen item
// comes with what spends it: a signed, time-limited spend authorization
// (a device account), or the card itself (a card purse).

// AllocateItem is one stored-value item of a request's explicit pool.
type AllocateItem struct {
	ID        string           `json:"id"`
	Account   ledger.Address   `json:"account"`
	Asset     string           `json:"asset"`               // symbol or id
	Merchants []ledger.Address `json:"merchants,omitempty"` // empty: accepted everywhere
}

// AllocateRequest is POST /v1/allocate.
type AllocateRequest struct {
	Amount   string `json:"amount"`   // in the payment asset's units, e.g. "12.50"
	Asset    string `json:"asset"`    // the payment asset: symbol or id
	Merchant string `json:"merchant"` // payee account: name or address
	// Accounts make the pool from every balance they hold in an asset of
	// the payment's currency (see above). Items list a pool explicitly.
	Accounts []string       `json:"accounts,omitempty"`
	Items    []AllocateItem `json:"items,omitempty"`
	// ExpiresIn bounds the authorizations' life: a Go duration, default
	// 10m, at most 24h.
	ExpiresIn string `json:"expires_in,omitempty"`
}

// AllocateSpend is one chosen item and how it is spent.
type AllocateSpend struct {
	Item    string         `json:"item"`
	Account ledger.Address `json:"account"`
	Asset   ledger.Hash    `json:"asset"`
	Symbol  string         `json:"symbol"`
	Amount  string         `json:"amount"` // display units
	Units   string         `json:"units"`  // base units
	Balance string         `json:"balance"`
	// Left is what stays on the item after it pays Amount (display
	// units); Open says the item is accepted everywhere (a balance of the
	// payment's asset), so what is left on it is not left behind.
	Left string `json:"left"`
	Open bool   `json:"open"`
	// Access is "authorization" (a device account: Authorization, signed
	// when this node holds the account's key, else TypedData to sign) or
	// "card" (a card purse: the card pays Amount with its own record).
	Access        string                  `json:"access"`
	Authorization *ledger.SignedSpendAuth `json:"authorization,omitempty"`
	Signed        bool                    `json:"signed"`
	TypedData     map[string]any          `json:"typed_data,omitempty"`
}

// AllocateResult is the answer of POST /v1/allocate.
type AllocateResult struct {
	Amount   string         `json:"amount"`
	Asset    ledger.Hash    `json:"asset"`
	Symbol   string         `json:"symbol"`
	Merchant ledger.Address `json:"merchant"`
	// Residual is what stays behind on the chosen gift cards (the items
	// accepted only by their issuer's shops; what stays on an open
	// balance is spendable anywhere and not counted); Exact says it is
	// proven the least possible, else Bound caps how far above the least
	// it may be. Method names the allocator's path.
	Residual string          `json:"residual"`
	Exact    bool            `json:"exact"`
	Bound    string          `json:"bound"`
	Method   string          `json:"method"`
	Items    int             `json:"items"` // eligible items considered
	Spends   []AllocateSpend `json:"spends"`
	Expires  uint64          `json:"expires"` // Unix seconds
	Took     string          `json:"took"`
}
