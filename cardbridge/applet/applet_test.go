package applet

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/cardbridge/apdu"
	"github.com/anonex/anonex/cardbridge/cardproto"
	"github.com/anonex/anonex/ledger"
	"github.com/holiman/uint256"
)

var (
	testAnchor = ledger.Address{0xa1}
	testDomain = ledger.NewDomain(1337, testAnchor)
	eurID      = ledger.Hash{0xe0}
	ethID      = ledger.Hash{0xe7} // a second purse: what conversions pay with
)

type seededRand struct{ r *rand.ChaCha8 }

func (s seededRand) Read(p []byte) (int, error) { return s.r.Read(p) }

func newRand(seed byte) seededRand { return seededRand{rand.NewChaCha8([32]byte{seed})} }

func key(t testing.TB, i byte) *account.Key {
	var b [32]byte
	b[0], b[31] = 0x22, i
	k, err := account.FromBytes(b[:])
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func u128(v uint64) uint256.Int { return *uint256.NewInt(v) }

// tb is what the harness needs of a test (testing.TB or rapid.T).
type tb interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

type harness struct {
	t      tb
	mem    *MemMedium
	card   *Applet
	issuer *account.Key
	owner  *account.Key
	addr   ledger.Address
	limits []cardproto.Limits // per purse, as assets; nil: defaultLimits
	assets []ledger.Hash      // the purses; nil: EUR, ETH

	lastNonce ledger.Hash // the last conversion request's
}

func (h *harness) do(cla, ins, p1, p2 byte, data []byte) ([]byte, uint16) {
	return h.card.Process(cla, ins, p1, p2, data)
}

func (h *harness) must(cla, ins, p1, p2 byte, data []byte) []byte {
	h.t.Helper()
	out, sw := h.do(cla, ins, p1, p2, data)
	if sw != apdu.SWOK {
		h.t.Fatalf("INS %02X: SW %04X", ins, sw)
	}
	return out
}

func (h *harness) selectCard() []byte {
	return h.must(0x00, cardproto.INSSelect, 0x04, 0x00, cardproto.AID)
}

func (h *harness) reload() {
	h.t.Helper()
	c, err := New(h.mem, newRand(9))
	if err != nil {
		h.t.Fatal(err)
	}
	h.card = c
}

// defaultLimits are each purse's limits on the test cards: offline cap
// 20.00, 3 offline payments, no PIN up to 25.00 (in each purse's units).
var defaultLimits = cardproto.Limits{OfflineCap: u128(2000), OfflineMax: 3, NoPinLimit: u128(2500)}

// newActiveCard makes a card with purses EUR and ETH, personalizes it with
// PIN 123456 and PUK 12345678 and defaultLimits on both purses.
func newActiveCard(t testing.TB, seed byte) *harness {
	return newCardWithLimits(t, seed, nil)
}

// newCardWithLimits is newActiveCard with the purses' limits (EUR, ETH).
func newCardWithLimits(t testing.TB, seed byte, limits []cardproto.Limits) *harness {
	h := &harness{t: t, mem: NewMemMedium(), issuer: key(t, 1), owner: key(t, 2), limits: limits}
	h.reload()
	h.card.rand = newRand(seed)
	h.selectCard()
	pub := h.must(0x80, cardproto.INSGenerateKey, 0, 0, nil)
	if len(pub) != 65 {
		t.Fatalf("public key of %d bytes", len(pub))
	}
	h.addr = h.card.st.Address
	h.must(0x80, cardproto.INSPersonalize, 0, 0, h.personalization(h.issuer))
	return h
}

func (h *harness) personalization(certifier *account.Key) []byte {
	cc := ledger.CardCertificate{Card: h.addr, Owner: h.owner.Address()}
	cert, _ := certifier.Sign(testDomain.Digest(cc.StructHash()))
	p := cardproto.Personalization{Owner: h.owner.Address(), ChainID: 1337, Anchor: testAnchor, Cert: ledger.Sig(cert),
		Trusted: []ledger.Address{h.issuer.Address()}, PIN: "123456", PUK: "12345678",
		Limits: h.limits, Assets: h.assets, OwnerPub: h.owner.PublicKey()}
	if p.Assets == nil {
		p.Assets = []ledger.Hash{eurID, ethID}
	}
	if p.Limits == nil {
		p.Limits = []cardproto.Limits{defaultLimits, defaultLimits}
	}
	return p.Bytes()
}

func (h *harness) updateTLV(total, seq uint64, confirmed ...ledger.Hash) []byte {
	return h.updateFor(eurID, total, seq, confirmed...)
}

func (h *harness) updateFor(asset ledger.Hash, total, seq uint64, confirmed ...ledger.Hash) []byte {
	sorted := append([]ledger.Hash(nil), confirmed...)
	sort.Slice(sorted, func(i, j int) bool { return bytes.Compare(sorted[i][:], sorted[j][:]) < 0 })
	var base uint64
	if p := h.card.st.purse(asset); p != nil {
		base = p.Seq
	}
	cc := ledger.CardCredit{Card: h.addr, Asset: asset, Total: u128(total), Seq: seq, Base: base, Confirmed: ledger.ConfirmedHash(sorted)}
	sig, _ := h.issuer.Sign(testDomain.Digest(cc.StructHash()))
	u := cardproto.Update{Asset: asset, Total: u128(total), Seq: seq, Base: base, Confirmed: confirmed, Sig: ledger.Sig(sig)}
	return u.Bytes()
}

// limitsUpdate is SET LIMITS' body for the purse of asset, signed by signer.
func (h *harness) limitsUpdate(signer *account.Key, asset ledger.Hash, lim cardproto.Limits, seq uint64) []byte {
	u := cardproto.LimitsUpdate{Asset: asset, Limits: lim, Seq: seq}
	cl := u.CardLimits(h.addr)
	sig, _ := signer.Sign(testDomain.Digest(cl.StructHash()))
	u.Sig = ledger.Sig(sig)
	return u.Bytes()
}

func payTLV(amount uint64, payee ledger.Address, challenge ledger.Hash) []byte {
	return payTLV2(eurID, amount, payee, challenge)
}

func payTLV2(asset ledger.Hash, amount uint64, payee ledger.Address, challenge ledger.Hash) []byte {
	r := cardproto.PayRequest{Asset: asset, Amount: u128(amount), Payee: payee, Challenge: challenge}
	return r.Bytes()
}

func (h *harness) purse() cardproto.Purse { return h.card.st.Purses[0] }

func TestPersonalizeAndStatus(t *testing.T) {
	h := newActiveCard(t, 1)
	info, err := cardproto.ParseInfo(h.selectCard())
	if err != nil || info.Address != h.addr || info.Cert != h.card.st.Cert || info.Life != LifeActive {
		t.Fatalf("SELECT: %+v %v", info, err)
	}
	// Personalize only once.
	if _, sw := h.do(0x80, cardproto.INSPersonalize, 0, 0, h.personalization(h.issuer)); sw != apdu.SWConditionsNotSatisfied {
		t.Fatalf("second personalization: %04X", sw)
	}
	// A certificate by someone else is refused (fresh card).
	h2 := &harness{t: t, mem: NewMemMedium(), issuer: key(t, 1), owner: key(t, 2)}
	h2.reload()
	h2.selectCard()
	h2.must(0x80, cardproto.INSGenerateKey, 0, 0, nil)
	h2.addr = h2.card.st.Address
	if _, sw := h2.do(0x80, cardproto.INSPersonalize, 0, 0, h2.personalization(key(t, 66))); sw != apdu.SWDataInvalid {
		t.Fatalf("counterfeit certificate: %04X", sw)
	}
	st, err := cardproto.ParseStatus(h.must(0x80, cardproto.INSGetStatus, 0, 0, nil))
	if err != nil || len(st.Purses) != 2 || st.Purses[0].Asset != eurID || st.Purses[1].Asset != ethID || st.ChainID != 1337 || st.Owner != h.owner.Address() {
		t.Fatalf("GET STATUS: %+v %v", st, err)
	}
}

func TestPINAndPUK(t *testing.T) {
	h := newActiveCard(t, 2)
	h.selectCard()
	for i, want := range []uint16{0x63C2, 0x63C1, apdu.SWBlocked, apdu.SWBlocked} {
		if _, sw := h.do(0x00, cardproto.INSVerify, 0, 0x80, []byte("000000")); sw != want {
			t.Fatalf("wrong PIN %d: %04X, want %04X", i+1, sw, want)
		}
	}
	// Blocked survives a power cycle and a reload from memory.
	h.reload()
	h.selectCard()
	if _, sw := h.do(0x00, cardproto.INSVerify, 0, 0x80, []byte("123456")); sw != apdu.SWBlocked {
		t.Fatalf("right PIN on a blocked card: %04X", sw)
	}
	// Unblock with the PUK; a wrong PUK costs a try.
	if _, sw := h.do(0x00, cardproto.INSUnblock, 0, 0x80, append([]byte("00000000\xff"), "654321"...)); sw != 0x63C4 {
		t.Fatalf("wrong PUK: %04X", sw)
	}
	h.must(0x00, cardproto.INSUnblock, 0, 0x80, append([]byte("12345678\xff"), "654321"...))
	h.must(0x00, cardproto.INSVerify, 0, 0x80, []byte("654321"))
	// Five wrong PUKs block it for good: the card refuses to pay.
	for i := 0; i < 5; i++ {
		h.do(0x00, cardproto.INSUnblock, 0, 0x80, append([]byte("00000000\xff"), "654321"...))
	}
	if _, sw := h.do(0x00, cardproto.INSUnblock, 0, 0x80, append([]byte("12345678\xff"), "654321"...)); sw != apdu.SWBlocked {
		t.Fatalf("PUK after 5 wrong: %04X", sw)
	}
	if _, sw := h.do(0x80, cardproto.INSPay, 1, 0, payTLV(1, ledger.Address{9}, ledger.Hash{1})); sw != apdu.SWBlocked {
		t.Fatalf("pay on a terminated card: %04X", sw)
	}
	// PIN change needs the old PIN.
	h2 := newActiveCard(t, 3)
	h2.selectCard()
	h2.must(0x00, cardproto.INSChangePIN, 0, 0x80, append([]byte("123456\xff"), "111111"...))
	if _, sw := h2.do(0x00, cardproto.INSVerify, 0, 0x80, []byte("123456")); sw != 0x63C2 {
		t.Fatalf("old PIN after change: %04X", sw)
	}
	h2.must(0x00, cardproto.INSVerify, 0, 0x80, []byte("111111"))
}

func TestSpendWithinTMinusD(t *testing.T) {
	h := newActiveCard(t, 4)
	h.selectCard()
	merchant := ledger.Address{0x3e}
	// Nothing loaded: nothing to spend.
	if _, sw := h.do(0x80, cardproto.INSPay, 1, 0, payTLV(500, merchant, ledger.Hash{1})); sw != apdu.SWInsufficientFunds {
		t.Fatalf("pay from empty card: %04X", sw)
	}
	h.must(0x80, cardproto.INSUpdate, 0, 0, h.updateTLV(10000, 1))
	// An older update value changes nothing; a forged one is refused.
	h.must(0x80, cardproto.INSUpdate, 0, 0, h.updateTLV(4000, 0))
	if p := h.purse(); p.T.Uint64() != 10000 {
		t.Fatalf("T %d after an older update", p.T.Uint64())
	}
	forged := h.updateTLV(99999, 5)
	forged[len(forged)-5] ^= 1
	if _, sw := h.do(0x80, cardproto.INSUpdate, 0, 0, forged); sw != apdu.SWDataInvalid {
		t.Fatalf("forged update: %04X", sw)
	}
	// An update made for another base is refused: its confirmed list would
	// not match what this card holds.
	wrongBase := h.updateFor(eurID, 12000, 3)
	u, _ := cardproto.ParseUpdate(wrongBase)
	u.Base = 2
	cc := ledger.CardCredit{Card: h.addr, Asset: eurID, Total: u.Total, Seq: 3, Base: 2}
	sig, _ := h.issuer.Sign(testDomain.Digest(cc.StructHash()))
	u.Sig = ledger.Sig(sig)
	if _, sw := h.do(0x80, cardproto.INSUpdate, 0, 0, u.Bytes()); sw != apdu.SWDataInvalid {
		t.Fatalf("update for another base: %04X", sw)
	}
	// Offline: within the cap, no PIN up to 25.00.
	pr, _ := cardproto.ParsePayResponse(h.must(0x80, cardproto.INSPay, 1, 0, payTLV(500, merchant, ledger.Hash{1})))
	ctr, sig := pr.Counter, pr.Sig
	rec := ledger.CardRecord{Card: h.addr, Asset: eurID, Amount: *uint256.NewInt(500), Payee: merchant, Counter: ctr, Challenge: ledger.Hash{1}, Mode: 1}
	if signer, err := account.Recover(testDomain.Digest(rec.StructHash()), sig); err != nil || signer != h.addr || ctr != 1 {
		t.Fatalf("record signature: %v %v counter %d", signer, err, ctr)
	}
	// Offline above the cap: refused; above the no-PIN limit without PIN: refused.
	if _, sw := h.do(0x80, cardproto.INSPay, 1, 0, payTLV(2100, merchant, ledger.Hash{2})); sw != apdu.SWOfflineLimit {
		t.Fatalf("offline over cap: %04X", sw)
	}
	if _, sw := h.do(0x80, cardproto.INSPay, 2, 0, payTLV(3000, merchant, ledger.Hash{3})); sw != apdu.SWSecurityNotSatisfied {
		t.Fatalf("online over no-PIN limit without PIN: %04X", sw)
	}
	h.must(0x00, cardproto.INSVerify, 0, 0x80, []byte("123456"))
	h.must(0x80, cardproto.INSPay, 2, 0, payTLV(3000, merchant, ledger.Hash{3}))
	// Consecutive offline limit: 3, reset by an online payment.
	h.must(0x80, cardproto.INSPay, 1, 0, payTLV(100, merchant, ledger.Hash{4}))
	h.must(0x80, cardproto.INSPay, 1, 0, payTLV(100, merchant, ledger.Hash{5}))
	h.must(0x80, cardproto.INSPay, 1, 0, payTLV(100, merchant, ledger.Hash{6}))
	if _, sw := h.do(0x80, cardproto.INSPay, 1, 0, payTLV(100, merchant, ledger.Hash{7})); sw != apdu.SWOfflineLimit {
		t.Fatalf("fourth offline in a row: %04X", sw)
	}
	// T − D: 10000 − 3800 = 6200; 6300 is too much even online.
	if _, sw := h.do(0x80, cardproto.INSPay, 2, 0, payTLV(6300, merchant, ledger.Hash{8})); sw != apdu.SWInsufficientFunds {
		t.Fatalf("overspend: %04X", sw)
	}
	h.must(0x80, cardproto.INSPay, 2, 0, payTLV(6200, merchant, ledger.Hash{8}))
	if p := h.purse(); p.D.Uint64() != 10000 || h.card.st.Counter != 6 {
		t.Fatalf("D %d counter %d", p.D.Uint64(), h.card.st.Counter)
	}
	// The last records are readable (a lost response is recovered).
	rv, err := cardproto.ParseRecordView(h.must(0x80, cardproto.INSReadRecords, 0, 0, nil))
	if err != nil || rv.Counter != 6 {
		t.Fatalf("newest record: %+v %v", rv, err)
	}
}

// Card to card: A sends from confirmed value only; B checks A's signature
// and certificate against the challenge it gave, and may spend the
// received value at a terminal (attaching A's record) but not send it on.
func TestCardToCard(t *testing.T) {
	a := newActiveCard(t, 5)
	b := newActiveCard(t, 6)
	b.card.rand = newRand(2)
	a.selectCard()
	b.selectCard()
	a.must(0x80, cardproto.INSUpdate, 0, 0, a.updateTLV(5000, 1))
	a.must(0x00, cardproto.INSVerify, 0, 0x80, []byte("123456"))
	ch := b.must(0x00, cardproto.INSChallenge, 0, 0, nil)
	pr, _ := cardproto.ParsePayResponse(a.must(0x80, cardproto.INSSend, 0, 0, payTLV(1500, b.addr, ledger.Hash(ch))))
	sig := pr.Sig
	recv := cardproto.Received{Payer: a.addr, PayerOwner: a.owner.Address(), PayerCert: a.card.st.Cert,
		Asset: eurID, Amount: u128(1500), Counter: pr.Counter, Sig: sig}
	// Without a challenge, or replayed: refused.
	if sw := b.card.receive(recv.Bytes()); sw != apdu.SWOK {
		t.Fatalf("receive: %04X", sw)
	}
	if sw := b.card.receive(recv.Bytes()); sw != apdu.SWDataInvalid {
		t.Fatalf("replayed receive without a new challenge: %04X", sw)
	}
	b.must(0x00, cardproto.INSChallenge, 0, 0, nil)
	if sw := b.card.receive(recv.Bytes()); sw != apdu.SWDataInvalid {
		t.Fatalf("receive against another challenge: %04X", sw)
	}
	// B spends the received value at a terminal; the record travels along.
	b.must(0x00, cardproto.INSVerify, 0, 0x80, []byte("123456"))
	pay := b.must(0x80, cardproto.INSPay, 2, 0, payTLV(1000, ledger.Address{0x3e}, ledger.Hash{9}))
	if !bytes.Contains(pay, sig[:]) {
		t.Fatal("B's payment does not attach A's record")
	}
	// …but cannot send it on card to card.
	c := newActiveCard(t, 7)
	c.selectCard()
	ch2 := c.must(0x00, cardproto.INSChallenge, 0, 0, nil)
	if _, sw := b.do(0x80, cardproto.INSSend, 0, 0, payTLV(100, c.addr, ledger.Hash(ch2))); sw != apdu.SWInsufficientFunds {
		t.Fatalf("send from unconfirmed value: %04X", sw)
	}
	// The issuer confirms A's record inside B's new T: it leaves the list.
	id := b.card.st.Received[0].ID
	b.must(0x80, cardproto.INSUpdate, 0, 0, b.updateTLV(1500, 1, id))
	if len(b.card.st.Received) != 0 {
		t.Fatal("confirmed record still listed")
	}
	// A counterfeit payer (certificate by an untrusted key) is refused.
	fake := recv
	cc := ledger.CardCertificate{Card: a.addr, Owner: a.owner.Address()}
	s, _ := key(t, 77).Sign(testDomain.Digest(cc.StructHash()))
	fake.PayerCert = ledger.Sig(s)
	b.must(0x00, cardproto.INSChallenge, 0, 0, nil)
	if sw := b.card.receive(fake.Bytes()); sw != apdu.SWUntrustedIssuer {
		t.Fatalf("counterfeit payer: %04X", sw)
	}
}

// TestPowerCutAtEveryWrite cuts power after every page write of every
// state-changing command and checks that the card comes back either
// exactly as before the command or exactly as after it — or, for a
// command that checks the PIN or PUK, as before with that try spent (the
// card spends the try first and gives it back on success).
func TestPowerCutAtEveryWrite(t *testing.T) {
	type step struct {
		name   string
		pre    func(h *harness) // session set-up (not cut)
		cmd    func(h *harness) uint16
		spends func(s *State) // the try a PIN or PUK check spends first
	}
	pinTry := func(s *State) { s.PINLeft-- }
	pukTry := func(s *State) { s.PUKLeft-- }
	merchant := ledger.Address{0x3e}
	steps := []step{
		{"update", nil, func(h *harness) uint16 {
			_, sw := h.do(0x80, cardproto.INSUpdate, 0, 0, h.updateTLV(20000, 9))
			return sw
		}, nil},
		{"pay offline", nil, func(h *harness) uint16 {
			_, sw := h.do(0x80, cardproto.INSPay, 1, 0, payTLV(700, merchant, ledger.Hash{1}))
			return sw
		}, nil},
		{"pay online", func(h *harness) { h.must(0x00, cardproto.INSVerify, 0, 0x80, []byte("123456")) }, func(h *harness) uint16 {
			_, sw := h.do(0x80, cardproto.INSPay, 2, 0, payTLV(3000, merchant, ledger.Hash{2}))
			return sw
		}, nil},
		{"wrong PIN", nil, func(h *harness) uint16 {
			_, sw := h.do(0x00, cardproto.INSVerify, 0, 0x80, []byte("999999"))
			return sw
		}, pinTry},
		{"right PIN", nil, func(h *harness) uint16 {
			_, sw := h.do(0x00, cardproto.INSVerify, 0, 0x80, []byte("123456"))
			return sw
		}, pinTry},
		{"change PIN", nil, func(h *harness) uint16 {
			_, sw := h.do(0x00, cardproto.INSChangePIN, 0, 0x80, append([]byte("123456\xff"), "222222"...))
			return sw
		}, pinTry},
		{"unblock PIN", nil, func(h *harness) uint16 {
			_, sw := h.do(0x00, cardproto.INSUnblock, 0, 0x80, append([]byte("12345678\xff"), "333333"...))
			return sw
		}, pukTry},
		{"send", func(h *harness) { h.must(0x00, cardproto.INSVerify, 0, 0x80, []byte("123456")) }, func(h *harness) uint16 {
			_, sw := h.do(0x80, cardproto.INSSend, 0, 0, payTLV(500, ledger.Address{0xbb}, ledger.Hash{3}))
			return sw
		}, nil},
		{"set limits", nil, func(h *harness) uint16 {
			u := h.limitsUpdate(h.issuer, ethID, cardproto.Limits{OfflineCap: u128(100), OfflineMax: 1, NoPinLimit: u128(50)}, 4)
			_, sw := h.do(0x80, cardproto.INSSetLimits, 0, 0, u)
			return sw
		}, nil},
		{"convert", func(h *harness) { h.convertRequest(1200, merchant) }, func(h *harness) uint16 {
			_, sw := h.do(0x80, cardproto.INSConvert, 2, 0, h.approval(h.owner, ethID, 480, h.owner.Address()))
			return sw
		}, nil},
		{"receive", func(h *harness) { h.must(0x00, cardproto.INSChallenge, 0, 0, nil) }, func(h *harness) uint16 {
			_, sw := h.do(0x80, cardproto.INSReceive, 0, 0, payerRecord(t, h))
			return sw
		}, nil},
	}
	for _, s := range steps {
		base := newActiveCard(t, 8)
		base.selectCard()
		base.must(0x80, cardproto.INSUpdate, 0, 0, base.updateTLV(10000, 1))
		base.must(0x80, cardproto.INSUpdate, 0, 0, base.updateFor(ethID, 5000, 1))
		before := mustJSON(base.card.st)
		spent := before
		if s.spends != nil {
			st := base.card.State()
			s.spends(st)
			spent = mustJSON(st)
		}
		// The uncut run gives the state after.
		ref := &harness{t: t, mem: base.mem.Clone(), issuer: base.issuer, owner: base.owner, addr: base.addr}
		ref.reload()
		ref.selectCard()
		if s.pre != nil {
			s.pre(ref)
		}
		w0 := ref.mem.Writes()
		if sw := s.cmd(ref); sw != apdu.SWOK && sw&0xFFF0 != apdu.SWWrongPIN {
			t.Fatalf("%s: uncut run: %04X", s.name, sw)
		}
		after := mustJSON(ref.card.st)
		writes := ref.mem.Writes() - w0
		if writes == 0 || before == after && s.spends == nil {
			t.Fatalf("%s: changes nothing (%d writes)", s.name, writes)
		}
		for cut := 1; cut <= writes; cut++ {
			h := &harness{t: t, mem: base.mem.Clone(), issuer: base.issuer, owner: base.owner, addr: base.addr}
			h.reload()
			h.selectCard()
			if s.pre != nil {
				s.pre(h)
			}
			h.mem.CutAfter = h.mem.Writes() + cut
			s.cmd(h)
			// Power back: a fresh card over what the memory kept.
			h.mem.CutAfter = 0
			h.reload()
			got := mustJSON(h.card.st)
			if got != before && got != after && got != spent {
				t.Fatalf("%s: power cut after write %d of %d left a third state", s.name, cut, writes)
			}
			// Before its last write a command has not taken effect — unless
			// the writes left would only rewrite bytes the memory already
			// holds (a second commit over a slot that differs early only).
			if cut < writes && got != before && got != spent && !bytes.Equal(h.mem.buf, ref.mem.buf) {
				t.Fatalf("%s: cut after write %d of %d, yet the command took effect", s.name, cut, writes)
			}
		}
		t.Logf("%s: %d writes, every cut leaves before or after", s.name, writes)
	}
}

// payer is a second card that pays the card under test, signing once per
// challenge (every reload of the card under test draws the same one).
var payerRecords = map[ledger.Hash][]byte{}

func payerRecord(t *testing.T, h *harness) []byte {
	ch := ledger.Hash(h.card.challenge)
	if b, ok := payerRecords[ch]; ok {
		return b
	}
	p := newActiveCard(t, 30)
	p.selectCard()
	p.must(0x80, cardproto.INSUpdate, 0, 0, p.updateTLV(10000, 1))
	p.must(0x00, cardproto.INSVerify, 0, 0x80, []byte("123456"))
	pr, _ := cardproto.ParsePayResponse(p.must(0x80, cardproto.INSSend, 0, 0, payTLV(900, h.addr, ch)))
	rc := cardproto.Received{Payer: p.addr, PayerCert: p.card.st.Cert, PayerOwner: p.owner.Address(), Asset: eurID,
		Amount: u128(900), Counter: pr.Counter, Sig: pr.Sig}
	payerRecords[ch] = rc.Bytes()
	return payerRecords[ch]
}

// Key generation and personalization, cut at every write, on new cards.
func TestPowerCutDuringSetUp(t *testing.T) {
	blank := &harness{t: t, mem: NewMemMedium(), issuer: key(t, 1), owner: key(t, 2)}
	blank.reload()
	blank.selectCard()
	for _, stage := range []string{"generate key", "personalize"} {
		before := mustJSON(blank.card.st)
		ref := &harness{t: t, mem: blank.mem.Clone(), issuer: blank.issuer, owner: blank.owner}
		ref.reload()
		ref.selectCard()
		run := func(h *harness) uint16 {
			if stage == "generate key" {
				_, sw := h.do(0x80, cardproto.INSGenerateKey, 0, 0, nil)
				return sw
			}
			h.addr = h.card.st.Address
			_, sw := h.do(0x80, cardproto.INSPersonalize, 0, 0, h.personalization(h.issuer))
			return sw
		}
		w0 := ref.mem.Writes()
		if sw := run(ref); sw != apdu.SWOK {
			t.Fatalf("%s: %04X", stage, sw)
		}
		after, writes := mustJSON(ref.card.st), ref.mem.Writes()-w0
		for cut := 1; cut <= writes; cut++ {
			h := &harness{t: t, mem: blank.mem.Clone(), issuer: blank.issuer, owner: blank.owner}
			h.reload()
			h.selectCard()
			h.mem.CutAfter = h.mem.Writes() + cut
			run(h)
			h.mem.CutAfter = 0
			h.reload()
			if got := mustJSON(h.card.st); got != before && got != after || cut < writes && got != before {
				t.Fatalf("%s: cut after write %d of %d left another state", stage, cut, writes)
			}
		}
		blank = ref
	}
}

func mustJSON(s *State) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// Through raw APDUs: chaining in, GET RESPONSE out.
func TestTransmitChainingAndGetResponse(t *testing.T) {
	h := newActiveCard(t, 20)
	tx := func(b ...byte) apdu.Response {
		r, err := apdu.ParseResponse(h.card.Transmit(b))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	sel, _ := apdu.Command{CLA: 0, INS: cardproto.INSSelect, P1: 4, Data: cardproto.AID, Le: 256}.Bytes()
	if r := tx(sel...); r.SW != apdu.SWOK {
		t.Fatalf("select: %04X", r.SW)
	}
	// An UPDATE padded past 255 bytes (unknown tags are ignored) goes in
	// as a chain; GET STATUS (over 256 bytes) comes out through GET
	// RESPONSE.
	upd := append(h.updateTLV(5000, 3), apdu.TLV{Tag: 0xC7, Value: make([]byte, 200)}.Bytes()...)
	parts := apdu.Chain(apdu.Command{CLA: 0x80, INS: cardproto.INSUpdate, Data: upd, Le: -1})
	if len(parts) < 2 {
		t.Fatalf("%d bytes did not chain", len(upd))
	}
	for _, part := range parts {
		b, _ := part.Bytes()
		if r := tx(b...); r.SW != apdu.SWOK {
			t.Fatalf("chained update part: %04X", r.SW)
		}
	}
	if p := h.purse(); p.T.Uint64() != 5000 {
		t.Fatal("chained update not applied")
	}
	st, _ := apdu.Command{CLA: 0x80, INS: cardproto.INSGetStatus, Le: 256}.Bytes()
	r := tx(st...)
	full := append([]byte(nil), r.Data...)
	for {
		n, more := apdu.MoreData(r.SW)
		if !more {
			break
		}
		gr, _ := apdu.GetResponse(uint16(0x6100 | n&0xFF)).Bytes()
		r = tx(gr...)
		full = append(full, r.Data...)
	}
	if st := h.card.status(); r.SW != apdu.SWOK || !bytes.Equal(full, st.Bytes()) {
		t.Fatalf("GET STATUS through GET RESPONSE: %04X, %d bytes", r.SW, len(full))
	}
	if r := tx(0x00, 0xC0, 0x00, 0x00, 0x10); r.SW != apdu.SWConditionsNotSatisfied {
		t.Fatalf("GET RESPONSE with nothing pending: %04X", r.SW)
	}
	if r := tx(0x01); r.SW != apdu.SWWrongLength {
		t.Fatalf("malformed APDU: %04X", r.SW)
	}
}

// TestFileMediumHasOneHolder: a state file open by one holder is refused
// to a second (two applets over one memory would overwrite each other's
// commits) until the first closes it.
func TestFileMediumHasOneHolder(t *testing.T) {
	path := t.TempDir() + "/card.state"
	m, err := OpenFileMedium(path)
	if err != nil {
		t.Fatal(err)
	}
	if m2, err := OpenFileMedium(path); !errors.Is(err, ErrMediumInUse) {
		if m2 != nil {
			m2.Close()
		}
		t.Fatalf("second open: %v, want ErrMediumInUse", err)
	}
	m.Close()
	m2, err := OpenFileMedium(path)
	if err != nil {
		t.Fatalf("open after the first holder closed: %v", err)
	}
	m2.Close()
}
