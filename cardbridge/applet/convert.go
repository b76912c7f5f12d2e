package applet

import (
	"io"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/cardbridge/apdu"
	"github.com/anonex/anonex/cardbridge/cardproto"
	"github.com/anonex/anonex/ledger"
	"github.com/holiman/uint256"
)

// convSession is a conversion between CONVERT's two phases. It lives in
// RAM only: a power cut or any other command ends it, and nothing was
// signed away yet.
type convSession struct {
	nonce     ledger.Hash
	fiat      ledger.Hash
	amount    uint256.Int
	payee     ledger.Address
	challenge ledger.Hash
}

// convertRequest is CONVERT phase 1: the terminal asks for a fiat amount;
// the card lists what it could pay with (sealed to its owner) and signs
// the request. No state changes.
func (a *Applet) convertRequest(data []byte) ([]byte, uint16) {
	st := a.st
	switch {
	case st.Life == LifeTerminated:
		return nil, apdu.SWBlocked
	case st.Life != LifeActive || len(st.OwnerPub) == 0:
		return nil, apdu.SWConditionsNotSatisfied
	}
	req, err := cardproto.ParseConvertRequest(data)
	if err != nil || req.Type != cardproto.TxPurchase || req.FiatAmount.IsZero() || req.Payee.IsZero() || req.Payee == st.Address {
		return nil, apdu.SWWrongData
	}
	// A card with a purse in the fiat asset knows a no-PIN limit in its
	// units; the amount it will pay from another purse is checked against
	// that purse's limit at the approval.
	if fp := st.purse(req.Fiat); fp != nil && req.FiatAmount.Gt(&fp.Limits.NoPinLimit) && !a.pinOK {
		return nil, a.needPIN()
	}
	var offers []cardproto.PurseOffer
	for _, p := range st.Purses {
		if p.Asset == req.Fiat || !p.D.Lt(&p.T) {
			continue
		}
		offers = append(offers, cardproto.PurseOffer{Asset: p.Asset, Available: *new(uint256.Int).Sub(&p.T, &p.D)})
	}
	if len(offers) == 0 {
		return nil, apdu.SWInsufficientFunds
	}
	s := &convSession{fiat: req.Fiat, amount: req.FiatAmount, payee: req.Payee, challenge: req.Challenge}
	if _, err := io.ReadFull(a.rand, s.nonce[:]); err != nil {
		return nil, apdu.SWConditionsNotSatisfied
	}
	sealed, err := cardproto.Seal(a.rand, st.OwnerPub, cardproto.EncodePurseOffers(offers), s.nonce[:])
	if err != nil {
		return nil, apdu.SWConditionsNotSatisfied
	}
	key, err := account.FromBytes(st.Key)
	if err != nil {
		return nil, apdu.SWConditionsNotSatisfied
	}
	cr := ledger.ConversionRequest{Card: st.Address, Fiat: req.Fiat, FiatAmount: req.FiatAmount, Payee: req.Payee,
		Challenge: req.Challenge, Nonce: s.nonce, Sealed: ledger.Keccak256(sealed)}
	sig, err := key.Sign(st.domain().Digest(cr.StructHash()))
	if err != nil {
		return nil, apdu.SWConditionsNotSatisfied
	}
	a.conv = s
	resp := cardproto.ConvertRequestResponse{Nonce: s.nonce, Sealed: sealed, Sig: ledger.Sig(sig)}
	return resp.Bytes(), apdu.SWOK
}

// convertApprove is CONVERT phase 2: with its owner's signed approval the
// card signs an online record paying the approved amount of the approved
// asset to its owner, who converts and pays the merchant. The amount
// counts in D like any debit; only confirmed value (T − D) pays it.
func (a *Applet) convertApprove(data []byte) ([]byte, uint16) {
	st, s := a.st, a.conv
	a.conv = nil // one approval per request, whatever happens
	if s == nil || st.Life != LifeActive {
		return nil, apdu.SWConditionsNotSatisfied
	}
	ap, err := cardproto.ParseConvertApproval(data)
	if err != nil || ap.Amount.IsZero() {
		return nil, apdu.SWWrongData
	}
	ca := ledger.ConversionApproval{Card: st.Address, Nonce: ap.Nonce, Asset: ap.Asset, Amount: ap.Amount, Collector: ap.Collector}
	signer, err := account.Recover(st.domain().Digest(ca.StructHash()), ap.Sig)
	if err != nil || signer != st.Owner || ap.Nonce != s.nonce {
		return nil, apdu.SWDataInvalid
	}
	if ap.Collector != st.Owner || ap.Asset == s.fiat {
		return nil, apdu.SWWrongData // the card pays only its owner, in another asset
	}
	p := st.purse(ap.Asset)
	if p == nil {
		return nil, apdu.SWNotFound
	}
	// The PIN rule of both purses: the fiat's (if the card has one) on the
	// fiat amount, the paying purse's on the amount it pays.
	fp := st.purse(s.fiat)
	if (fp != nil && s.amount.Gt(&fp.Limits.NoPinLimit) || ap.Amount.Gt(&p.Limits.NoPinLimit)) && !a.pinOK {
		return nil, a.needPIN()
	}
	if p.T.Lt(&p.D) || new(uint256.Int).Sub(&p.T, &p.D).Lt(&ap.Amount) {
		return nil, apdu.SWInsufficientFunds
	}
	_, r, sw := a.debit(ap.Asset, &ap.Amount, ap.Collector, s.challenge, ledger.CardModeOnline, nil)
	if sw != apdu.SWOK {
		return nil, sw
	}
	resp := cardproto.PayResponse{Counter: r.Counter, Sig: r.Sig}
	return resp.Bytes(), apdu.SWOK
}
