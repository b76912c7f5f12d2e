package devnet

import (
	"bytes"
	"context"
	"encoding/json"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/chain"
	"github.com/anonex/anonex/chain/devchain"
	"github.com/anonex/anonex/ledger"
	"github.com/anonex/anonex/node"
	"github.com/ethereum/go-ethereum/common"
	"github.com/holiman/uint256"
)

// decoderSummary is what ledger/testdata/ethers/decode.mjs prints.
type decoderSummary struct {
	Batches []struct {
		Seq      uint64        `json:"seq"`
		Txs      int           `json:"txs"`
		Receipts int           `json:"receipts"`
		IDs      []ledger.Hash `json:"ids"`
		Junk     string        `json:"junk"`
	} `json:"batches"`
	Deposits      int              `json:"deposits"`
	Listings      int              `json:"listings"`
	Signatures    int              `json:"signatures"`
	Receipts      int              `json:"receipts"`
	ReceiptsRoots int              `json:"receipts_roots"`
	Attestations  int              `json:"attestations"`
	Proofs        int              `json:"proofs"`
	Kinds         map[string]int   `json:"kinds"`
	Accounts      []ledger.Address `json:"accounts"`
	Problems      int              `json:"problems"`
}

// TestJSDecoderFollowsDevnet runs a devnet, makes transactions of every
// kind (and a deposit to a new account), then runs the decoder written only
// from docs/protocol.md against the node's API and the chain: it must
// decode every batch, check every signature, number the accounts as the
// node does and verify balance proofs against an attested root. The test
// fails when the decoder reports a disagreement, or when what it decoded
// (counts, ids, kinds, account numbers) is not what the node settled.
func TestJSDecoderFollowsDevnet(t *testing.T) {
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is not on PATH (run `make deps`)")
	}
	dir, err := filepath.Abs(filepath.Join("..", "ledger", "testdata", "ethers"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "ethers", "package.json")); err != nil {
		t.Fatal("run `make deps` (npm ci in ledger/testdata/ethers)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	d, err := Start(ctx, Config{HTTPAddr: "127.0.0.1:0", WSAddr: "127.0.0.1:0", NoMarket: true})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	w := newKindsWorkload(t, ctx, d)
	ids := w.run()

	n0 := d.Nodes[0]
	// Wait until the last batch is attested by the Vault's threshold, so
	// the decoder can check a proof against a root the attesters signed.
	st, _ := n0.Status()
	for {
		st, err = n0.Status()
		if err != nil {
			t.Fatal(err)
		}
		if st.SettledSeq != nil {
			if a, err := n0.Bridge().Attestations(*st.SettledSeq); err == nil && len(a.Signatures) >= a.Threshold {
				break
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the last batch was not attested: %+v", st)
		case <-time.After(20 * time.Millisecond):
		}
	}

	cmd := exec.CommandContext(ctx, nodeBin, "decode.mjs", "follow", "--api", d.Info.Nodes[0].API, "--rpc", d.Info.EthRPC, "--attested")
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("decode.mjs disagrees with the node (%v):\n%s\n%s", err, stderr.String(), stdout.String())
	}
	var sum decoderSummary
	if err := json.Unmarshal(stdout.Bytes(), &sum); err != nil {
		t.Fatalf("decoder output: %v\n%s", err, stdout.String())
	}
	t.Logf("decoder: %d batches, %d receipts, %d signatures, %d attestation signatures, %d proofs, %d receipts roots, kinds %v",
		len(sum.Batches), sum.Receipts, sum.Signatures, sum.Attestations, sum.Proofs, sum.ReceiptsRoots, sum.Kinds)

	// Every batch the node folded, with the node's counts.
	if sum.Problems != 0 || st.SettledSeq == nil || len(sum.Batches) != int(*st.SettledSeq)+1 {
		t.Fatalf("decoded %d batches (%d problems), the node folded %v", len(sum.Batches), sum.Problems, st.SettledSeq)
	}
	receipts := 0
	decoded := map[ledger.Hash]uint64{}
	for _, b := range sum.Batches {
		rec, ok, err := n0.Store().Batch(b.Seq)
		if err != nil || !ok {
			t.Fatalf("batch %d: %v %v", b.Seq, ok, err)
		}
		if b.Txs != rec.Txs || b.Receipts != rec.Receipts || b.Junk != "" {
			t.Fatalf("batch %d: decoder %d txs, %d receipts; node %d, %d", b.Seq, b.Txs, b.Receipts, rec.Txs, rec.Receipts)
		}
		receipts += b.Receipts
		for _, id := range b.IDs {
			decoded[id] = b.Seq
		}
	}
	if receipts != sum.Receipts {
		t.Fatalf("summary says %d receipts, batches add up to %d", sum.Receipts, receipts)
	}
	// Every transaction of the workload, in the batch the node settled it in.
	for _, id := range ids {
		info, err := n0.TxStatus(id)
		if err != nil || info.BatchSeq == nil {
			t.Fatalf("tx %s: %+v %v", id, info, err)
		}
		if seq, ok := decoded[id]; !ok || seq != *info.BatchSeq {
			t.Fatalf("tx %s (%s) settled in batch %d; the decoder has it in %d (found %v)", id, info.Kind, *info.BatchSeq, seq, ok)
		}
	}
	for k := ledger.Kind(1); k <= ledger.KindCardBlock; k++ {
		if sum.Kinds[k.String()] == 0 {
			t.Errorf("the decoder saw no %s", k)
		}
	}
	if sum.Deposits == 0 || sum.Listings < 2 || sum.Proofs < 3 || sum.Attestations == 0 {
		t.Errorf("decoder summary too thin: %+v", sum)
	}
	// Its account numbers are the node's.
	if len(sum.Accounts) == 0 {
		t.Fatal("the decoder numbered no account")
	}
	for i, a := range sum.Accounts {
		v, err := n0.Store().State().Get(ledger.StateKeyAccount(a))
		if err != nil {
			t.Fatal(err)
		}
		if acc := ledger.DecodeAccount(v); !acc.Exists || acc.Number != uint64(i) {
			t.Fatalf("the decoder numbers %s %d; the node %+v", a.Hex(), i, acc)
		}
	}
	for _, a := range []ledger.Address{w.newcomer.Address(), w.cardA.Address(), w.payee.Address(), w.deposited} {
		found := false
		for _, b := range sum.Accounts {
			found = found || a == b
		}
		if !found {
			t.Errorf("the decoder never numbered %s", a.Hex())
		}
	}
}

// kindsWorkload makes transactions of every kind on a devnet.
type kindsWorkload struct {
	t      *testing.T
	ctx    context.Context
	d      *Devnet
	n0     *node.Node
	dom    ledger.Domain
	keys   []*account.Key // the demo accounts: issuer, holders 1-3, merchant, market maker
	nonces map[ledger.Address]uint64
	ids    []ledger.Hash
	eur    ledger.Hash
	usd    ledger.Hash
	gold   ledger.Hash

	issuer2, newcomer, payee, cardA, cardB *account.Key
	deposited                              ledger.Address
}

func newKindsWorkload(t *testing.T, ctx context.Context, d *Devnet) *kindsWorkload {
	w := &kindsWorkload{t: t, ctx: ctx, d: d, n0: d.Nodes[0], dom: d.Nodes[0].Domain(), nonces: map[ledger.Address]uint64{}}
	for i := range demoRoles {
		k, err := account.FromMnemonic(devchain.TestMnemonic, "", uint32(100+i))
		if err != nil {
			t.Fatal(err)
		}
		w.keys = append(w.keys, k)
	}
	for _, a := range d.Info.Assets {
		id, _ := ledger.ParseHash(a.ID)
		switch a.Symbol {
		case "EUR":
			w.eur = id
		case "USD":
			w.usd = id
		case "GOLD":
			w.gold = id
		}
	}
	fresh := func(i uint32) *account.Key {
		k, err := account.FromMnemonic(devchain.TestMnemonic, "", 900+i)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	w.issuer2, w.newcomer, w.payee, w.cardA, w.cardB = fresh(1), fresh(2), fresh(3), fresh(4), fresh(5)
	return w
}

func (w *kindsWorkload) nonce(k *account.Key) uint64 {
	a := k.Address()
	n, ok := w.nonces[a]
	if !ok {
		info, err := w.n0.Account(a)
		if err != nil {
			w.t.Fatal(err)
		}
		n = info.Nonce
	}
	w.nonces[a] = n + 1
	return n
}

func (w *kindsWorkload) sig(k *account.Key, structHash ledger.Hash) ledger.Sig {
	s, err := k.Sign(w.dom.Digest(structHash))
	if err != nil {
		w.t.Fatal(err)
	}
	return ledger.Sig(s)
}

func (w *kindsWorkload) signed(k *account.Key, p ledger.Payload) *ledger.Tx {
	return &ledger.Tx{Payload: p, Sig: w.sig(k, p.StructHash())}
}

func (w *kindsWorkload) submit(txs ...*ledger.Tx) {
	w.t.Helper()
	for _, tx := range txs {
		res, err := w.n0.Submit(w.ctx, tx)
		if err != nil {
			w.t.Fatalf("submit %s: %v", tx.Payload.Kind(), err)
		}
		w.ids = append(w.ids, res.ID)
	}
}

// settle has node 0 post what it holds and waits until every node settled
// everything submitted so far: the next transactions are batched against
// the new settled state, so they name these accounts by number.
func (w *kindsWorkload) settle() {
	w.t.Helper()
	w.n0.Flush()
	for _, n := range w.d.Nodes {
		for _, id := range w.ids {
			if err := waitSettled(w.ctx, n, id, 20*time.Second); err != nil {
				w.t.Fatal(err)
			}
		}
	}
}

func amt(v uint64) uint256.Int { return *uint256.NewInt(v) }

func (w *kindsWorkload) record(card *account.Key, amount uint64, payee ledger.Address, counter uint64, mode uint8, attached ...*ledger.Tx) *ledger.Tx {
	var ids []ledger.Hash
	for _, a := range attached {
		ids = append(ids, a.ID(w.dom))
	}
	p := &ledger.CardPayment{CardRecord: ledger.CardRecord{Card: card.Address(), Asset: w.eur, Amount: amt(amount), Payee: payee,
		Counter: counter, Challenge: ledger.Hash{0xc4, byte(counter)}, Mode: mode, AttachedHash: ledger.AttachmentsHash(ids)},
		Attached: attached}
	return w.signed(card, p)
}

func (w *kindsWorkload) offer(maker *account.Key, give ledger.Hash, giveAmt uint64, want ledger.Hash, wantAmt uint64) ledger.SignedOffer {
	o := ledger.Offer{Maker: maker.Address(), Give: give, GiveAmount: amt(giveAmt), Want: want, WantAmount: amt(wantAmt),
		Partial: true, Expiry: uint64(time.Now().Add(24 * time.Hour).Unix()), Salt: ledger.Hash{0x0f, byte(giveAmt), byte(wantAmt)}}
	return ledger.SignedOffer{Offer: o, Sig: w.sig(maker, o.StructHash())}
}

// run makes the transactions, a few batches apart, and returns their ids.
func (w *kindsWorkload) run() []ledger.Hash {
	issuer, h1, h2, h3, merchant, mm := w.keys[0], w.keys[1], w.keys[2], w.keys[3], w.keys[4], w.keys[5]

	// A new issuer issues and pays a new account; two cards registered
	// with their consent, loaded.
	issue := &ledger.IssueAsset{Issuer: w.issuer2.Address(), Symbol: "WIRE", Decimals: 0, Supply: amt(1000), Nonce: w.nonce(w.issuer2)}
	wire := w.dom.Digest(issue.StructHash())
	w.submit(w.signed(w.issuer2, issue),
		w.signed(w.issuer2, &ledger.Transfer{From: w.issuer2.Address(), To: w.newcomer.Address(), Asset: wire, Amount: amt(10), Nonce: w.nonce(w.issuer2)}))
	for _, c := range []struct{ card, owner *account.Key }{{w.cardA, h1}, {w.cardB, h2}} {
		r := &ledger.CardRegister{Issuer: issuer.Address(), Card: c.card.Address(), Owner: c.owner.Address(), Nonce: w.nonce(issuer)}
		cc := r.ConsentOf()
		r.Consent = w.sig(c.card, cc.StructHash())
		w.submit(w.signed(issuer, r))
	}
	w.submit(w.signed(h1, &ledger.Transfer{From: h1.Address(), To: w.cardA.Address(), Asset: w.eur, Amount: amt(50_00), Nonce: w.nonce(h1)}),
		w.signed(h2, &ledger.Transfer{From: h2.Address(), To: w.cardB.Address(), Asset: w.eur, Amount: amt(30_00), Nonce: w.nonce(h2)}))
	w.settle()

	// Cards pay (card to card, carried; offline), offers fill and cancel,
	// a withdrawal burns, a spend authorization is redeemed, and the
	// newcomer, known by number now, pays back.
	b2a := w.record(w.cardB, 5_00, w.cardA.Address(), 1, ledger.CardModeToCard)
	w.submit(b2a, w.record(w.cardA, 7_00, merchant.Address(), 1, ledger.CardModeOffline, b2a))
	goldOffer := w.offer(h3, w.gold, 1000, w.eur, 500)
	w.submit(w.signed(h1, &ledger.Fill{Taker: h1.Address(), Offer: goldOffer, Take: amt(100), Nonce: w.nonce(h1)}))
	gone := w.offer(h3, w.gold, 7, w.eur, 7)
	w.submit(w.signed(h3, &ledger.CancelOffer{Maker: h3.Address(), Offer: gone.ID(w.dom), Nonce: w.nonce(h3)}))
	eth := ledger.BridgedAssetID(w.d.Chain.ChainID().Uint64(), w.vault(), ledger.Address{})
	w.submit(w.signed(h1, &ledger.Withdraw{Account: h1.Address(), Asset: eth, Amount: amt(1_000_000), To: h1.Address(), Nonce: w.nonce(h1)}))
	auth := ledger.SpendAuth{Account: h2.Address(), Asset: w.eur, Amount: amt(3_00), Payee: merchant.Address(),
		Expiry: uint64(time.Now().Add(24 * time.Hour).Unix()), Salt: ledger.Hash{0xa1}}
	w.submit(w.signed(merchant, &ledger.Redeem{Payee: merchant.Address(),
		Auth: ledger.SignedSpendAuth{SpendAuth: auth, Sig: w.sig(h2, auth.StructHash())}, Amount: amt(2_00), Nonce: w.nonce(merchant)}))
	w.submit(w.signed(w.newcomer, &ledger.Transfer{From: w.newcomer.Address(), To: w.issuer2.Address(), Asset: wire, Amount: amt(1), Nonce: w.nonce(w.newcomer)}))
	w.settle()

	// A conversion payment: card A pays its owner EUR online, the owner
	// takes USD from the market maker and pays a new account; the issuer
	// blocks card B; a deposit through the Vault to a new account.
	usdOffer := w.offer(mm, w.usd, 1000_00, w.eur, 1000_00)
	cp := &ledger.ConvertPay{Owner: h1.Address(), Record: w.record(w.cardA, 20_00, h1.Address(), 2, ledger.CardModeOnline),
		Offers: []ledger.SignedOffer{usdOffer}, Takes: []uint256.Int{amt(20_00)}, Asset: w.usd, Amount: amt(20_00),
		Payee: w.payee.Address(), Nonce: w.nonce(h1)}
	w.submit(w.signed(h1, cp))
	w.submit(w.signed(issuer, &ledger.CardBlock{Issuer: issuer.Address(), Card: w.cardB.Address(), Reason: ledger.BlockLost, Nonce: w.nonce(issuer)}))
	w.deposited = w.fresh(6)
	w.deposit(w.deposited)
	w.settle()

	// The deposited account and the payee, known by number, are paid.
	w.submit(w.signed(h2, &ledger.Transfer{From: h2.Address(), To: w.deposited, Asset: w.eur, Amount: amt(1), Nonce: w.nonce(h2)}),
		w.signed(h2, &ledger.Transfer{From: h2.Address(), To: w.payee.Address(), Asset: w.eur, Amount: amt(1), Nonce: w.nonce(h2)}))
	w.settle()
	return w.ids
}

func (w *kindsWorkload) fresh(i uint32) ledger.Address {
	k, err := account.FromMnemonic(devchain.TestMnemonic, "", 900+i)
	if err != nil {
		w.t.Fatal(err)
	}
	return k.Address()
}

func (w *kindsWorkload) vault() ledger.Address {
	a, err := ledger.ParseAddress(w.d.Info.Contracts["vault"])
	if err != nil {
		w.t.Fatal(err)
	}
	return a
}

// deposit sends 1 ETH through the Vault to account and waits until node 0
// folded it.
func (w *kindsWorkload) deposit(to ledger.Address) {
	client := chain.NewClient(w.d.Chain.Attach())
	defer client.Close()
	v := chain.NewVault(client, common.Address(w.vault()))
	r, err := v.Deposit(w.ctx, v.Transactor(devchain.TestKey(6)), to, big.NewInt(1e18))
	if err != nil {
		w.t.Fatal(err)
	}
	for {
		if _, ok, err := w.n0.Bridge().Deposit(r.Index); err != nil {
			w.t.Fatal(err)
		} else if ok {
			return
		}
		select {
		case <-w.ctx.Done():
			w.t.Fatalf("deposit %d not folded", r.Index)
		case <-time.After(5 * time.Millisecond):
		}
	}
}
