package ledger

import (
	"errors"
	"testing"
)

func signAuth(k *testKey, a SpendAuth) SignedSpendAuth {
	return SignedSpendAuth{SpendAuth: a, Sig: k.signDigest(testDomain.Digest(a.StructHash()))}
}

func TestRedeem(t *testing.T) {
	st := NewOverlay(mapState{})
	alice, shop, mallory := newTestKey(1), newTestKey(2), newTestKey(3)
	eur := issueTo(t, st, alice, 0, 10000)
	auth := signAuth(alice, SpendAuth{Account: alice.addr, Asset: eur, Amount: u(1250), Payee: shop.addr, Expiry: 1000, Salt: Hash{1}})
	redeem := func(k *testKey, a SignedSpendAuth, amount, nonce uint64, env Env) (*Receipt, error) {
		tx := k.sign(&Redeem{Payee: k.addr, Auth: a, Amount: u(amount), Nonce: nonce}, testDomain)
		v, err := Verify(tx, testDomain, btcecRecoverer{})
		if err != nil {
			return nil, err
		}
		return Apply(st, v, env)
	}
	// Expired at settlement: a failure, nothing moves.
	if r, err := redeem(shop, auth, 1000, 0, Env{Time: 1001}); err != nil || r.Reason != ReasonAuthExpired {
		t.Fatalf("expired: %v %+v", err, r)
	}
	// Take part of it: the rest lapses, the authorization is used.
	if r, err := redeem(shop, auth, 1000, 1, Env{Time: 1000}); err != nil || r.Status != StatusOK {
		t.Fatalf("redeem: %v %+v", err, r)
	}
	if st.Balance(shop.addr, eur).Uint64() != 1000 || st.Balance(alice.addr, eur).Uint64() != 9000 {
		t.Fatal("redeem moved the wrong amount")
	}
	if r, err := redeem(shop, auth, 250, 2, Env{Time: 10}); err != nil || r.Reason != ReasonAuthUsed {
		t.Fatalf("second redeem: %v %+v", err, r)
	}
	// Never valid: more than authorized, another payee, a forged signature.
	if _, err := redeem(shop, auth, 1251, 3, Env{}); !errors.Is(err, ErrBadField) {
		t.Fatalf("over the authorized amount: %v", err)
	}
	if _, err := redeem(mallory, auth, 1, 0, Env{}); !errors.Is(err, ErrBadField) {
		t.Fatalf("another payee: %v", err)
	}
	forged := signAuth(mallory, SpendAuth{Account: alice.addr, Asset: eur, Amount: u(5), Payee: mallory.addr, Expiry: 1000})
	if _, err := redeem(mallory, forged, 5, 0, Env{}); !errors.Is(err, ErrWrongSigner) {
		t.Fatalf("forged authorization: %v", err)
	}
	// More than the account holds: a failure.
	big := signAuth(alice, SpendAuth{Account: alice.addr, Asset: eur, Amount: u(1e9), Payee: shop.addr, Expiry: 1000, Salt: Hash{2}})
	if r, err := redeem(shop, big, 1e6, 3, Env{}); err != nil || r.Reason != ReasonInsufficientFunds {
		t.Fatalf("overdraw: %v %+v", err, r)
	}
	// An unverified Redeem never applies.
	raw := shop.sign(&Redeem{Payee: shop.addr, Auth: big, Amount: u(1), Nonce: 4}, testDomain)
	if _, err := Apply(st, &Verified{Tx: raw, ID: raw.ID(testDomain), Sender: shop.addr}, Env{}); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("unverified authorization applied: %v", err)
	}
}

func TestRedeemCodecRoundTrip(t *testing.T) {
	alice, shop := newTestKey(1), newTestKey(2)
	a := signAuth(alice, SpendAuth{Account: alice.addr, Asset: Hash{7}, Amount: u(99), Payee: shop.addr, Expiry: 1 << 40, Salt: Hash{3}})
	tx := shop.sign(&Redeem{Payee: shop.addr, Auth: a, Amount: u(42), Nonce: 7}, testDomain)
	back, err := DecodeTx(tx.Encode())
	if err != nil || back.Payload.StructHash() != tx.Payload.StructHash() || back.Payload.(*Redeem).Auth.Sig != a.Sig {
		t.Fatalf("binary round trip: %v", err)
	}
	js, err := tx.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var j Tx
	if err := j.UnmarshalJSON(js); err != nil || j.Payload.(*Redeem).Auth.Sig != a.Sig || j.Payload.StructHash() != tx.Payload.StructHash() {
		t.Fatalf("JSON round trip: %v", err)
	}
	// In a batch, with account numbers.
	st := mapState{}
	b := NewBatchBuilder(st)
	b.Add(tx)
	txs, err := DecodeBatch(b.Bytes(), st)
	if err != nil || len(txs) != 1 || txs[0].Tx.Payload.StructHash() != tx.Payload.StructHash() {
		t.Fatalf("batch round trip: %v", err)
	}
}
