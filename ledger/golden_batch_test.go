package ledger

import (
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/batch_vectors.json")

// batchVector is one batch of testdata/batch_vectors.json: the bytes as
// anchored, the decompressed body, and what folding it over the state left
// by the previous batches must give.
type batchVector struct {
	Batch        string          `json:"batch"`
	Body         string          `json:"body"`
	TxIDs        []Hash          `json:"tx_ids"`
	Receipts     []vectorReceipt `json:"receipts"`
	Skipped      []Hash          `json:"skipped"`
	StateRoot    Hash            `json:"state_root"`
	ReceiptsRoot Hash            `json:"receipts_root"`
}

type vectorReceipt struct {
	ID     Hash   `json:"id"`
	Status Status `json:"status"`
	Reason Reason `json:"reason"`
}

type batchVectors struct {
	Comment  string        `json:"comment"`
	ChainID  uint64        `json:"chain_id"`
	Contract Address       `json:"verifying_contract"`
	Batches  []batchVector `json:"batches"`
}

// goldenBatches builds the scenario: an issue and two fundings to new
// accounts (literal addresses), then transfers between known accounts
// (account numbers), an overspend (failure receipt) and a nonce gap (skip),
// then cards: two registrations with their cards' consent, a load, a
// payment carrying a card-to-card record (which applies first), and a
// record its card cannot pay yet (skip, counter free).
func goldenBatches() [][]*Tx {
	a, b, c := newTestKey(201), newTestKey(202), newTestKey(203)
	issue := &IssueAsset{Issuer: a.addr, Symbol: "EUR", Decimals: 2, Supply: u(1_000_000), Currency: 978, Nonce: 0}
	eur := testDomain.Digest(issue.StructHash())
	t := func(k *testKey, to Address, amount, nonce uint64) *Tx {
		return k.sign(&Transfer{From: k.addr, To: to, Asset: eur, Amount: u(amount), Nonce: nonce}, testDomain)
	}
	cardX, cardY := newTestKey(204), newTestKey(205)
	rec := func(k *testKey, amount uint64, payee Address, counter uint64, mode uint8, attached ...*Tx) *Tx {
		var ids []Hash
		for _, at := range attached {
			ids = append(ids, at.ID(testDomain))
		}
		return k.sign(&CardPayment{CardRecord: CardRecord{Card: k.addr, Asset: eur, Amount: u(amount), Payee: payee,
			Counter: counter, Challenge: Hash{0xc0, byte(counter)}, Mode: mode, AttachedHash: AttachmentsHash(ids)},
			Attached: attached}, testDomain)
	}
	x2y := rec(cardX, 500, cardY.addr, 1, CardModeToCard)
	return [][]*Tx{
		{a.sign(issue, testDomain), t(a, b.addr, 5000, 1), t(a, c.addr, 7000, 2)},
		{t(b, c.addr, 1250, 0), t(c, a.addr, 99999, 0), t(c, b.addr, 1, 1), t(b, a.addr, 1, 5)},
		{registerCard(a, cardX, b.addr, 3), registerCard(a, cardY, c.addr, 4), t(a, cardX.addr, 2000, 5),
			rec(cardY, 300, c.addr, 1, CardModeOnline, x2y), rec(cardY, 10000, c.addr, 2, CardModeOffline)},
	}
}

func TestGoldenBatches(t *testing.T) {
	path := filepath.Join("testdata", "batch_vectors.json")
	st, nodes := mapState{}, mapState{}
	var want batchVectors
	if !*updateGolden {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (regenerate with go test ./ledger -run TestGoldenBatches -update)", err)
		}
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatal(err)
		}
	}
	got := batchVectors{Comment: "anonex batch format v2: fold each batch, in order, over the state the previous ones left (empty at first); see docs/protocol.md",
		ChainID: testDomain.ChainID, Contract: testDomain.Contract}
	for i, txs := range goldenBatches() {
		bb := NewBatchBuilder(st)
		for _, tx := range txs {
			if !bb.Add(tx) {
				t.Fatal("batch full")
			}
		}
		data := bb.Bytes()
		if !*updateGolden {
			// Fold the committed bytes, not ours: they are the interop case.
			if data, _ = hex.DecodeString(want.Batches[i].Batch); data == nil {
				t.Fatalf("batch %d: bad hex", i)
			}
		}
		body, err := zstdDecoder().DecodeAll(data[1:], nil)
		if err != nil {
			t.Fatal(err)
		}
		if !*updateGolden && hex.EncodeToString(body) != want.Batches[i].Body {
			t.Fatalf("batch %d: decompressed body differs from the vector", i)
		}
		if ours, _ := zstdDecoder().DecodeAll(bb.Bytes()[1:], nil); hex.EncodeToString(ours) != hex.EncodeToString(body) {
			t.Fatalf("batch %d: our encoder makes a different body", i)
		}
		dec, err := DecodeBatch(data, st)
		if err != nil {
			t.Fatal(err)
		}
		v := batchVector{Batch: hex.EncodeToString(data), Body: hex.EncodeToString(body)}
		var vs []*Verified
		for _, bt := range dec {
			if bt.Err != nil {
				t.Fatalf("batch %d: %v", i, bt.Err)
			}
			vt := mustVerify(bt.Tx)
			vs = append(vs, vt)
			v.TxIDs = append(v.TxIDs, vt.ID)
		}
		res, err := Fold(st, nodes, vs, Env{Seq: uint64(i)})
		if err != nil {
			t.Fatal(err)
		}
		st.commit(res.StateWrites)
		nodes.commit(res.TreeWrites)
		for _, r := range res.Receipts {
			v.Receipts = append(v.Receipts, vectorReceipt{r.TxID, r.Status, r.Reason})
		}
		for _, s := range res.Skipped {
			v.Skipped = append(v.Skipped, s.ID)
		}
		v.StateRoot, v.ReceiptsRoot = res.StateRoot, res.ReceiptsRoot
		got.Batches = append(got.Batches, v)
	}
	if *updateGolden {
		b, _ := json.MarshalIndent(got, "", "  ")
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	for i := range got.Batches {
		g, w := got.Batches[i], want.Batches[i]
		g.Batch, g.Body = w.Batch, w.Body
		gb, _ := json.Marshal(g)
		wb, _ := json.Marshal(w)
		if string(gb) != string(wb) {
			t.Fatalf("batch %d folds differently:\n got %s\nwant %s", i, gb, wb)
		}
	}
	// The scenario covers what it claims.
	last := got.Batches[1]
	if len(last.Receipts) != 3 || last.Receipts[1].Reason != ReasonInsufficientFunds || len(last.Skipped) != 1 {
		t.Fatalf("scenario drifted: %+v", last)
	}
	cards := got.Batches[2]
	if len(cards.Receipts) != 4 || len(cards.Skipped) != 1 || cards.Skipped[0] != cards.TxIDs[4] {
		t.Fatalf("card scenario drifted: %+v", cards)
	}
	for _, r := range cards.Receipts {
		if r.Status != StatusOK {
			t.Fatalf("card scenario drifted: %+v", cards)
		}
	}
}

// TestGoldenBatchesV1: batches of protocol version 1 (version byte 1, the
// vectors committed before the card changes) still decode and fold to the
// roots they did.
func TestGoldenBatchesV1(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "batch_vectors_v1.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want batchVectors
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	st, nodes := mapState{}, mapState{}
	for i, w := range want.Batches {
		data, _ := hex.DecodeString(w.Batch)
		if len(data) == 0 || data[0] != 1 {
			t.Fatalf("batch %d is not version 1", i)
		}
		dec, err := DecodeBatch(data, st)
		if err != nil {
			t.Fatalf("batch %d: %v", i, err)
		}
		var vs []*Verified
		for _, bt := range dec {
			vs = append(vs, mustVerify(bt.Tx))
		}
		res, err := Fold(st, nodes, vs, Env{Seq: uint64(i)})
		if err != nil {
			t.Fatal(err)
		}
		st.commit(res.StateWrites)
		nodes.commit(res.TreeWrites)
		if res.StateRoot != w.StateRoot || res.ReceiptsRoot != w.ReceiptsRoot {
			t.Fatalf("batch %d folds to other roots", i)
		}
	}
}
