package ledger

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
)

// The sections of testdata/vectors.json beyond single transactions, made by
// ethers (testdata/ethers/gen.mjs): signed offers, spend authorizations and
// attestations; receipts roots; state roots and proofs; batches.

func goldenKey(t *testing.T, hexKey string) *testKey {
	t.Helper()
	priv, _ := btcec.PrivKeyFromBytes(goldenHex(t, "private_key", hexKey))
	return &testKey{priv: priv, addr: pubAddress(priv.PubKey())}
}

func (d *goldenDomain) domain(t *testing.T) Domain {
	t.Helper()
	return NewDomain(d.ChainID, mustParseAddress(t, d.VerifyingContract))
}

// signedDoc is the JSON form of a signed message: {message, signature}.
func signedDoc(v goldenSigned) []byte {
	b, _ := json.Marshal(map[string]any{"message": v.Message, "signature": v.Signature})
	return b
}

func TestGoldenOffers(t *testing.T) {
	f := loadGolden(t)
	if len(f.Offers) < 3 {
		t.Fatalf("%d offers", len(f.Offers))
	}
	for _, v := range f.Offers {
		t.Run(v.Name, func(t *testing.T) {
			d := v.Domain.domain(t)
			wire := goldenHex(t, "wire", v.Wire)
			so, err := DecodeOffer(wire)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(so.Encode(), wire) {
				t.Fatal("offer re-encodes differently")
			}
			var fromJSON SignedOffer
			if err := fromJSON.UnmarshalJSON(signedDoc(v)); err != nil || !reflect.DeepEqual(&fromJSON, so) {
				t.Fatalf("JSON form %v: %+v, wire %+v", err, fromJSON, so)
			}
			if so.ID(d) != v.Digest {
				t.Fatalf("offer id %s, ethers %s", so.ID(d), v.Digest)
			}
			_, err = VerifyOffer(so, d, btcecRecoverer{})
			if got := classify(err); got != v.Expect {
				t.Fatalf("VerifyOffer: %v (%s), want %s", err, got, v.Expect)
			}
			if v.PrivateKey != "" {
				if got := goldenKey(t, v.PrivateKey).signDigest(v.Digest); got != v.Signature {
					t.Fatal("Go signs the offer differently from ethers")
				}
			}
		})
	}
}

func TestGoldenSpendAuthorizations(t *testing.T) {
	f := loadGolden(t)
	if len(f.SpendAuthorizations) < 2 {
		t.Fatalf("%d authorizations", len(f.SpendAuthorizations))
	}
	for _, v := range f.SpendAuthorizations {
		t.Run(v.Name, func(t *testing.T) {
			d := v.Domain.domain(t)
			var sa SignedSpendAuth
			if err := sa.UnmarshalJSON(signedDoc(v)); err != nil {
				t.Fatal(err)
			}
			if sa.ID(d) != v.Digest {
				t.Fatalf("authorization id %s, ethers %s", sa.ID(d), v.Digest)
			}
			_, err := VerifySpendAuth(&sa, d, btcecRecoverer{})
			if got := classify(err); got != v.Expect {
				t.Fatalf("VerifySpendAuth: %v (%s), want %s", err, got, v.Expect)
			}
			if got := goldenKey(t, v.PrivateKey).signDigest(v.Digest); got != v.Signature {
				t.Fatal("Go signs the authorization differently from ethers")
			}
		})
	}
}

func TestGoldenAttestations(t *testing.T) {
	f := loadGolden(t)
	if len(f.Attestations) == 0 {
		t.Fatal("no attestations")
	}
	for _, v := range f.Attestations {
		t.Run(v.Name, func(t *testing.T) {
			var m struct {
				Seq          jsonU64 `json:"seq"`
				DataHash     Hash    `json:"dataHash"`
				StateRoot    Hash    `json:"stateRoot"`
				ReceiptsRoot Hash    `json:"receiptsRoot"`
			}
			if err := strictUnmarshal(v.Message, &m); err != nil {
				t.Fatal(err)
			}
			a := Attestation{Seq: uint64(m.Seq), DataHash: m.DataHash, StateRoot: m.StateRoot, ReceiptsRoot: m.ReceiptsRoot}
			vault := mustParseAddress(t, v.Domain.VerifyingContract)
			digest := a.Digest(v.Domain.ChainID, vault)
			if digest != v.Digest {
				t.Fatalf("attestation digest %s, ethers %s", digest, v.Digest)
			}
			who, err := btcecRecoverer{}.Recover(digest, v.Signature)
			if err != nil || v.Signer == nil || who != *v.Signer {
				t.Fatalf("attestation recovers %s (%v), signer %v", who.Hex(), err, v.Signer)
			}
			if got := goldenKey(t, v.PrivateKey).signDigest(digest); got != v.Signature {
				t.Fatal("Go signs the attestation differently from ethers")
			}
		})
	}
}

// TestGoldenVenueRecords: venue records as ethers signs them read as
// VenueRecord JSON, hash to ethers' digests, recover their signers, check
// (the map's hash and viewBox included), and Go signs them identically;
// a Venue's id is the one the vectors give.
func TestGoldenVenueRecords(t *testing.T) {
	f := loadGolden(t)
	types := map[string]bool{}
	for _, v := range f.VenueRecords {
		types[v.Type] = true
		t.Run(v.Name, func(t *testing.T) {
			raw, _ := json.Marshal(map[string]any{"type": v.Type, "message": v.Message, "signature": v.Signature, "svg": v.SVG})
			if v.SVG == "" {
				raw, _ = json.Marshal(map[string]any{"type": v.Type, "message": v.Message, "signature": v.Signature})
			}
			var r VenueRecord
			if err := json.Unmarshal(raw, &r); err != nil {
				t.Fatal(err)
			}
			d := NewDomain(v.Domain.ChainID, mustParseAddress(t, v.Domain.VerifyingContract))
			if got := d.Digest(r.StructHash()); got != v.Digest {
				t.Fatalf("digest %s, ethers %s", got, v.Digest)
			}
			who, err := VerifyVenueRecord(&r, d, btcecRecoverer{})
			if err != nil || v.Signer == nil || who != *v.Signer {
				t.Fatalf("recovers %s (%v), signer %v", who.Hex(), err, v.Signer)
			}
			if got := goldenKey(t, v.PrivateKey).signDigest(v.Digest); got != v.Signature {
				t.Fatal("Go signs the record differently from ethers")
			}
			if r.Venue != nil && r.Venue.ID() != v.VenueID {
				t.Fatalf("venue id %s, vectors %s", r.Venue.ID(), v.VenueID)
			}
			back, err := json.Marshal(&r)
			if err != nil {
				t.Fatal(err)
			}
			var again VenueRecord
			if err := json.Unmarshal(back, &again); err != nil || again.StructHash() != r.StructHash() {
				t.Fatalf("the JSON form does not read back: %s (%v)", back, err)
			}
		})
	}
	for _, ty := range []string{VenueRecordVenue, VenueRecordStore, VenueRecordPlace} {
		if !types[ty] {
			t.Errorf("no %s vector", ty)
		}
	}
}

func TestGoldenReceipts(t *testing.T) {
	f := loadGolden(t)
	if len(f.Receipts) < 3 {
		t.Fatalf("%d receipt sets", len(f.Receipts))
	}
	for _, v := range f.Receipts {
		t.Run(v.Name, func(t *testing.T) {
			var rs []Receipt
			for i, r := range v.Receipts {
				k, ok := KindByName(r.Type)
				if !ok {
					t.Fatalf("receipt %d: type %q", i, r.Type)
				}
				rec := Receipt{TxID: r.ID, Kind: k, Sender: r.Sender, Status: r.Status, Reason: r.Reason, Attached: r.Applied}
				if h := rec.Hash(); h != v.Hashes[i] {
					t.Fatalf("receipt %d hashes to %s, ethers %s", i, h, v.Hashes[i])
				}
				rs = append(rs, rec)
			}
			if root := ReceiptsRoot(rs); root != v.Root {
				t.Fatalf("receipts root %s, ethers %s", root, v.Root)
			}
			for _, p := range v.Proofs {
				path, err := ReceiptProof(rs, p.Index)
				if err != nil || !reflect.DeepEqual(path, p.Path) && !(len(path) == 0 && len(p.Path) == 0) {
					t.Fatalf("audit path of %d: %v %v, ethers %v", p.Index, err, path, p.Path)
				}
				if !VerifyReceiptProof(ReceiptLeaf(v.Hashes[p.Index]), uint64(p.Index), uint64(len(rs)), p.Path, v.Root) {
					t.Fatalf("the audit path of %d does not verify", p.Index)
				}
			}
		})
	}
}

func TestGoldenStateRoots(t *testing.T) {
	f := loadGolden(t)
	if len(f.State) < 3 {
		t.Fatalf("%d state sets", len(f.State))
	}
	for _, v := range f.State {
		t.Run(v.Name, func(t *testing.T) {
			var kvs []KV
			for _, e := range v.Entries {
				kvs = append(kvs, KV{Key: goldenHex(t, "key", e.Key), Value: goldenHex(t, "value", e.Value)})
			}
			nodes := mapState{}
			tree := NewTree(nodes)
			root, err := tree.Update(kvs)
			if err != nil || root != v.Root {
				t.Fatalf("root %s (%v), ethers %s", root, err, v.Root)
			}
			nodes.commit(tree.Writes())
			// The same set written in two steps, the second half first, with
			// a key written and deleted on the way: the same root.
			other := mapState{}
			half := len(kvs) / 2
			t2 := NewTree(other)
			if _, err := t2.Update(append(append([]KV{}, kvs[half:]...), KV{Key: []byte("gone"), Value: []byte{1}})); err != nil {
				t.Fatal(err)
			}
			other.commit(t2.Writes())
			t3 := NewTree(other)
			if r, err := t3.Update(append(append([]KV{}, kvs[:half]...), KV{Key: []byte("gone")})); err != nil || r != v.Root {
				t.Fatalf("root in two steps %s (%v), ethers %s", r, err, v.Root)
			}
			for _, p := range v.Proofs {
				key, value := goldenHex(t, "key", p.Key), goldenHex(t, "value", p.Value)
				got, err := NewTree(nodes).Prove(key)
				if err != nil {
					t.Fatal(err)
				}
				gj, _ := json.Marshal(got)
				wj, _ := json.Marshal(p.Proof)
				if !bytes.Equal(gj, wj) {
					t.Fatalf("proof of %s:\n got %s\nwant %s", p.Key, gj, wj)
				}
				if !VerifyProof(v.Root, key, value, p.Proof) {
					t.Fatalf("ethers' proof of %s does not verify", p.Key)
				}
				if VerifyProof(v.Root, key, append(value, 1), p.Proof) {
					t.Fatalf("the proof of %s verifies another value", p.Key)
				}
			}
		})
	}
}

// numberedState is a settled state in which accounts[n] has number n.
func numberedState(accounts []Address) mapState {
	st := mapState{}
	o := NewOverlay(st)
	for _, a := range accounts {
		o.touch(a)
	}
	st.commit(o.Writes())
	return st
}

func TestGoldenBatchCodec(t *testing.T) {
	f := loadGolden(t)
	kinds := map[string]bool{}
	for _, v := range f.Batches {
		t.Run(v.Name, func(t *testing.T) {
			st := numberedState(v.Accounts)
			data := goldenHex(t, "batch", v.Batch)
			txs, err := DecodeBatch(data, st)
			if v.Expect == "junk" {
				if err == nil || errors.Is(err, ErrState) {
					t.Fatalf("junk batch (%s) decodes: %v", v.Why, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(txs) != len(v.Txs) {
				t.Fatalf("%d transactions, ethers %d", len(txs), len(v.Txs))
			}
			var usable []*Tx
			for i, bt := range txs {
				w := v.Txs[i]
				if w.Unusable {
					if bt.Err == nil {
						t.Fatalf("transaction %d is usable", i)
					}
					continue
				}
				if bt.Err != nil {
					t.Fatalf("transaction %d: %v", i, bt.Err)
				}
				if got := bt.Tx.Encode(); !bytes.Equal(got, goldenHex(t, "wire", w.Wire)) {
					t.Fatalf("transaction %d decodes to\n%x\nwant %s", i, got, w.Wire)
				}
				kinds[w.Type] = true
				usable = append(usable, bt.Tx)
			}
			if len(usable) < len(txs) {
				return
			}
			// The Go builder, against the same numbering, writes ethers' body.
			b := NewBatchBuilder(st)
			for _, tx := range usable {
				b.Add(tx)
			}
			body, err := zstdDecoder().DecodeAll(b.Bytes()[1:], nil)
			if err != nil || !bytes.Equal(body, goldenHex(t, "body", v.Body)) {
				t.Fatalf("the builder's body %x\nethers' %s", body, v.Body)
			}
			for i, a := range b.refs.assets {
				if a != v.Assets[i] {
					t.Fatalf("asset table %v, ethers %v", b.refs.assets, v.Assets)
				}
			}
		})
	}
	for k := Kind(1); k <= KindCardBlock; k++ {
		if !kinds[k.String()] {
			t.Errorf("no batch vector holds a %s", k)
		}
	}
}
