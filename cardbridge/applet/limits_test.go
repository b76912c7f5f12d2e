package applet

import (
	"testing"

	"github.com/anonex/anonex/cardbridge/apdu"
	"github.com/anonex/anonex/cardbridge/cardproto"
	"github.com/anonex/anonex/ledger"
	"github.com/holiman/uint256"
)

// eth and eur are amounts in the purses' units: 18 and 2 decimals.
func eth(milli uint64) uint256.Int {
	return *new(uint256.Int).Mul(uint256.NewInt(milli), uint256.NewInt(1e15))
}
func eur(cents uint64) uint256.Int { return u128(cents) }

// ethEURCard is a card with purses ETH (first) and EUR, no PIN up to
// 0.01 ETH and 20.00 EUR, offline up to 0.02 ETH and 50.00 EUR, loaded
// with 1 ETH and 2,000.00 EUR.
func ethEURCard(t *testing.T, seed byte) *harness {
	h := &harness{t: t, mem: NewMemMedium(), issuer: key(t, 1), owner: key(t, 2), assets: []ledger.Hash{ethID, eurID},
		limits: ethEURLimits()}
	h.reload()
	h.card.rand = newRand(seed)
	h.selectCard()
	h.must(0x80, cardproto.INSGenerateKey, 0, 0, nil)
	h.addr = h.card.st.Address
	h.must(0x80, cardproto.INSPersonalize, 0, 0, h.personalization(h.issuer))
	h.must(0x80, cardproto.INSUpdate, 0, 0, h.updateFor(eurID, 2000_00, 1))
	h.must(0x80, cardproto.INSUpdate, 0, 0, h.updateFor(ethID, 1e18, 1))
	return h
}

func payAsset(asset ledger.Hash, amount uint256.Int, payee ledger.Address, challenge ledger.Hash) []byte {
	r := cardproto.PayRequest{Asset: asset, Amount: amount, Payee: payee, Challenge: challenge}
	return r.Bytes()
}

// TestAttackNoPinLimitAcrossPurses: the no-PIN limit and the offline cap
// were one number compared against every purse, so with a no-PIN limit of
// 0.01 ETH (10^16 base units) a thief paid 1,000.00 EUR (10^5 base units)
// offline without the PIN. Each purse now has its own limits in its own
// units.
func TestAttackNoPinLimitAcrossPurses(t *testing.T) {
	h := ethEURCard(t, 50)
	merchant := ledger.Address{0x3e}
	for _, mode := range []byte{ledger.CardModeOffline, ledger.CardModeOnline} {
		if _, sw := h.do(0x80, cardproto.INSPay, mode, 0, payAsset(eurID, eur(1000_00), merchant, ledger.Hash{mode, 1})); sw != apdu.SWSecurityNotSatisfied {
			t.Fatalf("mode %d: 1,000.00 EUR without the PIN: %04X, want 6982", mode, sw)
		}
		if _, sw := h.do(0x80, cardproto.INSPay, mode, 0, payAsset(eurID, eur(20_01), merchant, ledger.Hash{mode, 2})); sw != apdu.SWSecurityNotSatisfied {
			t.Fatalf("mode %d: 20.01 EUR without the PIN: %04X, want 6982", mode, sw)
		}
		h.must(0x80, cardproto.INSPay, mode, 0, payAsset(eurID, eur(10_00), merchant, ledger.Hash{mode, 3}))
		// The ETH purse keeps its own: 0.01 ETH without PIN, not 0.011.
		h.must(0x80, cardproto.INSPay, mode, 0, payAsset(ethID, eth(10), merchant, ledger.Hash{mode, 4}))
		if _, sw := h.do(0x80, cardproto.INSPay, mode, 0, payAsset(ethID, eth(11), merchant, ledger.Hash{mode, 5})); sw != apdu.SWSecurityNotSatisfied {
			t.Fatalf("mode %d: 0.011 ETH without the PIN: %04X, want 6982", mode, sw)
		}
	}
	// The offline cap is the purse's too: with the PIN, 50.00 EUR offline,
	// not 50.01 (which the 0.02 ETH cap would have let through).
	h.must(0x00, cardproto.INSVerify, 0, 0x80, []byte("123456"))
	if _, sw := h.do(0x80, cardproto.INSPay, 1, 0, payAsset(eurID, eur(50_01), merchant, ledger.Hash{9})); sw != apdu.SWOfflineLimit {
		t.Fatalf("50.01 EUR offline: %04X, want 6F02", sw)
	}
	h.must(0x80, cardproto.INSPay, 1, 0, payAsset(eurID, eur(50_00), merchant, ledger.Hash{10}))
	h.must(0x80, cardproto.INSPay, 2, 0, payAsset(eurID, eur(1000_00), merchant, ledger.Hash{11}))

	// Conversions: a 1,000.00 EUR purchase converted from ETH needs the
	// PIN (the EUR purse's limit); so does a 10.00 EUR one whose approved
	// ETH amount is above the ETH purse's limit.
	h.selectCard() // new session: no PIN
	if _, sw := h.convertRequest(1000_00, merchant); sw != apdu.SWSecurityNotSatisfied {
		t.Fatalf("converting 1,000.00 EUR without the PIN: %04X, want 6982", sw)
	}
	before := h.card.st.Counter
	h.convertRequest(10_00, merchant)
	if _, sw := h.do(0x80, cardproto.INSConvert, 2, 0, h.approvalAmount(ethID, eth(11))); sw != apdu.SWSecurityNotSatisfied {
		t.Fatalf("0.011 ETH approved without the PIN: %04X, want 6982", sw)
	}
	h.convertRequest(10_00, merchant)
	h.must(0x80, cardproto.INSConvert, 2, 0, h.approvalAmount(ethID, eth(9)))
	// With the PIN verified between the phases the larger amount goes.
	h.convertRequest(10_00, merchant)
	h.must(0x00, cardproto.INSVerify, 0, 0x80, []byte("123456"))
	h.must(0x80, cardproto.INSConvert, 2, 0, h.approvalAmount(ethID, eth(11)))
	if h.card.st.Counter != before+2 {
		t.Fatalf("counter %d after two conversions from %d", h.card.st.Counter, before)
	}
}

// TestLimitsPerPurseUpdate: SET LIMITS changes one purse's limits, signed
// for that purse (issuer or owner), each purse with its own sequence.
func TestLimitsPerPurseUpdate(t *testing.T) {
	h := ethEURCard(t, 51)
	merchant := ledger.Address{0x3e}
	lower := cardproto.Limits{OfflineCap: eur(5_00), OfflineMax: 2, NoPinLimit: eur(3_00)}
	// Signed for the ETH purse, sent for EUR: refused.
	forETH := h.limitsUpdate(h.owner, ethID, lower, 1)
	u, _ := cardproto.ParseLimitsUpdate(forETH)
	u.Asset = eurID
	if _, sw := h.do(0x80, cardproto.INSSetLimits, 0, 0, u.Bytes()); sw != apdu.SWDataInvalid {
		t.Fatalf("limits signed for another purse: %04X", sw)
	}
	if _, sw := h.do(0x80, cardproto.INSSetLimits, 0, 0, h.limitsUpdate(key(t, 77), eurID, lower, 1)); sw != apdu.SWDataInvalid {
		t.Fatalf("limits signed by a stranger: %04X", sw)
	}
	if _, sw := h.do(0x80, cardproto.INSSetLimits, 0, 0, h.limitsUpdate(h.owner, ledger.Hash{0x99}, lower, 1)); sw != apdu.SWNotFound {
		t.Fatalf("limits of a purse the card does not have: %04X", sw)
	}
	h.must(0x80, cardproto.INSSetLimits, 0, 0, h.limitsUpdate(h.owner, eurID, lower, 1))
	if _, sw := h.do(0x80, cardproto.INSPay, 2, 0, payAsset(eurID, eur(3_01), merchant, ledger.Hash{1})); sw != apdu.SWSecurityNotSatisfied {
		t.Fatalf("3.01 EUR without PIN under the new limits: %04X", sw)
	}
	// ETH keeps its own limits; its sequence is its own.
	h.must(0x80, cardproto.INSPay, 2, 0, payAsset(ethID, eth(10), merchant, ledger.Hash{2}))
	h.must(0x80, cardproto.INSSetLimits, 0, 0, h.limitsUpdate(h.issuer, ethID, cardproto.Limits{OfflineCap: eth(1), OfflineMax: 1, NoPinLimit: eth(1)}, 1))
	// A replayed or older update for a purse is refused.
	if _, sw := h.do(0x80, cardproto.INSSetLimits, 0, 0, h.limitsUpdate(h.owner, eurID, ethEURLimits()[1], 1)); sw != apdu.SWDataInvalid {
		t.Fatalf("replayed EUR limits: %04X", sw)
	}
	st, err := cardproto.ParseStatus(h.must(0x80, cardproto.INSGetStatus, 0, 0, nil))
	if err != nil {
		t.Fatal(err)
	}
	if p := st.Purse(eurID); p == nil || p.Limits.NoPinLimit.Uint64() != 3_00 || p.LimitsSeq != 1 {
		t.Fatalf("GET STATUS EUR purse: %+v", p)
	}
	if p, want := st.Purse(ethID), eth(1); p == nil || !p.Limits.NoPinLimit.Eq(&want) || p.LimitsSeq != 1 {
		t.Fatalf("GET STATUS ETH purse: %+v", p)
	}
	// Personalization needs one limits entry per purse.
	p, _ := cardproto.ParsePersonalization(h.personalization(h.issuer))
	b := p.Bytes()
	p.Limits = p.Limits[:1]
	if _, err := cardproto.ParsePersonalization(p.Bytes()); err == nil || len(b) == len(p.Bytes()) {
		t.Fatal("a personalization with limits for one of two purses parses")
	}
}

// approvalAmount is the owner's approval of the last conversion request,
// paying amount of asset to the owner.
func (h *harness) approvalAmount(asset ledger.Hash, amount uint256.Int) []byte {
	ca := ledger.ConversionApproval{Card: h.addr, Nonce: h.lastNonce, Asset: asset, Amount: amount, Collector: h.owner.Address()}
	sig, _ := h.owner.Sign(testDomain.Digest(ca.StructHash()))
	a := cardproto.ConvertApproval{Nonce: h.lastNonce, Asset: asset, Amount: amount, Collector: h.owner.Address(), Sig: ledger.Sig(sig)}
	return a.Bytes()
}

func ethEURLimits() []cardproto.Limits {
	return []cardproto.Limits{
		{OfflineCap: eth(20), OfflineMax: 5, NoPinLimit: eth(10)},
		{OfflineCap: eur(50_00), OfflineMax: 5, NoPinLimit: eur(20_00)},
	}
}
