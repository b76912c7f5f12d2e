// Package convert is the node's conversion subsystem, the wallet side of
// two flows a node runs for the accounts it holds as their owners' wallet
// (node.Config.WalletKeys):
//
//   - gift-card conversion (POST /v1/conversions): a merchant-issued gift
//     asset becomes an open asset at the issuer's standing redemption
//     offer, and the result can be loaded onto the owner's card;
//   - conversion at payment time (POST /v1/pay-conversions): a terminal
//     relays a card's request to pay a fiat amount from a crypto purse;
//     the node quotes it against the book, signs the owner's approval and,
//     once the card has signed its record, submits the ConvertPay.
//
// It sees the node only through Node: the pending view, Submit and the
// wait for a transaction's outcome, the event stream; it quotes from the
// market subsystem's book (Config.Book). Conversion records live in its
// own record namespace (Config.Records).
package convert

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/exchange"
	"github.com/anonex/anonex/internal/task"

	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/ledger"
	"github.com/anonex/anonex/ledger/store"
	"github.com/anonex/anonex/node/route"
	"github.com/holiman/uint256"
)

// Gift-card conversion (POST /v1/conversions): a merchant-issued gift asset
// becomes an open asset at the issuer's standing redemption offer (an offer
// on the book, made by the gift's issuer, that gives an open asset for the
// gift), and the result can be loaded onto the user's card. The node must
// be the account's wallet (Config.WalletKeys): it signs the Fill and the
// load. Status: requested → filled (the fill is in the pending view) →
// settled (the gift balance is checked) → loaded (with a card), or failed
// with a reason; each step is an event (`event: conversion`) and is kept.

// Node is what the conversion subsystem needs of the node.
type Node interface {
	// View runs fn over the pending view (settled state + pending writes).
	View(fn func(v *ledger.Overlay))
	// Settled reads the settled state.
	Settled() ledger.Reader
	// Domain is the EIP-712 domain; Recoverer recovers signers.
	Domain() ledger.Domain
	Recoverer() ledger.Recoverer
	// Submit admits a transaction to the pending pool and gossips it;
	// WaitTx waits until it settles, fails or is rejected.
	Submit(ctx context.Context, tx *ledger.Tx) (api.SubmitResult, error)
	WaitTx(ctx context.Context, id ledger.Hash) (api.TxInfo, error)
	// Publish sends an event to the node's event stream.
	Publish(e api.Event)
	ResolveAsset(q string) (api.AssetInfo, error)
	ResolveAccount(q string) (ledger.Address, error)
}

// Config configures the conversion subsystem.
type Config struct {
	// Wallet are the accounts the node signs for (node.Config.WalletKeys).
	Wallet account.Keys
	// Book is the market subsystem's book, read under the pending view.
	Book *exchange.Book
	// Records is where conversions are kept (store.NSConversion).
	Records store.Records
	Clock   func() time.Time
	Rand    io.Reader
	Logger  *slog.Logger
}

// Service is the conversion subsystem.
type Service struct {
	cfg     Config
	n       Node
	log     *slog.Logger
	book    *exchange.Book
	payConv payConversions
	// tasks runs the conversions under way.
	tasks *task.Group
}

// New returns node n's conversion subsystem.
func New(cfg Config, n Node) *Service {
	return &Service{cfg: cfg, n: n, log: cfg.Logger, book: cfg.Book, tasks: task.NewGroup()}
}

// Start starts nothing: conversions run in the background once asked for.
func (s *Service) Start(context.Context) error { return nil }

// Stop ends the conversions still running and waits for them.
func (s *Service) Stop() { s.tasks.Stop() }

func (s *Service) now() uint64 { return uint64(s.cfg.Clock().Unix()) }

func (s *Service) conversions() store.Records { return s.cfg.Records }

// Conversion reads a conversion's record.
func (s *Service) Conversion(id ledger.Hash) (*api.Conversion, error) {
	raw, err := s.conversions().Get(id.Hex())
	if err != nil {
		return nil, err
	}
	if raw == nil {
		return nil, api.Errorf(api.CodeNotFound, "no conversion %s", id)
	}
	var c api.Conversion
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("node: conversion %s: %w", id, err)
	}
	return &c, nil
}

func (s *Service) saveConversion(c *api.Conversion) {
	c.Updated = s.cfg.Clock().UnixMilli()
	raw, _ := json.Marshal(c)
	if err := s.conversions().Put(c.ID.Hex(), raw); err != nil {
		s.log.Error("conversion not stored", "id", c.ID, "err", err)
	}
	id := c.ID
	s.n.Publish(api.Event{Type: "conversion", ID: &id, Status: string(c.Status), Reason: c.Reason})
}

// Convert starts a conversion and returns its record (status requested);
// the rest runs in the background.
func (s *Service) Convert(req api.ConversionRequest) (*api.Conversion, error) {
	acct, err := s.n.ResolveAccount(req.Account)
	if err != nil {
		return nil, err
	}
	key := s.cfg.Wallet.Find(acct)
	if key == nil {
		return nil, api.Errorf(api.CodeNotWallet, "this node is not the wallet of %s: it cannot sign for it", acct.Hex())
	}
	gift, err := s.n.ResolveAsset(req.Gift)
	if err != nil {
		return nil, err
	}
	var to *api.AssetInfo
	if req.To != "" {
		a, err := s.n.ResolveAsset(req.To)
		if err != nil {
			return nil, err
		}
		to = &a
	}
	var card *ledger.Address
	if req.LoadCard != "" {
		c, err := s.n.ResolveAccount(req.LoadCard)
		if err != nil {
			return nil, err
		}
		card = &c
	}
	var (
		held *uint256.Int
		best redemption
		fail error
	)
	s.n.View(func(v *ledger.Overlay) {
		held = v.Balance(acct, gift.ID)
		if fail = checkCard(v, card, acct); fail == nil {
			best = s.bestRedemption(v, gift, to)
		}
	})
	if fail != nil {
		return nil, fail
	}
	offer, oid, rem := best.offer, best.id, best.left
	if offer == nil {
		return nil, api.Errorf(api.CodeNoOffer, "%s's issuer %s has no standing redemption offer on the book", gift.Symbol, gift.Issuer.Hex())
	}
	spend := held
	if req.Amount != "" {
		if spend, err = ledger.ParseAmount(req.Amount, gift.Decimals); err != nil {
			return nil, api.Errorf(api.CodeInvalid, "amount: %v", err)
		}
		if spend.Gt(held) {
			return nil, api.Errorf(api.CodeInsufficientFunds, "%s holds %s %s", acct.Hex(), ledger.FormatAmount(held, gift.Decimals), gift.Symbol)
		}
	}
	if spend.IsZero() {
		return nil, api.Errorf(api.CodeInsufficientFunds, "%s holds no %s", acct.Hex(), gift.Symbol)
	}
	// take = floor(spend × give / want), capped by what the offer has left;
	// the fill then costs ceil(take × want / give) ≤ spend.
	o := &offer.Offer
	take, overflow := new(uint256.Int).MulDivOverflow(spend, &o.GiveAmount, &o.WantAmount)
	if overflow {
		return nil, api.Errorf(api.CodeInvalid, "amount too large")
	}
	if take.Gt(rem) {
		take = rem
	}
	if !o.Partial && !take.Eq(&o.GiveAmount) {
		return nil, api.Errorf(api.CodeNoOffer, "the redemption offer only fills whole")
	}
	if take.IsZero() {
		return nil, api.Errorf(api.CodeTooSmall, "%s %s buys nothing at the offer's rate", ledger.FormatAmount(spend, gift.Decimals), gift.Symbol)
	}
	cost, _ := ledger.FillPrice(o, take)
	toInfo, err := s.n.ResolveAsset(o.Give.Hex())
	if err != nil {
		return nil, err
	}
	c := &api.Conversion{Status: api.ConversionRequested, Account: acct, Gift: gift.ID, GiftSymbol: gift.Symbol, To: o.Give, ToSymbol: toInfo.Symbol,
		Offer: oid, GiftSpent: ledger.FormatAmount(cost, gift.Decimals), Received: ledger.FormatAmount(take, toInfo.Decimals),
		Card: card, Created: s.cfg.Clock().UnixMilli()}
	if _, err := io.ReadFull(s.cfg.Rand, c.ID[:]); err != nil {
		return nil, err
	}
	s.saveConversion(c)
	cp := *c // before runConversion starts writing c
	s.tasks.Go(func(ctx context.Context) { s.runConversion(ctx, c, gift.Decimals, offer, take, held.Eq(cost)) })
	return &cp, nil
}

// checkCard checks, in view v, that a conversion's card (if any) is a
// card account of acct.
func checkCard(v *ledger.Overlay, card *ledger.Address, acct ledger.Address) error {
	if card == nil {
		return nil
	}
	cd, ok := v.Card(*card)
	if !ok {
		return api.Errorf(api.CodeInvalid, "%s is not a card account", card.Hex())
	}
	if cd.Owner != acct {
		return api.Errorf(api.CodeInvalid, "card %s belongs to %s, not %s", card.Hex(), cd.Owner.Hex(), acct.Hex())
	}
	return nil
}

// redemption is a standing redemption offer and what it can still give.
type redemption struct {
	offer *ledger.SignedOffer
	id    ledger.Hash
	left  *uint256.Int
}

// bestRedemption is the gift's issuer's standing redemption offer with the
// best rate (of to, if set) in view v: one that wants the gift, can still
// fill, and whose maker holds what it gives.
func (s *Service) bestRedemption(v *ledger.Overlay, gift api.AssetInfo, to *api.AssetInfo) redemption {
	var best redemption
	for _, e := range s.book.All() {
		o := &e.Offer.Offer
		if o.Maker != gift.Issuer || o.Want != gift.ID || (to != nil && o.Give != to.ID) {
			continue
		}
		filled := v.OfferFilled(e.ID)
		if v.OfferCancelled(e.ID, o.Maker) || s.now() > o.Expiry || !filled.Lt(&o.GiveAmount) {
			continue
		}
		left := new(uint256.Int).Sub(&o.GiveAmount, filled)
		if b := v.Balance(o.Maker, o.Give); b.Lt(left) {
			left = b
		}
		if left.IsZero() {
			continue
		}
		// Better rate: more given per unit wanted (give/want larger).
		if best.offer == nil || rateBetter(o, &best.offer.Offer) {
			so := e.Offer
			best = redemption{offer: &so, id: e.ID, left: left}
		}
	}
	return best
}

// rateBetter reports whether a gives more per unit wanted than b:
// a.give/a.want > b.give/b.want.
func rateBetter(a, b *ledger.Offer) bool {
	l := new(uint256.Int).Mul(&a.GiveAmount, &b.WantAmount)
	r := new(uint256.Int).Mul(&b.GiveAmount, &a.WantAmount)
	return l.Gt(r)
}

// runConversion signs and follows the fill (and the load).
func (s *Service) runConversion(ctx context.Context, c *api.Conversion, giftDecimals uint8, offer *ledger.SignedOffer, take *uint256.Int, all bool) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	failed := func(format string, args ...any) {
		c.Status, c.Reason = api.ConversionFailed, fmt.Sprintf(format, args...)
		s.saveConversion(c)
	}
	key := s.cfg.Wallet.Find(c.Account)
	submit := func(p ledger.Payload) (ledger.Hash, error) {
		sig, err := key.Sign(s.n.Domain().Digest(p.StructHash()))
		if err != nil {
			return ledger.Hash{}, err
		}
		res, err := s.n.Submit(ctx, &ledger.Tx{Payload: p, Sig: ledger.Sig(sig)})
		return res.ID, err
	}
	nonce := func() (v uint64) {
		s.n.View(func(o *ledger.Overlay) { v = o.Account(c.Account).Nonce })
		return v
	}
	id, err := submit(&ledger.Fill{Taker: c.Account, Offer: *offer, Take: *take, Nonce: nonce()})
	if err != nil {
		failed("the fill was refused: %v", err)
		return
	}
	c.FillTx, c.Status = &id, api.ConversionFilled
	s.saveConversion(c)
	if info, err := s.n.WaitTx(ctx, id); err != nil || info.Status != api.TxSettled {
		failed("the fill is %s: %s%v", info.Status, info.Reason, errOrNil(err))
		return
	}
	settled, err := s.n.Settled().Get(ledger.StateKeyBalance(c.Account, c.Gift))
	if err != nil {
		failed("reading the gift balance: %v", err)
		return
	}
	left := new(uint256.Int).SetBytes(settled)
	c.GiftLeft, c.Depleted, c.Status = ledger.FormatAmount(left, giftDecimals), left.IsZero(), api.ConversionSettled
	if all && !c.Depleted {
		c.Reason = "the gift balance is not zero: it changed while converting, or the rate left a remainder"
	}
	s.saveConversion(c)
	if c.Card == nil {
		return
	}
	lid, err := submit(&ledger.Transfer{From: c.Account, To: *c.Card, Asset: c.To, Amount: *take, Nonce: nonce()})
	if err != nil {
		failed("loading the card was refused: %v", err)
		return
	}
	c.LoadTx = &lid
	s.saveConversion(c)
	if info, err := s.n.WaitTx(ctx, lid); err != nil || info.Status != api.TxSettled {
		failed("the load is %s: %s%v", info.Status, info.Reason, errOrNil(err))
		return
	}
	c.Status = api.ConversionLoaded
	s.saveConversion(c)
}

// Routes mounts the conversion routes: POST /v1/conversions
// (token-protected: the node signs as the account), GET
// /v1/conversions/{id}, and the pay-conversion routes terminals call.
func (s *Service) Routes(m *route.Mux) {
	m.Authorized("POST /v1/conversions", func(r *http.Request) (any, error) {
		var req api.ConversionRequest
		if err := route.Decode(r, &req); err != nil {
			return nil, err
		}
		return s.Convert(req)
	})
	m.Handle("GET /v1/conversions/{id}", func(r *http.Request) (any, error) {
		id, err := route.Hash(r, "id")
		if err != nil {
			return nil, err
		}
		return s.Conversion(id)
	})
	s.payConversionRoutes(m)
}

// errOrNil renders an optional error after a reason.
func errOrNil(err error) string {
	if err == nil {
		return ""
	}
	return " (" + err.Error() + ")"
}
