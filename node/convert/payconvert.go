package convert

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/cardbridge/cardproto"
	"github.com/anonex/anonex/exchange"
	"github.com/anonex/anonex/ledger"
	"github.com/anonex/anonex/node/route"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/holiman/uint256"
)

// Conversion at payment time, the wallet's side (docs/card-protocol.md,
// CONVERT). A terminal relays a card's conversion request to its owner's
// wallet node (this node, holding the owner's key in WalletKeys): the node
// checks the card's signature, opens the purse list sealed to the owner,
// quotes the fiat amount against the book and answers with an approval
// the owner signs. Once the card has signed its record for the approved
// amount, the terminal relays the record; the node builds the ConvertPay
// (the record, the fills, the merchant's payment), signs it as the owner
// and submits it. The terminal sees the fiat leg settle; it learns neither
// the card's balances nor anything but the approved amount.

type payConversion struct {
	req     api.PayConversionRequest
	amount  uint256.Int // fiat
	owner   *account.Key
	asset   ledger.Hash // what the card pays with
	pay     uint256.Int // how much
	offers  []ledger.SignedOffer
	takes   []uint256.Int
	expires time.Time
}

// payConversionTTL bounds a quoted conversion's life: prices move.
const payConversionTTL = 2 * time.Minute

type payConversions struct {
	mu sync.Mutex
	m  map[ledger.Hash]*payConversion
}

func (p *payConversions) put(c *payConversion, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.m == nil {
		p.m = map[ledger.Hash]*payConversion{}
	}
	for k, v := range p.m {
		if now.After(v.expires) {
			delete(p.m, k)
		}
	}
	p.m[c.req.Nonce] = c
}

func (p *payConversions) take(nonce ledger.Hash) *payConversion {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.m[nonce]
	delete(p.m, nonce)
	return c
}

// ApprovePayConversion quotes a card's conversion request and signs the
// owner's approval.
func (s *Service) ApprovePayConversion(req api.PayConversionRequest) (*api.PayConversionApproval, error) {
	amount, err := uint256.FromDecimal(req.FiatAmount)
	if err != nil || amount.IsZero() {
		return nil, api.Errorf(api.CodeInvalid, "fiat_amount %q: a positive integer of base units", req.FiatAmount)
	}
	sealed, err := hexutil.Decode(req.Sealed)
	if err != nil {
		return nil, api.Errorf(api.CodeMalformed, "sealed: %v", err)
	}
	cr := ledger.ConversionRequest{Card: req.Card, Fiat: req.Fiat, FiatAmount: *amount, Payee: req.Payee, Challenge: req.Challenge,
		Nonce: req.Nonce, Sealed: ledger.Keccak256(sealed)}
	if who, err := s.n.Recoverer().Recover(s.n.Domain().Digest(cr.StructHash()), req.Signature); err != nil || who != req.Card {
		return nil, api.Errorf(api.CodeBadSignature, "the conversion request is not signed by card %s", req.Card.Hex())
	}
	var card ledger.Card
	var registered bool
	s.n.View(func(v *ledger.Overlay) { card, registered = v.Card(req.Card) })
	switch {
	case !registered:
		return nil, api.Errorf(api.CodeInvalid, "card %s is not registered", req.Card.Hex())
	case card.Cloned:
		return nil, api.Errorf(api.CodeRefused, "card %s is flagged as cloned", req.Card.Hex())
	}
	owner := s.cfg.Wallet.Find(card.Owner)
	if owner == nil {
		return nil, api.Errorf(api.CodeNotWallet, "this node is not the wallet of the card's owner %s", card.Owner.Hex())
	}
	pt, err := cardproto.Open(owner, sealed, req.Nonce[:])
	if err != nil {
		return nil, api.Errorf(api.CodeInvalid, "the sealed purse list does not open with the owner's key")
	}
	purses, err := cardproto.DecodePurseOffers(pt)
	if err != nil {
		return nil, api.Errorf(api.CodeInvalid, "%v", err)
	}
	c := &payConversion{req: req, amount: *amount, owner: owner, expires: s.cfg.Clock().Add(payConversionTTL)}
	show := func(v *uint256.Int, asset ledger.Hash) string {
		if a, err := s.n.ResolveAsset(asset.Hex()); err == nil {
			return ledger.FormatAmount(v, a.Decimals) + " " + a.Symbol
		}
		return v.Dec() + " of " + asset.Hex()
	}
	// The purses in the card's order; when none can pay, each one's
	// reason (a card with several purses: not only the last one's).
	var why []string
	for _, p := range purses {
		err := s.planConversion(c, p, show)
		if err == nil {
			break
		}
		why = append(why, s.symbol(p.Asset)+": "+err.Error())
	}
	if c.asset.IsZero() {
		return nil, api.Errorf(api.CodeNoConversion, "no purse of the card converts to %s: %s", show(amount, req.Fiat), strings.Join(why, "; "))
	}
	ca := ledger.ConversionApproval{Card: req.Card, Nonce: req.Nonce, Asset: c.asset, Amount: c.pay, Collector: owner.Address()}
	sig, err := owner.Sign(s.n.Domain().Digest(ca.StructHash()))
	if err != nil {
		return nil, err
	}
	s.payConv.put(c, s.cfg.Clock())
	sym := c.asset.Hex()
	if a, err := s.n.ResolveAsset(c.asset.Hex()); err == nil {
		sym = a.Symbol
	}
	return &api.PayConversionApproval{Nonce: req.Nonce, Asset: c.asset, Symbol: sym, Amount: c.pay.Dec(), Collector: owner.Address(),
		Signature: ledger.Sig(sig), Expires: c.expires.Unix()}, nil
}

// planConversion quotes c's fiat amount paid from purse p and, when p can
// pay it in at most MaxConvertFills fills, sets c's asset, amount and fills.
func (s *Service) planConversion(c *payConversion, p cardproto.PurseOffer, show func(*uint256.Int, ledger.Hash) string) error {
	var q exchange.Quote
	var err error
	s.n.View(func(v *ledger.Overlay) {
		q, err = s.book.QuoteReceive(v, p.Asset, c.req.Fiat, &c.amount, s.now())
	})
	var thin *exchange.ThinBookError
	switch {
	case errors.As(err, &thin):
		return fmt.Errorf("the book's offers selling %s for %s cover %s of the %s asked", s.symbol(c.req.Fiat), s.symbol(p.Asset),
			show(&thin.Covered, c.req.Fiat), show(&thin.Amount, c.req.Fiat))
	case err != nil:
		return err
	case q.PayTotal.Gt(&p.Available):
		return fmt.Errorf("the card can spend %s, the conversion needs %s", show(&p.Available, p.Asset), show(&q.PayTotal, p.Asset))
	case len(q.Takes) > ledger.MaxConvertFills:
		return fmt.Errorf("the conversion needs more than %d fills", ledger.MaxConvertFills)
	}
	offers, takes := make([]ledger.SignedOffer, len(q.Takes)), make([]uint256.Int, len(q.Takes))
	for i, t := range q.Takes {
		e, ok := s.book.Get(t.Offer)
		if !ok {
			return fmt.Errorf("offer %s left the book", t.Offer)
		}
		offers[i], takes[i] = e.Offer, t.Take
	}
	c.asset, c.pay, c.offers, c.takes = p.Asset, q.PayTotal, offers, takes
	return nil
}

// CompletePayConversion takes the card's record for an approved
// conversion, and submits the ConvertPay the owner signs. It returns the
// ConvertPay's id: the terminal waits for it to settle.
func (s *Service) CompletePayConversion(ctx context.Context, nonce ledger.Hash, rec api.PayConversionRecord) (ledger.Hash, error) {
	c := s.payConv.take(nonce)
	if c == nil || s.cfg.Clock().After(c.expires) {
		return ledger.Hash{}, api.Errorf(api.CodeExpired, "no approved conversion %s (expired, completed or never approved)", nonce)
	}
	record := &ledger.Tx{Payload: &ledger.CardPayment{CardRecord: ledger.CardRecord{Card: c.req.Card, Asset: c.asset, Amount: c.pay,
		Payee: c.owner.Address(), Counter: rec.Counter, Challenge: c.req.Challenge, Mode: ledger.CardModeOnline}}, Sig: rec.Signature}
	if who, err := s.n.Recoverer().Recover(record.ID(s.n.Domain()), rec.Signature); err != nil || who != c.req.Card {
		return ledger.Hash{}, api.Errorf(api.CodeBadSignature, "the record is not the card's signature of the approved amount")
	}
	var nonceNow uint64
	s.n.View(func(v *ledger.Overlay) { nonceNow = v.Account(c.owner.Address()).Nonce })
	p := &ledger.ConvertPay{Owner: c.owner.Address(), Record: record, Offers: c.offers, Takes: c.takes, Asset: c.req.Fiat,
		Amount: c.amount, Payee: c.req.Payee, Nonce: nonceNow}
	sig, err := c.owner.Sign(s.n.Domain().Digest(p.StructHash()))
	if err != nil {
		return ledger.Hash{}, err
	}
	res, err := s.n.Submit(ctx, &ledger.Tx{Payload: p, Sig: ledger.Sig(sig)})
	if err != nil {
		// The card's record alone pays the owner (its own money, nothing
		// lost); keep it on the network so the card's D and the ledger
		// agree.
		if _, err2 := s.n.Submit(ctx, record); err2 != nil {
			s.log.Warn("conversion record not kept", "card", c.req.Card, "err", err2)
		}
		return ledger.Hash{}, err
	}
	return res.ID, nil
}

func (s *Service) payConversionRoutes(m *route.Mux) {
	m.Handle("POST /v1/pay-conversions", func(r *http.Request) (any, error) {
		var req api.PayConversionRequest
		if err := route.Decode(r, &req); err != nil {
			return nil, err
		}
		return s.ApprovePayConversion(req)
	})
	m.Handle("POST /v1/pay-conversions/{nonce}/record", func(r *http.Request) (any, error) {
		nonce, err := route.Hash(r, "nonce")
		if err != nil {
			return nil, err
		}
		var rec api.PayConversionRecord
		if err := route.Decode(r, &rec); err != nil {
			return nil, err
		}
		id, err := s.CompletePayConversion(r.Context(), nonce, rec)
		if err != nil {
			return nil, err
		}
		return api.PayConversionDone{Tx: id}, nil
	})
}

// symbol is an asset's symbol, or its id when the node does not know it.
func (s *Service) symbol(asset ledger.Hash) string {
	if a, err := s.n.ResolveAsset(asset.Hex()); err == nil {
		return a.Symbol
	}
	return asset.Hex()
}
