package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/chain"
	"github.com/anonex/anonex/client"
	"github.com/anonex/anonex/ledger"
	"github.com/ethereum/go-ethereum/common"
	"github.com/urfave/cli/v2"
)

var ethFlag = &cli.StringFlag{Name: "eth", Usage: "Ethereum JSON-RPC `URL` (default: the devnet's)", EnvVars: []string{"ANONEX_ETH"}}

// vaultFor connects to Ethereum and binds the Vault the node follows.
func vaultFor(c *cli.Context, ctx context.Context, cl *client.Client) (*chain.Client, *chain.Vault, error) {
	url := str(c, "eth")
	if url == "" {
		info, err := loadDevnet(c)
		if err != nil {
			return nil, nil, err
		}
		if info != nil {
			url = info.EthRPC
		}
	}
	if url == "" {
		return nil, nil, errors.New("no Ethereum endpoint: pass --eth URL or --devnet DIR")
	}
	st, err := cl.Status(ctx)
	if err != nil {
		return nil, nil, err
	}
	if st.Vault == "" {
		return nil, nil, errors.New("the node follows no Vault: it cannot bridge")
	}
	ec, err := chain.Dial(ctx, url)
	if err != nil {
		return nil, nil, err
	}
	id, err := ec.ChainID(ctx)
	if err != nil {
		ec.Close()
		return nil, nil, err
	}
	if id != st.ChainID {
		ec.Close()
		return nil, nil, fmt.Errorf("%s serves chain %d, the node is on chain %d", url, id, st.ChainID)
	}
	return ec, chain.NewVault(ec, common.HexToAddress(st.Vault)), nil
}

func depositCommand() *cli.Command {
	return &cli.Command{
		Name:  "deposit",
		Usage: "deposit ETH or a listed ERC-20 token into the Vault, credited to a device account on the ledger",
		Description: "The device account's own key pays on Ethereum (it is the same secp256k1 key). The deposit\n" +
			"enters the settled ledger in chain order once the nodes fold it.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "from", Required: true, Usage: "device account `NAME|ADDRESS` whose key pays on Ethereum"},
			&cli.StringFlag{Name: "to", Usage: "ledger account `NAME|ADDRESS` to credit (default: --from)"},
			&cli.StringFlag{Name: "asset", Required: true, Usage: "bridged asset `SYMBOL|ID` (ETH, or a listed token)"},
			&cli.StringFlag{Name: "amount", Required: true, Usage: "amount in the asset's units, e.g. 0.5"},
			&cli.StringFlag{Name: "wait", Usage: "`settled`: wait until the node has credited it"},
			timeoutFlag, nodeFlag, ethFlag, keystoreFlag, passFlag, devnetFlag, jsonFlag,
		},
		Action: func(c *cli.Context) error {
			ctx, cancel := context.WithTimeout(c.Context, c.Duration("timeout"))
			defer cancel()
			if w := c.String("wait"); w != "" && api.TxStatus(w) != api.TxSettled {
				return fmt.Errorf("--wait %q: want settled", w)
			}
			cl, ks, key, err := signerFor(c)
			if err != nil {
				return err
			}
			to := key.Address()
			if q := c.String("to"); q != "" {
				if to, err = resolveAccount(ctx, q, ks, cl); err != nil {
					return fmt.Errorf("--to: %w", err)
				}
			}
			asset, amount, err := assetAmount(ctx, c, cl, "asset")
			if err != nil {
				return err
			}
			if asset.Token == nil {
				return fmt.Errorf("--asset: %s (%s) is issued on the ledger, not bridged from Ethereum", asset.Symbol, asset.ID.Hex())
			}
			ec, v, err := vaultFor(c, ctx, cl)
			if err != nil {
				return err
			}
			defer ec.Close()
			t := v.Transactor(key.ToECDSA())
			var res *chain.DepositResult
			if *asset.Token == (ledger.Address{}) {
				res, err = v.Deposit(ctx, t, to, amount.ToBig())
			} else {
				res, err = v.DepositToken(ctx, t, common.Address(*asset.Token), to, amount.ToBig())
			}
			if err != nil {
				return err
			}
			if res.Asset != asset.ID {
				return fmt.Errorf("the vault credited asset %s, the node calls %s %s", res.Asset.Hex(), asset.Symbol, asset.ID.Hex())
			}
			out := struct {
				*chain.DepositResult
				Status string `json:"status"`
			}{res, "sent"}
			if api.TxStatus(c.String("wait")) == api.TxSettled {
				p := startProgress(c, "waiting for the nodes to credit the deposit", 0)
				defer p.stop()
				for {
					ds, err := cl.Deposits(ctx, fmt.Sprint(res.Index))
					if err == nil && len(ds) == 1 {
						out.Status = string(ds[0].Status)
						break
					}
					var ae *api.Error
					if err != nil && !(errors.As(err, &ae) && ae.Code == api.CodeNotFound) {
						return err
					}
					select {
					case <-ctx.Done():
						return fmt.Errorf("deposit %d not credited yet: %w", res.Index, ctx.Err())
					case <-time.After(50 * time.Millisecond):
					}
				}
				p.stop()
			}
			d := newDisplay(c, cl)
			d.learn(asset)
			return output(c, out, func() {
				fmt.Printf("deposit %s to %s\n", d.amount(asset.ID, amount), d.account(to))
				fmt.Printf("  eth tx  %s (block %d, gas %d)\n  index   %d\n  status  %s\n", res.TxHash.Hex(), res.Block, res.GasUsed, res.Index, out.Status)
			})
		},
	}
}

func withdrawCommand() *cli.Command {
	return &cli.Command{
		Name:  "withdraw",
		Usage: "burn a bridged asset on the ledger and have the Vault pay it to an Ethereum address",
		Description: "Signs a Withdraw with the device account and waits until it settles and a threshold of the\n" +
			"Vault's attesters have signed its batch; then records the attestation in the Vault (if nobody\n" +
			"did yet) and claims the payout, paying the gas with the same key on Ethereum. The Vault pays\n" +
			"each withdrawal once. --wait settled stops after the burn; finish later with --claim ID.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "from", Usage: "device account `NAME|ADDRESS` that burns (and pays the claim's gas)"},
			&cli.StringFlag{Name: "to", Usage: "Ethereum recipient `0xADDRESS`"},
			&cli.StringFlag{Name: "asset", Usage: "bridged asset `SYMBOL|ID`"},
			&cli.StringFlag{Name: "amount", Usage: "amount in the asset's units"},
			&cli.StringFlag{Name: "claim", Usage: "claim the settled withdrawal `ID` (no new burn)"},
			&cli.StringFlag{Name: "wait", Value: "paid", Usage: "`paid` (default) or settled (burn only)"},
			timeoutFlag, nodeFlag, ethFlag, keystoreFlag, passFlag, devnetFlag, jsonFlag,
		},
		Action: func(c *cli.Context) error {
			ctx, cancel := context.WithTimeout(c.Context, c.Duration("timeout"))
			defer cancel()
			wait := c.String("wait")
			if api.WithdrawalStatus(wait) != api.WithdrawalPaid && api.TxStatus(wait) != api.TxSettled {
				return fmt.Errorf("--wait %q: want paid or settled", wait)
			}
			if c.String("from") == "" {
				return errors.New("--from is required (its key signs the burn and pays the claim's gas)")
			}
			cl, _, key, err := signerFor(c)
			if err != nil {
				return err
			}
			var id ledger.Hash
			if q := c.String("claim"); q != "" {
				if id, err = ledger.ParseHash(q); err != nil {
					return fmt.Errorf("--claim: %w", err)
				}
			} else {
				for _, f := range []string{"to", "asset", "amount"} {
					if c.String(f) == "" {
						return fmt.Errorf("--%s is required (or --claim ID)", f)
					}
				}
				to, err := ledger.ParseAddress(c.String("to"))
				if err != nil {
					return fmt.Errorf("--to: %w", err)
				}
				if to.IsZero() {
					return errors.New("--to: the zero address would burn the payout")
				}
				asset, amount, err := assetAmount(ctx, c, cl, "asset")
				if err != nil {
					return err
				}
				if asset.Token == nil {
					return fmt.Errorf("--asset: %s is issued on the ledger, not bridged: nothing to withdraw", asset.Symbol)
				}
				nonce, dom, err := nonceAndDomain(ctx, cl, key.Address())
				if err != nil {
					return err
				}
				tx, err := sign(key, &ledger.Withdraw{Account: key.Address(), Asset: asset.ID, Amount: *amount, To: to, Nonce: nonce}, dom)
				if err != nil {
					return err
				}
				res, err := cl.Submit(ctx, tx)
				if err != nil {
					return newDisplay(c, cl).shortOfTx(err, tx)
				}
				id = res.ID
				p := startProgress(c, "waiting for the burn to settle", 0)
				info, err := cl.WaitTx(ctx, id)
				p.stop()
				if err != nil {
					return err
				}
				if info.Status != api.TxSettled {
					return fmt.Errorf("withdrawal %s %s: %s", id.Hex(), info.Status, info.Reason)
				}
				if api.TxStatus(wait) == api.TxSettled {
					return output(c, info, func() {
						printTx(fmt.Sprintf("withdraw %s to %s on Ethereum (burned; claim with --claim %s)",
							newDisplay(c, cl).amount(asset.ID, amount), to.Hex(), id.Hex()), info)
					})
				}
			}
			ec, v, err := vaultFor(c, ctx, cl)
			if err != nil {
				return err
			}
			defer ec.Close()
			p := startProgress(c, "waiting for the attesters, then the Vault's payout", 0)
			res, err := client.ClaimWithdrawal(ctx, cl, v, v.Transactor(key.ToECDSA()), id, 50*time.Millisecond)
			p.stop()
			if err != nil {
				return err
			}
			d := newDisplay(c, cl)
			what := res.Amount + " base units"
			if w, err := cl.Withdrawal(ctx, id); err == nil && w.Withdraw != nil {
				what = d.amountUnits(w.Withdraw.Asset, res.Amount)
			}
			return output(c, res, func() {
				fmt.Printf("withdrawal %s paid: %s to %s on Ethereum\n", id.Hex(), what, res.To.Hex())
				fmt.Printf("  batch       %d\n", res.Seq)
				if res.ConfirmTx != nil {
					fmt.Printf("  confirm tx  %s (gas %d)\n", res.ConfirmTx.Hex(), res.ConfirmGas)
				}
				fmt.Printf("  payout tx   %s (gas %d)\n", res.PayoutTx.Hex(), res.PayoutGas)
			})
		},
	}
}
