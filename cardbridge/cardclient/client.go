// Package cardclient is the terminal's and the wallet's side of the anonex
// card applet: typed commands over any Transport (PC/SC through pcscd, or
// in process), with status words turned into errors.
package cardclient

import (
	"errors"
	"fmt"

	"github.com/anonex/anonex/cardbridge/apdu"
	"github.com/anonex/anonex/cardbridge/cardproto"
	"github.com/anonex/anonex/ledger"
	"github.com/holiman/uint256"
)

// Transport carries one command to the card and brings back its whole
// answer (chaining and GET RESPONSE done). Its error is a transport
// failure (a card pulled, no reader); the status word is in the Response.
type Transport interface {
	Transmit(cmd apdu.Command) (apdu.Response, error)
}

// ErrAmountTooLarge refuses an amount a card cannot hold (over 128 bits).
var ErrAmountTooLarge = errors.New("cardclient: amount does not fit a card (128 bits)")

// Client talks to one card.
type Client struct {
	T Transport
}

// New returns a client over t.
func New(t Transport) *Client { return &Client{T: t} }

func (c *Client) do(cla, ins, p1, p2 byte, data []byte) ([]byte, error) {
	le := 256
	r, err := c.T.Transmit(apdu.Command{CLA: cla, INS: ins, P1: p1, P2: p2, Data: data, Le: le})
	if err != nil {
		return nil, err
	}
	if r.SW != apdu.SWOK {
		return r.Data, &apdu.SWError{SW: r.SW}
	}
	return r.Data, nil
}

// Select selects the applet and returns what an offline payment needs.
func (c *Client) Select() (cardproto.Info, error) {
	b, err := c.do(apdu.CLAISO, cardproto.INSSelect, 0x04, 0x00, cardproto.AID)
	if err != nil {
		return cardproto.Info{}, err
	}
	return cardproto.ParseInfo(b)
}

// Status reads the card's whole status.
func (c *Client) Status() (cardproto.Status, error) {
	b, err := c.do(cardproto.CLAProp, cardproto.INSGetStatus, 0, 0, nil)
	if err != nil {
		return cardproto.Status{}, err
	}
	return cardproto.ParseStatus(b)
}

// GenerateKey has a blank card make its key; it returns the public key.
func (c *Client) GenerateKey() ([]byte, error) {
	return c.do(cardproto.CLAProp, cardproto.INSGenerateKey, 0, 0, nil)
}

// Personalize sets owner, issuer certificate, trust, PIN, PUK, limits and
// purses, once.
func (c *Client) Personalize(p *cardproto.Personalization) error {
	_, err := c.do(cardproto.CLAProp, cardproto.INSPersonalize, 0, 0, p.Bytes())
	return err
}

// VerifyPIN presents the PIN for this session. A wrong PIN is an
// *apdu.SWError 63CX (apdu.WrongPIN gives the tries left); a blocked one
// 6983.
func (c *Client) VerifyPIN(pin string) error {
	_, err := c.do(apdu.CLAISO, cardproto.INSVerify, 0, cardproto.PINRef, []byte(pin))
	return err
}

// ChangePIN replaces the PIN.
func (c *Client) ChangePIN(old, nw string) error {
	_, err := c.do(apdu.CLAISO, cardproto.INSChangePIN, 0, cardproto.PINRef, cardproto.Secrets(old, nw))
	return err
}

// UnblockPIN sets a new PIN with the PUK.
func (c *Client) UnblockPIN(puk, nw string) error {
	_, err := c.do(apdu.CLAISO, cardproto.INSUnblock, 0, cardproto.PINRef, cardproto.Secrets(puk, nw))
	return err
}

// Challenge asks the card for a one-use challenge (card to card).
func (c *Client) Challenge() (ledger.Hash, error) {
	b, err := c.do(apdu.CLAISO, cardproto.INSChallenge, 0, 0, nil)
	if err != nil {
		return ledger.Hash{}, err
	}
	if len(b) != 32 {
		return ledger.Hash{}, fmt.Errorf("%w: challenge of %d bytes", cardproto.ErrMalformed, len(b))
	}
	return ledger.Hash(b), nil
}

// Update writes an update value (an issuer-signed T).
func (c *Client) Update(u *cardproto.Update) error {
	if _, ok := cardproto.Amount16(&u.Total); !ok {
		return ErrAmountTooLarge
	}
	_, err := c.do(cardproto.CLAProp, cardproto.INSUpdate, 0, 0, u.Bytes())
	return err
}

// Pay has the card sign a record: mode ledger.CardModeOffline or Online.
func (c *Client) Pay(mode uint8, req *cardproto.PayRequest) (cardproto.PayResponse, error) {
	return c.sign(cardproto.INSPay, mode, req)
}

// Send has a paying card sign a card-to-card record for another card.
func (c *Client) Send(req *cardproto.PayRequest) (cardproto.PayResponse, error) {
	return c.sign(cardproto.INSSend, 0, req)
}

func (c *Client) sign(ins, p1 byte, req *cardproto.PayRequest) (cardproto.PayResponse, error) {
	if _, ok := cardproto.Amount16(&req.Amount); !ok {
		return cardproto.PayResponse{}, ErrAmountTooLarge
	}
	b, err := c.do(cardproto.CLAProp, ins, p1, 0, req.Bytes())
	if err != nil {
		return cardproto.PayResponse{}, err
	}
	return cardproto.ParsePayResponse(b)
}

// ConvertRequest is CONVERT phase 1: the card's conversion request for a
// fiat amount (PIN first when the amount is above its no-PIN limit).
func (c *Client) ConvertRequest(req *cardproto.ConvertRequest) (cardproto.ConvertRequestResponse, error) {
	if _, ok := cardproto.Amount16(&req.FiatAmount); !ok {
		return cardproto.ConvertRequestResponse{}, ErrAmountTooLarge
	}
	b, err := c.do(cardproto.CLAProp, cardproto.INSConvert, cardproto.ConvertRequestP1, 0, req.Bytes())
	if err != nil {
		return cardproto.ConvertRequestResponse{}, err
	}
	return cardproto.ParseConvertRequestResponse(b)
}

// ConvertApprove is CONVERT phase 2: the owner's approval; the card signs
// its record paying the owner.
func (c *Client) ConvertApprove(a *cardproto.ConvertApproval) (cardproto.PayResponse, error) {
	if _, ok := cardproto.Amount16(&a.Amount); !ok {
		return cardproto.PayResponse{}, ErrAmountTooLarge
	}
	b, err := c.do(cardproto.CLAProp, cardproto.INSConvert, cardproto.ConvertApproveP1, 0, a.Bytes())
	if err != nil {
		return cardproto.PayResponse{}, err
	}
	return cardproto.ParsePayResponse(b)
}

// Receive gives a receiving card the payer's record (after Challenge).
func (c *Client) Receive(r *cardproto.Received) error {
	_, err := c.do(cardproto.CLAProp, cardproto.INSReceive, 0, 0, r.Bytes())
	return err
}

// ReadRecord reads the n-th newest record the card signed (0 = newest).
func (c *Client) ReadRecord(n int) (cardproto.RecordView, error) {
	b, err := c.do(cardproto.CLAProp, cardproto.INSReadRecords, byte(n), 0, nil)
	if err != nil {
		return cardproto.RecordView{}, err
	}
	return cardproto.ParseRecordView(b)
}

// SetLimits writes issuer- or owner-signed limits.
func (c *Client) SetLimits(l *cardproto.LimitsUpdate) error {
	_, err := c.do(cardproto.CLAProp, cardproto.INSSetLimits, 0, 0, l.Bytes())
	return err
}

// PaymentTx builds the ledger transaction of a signed payment: the record,
// its signature and the attached card-to-card records, in the card's order
// (the record's signature covers which ones).
func PaymentTx(card ledger.Address, req *cardproto.PayRequest, mode uint8, resp *cardproto.PayResponse) *ledger.Tx {
	p := &ledger.CardPayment{CardRecord: ledger.CardRecord{Card: card, Asset: req.Asset, Amount: req.Amount, Payee: req.Payee,
		Counter: resp.Counter, Challenge: req.Challenge, Mode: mode, AttachedHash: resp.AttachedHash}}
	p.Attached = attachedTxs(card, resp.Attached)
	return &ledger.Tx{Payload: p, Sig: resp.Sig}
}

func attachedTxs(card ledger.Address, rcs []cardproto.Received) []*ledger.Tx {
	var out []*ledger.Tx
	for _, rc := range rcs {
		out = append(out, &ledger.Tx{Payload: &ledger.CardPayment{CardRecord: rc.Record(card)}, Sig: rc.Sig})
	}
	return out
}

// RecordTx builds the ledger transaction of a record read back with
// ReadRecord, with the attachments the card signed it with.
func RecordTx(card ledger.Address, r *cardproto.RecordView) *ledger.Tx {
	p := &ledger.CardPayment{CardRecord: r.Record(card), Attached: attachedTxs(card, r.Attached)}
	return &ledger.Tx{Payload: p, Sig: r.Sig}
}

// Consent asks the card for its consent to be registered (CARD CONSENT):
// its signature of CardConsent(card, its issuer, its owner), which the
// issuer's CardRegister carries.
func (c *Client) Consent() (ledger.Sig, error) {
	b, err := c.do(cardproto.CLAProp, cardproto.INSConsent, 0, 0, nil)
	if err != nil {
		return ledger.Sig{}, err
	}
	if len(b) != len(ledger.Sig{}) {
		return ledger.Sig{}, fmt.Errorf("%w: a consent of %d bytes", cardproto.ErrMalformed, len(b))
	}
	return ledger.Sig(b), nil
}

// Units converts an amount for a card.
func Units(v *uint256.Int) (uint256.Int, error) {
	if _, ok := cardproto.Amount16(v); !ok {
		return uint256.Int{}, ErrAmountTooLarge
	}
	return *v, nil
}
