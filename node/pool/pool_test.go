package pool

import (
	"errors"
	"testing"
	"time"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/ledger"
	"github.com/holiman/uint256"
)

type memState map[string][]byte

// testRecoverer is the pure-Go reference recovery of package account.
type testRecoverer struct{}

func (testRecoverer) Recover(d ledger.Hash, s ledger.Sig) (ledger.Address, error) {
	return account.Recover(d, s)
}

func (m memState) Get(k []byte) ([]byte, error) { return m[string(k)], nil }

var poolDomain = ledger.NewDomain(1337, ledger.Address{0xa1})

func poolKey(t *testing.T, i int) *account.Key {
	var b [32]byte
	b[0], b[31] = 0x11, byte(i+1)
	k, err := account.FromBytes(b[:])
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func signed(t *testing.T, k *account.Key, p ledger.Payload) *ledger.Verified {
	id := poolDomain.Digest(p.StructHash())
	sig, err := k.Sign(id)
	if err != nil {
		t.Fatal(err)
	}
	v, err := ledger.Verify(&ledger.Tx{Payload: p, Sig: ledger.Sig(sig)}, poolDomain, testRecoverer{})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func xfer(t *testing.T, k *account.Key, to ledger.Address, asset ledger.Hash, amount, nonce uint64) *ledger.Verified {
	return signed(t, k, &ledger.Transfer{From: k.Address(), To: to, Asset: asset, Amount: *uint256.NewInt(amount), Nonce: nonce})
}

// newFundedPool issues an asset from key 0 in the pending view.
func newFundedPool(t *testing.T, maxPool int) (*Pool, *account.Key, ledger.Hash) {
	p := New(Static(memState{}), Config{MaxQueue: 4, MaxPool: maxPool})
	issuer := poolKey(t, 0)
	v := signed(t, issuer, &ledger.IssueAsset{Issuer: issuer.Address(), Symbol: "EUR", Decimals: 2, Supply: *uint256.NewInt(1e9)})
	if _, err := p.Add(v, v.Tx.Encode(), time.Now()); err != nil {
		t.Fatal(err)
	}
	return p, issuer, v.ID
}

// Throwaway keys cannot fill the pool with gapped nonces: an account the
// view has never seen may not queue, and queues are bounded pool-wide.
func TestGapQueueSpamIsBounded(t *testing.T) {
	p, issuer, eur := newFundedPool(t, 200)
	now := time.Now()
	stranger := poolKey(t, 50)
	if _, err := p.Add(xfer(t, stranger, issuer.Address(), eur, 1, 3), nil, now); !errors.Is(err, ErrNonceGapUnknown) {
		t.Fatalf("gapped tx from an unknown account: %v", err)
	}
	// Known accounts may queue, up to a tenth of the pool in all.
	queued := 0
	for i := 1; i <= 40; i++ {
		k := poolKey(t, i)
		if _, err := p.Add(xfer(t, issuer, k.Address(), eur, 10, uint64(i)), nil, now); err != nil {
			t.Fatal(err)
		}
		res, err := p.Add(xfer(t, k, issuer.Address(), eur, 1, 5), nil, now)
		if err == nil && res == Queued {
			queued++
		} else if !errors.Is(err, ErrQueueFull) {
			t.Fatalf("account %d: %v %v", i, res, err)
		}
	}
	if queued != 20 {
		t.Fatalf("%d gapped txs queued, want the pool-wide cap of 20", queued)
	}
	// A valid tx still gets in, and queued ones expire.
	if _, err := p.Add(xfer(t, issuer, poolKey(t, 99).Address(), eur, 1, 41), nil, now); err != nil {
		t.Fatalf("valid tx after the spam: %v", err)
	}
	if ids := p.ExpireQueued(now.Add(time.Hour), 10*time.Minute); len(ids) != 20 {
		t.Fatalf("expired %d queued txs, want 20", len(ids))
	}
}

// A transaction our settler anchored is not posted again while its batch
// waits for confirmations; once the batch is folded and the transaction is
// still pending (the batch skipped it), it may go again.
func TestAnchoredTxWaitsForItsFold(t *testing.T) {
	p, issuer, eur := newFundedPool(t, 1000)
	now := time.Now()
	v := xfer(t, issuer, poolKey(t, 1).Address(), eur, 5, 1)
	p.Add(v, nil, now)
	c := p.Candidates(10, 0, now, time.Second)
	if len(c) != 2 {
		t.Fatalf("%d candidates", len(c))
	}
	p.MarkSubmitting(c, now)
	if c := p.Candidates(10, 0, now, time.Second); len(c) != 0 {
		t.Fatal("a submission under way was offered again")
	}
	p.MarkFlight(c, 7, now)
	for _, later := range []time.Duration{time.Minute, time.Hour} {
		if c := p.Candidates(10, 7, now.Add(later), time.Second); len(c) != 0 {
			t.Fatalf("anchored in batch 7, not folded: offered again after %s", later)
		}
	}
	if c := p.Candidates(10, 8, now, time.Second); len(c) != 2 {
		t.Fatalf("batch 7 folded and the txs still pending: %d candidates, want 2", len(c))
	}
	if st, _ := p.Status(v.ID); !st.Anchored || st.Seq != 7 {
		t.Fatalf("status %+v", st)
	}
}

// Re-sending an equivocation records it once.
func TestEquivocationEvidenceOncePerPair(t *testing.T) {
	p, issuer, eur := newFundedPool(t, 1000)
	now := time.Now()
	a := xfer(t, issuer, poolKey(t, 1).Address(), eur, 5, 1)
	b := xfer(t, issuer, poolKey(t, 2).Address(), eur, 5, 1)
	p.Add(a, a.Tx.Encode(), now)
	for i := 0; i < 5; i++ {
		if _, err := p.Add(b, b.Tx.Encode(), now); !errors.Is(err, ErrConflict) {
			t.Fatalf("equivocation: %v", err)
		}
	}
	ev := p.Evidence()
	if len(ev) != 1 || ev[0].First != a.ID || ev[0].Second != b.ID || len(ev[0].SecondRaw) == 0 {
		t.Fatalf("evidence: %+v", ev)
	}
	if !p.Conflicted(issuer.Address()) {
		t.Fatal("account not marked conflicted")
	}
}

// TestAttackIdleSpamFillsPool: transactions that move no value always pass
// the fundable check, so fresh keys issuing assets could fill the pool and
// the settlers' batches. They get a tenth of the pool, 8 per account, and
// value-moving transactions keep their room.
func TestAttackIdleSpamFillsPool(t *testing.T) {
	p, issuer, eur := newFundedPool(t, 100) // idle share: 10, issuer's issue is one
	took, refused := 0, 0
	for i := 1; i <= 20; i++ {
		k := poolKey(t, i)
		v := signed(t, k, &ledger.IssueAsset{Issuer: k.Address(), Symbol: "SPAM", Decimals: 0, Supply: *uint256.NewInt(1)})
		_, err := p.Add(v, v.Tx.Encode(), time.Now())
		switch {
		case err == nil:
			took++
		case errors.Is(err, ErrQuota):
			refused++
		default:
			t.Fatalf("spam %d: %v", i, err)
		}
	}
	if took != 9 || refused != 11 {
		t.Fatalf("fresh keys placed %d idle transactions (%d refused), want 9 and 11", took, refused)
	}
	// A transfer still gets in.
	if _, err := p.Add(xfer(t, issuer, poolKey(t, 50).Address(), eur, 5, 1), nil, time.Now()); err != nil {
		t.Fatalf("a transfer after the spam: %v", err)
	}
	// Settling (dropping) idle entries frees their share.
	p.mu.Lock()
	for _, e := range p.entries {
		if e.idle && e.v.Sender != issuer.Address() {
			p.dropLocked(e, "")
			break
		}
	}
	p.mu.Unlock()
	k := poolKey(t, 60)
	v := signed(t, k, &ledger.IssueAsset{Issuer: k.Address(), Symbol: "OK", Decimals: 0, Supply: *uint256.NewInt(1)})
	if _, err := p.Add(v, v.Tx.Encode(), time.Now()); err != nil {
		t.Fatalf("an idle transaction once the share has room: %v", err)
	}

	// One account: 8 pending at most.
	q, _, _ := newFundedPool(t, 10000)
	k = poolKey(t, 70)
	for n := uint64(0); n < 9; n++ {
		v := signed(t, k, &ledger.IssueAsset{Issuer: k.Address(), Symbol: "X", Decimals: 0, Supply: *uint256.NewInt(1), Nonce: n})
		_, err := q.Add(v, v.Tx.Encode(), time.Now())
		if n < 8 && err != nil {
			t.Fatalf("idle transaction %d of one account: %v", n, err)
		}
		if n == 8 && !errors.Is(err, ErrQuota) {
			t.Fatalf("the ninth idle transaction of one account: %v, want ErrQuota", err)
		}
	}
}
