package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"time"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/client"
	"github.com/anonex/anonex/ledger"
	"github.com/holiman/uint256"
	"github.com/urfave/cli/v2"
)

// amountOf parses "AMOUNT:SYMBOL" against the node's assets.
func amountOf(ctx context.Context, n *client.Client, s string) (api.AssetInfo, *uint256.Int, error) {
	amt, sym, ok := strings.Cut(s, ":")
	if !ok {
		return api.AssetInfo{}, nil, fmt.Errorf("%q: want AMOUNT:SYMBOL, e.g. 10:GOLD", s)
	}
	a, err := n.Asset(ctx, sym)
	if err != nil {
		return a, nil, err
	}
	v, err := ledger.ParseAmount(amt, a.Decimals)
	return a, v, err
}

func offerCommand() *cli.Command {
	common := []cli.Flag{timeoutFlag, nodeFlag, tokenFlag, keystoreFlag, passFlag, devnetFlag, jsonFlag}
	return &cli.Command{
		Name:  "offer",
		Usage: "offers: make, take, cancel, and the book",
		Subcommands: []*cli.Command{
			offerMakeCommand(common),
			offerTakeCommand(common),
			offerCancelCommand(common),
			offerBookCommand(),
		},
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// offerMakeCommand is `make`: sign an offer and put it on the book.
func offerMakeCommand(common []cli.Flag) *cli.Command {
	return &cli.Command{
		Name:  "make",
		Usage: "sign an offer and put it on the book",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "from", Required: true, Usage: "maker `ACCOUNT`"},
			&cli.StringFlag{Name: "give", Required: true, Usage: "what you give, `AMOUNT:SYMBOL`"},
			&cli.StringFlag{Name: "want", Required: true, Usage: "what you want, `AMOUNT:SYMBOL`"},
			&cli.BoolFlag{Name: "partial", Usage: "allow partial fills"},
			&cli.DurationFlag{Name: "expires", Value: time.Hour, Usage: "how long the offer stands"},
		}, common...),
		Action: func(c *cli.Context) error {
			ctx, cancel := context.WithTimeout(c.Context, c.Duration("timeout"))
			defer cancel()
			n, _, key, err := signerFor(c)
			if err != nil {
				return err
			}
			give, ga, err := amountOf(ctx, n, c.String("give"))
			if err != nil {
				return fmt.Errorf("--give: %w", err)
			}
			want, wa, err := amountOf(ctx, n, c.String("want"))
			if err != nil {
				return fmt.Errorf("--want: %w", err)
			}
			dom, err := n.Domain(ctx)
			if err != nil {
				return err
			}
			o := ledger.Offer{Maker: key.Address(), Give: give.ID, GiveAmount: *ga, Want: want.ID, WantAmount: *wa,
				Partial: c.Bool("partial"), Expiry: uint64(time.Now().Add(c.Duration("expires")).Unix())}
			rand.Read(o.Salt[:])
			if err := o.Check(); err != nil {
				return err
			}
			sig, err := key.Sign(dom.Digest(o.StructHash()))
			if err != nil {
				return err
			}
			id, err := n.PostOffer(ctx, &ledger.SignedOffer{Offer: o, Sig: ledger.Sig(sig)})
			if err != nil {
				return err
			}
			return output(c, map[string]string{"id": id.Hex()}, func() {
				fmt.Printf("offer %s\n  gives %s, wants %s, expires %s\n", id.Hex(), c.String("give"), c.String("want"),
					time.Unix(int64(o.Expiry), 0).UTC().Format(time.RFC3339))
			})
		},
	}
}

// offerTakeCommand is `take`: fill an offer (all of it, or --amount of what it gives).
func offerTakeCommand(common []cli.Flag) *cli.Command {
	return &cli.Command{
		Name:  "take",
		Usage: "fill an offer (all of it, or --amount of what it gives)",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "from", Required: true, Usage: "taker `ACCOUNT`"},
			&cli.StringFlag{Name: "offer", Required: true, Usage: "offer `ID`"},
			&cli.StringFlag{Name: "amount", Usage: "how much of the offered asset to take (default: all that is left)"},
			waitFlag,
		}, common...),
		Action: func(c *cli.Context) error {
			ctx, cancel := context.WithTimeout(c.Context, c.Duration("timeout"))
			defer cancel()
			n, key, id, err := offerSigner(c)
			if err != nil {
				return err
			}
			info, err := n.Offer(ctx, id)
			if err != nil {
				return err
			}
			if info.Status != api.OfferOpen {
				return fmt.Errorf("offer %s is %s", id.Hex(), info.Status)
			}
			take := new(uint256.Int)
			if err := take.SetFromDecimal(info.Remaining); err != nil {
				return err
			}
			give, err := n.Asset(ctx, info.Offer.Give.Hex())
			if err != nil {
				return err
			}
			if a := c.String("amount"); a != "" {
				if take, err = ledger.ParseAmount(a, give.Decimals); err != nil {
					return fmt.Errorf("--amount: %w", err)
				}
			}
			nonce, dom, err := nonceAndDomain(ctx, n, key.Address())
			if err != nil {
				return err
			}
			f := &ledger.Fill{Taker: key.Address(), Offer: *info.Offer, Take: *take, Nonce: nonce}
			if err := f.Check(); err != nil {
				return err
			}
			tx, err := sign(key, f, dom)
			if err != nil {
				return err
			}
			pay, _ := ledger.FillPrice(&f.Offer.Offer, take)
			want, _ := n.Asset(ctx, info.Offer.Want.Hex())
			return submitAndWait(c, ctx, n, tx, fmt.Sprintf("take %s %s for %s %s", ledger.FormatAmount(take, give.Decimals), give.Symbol,
				ledger.FormatAmount(pay, want.Decimals), want.Symbol))
		},
	}
}

// offerCancelCommand is `cancel`: withdraw one of your offers.
func offerCancelCommand(common []cli.Flag) *cli.Command {
	return &cli.Command{
		Name:  "cancel",
		Usage: "withdraw one of your offers",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "from", Required: true, Usage: "maker `ACCOUNT`"},
			&cli.StringFlag{Name: "offer", Required: true, Usage: "offer `ID`"},
			waitFlag,
		}, common...),
		Action: func(c *cli.Context) error {
			ctx, cancel := context.WithTimeout(c.Context, c.Duration("timeout"))
			defer cancel()
			n, key, id, err := offerSigner(c)
			if err != nil {
				return err
			}
			nonce, dom, err := nonceAndDomain(ctx, n, key.Address())
			if err != nil {
				return err
			}
			tx, err := sign(key, &ledger.CancelOffer{Maker: key.Address(), Offer: id, Nonce: nonce}, dom)
			if err != nil {
				return err
			}
			return submitAndWait(c, ctx, n, tx, "cancel offer "+id.Hex())
		},
	}
}

// offerBookCommand is `book`: show a pair's book.
func offerBookCommand() *cli.Command {
	return &cli.Command{
		Name:      "book",
		Usage:     "show a pair's book",
		ArgsUsage: "BASE/QUOTE",
		Flags:     []cli.Flag{nodeFlag, devnetFlag, jsonFlag},
		Action: func(c *cli.Context) error {
			base, quote, ok := strings.Cut(c.Args().First(), "/")
			if !ok {
				return fmt.Errorf("give the pair as BASE/QUOTE, e.g. GOLD/EUR")
			}
			n, err := nodeClient(c)
			if err != nil {
				return err
			}
			b, err := n.Book(c.Context, base, quote)
			if err != nil {
				return err
			}
			return output(c, b, func() {
				fmt.Printf("%s/%s  best bid %s  best ask %s\n", b.Base.Symbol, b.Quote.Symbol, orDash(b.BestBid), orDash(b.BestAsk))
				fmt.Printf("  %-14s %-14s  %s\n", "price", "size", "offer")
				for i := len(b.Asks) - 1; i >= 0; i-- {
					l := b.Asks[i]
					fmt.Printf("  ask %-10s %-14s  %s\n", l.Price, l.Size, l.Offer.Hex())
				}
				for _, l := range b.Bids {
					fmt.Printf("  bid %-10s %-14s  %s\n", l.Price, l.Size, l.Offer.Hex())
				}
			})
		},
	}
}

// offerSigner is what offer take and cancel start with: the node, the
// signing key of --from, and the offer --offer names.
func offerSigner(c *cli.Context) (*client.Client, *account.Key, ledger.Hash, error) {
	n, _, key, err := signerFor(c)
	if err != nil {
		return nil, nil, ledger.Hash{}, err
	}
	id, err := ledger.ParseHash(c.String("offer"))
	if err != nil {
		return nil, nil, ledger.Hash{}, fmt.Errorf("--offer: %w", err)
	}
	return n, key, id, nil
}
