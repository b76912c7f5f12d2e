package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/anonex/anonex/ledger"
	"github.com/holiman/uint256"
	"github.com/urfave/cli/v2"
)

// faucetCommand hands devnet assets to any account: the demo account that
// holds the most of the asset (its issuer, the market maker for ETH…)
// signs a transfer. Only on a devnet, whose demo keys it holds.
func faucetCommand() *cli.Command {
	return &cli.Command{
		Name:  "faucet",
		Usage: "on the devnet: send any account some of an asset, from the demo account holding the most of it",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "to", Required: true, Usage: "receiving account: `NAME|ADDRESS`"},
			&cli.StringFlag{Name: "asset", Value: "EUR", Usage: "asset `SYMBOL|ID`"},
			&cli.StringFlag{Name: "amount", Value: "100", Usage: "amount in the asset's units"},
			waitFlag, timeoutFlag, nodeFlag, devnetFlag, jsonFlag,
		},
		Action: func(c *cli.Context) error {
			ctx, cancel := context.WithTimeout(c.Context, c.Duration("timeout"))
			defer cancel()
			info, err := loadDevnet(c)
			if err != nil {
				return err
			}
			if info == nil {
				return errors.New("the faucet pays from the devnet's demo accounts: pass --devnet DIR")
			}
			cl, err := nodeClient(c)
			if err != nil {
				return err
			}
			ks, err := openKeys(c)
			if err != nil {
				return err
			}
			to, err := resolveAccount(ctx, c.String("to"), ks, cl)
			if err != nil {
				return fmt.Errorf("--to: %w", err)
			}
			asset, amount, err := assetAmount(ctx, c, cl, "asset")
			if err != nil {
				return err
			}
			// The demo account with the most of the asset pays.
			var from string
			most := new(uint256.Int)
			for _, a := range info.Accounts {
				acct, err := cl.Account(ctx, a.Address)
				if err != nil {
					return err
				}
				for _, b := range acct.Balances {
					v, err := uint256.FromDecimal(b.PendingUnits)
					if err == nil && b.Asset == asset.ID && v.Gt(most) {
						most, from = v, a.Address
					}
				}
			}
			if from == "" || most.Lt(amount) {
				return fmt.Errorf("no demo account holds %s %s (the most one holds is %s)", c.String("amount"), asset.Symbol,
					ledger.FormatAmount(most, asset.Decimals))
			}
			key, err := ks.unlock(from)
			if err != nil {
				return err
			}
			return sendTransfer(c, ctx, cl, key, to, asset, amount, "faucet:")
		},
	}
}
