package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/anonex/anonex/account/names"
	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/client"
	"github.com/anonex/anonex/devnet"
	"github.com/anonex/anonex/ledger"
	"github.com/holiman/uint256"
	"github.com/urfave/cli/v2"
)

// display is how every command shows amounts and accounts to people, so
// that one asset or account reads the same everywhere: an amount in its
// asset's units with the asset's symbol ("45.50 EUR"), never in base
// units; an account by its name beside its address
// ("door-require-7e60195 (holder-1) 0x9586…"), with the devnet's role when
// it has one. It looks each asset up once, on the node, else in
// devnet.json (a terminal away from the network); an asset nobody knows
// shows as its base units and id, which is still exact.
type display struct {
	ctx    context.Context
	node   *client.Client // nil: devnet.json only
	assets map[ledger.Hash]api.AssetInfo
	roles  map[ledger.Address]string
	dev    *devnet.Info
}

// newDisplay makes the display of a command: n may be nil.
func newDisplay(c *cli.Context, n *client.Client) *display {
	d := &display{ctx: c.Context, node: n, assets: map[ledger.Hash]api.AssetInfo{}, roles: map[ledger.Address]string{}}
	if dev, _ := loadDevnet(c); dev != nil {
		d.dev = dev
		for _, a := range dev.Accounts {
			if addr, err := ledger.ParseAddress(a.Address); err == nil {
				d.roles[addr] = a.Role
			}
		}
		for _, k := range dev.Cards {
			if addr, err := ledger.ParseAddress(k.Address); err == nil {
				d.roles[addr] = fmt.Sprintf("card %d", k.Index)
			}
		}
	}
	return d
}

// learn records assets already fetched, saving a lookup each.
func (d *display) learn(as ...api.AssetInfo) {
	for _, a := range as {
		if a.Symbol != "" {
			d.assets[a.ID] = a
		}
	}
}

// asset finds an asset by id: known, on the node, or in devnet.json.
func (d *display) asset(id ledger.Hash) (api.AssetInfo, bool) {
	if a, ok := d.assets[id]; ok {
		return a, true
	}
	if d.node != nil {
		if a, err := d.node.Asset(d.ctx, id.Hex()); err == nil {
			d.assets[id] = a
			return a, true
		}
	}
	if d.dev != nil {
		for _, a := range d.dev.Assets {
			if strings.EqualFold(a.ID, id.Hex()) {
				ai := api.AssetInfo{ID: id, Symbol: a.Symbol, Decimals: a.Decimals, Currency: a.Currency}
				d.assets[id] = ai
				return ai, true
			}
		}
	}
	return api.AssetInfo{}, false
}

// amount is units of asset in the asset's units with its symbol:
// "45.50 EUR".
func (d *display) amount(asset ledger.Hash, units *uint256.Int) string {
	if a, ok := d.asset(asset); ok {
		return ledger.FormatAmount(units, a.Decimals) + " " + a.Symbol
	}
	return units.Dec() + " base units of asset " + asset.Hex()
}

// amountUnits is amount for base units written in decimal (the API's
// "*_units" fields); text that is no number shows as it is.
func (d *display) amountUnits(asset ledger.Hash, units string) string {
	v, err := uint256.FromDecimal(units)
	if err != nil {
		return units + " (base units of asset " + asset.Hex() + ")"
	}
	return d.amount(asset, v)
}

// symbol is the asset's symbol, or its id when it has none known.
func (d *display) symbol(asset ledger.Hash) string {
	if a, ok := d.asset(asset); ok {
		return a.Symbol
	}
	return asset.Hex()
}

// account is an account's name beside its address, with the devnet's
// role when it has one: "door-require-7e60195 (holder-1) 0x9586…".
func (d *display) account(a ledger.Address) string {
	s := names.Name(a)
	if r, ok := d.roles[a]; ok {
		s += " (" + r + ")"
	}
	return s + " " + a.Hex()
}

// label is an account's role or name alone, for tables that show the
// address in a column of its own.
func (d *display) label(a ledger.Address) string {
	if r, ok := d.roles[a]; ok {
		return r
	}
	return names.Name(a)
}

// short adds to the node's insufficient-funds refusal what the account
// has: "door-require-7e60195 (holder-1) 0x9586… has 900.00 EUR available
// (the pending view), 99999.00 EUR needed". Any other error is returned
// as it is.
func (d *display) short(err error, acct ledger.Address, asset ledger.Hash, need *uint256.Int) error {
	if !isCode(err, api.CodeInsufficientFunds) || d.node == nil {
		return err
	}
	info, aerr := d.node.Account(d.ctx, acct.Hex())
	if aerr != nil {
		return err
	}
	have := "no"
	for _, b := range info.Balances {
		if b.Asset == asset {
			have = d.amountUnits(asset, b.PendingUnits)
		}
	}
	if have == "no" {
		have = "no " + d.symbol(asset)
	}
	return fmt.Errorf("%s has %s available, %s needed: %w", d.account(acct), have, d.amount(asset, need), err)
}

// shortOfTx is short for what a signed transaction spends: a transfer's or
// a withdrawal's amount, what a fill's taker pays.
func (d *display) shortOfTx(err error, tx *ledger.Tx) error {
	switch p := tx.Payload.(type) {
	case *ledger.Transfer:
		return d.short(err, p.From, p.Asset, &p.Amount)
	case *ledger.Withdraw:
		return d.short(err, p.Account, p.Asset, &p.Amount)
	case *ledger.Fill:
		if pay, ok := ledger.FillPrice(&p.Offer.Offer, &p.Take); ok {
			return d.short(err, p.Taker, p.Offer.Want, pay)
		}
	}
	return err
}

// table is a writer of tab-separated columns to stdout, aligned on Flush.
func table() *tabwriter.Writer { return tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0) }
