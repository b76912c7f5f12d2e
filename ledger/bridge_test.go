package ledger

import (
	"errors"
	"testing"

	"github.com/holiman/uint256"
	"pgregory.net/rapid"
)

var (
	testVault = Address{0xee}
	testToken = Address{0x70}
)

func listETH(t *testing.T, st *Overlay) Hash {
	t.Helper()
	id := BridgedAssetID(1337, testVault, Address{})
	if err := ApplyListing(st, &VaultListing{Vault: testVault, Asset: id, Symbol: "ETH", Decimals: 18}); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestBridgedAssetID(t *testing.T) {
	a := BridgedAssetID(1337, testVault, Address{})
	if a == BridgedAssetID(1, testVault, Address{}) || a == BridgedAssetID(1337, Address{0xef}, Address{}) ||
		a == BridgedAssetID(1337, testVault, testToken) {
		t.Fatal("the bridged asset id ignores the chain, the vault or the token")
	}
}

func TestDepositsAndWithdrawals(t *testing.T) {
	st := NewOverlay(mapState{})
	alice, bob := newTestKey(1), newTestKey(2)
	eth := listETH(t, st)
	a, ok := st.Asset(eth)
	if !ok || a.Token == nil || *a.Token != (Address{}) || a.Issuer != testVault || a.Symbol != "ETH" || !a.Supply.IsZero() {
		t.Fatalf("listed asset: %+v", a)
	}
	// Listing again is a no-op; a listing the ledger cannot hold is an error.
	if err := ApplyListing(st, &VaultListing{Vault: testVault, Asset: eth, Symbol: "ETH", Decimals: 18}); err != nil {
		t.Fatal(err)
	}
	if err := ApplyListing(st, &VaultListing{Vault: testVault, Asset: Hash{1}, Symbol: "eth", Decimals: 18}); !errors.Is(err, ErrBadField) {
		t.Fatalf("lower-case symbol listed: %v", err)
	}

	dep := func(i uint64, to Address, amount uint64) (Reason, error) {
		return ApplyDeposit(st, &VaultDeposit{Index: i, Asset: eth, Account: to, Amount: u(amount)})
	}
	if r, err := dep(0, alice.addr, 1000); err != nil || r != ReasonNone {
		t.Fatalf("deposit 0: %v %v", r, err)
	}
	if _, err := dep(0, alice.addr, 1000); !errors.Is(err, ErrDepositApplied) {
		t.Fatalf("replayed deposit: %v", err)
	}
	if _, err := dep(2, alice.addr, 1000); !errors.Is(err, ErrDepositGap) {
		t.Fatalf("deposit out of order: %v", err)
	}
	// A deposit of an unlisted asset uses its index and credits nothing.
	if r, err := ApplyDeposit(st, &VaultDeposit{Index: 1, Asset: Hash{7}, Account: alice.addr, Amount: u(5)}); err != nil || r != ReasonUnknownAsset {
		t.Fatalf("unlisted deposit: %v %v", r, err)
	}
	if st.NextDeposit() != 2 || st.Balance(alice.addr, eth).Uint64() != 1000 {
		t.Fatalf("next deposit %d, balance %d", st.NextDeposit(), st.Balance(alice.addr, eth).Uint64())
	}
	a, _ = st.Asset(eth)
	if a.Supply.Uint64() != 1000 {
		t.Fatalf("supply %d after a 1000 deposit", a.Supply.Uint64())
	}
	// Overflow: the deposit is used up and fails.
	max := new(uint256.Int).SetAllOne()
	if r, err := ApplyDeposit(st, &VaultDeposit{Index: 2, Asset: eth, Account: bob.addr, Amount: *max}); err != nil || r != ReasonBalanceOverflow {
		t.Fatalf("overflowing deposit: %v %v", r, err)
	}

	withdraw := func(k *testKey, asset Hash, amount, nonce uint64) *Receipt {
		t.Helper()
		tx := k.sign(&Withdraw{Account: k.addr, Asset: asset, Amount: u(amount), To: Address{0x99}, Nonce: nonce}, testDomain)
		r, err := Apply(st, mustVerify(tx), Env{})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := withdraw(alice, eth, 400, 0); r.Status != StatusOK {
		t.Fatalf("withdraw: %+v", r)
	}
	a, _ = st.Asset(eth)
	if a.Supply.Uint64() != 600 || st.Balance(alice.addr, eth).Uint64() != 600 {
		t.Fatalf("after burning 400: supply %d, balance %d", a.Supply.Uint64(), st.Balance(alice.addr, eth).Uint64())
	}
	if r := withdraw(alice, eth, 601, 1); r.Reason != ReasonInsufficientFunds {
		t.Fatalf("overdraw: %+v", r)
	}
	eur := issueTo(t, st, bob, 0, 100)
	if r := withdraw(bob, eur, 1, 1); r.Reason != ReasonNotBridged {
		t.Fatalf("withdrawal of an issued asset: %+v", r)
	}
	if r := withdraw(bob, Hash{5}, 1, 2); r.Reason != ReasonUnknownAsset {
		t.Fatalf("withdrawal of an unknown asset: %+v", r)
	}
	for name, p := range map[string]*Withdraw{
		"zero amount": {Account: alice.addr, Asset: eth, To: Address{1}, Nonce: 2},
		"zero to":     {Account: alice.addr, Asset: eth, Amount: u(1), Nonce: 2},
		"zero asset":  {Account: alice.addr, Amount: u(1), To: Address{1}, Nonce: 2},
	} {
		if _, err := Verify(alice.sign(p, testDomain), testDomain, btcecRecoverer{}); err == nil {
			if _, err := Apply(st, mustVerify(alice.sign(p, testDomain)), Env{}); err == nil {
				t.Errorf("%s: applied", name)
			}
		}
	}
}

func TestWithdrawCodecRoundTrip(t *testing.T) {
	k := newTestKey(3)
	tx := k.sign(&Withdraw{Account: k.addr, Asset: Hash{1, 2}, Amount: u(1e18), To: Address{0x42}, Nonce: 300}, testDomain)
	raw := tx.Encode()
	back, err := DecodeTx(raw)
	if err != nil {
		t.Fatal(err)
	}
	if back.Payload.StructHash() != tx.Payload.StructHash() || back.Sig != tx.Sig {
		t.Fatal("Withdraw does not survive encoding")
	}
	js, err := tx.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var fromJSON Tx
	if err := fromJSON.UnmarshalJSON(js); err != nil {
		t.Fatal(err)
	}
	if fromJSON.Payload.StructHash() != tx.Payload.StructHash() {
		t.Fatal("Withdraw does not survive JSON")
	}
}

func TestReceiptProofs(t *testing.T) {
	for n := 1; n <= 40; n++ {
		rs := make([]Receipt, n)
		for i := range rs {
			rs[i] = Receipt{TxID: Keccak256([]byte{byte(i), byte(n)}), Kind: KindWithdraw, Status: StatusOK}
		}
		root := ReceiptsRoot(rs)
		for i := 0; i < n; i++ {
			p, err := ReceiptProof(rs, i)
			if err != nil {
				t.Fatal(err)
			}
			leaf := ReceiptLeaf(rs[i].Hash())
			if !VerifyReceiptProof(leaf, uint64(i), uint64(n), p, root) {
				t.Fatalf("n=%d i=%d: valid proof rejected", n, i)
			}
			if VerifyReceiptProof(leaf, uint64((i+1)%n), uint64(n), p, root) && n > 1 {
				t.Fatalf("n=%d i=%d: proof accepted at another index", n, i)
			}
			// (A size that shapes the same path verifies too: the proof
			// binds the leaf to the root, which is all the Vault needs.)
			if VerifyReceiptProof(leaf, uint64(n), uint64(n), p, root) {
				t.Fatalf("n=%d i=%d: index past the end accepted", n, i)
			}
			if len(p) > 0 {
				p[0][0] ^= 1
				if VerifyReceiptProof(leaf, uint64(i), uint64(n), p, root) {
					t.Fatalf("n=%d i=%d: tampered proof accepted", n, i)
				}
			}
			other := ReceiptLeaf(Keccak256([]byte("forged")))
			if VerifyReceiptProof(other, uint64(i), uint64(n), p, root) {
				t.Fatalf("n=%d i=%d: forged leaf accepted", n, i)
			}
		}
		if _, err := ReceiptProof(rs, n); err == nil {
			t.Fatal("proof past the end")
		}
	}
}

// Over random deposits, transfers and withdrawals, the bridged asset's
// supply equals the sum of its balances, and what came in through the
// Vault equals the supply plus what was burned for withdrawal.
func TestPropertyBridgeConservation(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		st := NewOverlay(mapState{})
		eth := BridgedAssetID(1337, testVault, Address{})
		if err := ApplyListing(st, &VaultListing{Vault: testVault, Asset: eth, Symbol: "ETH", Decimals: 18}); err != nil {
			t.Fatal(err)
		}
		keys := []*testKey{newTestKey(1), newTestKey(2), newTestKey(3)}
		nonces := make([]uint64, len(keys))
		var deposited, burned uint256.Int
		var next uint64
		for step := rapid.IntRange(1, 60).Draw(t, "steps"); step > 0; step-- {
			who := rapid.IntRange(0, len(keys)-1).Draw(t, "who")
			amount := u(uint64(rapid.IntRange(1, 500).Draw(t, "amount")))
			switch rapid.IntRange(0, 2).Draw(t, "op") {
			case 0:
				r, err := ApplyDeposit(st, &VaultDeposit{Index: next, Asset: eth, Account: keys[who].addr, Amount: amount})
				if err != nil || r != ReasonNone {
					t.Fatalf("deposit: %v %v", r, err)
				}
				next++
				deposited.Add(&deposited, &amount)
			case 1:
				to := (who + 1) % len(keys)
				tx := keys[who].sign(&Transfer{From: keys[who].addr, To: keys[to].addr, Asset: eth, Amount: amount, Nonce: nonces[who]}, testDomain)
				if _, err := Apply(st, mustVerify(tx), Env{}); err != nil {
					t.Fatal(err)
				}
				nonces[who]++
			case 2:
				tx := keys[who].sign(&Withdraw{Account: keys[who].addr, Asset: eth, Amount: amount, To: Address{9}, Nonce: nonces[who]}, testDomain)
				r, err := Apply(st, mustVerify(tx), Env{})
				if err != nil {
					t.Fatal(err)
				}
				nonces[who]++
				if r.Status == StatusOK {
					burned.Add(&burned, &amount)
				}
			}
			a, _ := st.Asset(eth)
			var sum uint256.Int
			for _, k := range keys {
				sum.Add(&sum, st.Balance(k.addr, eth))
			}
			if !sum.Eq(&a.Supply) {
				t.Fatalf("balances sum to %s, supply is %s", sum.Dec(), a.Supply.Dec())
			}
			var want uint256.Int
			want.Add(&a.Supply, &burned)
			if !want.Eq(&deposited) {
				t.Fatalf("deposited %s, supply %s + burned %s", deposited.Dec(), a.Supply.Dec(), burned.Dec())
			}
		}
	})
}
