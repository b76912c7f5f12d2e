package ledger

import (
	"encoding/binary"
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
	Batch string `json:"batch"`
	Body  string `json:"body"`
	// TxIDs are the ids of the batch's usable transactions, in order;
	// Unusable the others (an unknown kind stepped over, an account
	// number not given yet).
	TxIDs        []Hash           `json:"tx_ids"`
	Unusable     []vectorUnusable `json:"unusable,omitempty"`
	Receipts     []vectorReceipt  `json:"receipts"`
	Skipped      []Hash           `json:"skipped"`
	StateRoot    Hash             `json:"state_root"`
	ReceiptsRoot Hash             `json:"receipts_root"`
	// Accounts is the account table after the batch: Accounts[n] is
	// account number n.
	Accounts []Address `json:"accounts_after,omitempty"`
}

type vectorReceipt struct {
	ID     Hash   `json:"id"`
	Status Status `json:"status"`
	Reason Reason `json:"reason"`
	// Applied are the carried records that applied with a card record.
	Applied []Hash `json:"applied,omitempty"`
}

type vectorUnusable struct {
	Index int    `json:"index"`
	Why   string `json:"why"`
}

type batchVectors struct {
	Comment  string        `json:"comment"`
	ChainID  uint64        `json:"chain_id"`
	Contract Address       `json:"verifying_contract"`
	Batches  []batchVector `json:"batches"`
}

// goldenBatch is one batch of the scenario: its transactions, and raw
// batch-form transactions spliced in before transaction At (none when
// Raw is empty).
type goldenBatch struct {
	Txs []*Tx
	Raw [][]byte
	At  int
}

// goldenBatches builds the scenario: an issue and two fundings to new
// accounts (literal addresses), then transfers between known accounts
// (account numbers), an overspend (failure receipt) and a nonce gap (skip),
// then cards: two registrations with their cards' consent, a load, a
// payment carrying a card-to-card record (which applies first), and a
// record its card cannot pay yet (skip, counter free); then every other
// kind: a registration by a new issuer (its card is numbered before it), a
// cancel by a new account, a second asset (a two-asset table), a fill, a
// cancel and a fill of
// the cancelled offer (failed), a withdrawal of an issued asset (failed), a
// redeem by a new account, a card block and one by a stranger (failed), a
// conversion payment that pays a new account, an offline record of the
// blocked card paying a new account; and two unusable transactions spliced
// in (a kind this version does not know, an account number not given).
func goldenBatches() []goldenBatch {
	a, b, c := newTestKey(201), newTestKey(202), newTestKey(203)
	d, e, f, g := newTestKey(206), newTestKey(207), newTestKey(208), newTestKey(209)
	h, cardZ, k := newTestKey(210), newTestKey(211), newTestKey(212)
	issue := &IssueAsset{Issuer: a.addr, Symbol: "EUR", Decimals: 2, Supply: u(1_000_000), Currency: 978, Nonce: 0}
	eur := testDomain.Digest(issue.StructHash())
	tr := func(k *testKey, to Address, asset Hash, amount, nonce uint64) *Tx {
		return k.sign(&Transfer{From: k.addr, To: to, Asset: asset, Amount: u(amount), Nonce: nonce}, testDomain)
	}
	t := func(k *testKey, to Address, amount, nonce uint64) *Tx { return tr(k, to, eur, amount, nonce) }
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

	issueUSD := &IssueAsset{Issuer: a.addr, Symbol: "USD", Decimals: 2, Supply: u(1_000_000), Currency: 840, Nonce: 6}
	usd := testDomain.Digest(issueUSD.StructHash())
	offer := func(k *testKey, give Hash, giveAmt uint64, want Hash, wantAmt uint64, partial bool) SignedOffer {
		o := Offer{Maker: k.addr, Give: give, GiveAmount: u(giveAmt), Want: want, WantAmount: u(wantAmt), Partial: partial,
			Expiry: 1 << 40, Salt: Hash{0x5a, byte(giveAmt), byte(wantAmt)}}
		return SignedOffer{Offer: o, Sig: k.signDigest(testDomain.Digest(o.StructHash()))}
	}
	o1 := offer(b, eur, 100, usd, 50, true)
	o2 := offer(c, eur, 10, usd, 10, false)
	o3 := offer(e, usd, 1000, eur, 2000, true)
	auth := SpendAuth{Account: b.addr, Asset: eur, Amount: u(30), Payee: d.addr, Expiry: 1 << 40, Salt: Hash{0xa7}}
	yRec := rec(cardY, 100, c.addr, 3, CardModeOnline)
	convert := &ConvertPay{Owner: c.addr, Record: yRec, Offers: []SignedOffer{o3}, Takes: takesOf(1, 50), Asset: usd,
		Amount: u(50), Payee: f.addr, Nonce: 3}

	// Raw batch-form transactions no builder makes: kind 99 (unknown to
	// this version) and a transfer from account number 1000 (not given).
	sig := t(a, b.addr, 1, 0).Sig
	unknown := append([]byte{99, 0xde, 0xad, 0xbe, 0xef}, sig[:64]...)
	unnumbered := append([]byte{byte(KindTransfer), 0xe9, 0x07, 1, 0, 1, 5, 0}, sig[:64]...)
	return []goldenBatch{
		{Txs: []*Tx{a.sign(issue, testDomain), t(a, b.addr, 5000, 1), t(a, c.addr, 7000, 2)}},
		{Txs: []*Tx{t(b, c.addr, 1250, 0), t(c, a.addr, 99999, 0), t(c, b.addr, 1, 1), t(b, a.addr, 1, 5)}},
		{Txs: []*Tx{registerCard(a, cardX, b.addr, 3), registerCard(a, cardY, c.addr, 4), t(a, cardX.addr, 2000, 5),
			rec(cardY, 300, c.addr, 1, CardModeOnline, x2y), rec(cardY, 10000, c.addr, 2, CardModeOffline)}},
		{Txs: []*Tx{
			registerCard(h, cardZ, b.addr, 0),
			k.sign(&CancelOffer{Maker: k.addr, Offer: o1.ID(testDomain), Nonce: 0}, testDomain),
			a.sign(issueUSD, testDomain),
			tr(a, e.addr, usd, 10_000, 7),
			a.fill(o1, 40, 8),
			c.sign(&CancelOffer{Maker: c.addr, Offer: o2.ID(testDomain), Nonce: 2}, testDomain),
			a.fill(o2, 10, 9),
			b.sign(&Withdraw{Account: b.addr, Asset: eur, Amount: u(1), To: Address{0xde, 0xad}, Nonce: 1}, testDomain),
			d.sign(&Redeem{Payee: d.addr, Auth: signAuth(b, auth), Amount: u(25), Nonce: 0}, testDomain),
			blockCard(a, cardX.addr, BlockLost, 10),
			blockCard(b, cardY.addr, BlockStolen, 2),
			c.sign(convert, testDomain),
			rec(cardX, 100, g.addr, 2, CardModeOffline),
		}, Raw: [][]byte{unknown, unnumbered}, At: 10},
	}
}

// goldenBatchBytes builds a scenario batch against the settled state st,
// splicing in its raw transactions.
func goldenBatchBytes(t *testing.T, st Reader, gb goldenBatch) []byte {
	bb := NewBatchBuilder(st)
	var mark int
	for i, tx := range gb.Txs {
		if i == gb.At {
			mark = len(bb.body)
		}
		if !bb.Add(tx) {
			t.Fatal("batch full")
		}
	}
	if len(gb.Raw) == 0 {
		return bb.Bytes()
	}
	var raw []byte
	raw = binary.AppendUvarint(raw, uint64(len(bb.refs.assets)))
	for _, id := range bb.refs.assets {
		raw = append(raw, id[:]...)
	}
	raw = binary.AppendUvarint(raw, uint64(bb.n+len(gb.Raw)))
	raw = append(raw, bb.body[:mark]...)
	for _, r := range gb.Raw {
		raw = binary.AppendUvarint(raw, uint64(len(r)))
		raw = append(raw, r...)
	}
	raw = append(raw, bb.body[mark:]...)
	return append([]byte{BatchVersion}, zstdEncoder().EncodeAll(raw, nil)...)
}

// accountTable lists a state's accounts by number.
func accountTable(st mapState) []Address {
	o := NewOverlay(st)
	var out []Address
	for n := uint64(0); n < o.AccountCount(); n++ {
		a, ok := o.AccountByNumber(n)
		if !ok {
			panic("account numbers have a hole")
		}
		out = append(out, a)
	}
	return out
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
	got := batchVectors{Comment: "anonex batch format v2: fold each batch, in order, over the state the previous ones left (empty at first); see docs/protocol.md and testdata/README.md",
		ChainID: testDomain.ChainID, Contract: testDomain.Contract}
	scenario := goldenBatches()
	if !*updateGolden && len(want.Batches) != len(scenario) {
		t.Fatalf("%d batches in the vectors, %d in the scenario", len(want.Batches), len(scenario))
	}
	for i, gb := range scenario {
		data := goldenBatchBytes(t, st, gb)
		ours, _ := zstdDecoder().DecodeAll(data[1:], nil)
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
		if hex.EncodeToString(ours) != hex.EncodeToString(body) {
			t.Fatalf("batch %d: our encoder makes a different body", i)
		}
		dec, err := DecodeBatch(data, st)
		if err != nil {
			t.Fatal(err)
		}
		v := batchVector{Batch: hex.EncodeToString(data), Body: hex.EncodeToString(body)}
		var vs []*Verified
		for j, bt := range dec {
			if bt.Err != nil {
				v.Unusable = append(v.Unusable, vectorUnusable{Index: j, Why: bt.Err.Error()})
				continue
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
			v.Receipts = append(v.Receipts, vectorReceipt{r.TxID, r.Status, r.Reason, r.Attached})
		}
		for _, s := range res.Skipped {
			v.Skipped = append(v.Skipped, s.ID)
		}
		v.StateRoot, v.ReceiptsRoot = res.StateRoot, res.ReceiptsRoot
		v.Accounts = accountTable(st)
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
	if len(cards.Receipts[3].Applied) != 1 {
		t.Fatalf("the card-to-card record did not apply with its carrier: %+v", cards.Receipts[3])
	}
	rest := got.Batches[3]
	reasons := map[Reason]int{}
	for _, r := range rest.Receipts {
		reasons[r.Reason]++
	}
	if len(rest.Receipts) != 13 || len(rest.Unusable) != 2 || rest.Unusable[0].Index != 10 || rest.Unusable[1].Index != 11 ||
		reasons[ReasonNone] != 10 || reasons[ReasonOfferCancelled] != 1 || reasons[ReasonNotBridged] != 1 || reasons[ReasonNotCardIssuer] != 1 {
		t.Fatalf("every-kind scenario drifted: %+v", rest)
	}
	if n := len(rest.Accounts); n != len(cards.Accounts)+7 || rest.Accounts[n-7] != newTestKey(211).addr || rest.Accounts[n-6] != newTestKey(210).addr {
		t.Fatalf("batch 3 numbers %v after %v; want the card Z, its new issuer, then k, e, d, f, g", rest.Accounts, cards.Accounts)
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
		if len(vs) != len(w.TxIDs) {
			t.Fatalf("batch %d: %d transactions, vector has %d", i, len(vs), len(w.TxIDs))
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
