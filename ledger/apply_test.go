package ledger

import (
	"errors"
	"testing"
)

// issue returns a verified IssueAsset and applies it.
func issueTo(t *testing.T, st *Overlay, k *testKey, nonce uint64, supply uint64) Hash {
	t.Helper()
	tx := k.sign(&IssueAsset{Issuer: k.addr, Symbol: "EUR", Decimals: 2, Supply: u(supply), Currency: 978, Nonce: nonce}, testDomain)
	r, err := Apply(st, mustVerify(tx), Env{})
	if err != nil || r.Status != StatusOK {
		t.Fatalf("issue: %v %+v", err, r)
	}
	return r.TxID
}

func TestApplyRules(t *testing.T) {
	st := NewOverlay(mapState{})
	alice, bob := newTestKey(1), newTestKey(2)
	eur := issueTo(t, st, alice, 0, 10000)
	if a, ok := st.Asset(eur); !ok || a.Symbol != "EUR" || a.Currency != 978 || a.Supply.Uint64() != 10000 {
		t.Fatalf("asset record: %+v", a)
	}
	send := func(k *testKey, to Address, amount, nonce uint64) (*Receipt, error) {
		tx := k.sign(&Transfer{From: k.addr, To: to, Asset: eur, Amount: u(amount), Nonce: nonce}, testDomain)
		return Apply(st, mustVerify(tx), Env{})
	}
	if r, err := send(alice, bob.addr, 250, 1); err != nil || r.Status != StatusOK {
		t.Fatalf("transfer: %v %+v", err, r)
	}
	if got := st.Balance(bob.addr, eur).Uint64(); got != 250 {
		t.Fatalf("bob has %d", got)
	}
	// Replay: same tx again is a skip (nonce too low), no receipt, no value.
	if _, err := send(alice, bob.addr, 250, 1); !errors.Is(err, ErrNonceTooLow) || !IsSkip(err) {
		t.Fatalf("replay: %v", err)
	}
	// Gap: skip.
	if _, err := send(alice, bob.addr, 1, 5); !errors.Is(err, ErrNonceGap) {
		t.Fatalf("gap: %v", err)
	}
	// Insufficient funds: final failure, nonce consumed, no value moves.
	r, err := send(bob, alice.addr, 251, 0)
	if err != nil || r.Status != StatusFailed || r.Reason != ReasonInsufficientFunds {
		t.Fatalf("overspend: %v %+v", err, r)
	}
	if st.Account(bob.addr).Nonce != 1 || st.Balance(bob.addr, eur).Uint64() != 250 {
		t.Fatalf("overspend moved value or kept nonce: %+v", st.Account(bob.addr))
	}
	// Unknown asset: failure.
	tx := bob.sign(&Transfer{From: bob.addr, To: alice.addr, Asset: Hash{9}, Amount: u(1), Nonce: 1}, testDomain)
	if r, err := Apply(st, mustVerify(tx), Env{}); err != nil || r.Reason != ReasonUnknownAsset {
		t.Fatalf("unknown asset: %v %+v", err, r)
	}
	// Never valid: zero amount, self transfer, wrong signer, wrong domain.
	for name, p := range map[string]Payload{
		"zero": &Transfer{From: bob.addr, To: alice.addr, Asset: eur, Nonce: 2},
		"self": &Transfer{From: bob.addr, To: bob.addr, Asset: eur, Amount: u(1), Nonce: 2},
	} {
		if _, err := Verify(bob.sign(p, testDomain), testDomain, btcecRecoverer{}); err == nil {
			t.Fatalf("%s: verified", name)
		}
	}
	forged := alice.sign(&Transfer{From: bob.addr, To: alice.addr, Asset: eur, Amount: u(1), Nonce: 2}, testDomain)
	if _, err := Verify(forged, testDomain, btcecRecoverer{}); !errors.Is(err, ErrWrongSigner) {
		t.Fatalf("forged: %v", err)
	}
	other := NewDomain(1, testDomain.Contract)
	wrongDomain := bob.sign(&Transfer{From: bob.addr, To: alice.addr, Asset: eur, Amount: u(1), Nonce: 2}, other)
	if _, err := Verify(wrongDomain, testDomain, btcecRecoverer{}); !errors.Is(err, ErrWrongSigner) {
		t.Fatalf("wrong domain: %v", err)
	}
	// High-s is refused before recovery.
	hs := *bob.sign(&Transfer{From: bob.addr, To: alice.addr, Asset: eur, Amount: u(1), Nonce: 2}, testDomain)
	for i := 32; i < 64; i++ {
		hs.Sig[i] = 0xff
	}
	if _, err := Verify(&hs, testDomain, btcecRecoverer{}); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("high s: %v", err)
	}
	if st.Balance(alice.addr, eur).Uint64()+st.Balance(bob.addr, eur).Uint64() != 10000 {
		t.Fatal("supply not conserved")
	}
}

func TestAmounts(t *testing.T) {
	for _, c := range []struct {
		in   string
		dec  uint8
		want string
		err  error
	}{
		{"1.5", 2, "150", nil}, {"12.50", 2, "1250", nil}, {"0.01", 2, "1", nil}, {"7", 0, "7", nil},
		{"1.505", 2, "", ErrTooManyDecim}, {"1.500", 2, "150", nil}, {"-1", 2, "", ErrBadAmount},
		{"1e3", 2, "", ErrBadAmount}, {"", 2, "", ErrBadAmount}, {".5", 2, "", ErrBadAmount}, {"1.", 2, "", ErrBadAmount},
		{"115792089237316195423570985008687907853269984665640564039457584007913129639936", 0, "", ErrBadAmount},
	} {
		v, err := ParseAmount(c.in, c.dec)
		if c.err != nil {
			if !errors.Is(err, c.err) {
				t.Errorf("%q: err %v, want %v", c.in, err, c.err)
			}
			continue
		}
		if err != nil || v.Dec() != c.want {
			t.Errorf("%q: %v %v", c.in, v, err)
		}
		if back := FormatAmount(v, c.dec); c.dec == 2 && back != FormatAmount(v, 2) {
			t.Errorf("format %q", back)
		}
	}
	v := u(5)
	if s := FormatAmount(&v, 2); s != "0.05" {
		t.Errorf("format 5@2 = %q", s)
	}
}

func TestTxEncodingRoundTrip(t *testing.T) {
	k := newTestKey(3)
	for _, p := range []Payload{
		&Transfer{From: k.addr, To: Address{7}, Asset: Hash{8}, Amount: u(123456), Nonce: 300},
		&IssueAsset{Issuer: k.addr, Symbol: "GOLD.X", Decimals: 18, Supply: u(1 << 60), Metadata: Hash{1}, Nonce: 1},
	} {
		tx := k.sign(p, testDomain)
		b := tx.Encode()
		got, err := DecodeTx(b)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID(testDomain) != tx.ID(testDomain) || got.Sig != tx.Sig {
			t.Fatal("wire round trip changed the tx")
		}
		j, err := tx.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var back Tx
		if err := back.UnmarshalJSON(j); err != nil {
			t.Fatalf("%s: %v", j, err)
		}
		if back.ID(testDomain) != tx.ID(testDomain) {
			t.Fatalf("json round trip changed the tx: %s", j)
		}
		for cut := 0; cut < len(b); cut++ {
			if _, err := DecodeTx(b[:cut]); err == nil {
				t.Fatalf("truncated at %d decoded", cut)
			}
		}
		if _, err := DecodeTx(append(b, 0)); err == nil {
			t.Fatal("trailing byte decoded")
		}
	}
}
