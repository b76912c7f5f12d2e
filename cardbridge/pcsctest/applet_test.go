package pcsctest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"os/exec"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/cardbridge/apdu"
	"github.com/anonex/anonex/cardbridge/applet"
	"github.com/anonex/anonex/cardbridge/cardclient"
	"github.com/anonex/anonex/cardbridge/cardproto"
	"github.com/anonex/anonex/cardbridge/pcsc"
	"github.com/anonex/anonex/ledger"
	"github.com/holiman/uint256"
)

var (
	appletDomain = ledger.NewDomain(1337, ledger.Address{0xa1})
	appletAsset  = ledger.Hash{0xe0}
)

func appletKey(t *testing.T, i byte) *account.Key {
	var b [32]byte
	b[0], b[31] = 0x33, i
	k, err := account.FromBytes(b[:])
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// personalized inserts a fresh applet into reader n and personalizes it
// through pcscd, as `anonex card init` does.
func personalized(t *testing.T, pc *pcsc.Context, n int, issuer, owner *account.Key) (*cardclient.Client, ledger.Address, *applet.Applet, func()) {
	t.Helper()
	return personalizedWith(t, pc, n, issuer, owner, []ledger.Hash{appletAsset},
		[]cardproto.Limits{{OfflineCap: *uint256.NewInt(2000), OfflineMax: 3, NoPinLimit: *uint256.NewInt(2500)}})
}

// personalizedWith is personalized with the given purses and their limits.
func personalizedWith(t *testing.T, pc *pcsc.Context, n int, issuer, owner *account.Key, assets []ledger.Hash,
	limits []cardproto.Limits) (*cardclient.Client, ledger.Address, *applet.Applet, func()) {
	t.Helper()
	mem := applet.NewMemMedium()
	card, err := applet.New(mem, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	slot, reader := insert(t, pc, n, card)
	h := connect(t, pc, reader)
	cl := cardclient.New(h)
	if _, err := cl.Select(); err != nil {
		t.Fatal(err)
	}
	pub, err := cl.GenerateKey()
	if err != nil || len(pub) != 65 {
		t.Fatalf("generate key: %v", err)
	}
	info, err := cl.Select()
	if err != nil {
		t.Fatal(err)
	}
	cc := ledger.CardCertificate{Card: info.Address, Owner: owner.Address()}
	cert, _ := issuer.Sign(appletDomain.Digest(cc.StructHash()))
	p := &cardproto.Personalization{Owner: owner.Address(), ChainID: appletDomain.ChainID, Anchor: appletDomain.Contract,
		Cert: ledger.Sig(cert), Trusted: []ledger.Address{issuer.Address()}, PIN: "123456", PUK: "12345678",
		Limits: limits, Assets: assets}
	if err := cl.Personalize(p); err != nil {
		t.Fatal(err)
	}
	return cl, info.Address, card, func() { slot.Remove() }
}

// TestAttackNoPinLimitAcrossPursesThroughPCSC is the applet's
// TestAttackNoPinLimitAcrossPurses through pcscd: a card with purses ETH
// (no PIN up to 0.01 ETH) and EUR (no PIN up to 20.00 EUR) refuses
// 1,000.00 EUR without the PIN offline and online (69 82) and pays 10.00.
func TestAttackNoPinLimitAcrossPursesThroughPCSC(t *testing.T) {
	pc := openContext(t)
	issuer, owner := appletKey(t, 1), appletKey(t, 2)
	eth, eur := ledger.Hash{0xe7}, appletAsset
	cl, addr, _, _ := personalizedWith(t, pc, 0, issuer, owner, []ledger.Hash{eth, eur}, []cardproto.Limits{
		{OfflineCap: *uint256.NewInt(2e16), OfflineMax: 5, NoPinLimit: *uint256.NewInt(1e16)},
		{OfflineCap: *uint256.NewInt(50_00), OfflineMax: 5, NoPinLimit: *uint256.NewInt(20_00)},
	})
	if err := cl.Update(signedUpdate(issuer, addr, 2000_00, 1, 0)); err != nil {
		t.Fatal(err)
	}
	st, err := cl.Status()
	if err != nil || st.Purse(eur) == nil || st.Purse(eur).Limits.NoPinLimit.Uint64() != 20_00 || st.Purse(eth).Limits.NoPinLimit.Uint64() != 1e16 {
		t.Fatalf("GET STATUS limits: %+v %v", st.Purses, err)
	}
	merchant := ledger.Address{0x3e}
	for _, mode := range []byte{ledger.CardModeOffline, ledger.CardModeOnline} {
		big := &cardproto.PayRequest{Asset: eur, Amount: *uint256.NewInt(1000_00), Payee: merchant, Challenge: ledger.Hash{mode, 1}}
		if _, err := cl.Pay(mode, big); !errors.Is(err, &apdu.SWError{SW: apdu.SWSecurityNotSatisfied}) {
			t.Fatalf("mode %d: 1,000.00 EUR without the PIN: %v", mode, err)
		}
		small := &cardproto.PayRequest{Asset: eur, Amount: *uint256.NewInt(10_00), Payee: merchant, Challenge: ledger.Hash{mode, 2}}
		resp, err := cl.Pay(mode, small)
		if err != nil {
			t.Fatalf("mode %d: 10.00 EUR without the PIN: %v", mode, err)
		}
		if _, err := ledger.Verify(cardclient.PaymentTx(addr, small, mode, &resp), appletDomain, recoverer{}); err != nil {
			t.Fatalf("mode %d: record: %v", mode, err)
		}
	}
}

func signedUpdate(issuer *account.Key, card ledger.Address, total, seq, base uint64, confirmed ...ledger.Hash) *cardproto.Update {
	ids := append([]ledger.Hash(nil), confirmed...)
	sort.Slice(ids, func(i, j int) bool { return bytes.Compare(ids[i][:], ids[j][:]) < 0 })
	cc := ledger.CardCredit{Card: card, Asset: appletAsset, Total: *uint256.NewInt(total), Seq: seq, Base: base, Confirmed: ledger.ConfirmedHash(ids)}
	sig, _ := issuer.Sign(appletDomain.Digest(cc.StructHash()))
	return &cardproto.Update{Asset: appletAsset, Total: *uint256.NewInt(total), Seq: seq, Base: base, Confirmed: confirmed, Sig: ledger.Sig(sig)}
}

// TestAppletThroughPCSC drives the real applet through pcscd: personalize,
// PIN tries, an update value, offline and online payments whose records
// verify with ecrecover, a card pulled mid-payment whose record is read
// back after re-insert, and opensc-tool reading the card's status.
func TestAppletThroughPCSC(t *testing.T) {
	pc := openContext(t)
	issuer, owner := appletKey(t, 1), appletKey(t, 2)
	cl, addr, card, _ := personalized(t, pc, 0, issuer, owner)
	if err := cl.VerifyPIN("000000"); !errors.Is(err, &apdu.SWError{SW: 0x63C2}) {
		t.Fatalf("wrong PIN: %v", err)
	}
	if err := cl.Update(signedUpdate(issuer, addr, 10000, 1, 0)); err != nil {
		t.Fatal(err)
	}
	merchant := ledger.Address{0x3e}
	req := &cardproto.PayRequest{Asset: appletAsset, Amount: *uint256.NewInt(500), Payee: merchant, Challenge: ledger.Hash{1}}
	resp, err := cl.Pay(ledger.CardModeOffline, req)
	if err != nil {
		t.Fatal(err)
	}
	tx := cardclient.PaymentTx(addr, req, ledger.CardModeOffline, &resp)
	if _, err := ledger.Verify(tx, appletDomain, recoverer{}); err != nil {
		t.Fatalf("offline record does not verify: %v", err)
	}
	// Online above the no-PIN limit needs the PIN.
	big := &cardproto.PayRequest{Asset: appletAsset, Amount: *uint256.NewInt(3000), Payee: merchant, Challenge: ledger.Hash{2}}
	if _, err := cl.Pay(ledger.CardModeOnline, big); !errors.Is(err, &apdu.SWError{SW: apdu.SWSecurityNotSatisfied}) {
		t.Fatalf("online without PIN: %v", err)
	}
	if err := cl.VerifyPIN("123456"); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Pay(ledger.CardModeOnline, big); err != nil {
		t.Fatal(err)
	}
	// Standard tools see the card: opensc-tool selects the applet and reads
	// its status through pcscd.
	reader, _ := pc.VPCDReader(0)
	out, err := exec.Command("opensc-tool", "-r", reader, "-c", "default",
		"-s", "00:A4:04:00:08:F0:61:6E:6F:6E:65:78:01", "-s", "80:CA:00:00:00").CombinedOutput()
	if err != nil || strings.Count(string(out), "SW1=0x90, SW2=0x00") < 1 {
		t.Fatalf("opensc-tool: %v\n%s", err, out)
	}
	if !strings.Contains(strings.ToUpper(string(out)), "E0 00 00") {
		t.Logf("opensc-tool output:\n%s", out)
	}
	_ = card
}

type recoverer struct{}

func (recoverer) Recover(d ledger.Hash, s ledger.Sig) (ledger.Address, error) {
	return account.Recover(d, s)
}

// TestCardPulledMidPaymentLosesNothing pulls the card while PAY is in
// flight. After re-insert the terminal reads the last record back: either
// the card signed (D and the counter moved, and the record is readable) or
// it did not (nothing moved).
func TestCardPulledMidPaymentLosesNothing(t *testing.T) {
	pc := openContext(t)
	issuer, owner := appletKey(t, 3), appletKey(t, 4)
	mem := applet.NewMemMedium()
	card, _ := applet.New(mem, rand.Reader)
	slot, reader := insert(t, pc, 1, card)
	h := connect(t, pc, reader)
	cl := cardclient.New(h)
	cl.Select()
	cl.GenerateKey()
	info, _ := cl.Select()
	cc := ledger.CardCertificate{Card: info.Address, Owner: owner.Address()}
	cert, _ := issuer.Sign(appletDomain.Digest(cc.StructHash()))
	if err := cl.Personalize(&cardproto.Personalization{Owner: owner.Address(), ChainID: 1337, Anchor: ledger.Address{0xa1},
		Cert: ledger.Sig(cert), Trusted: []ledger.Address{issuer.Address()}, PIN: "123456", PUK: "12345678",
		Limits: []cardproto.Limits{{OfflineCap: *uint256.NewInt(2000), OfflineMax: 9, NoPinLimit: *uint256.NewInt(2500)}},
		Assets: []ledger.Hash{appletAsset}}); err != nil {
		t.Fatal(err)
	}
	if err := cl.Update(signedUpdate(issuer, info.Address, 10000, 1, 0)); err != nil {
		t.Fatal(err)
	}
	// A gate card: the applet, held at the PAY command until the test pulls it.
	gated := &gateCard{Card: card, hold: make(chan struct{}), entered: make(chan struct{}, 1)}
	slot.Remove()
	waitGone(t, pc, reader)
	if err := slot.Insert(gated); err != nil {
		t.Fatal(err)
	}
	waitCard(t, pc, reader)
	h.Reconnect()
	cl.Select()
	req := &cardproto.PayRequest{Asset: appletAsset, Amount: *uint256.NewInt(700), Payee: ledger.Address{0x3e}, Challenge: ledger.Hash{7}}
	done := make(chan error, 1)
	go func() { _, err := cl.Pay(ledger.CardModeOffline, req); done <- err }()
	select {
	case <-gated.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("PAY never reached the card")
	}
	slot.Remove() // pulled while the card works on PAY
	close(gated.hold)
	if err := <-done; !errors.Is(err, pcsc.ErrCardRemoved) {
		t.Fatalf("pay with the card pulled: %v", err)
	}
	// Re-insert (the card finished its commit before it lost power, or
	// not): the terminal reads back the newest record.
	waitGone(t, pc, reader)
	if err := slot.Insert(card); err != nil {
		t.Fatal(err)
	}
	waitCard(t, pc, reader)
	if err := h.Reconnect(); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Select(); err != nil {
		t.Fatal(err)
	}
	st, err := cl.Status()
	if err != nil {
		t.Fatal(err)
	}
	switch st.Counter {
	case 1:
		rv, err := cl.ReadRecord(0)
		if err != nil || rv.Counter != 1 || rv.Amount.Uint64() != 700 || rv.Challenge != req.Challenge {
			t.Fatalf("record after re-insert: %+v %v", rv, err)
		}
		if d := st.Purses[0].D; d.Uint64() != 700 {
			t.Fatalf("D %d after the signed payment", d.Uint64())
		}
		if _, err := ledger.Verify(cardclient.RecordTx(info.Address, &rv), appletDomain, recoverer{}); err != nil {
			t.Fatalf("recovered record: %v", err)
		}
	case 0:
		if d := st.Purses[0].D; !d.IsZero() {
			t.Fatal("D moved without a record")
		}
	default:
		t.Fatalf("counter %d", st.Counter)
	}
}

// gateCard holds PAY until released, so a test can pull the card mid-command.
type gateCard struct {
	*applet.Applet
	Card    *applet.Applet
	hold    chan struct{}
	entered chan struct{}
}

func (g *gateCard) ATR() []byte { return g.Card.ATR() }
func (g *gateCard) Reset()      { g.Card.Reset() }
func (g *gateCard) Transmit(b []byte) []byte {
	if len(b) > 1 && b[1] == cardproto.INSPay {
		g.entered <- struct{}{}
		<-g.hold
	}
	return g.Card.Transmit(b)
}

func waitGone(t *testing.T, pc *pcsc.Context, reader string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := pc.WaitRemoved(ctx, reader); err != nil {
		t.Fatal(err)
	}
}
