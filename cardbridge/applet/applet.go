package applet

import (
	"bytes"
	"crypto/subtle"
	"errors"
	"io"
	"sort"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/cardbridge/apdu"
	"github.com/anonex/anonex/cardbridge/cardproto"
	"github.com/anonex/anonex/ledger"
	"github.com/holiman/uint256"
)

// ATR is the answer to reset of the virtual card (T=1).
var ATR = []byte{0x3B, 0x80, 0x80, 0x01, 0x01}

const challengeLen = 32

// Applet is the card: persistent state in a two-slot store, and the
// session (selection, PIN verified, challenge) that power-off clears.
type Applet struct {
	store *SlotStore
	st    *State
	rand  io.Reader

	selected  bool
	pinOK     bool
	challenge []byte
	conv      *convSession // a conversion between its two phases
	dead      bool         // power was cut mid-commit: answer nothing sane until reloaded
	chain     apdu.Reassembler
	rest      []byte // response data still to fetch with GET RESPONSE
	restSW    uint16
}

// New loads the card from its memory (a blank card when the memory is).
func New(m Medium, rand io.Reader) (*Applet, error) {
	store, data, err := OpenSlots(m)
	if err != nil {
		return nil, err
	}
	st := &State{}
	if data != nil {
		if err := jsonUnmarshal(data, st); err != nil {
			return nil, err
		}
	}
	return &Applet{store: store, st: st, rand: rand}, nil
}

// State returns a copy of the committed state (for tests and tools).
func (a *Applet) State() *State { return a.st.clone() }

// Reset is a power cycle: the session ends.
func (a *Applet) Reset() {
	a.selected, a.pinOK, a.challenge, a.conv = false, false, nil, nil
	a.chain.Reset()
	a.rest = nil
}

// ATR is the card's answer to reset.
func (a *Applet) ATR() []byte { return ATR }

// Transmit takes one command APDU and returns the response APDU, handling
// command chaining and GET RESPONSE (docs/card-protocol.md). A card always
// answers with a status word.
func (a *Applet) Transmit(raw []byte) []byte {
	cmd, err := apdu.ParseCommand(raw)
	if err != nil {
		return apdu.Response{SW: apdu.SWWrongLength}.Bytes()
	}
	if cmd.CLA == apdu.CLAISO && cmd.INS == apdu.INSGetResponse {
		if a.rest == nil {
			return apdu.Response{SW: apdu.SWConditionsNotSatisfied}.Bytes()
		}
		first, rest := apdu.SplitResponse(a.rest, a.restSW)
		a.rest = rest
		return first.Bytes()
	}
	a.rest = nil // any other command drops an unfetched response
	full, done, err := a.chain.Add(cmd)
	if err != nil {
		var swe *apdu.SWError
		if errors.As(err, &swe) {
			return apdu.Response{SW: swe.SW}.Bytes()
		}
		return apdu.Response{SW: apdu.SWWrongData}.Bytes()
	}
	if !done {
		return apdu.Response{SW: apdu.SWOK}.Bytes()
	}
	data, sw := a.Process(full.CLA&^apdu.ChainBit, full.INS, full.P1, full.P2, full.Data)
	first, rest := apdu.SplitResponse(data, sw)
	if rest != nil {
		a.rest, a.restSW = append([]byte(nil), rest...), sw
	}
	return first.Bytes()
}

// commit makes next the card's state, all or nothing.
func (a *Applet) commit(next *State) uint16 {
	if err := a.store.Commit(next.marshal()); err != nil {
		a.dead = true
		return apdu.SWConditionsNotSatisfied
	}
	a.st = next
	return apdu.SWOK
}

// Process handles one complete command (chaining and GET RESPONSE are
// handled by Transmit) and returns the response data and status word.
func (a *Applet) Process(cla, ins, p1, p2 byte, data []byte) ([]byte, uint16) {
	if a.dead {
		return nil, apdu.SWConditionsNotSatisfied
	}
	if ins == cardproto.INSSelect && cla == apdu.CLAISO {
		return a.selectApplet(p1, data)
	}
	if !a.selected {
		return nil, apdu.SWConditionsNotSatisfied
	}
	if ins != cardproto.INSReceive {
		// A challenge serves only the RECEIVE right after it, so no update
		// value can slip in between: one could otherwise count the record
		// being received in T before the card holds it.
		a.challenge = nil
	}
	if ins != cardproto.INSConvert && !(ins == cardproto.INSVerify && cla == apdu.CLAISO) {
		// A conversion's two phases follow each other; only a VERIFY may
		// come between, when the approved amount needs the PIN.
		a.conv = nil
	}
	iso, prop := cla == apdu.CLAISO, cla == cardproto.CLAProp
	switch {
	case iso && ins == cardproto.INSVerify:
		return nil, a.verifyPIN(data)
	case iso && ins == cardproto.INSChangePIN:
		return nil, a.changePIN(data)
	case iso && ins == cardproto.INSUnblock:
		return nil, a.unblockPIN(data)
	case iso && ins == cardproto.INSChallenge:
		return a.getChallenge()
	case prop && ins == cardproto.INSGetStatus:
		s := a.status()
		return s.Bytes(), apdu.SWOK
	case prop && ins == cardproto.INSGenerateKey:
		return a.generateKey()
	case prop && ins == cardproto.INSPersonalize:
		return nil, a.personalize(data)
	case prop && ins == cardproto.INSUpdate:
		return nil, a.update(data)
	case prop && ins == cardproto.INSPay:
		if p1 != ledger.CardModeOffline && p1 != ledger.CardModeOnline {
			return nil, apdu.SWWrongP1P2
		}
		return a.pay(p1, data)
	case prop && ins == cardproto.INSSend:
		return a.pay(ledger.CardModeToCard, data)
	case prop && ins == cardproto.INSReceive:
		return nil, a.receive(data)
	case prop && ins == cardproto.INSReadRecords:
		return a.readRecord(int(p1))
	case prop && ins == cardproto.INSSetLimits:
		return nil, a.setLimits(data)
	case prop && ins == cardproto.INSConsent:
		return a.consent()
	case prop && ins == cardproto.INSConvert:
		switch p1 {
		case cardproto.ConvertRequestP1:
			return a.convertRequest(data)
		case cardproto.ConvertApproveP1:
			return a.convertApprove(data)
		}
		return nil, apdu.SWWrongP1P2
	case !iso && !prop:
		return nil, apdu.SWCLANotSupported
	}
	return nil, apdu.SWINSNotSupported
}

func (a *Applet) selectApplet(p1 byte, data []byte) ([]byte, uint16) {
	if p1 != 0x04 {
		return nil, apdu.SWWrongP1P2
	}
	if !bytes.Equal(data, cardproto.AID) {
		a.selected = false
		return nil, apdu.SWNotFound
	}
	a.Reset()
	a.selected = true
	s := a.status()
	return s.Info.Bytes(), apdu.SWOK
}

// status is GET STATUS's answer (SELECT's is its Info).
func (a *Applet) status() cardproto.Status {
	st := a.st
	s := cardproto.Status{
		Info: cardproto.Info{Version: cardproto.AppletVersion, Life: st.Life, Address: st.Address, Cert: st.Cert, Owner: st.Owner, Counter: st.Counter,
			PINLeft: st.PINLeft, PUKLeft: st.PUKLeft},
		ChainID: st.ChainID, Anchor: st.Anchor, OfflineRun: st.OfflineRun,
		Trusted: st.Trusted, Purses: st.Purses, Received: uint8(len(st.Received)),
	}
	if len(st.Purses) > 0 {
		s.ReceivedValue = *st.receivedValue(st.Purses[0].Asset)
	}
	return s
}

func (a *Applet) generateKey() ([]byte, uint16) {
	if a.st.Life != LifeBlank {
		return nil, apdu.SWConditionsNotSatisfied
	}
	k, err := account.Generate(a.rand)
	if err != nil {
		return nil, apdu.SWConditionsNotSatisfied
	}
	next := a.st.clone()
	next.Life, next.Key, next.Address = LifeKeyed, k.Bytes(), k.Address()
	next.PINLeft, next.PUKLeft = PINTries, PUKTries
	if sw := a.commit(next); sw != apdu.SWOK {
		return nil, sw
	}
	return k.PublicKey(), apdu.SWOK
}

func (a *Applet) personalize(data []byte) uint16 {
	if a.st.Life != LifeKeyed {
		return apdu.SWConditionsNotSatisfied
	}
	p, err := cardproto.ParsePersonalization(data)
	if err != nil || len(p.Trusted) == 0 || len(p.Trusted) > MaxTrusted || len(p.Assets) == 0 ||
		len(p.Assets) > MaxPurses || len(p.Limits) != len(p.Assets) || !digits([]byte(p.PIN), 6, 12) || !digits([]byte(p.PUK), 8, 12) {
		return apdu.SWWrongData
	}
	next := a.st.clone()
	next.Owner, next.ChainID, next.Anchor, next.Trusted = p.Owner, p.ChainID, p.Anchor, p.Trusted
	cc := ledger.CardCertificate{Card: next.Address, Owner: p.Owner}
	signer, err := account.Recover(next.domain().Digest(cc.StructHash()), p.Cert)
	if err != nil || signer != next.Trusted[0] {
		return apdu.SWDataInvalid
	}
	next.Cert = p.Cert
	if len(p.OwnerPub) > 0 {
		if h := ledger.Keccak256(p.OwnerPub[1:]); p.OwnerPub[0] != 4 || ledger.Address(h[12:]) != p.Owner {
			return apdu.SWWrongData
		}
		next.OwnerPub = p.OwnerPub
	}
	next.PINHash, next.PUKHash = pinHash(next.Address, []byte(p.PIN)), pinHash(next.Address, []byte(p.PUK))
	next.PINLeft, next.PUKLeft = PINTries, PUKTries
	next.Purses = nil
	for i, id := range p.Assets {
		if next.purse(id) != nil {
			return apdu.SWWrongData // one purse per asset
		}
		next.Purses = append(next.Purses, cardproto.Purse{Asset: id, Limits: p.Limits[i]})
	}
	next.Life = LifeActive
	return a.commit(next)
}

func (a *Applet) verifyPIN(pin []byte) uint16 {
	if a.st.Life != LifeActive {
		return apdu.SWConditionsNotSatisfied
	}
	if a.st.PINLeft == 0 {
		return apdu.SWBlocked
	}
	if len(pin) == 0 {
		return apdu.SWWrongPIN | uint16(a.st.PINLeft)
	}
	return a.checkSecret(pin, true, nil)
}

// checkSecret checks the PIN (or PUK) as Keycard and JavaCard's OwnerPIN
// do: it spends a try and commits that before it compares, then gives the
// try back on success. Every guess, right or wrong, starts with the same
// write, so cutting power when a write starts tells an attacker nothing,
// and by the time the card behaves differently for a wrong guess the try
// is already spent. onOK, when set, makes the command's own change in the
// commit that gives the try back.
func (a *Applet) checkSecret(secret []byte, isPIN bool, onOK func(next *State)) uint16 {
	spend := a.st.clone()
	if isPIN {
		spend.PINLeft--
	} else {
		spend.PUKLeft--
		if spend.PUKLeft == 0 {
			spend.Life = LifeTerminated
		}
	}
	if sw := a.commit(spend); sw != apdu.SWOK {
		return sw
	}
	want, left := a.st.PUKHash, a.st.PUKLeft
	if isPIN {
		want, left = a.st.PINHash, a.st.PINLeft
	}
	got := pinHash(a.st.Address, secret)
	if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		if left == 0 {
			return apdu.SWBlocked
		}
		return apdu.SWWrongPIN | uint16(left)
	}
	next := a.st.clone()
	if isPIN {
		next.PINLeft = PINTries
	} else {
		next.PUKLeft, next.Life = PUKTries, LifeActive
	}
	if onOK != nil {
		onOK(next)
	}
	if sw := a.commit(next); sw != apdu.SWOK {
		return sw
	}
	if isPIN {
		a.pinOK = true
	}
	return apdu.SWOK
}

func (a *Applet) changePIN(data []byte) uint16 {
	old, nw, err := cardproto.SplitSecrets(data)
	if err != nil || !digits(nw, 6, 12) {
		return apdu.SWWrongData
	}
	if a.st.Life != LifeActive {
		return apdu.SWConditionsNotSatisfied
	}
	if a.st.PINLeft == 0 {
		return apdu.SWBlocked
	}
	return a.checkSecret(old, true, func(next *State) { next.PINHash = pinHash(next.Address, nw) })
}

func (a *Applet) unblockPIN(data []byte) uint16 {
	puk, nw, err := cardproto.SplitSecrets(data)
	if err != nil || !digits(nw, 6, 12) {
		return apdu.SWWrongData
	}
	switch a.st.Life {
	case LifeActive:
	case LifeTerminated:
		return apdu.SWBlocked
	default:
		return apdu.SWConditionsNotSatisfied
	}
	return a.checkSecret(puk, false, func(next *State) {
		next.PINHash, next.PINLeft = pinHash(next.Address, nw), PINTries
	})
}

func (a *Applet) getChallenge() ([]byte, uint16) {
	c := make([]byte, challengeLen)
	if _, err := io.ReadFull(a.rand, c); err != nil {
		return nil, apdu.SWConditionsNotSatisfied
	}
	a.challenge = c
	return c, apdu.SWOK
}

func (a *Applet) update(data []byte) uint16 {
	if a.st.Life != LifeActive {
		return apdu.SWConditionsNotSatisfied
	}
	u, err := cardproto.ParseUpdate(data)
	if err != nil {
		return apdu.SWWrongData
	}
	confirmed := append([]ledger.Hash(nil), u.Confirmed...)
	sort.Slice(confirmed, func(i, j int) bool { return bytes.Compare(confirmed[i][:], confirmed[j][:]) < 0 })
	cc := ledger.CardCredit{Card: a.st.Address, Asset: u.Asset, Total: u.Total, Seq: u.Seq, Base: u.Base,
		Confirmed: ledger.ConfirmedHash(confirmed)}
	signer, err := account.Recover(a.st.domain().Digest(cc.StructHash()), u.Sig)
	if err != nil || signer != a.st.Trusted[0] {
		return apdu.SWDataInvalid
	}
	cur := a.st.purse(u.Asset)
	switch {
	case cur == nil:
		return apdu.SWNotFound
	case u.Seq <= cur.Seq:
		return apdu.SWOK // an older or repeated update: harmless
	case u.Base != cur.Seq || u.Total.Lt(&cur.T):
		// Made for a purse at another update: its confirmed list would not
		// cover what this card holds. Fetch one for this card's base.
		return apdu.SWDataInvalid
	}
	next := a.st.clone()
	p := next.purse(u.Asset)
	p.T, p.Seq = u.Total, u.Seq
	// Only an update that raises T confirms received records: they are
	// part of that total.
	keep := next.Received[:0]
	for _, r := range next.Received {
		i := sort.Search(len(confirmed), func(i int) bool { return bytes.Compare(confirmed[i][:], r.ID[:]) >= 0 })
		if i < len(confirmed) && confirmed[i] == r.ID {
			continue
		}
		keep = append(keep, r)
	}
	next.Received = keep
	return a.commit(next)
}

// pay signs a record: PAY (offline or online) or SEND (card to card).
func (a *Applet) pay(mode byte, data []byte) ([]byte, uint16) {
	st := a.st
	switch st.Life {
	case LifeActive:
	case LifeTerminated:
		return nil, apdu.SWBlocked
	default:
		return nil, apdu.SWConditionsNotSatisfied
	}
	req, err := cardproto.ParsePayRequest(data)
	if err != nil || req.Amount.IsZero() || req.Payee == st.Address || req.Payee.IsZero() {
		return nil, apdu.SWWrongData
	}
	amount := &req.Amount
	// The purse's own limits, in its asset's units: never another's.
	p := st.purse(req.Asset)
	if p == nil {
		return nil, apdu.SWNotFound
	}
	if (mode == ledger.CardModeToCard || amount.Gt(&p.Limits.NoPinLimit)) && !a.pinOK {
		return nil, a.needPIN()
	}
	spend := new(uint256.Int).Set(&p.T)
	if mode != ledger.CardModeToCard {
		// At terminals, unconfirmed received value counts too; card to
		// card only confirmed value.
		spend.Add(spend, st.receivedValue(req.Asset))
	}
	if spend.Lt(&p.D) || new(uint256.Int).Sub(spend, &p.D).Lt(amount) {
		return nil, apdu.SWInsufficientFunds
	}
	if mode == ledger.CardModeOffline && (amount.Gt(&p.Limits.OfflineCap) || st.OfflineRun >= p.Limits.OfflineMax) {
		return nil, apdu.SWOfflineLimit
	}
	// At terminals the record carries every unconfirmed received record
	// (their value counted above), and the card signs which: nobody can
	// post the record without them. Card to card it carries none.
	var attached []ReceivedRecord
	if mode != ledger.CardModeToCard {
		attached = st.Received
	}
	_, r, sw := a.debit(req.Asset, amount, req.Payee, req.Challenge, mode, attached)
	if sw != apdu.SWOK {
		return nil, sw
	}
	resp := cardproto.PayResponse{Counter: r.Counter, Sig: r.Sig, AttachedHash: r.AttachedHash, Attached: r.Attached}
	return resp.Bytes(), apdu.SWOK
}

// debit signs a record of amount from the purse of asset and commits it:
// counter + 1, D + amount, the offline run, the record ring. The record
// commits to the received records attached to it, in this order.
func (a *Applet) debit(asset ledger.Hash, amount *uint256.Int, payee ledger.Address, challenge ledger.Hash, mode byte,
	attached []ReceivedRecord) (*State, cardproto.RecordView, uint16) {
	st := a.st
	key, err := account.FromBytes(st.Key)
	if err != nil {
		return nil, cardproto.RecordView{}, apdu.SWConditionsNotSatisfied
	}
	next := st.clone()
	next.Counter++
	np := next.purse(asset)
	np.D.Add(&np.D, amount)
	switch mode {
	case ledger.CardModeOffline:
		next.OfflineRun++
	case ledger.CardModeOnline:
		next.OfflineRun = 0
	}
	r := cardproto.RecordView{Counter: next.Counter, Asset: asset, Amount: *amount, Payee: payee, Challenge: challenge, Mode: mode}
	if len(attached) > 0 {
		ids := make([]ledger.Hash, len(attached))
		for i, rc := range attached {
			ids[i] = rc.ID
			r.Attached = append(r.Attached, rc.Received)
		}
		r.AttachedHash = ledger.AttachmentsHash(ids)
	}
	rec := r.Record(st.Address)
	sig, err := key.Sign(st.domain().Digest(rec.StructHash()))
	if err != nil {
		return nil, r, apdu.SWConditionsNotSatisfied
	}
	r.Sig = ledger.Sig(sig)
	next.Records = append(next.Records, r)
	if len(next.Records) > MaxRecords {
		next.Records = next.Records[len(next.Records)-MaxRecords:]
	}
	return next, r, a.commit(next)
}

func (a *Applet) receive(data []byte) uint16 {
	st := a.st
	if st.Life != LifeActive {
		return apdu.SWConditionsNotSatisfied
	}
	if a.challenge == nil {
		return apdu.SWDataInvalid
	}
	challenge := a.challenge
	a.challenge = nil // one use, whatever happens
	rc, err := cardproto.ParseReceived(data)
	if err != nil {
		return apdu.SWWrongData
	}
	if len(st.Received) >= MaxReceived {
		return apdu.SWNotEnoughMemory
	}
	dom := st.domain()
	cc := ledger.CardCertificate{Card: rc.Payer, Owner: rc.PayerOwner}
	issuer, err := account.Recover(dom.Digest(cc.StructHash()), rc.PayerCert)
	if err != nil || !st.trusts(issuer) {
		return apdu.SWUntrustedIssuer
	}
	// The payer signed for this card and the challenge this card gave it.
	copy(rc.Challenge[:], challenge)
	rec := rc.Record(st.Address)
	id := dom.Digest(rec.StructHash())
	signer, err := account.Recover(id, rc.Sig)
	if err != nil || signer != rc.Payer {
		return apdu.SWDataInvalid
	}
	if st.purse(rc.Asset) == nil {
		return apdu.SWNotFound
	}
	for _, have := range st.Received {
		if have.ID == id {
			return apdu.SWOK
		}
	}
	next := st.clone()
	next.Received = append(next.Received, ReceivedRecord{Received: rc, ID: id})
	return a.commit(next)
}

func (s *State) trusts(issuer ledger.Address) bool {
	for _, t := range s.Trusted {
		if t == issuer {
			return true
		}
	}
	return false
}

func (a *Applet) readRecord(n int) ([]byte, uint16) {
	recs := a.st.Records
	if n >= len(recs) {
		return nil, apdu.SWNotFound
	}
	return recs[len(recs)-1-n].Bytes(), apdu.SWOK
}

// consent is CARD CONSENT: the card's signature of CardConsent naming
// itself, its issuer (the first trusted) and its owner, which an issuer's
// CardRegister must carry. The card names them itself: it consents to no
// other registration.
func (a *Applet) consent() ([]byte, uint16) {
	st := a.st
	if st.Life != LifeActive {
		return nil, apdu.SWConditionsNotSatisfied
	}
	key, err := account.FromBytes(st.Key)
	if err != nil {
		return nil, apdu.SWConditionsNotSatisfied
	}
	cc := ledger.CardConsent{Card: st.Address, Issuer: st.Trusted[0], Owner: st.Owner}
	sig, err := key.Sign(st.domain().Digest(cc.StructHash()))
	if err != nil {
		return nil, apdu.SWConditionsNotSatisfied
	}
	return sig[:], apdu.SWOK
}

func (a *Applet) setLimits(data []byte) uint16 {
	if a.st.Life != LifeActive {
		return apdu.SWConditionsNotSatisfied
	}
	l, err := cardproto.ParseLimitsUpdate(data)
	if err != nil {
		return apdu.SWWrongData
	}
	cur := a.st.purse(l.Asset)
	if cur == nil {
		return apdu.SWNotFound
	}
	if l.Seq <= cur.LimitsSeq {
		return apdu.SWDataInvalid
	}
	cl := l.CardLimits(a.st.Address)
	signer, err := account.Recover(a.st.domain().Digest(cl.StructHash()), l.Sig)
	if err != nil || (signer != a.st.Trusted[0] && signer != a.st.Owner) {
		return apdu.SWDataInvalid
	}
	next := a.st.clone()
	p := next.purse(l.Asset)
	p.Limits, p.LimitsSeq = l.Limits, l.Seq
	return a.commit(next)
}

// needPIN is the answer to a command that needs the PIN verified first.
func (a *Applet) needPIN() uint16 {
	if a.st.PINLeft == 0 {
		return apdu.SWBlocked
	}
	return apdu.SWSecurityNotSatisfied
}

func digits(b []byte, lo, hi int) bool {
	if len(b) < lo || len(b) > hi {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
