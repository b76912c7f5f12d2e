package cardproto

import (
	"bytes"

	"github.com/anonex/anonex/ledger"
	"github.com/holiman/uint256"
)

// Info is SELECT's answer: what an offline payment needs to know.
type Info struct {
	Version uint8          `json:"version"`
	Life    uint8          `json:"life"`
	Address ledger.Address `json:"address"` // KEYED and later
	Cert    ledger.Sig     `json:"cert"`    // ACTIVE
	Owner   ledger.Address `json:"owner"`   // ACTIVE: the certificate covers it
	Counter uint64         `json:"counter"`
	PINLeft uint8          `json:"pin_left"`
	PUKLeft uint8          `json:"puk_left"`
}

func (i *Info) encode(e *enc) {
	e.put(0x80, []byte{i.Version}).put(0x81, []byte{i.Life})
	if i.Life >= LifeKeyed {
		e.put(0x82, i.Address[:])
	}
	if i.Life >= LifeActive {
		e.put(0x83, i.Cert[:]).put(0x86, i.Owner[:])
	}
	e.u64(0x84, i.Counter).put(0x85, []byte{i.PINLeft, i.PUKLeft})
}

func (i *Info) decode(d *dec) {
	i.Version = d.byte1(0x80, "version")
	i.Life = d.byte1(0x81, "life cycle")
	if i.Life >= LifeKeyed {
		i.Address = d.address(0x82, "card address")
	}
	if i.Life >= LifeActive {
		i.Cert = d.sig(0x83, "certificate")
		i.Owner = d.address(0x86, "owner")
	}
	i.Counter = d.u64(0x84, "counter")
	tries := d.fixed(0x85, 2, "tries")
	i.PINLeft, i.PUKLeft = tries[0], tries[1]
}

// Bytes encodes SELECT's answer.
func (i *Info) Bytes() []byte {
	var e enc
	i.encode(&e)
	return e.buf
}

// ParseInfo reads SELECT's answer.
func ParseInfo(b []byte) (Info, error) {
	d := parse(b)
	var i Info
	i.decode(d)
	return i, d.err
}

// Purse is one asset's T, D and update sequence, and its limits (in the
// asset's units) with the sequence of the signed update that set them (0:
// as personalized).
type Purse struct {
	Asset     ledger.Hash `json:"asset"`
	T         uint256.Int `json:"t"`
	D         uint256.Int `json:"d"`
	Seq       uint64      `json:"seq"`
	Limits    Limits      `json:"limits"`
	LimitsSeq uint64      `json:"limits_seq"`
}

// Status is GET STATUS's answer.
type Status struct {
	Info
	ChainID       uint64           `json:"chain_id"`
	Anchor        ledger.Address   `json:"anchor"`
	OfflineRun    uint8            `json:"offline_run"`
	Trusted       []ledger.Address `json:"trusted"`
	Purses        []Purse          `json:"purses"`
	Received      uint8            `json:"received"`
	ReceivedValue uint256.Int      `json:"received_value"`
}

// Bytes encodes GET STATUS's answer.
func (s *Status) Bytes() []byte {
	var e enc
	s.Info.encode(&e)
	var dom [8]byte
	putU64(dom[:], s.ChainID)
	e.put(0x87, append(dom[:], s.Anchor[:]...))
	e.put(0x89, []byte{s.OfflineRun}).put(0x8A, concatAddrs(s.Trusted))
	for i := range s.Purses {
		p := &s.Purses[i]
		var in enc
		in.put(0x90, p.Asset[:]).put(0x91, mustAmount(&p.T)).put(0x92, mustAmount(&p.D)).u64(0x93, p.Seq)
		in.put(0x88, p.Limits.Bytes()).u64(0x8F, p.LimitsSeq)
		e.put(0xA0, in.buf)
	}
	e.put(0x8B, []byte{s.Received}).put(0x8C, mustAmount(&s.ReceivedValue))
	return e.buf
}

// ParseStatus reads GET STATUS's answer.
func ParseStatus(b []byte) (Status, error) {
	d := parse(b)
	var s Status
	s.Info.decode(d)
	if d.err != nil {
		return s, d.err
	}
	dom := d.fixed(0x87, 28, "domain")
	s.ChainID = getU64(dom)
	copy(s.Anchor[:], dom[8:])
	s.OfflineRun = d.byte1(0x89, "offline run")
	if t, err := split20(d.raw(0x8A, "trusted issuers"), "trusted issuers"); err != nil && d.err == nil {
		d.err = err
	} else {
		s.Trusted = t
	}
	s.Received = d.byte1(0x8B, "received count")
	if d.has(0x8C) {
		s.ReceivedValue = d.amount(0x8C, "received value")
	}
	if d.err != nil {
		return s, d.err
	}
	list, _ := parseList(b)
	for _, t := range list {
		if t.Tag != 0xA0 {
			continue
		}
		pd := parse(t.Value)
		p := Purse{Asset: pd.hash(0x90, "purse asset"), T: pd.amount(0x91, "T"), D: pd.amount(0x92, "D"), Seq: pd.u64(0x93, "seq"),
			LimitsSeq: pd.u64(0x8F, "limits seq")}
		lim := pd.fixed(0x88, LimitsLen, "purse limits")
		if pd.err != nil {
			return s, pd.err
		}
		p.Limits, _ = ParseLimits(lim)
		s.Purses = append(s.Purses, p)
	}
	return s, nil
}

// Purse returns the card's purse of asset, nil when it has none.
func (s *Status) Purse(asset ledger.Hash) *Purse {
	for i := range s.Purses {
		if s.Purses[i].Asset == asset {
			return &s.Purses[i]
		}
	}
	return nil
}

// Personalization is PERSONALIZE's body.
type Personalization struct {
	Owner   ledger.Address
	ChainID uint64
	Anchor  ledger.Address
	Cert    ledger.Sig // issuer's signature of CardCertificate(card, owner)
	Trusted []ledger.Address
	PIN     string
	PUK     string
	Assets  []ledger.Hash
	// Limits are each purse's, in its asset's units: Limits[i] for
	// Assets[i].
	Limits []Limits
	// OwnerPub is the owner's public key (65 bytes uncompressed), to which
	// the card seals conversion requests; optional (tag 8D): without it the
	// card cannot convert at payment time.
	OwnerPub []byte
}

// Bytes encodes the body.
func (p *Personalization) Bytes() []byte {
	var e enc
	var dom [8]byte
	putU64(dom[:], p.ChainID)
	e.put(0x86, p.Owner[:]).put(0x87, append(dom[:], p.Anchor[:]...)).put(0x83, p.Cert[:]).put(0x8A, concatAddrs(p.Trusted))
	var lims []byte
	for i := range p.Limits {
		lims = append(lims, p.Limits[i].Bytes()...)
	}
	e.put(0x94, []byte(p.PIN)).put(0x95, []byte(p.PUK)).put(0x88, lims).put(0x90, concatHashes(p.Assets))
	if len(p.OwnerPub) > 0 {
		e.put(0x8D, p.OwnerPub)
	}
	return e.buf
}

// ParsePersonalization reads the body.
func ParsePersonalization(b []byte) (Personalization, error) {
	d := parse(b)
	var p Personalization
	p.Owner = d.address(0x86, "owner")
	dom := d.fixed(0x87, 28, "domain")
	p.ChainID = getU64(dom)
	copy(p.Anchor[:], dom[8:])
	p.Cert = d.sig(0x83, "certificate")
	trusted := d.raw(0x8A, "trusted issuers")
	p.PIN, p.PUK = string(d.raw(0x94, "PIN")), string(d.raw(0x95, "PUK"))
	limits := d.raw(0x88, "limits")
	assets := d.raw(0x90, "purse assets")
	if d.has(0x8D) {
		p.OwnerPub = d.fixed(0x8D, 65, "owner public key")
	}
	if d.err != nil {
		return p, d.err
	}
	var err error
	if p.Trusted, err = split20(trusted, "trusted issuers"); err != nil {
		return p, err
	}
	if p.Assets, err = split32(assets, "purse assets"); err != nil {
		return p, err
	}
	if len(limits) != LimitsLen*len(p.Assets) {
		return p, malformed("limits of %d bytes for %d purses, want %d × %d", len(limits), len(p.Assets), len(p.Assets), LimitsLen)
	}
	for i := range p.Assets {
		lim, _ := ParseLimits(limits[LimitsLen*i : LimitsLen*(i+1)])
		p.Limits = append(p.Limits, lim)
	}
	return p, nil
}

// Update is an update value: the issuer-signed T of one purse, for a card
// whose purse is at update Base.
type Update struct {
	Asset     ledger.Hash
	Total     uint256.Int
	Seq       uint64
	Base      uint64
	Confirmed []ledger.Hash // card-to-card record ids the total includes since Base
	Sig       ledger.Sig
}

// Bytes encodes UPDATE's body.
func (u *Update) Bytes() []byte {
	var e enc
	e.put(0x90, u.Asset[:]).put(0x91, mustAmount(&u.Total)).u64(0x93, u.Seq).u64(0x9C, u.Base)
	if len(u.Confirmed) > 0 {
		e.put(0x97, concatHashes(u.Confirmed))
	}
	e.put(0x96, u.Sig[:])
	return e.buf
}

// ParseUpdate reads UPDATE's body.
func ParseUpdate(b []byte) (Update, error) {
	d := parse(b)
	u := Update{Asset: d.hash(0x90, "asset"), Total: d.amount(0x91, "total"), Seq: d.u64(0x93, "seq"), Base: d.u64(0x9C, "base"),
		Sig: d.sig(0x96, "signature")}
	if d.err != nil {
		return u, d.err
	}
	if d.has(0x97) {
		ids, err := split32(d.m[0x97], "confirmed ids")
		if err != nil {
			return u, err
		}
		u.Confirmed = ids
	}
	return u, nil
}

// PayRequest is the body of PAY and SEND.
type PayRequest struct {
	Asset     ledger.Hash
	Amount    uint256.Int
	Payee     ledger.Address
	Challenge ledger.Hash
}

// Bytes encodes the body.
func (r *PayRequest) Bytes() []byte {
	var e enc
	e.put(0x90, r.Asset[:]).put(0x91, mustAmount(&r.Amount)).put(0x98, r.Payee[:]).put(0x99, r.Challenge[:])
	return e.buf
}

// ParsePayRequest reads the body.
func ParsePayRequest(b []byte) (PayRequest, error) {
	d := parse(b)
	r := PayRequest{Asset: d.hash(0x90, "asset"), Amount: d.amount(0x91, "amount"), Payee: d.address(0x98, "payee"),
		Challenge: d.hash(0x99, "challenge")}
	return r, d.err
}

// Received is a card-to-card record as RECEIVE takes it and PAY attaches
// it. Challenge is absent in RECEIVE (the receiving card uses its own).
type Received struct {
	Payer      ledger.Address
	PayerCert  ledger.Sig
	PayerOwner ledger.Address
	Asset      ledger.Hash
	Amount     uint256.Int
	Counter    uint64
	Challenge  ledger.Hash
	Sig        ledger.Sig
}

// Bytes encodes the record; the challenge only when set.
func (r *Received) Bytes() []byte {
	var e enc
	e.put(0x82, r.Payer[:]).put(0x83, r.PayerCert[:]).put(0x86, r.PayerOwner[:]).put(0x90, r.Asset[:])
	e.put(0x91, mustAmount(&r.Amount)).u64(0x9A, r.Counter)
	if !r.Challenge.IsZero() {
		e.put(0x99, r.Challenge[:])
	}
	e.put(0x96, r.Sig[:])
	return e.buf
}

// ParseReceived reads a record.
func ParseReceived(b []byte) (Received, error) {
	d := parse(b)
	r := Received{Payer: d.address(0x82, "payer"), PayerCert: d.sig(0x83, "payer certificate"),
		PayerOwner: d.address(0x86, "payer owner"), Asset: d.hash(0x90, "asset"), Amount: d.amount(0x91, "amount"),
		Counter: d.u64(0x9A, "counter"), Sig: d.sig(0x96, "signature")}
	if d.has(0x99) {
		r.Challenge = d.hash(0x99, "challenge")
	}
	return r, d.err
}

// Record returns the ledger record the payer signed for payee.
func (r *Received) Record(payee ledger.Address) ledger.CardRecord {
	return ledger.CardRecord{Card: r.Payer, Asset: r.Asset, Amount: r.Amount, Payee: payee, Counter: r.Counter,
		Challenge: r.Challenge, Mode: ledger.CardModeToCard}
}

// PayResponse is PAY's and SEND's answer.
type PayResponse struct {
	Counter uint64
	Sig     ledger.Sig
	// AttachedHash is the record's signed commitment to Attached
	// (ledger.AttachmentsHash of their ids, in order): tag 8F, present
	// when Attached is not empty.
	AttachedHash ledger.Hash
	Attached     []Received // PAY only: unconfirmed received records
}

// Bytes encodes the answer.
func (r *PayResponse) Bytes() []byte {
	var e enc
	e.u64(0x9A, r.Counter).put(0x96, r.Sig[:])
	putAttached(&e, r.AttachedHash, r.Attached)
	return e.buf
}

func putAttached(e *enc, h ledger.Hash, attached []Received) {
	if len(attached) == 0 {
		return
	}
	e.put(0x8F, h[:])
	for i := range attached {
		e.put(0xA1, attached[i].Bytes())
	}
}

// parseAttached reads the 8F commitment and the A1 records: both or
// neither.
func parseAttached(b []byte, d *dec) (ledger.Hash, []Received, error) {
	var h ledger.Hash
	if d.has(0x8F) {
		h = d.hash(0x8F, "attached")
	}
	if d.err != nil {
		return h, nil, d.err
	}
	var out []Received
	list, _ := parseList(b)
	for _, t := range list {
		if t.Tag != 0xA1 {
			continue
		}
		rc, err := ParseReceived(t.Value)
		if err != nil {
			return h, nil, err
		}
		out = append(out, rc)
	}
	if (len(out) == 0) != h.IsZero() {
		return h, nil, malformed("attached records and their commitment (8F) go together")
	}
	return h, out, nil
}

// ParsePayResponse reads the answer.
func ParsePayResponse(b []byte) (PayResponse, error) {
	d := parse(b)
	r := PayResponse{Counter: d.u64(0x9A, "counter"), Sig: d.sig(0x96, "signature")}
	if d.err != nil {
		return r, d.err
	}
	var err error
	r.AttachedHash, r.Attached, err = parseAttached(b, d)
	return r, err
}

// RecordView is READ RECORDS' answer.
type RecordView struct {
	Counter   uint64
	Asset     ledger.Hash
	Amount    uint256.Int
	Payee     ledger.Address
	Challenge ledger.Hash
	Mode      uint8
	Sig       ledger.Sig
	// AttachedHash and Attached are the records the card attached and
	// signed a commitment to (as in PAY's answer): a record read back
	// carries them, or it would not be the record the card signed.
	AttachedHash ledger.Hash
	Attached     []Received
}

// Bytes encodes the answer.
func (r *RecordView) Bytes() []byte {
	var e enc
	e.u64(0x9A, r.Counter).put(0x90, r.Asset[:]).put(0x91, mustAmount(&r.Amount)).put(0x98, r.Payee[:])
	e.put(0x99, r.Challenge[:]).put(0x9B, []byte{r.Mode}).put(0x96, r.Sig[:])
	putAttached(&e, r.AttachedHash, r.Attached)
	return e.buf
}

// ParseRecordView reads the answer.
func ParseRecordView(b []byte) (RecordView, error) {
	d := parse(b)
	r := RecordView{Counter: d.u64(0x9A, "counter"), Asset: d.hash(0x90, "asset"), Amount: d.amount(0x91, "amount"),
		Payee: d.address(0x98, "payee"), Challenge: d.hash(0x99, "challenge"), Mode: d.byte1(0x9B, "mode"), Sig: d.sig(0x96, "signature")}
	if d.err != nil {
		return r, d.err
	}
	var err error
	r.AttachedHash, r.Attached, err = parseAttached(b, d)
	return r, err
}

// Record returns the ledger record of card.
func (r *RecordView) Record(card ledger.Address) ledger.CardRecord {
	return ledger.CardRecord{Card: card, Asset: r.Asset, Amount: r.Amount, Payee: r.Payee, Counter: r.Counter,
		Challenge: r.Challenge, Mode: r.Mode, AttachedHash: r.AttachedHash}
}

// LimitsUpdate is SET LIMITS' body: one purse's new limits, in its asset's
// units, signed over CardLimits by the card's issuer or owner.
type LimitsUpdate struct {
	Asset  ledger.Hash
	Limits Limits
	Seq    uint64
	Sig    ledger.Sig
}

// CardLimits is the signed structure of the update for card.
func (l *LimitsUpdate) CardLimits(card ledger.Address) ledger.CardLimits {
	return ledger.CardLimits{Card: card, Asset: l.Asset, OfflineCap: l.Limits.OfflineCap, OfflineMax: l.Limits.OfflineMax,
		NoPinLimit: l.Limits.NoPinLimit, Seq: l.Seq}
}

// Bytes encodes the body.
func (l *LimitsUpdate) Bytes() []byte {
	var e enc
	e.put(0x90, l.Asset[:]).put(0x88, l.Limits.Bytes()).u64(0x93, l.Seq).put(0x96, l.Sig[:])
	return e.buf
}

// ParseLimitsUpdate reads the body.
func ParseLimitsUpdate(b []byte) (LimitsUpdate, error) {
	d := parse(b)
	raw := d.fixed(0x88, LimitsLen, "limits")
	l := LimitsUpdate{Asset: d.hash(0x90, "asset"), Seq: d.u64(0x93, "seq"), Sig: d.sig(0x96, "signature")}
	if d.err != nil {
		return l, d.err
	}
	lim, err := ParseLimits(raw)
	l.Limits = lim
	return l, err
}

// Secrets joins two secrets for CHANGE and UNBLOCK: old ‖ FF ‖ new.
func Secrets(old, nw string) []byte { return append(append([]byte(old), 0xFF), nw...) }

// SplitSecrets splits CHANGE's or UNBLOCK's body.
func SplitSecrets(b []byte) (old, nw []byte, err error) {
	i := bytes.IndexByte(b, 0xFF)
	if i < 0 {
		return nil, nil, malformed("secrets without separator")
	}
	return b[:i], b[i+1:], nil
}
