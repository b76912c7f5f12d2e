package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/cardbridge"
	"github.com/anonex/anonex/cardbridge/apdu"
	"github.com/anonex/anonex/cardbridge/applet"
	"github.com/anonex/anonex/cardbridge/cardclient"
	"github.com/anonex/anonex/cardbridge/cardproto"
	"github.com/anonex/anonex/cardbridge/pcsc"
	"github.com/anonex/anonex/cardbridge/terminal"
	"github.com/anonex/anonex/cardbridge/terminal/queue"
	"github.com/anonex/anonex/cardbridge/vcard"
	"github.com/anonex/anonex/client"
	"github.com/anonex/anonex/ledger"
	"github.com/holiman/uint256"
	"github.com/urfave/cli/v2"
)

var (
	readerFlag    = &cli.IntFlag{Name: "reader", Usage: "vpcd reader `N` (0 or 1)"}
	cardStateFlag = &cli.StringFlag{Name: "card-state", Usage: "use the virtual card in `FILE` in process instead of a reader"}
	queueFlag     = &cli.StringFlag{Name: "queue", Usage: "the terminal's `DIR`: its record store and terminal.json (default: the devnet's terminal, else ~/.anonex/terminal)"}
)

// openCard opens the card the flags name (cardbridge.Open): through pcscd
// in reader N, or a card state file in process — also the devnet's card
// N when pcscd was missing to the devnet.
// openCardStatus opens the card the flags name (--reader, --card-state),
// selects it and reads its status.
func openCardStatus(c *cli.Context) (*cardclient.Client, cardproto.Status, func(), error) {
	cl, done, err := openCard(c, c.Int("reader"), c.String("card-state"))
	if err != nil {
		return nil, cardproto.Status{}, nil, err
	}
	if _, err := cl.Select(); err != nil {
		done()
		return nil, cardproto.Status{}, nil, cardErr(fmt.Sprintf("the card in reader %d", c.Int("reader")), err)
	}
	st, err := cl.Status()
	if err != nil {
		done()
		return nil, cardproto.Status{}, nil, cardErr(fmt.Sprintf("the card in reader %d", c.Int("reader")), err)
	}
	return cl, st, done, nil
}

func openCard(c *cli.Context, readerIndex int, stateFile string) (*cardclient.Client, func(), error) {
	if stateFile == "" {
		if dev, _ := loadDevnet(c); dev != nil {
			for _, card := range dev.Cards {
				if card.Index == readerIndex && card.Transport == "file" {
					stateFile = card.State
					notice(c, "notice: pcscd was not available to the devnet: using the card's state file in process\n")
				}
			}
		}
	}
	card, err := cardbridge.Open(c.Context, cardbridge.Source{Reader: readerIndex, State: stateFile})
	if err != nil {
		return nil, nil, readerError(c, readerIndex, stateFile, err)
	}
	return card.Client, func() { card.Close() }, nil
}

// readerError says which readers there are when the one asked for is not:
// the devnet's cards by reader, or the readers pcscd has.
func readerError(c *cli.Context, reader int, stateFile string, err error) error {
	if stateFile != "" {
		return fmt.Errorf("the card state file %s: %w", stateFile, err)
	}
	var none *pcsc.NoReaderError
	if dev, _ := loadDevnet(c); dev != nil && len(dev.Cards) > 0 && (errors.Is(err, pcsc.ErrNoService) || errors.As(err, &none)) {
		d := newDisplay(c, nil)
		var have []string
		for _, k := range dev.Cards {
			if a, perr := ledger.ParseAddress(k.Address); perr == nil {
				have = append(have, fmt.Sprintf("reader %d holds %s", k.Index, d.account(a)))
			}
		}
		msg := fmt.Sprintf("--reader %d: the devnet has no card there: %s", reader, strings.Join(have, ", "))
		if none != nil {
			return fmt.Errorf("%s (%w)", msg, err)
		}
		// The devnet's cards run in process: pcscd is no part of it.
		return errors.New(msg)
	}
	if errors.As(err, &none) {
		return fmt.Errorf("--reader %d: %w", reader, err)
	}
	return err
}

// cardErr says what a card's refusal or a failure to reach it means, in
// the words terminal pay uses (terminal.Refusal), naming the card by the
// part it plays ("the paying card"); it unwraps to the card's error. Any
// other error (the node's, a refusal before the card was asked) keeps its
// own words.
func cardErr(who string, err error) error {
	if err == nil {
		return nil
	}
	var sw *apdu.SWError
	if !errors.As(err, &sw) && !errors.Is(err, pcsc.ErrCardRemoved) && !errors.Is(err, pcsc.ErrNoCard) && !errors.Is(err, pcsc.ErrCardReset) {
		return fmt.Errorf("%s: %w", who, err)
	}
	_, reason := terminal.Refusal(err)
	return &cardError{who: who, reason: reason, err: err}
}

type cardError struct {
	who, reason string
	err         error
}

func (e *cardError) Error() string {
	var sw *apdu.SWError
	if errors.As(e.err, &sw) {
		return fmt.Sprintf("%s: %s (status word %04X)", e.who, e.reason, sw.SW)
	}
	return e.who + ": " + e.reason
}

func (e *cardError) Unwrap() error { return e.err }

func cardCommand() *cli.Command {
	common := []cli.Flag{readerFlag, cardStateFlag, nodeFlag, tokenFlag, keystoreFlag, passFlag, devnetFlag, jsonFlag}
	return &cli.Command{
		Name:  "card",
		Usage: "smart cards: virtual cards, personalization, loads, card to card",
		Subcommands: []*cli.Command{
			cardVirtualCommand(),
			cardStatusCommand(common),
			cardInitCommand(common),
			cardLoadCommand(common),
			cardUpdateCommand(common),
			cardBlockCommand(),
			cardHotlistCommand(),
			cardLimitsCommand(common),
			cardSendCommand(),
		},
	}
}

func printCardStatus(d *display, st *cardproto.Status) {
	life := []string{"blank", "keyed", "active", "terminated"}[min(int(st.Life), 3)]
	fmt.Printf("card %s (%s)\n  owner %s\n  counter %d, PIN tries %d, PUK tries %d\n", d.account(st.Address), life, d.account(st.Owner),
		st.Counter, st.PINLeft, st.PUKLeft)
	for i := range st.Purses {
		p := &st.Purses[i]
		received := new(uint256.Int)
		if i == 0 {
			received = &st.ReceivedValue // counted in the first purse
		}
		fmt.Printf("  %s purse: spends %s (T %s, D %s; update %d)\n", d.symbol(p.Asset), d.amount(p.Asset, client.SetAmount(p, received)),
			d.amount(p.Asset, &p.T), d.amount(p.Asset, &p.D), p.Seq)
		fmt.Printf("    offline up to %s, %d offline in a row; no PIN up to %s\n",
			d.amount(p.Asset, &p.Limits.OfflineCap), p.Limits.OfflineMax, d.amount(p.Asset, &p.Limits.NoPinLimit))
	}
	if st.Received > 0 && len(st.Purses) > 0 {
		fmt.Printf("  %d received card-to-card records not yet confirmed (%s)\n", st.Received, d.amount(st.Purses[0].Asset, &st.ReceivedValue))
	}
}

// cardSend runs a card-to-card payment between the two readers.
func cardSend(c *cli.Context) error {
	if p := c.String("pin"); p != "" {
		if err := checkPIN(p); err != nil {
			return fmt.Errorf("--pin: %w", err)
		}
	}
	ctx, cancel := context.WithTimeout(c.Context, time.Minute)
	defer cancel()
	n, err := nodeClient(c)
	if err != nil {
		return err
	}
	asset, amount, err := assetAmount(ctx, c, n, "asset")
	if err != nil {
		return err
	}
	if amount.IsZero() {
		return errors.New("--amount: a card-to-card payment moves a positive amount")
	}
	d := newDisplay(c, n)
	d.learn(asset)
	fromR, toR := c.Int("from-reader"), c.Int("to-reader")
	payer, receiver := fmt.Sprintf("the paying card (reader %d)", fromR), fmt.Sprintf("the receiving card (reader %d)", toR)
	if fromR == toR {
		return fmt.Errorf("--from-reader and --to-reader are both %d: the paying and the receiving card are two cards in two readers", fromR)
	}
	a, doneA, err := openCard(c, fromR, "")
	if err != nil {
		return err
	}
	defer doneA()
	b, doneB, err := openCard(c, toR, "")
	if err != nil {
		return err
	}
	defer doneB()
	infoA, err := a.Select()
	if err != nil {
		return cardErr(payer, err)
	}
	infoB, err := b.Select()
	if err != nil {
		return cardErr(receiver, err)
	}
	// What the cards would refuse is said before anything is asked of
	// them (a wrong PIN costs a try): the same card twice, a purse either
	// lacks, too little on the paying one (card to card spends confirmed
	// value only: T − D).
	if infoA.Address == infoB.Address {
		return fmt.Errorf("the cards in readers %d and %d are the same card, %s", fromR, toR, d.account(infoA.Address))
	}
	stA, err := a.Status()
	if err != nil {
		return cardErr(payer, err)
	}
	stB, err := b.Status()
	if err != nil {
		return cardErr(receiver, err)
	}
	pa, pb := stA.Purse(asset.ID), stB.Purse(asset.ID)
	switch {
	case pa == nil:
		return fmt.Errorf("%s, %s, holds no %s purse", payer, d.account(infoA.Address), asset.Symbol)
	case pb == nil:
		return fmt.Errorf("%s, %s, holds no %s purse", receiver, d.account(infoB.Address), asset.Symbol)
	}
	if avail := client.SetAmount(pa, new(uint256.Int)); avail.Lt(amount) {
		return fmt.Errorf("insufficient funds on %s, %s: it can send %s (T %s − D %s), the payment is %s",
			payer, d.account(infoA.Address), d.amount(asset.ID, avail), d.amount(asset.ID, &pa.T), d.amount(asset.ID, &pa.D), d.amount(asset.ID, amount))
	}
	say := fmt.Fprintf
	if c.Bool("yes") {
		say = func(_ io.Writer, format string, args ...any) (int, error) { notice(c, format, args...); return 0, nil }
	}
	say(os.Stderr, "paying card    %s (reader %d)\nreceiving card %s (reader %d)\namount         %s\n",
		d.account(infoA.Address), fromR, d.account(infoB.Address), toR, d.amount(asset.ID, amount))
	if !c.Bool("yes") {
		ans, err := prompt("confirm both cards [y/N]: ")
		if err != nil || !strings.EqualFold(strings.TrimSpace(ans), "y") {
			return errors.New("not confirmed: nothing was sent")
		}
	}
	pin := c.String("pin")
	if pin == "" {
		pin = devnetPIN(c, infoA.Address)
	}
	if pin == "" {
		if pin, err = readPIN("PIN of the paying card: "); err != nil {
			return err
		}
	}
	if err := checkPIN(pin); err != nil {
		return err
	}
	dom, err := n.Domain(ctx)
	if err != nil {
		return err
	}
	q, err := terminalQueue(c)
	if err != nil {
		return err
	}
	defer q.Close()
	// The host queues A's record for the network before B takes it.
	tx, sendErr := client.CardToCard(a, b, asset.ID, amount, pin, func(tx *ledger.Tx, counter uint64) error {
		return q.Put(tx.ID(dom), infoA.Address, counter, tx.Encode())
	})
	if tx == nil {
		if errors.Is(sendErr, client.ErrReceivingCard) {
			return cardErr(receiver, sendErr)
		}
		return cardErr(payer, sendErr)
	}
	id := tx.ID(dom)
	if _, err := n.Submit(ctx, tx); err == nil {
		q.Done(id)
	}
	if sendErr != nil {
		return fmt.Errorf("%s paid %s: its record %s is queued for the network, which credits the receiving card's account; "+
			"but %w", payer, d.amount(asset.ID, amount), id.Hex(), cardErr(receiver+" did not take the record", sendErr))
	}
	out := map[string]string{"from": infoA.Address.Hex(), "to": infoB.Address.Hex(), "tx_id": id.Hex(),
		"asset": asset.ID.Hex(), "amount": ledger.FormatAmount(amount, asset.Decimals)}
	return output(c, out, func() {
		fmt.Printf("sent %s from %s to %s\n  record %s queued for the network\n", d.amount(asset.ID, amount),
			d.account(infoA.Address), d.account(infoB.Address), id.Hex())
	})
}

// devnetPIN finds a devnet card's PIN (the devnet plays the cardholder).
func devnetPIN(c *cli.Context, card ledger.Address) string {
	if dev, _ := loadDevnet(c); dev != nil {
		for _, k := range dev.Cards {
			if strings.EqualFold(k.Address, card.Hex()) {
				return k.PIN
			}
		}
	}
	return ""
}

func terminalQueue(c *cli.Context) (*queue.Queue, error) {
	return queue.Open(terminalDir(c))
}

func terminalCommand() *cli.Command {
	return &cli.Command{
		Name:  "terminal",
		Usage: "a merchant terminal: take card payments, forward queued records, redeem spend authorizations",
		Subcommands: []*cli.Command{
			terminalRedeemCommand(),
			terminalSetupCommand(),
			{
				Name:  "pay",
				Usage: "take a payment from the card in the reader: offline within the floor limit, online otherwise",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "amount", Required: true, Usage: "e.g. 12.50"},
					&cli.StringFlag{Name: "currency", Value: "EUR", Usage: "the asset the terminal prices in (`SYMBOL|ID`)"},
					&cli.StringFlag{Name: "pin", Usage: "the cardholder's PIN when needed (default: the devnet's)"},
					&cli.StringFlag{Name: "payee", Usage: "the merchant account payments go to (default: the devnet's)"},
					&cli.StringFlag{Name: "floor", Usage: "offline floor limit in the currency (default: the devnet's)"},
					&cli.StringSliceFlag{Name: "trusted", Usage: "trusted issuer `ADDRESS` (repeatable; default: the devnet's)"},
					queueFlag,
					&cli.BoolFlag{Name: "no-wait", Usage: "approve an online payment once the network has the record, without waiting for settlement"},
					&cli.BoolFlag{Name: "convert", Usage: "pay by conversion from another of the card's purses (ETH, say) even if it could pay in the currency"},
					&cli.BoolFlag{Name: "no-convert", Usage: "never convert: decline what the card cannot pay in the currency"},
					&cli.StringFlag{Name: "wallet", Usage: "the cardholder's wallet node `URL` for conversions (default: --node)"},
					&cli.StringFlag{Name: "card", Usage: "charge only the card with this account `ADDRESS`: refuse any other card in the reader"},
					&cli.BoolFlag{Name: "yes", Usage: "accept a conversion's quote without asking (for scripts)"},
					readerFlag, cardStateFlag, nodeFlag, devnetFlag, jsonFlag,
				},
				Action: terminalPay,
			},
			{
				Name:  "recover",
				Usage: "after a card was pulled mid-payment: read the card's records back and settle the payment if it signed",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "challenge", Required: true, Usage: "the in_doubt challenge `ID` the payment printed"},
					&cli.StringFlag{Name: "payee", Usage: "the merchant account (default: the devnet's)"},
					queueFlag, readerFlag, cardStateFlag, nodeFlag, devnetFlag, jsonFlag,
				},
				Action: func(c *cli.Context) error {
					ch, err := ledger.ParseHash(c.String("challenge"))
					if err != nil {
						return fmt.Errorf("--challenge: %w", err)
					}
					n, err := nodeClient(c)
					if err != nil {
						return err
					}
					dom, err := n.Domain(c.Context)
					if err != nil {
						return err
					}
					payee := c.String("payee")
					if dev, _ := loadDevnet(c); payee == "" && dev != nil && dev.Terminal != nil {
						payee = dev.Terminal.Payee
					}
					cfg := &terminal.Config{Domain: dom, Net: client.TerminalNet{C: n}}
					if cfg.Payee, err = ledger.ParseAddress(payee); err != nil {
						return fmt.Errorf("--payee: %w", err)
					}
					q, err := terminalQueue(c)
					if err != nil {
						return err
					}
					defer q.Close()
					cfg.Queue = q
					cl, done, err := openCard(c, c.Int("reader"), c.String("card-state"))
					if err != nil {
						return err
					}
					defer done()
					res := terminal.Recover(c.Context, cfg, cl.T, ch)
					return output(c, res, func() { fmt.Printf("%s: %s %s\n", res.Status, res.Reason, res.TxID.Hex()) })
				},
			},
			{
				Name:  "flush",
				Usage: "forward the records this terminal still holds",
				Flags: []cli.Flag{queueFlag, nodeFlag, devnetFlag, jsonFlag},
				Action: func(c *cli.Context) error {
					n, err := nodeClient(c)
					if err != nil {
						return err
					}
					q, err := terminalQueue(c)
					if err != nil {
						return err
					}
					defer q.Close()
					left, err := terminal.Forward(c.Context, &terminal.Config{Queue: q, Net: client.TerminalNet{C: n}})
					if err == nil {
						refreshState(c.Context, n, terminalDir(c))
					}
					out := map[string]any{"left": left}
					if err != nil {
						out["error"] = err.Error()
					}
					return output(c, out, func() { fmt.Printf("%d records left to forward\n", left) })
				},
			},
		},
	}
}

func terminalPay(c *cli.Context) error {
	if p := c.String("pin"); p != "" {
		if err := checkPIN(p); err != nil {
			return fmt.Errorf("--pin: %w", err)
		}
	}
	ctx, cancel := context.WithTimeout(c.Context, time.Minute)
	defer cancel()
	n, err := nodeClient(c)
	if err != nil {
		return err
	}
	// What the terminal needs comes from the node when it answers, and
	// from the terminal's own state and devnet.json when it does not:
	// offline payments need no network.
	ts, err := resolveTerminal(ctx, c, n, c.String("currency"))
	if err != nil {
		return err
	}
	asset := api.AssetInfo{ID: ts.asset.ID, Symbol: ts.asset.Symbol, Decimals: ts.asset.Decimals}
	amount, err := ledger.ParseAmount(c.String("amount"), asset.Decimals)
	if err != nil {
		return fmt.Errorf("--amount: %w", err)
	}
	dev, _ := loadDevnet(c)
	net := client.TerminalNet{C: n}
	if w := c.String("wallet"); w != "" {
		net.Wallet = client.New(w, "")
	}
	cfg := &terminal.Config{Domain: ts.domain, WaitSettled: !c.Bool("no-wait"), Net: net, Floor: map[ledger.Hash]*uint256.Int{},
		Convert: !c.Bool("no-convert"), HotList: ts.state.hotList()}
	payee, floor, trusted := c.String("payee"), c.String("floor"), c.StringSlice("trusted")
	if dev != nil && dev.Terminal != nil {
		if payee == "" {
			payee = dev.Terminal.Payee
		}
		if floor == "" {
			floor = dev.Terminal.Floor[asset.ID.Hex()]
		}
		if len(trusted) == 0 {
			trusted = dev.Terminal.Trusted
		}
	}
	if payee == "" {
		payee = ts.state.Payee
	}
	if len(trusted) == 0 {
		trusted = ts.state.Trusted
	}
	if payee == "" || len(trusted) == 0 {
		return errors.New("the terminal needs --payee and --trusted (or --devnet DIR, or `anonex terminal setup`)")
	}
	if cfg.Payee, err = ledger.ParseAddress(payee); err != nil {
		return fmt.Errorf("--payee: %w", err)
	}
	for _, t := range trusted {
		a, err := ledger.ParseAddress(t)
		if err != nil {
			return fmt.Errorf("--trusted: %w", err)
		}
		cfg.Trusted = append(cfg.Trusted, a)
	}
	if floor != "" {
		f, err := ledger.ParseAmount(floor, asset.Decimals)
		if err != nil {
			return fmt.Errorf("--floor: %w", err)
		}
		cfg.Floor[asset.ID] = f
	} else if f, ok, err := floorOf(ts.state.Floor, ts.asset); err != nil {
		return fmt.Errorf("%s: floor: %w", statePath(ts.dir), err)
	} else if ok {
		cfg.Floor[asset.ID] = f
	}
	q, err := terminalQueue(c)
	if err != nil {
		return err
	}
	defer q.Close()
	cfg.Queue = q
	cl, done, err := openCard(c, c.Int("reader"), c.String("card-state"))
	if err != nil {
		return err
	}
	defer done()
	if want := c.String("card"); want != "" {
		if err := checkCard(cl, want, c.Int("reader")); err != nil {
			return err
		}
	}
	cfg.PIN = func() (string, error) {
		if p := c.String("pin"); p != "" {
			return p, nil // checked above
		}
		info, err := cl.Select()
		if err == nil {
			if p := devnetPIN(c, info.Address); p != "" {
				return p, checkPIN(p)
			}
		}
		return readPIN("PIN: ")
	}
	d := newDisplay(c, n)
	d.learn(asset)
	cfg.Confirm = func(q terminal.Quote) bool { return confirmConversion(c, d, q) }
	var res terminal.Result
	if c.Bool("convert") {
		res = terminal.PayConverted(ctx, cfg, cl.T, asset.ID, amount)
	} else {
		res = terminal.Pay(ctx, cfg, cl.T, asset.ID, amount)
	}
	if err := output(c, res, func() { printPayment(d, asset, amount, res) }); err != nil {
		return err
	}
	if res.Status != "approved" {
		return cli.Exit("payment declined: "+res.Reason, 2)
	}
	return nil
}

// printPayment prints a terminal's payment: the outcome, what the card
// could spend when it had too little, a conversion with its rate, and the
// update values written to the card.
func printPayment(d *display, asset api.AssetInfo, amount *uint256.Int, res terminal.Result) {
	fmt.Printf("%s %s: %s", res.Mode, d.amount(asset.ID, amount), res.Status)
	if res.Reason != "" {
		fmt.Printf(" — %s (%s)", res.Reason, res.Code)
	}
	fmt.Println()
	if res.Card != "" {
		if a, err := ledger.ParseAddress(res.Card); err == nil {
			fmt.Printf("  card %s\n", d.account(a))
		}
	}
	if !res.TxID.IsZero() {
		fmt.Printf("  tx %s\n", res.TxID.Hex())
	}
	if res.Available != "" {
		fmt.Printf("  the card's %s purse can spend %s\n", asset.Symbol, d.amountUnits(asset.ID, res.Available))
	}
	if cv := res.Conversion; cv != nil {
		fmt.Printf("  converted: the card paid %s to its owner's wallet, which paid the %s (%s; record %s)\n",
			d.amountUnits(cv.Asset, cv.Amount), d.amount(asset.ID, amount), rateOf(d, asset.ID, amount, cv.Asset, cv.Amount), cv.Record.Hex())
	}
	for _, u := range res.Updates {
		fmt.Printf("  card update written: %s purse T %s → %s\n", d.symbol(u.Asset), d.amountUnits(u.Asset, u.Before), d.amountUnits(u.Asset, u.After))
	}
	if res.InDoubt != nil {
		fmt.Printf("  the card may have signed: put it back and run\n    %s terminal recover --challenge %s\n", selfCommand(), res.InDoubt.Hex())
	}
}

// rateOf is the rate of a conversion that paid fiat with paid units of
// asset: "2985.07 EUR per ETH".
func rateOf(d *display, fiat ledger.Hash, fiatUnits *uint256.Int, asset ledger.Hash, paidUnits string) string {
	paid, err := uint256.FromDecimal(paidUnits)
	fa, ok1 := d.asset(fiat)
	pa, ok2 := d.asset(asset)
	if err != nil || !ok1 || !ok2 {
		return "rate unknown"
	}
	return price(fiatUnits, fa.Decimals, paid, pa.Decimals) + " " + fa.Symbol + " per " + pa.Symbol
}

// confirmConversion shows a conversion's quote before the card signs and
// asks the cardholder to accept it, unless --yes. Without a terminal to
// ask on (and no answer on stdin) the conversion is not accepted.
func confirmConversion(c *cli.Context, d *display, q terminal.Quote) bool {
	quote := fmt.Sprintf("conversion: the card pays %s to its owner's wallet, which pays the %s (%s)\n",
		d.amount(q.Asset, &q.Amount), d.amount(q.Fiat, &q.FiatAmount), rateOf(d, q.Fiat, &q.FiatAmount, q.Asset, q.Amount.Dec()))
	if c.Bool("yes") {
		notice(c, "%s", quote)
		return true
	}
	fmt.Fprint(os.Stderr, quote)
	ans, err := prompt("accept the conversion? [y/N]: ")
	return err == nil && strings.EqualFold(strings.TrimSpace(ans), "y")
}

// purseLimits is one purse's limits as `anonex card limits` shows them,
// in the asset's units.
type purseLimits struct {
	Asset      ledger.Hash `json:"asset"`
	Symbol     string      `json:"symbol"`
	OfflineCap string      `json:"offline_cap"`
	OfflineMax uint8       `json:"offline_max"`
	NoPinLimit string      `json:"no_pin_limit"`
	Seq        uint64      `json:"seq"`
}

func purseLimitsOut(a api.AssetInfo, l *cardproto.Limits, seq uint64) purseLimits {
	return purseLimits{Asset: a.ID, Symbol: a.Symbol, OfflineCap: ledger.FormatAmount(&l.OfflineCap, a.Decimals),
		OfflineMax: l.OfflineMax, NoPinLimit: ledger.FormatAmount(&l.NoPinLimit, a.Decimals), Seq: seq}
}

func printPurseLimits(p *purseLimits) {
	fmt.Printf("  %s: offline up to %s %s, %d offline in a row; no PIN up to %s %s\n", p.Symbol, p.OfflineCap, p.Symbol,
		p.OfflineMax, p.NoPinLimit, p.Symbol)
}

// showLimits prints each purse's limits with its asset's symbol and units.
func showLimits(ctx context.Context, c *cli.Context, n *client.Client, st *cardproto.Status) error {
	var out []purseLimits
	for i := range st.Purses {
		p := &st.Purses[i]
		a, err := n.Asset(ctx, p.Asset.Hex())
		if err != nil {
			return fmt.Errorf("the card's purse %s: %w", p.Asset.Hex(), err)
		}
		out = append(out, purseLimitsOut(a, &p.Limits, p.LimitsSeq))
	}
	return output(c, out, func() {
		fmt.Printf("limits of card %s, per purse:\n", newDisplay(c, n).account(st.Address))
		for i := range out {
			printPurseLimits(&out[i])
		}
	})
}

// limitsFlags reads --offline-cap, --offline-max and --no-pin.
func limitsFlags(c *cli.Context, decimals uint8) (cardproto.Limits, error) {
	var lim cardproto.Limits
	for flag, dst := range map[string]*uint256.Int{"offline-cap": &lim.OfflineCap, "no-pin": &lim.NoPinLimit} {
		v, err := ledger.ParseAmount(c.String(flag), decimals)
		if err != nil {
			return lim, fmt.Errorf("--%s: %w", flag, err)
		}
		*dst = *v
	}
	if c.Uint("offline-max") > 255 {
		return lim, fmt.Errorf("--offline-max %d: at most 255", c.Uint("offline-max"))
	}
	lim.OfflineMax = uint8(c.Uint("offline-max"))
	return lim, nil
}

// checkCard refuses a card in the reader other than the one wanted, before
// anything is asked of it.
func checkCard(cl *cardclient.Client, want string, reader int) error {
	addr, err := ledger.ParseAddress(want)
	if err != nil {
		return fmt.Errorf("--card: %w", err)
	}
	info, err := cl.Select()
	if err != nil {
		return fmt.Errorf("reading the card in reader %d: %w", reader, err)
	}
	if info.Address != addr {
		return fmt.Errorf("the card in reader %d is %s, not %s: nothing was charged; put card %s in the reader (or give the --reader that holds it)",
			reader, info.Address.Hex(), addr.Hex(), addr.Hex())
	}
	return nil
}

// cardVirtualCommand is `anonex card virtual`: run a virtual card in a vpcd reader, its state kept in a file.
func cardVirtualCommand() *cli.Command {
	return &cli.Command{
		Name:  "virtual",
		Usage: "run a virtual card in a vpcd reader, its state kept in a file",
		Flags: []cli.Flag{readerFlag, &cli.StringFlag{Name: "state", Required: true, Usage: "card memory `FILE` (created when missing)"}},
		Action: func(c *cli.Context) error {
			m, err := applet.OpenFileMedium(c.String("state"))
			if err != nil {
				return err
			}
			defer m.Close()
			card, err := applet.New(m, rand.Reader)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
			defer stop()
			addr := vcard.ReaderAddr(c.Int("reader"))
			fmt.Fprintf(os.Stderr, "virtual card in vpcd reader %d (%s); Ctrl-C removes it\n", c.Int("reader"), addr)
			return vcard.Run(ctx, addr, card)
		},
	}
}

// cardStatusCommand is `anonex card status`: show a card's status.
func cardStatusCommand(common []cli.Flag) *cli.Command {
	return &cli.Command{
		Name:  "status",
		Usage: "show a card's status",
		Flags: common,
		Action: func(c *cli.Context) error {
			_, st, done, err := openCardStatus(c)
			if err != nil {
				return err
			}
			defer done()
			return output(c, &st, func() { printCardStatus(newDisplay(c, optionalNode(c)), &st) })
		},
	}
}

// cardInitCommand is `anonex card init`: personalize a blank card: key made on the card, issuer certificate and registration, owner, PIN, PUK, limits.
func cardInitCommand(common []cli.Flag) *cli.Command {
	return &cli.Command{
		Name:  "init",
		Usage: "personalize a blank card: key made on the card, issuer certificate and registration, owner, PIN, PUK, limits",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "owner", Required: true, Usage: "owner's account `NAME|ADDRESS`"},
			&cli.StringFlag{Name: "pin", Required: true, Usage: "6-12 digits"},
			&cli.StringFlag{Name: "puk", Required: true, Usage: "8-12 digits"},
			&cli.StringFlag{Name: "asset", Value: "EUR", Usage: "the purse's asset `SYMBOL|ID`"},
			&cli.StringFlag{Name: "offline-cap", Value: "50.00", Usage: "the purse's largest offline payment, in its asset"},
			&cli.UintFlag{Name: "offline-max", Value: 5, Usage: "consecutive offline payments before one must go online"},
			&cli.StringFlag{Name: "no-pin", Value: "25.00", Usage: "the purse's largest payment without PIN, in its asset"},
		}, common...),
		Action: func(c *cli.Context) error {
			if err := checkPIN(c.String("pin")); err != nil {
				return fmt.Errorf("--pin: %w", err)
			}
			if err := cardproto.CheckPUK(c.String("puk")); err != nil {
				return fmt.Errorf("--puk: %w", err)
			}
			ctx, cancel := context.WithTimeout(c.Context, time.Minute)
			defer cancel()
			n, err := nodeClient(c)
			if err != nil {
				return err
			}
			ks := optionalKeys(c)
			owner, err := resolveAccount(ctx, c.String("owner"), ks, n)
			if err != nil {
				return fmt.Errorf("--owner: %w", err)
			}
			asset, err := lookupAsset(ctx, n, c.String("asset"))
			if err != nil {
				return fmt.Errorf("--asset: %w", err)
			}
			lim, err := limitsFlags(c, asset.Decimals)
			if err != nil {
				return err
			}
			cl, done, err := openCard(c, c.Int("reader"), c.String("card-state"))
			if err != nil {
				return err
			}
			defer done()
			card, reg, err := client.InitCard(ctx, cl, n, client.CardSetup{Owner: owner, PIN: c.String("pin"), PUK: c.String("puk"),
				Limits: []cardproto.Limits{lim}, Assets: []ledger.Hash{asset.ID}})
			if err != nil {
				return cardErr(fmt.Sprintf("the card in reader %d", c.Int("reader")), err)
			}
			out := map[string]string{"card": card.Hex(), "owner": owner.Hex(), "register_tx": reg.Hex()}
			d := newDisplay(c, n)
			return output(c, out, func() {
				fmt.Printf("card %s personalized for %s\n  registration %s (settles with the next batch)\n", d.account(card), d.account(owner), reg.Hex())
			})
		},
	}
}

// cardLoadCommand is `anonex card load`: load a card from its owner's account: a ledger transfer, then the issuer's new T written to the card.
func cardLoadCommand(common []cli.Flag) *cli.Command {
	return &cli.Command{
		Name:  "load",
		Usage: "load a card from its owner's account: a ledger transfer, then the issuer's new T written to the card",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "from", Usage: "paying account (default: the card's owner)"},
			&cli.StringFlag{Name: "asset", Value: "EUR", Usage: "asset `SYMBOL|ID`"},
			&cli.StringFlag{Name: "amount", Required: true, Usage: "amount, e.g. 40.00"},
		}, common...),
		Action: func(c *cli.Context) error {
			ctx, cancel := context.WithTimeout(c.Context, time.Minute)
			defer cancel()
			n, err := nodeClient(c)
			if err != nil {
				return err
			}
			asset, amount, err := assetAmount(ctx, c, n, "asset")
			if err != nil {
				return err
			}
			cl, done, err := openCard(c, c.Int("reader"), c.String("card-state"))
			if err != nil {
				return err
			}
			defer done()
			d := newDisplay(c, n)
			d.learn(asset)
			what := "loading " + d.amount(asset.ID, amount)
			// Refuse what would strand the value before asking
			// for a password or moving anything.
			info, err := client.CheckLoad(ctx, cl, n, asset.ID)
			if errors.Is(err, client.ErrNoCardPurse) {
				if st, serr := cl.Status(); serr == nil {
					var held []string
					for _, p := range st.Purses {
						held = append(held, d.symbol(p.Asset))
					}
					return fmt.Errorf("%s: %w: the card %s has no purse in %s (its purses: %s; a card's purses are fixed at personalization)",
						what, client.ErrLoadRefused, d.account(info.Address), asset.Symbol, strings.Join(held, ", "))
				}
			}
			if errors.Is(err, client.ErrLoadRefused) {
				return fmt.Errorf("%s: %w", what, err)
			}
			if err != nil {
				return fmt.Errorf("%s: %w", what, cardErr(fmt.Sprintf("the card in reader %d", c.Int("reader")), err))
			}
			from := c.String("from")
			if from == "" {
				from = info.Owner.Hex()
			}
			ks, err := openKeys(c)
			if err != nil {
				return err
			}
			key, err := ks.unlock(from)
			if err != nil {
				return err
			}
			p := startProgress(c, "loading: the transfer settles, then the card takes its new T", 0)
			up, tx, err := client.LoadCard(ctx, cl, n, key, asset.ID, amount)
			p.stop()
			if err != nil {
				return fmt.Errorf("%s: %w", what, d.short(err, key.Address(), asset.ID, amount))
			}
			out := purseUpdateOut(asset, up)
			out.Tx = &tx
			return output(c, out, func() {
				fmt.Printf("loaded %s onto %s (tx %s)\n", d.amount(asset.ID, amount), d.account(info.Address), tx.Hex())
				printPurseUpdate(d, up)
			})
		},
	}
}

// cardUpdateCommand is `anonex card update`: write a purse's newest update value to the card: finishes a load whose value settled but never reached the card; moves nothing.
func cardUpdateCommand(common []cli.Flag) *cli.Command {
	return &cli.Command{
		Name:  "update",
		Usage: "write a purse's newest update value to the card: finishes a load whose value settled but never reached the card; moves nothing",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "asset", Value: "EUR", Usage: "the purse's asset `SYMBOL|ID`"},
		}, common...),
		Action: func(c *cli.Context) error {
			ctx, cancel := context.WithTimeout(c.Context, time.Minute)
			defer cancel()
			n, err := nodeClient(c)
			if err != nil {
				return err
			}
			asset, err := lookupAsset(ctx, n, c.String("asset"))
			if err != nil {
				return fmt.Errorf("--asset: %w", err)
			}
			cl, done, err := openCard(c, c.Int("reader"), c.String("card-state"))
			if err != nil {
				return err
			}
			defer done()
			up, err := client.RefreshPurse(ctx, cl, n, asset.ID)
			if err != nil {
				return cardErr(fmt.Sprintf("the card in reader %d", c.Int("reader")), err)
			}
			d := newDisplay(c, n)
			d.learn(asset)
			return output(c, purseUpdateOut(asset, up), func() { printPurseUpdate(d, up) })
		},
	}
}

// cardBlockCommand is `anonex card block`: block a card reported lost or stolen: its issuer node puts a CardBlock on the ledger, so every node and terminal refuses its new online payments.
func cardBlockCommand() *cli.Command {
	return &cli.Command{
		Name:  "block",
		Usage: "block a card reported lost or stolen: its issuer node puts a CardBlock on the ledger, so every node and terminal refuses its new online payments",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "card", Required: true, Usage: "the card's account `ADDRESS` (the card itself is not needed)"},
			&cli.StringFlag{Name: "reason", Value: "lost", Usage: "lost or stolen"},
			nodeFlag, tokenFlag, devnetFlag, jsonFlag,
		},
		Action: func(c *cli.Context) error {
			card, err := ledger.ParseAddress(c.String("card"))
			if err != nil {
				return fmt.Errorf("--card: %w", err)
			}
			if _, err := api.ParseBlockReason(c.String("reason")); err != nil {
				return fmt.Errorf("--reason: %w", err)
			}
			ctx, cancel := context.WithTimeout(c.Context, time.Minute)
			defer cancel()
			n, err := nodeClient(c)
			if err != nil {
				return err
			}
			res, err := n.BlockCard(ctx, card, c.String("reason"))
			if err != nil {
				return err
			}
			d := newDisplay(c, n)
			return output(c, res, func() {
				if res.Already {
					fmt.Printf("card %s was already blocked (%s)\n", d.account(card), res.Reason)
					return
				}
				fmt.Printf("card %s blocked (%s)\n  block %s (every node's hot-list has it once it settles)\n", d.account(card), res.Reason, res.BlockTx.Hex())
			})
		},
	}
}

// cardHotlistCommand is `anonex card hotlist`: list the cards every terminal must refuse online: cloned, or blocked by their issuer.
func cardHotlistCommand() *cli.Command {
	return &cli.Command{
		Name:  "hotlist",
		Usage: "list the cards every terminal must refuse online: cloned, or blocked by their issuer",
		Flags: []cli.Flag{nodeFlag, tokenFlag, devnetFlag, jsonFlag},
		Action: func(c *cli.Context) error {
			ctx, cancel := context.WithTimeout(c.Context, time.Minute)
			defer cancel()
			n, err := nodeClient(c)
			if err != nil {
				return err
			}
			list, err := n.HotList(ctx)
			if err != nil {
				return err
			}
			d := newDisplay(c, n)
			return output(c, list, func() {
				tw := table()
				for _, e := range list {
					pending := ""
					if e.Pending {
						pending = " (pending)"
					}
					fmt.Fprintf(tw, "%s\t%s%s\tissuer %s\n", d.account(e.Card), e.Reason, pending, d.account(e.Issuer))
				}
				tw.Flush()
				if len(list) == 0 {
					fmt.Println("no card is hot-listed")
				}
			})
		},
	}
}

// cardLimitsCommand is `anonex card limits`: show each purse's offline limits (in its asset); with --offline-cap, --offline-max and --no-pin, .
func cardLimitsCommand(common []cli.Flag) *cli.Command {
	return &cli.Command{
		Name: "limits",
		Usage: "show each purse's offline limits (in its asset); with --offline-cap, --offline-max and --no-pin, " +
			"set those of the --asset purse, signed by the card's owner",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "asset", Value: "EUR", Usage: "the purse whose limits are set, `SYMBOL|ID` (limits count in its units)"},
			&cli.StringFlag{Name: "offline-cap", Usage: "largest offline payment"},
			&cli.UintFlag{Name: "offline-max", Usage: "consecutive offline payments before one must go online"},
			&cli.StringFlag{Name: "no-pin", Usage: "largest payment without PIN"},
		}, common...),
		Action: func(c *cli.Context) error {
			ctx, cancel := context.WithTimeout(c.Context, time.Minute)
			defer cancel()
			n, err := nodeClient(c)
			if err != nil {
				return err
			}
			cl, st, done, err := openCardStatus(c)
			if err != nil {
				return err
			}
			defer done()
			setting := 0
			for _, f := range []string{"offline-cap", "offline-max", "no-pin"} {
				if c.IsSet(f) {
					setting++
				}
			}
			switch setting {
			case 0:
				return showLimits(ctx, c, n, &st)
			case 3:
			default:
				return fmt.Errorf("setting limits takes --offline-cap, --offline-max and --no-pin together")
			}
			asset, err := lookupAsset(ctx, n, c.String("asset"))
			if err != nil {
				return fmt.Errorf("--asset: %w", err)
			}
			purse := st.Purse(asset.ID)
			if purse == nil {
				return fmt.Errorf("the card has no purse in %s", asset.Symbol)
			}
			lim, err := limitsFlags(c, asset.Decimals)
			if err != nil {
				return err
			}
			ks, err := openKeys(c)
			if err != nil {
				return err
			}
			owner, err := ks.unlock(st.Owner.Hex())
			if err != nil {
				return fmt.Errorf("the card's owner signs its limits: %w", err)
			}
			// The purse's limits sequence must grow: the clock, or one
			// more than the purse's when that is ahead.
			seq := max(uint64(time.Now().Unix()), purse.LimitsSeq+1)
			up := cardproto.LimitsUpdate{Asset: asset.ID, Limits: lim, Seq: seq}
			cl2 := up.CardLimits(st.Address)
			sig, err := owner.Sign(ledger.NewDomain(st.ChainID, st.Anchor).Digest(cl2.StructHash()))
			if err != nil {
				return err
			}
			up.Sig = ledger.Sig(sig)
			if err := cl.SetLimits(&up); err != nil {
				return cardErr(fmt.Sprintf("the card in reader %d", c.Int("reader")), err)
			}
			out := purseLimitsOut(asset, &lim, seq)
			return output(c, &out, func() {
				fmt.Printf("limits of card %s's %s purse set\n", newDisplay(c, n).account(st.Address), asset.Symbol)
				printPurseLimits(&out)
			})
		},
	}
}

// cardSendCommand is `anonex card send`: card to card: the card in --from-reader pays the card in --to-reader.
func cardSendCommand() *cli.Command {
	return &cli.Command{
		Name:  "send",
		Usage: "card to card: the card in --from-reader pays the card in --to-reader",
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "from-reader", Value: 0, Usage: "vpcd reader `N` of the paying card"},
			&cli.IntFlag{Name: "to-reader", Value: 1, Usage: "vpcd reader `N` of the receiving card"},
			&cli.StringFlag{Name: "amount", Required: true, Usage: "amount in the asset's units, e.g. 10.00"},
			&cli.StringFlag{Name: "asset", Value: "EUR", Usage: "the purse's asset `SYMBOL|ID`"},
			&cli.StringFlag{Name: "pin", Usage: "the paying card's PIN (default: the devnet's)"},
			&cli.BoolFlag{Name: "yes", Usage: "do not ask to confirm the two card ids"},
			nodeFlag, devnetFlag, jsonFlag,
		},
		Action: cardSend,
	}
}

// purseUpdate is what `card load` and `card update` report of the update
// value they wrote: the purse's T before and after, and what it spends.
type purseUpdate struct {
	Card      ledger.Address `json:"card"`
	Asset     ledger.Hash    `json:"asset"`
	Symbol    string         `json:"symbol"`
	Written   bool           `json:"written"`
	TBefore   string         `json:"t_before"`
	TAfter    string         `json:"t_after"`
	SetAmount string         `json:"set_amount"`
	Tx        *ledger.Hash   `json:"tx,omitempty"`
}

func purseUpdateOut(a api.AssetInfo, up client.PurseUpdate) purseUpdate {
	return purseUpdate{Card: up.Card, Asset: a.ID, Symbol: a.Symbol, Written: up.Written, TBefore: ledger.FormatAmount(&up.Before, a.Decimals),
		TAfter: ledger.FormatAmount(&up.After, a.Decimals), SetAmount: ledger.FormatAmount(&up.Set, a.Decimals)}
}

// printPurseUpdate reports an update value written to a card (or that
// the card had the newest one).
func printPurseUpdate(d *display, up client.PurseUpdate) {
	if !up.Written {
		fmt.Printf("  the card's %s purse is up to date: T %s, spends %s\n", d.symbol(up.Asset), d.amount(up.Asset, &up.After),
			d.amount(up.Asset, &up.Set))
		return
	}
	fmt.Printf("  card update written: %s purse T %s → %s, spends %s\n", d.symbol(up.Asset), d.amount(up.Asset, &up.Before),
		d.amount(up.Asset, &up.After), d.amount(up.Asset, &up.Set))
}
