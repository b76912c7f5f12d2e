// Package terminal is a merchant terminal's payment logic: the offline or
// online decision, the checks of a card's record, the durable record
// queue, and the update value written back to the card online. It talks
// to the card through cardclient (PC/SC in practice), to the network
// through the small Network interface it declares (package client
// implements it over a node's HTTP API), and keeps records through the
// Queue interface it declares (package terminal/queue implements it on
// Pebble).
package terminal

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/anonex/anonex/cardbridge/apdu"
	"github.com/anonex/anonex/cardbridge/cardclient"
	"github.com/anonex/anonex/cardbridge/cardproto"
	"github.com/anonex/anonex/ledger"
	"github.com/holiman/uint256"
)

// Network is what a terminal needs of an anonex node.
type Network interface {
	// CardStatus reports a card's registration and hot-list status.
	CardStatus(ctx context.Context, card ledger.Address) (CardStatus, error)
	// UpdateValue fetches the card's newest update value for a purse at
	// update base; upToDate when there is nothing newer.
	UpdateValue(ctx context.Context, card ledger.Address, asset ledger.Hash, base uint64) (u cardproto.Update, upToDate bool, err error)
	// Submit hands a signed record to the network.
	Submit(ctx context.Context, tx *ledger.Tx) (ledger.Hash, error)
	// WaitSettled waits until a transaction settles or fails.
	WaitSettled(ctx context.Context, id ledger.Hash) (settled bool, reason string, err error)
	// RequestConversion relays a card's conversion request to its owner's
	// wallet and returns the wallet's signed approval.
	RequestConversion(ctx context.Context, r ConversionRequest) (cardproto.ConvertApproval, error)
	// CompleteConversion relays the card's record for an approved
	// conversion; the wallet submits the conversion payment and returns
	// its id.
	CompleteConversion(ctx context.Context, nonce ledger.Hash, counter uint64, sig ledger.Sig) (ledger.Hash, error)
}

// Queue is the terminal's durable store: card records not yet accepted by
// the network, and the highest counter seen per card. Put returns only
// once the record is on disk (synced): the terminal approves a payment
// after Put, so a terminal killed at any point loses nothing it approved.
type Queue interface {
	// Put stores a record (wire form) and raises the card's counter to
	// counter if it is higher.
	Put(id ledger.Hash, card ledger.Address, counter uint64, raw []byte) error
	// Counter is the highest counter of a card stored (0 if none).
	Counter(card ledger.Address) uint64
	// Done removes a record the network accepted.
	Done(id ledger.Hash) error
	// Pending lists the records still to forward, by id.
	Pending() (map[ledger.Hash][]byte, error)
}

// CardStatus is the network's view of a card.
type CardStatus struct {
	Registered bool
	Issuer     ledger.Address
	HotListed  bool
	Reason     string
}

// Config configures a terminal.
type Config struct {
	Domain  ledger.Domain    // the network's EIP-712 domain
	Payee   ledger.Address   // the merchant's account: where payments go
	Trusted []ledger.Address // issuers whose cards this terminal takes
	// Floor is the highest amount per asset paid offline; above it, or for
	// an asset not listed, the terminal goes online.
	Floor map[ledger.Hash]*uint256.Int
	// WaitSettled makes an online payment wait for settlement before it is
	// approved (the default policy).
	WaitSettled bool
	Queue       Queue
	Net         Network
	// HotList is the hot-list as this terminal last fetched it (card →
	// reason): an offline payment refuses a card on it. Online payments
	// ask the network instead.
	HotList map[ledger.Address]string
	// PIN asks the cardholder for the PIN (nil: payments that need one
	// are declined).
	PIN func() (string, error)
	// Convert lets an online payment that the card cannot make in the
	// terminal's asset convert from another of its purses (PayConverted).
	Convert bool
	// Confirm, when set, is shown a conversion's quote once the card
	// owner's wallet approved it and before the card signs anything;
	// false declines the payment (CodeNotConfirmed) with nothing signed.
	// Nil converts without asking.
	Confirm func(Quote) bool
	// Rand is where the payment challenges come from. Default
	// crypto/rand.Reader.
	Rand io.Reader
}

// Decline codes.
const (
	CodeInsufficientFunds = "insufficient_funds"
	CodePINBlocked        = "pin_blocked"
	CodeWrongPIN          = "wrong_pin"
	CodeLimitExceeded     = "limit_exceeded"
	CodeUnknownIssuer     = "unknown_issuer"
	CodeCounterfeit       = "counterfeit"
	CodeHotListed         = "hot_listed"
	CodeCardRemoved       = "card_removed"
	CodeNetwork           = "network_unavailable"
	CodeRefused           = "refused"
	CodeNotConfirmed      = "not_confirmed"
)

// Result is the outcome of one payment.
type Result struct {
	Mode   string      `json:"mode"`   // offline | online
	Status string      `json:"status"` // approved | declined
	Code   string      `json:"code,omitempty"`
	Reason string      `json:"reason,omitempty"`
	TxID   ledger.Hash `json:"tx_id"`
	Card   string      `json:"card,omitempty"`
	APDUs  int         `json:"apdus"`
	// InDoubt is the challenge of a payment whose card was pulled after
	// the terminal asked it to sign: the card may have signed. Recover
	// with it once the card is back.
	InDoubt *ledger.Hash `json:"in_doubt,omitempty"`
	// Conversion is set for a payment converted from another asset.
	Conversion *Conversion `json:"conversion,omitempty"`
	// Updates are the update values the terminal wrote to the card's
	// purses during the payment (a load or a credit settled since the
	// card was last online), in the order written.
	Updates []Update `json:"updates,omitempty"`
	// Available is what the card's purse could spend (base units: T − D,
	// with received value) when the card declined for insufficient funds.
	Available string `json:"available_units,omitempty"`
}

// Update is an update value the terminal wrote to a purse of the card:
// its T, the settled credits its issuer signed, before and after.
type Update struct {
	Asset  ledger.Hash `json:"asset"`
	Before string      `json:"t_before_units"`
	After  string      `json:"t_after_units"`
}

// writeUpdate writes an update value to the card and records it.
func writeUpdate(cl *cardclient.Client, u *cardproto.Update, before *uint256.Int, ups *[]Update) error {
	if err := cl.Update(u); err != nil {
		return err
	}
	*ups = append(*ups, Update{Asset: u.Asset, Before: before.Dec(), After: u.Total.Dec()})
	return nil
}

func decline(mode, code, format string, args ...any) Result {
	return Result{Mode: mode, Status: "declined", Code: code, Reason: fmt.Sprintf(format, args...)}
}

// counting counts the APDU exchanges of a payment.
type counting struct {
	t cardclient.Transport
	n int
}

func (c *counting) Transmit(cmd apdu.Command) (apdu.Response, error) {
	c.n++
	return c.t.Transmit(cmd)
}

// Pay takes a payment from the card behind t.
func Pay(ctx context.Context, cfg *Config, t cardclient.Transport, asset ledger.Hash, amount *uint256.Int) (r Result) {
	ct := &counting{t: t}
	var ups []Update
	defer func() { r.APDUs, r.Updates = ct.n, ups }()
	cl := cardclient.New(ct)
	info, res, ok := begin(cfg, cl)
	if !ok {
		return res
	}
	if floor, ok := cfg.Floor[asset]; ok && !amount.Gt(floor) {
		if why, listed := cfg.HotList[info.Address]; listed {
			return withCard(decline("offline", CodeHotListed, "the card is on its issuer's hot-list as this terminal last fetched it (%s)", why), info)
		}
		res, fallback := payOffline(ctx, cfg, cl, info, asset, amount)
		if !fallback {
			return withCard(res, info)
		}
	}
	return withCard(payOnline(ctx, cfg, cl, info, asset, amount, &ups), info)
}

// begin selects the card and checks its certificate.
func begin(cfg *Config, cl *cardclient.Client) (cardproto.Info, Result, bool) {
	info, err := cl.Select()
	if err != nil {
		return info, cardError("offline", err), false
	}
	if info.Life != cardproto.LifeActive {
		if info.Life == cardproto.LifeTerminated {
			return info, withCard(decline("offline", CodePINBlocked, "the card is blocked for good (PUK blocked)"), info), false
		}
		return info, withCard(decline("offline", CodeRefused, "the card is not personalized"), info), false
	}
	cc := ledger.CardCertificate{Card: info.Address, Owner: info.Owner}
	issuer, err := recoverAddr(cfg.Domain.Digest(cc.StructHash()), info.Cert)
	if err != nil || !contains(cfg.Trusted, issuer) {
		return info, withCard(decline("offline", CodeUnknownIssuer, "the card's certificate is not from an issuer this terminal trusts (counterfeit or unknown issuer)"), info), false
	}
	return info, Result{}, true
}

func withCard(r Result, info cardproto.Info) Result {
	r.Card = info.Address.Hex()
	return r
}

// payOffline asks the card to sign offline. It falls back to online when
// the card's own limits, its set amount or a PIN stand in the way.
func payOffline(ctx context.Context, cfg *Config, cl *cardclient.Client, info cardproto.Info, asset ledger.Hash, amount *uint256.Int) (Result, bool) {
	ch, res, ok := cfg.challenge("offline")
	if !ok {
		return res, false
	}
	req := &cardproto.PayRequest{Asset: asset, Amount: *amount, Payee: cfg.Payee, Challenge: ch}
	resp, err := cl.Pay(ledger.CardModeOffline, req)
	if err != nil && !errors.As(err, new(*apdu.SWError)) {
		r := cardError("offline", err)
		r.InDoubt = &req.Challenge
		return r, false
	}
	var swe *apdu.SWError
	if errors.As(err, &swe) {
		switch swe.SW {
		case apdu.SWOfflineLimit, apdu.SWInsufficientFunds, apdu.SWSecurityNotSatisfied:
			return Result{}, true // online may still pay: an update value, or the PIN
		}
	}
	if err != nil {
		return cardError("offline", err), false
	}
	tx := cardclient.PaymentTx(info.Address, req, ledger.CardModeOffline, &resp)
	if res, ok := checkRecord(cfg, info, tx, resp.Counter, "offline"); !ok {
		return res, false
	}
	id := tx.ID(cfg.Domain)
	if err := cfg.Queue.Put(id, info.Address, resp.Counter, tx.Encode()); err != nil {
		return decline("offline", CodeRefused, "the terminal could not store the record: %v", err), false
	}
	// Forward now if the network is there, with what waited for it; the
	// queue keeps the record otherwise. An offline payment never waits
	// long for a network that is not there.
	fctx, cancel := context.WithTimeout(ctx, forwardTimeout)
	defer cancel()
	if _, err := cfg.Net.Submit(fctx, tx); err == nil {
		cfg.Queue.Done(id)
		Forward(fctx, cfg)
	}
	return Result{Mode: "offline", Status: "approved", TxID: id}, false
}

// checkRecord verifies a record: the card's signature (and its
// attachments'), that it pays this terminal what was asked, and that its
// counter is new to this terminal (a repeat is a clone or a replay).
func checkRecord(cfg *Config, info cardproto.Info, tx *ledger.Tx, counter uint64, mode string) (Result, bool) {
	if _, err := ledger.Verify(tx, cfg.Domain, recoverer{}); err != nil {
		return decline(mode, CodeCounterfeit, "the card's signature does not verify: %v", err), false
	}
	if counter <= cfg.Queue.Counter(info.Address) {
		return decline(mode, CodeCounterfeit, "the card reused counter %d (cloned card?)", counter), false
	}
	return Result{}, true
}

// onlineChecks asks the network about the card (hot list, registration)
// and reads its status.
func onlineChecks(ctx context.Context, cfg *Config, cl *cardclient.Client, info cardproto.Info) (cardproto.Status, Result, bool) {
	cs, err := cfg.Net.CardStatus(ctx, info.Address)
	if err != nil {
		return cardproto.Status{}, decline("online", CodeNetwork,
			"this payment needs the network (above the floor limit or the card's offline limits) and the network is unreachable; nothing was paid: %v", err), false
	}
	switch {
	case cs.HotListed:
		return cardproto.Status{}, decline("online", CodeHotListed, "the card is on its issuer's hot-list (%s)", cs.Reason), false
	case !cs.Registered:
		return cardproto.Status{}, decline("online", CodeUnknownIssuer, "the card is not registered on the ledger"), false
	}
	st, err := cl.Status()
	if err != nil {
		return st, cardError("online", err), false
	}
	return st, Result{}, true
}

// askPIN verifies the PIN when amount is above the no-PIN limit of the
// card's purse that pays it (limits are per purse, in its asset's units).
func askPIN(cfg *Config, cl *cardclient.Client, amount *uint256.Int, limits *cardproto.Limits) (Result, bool) {
	if !amount.Gt(&limits.NoPinLimit) {
		return Result{}, true
	}
	return verifyPIN(cfg, cl)
}

// verifyPIN asks the cardholder for the PIN and verifies it on the card.
func verifyPIN(cfg *Config, cl *cardclient.Client) (Result, bool) {
	if cfg.PIN == nil {
		return decline("online", CodeRefused, "the payment needs the PIN and this terminal has no PIN pad"), false
	}
	pin, err := cfg.PIN()
	if err != nil {
		return decline("online", CodeRefused, "no PIN: %v", err), false
	}
	if err := cl.VerifyPIN(pin); err != nil {
		return cardError("online", err), false
	}
	return Result{}, true
}

func payOnline(ctx context.Context, cfg *Config, cl *cardclient.Client, info cardproto.Info, asset ledger.Hash, amount *uint256.Int, ups *[]Update) Result {
	st, res, ok := onlineChecks(ctx, cfg, cl, info)
	if !ok {
		return res
	}
	var purse *cardproto.Purse
	for i := range st.Purses {
		if st.Purses[i].Asset == asset {
			purse = &st.Purses[i]
		}
	}
	if purse == nil {
		if cfg.Convert {
			return payConverted(ctx, cfg, cl, info, &st, asset, amount, ups)
		}
		return decline("online", CodeRefused, "the card holds no purse in this asset")
	}
	// Bring the card's T up to what has settled: the update value.
	if u, upToDate, err := cfg.Net.UpdateValue(ctx, info.Address, asset, purse.Seq); err != nil {
		return decline("online", CodeNetwork, "no update value: %v", err)
	} else if !upToDate {
		if err := writeUpdate(cl, &u, &purse.T, ups); err != nil {
			return cardError("online", err)
		}
		purse.T = u.Total
	}
	// What the purse can pay: T − D, plus unconfirmed received value
	// (counted in the first purse only).
	spend := new(uint256.Int).Set(&purse.T)
	if st.Purses[0].Asset == asset {
		spend.Add(spend, &st.ReceivedValue)
	}
	if purse.D.Gt(spend) {
		spend.Clear()
	} else {
		spend.Sub(spend, &purse.D)
	}
	if cfg.Convert && spend.Lt(amount) {
		return payConverted(ctx, cfg, cl, info, &st, asset, amount, ups)
	}
	if res, ok := askPIN(cfg, cl, amount, &purse.Limits); !ok {
		return res
	}
	ch, res, ok := cfg.challenge("online")
	if !ok {
		return res
	}
	req := &cardproto.PayRequest{Asset: asset, Amount: *amount, Payee: cfg.Payee, Challenge: ch}
	resp, err := cl.Pay(ledger.CardModeOnline, req)
	if err != nil {
		r := cardError("online", err)
		if !errors.As(err, new(*apdu.SWError)) {
			r.InDoubt = &req.Challenge
		}
		if r.Code == CodeInsufficientFunds {
			r.Available = spend.Dec()
		}
		return r
	}
	tx := cardclient.PaymentTx(info.Address, req, ledger.CardModeOnline, &resp)
	if res, ok := checkRecord(cfg, info, tx, resp.Counter, "online"); !ok {
		return res
	}
	id := tx.ID(cfg.Domain)
	if err := cfg.Queue.Put(id, info.Address, resp.Counter, tx.Encode()); err != nil {
		return decline("online", CodeRefused, "the terminal could not store the record: %v", err)
	}
	if _, err := cfg.Net.Submit(ctx, tx); err != nil {
		return Result{Mode: "online", Status: "declined", Code: CodeNetwork, TxID: id,
			Reason: fmt.Sprintf("the card signed, but the network did not take the record (kept to forward): %v", err)}
	}
	cfg.Queue.Done(id)
	Forward(ctx, cfg) // the network is back: send what waited for it
	if cfg.WaitSettled {
		ok, reason, err := cfg.Net.WaitSettled(ctx, id)
		switch {
		case err != nil:
			return Result{Mode: "online", Status: "declined", Code: CodeNetwork, TxID: id, Reason: fmt.Sprintf("not settled: %v", err)}
		case !ok:
			return Result{Mode: "online", Status: "declined", Code: CodeRefused, TxID: id, Reason: reason}
		}
	}
	return Result{Mode: "online", Status: "approved", TxID: id}
}

// cardError turns a card's answer or a transport failure into a decline.
func cardError(mode string, err error) Result {
	code, reason := Refusal(err)
	return decline(mode, code, "%s", reason)
}

// Refusal says in words what a card's answer (an *apdu.SWError) or a
// failure to reach the card means, with the decline code a payment gets
// for it. Every program that drives a card (a terminal, the wallet's card
// commands) says it the same way.
func Refusal(err error) (code, reason string) {
	var swe *apdu.SWError
	if !errors.As(err, &swe) {
		return CodeCardRemoved, fmt.Sprintf("the card was removed or did not answer: %v", err)
	}
	if left, ok := apdu.WrongPIN(swe.SW); ok {
		if left == 0 {
			return CodePINBlocked, "wrong PIN, no try left: the PIN is blocked (unblock it with the PUK)"
		}
		return CodeWrongPIN, fmt.Sprintf("wrong PIN, %d tries left", left)
	}
	switch swe.SW {
	case apdu.SWBlocked:
		return CodePINBlocked, "the PIN is blocked (unblock it with the PUK)"
	case apdu.SWInsufficientFunds:
		return CodeInsufficientFunds, "insufficient funds on the card"
	case apdu.SWOfflineLimit:
		return CodeLimitExceeded, "the card's offline limit is exceeded"
	case apdu.SWSecurityNotSatisfied:
		return CodeRefused, "the card wants the PIN"
	case apdu.SWUntrustedIssuer:
		return CodeCounterfeit, "the card does not trust the issuer of what it was given (a certificate or a signed value of another issuer)"
	case apdu.SWDataInvalid:
		return CodeCounterfeit, "the card refused a signed value: a signature, certificate or challenge does not verify"
	case apdu.SWNotFound:
		return CodeRefused, "the card holds no purse in this asset"
	case apdu.SWNotEnoughMemory:
		return CodeRefused, "the card holds as many unconfirmed records as it can: it must go online first (any online terminal, or anonex card update)"
	case apdu.SWConditionsNotSatisfied:
		return CodeRefused, "the card cannot do this in its present state (not personalized, terminated, or no challenge given)"
	case apdu.SWWrongData:
		return CodeRefused, "the card refused the request's data (a zero amount, an amount it cannot hold, or a payment to itself)"
	}
	return CodeRefused, fmt.Sprintf("the card refused: %s (status word %04X)", apdu.SWText(swe.SW), swe.SW)
}

// forwardTimeout bounds an offline payment's attempt to forward its record.
const forwardTimeout = 5 * time.Second

// challenge draws a payment's challenge: the card signs it into the
// record, so two payments of the same amount are two records.
func (c *Config) challenge(mode string) (ledger.Hash, Result, bool) {
	var h ledger.Hash
	r := c.Rand
	if r == nil {
		r = rand.Reader
	}
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return h, decline(mode, CodeRefused, "the terminal has no randomness for a challenge: %v", err), false
	}
	return h, Result{}, true
}

func contains(xs []ledger.Address, a ledger.Address) bool {
	for _, x := range xs {
		if x == a {
			return true
		}
	}
	return false
}

// Forward submits every queued record the network has not taken yet, and
// drops those it accepts. It returns how many remain and the last error.
func Forward(ctx context.Context, cfg *Config) (left int, err error) {
	pend, err := cfg.Queue.Pending()
	if err != nil {
		return 0, err
	}
	for id, raw := range pend {
		tx, derr := ledger.DecodeTx(raw)
		if derr != nil {
			left, err = left+1, fmt.Errorf("terminal: queued record %s does not decode: %w", id.Hex(), derr)
			continue
		}
		if _, serr := cfg.Net.Submit(ctx, tx); serr != nil {
			left, err = left+1, serr
			continue
		}
		if derr := cfg.Queue.Done(id); derr != nil {
			return left, derr
		}
	}
	return left, err
}

// Recover settles a payment left in doubt when the card was pulled: the
// card keeps its last signed records readable, so the terminal looks for
// the one with its challenge. Found, the record is checked, stored and
// forwarded like any other and the payment is approved; not found, the
// card never signed and nothing was paid.
func Recover(ctx context.Context, cfg *Config, t cardclient.Transport, challenge ledger.Hash) Result {
	cl := cardclient.New(t)
	info, err := cl.Select()
	if err != nil {
		return cardError("offline", err)
	}
	for n := 0; n < 8; n++ {
		rv, err := cl.ReadRecord(n)
		if err != nil {
			break // no more records
		}
		if rv.Challenge != challenge {
			continue
		}
		mode := "offline"
		if rv.Mode == ledger.CardModeOnline {
			mode = "online"
		}
		tx := cardclient.RecordTx(info.Address, &rv)
		if _, err := ledger.Verify(tx, cfg.Domain, recoverer{}); err != nil || rv.Payee != cfg.Payee {
			return decline(mode, CodeCounterfeit, "the record read back does not verify")
		}
		id := tx.ID(cfg.Domain)
		if err := cfg.Queue.Put(id, info.Address, rv.Counter, tx.Encode()); err != nil {
			return decline(mode, CodeRefused, "the terminal could not store the record: %v", err)
		}
		if _, err := cfg.Net.Submit(ctx, tx); err == nil {
			cfg.Queue.Done(id)
		}
		return withCard(Result{Mode: mode, Status: "approved", TxID: id, Reason: "recovered from the card's records"}, info)
	}
	return withCard(decline("offline", CodeCardRemoved, "the card never signed the payment: nothing was paid"), info)
}
