package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/client"
	"github.com/anonex/anonex/ledger"
	"github.com/holiman/uint256"
	"github.com/urfave/cli/v2"
)

var waitFlag = &cli.StringFlag{Name: "wait", Usage: "wait until the tx is `pending` (on the node) or settled (anchored and folded)"}

func transferCommand() *cli.Command {
	return &cli.Command{
		Name:  "transfer",
		Usage: "sign a Transfer with a device account and submit it",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "from", Required: true, Usage: "sending account: `NAME|ADDRESS` in the keystore"},
			&cli.StringFlag{Name: "to", Required: true, Usage: "receiving account: `NAME|ADDRESS`"},
			&cli.StringFlag{Name: "asset", Required: true, Usage: "asset `SYMBOL|ID` (a symbol naming two assets is refused)"},
			&cli.StringFlag{Name: "amount", Required: true, Usage: "amount in the asset's units, e.g. 1.5"},
			waitFlag, timeoutFlag, nodeFlag, tokenFlag, keystoreFlag, passFlag, devnetFlag, jsonFlag,
		},
		Action: func(c *cli.Context) error {
			ctx, cancel := context.WithTimeout(c.Context, c.Duration("timeout"))
			defer cancel()
			cl, ks, key, err := signerFor(c)
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
			return sendTransfer(c, ctx, cl, key, to, asset, amount, "transfer")
		},
	}
}

// sendTransfer signs a Transfer of amount of asset from key's account to
// to, submits it and waits as --wait asks; what names it in the output.
func sendTransfer(c *cli.Context, ctx context.Context, cl *client.Client, key *account.Key, to ledger.Address, asset api.AssetInfo,
	amount *uint256.Int, what string) error {
	nonce, dom, err := nonceAndDomain(ctx, cl, key.Address())
	if err != nil {
		return err
	}
	tx, err := sign(key, &ledger.Transfer{From: key.Address(), To: to, Asset: asset.ID, Amount: *amount, Nonce: nonce}, dom)
	if err != nil {
		return err
	}
	d := newDisplay(c, cl)
	d.learn(asset)
	return submitAndWait(c, ctx, cl, tx, fmt.Sprintf("%s %s from %s to %s", what, d.amount(asset.ID, amount), d.account(key.Address()), d.account(to)))
}

// submitAndWait submits a signed tx, waits as --wait asks and prints.
func submitAndWait(c *cli.Context, ctx context.Context, cl *client.Client, tx *ledger.Tx, what string) error {
	res, err := cl.Submit(ctx, tx)
	if err != nil {
		return newDisplay(c, cl).shortOfTx(err, tx)
	}
	info := api.TxInfo{ID: res.ID, Status: res.Status}
	switch w := api.TxStatus(c.String("wait")); w {
	case "", api.TxPending:
	case api.TxSettled:
		p := startProgress(c, "waiting for settlement", 0)
		info, err = cl.WaitTx(ctx, res.ID)
		p.stop()
		if err != nil {
			return err
		}
	default:
		return fmt.Errorf("--wait %q: want pending or settled", w)
	}
	if err := output(c, info, func() { printTx(what, info) }); err != nil {
		return err
	}
	if info.Status == api.TxFailed || info.Status == api.TxRejected {
		return fmt.Errorf("transaction %s %s: %s", info.ID.Hex(), info.Status, info.Reason)
	}
	return nil
}

func printTx(what string, info api.TxInfo) {
	if what != "" {
		fmt.Println(what)
	}
	fmt.Printf("  tx     %s\n  status %s", info.ID.Hex(), info.Status)
	if info.BatchSeq != nil {
		fmt.Printf(" (batch %d)", *info.BatchSeq)
	}
	if info.Reason != "" {
		fmt.Printf(": %s", info.Reason)
	}
	fmt.Println()
}

func balanceCommand() *cli.Command {
	return &cli.Command{
		Name:      "balance",
		Usage:     "show an account's settled and pending balances",
		ArgsUsage: "NAME|ADDRESS",
		Flags:     []cli.Flag{nodeFlag, keystoreFlag, devnetFlag, jsonFlag},
		Action: func(c *cli.Context) error {
			q := c.Args().First()
			if q == "" {
				return fmt.Errorf("give an account name or address")
			}
			cl, err := nodeClient(c)
			if err != nil {
				return err
			}
			ks := optionalKeys(c)
			addr, err := resolveAccount(c.Context, q, ks, cl)
			if err != nil {
				return err
			}
			info, err := cl.Account(c.Context, addr.Hex())
			if err != nil {
				return err
			}
			d := newDisplay(c, cl)
			return output(c, info, func() {
				fmt.Printf("%s  (next nonce %d", d.account(info.Address), info.Nonce)
				if info.Conflicted {
					fmt.Print(", CONFLICTED: it signed two txs for one nonce")
				}
				fmt.Println(")")
				if len(info.Balances) == 0 {
					fmt.Println("  no balances")
				}
				tw := table()
				for _, b := range info.Balances {
					line := fmt.Sprintf("  %s %s\tsettled", b.Settled, b.Symbol)
					if b.Pending != b.Settled {
						line += fmt.Sprintf(", %s %s pending", b.Pending, b.Symbol)
					}
					fmt.Fprintln(tw, line)
				}
				tw.Flush()
			})
		},
	}
}

func txCommand() *cli.Command {
	return &cli.Command{
		Name:  "tx",
		Usage: "transactions",
		Subcommands: []*cli.Command{{
			Name:      "status",
			Usage:     "show a transaction's status on a node",
			ArgsUsage: "ID",
			Flags:     []cli.Flag{waitFlag, timeoutFlag, nodeFlag, devnetFlag, jsonFlag},
			Action: func(c *cli.Context) error {
				id, err := ledger.ParseHash(c.Args().First())
				if err != nil {
					return err
				}
				cl, err := nodeClient(c)
				if err != nil {
					return err
				}
				ctx, cancel := context.WithTimeout(c.Context, c.Duration("timeout"))
				defer cancel()
				var info api.TxInfo
				if api.TxStatus(c.String("wait")) == api.TxSettled {
					p := startProgress(c, "waiting for settlement", 0)
					info, err = cl.WaitTx(ctx, id)
					p.stop()
				} else {
					info, err = cl.Tx(ctx, id)
				}
				if err != nil {
					return err
				}
				return output(c, info, func() { printTx("", info) })
			},
		}},
	}
}

func assetCommand() *cli.Command {
	return &cli.Command{
		Name:  "asset",
		Usage: "issue and list assets",
		Subcommands: []*cli.Command{
			{
				Name:  "issue",
				Usage: "issue a new asset; its whole supply goes to the issuing account",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "from", Required: true, Usage: "issuing account `NAME|ADDRESS`"},
					&cli.StringFlag{Name: "symbol", Required: true, Usage: "ticker, 1-12 of A-Z 0-9 . -"},
					&cli.UintFlag{Name: "decimals", Value: 2, Usage: "digits after the point in the asset's units (at most 36)"},
					&cli.StringFlag{Name: "supply", Required: true, Usage: "supply in the asset's units, e.g. 1000000.00"},
					&cli.UintFlag{Name: "currency", Usage: "ISO 4217 numeric code of a fiat-denominated asset (978 = EUR)"},
					&cli.StringFlag{Name: "metadata", Usage: "0x hash of a document describing the asset"},
					&cli.BoolFlag{Name: "same-symbol", Usage: "issue even when another asset has the symbol (commands naming the symbol then refuse it as ambiguous)"},
					waitFlag, timeoutFlag, nodeFlag, tokenFlag, keystoreFlag, passFlag, devnetFlag, jsonFlag,
				},
				Action: func(c *cli.Context) error {
					ctx, cancel := context.WithTimeout(c.Context, c.Duration("timeout"))
					defer cancel()
					cl, _, key, err := signerFor(c)
					if err != nil {
						return err
					}
					if c.Uint("decimals") > ledger.MaxAssetDecimals {
						return fmt.Errorf("--decimals %d exceeds %d", c.Uint("decimals"), ledger.MaxAssetDecimals)
					}
					dec := uint8(c.Uint("decimals"))
					supply, err := ledger.ParseAmount(c.String("supply"), dec)
					if err != nil {
						return fmt.Errorf("--supply: %w", err)
					}
					var meta ledger.Hash
					if m := c.String("metadata"); m != "" {
						if meta, err = ledger.ParseHash(m); err != nil {
							return fmt.Errorf("--metadata: %w", err)
						}
					}
					if err := symbolFree(ctx, c, cl, strings.ToUpper(c.String("symbol"))); err != nil {
						return err
					}
					nonce, dom, err := nonceAndDomain(ctx, cl, key.Address())
					if err != nil {
						return err
					}
					p := &ledger.IssueAsset{Issuer: key.Address(), Symbol: strings.ToUpper(c.String("symbol")), Decimals: dec,
						Supply: *supply, Currency: uint16(c.Uint("currency")), Metadata: meta, Nonce: nonce}
					if err := p.Check(); err != nil {
						return err
					}
					tx, err := sign(key, p, dom)
					if err != nil {
						return err
					}
					return submitAndWait(c, ctx, cl, tx, fmt.Sprintf("issue %s %s (asset id = tx id)", ledger.FormatAmount(supply, dec), p.Symbol))
				},
			},
			{
				Name:  "list",
				Usage: "list the assets a node knows",
				Flags: []cli.Flag{nodeFlag, devnetFlag, jsonFlag},
				Action: func(c *cli.Context) error {
					cl, err := nodeClient(c)
					if err != nil {
						return err
					}
					as, err := cl.Assets(c.Context)
					if err != nil {
						return err
					}
					d := newDisplay(c, cl)
					d.learn(as...)
					return output(c, as, func() {
						tw := table()
						for _, a := range as {
							state := ""
							if a.Pending {
								state = " (pending)"
							}
							fmt.Fprintf(tw, "%s\t%s\tsupply %s %s\tissuer %s%s\n", a.Symbol, a.ID.Hex(), a.Supply, a.Symbol, d.account(a.Issuer), state)
						}
						tw.Flush()
					})
				},
			},
		},
	}
}

// signerFor opens the node client and unlocks the --from account.
func signerFor(c *cli.Context) (*client.Client, *keySource, *account.Key, error) {
	cl, err := nodeClient(c)
	if err != nil {
		return nil, nil, nil, err
	}
	ks, err := openKeys(c)
	if err != nil {
		return nil, nil, nil, err
	}
	key, err := ks.unlock(c.String("from"))
	return cl, ks, key, err
}

// symbolFree refuses to issue a symbol another asset has, unless
// --same-symbol: anyone may issue any symbol, but a second one makes the
// symbol ambiguous, and every command that names it is refused from then
// on (a market quoted in it stops working for everybody).
func symbolFree(ctx context.Context, c *cli.Context, cl *client.Client, symbol string) error {
	if c.Bool("same-symbol") {
		return nil
	}
	a, err := cl.Asset(ctx, symbol)
	switch {
	case err == nil:
		d := newDisplay(c, cl)
		return fmt.Errorf("%s already names asset %s, issued by %s: a second %s would make the symbol ambiguous, "+
			"and every command naming it would be refused. Choose another --symbol, or pass --same-symbol", symbol, a.ID.Hex(), d.account(a.Issuer), symbol)
	case isCode(err, api.CodeAmbiguous):
		return fmt.Errorf("%s already names several assets; pass --same-symbol to issue one more: %w", symbol, err)
	case isCode(err, api.CodeUnknownAsset):
		return nil
	}
	return err
}
