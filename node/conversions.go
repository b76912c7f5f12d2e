package node

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/ledger"
	"github.com/anonex/anonex/ledger/store"
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

func (n *Node) conversions() store.Records { return n.store.Records(store.NSConversion) }

// Conversion reads a conversion's record.
func (n *Node) Conversion(id ledger.Hash) (*api.Conversion, error) {
	raw, err := n.conversions().Get(id.Hex())
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

func (n *Node) saveConversion(c *api.Conversion) {
	c.Updated = n.cfg.Clock().UnixMilli()
	raw, _ := json.Marshal(c)
	if err := n.conversions().Put(c.ID.Hex(), raw); err != nil {
		n.log.Error("conversion not stored", "id", c.ID, "err", err)
	}
	id := c.ID
	n.events.publish(api.Event{Type: "conversion", ID: &id, Status: string(c.Status), Reason: c.Reason})
}

// Convert starts a conversion and returns its record (status requested);
// the rest runs in the background.
func (n *Node) Convert(req api.ConversionRequest) (*api.Conversion, error) {
	acct, err := n.ResolveAccount(req.Account)
	if err != nil {
		return nil, err
	}
	key := n.walletKey(acct)
	if key == nil {
		return nil, api.Errorf(api.CodeNotWallet, "this node is not the wallet of %s: it cannot sign for it", acct.Hex())
	}
	gift, err := n.ResolveAsset(req.Gift)
	if err != nil {
		return nil, err
	}
	var to *api.AssetInfo
	if req.To != "" {
		a, err := n.ResolveAsset(req.To)
		if err != nil {
			return nil, err
		}
		to = &a
	}
	var card *ledger.Address
	if req.LoadCard != "" {
		c, err := n.ResolveAccount(req.LoadCard)
		if err != nil {
			return nil, err
		}
		card = &c
	}
	var (
		held  *uint256.Int
		offer *ledger.SignedOffer
		oid   ledger.Hash
		rem   *uint256.Int
		fail  error
	)
	n.pool.View(func(v *ledger.Overlay) {
		held = v.Balance(acct, gift.ID)
		if card != nil {
			cd, ok := v.Card(*card)
			if !ok {
				fail = api.Errorf(api.CodeInvalid, "%s is not a card account", card.Hex())
				return
			}
			if cd.Owner != acct {
				fail = api.Errorf(api.CodeInvalid, "card %s belongs to %s, not %s", card.Hex(), cd.Owner.Hex(), acct.Hex())
				return
			}
		}
		// The issuer's best standing redemption offer.
		for _, e := range n.book.All() {
			o := &e.Offer.Offer
			if o.Maker != gift.Issuer || o.Want != gift.ID || (to != nil && o.Give != to.ID) {
				continue
			}
			filled := v.OfferFilled(e.ID)
			if v.OfferCancelled(e.ID, o.Maker) || n.now() > o.Expiry || !filled.Lt(&o.GiveAmount) {
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
			if offer == nil || rateBetter(o, &offer.Offer) {
				so := e.Offer
				offer, oid, rem = &so, e.ID, left
			}
		}
	})
	if fail != nil {
		return nil, fail
	}
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
	toInfo, err := n.ResolveAsset(o.Give.Hex())
	if err != nil {
		return nil, err
	}
	c := &api.Conversion{Status: api.ConversionRequested, Account: acct, Gift: gift.ID, GiftSymbol: gift.Symbol, To: o.Give, ToSymbol: toInfo.Symbol,
		Offer: oid, GiftSpent: ledger.FormatAmount(cost, gift.Decimals), Received: ledger.FormatAmount(take, toInfo.Decimals),
		Card: card, Created: n.cfg.Clock().UnixMilli()}
	if _, err := io.ReadFull(n.cfg.Rand, c.ID[:]); err != nil {
		return nil, err
	}
	n.saveConversion(c)
	cp := *c // before runConversion starts writing c
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		n.runConversion(c, gift.Decimals, offer, take, held.Eq(cost))
	}()
	return &cp, nil
}

// rateBetter reports whether a gives more per unit wanted than b:
// a.give/a.want > b.give/b.want.
func rateBetter(a, b *ledger.Offer) bool {
	l := new(uint256.Int).Mul(&a.GiveAmount, &b.WantAmount)
	r := new(uint256.Int).Mul(&b.GiveAmount, &a.WantAmount)
	return l.Gt(r)
}

// runConversion signs and follows the fill (and the load).
func (n *Node) runConversion(c *api.Conversion, giftDecimals uint8, offer *ledger.SignedOffer, take *uint256.Int, all bool) {
	ctx, cancel := context.WithTimeout(n.ctx, 5*time.Minute)
	defer cancel()
	failed := func(format string, args ...any) {
		c.Status, c.Reason = api.ConversionFailed, fmt.Sprintf(format, args...)
		n.saveConversion(c)
	}
	key := n.walletKey(c.Account)
	submit := func(p ledger.Payload) (ledger.Hash, error) {
		sig, err := key.Sign(n.domain.Digest(p.StructHash()))
		if err != nil {
			return ledger.Hash{}, err
		}
		res, err := n.Submit(ctx, &ledger.Tx{Payload: p, Sig: ledger.Sig(sig)})
		return res.ID, err
	}
	nonce := func() (v uint64) {
		n.pool.View(func(o *ledger.Overlay) { v = o.Account(c.Account).Nonce })
		return v
	}
	id, err := submit(&ledger.Fill{Taker: c.Account, Offer: *offer, Take: *take, Nonce: nonce()})
	if err != nil {
		failed("the fill was refused: %v", err)
		return
	}
	c.FillTx, c.Status = &id, api.ConversionFilled
	n.saveConversion(c)
	if info, err := n.WaitTx(ctx, id); err != nil || info.Status != api.TxSettled {
		failed("the fill is %s: %s%v", info.Status, info.Reason, errOrNil(err))
		return
	}
	settled, err := n.store.State().Get(ledger.StateKeyBalance(c.Account, c.Gift))
	if err != nil {
		failed("reading the gift balance: %v", err)
		return
	}
	left := new(uint256.Int).SetBytes(settled)
	c.GiftLeft, c.Depleted, c.Status = ledger.FormatAmount(left, giftDecimals), left.IsZero(), api.ConversionSettled
	if all && !c.Depleted {
		c.Reason = "the gift balance is not zero: it changed while converting, or the rate left a remainder"
	}
	n.saveConversion(c)
	if c.Card == nil {
		return
	}
	lid, err := submit(&ledger.Transfer{From: c.Account, To: *c.Card, Asset: c.To, Amount: *take, Nonce: nonce()})
	if err != nil {
		failed("loading the card was refused: %v", err)
		return
	}
	c.LoadTx = &lid
	n.saveConversion(c)
	if info, err := n.WaitTx(ctx, lid); err != nil || info.Status != api.TxSettled {
		failed("the load is %s: %s%v", info.Status, info.Reason, errOrNil(err))
		return
	}
	c.Status = api.ConversionLoaded
	n.saveConversion(c)
}

// WaitTx waits until a transaction settles, fails or is rejected on this
// node, and returns its status then (or ctx's error). It listens to the
// node's events and looks the status up when one may have changed it; a
// slow check every second covers a subscription the hub dropped.
func (n *Node) WaitTx(ctx context.Context, id ledger.Hash) (api.TxInfo, error) {
	events, stop, ok := n.Subscribe()
	if ok {
		defer stop()
	}
	slow := time.NewTicker(time.Second)
	defer slow.Stop()
	for {
		info, err := n.TxStatus(id)
		if err == nil {
			if info.Status.Final() {
				return info, nil
			}
		}
	wait:
		for {
			select {
			case <-ctx.Done():
				return info, fmt.Errorf("transaction %s is %q: %w", id.Hex(), info.Status, ctx.Err())
			case <-slow.C:
				break wait
			case ev, open := <-events:
				switch {
				case !open:
					events = nil // dropped: the slow check carries on
				case ev.Type == "tx" && ev.ID != nil && *ev.ID != id:
					// another transaction's news
				default:
					break wait
				}
			}
		}
	}
}

func (n *Node) conversionRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /v1/conversions", n.authorized(n.handle(func(r *http.Request) (any, error) {
		var req api.ConversionRequest
		if err := decodeBody(r, &req); err != nil {
			return nil, err
		}
		return n.Convert(req)
	})))
	mux.HandleFunc("GET /v1/conversions/{id}", n.handle(func(r *http.Request) (any, error) {
		id, err := ledger.ParseHash(r.PathValue("id"))
		if err != nil {
			return nil, api.Errorf(api.CodeMalformed, "%v", err)
		}
		return n.Conversion(id)
	}))
}

// errOrNil renders an optional error after a reason.
func errOrNil(err error) string {
	if err == nil {
		return ""
	}
	return " (" + err.Error() + ")"
}
