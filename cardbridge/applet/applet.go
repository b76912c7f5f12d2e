package applet

import (
	"bytes"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"io"
	"sort"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/cardbridge/apdu"
	"github.com/anonex/anonex/ledger"
	"github.com/holiman/uint256"
)

// AID is the applet's application identifier.
var AID = []byte{0xF0, 0x61, 0x6E, 0x6F, 0x6E, 0x65, 0x78, 0x01}

// ATR is the answer to reset of the virtual card (T=1).
var ATR = []byte{0x3B, 0x80, 0x80, 0x01, 0x01}

const (
	maxAmountBytes = 16
	challengeLen   = 32
)

// Instructions.
const (
	insSelect      = 0xA4
	insGetStatus   = 0xCA
	insGenerateKey = 0x46
	insPersonalize = 0x50
	insVerify      = 0x20
	insChangePIN   = 0x24
	insUnblock     = 0x2C
	insChallenge   = 0x84
	insUpdate      = 0x52
	insPay         = 0x54
	insSend        = 0x56
	insReceive     = 0x58
	insReadRecords = 0xB2
	insSetLimits   = 0x5A
	insGetResponse = 0xC0
)

// Applet is the card: persistent state in a two-slot store, and the
// session (selection, PIN verified, challenge) that power-off clears.
type Applet struct {
	store *SlotStore
	st    *State
	rand  io.Reader

	selected  bool
	pinOK     bool
	challenge []byte
	dead      bool // power was cut mid-commit: answer nothing sane until reloaded
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
	a.selected, a.pinOK, a.challenge = false, false, nil
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
	if ins == insSelect && cla == 0x00 {
		return a.selectApplet(p1, data)
	}
	if !a.selected {
		return nil, apdu.SWConditionsNotSatisfied
	}
	iso := cla == 0x00
	switch {
	case iso && ins == insVerify:
		return nil, a.verifyPIN(data)
	case iso && ins == insChangePIN:
		return nil, a.changePIN(data)
	case iso && ins == insUnblock:
		return nil, a.unblockPIN(data)
	case iso && ins == insChallenge:
		return a.getChallenge()
	case cla == 0x80 && ins == insGetStatus:
		return a.status(true), apdu.SWOK
	case cla == 0x80 && ins == insGenerateKey:
		return a.generateKey()
	case cla == 0x80 && ins == insPersonalize:
		return nil, a.personalize(data)
	case cla == 0x80 && ins == insUpdate:
		return nil, a.update(data)
	case cla == 0x80 && ins == insPay:
		if p1 != ledger.CardModeOffline && p1 != ledger.CardModeOnline {
			return nil, apdu.SWWrongP1P2
		}
		return a.pay(p1, data)
	case cla == 0x80 && ins == insSend:
		return a.pay(ledger.CardModeToCard, data)
	case cla == 0x80 && ins == insReceive:
		return nil, a.receive(data)
	case cla == 0x80 && ins == insReadRecords:
		return a.readRecord(int(p1))
	case cla == 0x80 && ins == insSetLimits:
		return nil, a.setLimits(data)
	case cla != 0x00 && cla != 0x80:
		return nil, apdu.SWCLANotSupported
	}
	return nil, apdu.SWINSNotSupported
}

func (a *Applet) selectApplet(p1 byte, data []byte) ([]byte, uint16) {
	if p1 != 0x04 {
		return nil, apdu.SWWrongP1P2
	}
	if !bytes.Equal(data, AID) {
		a.selected = false
		return nil, apdu.SWNotFound
	}
	a.Reset()
	a.selected = true
	return a.status(false), apdu.SWOK
}

// status renders SELECT's answer, or GET STATUS's with everything.
func (a *Applet) status(full bool) []byte {
	st := a.st
	var w tlvWriter
	w.put(0x80, []byte{1})
	w.put(0x81, []byte{st.Life})
	if st.Life >= LifeKeyed {
		w.put(0x82, st.Address[:])
	}
	if st.Life >= LifeActive {
		w.put(0x83, st.Cert[:])
	}
	w.put(0x84, u64(st.Counter))
	w.put(0x85, []byte{st.PINLeft, st.PUKLeft})
	if !full {
		return w.buf
	}
	w.put(0x86, st.Owner[:])
	w.put(0x87, append(u64(st.ChainID), st.Anchor[:]...))
	w.put(0x88, encodeLimits(&st.Limits))
	w.put(0x89, []byte{st.OfflineRun})
	var trusted []byte
	for _, t := range st.Trusted {
		trusted = append(trusted, t[:]...)
	}
	w.put(0x8A, trusted)
	for i := range st.Purses {
		p := &st.Purses[i]
		var in tlvWriter
		in.put(0x90, p.Asset[:])
		in.put(0x91, amount16(&p.T))
		in.put(0x92, amount16(&p.D))
		in.put(0x93, u64(p.Seq))
		w.put(0xA0, in.buf)
	}
	w.put(0x8B, []byte{byte(len(st.Received))})
	if len(st.Purses) > 0 {
		w.put(0x8C, amount16(st.receivedValue(st.Purses[0].Asset)))
	}
	return w.buf
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
	t, err := parseTLV(data)
	if err != nil {
		return apdu.SWWrongData
	}
	owner, ok1 := t.address(0x86)
	dom, ok2 := t.get(0x87)
	cert, ok3 := t.sig(0x83)
	trustedRaw, ok4 := t.get(0x8A)
	pin, ok5 := t.get(0x94)
	puk, ok6 := t.get(0x95)
	limits, ok7 := t.get(0x88)
	assets, ok8 := t.get(0x90)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7 && ok8) || len(dom) != 28 ||
		len(trustedRaw) == 0 || len(trustedRaw)%20 != 0 || len(trustedRaw)/20 > MaxTrusted ||
		len(assets) == 0 || len(assets)%32 != 0 || len(assets)/32 > MaxPurses ||
		!digits(pin, 6, 12) || !digits(puk, 8, 12) {
		return apdu.SWWrongData
	}
	lim, ok := decodeLimits(limits)
	if !ok {
		return apdu.SWWrongData
	}
	next := a.st.clone()
	next.Owner = owner
	next.ChainID = binary.BigEndian.Uint64(dom[:8])
	copy(next.Anchor[:], dom[8:])
	next.Trusted = nil
	for i := 0; i < len(trustedRaw); i += 20 {
		var t ledger.Address
		copy(t[:], trustedRaw[i:])
		next.Trusted = append(next.Trusted, t)
	}
	cc := ledger.CardCertificate{Card: next.Address, Owner: owner}
	signer, err := account.Recover(next.domain().Digest(cc.StructHash()), cert)
	if err != nil || signer != next.Trusted[0] {
		return apdu.SWDataInvalid
	}
	next.Cert = cert
	next.PINHash, next.PUKHash = pinHash(next.Address, pin), pinHash(next.Address, puk)
	next.PINLeft, next.PUKLeft = PINTries, PUKTries
	next.Limits = lim
	next.Purses = nil
	for i := 0; i < len(assets); i += 32 {
		var id ledger.Hash
		copy(id[:], assets[i:])
		next.Purses = append(next.Purses, Purse{Asset: id})
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
	return a.checkSecret(pin, true)
}

// checkSecret checks the PIN (or PUK) and commits the new try counter
// before answering, so pulling the card cannot save a try.
func (a *Applet) checkSecret(secret []byte, isPIN bool) uint16 {
	want, left, full := a.st.PUKHash, a.st.PUKLeft, uint8(PUKTries)
	if isPIN {
		want, left, full = a.st.PINHash, a.st.PINLeft, PINTries
	}
	next := a.st.clone()
	got := pinHash(a.st.Address, secret)
	ok := subtle.ConstantTimeCompare(got[:], want[:]) == 1
	if ok {
		left = full
	} else {
		left--
	}
	if isPIN {
		next.PINLeft = left
	} else {
		next.PUKLeft = left
		if left == 0 {
			next.Life = LifeTerminated
		}
	}
	if left != a.currentLeft(isPIN) {
		if sw := a.commit(next); sw != apdu.SWOK {
			return sw
		}
	}
	switch {
	case ok:
		if isPIN {
			a.pinOK = true
		}
		return apdu.SWOK
	case left == 0:
		return apdu.SWBlocked
	}
	return apdu.SWWrongPIN | uint16(left)
}

func (a *Applet) currentLeft(isPIN bool) uint8 {
	if isPIN {
		return a.st.PINLeft
	}
	return a.st.PUKLeft
}

func splitSecrets(data []byte) ([]byte, []byte, bool) {
	i := bytes.IndexByte(data, 0xFF)
	if i < 0 {
		return nil, nil, false
	}
	return data[:i], data[i+1:], true
}

func (a *Applet) changePIN(data []byte) uint16 {
	old, nw, ok := splitSecrets(data)
	if !ok || !digits(nw, 6, 12) {
		return apdu.SWWrongData
	}
	if sw := a.verifyPIN(old); sw != apdu.SWOK {
		return sw
	}
	next := a.st.clone()
	next.PINHash = pinHash(next.Address, nw)
	return a.commit(next)
}

func (a *Applet) unblockPIN(data []byte) uint16 {
	puk, nw, ok := splitSecrets(data)
	if !ok || !digits(nw, 6, 12) {
		return apdu.SWWrongData
	}
	if a.st.Life != LifeActive {
		if a.st.Life == LifeTerminated {
			return apdu.SWBlocked
		}
		return apdu.SWConditionsNotSatisfied
	}
	if sw := a.checkSecret(puk, false); sw != apdu.SWOK {
		return sw
	}
	next := a.st.clone()
	next.PINHash, next.PINLeft = pinHash(next.Address, nw), PINTries
	return a.commit(next)
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
	t, err := parseTLV(data)
	if err != nil {
		return apdu.SWWrongData
	}
	asset, ok1 := t.hash(0x90)
	total, ok2 := t.amount(0x91)
	seq, ok3 := t.u64(0x93)
	sig, ok4 := t.sig(0x96)
	confirmedRaw, _ := t.get(0x97)
	if !(ok1 && ok2 && ok3 && ok4) || len(confirmedRaw)%32 != 0 {
		return apdu.SWWrongData
	}
	var confirmed []ledger.Hash
	for i := 0; i < len(confirmedRaw); i += 32 {
		var id ledger.Hash
		copy(id[:], confirmedRaw[i:])
		confirmed = append(confirmed, id)
	}
	sort.Slice(confirmed, func(i, j int) bool { return bytes.Compare(confirmed[i][:], confirmed[j][:]) < 0 })
	cc := ledger.CardCredit{Card: a.st.Address, Asset: asset, Total: *total, Seq: seq, Confirmed: ledger.ConfirmedHash(confirmed)}
	signer, err := account.Recover(a.st.domain().Digest(cc.StructHash()), sig)
	if err != nil || signer != a.st.Trusted[0] {
		return apdu.SWDataInvalid
	}
	if a.st.purse(asset) == nil {
		return apdu.SWNotFound
	}
	next := a.st.clone()
	p := next.purse(asset)
	changed := false
	if total.Gt(&p.T) {
		p.T, p.Seq, changed = *total, seq, true
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
	}
	if !changed {
		return apdu.SWOK // an older or repeated update: harmless
	}
	return a.commit(next)
}

// pay signs a record: PAY (offline or online) or SEND (card to card).
func (a *Applet) pay(mode byte, data []byte) ([]byte, uint16) {
	st := a.st
	if st.Life != LifeActive {
		if st.Life == LifeTerminated {
			return nil, apdu.SWBlocked
		}
		return nil, apdu.SWConditionsNotSatisfied
	}
	t, err := parseTLV(data)
	if err != nil {
		return nil, apdu.SWWrongData
	}
	asset, ok1 := t.hash(0x90)
	amount, ok2 := t.amount(0x91)
	payee, ok3 := t.address(0x98)
	challenge, ok4 := t.hash(0x99)
	if !(ok1 && ok2 && ok3 && ok4) || amount.IsZero() || payee == st.Address {
		return nil, apdu.SWWrongData
	}
	pinNeeded := mode == ledger.CardModeToCard || amount.Gt(&st.Limits.NoPinLimit)
	if pinNeeded && !a.pinOK {
		if st.PINLeft == 0 {
			return nil, apdu.SWBlocked
		}
		return nil, apdu.SWSecurityNotSatisfied
	}
	p := st.purse(asset)
	if p == nil {
		return nil, apdu.SWNotFound
	}
	avail, under := new(uint256.Int).SubOverflow(&p.T, &p.D)
	if mode == ledger.CardModeToCard {
		// Card to card only from confirmed value.
		if under || avail.Lt(amount) {
			return nil, apdu.SWInsufficientFunds
		}
	} else {
		spend := new(uint256.Int).Add(&p.T, st.receivedValue(asset))
		if spend.Lt(&p.D) || new(uint256.Int).Sub(spend, &p.D).Lt(amount) {
			return nil, apdu.SWInsufficientFunds
		}
	}
	if mode == ledger.CardModeOffline && (amount.Gt(&st.Limits.OfflineCap) || st.OfflineRun >= st.Limits.OfflineMax) {
		return nil, apdu.SWOfflineLimit
	}
	key, err := account.FromBytes(st.Key)
	if err != nil {
		return nil, apdu.SWConditionsNotSatisfied
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
	rec := ledger.CardRecord{Card: st.Address, Asset: asset, Amount: *amount, Payee: payee, Counter: next.Counter,
		Challenge: challenge, Mode: mode}
	sig, err := key.Sign(st.domain().Digest(rec.StructHash()))
	if err != nil {
		return nil, apdu.SWConditionsNotSatisfied
	}
	r := Record{Counter: next.Counter, Asset: asset, Amount: *amount, Payee: payee, Challenge: challenge, Mode: mode, Sig: ledger.Sig(sig)}
	next.Records = append(next.Records, r)
	if len(next.Records) > MaxRecords {
		next.Records = next.Records[len(next.Records)-MaxRecords:]
	}
	if sw := a.commit(next); sw != apdu.SWOK {
		return nil, sw
	}
	var w tlvWriter
	w.put(0x9A, u64(r.Counter))
	w.put(0x96, r.Sig[:])
	if mode != ledger.CardModeToCard {
		for _, rc := range next.Received {
			w.put(0xA1, encodeReceived(&rc))
		}
	}
	return w.buf, apdu.SWOK
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
	rc, ok := decodeReceived(data)
	if !ok {
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
	r := &rc.Record
	copy(r.Challenge[:], challenge)
	r.Payee = st.Address
	rec := ledger.CardRecord{Card: rc.Payer, Asset: r.Asset, Amount: r.Amount, Payee: st.Address, Counter: r.Counter,
		Challenge: r.Challenge, Mode: ledger.CardModeToCard}
	id := dom.Digest(rec.StructHash())
	signer, err := account.Recover(id, r.Sig)
	if err != nil || signer != rc.Payer {
		return apdu.SWDataInvalid
	}
	if st.purse(r.Asset) == nil {
		return apdu.SWNotFound
	}
	for _, have := range st.Received {
		if have.ID == id {
			return apdu.SWOK
		}
	}
	rc.ID = id
	next := st.clone()
	next.Received = append(next.Received, rc)
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
	r := recs[len(recs)-1-n]
	var w tlvWriter
	w.put(0x9A, u64(r.Counter))
	w.put(0x90, r.Asset[:])
	w.put(0x91, amount16(&r.Amount))
	w.put(0x98, r.Payee[:])
	w.put(0x99, r.Challenge[:])
	w.put(0x9B, []byte{r.Mode})
	w.put(0x96, r.Sig[:])
	return w.buf, apdu.SWOK
}

func (a *Applet) setLimits(data []byte) uint16 {
	if a.st.Life != LifeActive {
		return apdu.SWConditionsNotSatisfied
	}
	t, err := parseTLV(data)
	if err != nil {
		return apdu.SWWrongData
	}
	limRaw, ok1 := t.get(0x88)
	seq, ok2 := t.u64(0x93)
	sig, ok3 := t.sig(0x96)
	lim, ok4 := decodeLimits(limRaw)
	if !(ok1 && ok2 && ok3 && ok4) {
		return apdu.SWWrongData
	}
	if seq <= a.st.Limits.Seq {
		return apdu.SWDataInvalid
	}
	cl := ledger.CardLimits{Card: a.st.Address, OfflineCap: lim.OfflineCap, OfflineMax: lim.OfflineMax, NoPinLimit: lim.NoPinLimit, Seq: seq}
	signer, err := account.Recover(a.st.domain().Digest(cl.StructHash()), sig)
	if err != nil || (signer != a.st.Trusted[0] && signer != a.st.Owner) {
		return apdu.SWDataInvalid
	}
	next := a.st.clone()
	lim.Seq = seq
	next.Limits = lim
	return a.commit(next)
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

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func amount16(v *uint256.Int) []byte {
	b := v.Bytes32()
	return b[16:]
}

func encodeLimits(l *Limits) []byte {
	out := append(amount16(&l.OfflineCap), l.OfflineMax)
	return append(out, amount16(&l.NoPinLimit)...)
}

func decodeLimits(b []byte) (Limits, bool) {
	if len(b) != 33 {
		return Limits{}, false
	}
	var l Limits
	l.OfflineCap.SetBytes(b[:16])
	l.OfflineMax = b[16]
	l.NoPinLimit.SetBytes(b[17:])
	return l, true
}

// encodeReceived is the TLV a RECEIVE takes and a PAY attaches.
func encodeReceived(r *Received) []byte {
	var w tlvWriter
	w.put(0x82, r.Payer[:])
	w.put(0x83, r.PayerCert[:])
	w.put(0x86, r.PayerOwner[:])
	w.put(0x90, r.Record.Asset[:])
	w.put(0x91, amount16(&r.Record.Amount))
	w.put(0x9A, u64(r.Record.Counter))
	w.put(0x99, r.Record.Challenge[:])
	w.put(0x96, r.Record.Sig[:])
	return w.buf
}

func decodeReceived(b []byte) (Received, bool) {
	t, err := parseTLV(b)
	if err != nil {
		return Received{}, false
	}
	var r Received
	var ok [8]bool
	r.Payer, ok[0] = t.address(0x82)
	r.PayerCert, ok[1] = t.sig(0x83)
	r.PayerOwner, ok[2] = t.address(0x86)
	r.Record.Asset, ok[3] = t.hash(0x90)
	amt, okA := t.amount(0x91)
	r.Record.Counter, ok[5] = t.u64(0x9A)
	r.Record.Sig, ok[6] = t.sig(0x96)
	ok[4] = okA
	if okA {
		r.Record.Amount = *amt
	}
	// The challenge is the receiver's own (RECEIVE); attachments carry it.
	if ch, okC := t.hash(0x99); okC {
		r.Record.Challenge = ch
	}
	ok[7] = true
	for _, o := range ok {
		if !o {
			return Received{}, false
		}
	}
	r.Record.Mode = ledger.CardModeToCard
	return r, true
}
