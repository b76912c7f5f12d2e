package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"os"
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
	a, err := lookupAsset(ctx, n, sym)
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
			// An offer that crosses the book is not matched: it waits on
			// the book while a better one stands there to be taken.
			crossing := crossingOffers(ctx, n, give, want, ga, wa)
			id, err := n.PostOffer(ctx, &ledger.SignedOffer{Offer: o, Sig: ledger.Sig(sig)})
			if err != nil {
				return err
			}
			d := newDisplay(c, n)
			d.learn(give, want)
			out := struct {
				ID       ledger.Hash `json:"id"`
				Warnings []string    `json:"warnings,omitempty"`
			}{ID: id}
			for _, l := range crossing {
				out.Warnings = append(out.Warnings, fmt.Sprintf("the offer crosses the book: offer %s of %s pays %s %s per %s for up to %s %s, "+
					"at or above your price; offers are not matched, take it: %s offer take --from %s --offer %s",
					l.Offer.Hex(), d.label(l.Maker), l.Price, want.Symbol, give.Symbol, l.Size, give.Symbol, selfCommand(), c.String("from"), l.Offer.Hex()))
			}
			if !isSet(c, "json") {
				for _, w := range out.Warnings {
					fmt.Fprintln(os.Stderr, "warning:", w)
				}
			}
			return output(c, out, func() {
				fmt.Printf("offer %s\n  gives %s, wants %s (%s %s per %s), expires %s\n", id.Hex(), d.amount(give.ID, ga), d.amount(want.ID, wa),
					price(wa, want.Decimals, ga, give.Decimals), want.Symbol, give.Symbol, time.Unix(int64(o.Expiry), 0).UTC().Format(time.RFC3339))
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
			d := newDisplay(c, n)
			give, ok := d.asset(info.Offer.Give)
			if !ok {
				return fmt.Errorf("the offer gives asset %s, which the node does not know", info.Offer.Give.Hex())
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
			return submitAndWait(c, ctx, n, tx, fmt.Sprintf("take %s for %s from %s", d.amount(give.ID, take), d.amount(info.Offer.Want, pay),
				d.account(info.Offer.Maker)))
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
			// A cancel of an offer that no longer stands would use a nonce
			// for nothing; a second cancel is refused here, the first one
			// pending or settled.
			info, err := n.Offer(ctx, id)
			if isCode(err, api.CodeUnknownOffer) {
				// A node keeps every open offer; one that left the book
				// (filled, cancelled, expired) it forgets once settled.
				return fmt.Errorf("offer %s is not open on this node (filled, cancelled or expired, or never posted here): nothing to cancel", id.Hex())
			}
			if err != nil {
				return err
			}
			if info.Status != api.OfferOpen {
				return fmt.Errorf("offer %s is %s already: nothing to cancel", id.Hex(), info.Status)
			}
			if info.Offer.Maker != key.Address() {
				d := newDisplay(c, n)
				return fmt.Errorf("offer %s was made by %s, not by %s: only its maker cancels it", id.Hex(),
					d.account(info.Offer.Maker), d.account(key.Address()))
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
			ba, err := lookupAsset(c.Context, n, base)
			if err != nil {
				return fmt.Errorf("%s/%s: %w", base, quote, err)
			}
			qa, err := lookupAsset(c.Context, n, quote)
			if err != nil {
				return fmt.Errorf("%s/%s: %w", base, quote, err)
			}
			b, err := n.Book(c.Context, ba.ID.Hex(), qa.ID.Hex())
			if err != nil {
				return err
			}
			d := newDisplay(c, n)
			return output(c, b, func() {
				per := b.Quote.Symbol + " per " + b.Base.Symbol
				fmt.Printf("%s/%s  best bid %s  best ask %s  (%s)\n", b.Base.Symbol, b.Quote.Symbol, orDash(b.BestBid), orDash(b.BestAsk), per)
				tw := table()
				fmt.Fprintf(tw, "  \tprice\tsize\ttotal\tmaker\toffer\n")
				row := func(side string, l api.BookLevel) {
					fmt.Fprintf(tw, "  %s\t%s %s\t%s %s\t%s %s\t%s\t%s\n", side, l.Price, per, l.Size, b.Base.Symbol, l.Total, b.Quote.Symbol,
						d.label(l.Maker), l.Offer.Hex())
				}
				for i := len(b.Asks) - 1; i >= 0; i-- {
					row("ask", b.Asks[i])
				}
				for _, l := range b.Bids {
					row("bid", l)
				}
				tw.Flush()
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

// price is the price of an offer wanting want (of wantDec decimals) for
// give (of giveDec decimals), in want's units per give's unit, at want's
// decimals (rounded down).
func price(want *uint256.Int, wantDec uint8, give *uint256.Int, giveDec uint8) string {
	if give.IsZero() {
		return "-"
	}
	r := new(big.Rat).SetFrac(want.ToBig(), give.ToBig())
	r.Mul(r, new(big.Rat).SetFrac(pow10(giveDec), pow10(wantDec)))
	q := new(big.Int).Quo(new(big.Int).Mul(r.Num(), pow10(wantDec)), r.Denom())
	v, _ := uint256.FromBig(q)
	return ledger.FormatAmount(v, wantDec)
}

func pow10(n uint8) *big.Int { return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil) }

// crossingOffers lists the offers of the book that already pay at least
// what an offer giving ga of give for wa of want asks: the bids of the
// give/want book whose price (total over size) is at or above wa/ga. The
// node does not match offers, so such an offer would wait while these
// could be taken. A book the node cannot give means no warning.
func crossingOffers(ctx context.Context, n *client.Client, give, want api.AssetInfo, ga, wa *uint256.Int) []api.BookLevel {
	b, err := n.Book(ctx, give.ID.Hex(), want.ID.Hex())
	if err != nil || ga.IsZero() {
		return nil
	}
	scale := func(v *uint256.Int, dec uint8) *big.Rat { return new(big.Rat).SetFrac(v.ToBig(), pow10(dec)) }
	mine := new(big.Rat).Quo(scale(wa, want.Decimals), scale(ga, give.Decimals))
	var out []api.BookLevel
	for _, l := range b.Bids {
		total, ok1 := new(big.Rat).SetString(l.Total)
		size, ok2 := new(big.Rat).SetString(l.Size)
		if !ok1 || !ok2 || size.Sign() == 0 {
			continue
		}
		if new(big.Rat).Quo(total, size).Cmp(mine) >= 0 {
			out = append(out, l)
		}
	}
	return out
}
