package api

import "github.com/anonex/anonex/ledger"

// Accounts and assets: GET /v1/accounts, /v1/accounts/{q}, /v1/assets
// and /v1/assets/{q}.

// AssetInfo describes an asset.
type AssetInfo struct {
	ID       ledger.Hash    `json:"id"`
	Symbol   string         `json:"symbol"`
	Decimals uint8          `json:"decimals"`
	Currency uint16         `json:"currency,omitempty"`
	Issuer   ledger.Address `json:"issuer"`
	Supply   string         `json:"supply"`
	Metadata ledger.Hash    `json:"metadata"`
	Pending  bool           `json:"pending"`
	// Token is set for an asset bridged through the Vault (the Issuer):
	// its ERC-20 contract, or the zero address for ETH.
	Token *ledger.Address `json:"token,omitempty"`
}

// Balance is one asset held by an account.
type Balance struct {
	Asset    ledger.Hash `json:"asset"`
	Symbol   string      `json:"symbol"`
	Decimals uint8       `json:"decimals"`
	Settled  string      `json:"settled"`
	Pending  string      `json:"pending"`
	// Base units, for programs.
	SettledUnits string `json:"settled_units"`
	PendingUnits string `json:"pending_units"`
}

// AccountInfo is GET /v1/accounts/{q}.
type AccountInfo struct {
	Address ledger.Address `json:"address"`
	Name    string         `json:"name"`
	// Number is the account's number in the settled state (batches refer
	// to the account by it), or null while no settled transaction has
	// touched the account.
	Number       *uint64   `json:"number"`
	Nonce        uint64    `json:"nonce"`
	SettledNonce uint64    `json:"settled_nonce"`
	Conflicted   bool      `json:"conflicted"`
	Balances     []Balance `json:"balances"`
}

// AccountList is GET /v1/accounts: the settled state's numbered accounts
// in number order, a page at a time.
type AccountList struct {
	// Count is how many accounts the settled state has numbered (0 …
	// count−1).
	Count    uint64            `json:"count"`
	Accounts []NumberedAccount `json:"accounts"`
}

// NumberedAccount is one account of AccountList.
type NumberedAccount struct {
	Number  uint64         `json:"number"`
	Address ledger.Address `json:"address"`
	Name    string         `json:"name"`
}

// Account list pages: DefaultAccountPage accounts unless limit says
// otherwise, at most MaxAccountPage.
const (
	DefaultAccountPage = 100
	MaxAccountPage     = 1000
)
