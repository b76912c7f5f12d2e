package node

import (
	"context"
	"crypto/rand"
	"errors"
	"math/big"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/ledger"
	"github.com/anonex/anonex/ledger/store"
	"github.com/anonex/anonex/p2p"
	ethcrypto "github.com/ethereum/go-ethereum/crypto"
	"github.com/holiman/uint256"
)

// countingRecoverer counts the signature recoveries that reach the
// secp256k1 code.
type countingRecoverer struct{ n atomic.Int64 }

func (c *countingRecoverer) Recover(d ledger.Hash, s ledger.Sig) (ledger.Address, error) {
	c.n.Add(1)
	return Secp256k1{}.Recover(d, s)
}

// offlineNode is a node with its store and pool but no network or chain:
// the admission path without gossip. Its recoveries are counted.
// offlineDomain is the signing domain of offlineNode.
var offlineDomain = ledger.NewDomain(1337, ledger.Address{0xa1})

// offlineKey is a fixed test key, one per i.
func offlineKey(t *testing.T, i int) *account.Key {
	t.Helper()
	var b [32]byte
	b[0], b[31] = 0x11, byte(i+1)
	k, err := account.FromBytes(b[:])
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func offlineNode(t *testing.T) (*Node, *countingRecoverer) {
	t.Helper()
	n, err := New(Config{InMemory: true, ChainID: offlineDomain.ChainID, Anchor: ledger.Address{0xa1}, EthRPC: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	c := &countingRecoverer{}
	n.rec = NewRecoveryCache(c, 1024)
	return n, c
}

func signTx(t *testing.T, k *account.Key, p ledger.Payload) *ledger.Tx {
	t.Helper()
	sig, err := k.Sign(offlineDomain.Digest(p.StructHash()))
	if err != nil {
		t.Fatal(err)
	}
	return &ledger.Tx{Payload: p, Sig: ledger.Sig(sig)}
}

func mustSubmit(t *testing.T, n *Node, tx *ledger.Tx) {
	t.Helper()
	if res, err := n.Submit(context.Background(), tx); err != nil || res.Status != api.TxPending {
		t.Fatalf("submit %s: %+v %v", tx.Payload.Kind(), res, err)
	}
}

func issueTx(t *testing.T, k *account.Key, symbol string, nonce uint64) (*ledger.Tx, ledger.Hash) {
	p := &ledger.IssueAsset{Issuer: k.Address(), Symbol: symbol, Decimals: 2, Supply: *uint256.NewInt(1e9), Nonce: nonce}
	return signTx(t, k, p), offlineDomain.Digest(p.StructHash())
}

// fillSetup pools a Fill of a maker's partial offer and returns it.
func fillSetup(t *testing.T, n *Node) *ledger.Tx {
	maker, taker := offlineKey(t, 10), offlineKey(t, 11)
	ig, gold := issueTx(t, maker, "GOLD", 0)
	ie, eur := issueTx(t, taker, "EUR", 0)
	mustSubmit(t, n, ig)
	mustSubmit(t, n, ie)
	o := ledger.Offer{Maker: maker.Address(), Give: gold, GiveAmount: *uint256.NewInt(100), Want: eur, WantAmount: *uint256.NewInt(1000),
		Partial: true, Expiry: uint64(time.Now().Add(time.Hour).Unix())}
	sig, err := maker.Sign(offlineDomain.Digest(o.StructHash()))
	if err != nil {
		t.Fatal(err)
	}
	fill := signTx(t, taker, &ledger.Fill{Taker: taker.Address(), Offer: ledger.SignedOffer{Offer: o, Sig: ledger.Sig(sig)},
		Take: *uint256.NewInt(10), Nonce: 1})
	mustSubmit(t, n, fill)
	return fill
}

// tamperedOffer is a variant of a Fill: the same payload as the taker
// signed it, the same taker signature, so the same id, but the maker's
// offer signature is not the maker's.
func tamperedOffer(fill *ledger.Tx) *ledger.Tx {
	f := *fill.Payload.(*ledger.Fill)
	f.Offer.Sig[64] ^= 27 ^ 28 // the other recovery id: another signer
	return &ledger.Tx{Payload: &f, Sig: fill.Sig}
}

// cardSetup pools a card record of card B that carries card A's
// card-to-card record, and returns the record, the keys, the asset and the
// card holding A.
type cardFixture struct {
	record       *ledger.Tx
	cardA, cardB *account.Key
	eur          ledger.Hash
	merchant     ledger.Address
}

func (f cardFixture) a2b(t *testing.T, amount, counter uint64) *ledger.Tx {
	return signTx(t, f.cardA, &ledger.CardPayment{CardRecord: ledger.CardRecord{Card: f.cardA.Address(), Asset: f.eur,
		Amount: *uint256.NewInt(amount), Payee: f.cardB.Address(), Counter: counter, Challenge: ledger.Hash{byte(counter)}, Mode: ledger.CardModeToCard}})
}

// registerCard is an issuer's registration of a card, with the card's
// consent.
func registerCard(t *testing.T, issuer, card *account.Key, owner ledger.Address, nonce uint64) *ledger.Tx {
	r := &ledger.CardRegister{Issuer: issuer.Address(), Card: card.Address(), Owner: owner, Nonce: nonce}
	cc := r.ConsentOf()
	sig, err := card.Sign(offlineDomain.Digest(cc.StructHash()))
	if err != nil {
		t.Fatal(err)
	}
	r.Consent = ledger.Sig(sig)
	return signTx(t, issuer, r)
}

// withAttached is a variant of a card record: its id covers the record as
// the card signed it (with the ids of its attachments), not the
// attachments' own signatures.
func withAttached(rec *ledger.Tx, att ...*ledger.Tx) *ledger.Tx {
	p := *rec.Payload.(*ledger.CardPayment)
	p.Attached = att
	return &ledger.Tx{Payload: &p, Sig: rec.Sig}
}

func cardSetup(t *testing.T, n *Node) cardFixture {
	issuer, owner := offlineKey(t, 20), offlineKey(t, 21)
	f := cardFixture{cardA: offlineKey(t, 22), cardB: offlineKey(t, 23), merchant: offlineKey(t, 24).Address()}
	var ie *ledger.Tx
	ie, f.eur = issueTx(t, issuer, "EUR", 0)
	mustSubmit(t, n, ie)
	mustSubmit(t, n, registerCard(t, issuer, f.cardA, owner.Address(), 1))
	mustSubmit(t, n, registerCard(t, issuer, f.cardB, owner.Address(), 2))
	mustSubmit(t, n, signTx(t, issuer, &ledger.Transfer{From: issuer.Address(), To: f.cardA.Address(), Asset: f.eur, Amount: *uint256.NewInt(4000), Nonce: 3}))
	a2b := f.a2b(t, 1000, 1)
	f.record = signTx(t, f.cardB, &ledger.CardPayment{CardRecord: ledger.CardRecord{Card: f.cardB.Address(), Asset: f.eur,
		Amount: *uint256.NewInt(900), Payee: f.merchant, Counter: 1, Challenge: ledger.Hash{1}, Mode: ledger.CardModeOnline,
		AttachedHash: ledger.AttachmentsHash([]ledger.Hash{a2b.ID(offlineDomain)})}, Attached: []*ledger.Tx{a2b}})
	mustSubmit(t, n, f.record)
	return f
}

// pooledRaw is what the pool holds under id.
func pooledRaw(t *testing.T, n *Node, id ledger.Hash) []byte {
	t.Helper()
	_, raw, ok := n.pool.Lookup(id)
	if !ok {
		t.Fatalf("%s is not pooled", id)
	}
	return raw
}

// A peer sends a copy of a pooled Fill with the maker's offer signature
// tampered: the id and the taker's signature match, so the old validator
// accepted it and forwarded it, and peers without the original scored the
// forwarder down. It is rejected and the pool keeps the original.
func TestAttackGossipVariantOfPooledFill(t *testing.T) {
	n, _ := offlineNode(t)
	fill := fillSetup(t, n)
	id := fill.ID(offlineDomain)
	bad := tamperedOffer(fill)
	if bad.ID(offlineDomain) != id || bad.Sig != fill.Sig {
		t.Fatal("the variant must share the id and signature")
	}
	if got := n.validateGossip(context.Background(), "", bad.Encode()); got != p2p.Reject {
		t.Fatalf("tampered offer signature: %v, want Reject", got)
	}
	if got := n.validateGossip(context.Background(), "", fill.Encode()); got != p2p.Accept {
		t.Fatalf("an identical copy: %v, want Accept", got)
	}
	if string(pooledRaw(t, n, id)) != string(fill.Encode()) {
		t.Fatal("the pool does not hold the original bytes")
	}
}

// The same for a card record: its id covers the record the card signed
// and the ids of its attachments, not the attachments' signatures. A
// variant whose attachment is not signed by its card is rejected, and so
// is one whose attachments are not those the card signed.
func TestAttackGossipVariantOfPooledCardRecord(t *testing.T) {
	n, _ := offlineNode(t)
	f := cardSetup(t, n)
	id := f.record.ID(offlineDomain)
	want := string(f.record.Encode())

	forged := f.a2b(t, 1000, 1)
	forged.Sig[64] ^= 27 ^ 28
	other := f.a2b(t, 2000, 2)
	for _, c := range []struct {
		name string
		tx   *ledger.Tx
		want p2p.Verdict
	}{
		{"attachment not signed by its card", withAttached(f.record, forged), p2p.Reject},
		{"an attachment signed by another card", withAttached(f.record, signTx(t, f.cardB, f.a2b(t, 1000, 1).Payload)), p2p.Reject},
		{"another valid attachment", withAttached(f.record, other), p2p.Reject},
		{"no attachment", withAttached(f.record), p2p.Reject},
		{"an extra attachment", withAttached(f.record, f.record.Payload.(*ledger.CardPayment).Attached[0], other), p2p.Reject},
		{"an identical copy", f.record, p2p.Accept},
	} {
		if c.tx.ID(offlineDomain) != id {
			t.Fatalf("%s: not a variant", c.name)
		}
		if got := n.validateGossip(context.Background(), "", c.tx.Encode()); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
		if string(pooledRaw(t, n, id)) != want {
			t.Fatalf("%s: the pool's bytes changed", c.name)
		}
	}
}

// An identical copy of a pooled transaction costs no recovery; a variant
// has everything it carries recovered, never the pool's word for it.
func TestVerifierFastPathOnlyForIdenticalBytes(t *testing.T) {
	n, rec := offlineNode(t)
	fill := fillSetup(t, n)
	n.rec = NewRecoveryCache(rec, 1024) // forget: every recovery counts
	before := rec.n.Load()
	v, pooled, err := n.verifier().verifyTx(fill, fill.Encode(), nil)
	if err != nil || !pooled || v.ID != fill.ID(offlineDomain) {
		t.Fatalf("identical copy: %v %v", pooled, err)
	}
	if _, pooled, err = n.verifier().verifyTx(fill, nil, nil); err != nil || !pooled {
		t.Fatalf("identical copy from a batch: %v %v", pooled, err)
	}
	if d := rec.n.Load() - before; d != 0 {
		t.Fatalf("an identical copy cost %d recoveries", d)
	}
	if _, pooled, err = n.verifier().verifyTx(tamperedOffer(fill), nil, nil); err == nil || pooled {
		t.Fatalf("variant: pooled %v, err %v", pooled, err)
	}
	if d := rec.n.Load() - before; d != 1 {
		t.Fatalf("a variant cost %d recoveries, want 1 (its offer; the taker's is known)", d)
	}
}

// Every entry point uses the one verifier: the same bad variant of a
// pooled transaction is refused by Submit, by the gossip validator, by
// bulk ingest, is not taken from a settled batch and does not come back
// from the pending log or from an undone batch after a reorg.
func TestEveryEntryPointRefusesTheSameVariant(t *testing.T) {
	n, _ := offlineNode(t)
	fill := fillSetup(t, n)
	f := cardSetup(t, n)
	forged := f.a2b(t, 1000, 1)
	forged.Sig[64] ^= 27 ^ 28
	for _, bad := range []*ledger.Tx{tamperedOffer(fill), withAttached(f.record, forged)} {
		id := bad.ID(offlineDomain)
		kind := bad.Payload.Kind()
		if _, err := n.Submit(context.Background(), bad); !errors.Is(err, ledger.ErrWrongSigner) {
			t.Errorf("%s: Submit: %v", kind, err)
		}
		if got := n.validateGossip(context.Background(), "", bad.Encode()); got != p2p.Reject {
			t.Errorf("%s: gossip: %v", kind, got)
		}
		if errs := n.IngestRaw([][]byte{bad.Encode()}); !errors.Is(errs[0], ledger.ErrWrongSigner) {
			t.Errorf("%s: IngestRaw: %v", kind, errs[0])
		}
		if vs := n.verifyBatch([]ledger.BatchTx{{Tx: bad}}); vs[0] != nil {
			t.Errorf("%s: taken from a batch", kind)
		}
		// A pending log holding the variant under the right sender (a
		// store written by an older node) does not bring it back.
		m, _ := offlineNode(t)
		if err := m.store.AppendPending(store.Pending{ID: id, Sender: bad.Payload.Signer(), Raw: bad.Encode()}); err != nil {
			t.Fatal(err)
		}
		if err := m.reloadPending(); err != nil {
			t.Fatal(err)
		}
		if m.pool.Len() != 0 {
			t.Errorf("%s: reloaded from the pending log", kind)
		}
		// Nor does a reorg's return of an undone batch's transactions.
		es := m.poolEntries([]store.Pending{{ID: id, Sender: bad.Payload.Signer(), Raw: bad.Encode()}}, "test")
		if len(es) != 0 || m.pool.Len() != 0 {
			t.Errorf("%s: returned to pending by a rollback", kind)
		}
	}
	// The originals still go through every path that admits or folds.
	for _, good := range []*ledger.Tx{fill, f.record} {
		if errs := n.IngestRaw([][]byte{good.Encode()}); errs[0] != nil {
			t.Errorf("%s: IngestRaw of the pooled original: %v", good.Payload.Kind(), errs[0])
		}
		if vs := n.verifyBatch([]ledger.BatchTx{{Tx: good}}); vs[0] == nil {
			t.Errorf("%s: the original not taken from a batch", good.Payload.Kind())
		}
	}
}

// signRandomNonce signs digest with a random nonce instead of RFC 6979's:
// another valid low-s signature of the same message by the same key, as a
// second signing device would make.
func signRandomNonce(t *testing.T, secret []byte, digest ledger.Hash) ledger.Sig {
	t.Helper()
	curve := ethcrypto.S256()
	n := curve.Params().N
	d, z := new(big.Int).SetBytes(secret), new(big.Int).SetBytes(digest[:])
	for {
		k, err := rand.Int(rand.Reader, n)
		if err != nil {
			t.Fatal(err)
		}
		if k.Sign() == 0 {
			continue
		}
		rx, ry := curve.ScalarBaseMult(k.FillBytes(make([]byte, 32)))
		if rx.Cmp(n) >= 0 {
			continue
		}
		r := new(big.Int).Set(rx)
		s := new(big.Int).Mul(r, d)
		s.Add(s, z).Mul(s, new(big.Int).ModInverse(k, n)).Mod(s, n)
		if r.Sign() == 0 || s.Sign() == 0 {
			continue
		}
		v := byte(ry.Bit(0))
		if s.Cmp(new(big.Int).Rsh(n, 1)) > 0 {
			s.Sub(n, s)
			v ^= 1
		}
		var sig ledger.Sig
		r.FillBytes(sig[:32])
		s.FillBytes(sig[32:64])
		sig[64] = 27 + v
		return sig
	}
}

// A valid variant: the maker signed its offer twice (two devices, two
// nonces), so a Fill carrying the other signature is valid too, with the
// same id. It is not the form the pool holds: gossip refuses it (not
// forwarded; a token of the relay's refusal budget, no score penalty), Submit and ingest answer for the pooled one, and
// the pool keeps its bytes. In a batch it is simply valid.
func TestGossipValidVariantOfPooledFillIsRefused(t *testing.T) {
	n, _ := offlineNode(t)
	fill := fillSetup(t, n)
	id := fill.ID(offlineDomain)
	want := string(fill.Encode())
	f := *fill.Payload.(*ledger.Fill)
	var secret [32]byte
	secret[0], secret[31] = 0x11, byte(10+1) // offlineKey(t, 10), the maker
	f.Offer.Sig = signRandomNonce(t, secret[:], offlineDomain.Digest(f.Offer.Offer.StructHash()))
	if f.Offer.Sig == fill.Payload.(*ledger.Fill).Offer.Sig {
		t.Fatal("the same signature twice")
	}
	if _, err := ledger.VerifyOffer(&f.Offer, offlineDomain, Secp256k1{}); err != nil {
		t.Fatalf("the second maker signature: %v", err)
	}
	twin := &ledger.Tx{Payload: &f, Sig: fill.Sig}
	if got := n.validateGossip(context.Background(), "", twin.Encode()); got != p2p.Refuse {
		t.Errorf("gossip: %v, want Refuse", got)
	}
	if res, err := n.Submit(context.Background(), twin); err != nil || res.ID != id || res.Status != api.TxPending {
		t.Errorf("Submit: %+v %v", res, err)
	}
	if errs := n.IngestRaw([][]byte{twin.Encode()}); errs[0] != nil {
		t.Errorf("IngestRaw: %v", errs[0])
	}
	if string(pooledRaw(t, n, id)) != want {
		t.Error("the pool's bytes changed")
	}
	if vs := n.verifyBatch([]ledger.BatchTx{{Tx: twin}}); vs[0] == nil || vs[0].Tx != twin {
		t.Error("a valid variant in a batch was not verified as itself")
	}
}
