package terminal

import (
	"context"
	"errors"
	"fmt"

	"github.com/anonex/anonex/cardbridge/apdu"
	"github.com/anonex/anonex/cardbridge/cardclient"
	"github.com/anonex/anonex/cardbridge/cardproto"
	"github.com/anonex/anonex/ledger"
	"github.com/holiman/uint256"
)

// ConversionRequest is a card's signed conversion request (CONVERT phase
// 1) with the terminal's fields, as relayed to the owner's wallet.
type ConversionRequest struct {
	Card       ledger.Address
	Fiat       ledger.Hash
	FiatAmount uint256.Int
	Payee      ledger.Address
	Challenge  ledger.Hash
	cardproto.ConvertRequestResponse
}

// Quote is a conversion as the card owner's wallet approved it, shown to
// Config.Confirm before the card signs: the card pays Amount of Asset (to
// its owner, who pays FiatAmount of Fiat to the merchant).
type Quote struct {
	Card       ledger.Address
	Fiat       ledger.Hash
	FiatAmount uint256.Int
	Asset      ledger.Hash
	Amount     uint256.Int
}

// Conversion is what a converted payment took from the card.
type Conversion struct {
	Asset  ledger.Hash `json:"asset"`
	Amount string      `json:"amount"` // base units of Asset
	Record ledger.Hash `json:"record"` // the card's record (it pays its owner)
}

// PayConverted takes a payment of amount of fiat from a card that pays in
// another asset: online only (a quote goes stale). The terminal sends the
// card the transaction type and the fiat amount; the card's conversion
// request goes to its owner's wallet, whose signed approval the card
// needs to sign a record of the crypto amount (paying its owner); the
// wallet then submits the conversion payment, and the terminal approves
// once the fiat leg has settled to its payee.
func PayConverted(ctx context.Context, cfg *Config, t cardclient.Transport, fiat ledger.Hash, amount *uint256.Int) (r Result) {
	ct := &counting{t: t}
	var ups []Update
	defer func() { r.APDUs, r.Updates = ct.n, ups }()
	cl := cardclient.New(ct)
	info, res, ok := begin(cfg, cl)
	if !ok {
		return res
	}
	st, res, ok := onlineChecks(ctx, cfg, cl, info)
	if !ok {
		return withCard(res, info)
	}
	return withCard(payConverted(ctx, cfg, cl, info, &st, fiat, amount, &ups), info)
}

// payConverted converts for a card whose online checks passed (st is its
// status then).
func payConverted(ctx context.Context, cfg *Config, cl *cardclient.Client, info cardproto.Info, st *cardproto.Status, fiat ledger.Hash, amount *uint256.Int, ups *[]Update) Result {
	const mode = "online"
	// Bring every other purse's T up to what has settled: the card pays a
	// conversion from confirmed value only.
	for _, p := range st.Purses {
		if p.Asset == fiat {
			continue
		}
		u, upToDate, err := cfg.Net.UpdateValue(ctx, info.Address, p.Asset, p.Seq)
		if err != nil {
			return decline(mode, CodeNetwork, "no update value: %v", err)
		}
		if !upToDate {
			if err := writeUpdate(cl, &u, &p.T, ups); err != nil {
				return cardError(mode, err)
			}
		}
	}
	// The PIN, when the card's purse in the fiat asset (if it has one)
	// wants it for this amount; the approved amount is checked against
	// its own purse's limit below.
	pinDone := false
	if fp := st.Purse(fiat); fp != nil && amount.Gt(&fp.Limits.NoPinLimit) {
		if res, ok := verifyPIN(cfg, cl); !ok {
			return res
		}
		pinDone = true
	}
	ch, res, ok := cfg.challenge(mode)
	if !ok {
		return res
	}
	req := &cardproto.ConvertRequest{Type: cardproto.TxPurchase, Fiat: fiat, FiatAmount: *amount, Payee: cfg.Payee, Challenge: ch}
	cr, err := cl.ConvertRequest(req)
	if err != nil {
		return cardError(mode, err)
	}
	rel := ConversionRequest{Card: info.Address, Fiat: fiat, FiatAmount: *amount, Payee: cfg.Payee, Challenge: req.Challenge, ConvertRequestResponse: cr}
	ap, err := cfg.Net.RequestConversion(ctx, rel)
	if err != nil {
		return decline(mode, CodeRefused, "the card's wallet did not approve the conversion: %v", err)
	}
	if cfg.Confirm != nil && !cfg.Confirm(Quote{Card: info.Address, Fiat: fiat, FiatAmount: *amount, Asset: ap.Asset, Amount: ap.Amount}) {
		return decline(mode, CodeNotConfirmed, "the conversion was not accepted: the card signed nothing, nothing was paid")
	}
	// The purse that pays has its own no-PIN limit, in its units: the
	// card keeps the request across a VERIFY.
	if pp := st.Purse(ap.Asset); !pinDone && pp != nil && ap.Amount.Gt(&pp.Limits.NoPinLimit) {
		if res, ok := verifyPIN(cfg, cl); !ok {
			return res
		}
	}
	resp, err := cl.ConvertApprove(&ap)
	if err != nil {
		r := cardError(mode, err)
		if !errors.As(err, new(*apdu.SWError)) {
			r.InDoubt = &req.Challenge
		}
		return r
	}
	// Check the card's record before relaying it.
	rec := &ledger.Tx{Payload: &ledger.CardPayment{CardRecord: ledger.CardRecord{Card: info.Address, Asset: ap.Asset, Amount: ap.Amount,
		Payee: ap.Collector, Counter: resp.Counter, Challenge: req.Challenge, Mode: ledger.CardModeOnline}}, Sig: resp.Sig}
	if _, err := ledger.Verify(rec, cfg.Domain, recoverer{}); err != nil {
		return decline(mode, CodeCounterfeit, "the card's record does not verify: %v", err)
	}
	conv := &Conversion{Asset: ap.Asset, Amount: ap.Amount.Dec(), Record: rec.ID(cfg.Domain)}
	id, err := cfg.Net.CompleteConversion(ctx, cr.Nonce, resp.Counter, resp.Sig)
	if err != nil {
		return Result{Mode: mode, Status: "declined", Code: CodeNetwork, Conversion: conv,
			Reason: fmt.Sprintf("the card signed, but the conversion was not submitted: %v", err)}
	}
	ok2, reason, err := cfg.Net.WaitSettled(ctx, id)
	switch {
	case err != nil:
		return Result{Mode: mode, Status: "declined", Code: CodeNetwork, TxID: id, Conversion: conv, Reason: fmt.Sprintf("not settled: %v", err)}
	case !ok2:
		// The conversion failed when it settled; the card's record still
		// applied (it paid the owner): nothing is stranded, the merchant
		// was not paid.
		return Result{Mode: mode, Status: "declined", Code: CodeRefused, TxID: id, Conversion: conv,
			Reason: fmt.Sprintf("the conversion failed (%s): the card's record paid its owner, the merchant was not paid", reason)}
	}
	return Result{Mode: mode, Status: "approved", TxID: id, Conversion: conv}
}
