package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/ledger"
	"github.com/urfave/cli/v2"
)

func allocateCommand() *cli.Command {
	return &cli.Command{
		Name:  "allocate",
		Usage: "cover a payment at a merchant from your stored value (balances, gift cards, card purses) with the least left behind",
		Description: "Asks the node (POST /v1/allocate) to choose among the balances the accounts hold in assets of the\n" +
			"payment's currency: the payment asset is accepted everywhere, a gift card only at its issuer.\n" +
			"Each chosen device-account balance comes with a spend authorization, signed by the node when it\n" +
			"holds the key as a wallet, else here with the keystore; a card purse is paid by the card itself.\n" +
			"Hand the output to the merchant's terminal: anonex terminal redeem --auth FILE.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "amount", Required: true, Usage: "the payment, e.g. 12.50"},
			&cli.StringFlag{Name: "asset", Value: "EUR", Usage: "the payment asset `SYMBOL|ID`"},
			&cli.StringFlag{Name: "merchant", Required: true, Usage: "the payee `NAME|ADDRESS`"},
			&cli.StringSliceFlag{Name: "account", Required: true, Usage: "an account of the pool `NAME|ADDRESS` (repeatable; card accounts too)"},
			&cli.StringFlag{Name: "expires", Value: "10m", Usage: "how long the authorizations stay valid (up to 24h)"},
			&cli.StringFlag{Name: "out", Usage: "write the signed allocation to `FILE` (default: stdout with --json)"},
			timeoutFlag, nodeFlag, tokenFlag, keystoreFlag, passFlag, devnetFlag, jsonFlag,
		},
		Action: func(c *cli.Context) error {
			ctx, cancel := context.WithTimeout(c.Context, c.Duration("timeout"))
			defer cancel()
			cl, err := nodeClient(c)
			if err != nil {
				return err
			}
			ks, err := openKeys(c)
			if err != nil {
				return err
			}
			var accounts []string
			for _, q := range c.StringSlice("account") {
				a, err := resolveAccount(ctx, q, ks, cl)
				if err != nil {
					return fmt.Errorf("--account %s: %w", q, err)
				}
				accounts = append(accounts, a.Hex())
			}
			merchant, err := resolveAccount(ctx, c.String("merchant"), ks, cl)
			if err != nil {
				return fmt.Errorf("--merchant: %w", err)
			}
			res, err := cl.Allocate(ctx, api.AllocateRequest{Amount: c.String("amount"), Asset: c.String("asset"),
				Merchant: merchant.Hex(), Accounts: accounts, ExpiresIn: c.String("expires")})
			if err != nil {
				return err
			}
			dom, err := cl.Domain(ctx)
			if err != nil {
				return err
			}
			for i := range res.Spends {
				sp := &res.Spends[i]
				if sp.Access != "authorization" || sp.Signed {
					continue
				}
				key, err := ks.unlock(sp.Account.Hex())
				if err != nil {
					return fmt.Errorf("signing the authorization of %s: %w", sp.Account.Hex(), err)
				}
				sig, err := key.Sign(sp.Authorization.ID(dom))
				if err != nil {
					return err
				}
				sp.Authorization.Sig, sp.Signed, sp.TypedData = ledger.Sig(sig), true, nil
			}
			if f := c.String("out"); f != "" {
				b, _ := json.MarshalIndent(res, "", "  ")
				if err := os.WriteFile(f, append(b, '\n'), 0o600); err != nil {
					return err
				}
			}
			d := newDisplay(c, cl)
			return output(c, res, func() { printAllocation(d, res, c.String("out")) })
		},
	}
}

// printAllocation shows an allocation: what each chosen item pays and what
// stays on it, and what stays behind on gift cards (an open balance keeps
// its rest spendable anywhere: nothing is left behind on it).
func printAllocation(d *display, res api.AllocateResult, out string) {
	how := "proven least"
	if !res.Exact {
		how = "at most " + res.Bound + " " + res.Symbol + " above the least"
	}
	left := "nothing left behind on gift cards"
	if !zeroAmount(res.Residual) {
		left = res.Residual + " " + res.Symbol + " left behind on gift cards"
	}
	fmt.Printf("pay %s %s at %s from %d of %d items: %s (%s; %s in %s)\n", res.Amount, res.Symbol, d.account(res.Merchant),
		len(res.Spends), res.Items, left, how, res.Method, res.Took)
	tw := table()
	for _, sp := range res.Spends {
		kind := "gift card"
		if sp.Open {
			kind = "open balance"
		}
		rest := sp.Left + " " + sp.Symbol + " left on it"
		if zeroAmount(sp.Left) {
			rest = "emptied"
		}
		fmt.Fprintf(tw, "  %s %s\tfrom %s\t%s, %s\tby %s\n", sp.Amount, sp.Symbol, d.account(sp.Account), kind, rest, sp.Access)
	}
	tw.Flush()
	if out != "" {
		fmt.Printf("written to %s: %s terminal redeem --auth %s\n", out, selfCommand(), shellQuote(out))
	}
}

// zeroAmount tells whether an amount as the node writes it is zero.
func zeroAmount(amount string) bool { return strings.Trim(amount, "0.") == "" }

func terminalRedeemCommand() *cli.Command {
	return &cli.Command{
		Name:  "redeem",
		Usage: "redeem the spend authorizations of an allocation (anonex allocate --out FILE) for the merchant",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "auth", Required: true, Usage: "the allocation `FILE` (- for stdin)"},
			&cli.StringFlag{Name: "from", Usage: "the merchant account that redeems (default: the devnet's merchant)"},
			&cli.StringFlag{Name: "wait", Value: string(api.TxSettled), Usage: "`settled` (default) or pending"},
			timeoutFlag, nodeFlag, tokenFlag, keystoreFlag, passFlag, devnetFlag, jsonFlag,
		},
		Action: func(c *cli.Context) error {
			ctx, cancel := context.WithTimeout(c.Context, c.Duration("timeout"))
			defer cancel()
			var raw []byte
			var err error
			if f := c.String("auth"); f == "-" {
				raw, err = io.ReadAll(os.Stdin)
			} else {
				raw, err = os.ReadFile(f)
			}
			if err != nil {
				return err
			}
			var res api.AllocateResult
			if err := json.Unmarshal(raw, &res); err != nil {
				return fmt.Errorf("--auth: not an allocation: %w", err)
			}
			cl, err := nodeClient(c)
			if err != nil {
				return err
			}
			ks, err := openKeys(c)
			if err != nil {
				return err
			}
			from := c.String("from")
			if from == "" {
				if dev, _ := loadDevnet(c); dev != nil && dev.Terminal != nil {
					from = dev.Terminal.Payee
				} else if dev != nil {
					from = "merchant" // the devnet's merchant role
				}
			}
			if from == "" {
				return errors.New("--from: the merchant account that redeems")
			}
			key, err := ks.unlock(from)
			if err != nil {
				return err
			}
			nonce, dom, err := nonceAndDomain(ctx, cl, key.Address())
			if err != nil {
				return err
			}
			type outcome struct {
				Item   string      `json:"item"`
				Amount string      `json:"amount"`
				Symbol string      `json:"symbol"`
				Tx     ledger.Hash `json:"tx,omitempty"`
				Status string      `json:"status"`
				Reason string      `json:"reason,omitempty"`
			}
			var outs []outcome
			var failed error
			for _, sp := range res.Spends {
				o := outcome{Item: sp.Item, Amount: sp.Amount, Symbol: sp.Symbol}
				if sp.Access == "card" {
					o.Status = "collect with the card: " + cardCollectCommand(c, sp, key.Address())
					outs = append(outs, o)
					continue
				}
				if sp.Authorization == nil || !sp.Signed {
					return fmt.Errorf("item %s: the authorization is not signed (sign it with anonex allocate)", sp.Item)
				}
				if sp.Authorization.Payee != key.Address() {
					return fmt.Errorf("item %s is authorized to %s, not to %s", sp.Item, sp.Authorization.Payee.Hex(), key.Address().Hex())
				}
				tx, err := sign(key, &ledger.Redeem{Payee: key.Address(), Auth: *sp.Authorization, Amount: sp.Authorization.Amount, Nonce: nonce}, dom)
				if err != nil {
					return err
				}
				sub, err := cl.Submit(ctx, tx)
				if err != nil {
					o.Status, o.Reason = string(api.TxRejected), err.Error()
					failed = errors.Join(failed, fmt.Errorf("item %s: %w", sp.Item, err))
					outs = append(outs, o)
					continue
				}
				nonce++
				o.Tx, o.Status = sub.ID, string(sub.Status)
				outs = append(outs, o)
			}
			if api.TxStatus(c.String("wait")) == api.TxSettled {
				p := startProgress(c, "waiting for settlement", len(outs))
				defer p.stop()
				for i := range outs {
					p.set(i, "")
					if outs[i].Tx.IsZero() {
						continue
					}
					info, err := cl.WaitTx(ctx, outs[i].Tx)
					if err != nil {
						return err
					}
					outs[i].Status, outs[i].Reason = string(info.Status), info.Reason
					if info.Status != api.TxSettled {
						failed = errors.Join(failed, fmt.Errorf("item %s: %s: %s", outs[i].Item, info.Status, info.Reason))
					}
				}
				p.stop()
			}
			d := newDisplay(c, cl)
			if err := output(c, outs, func() {
				fmt.Printf("redeem %s %s for %s\n", res.Amount, res.Symbol, d.account(key.Address()))
				tw := table()
				for _, o := range outs {
					line := fmt.Sprintf("  %s %s\t%s", o.Amount, o.Symbol, o.Status)
					if !o.Tx.IsZero() {
						line += "  " + o.Tx.Hex()
					}
					if o.Reason != "" {
						line += ": " + o.Reason
					}
					fmt.Fprintln(tw, line)
				}
				tw.Flush()
			}); err != nil {
				return err
			}
			return failed
		},
	}
}

func convertCommand() *cli.Command {
	return &cli.Command{
		Name:  "convert",
		Usage: "turn a merchant's gift card into an open asset at the merchant's redemption offer (and load it onto a card)",
		Description: "POST /v1/conversions on the account's wallet node (it signs the fill and the load), then follows\n" +
			"it: requested → filled → settled (the gift balance checked) → loaded, or failed with a reason.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "from", Required: true, Usage: "the gift holder `NAME|ADDRESS` (a wallet account of the node)"},
			&cli.StringFlag{Name: "gift", Required: true, Usage: "the gift asset `SYMBOL|ID`"},
			&cli.StringFlag{Name: "amount", Usage: "gift units to convert (default: all)"},
			&cli.StringFlag{Name: "to", Usage: "the open asset wanted (default: what the redemption offer gives)"},
			&cli.StringFlag{Name: "load-card", Usage: "card account `ADDRESS` to load the result onto"},
			&cli.StringFlag{Name: "wait", Value: string(api.ConversionSettled), Usage: "`settled` (or loaded with --load-card), or requested"},
			timeoutFlag, nodeFlag, tokenFlag, keystoreFlag, devnetFlag, jsonFlag,
		},
		Action: func(c *cli.Context) error {
			ctx, cancel := context.WithTimeout(c.Context, c.Duration("timeout"))
			defer cancel()
			cl, err := nodeClient(c)
			if err != nil {
				return err
			}
			ks := optionalKeys(c)
			from, err := resolveAccount(ctx, c.String("from"), ks, cl)
			if err != nil {
				return fmt.Errorf("--from: %w", err)
			}
			var conv api.Conversion
			req := api.ConversionRequest{Account: from.Hex(), Gift: c.String("gift"), Amount: c.String("amount"), To: c.String("to"), LoadCard: c.String("load-card")}
			if err := cl.Do(ctx, "POST", "/v1/conversions", req, &conv); err != nil {
				return err
			}
			final := map[api.ConversionStatus]bool{api.ConversionFailed: true, api.ConversionLoaded: true}
			if req.LoadCard == "" {
				final[api.ConversionSettled] = true
			}
			p := startProgress(c, "converting", 0)
			defer p.stop()
			for api.ConversionStatus(c.String("wait")) != api.ConversionRequested && !final[conv.Status] {
				p.set(0, string(conv.Status))
				select {
				case <-ctx.Done():
					return fmt.Errorf("conversion %s is %s: %w", conv.ID.Hex(), conv.Status, ctx.Err())
				case <-time.After(50 * time.Millisecond):
				}
				if err := cl.Do(ctx, "GET", "/v1/conversions/"+conv.ID.Hex(), nil, &conv); err != nil {
					return err
				}
			}
			p.stop()
			d := newDisplay(c, cl)
			if err := output(c, conv, func() {
				fmt.Printf("conversion %s of %s: %s\n", conv.ID.Hex(), d.account(conv.Account), conv.Status)
				fmt.Printf("  %s %s → %s %s at offer %s\n", conv.GiftSpent, conv.GiftSymbol, conv.Received, conv.ToSymbol, conv.Offer.Hex())
				if conv.FillTx != nil {
					fmt.Printf("  fill  %s\n", conv.FillTx.Hex())
				}
				if conv.LoadTx != nil {
					fmt.Printf("  load  %s onto card %s (the card takes it at its next online contact: anonex card update)\n",
						conv.LoadTx.Hex(), d.account(*conv.Card))
				}
				if conv.GiftLeft != "" {
					fmt.Printf("  %s left: %s (depleted: %v)\n", conv.GiftSymbol, conv.GiftLeft, conv.Depleted)
				}
				if conv.Reason != "" {
					fmt.Printf("  %s\n", conv.Reason)
				}
			}); err != nil {
				return err
			}
			if conv.Status == api.ConversionFailed {
				return fmt.Errorf("conversion failed: %s", conv.Reason)
			}
			return nil
		},
	}
}

// cardCollectCommand is the terminal pay command that collects a card's
// share of an allocation, to run as printed: it names the card (the
// terminal refuses another one), the reader the devnet put it in, the
// exact asset the allocation chose, no conversion (the allocation spends
// that purse, not another of the card's), the payee, and the --devnet and
// --node this command was given.
func cardCollectCommand(c *cli.Context, sp api.AllocateSpend, payee ledger.Address) string {
	reader := -1
	if dev, _ := loadDevnet(c); dev != nil {
		for _, card := range dev.Cards {
			if strings.EqualFold(card.Address, sp.Account.Hex()) {
				reader = card.Index
			}
		}
	}
	return collectCommand(selfCommand(), sp, payee, reader, str(c, "devnet"), str(c, "node"))
}

// collectCommand is the command line of cardCollectCommand, run by self
// (the binary, as selfCommand names it).
func collectCommand(self string, sp api.AllocateSpend, payee ledger.Address, reader int, devnetDir, nodeURL string) string {
	args := []string{self, "terminal", "pay", "--amount", sp.Amount, "--currency", sp.Asset.Hex(), "--card", sp.Account.Hex()}
	if reader >= 0 {
		args = append(args, "--reader", strconv.Itoa(reader))
	}
	args = append(args, "--no-convert", "--payee", payee.Hex())
	if devnetDir != "" {
		args = append(args, "--devnet", shellQuote(devnetDir))
	}
	if nodeURL != "" {
		args = append(args, "--node", shellQuote(nodeURL))
	}
	return strings.Join(args, " ")
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	safe := s != ""
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@,+%", r)) {
			safe = false
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
