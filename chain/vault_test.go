package chain_test

import (
	"context"
	"errors"
	"math/big"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/chain"
	"github.com/anonex/anonex/ledger"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/params"
	"github.com/holiman/uint256"
)

// accountRecoverer recovers senders with the account package.
type accountRecoverer struct{}

func (accountRecoverer) Recover(d ledger.Hash, s ledger.Sig) (ledger.Address, error) {
	return account.Recover(d, s)
}

type memState map[string][]byte

func (m memState) Get(k []byte) ([]byte, error) { return m[string(k)], nil }
func (m memState) commit(kvs []ledger.KV) {
	for _, kv := range kvs {
		if kv.Value == nil {
			delete(m, string(kv.Key))
		} else {
			m[string(kv.Key)] = kv.Value
		}
	}
}

// ledgerSim is a minimal settled ledger for the bridge tests: it folds the
// follower's stream exactly as a node does (listings and deposits as they
// come, batches through ledger.Fold) and keeps each batch's receipts.
type ledgerSim struct {
	mu       sync.Mutex
	state    memState
	tree     memState
	domain   ledger.Domain
	receipts map[uint64][]ledger.Receipt
	roots    map[uint64][2]ledger.Hash // state, receipts
	hashes   map[uint64]ledger.Hash
	deposits int
	seen     chan struct{}
}

func newLedgerSim(d ledger.Domain) *ledgerSim {
	return &ledgerSim{state: memState{}, tree: memState{}, domain: d, receipts: map[uint64][]ledger.Receipt{},
		roots: map[uint64][2]ledger.Hash{}, hashes: map[uint64]ledger.Hash{}, seen: make(chan struct{}, 1024)}
}

// onEvent folds one event the follower delivers.
func (l *ledgerSim) onEvent(ctx context.Context, ev chain.Event) error {
	if ev.Batch != nil {
		return l.onBatch(ctx, ev.Batch)
	}
	return l.onVault(ev)
}

func (l *ledgerSim) onVault(ev chain.Event) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := ledger.NewOverlay(l.state)
	if ev.Listing != nil {
		if err := ledger.ApplyListing(st, ev.Listing); err != nil {
			return err
		}
	} else {
		if _, err := ledger.ApplyDeposit(st, ev.Deposit); err != nil {
			return err
		}
		l.deposits++
	}
	writes := st.Writes()
	l.state.commit(writes)
	tree := ledger.NewTree(l.tree)
	if _, err := tree.Update(writes); err != nil {
		return err
	}
	l.tree.commit(tree.Writes())
	l.seen <- struct{}{}
	return nil
}

func (l *ledgerSim) onBatch(_ context.Context, ev *chain.Batch) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	btxs, err := ledger.DecodeBatch(ev.Data, l.state)
	if err != nil {
		return err
	}
	var vs []*ledger.Verified
	for _, bt := range btxs {
		if bt.Err != nil {
			continue
		}
		if v, err := ledger.Verify(bt.Tx, l.domain, accountRecoverer{}); err == nil {
			vs = append(vs, v)
		}
	}
	res, err := ledger.Fold(l.state, l.tree, vs, ledger.Env{Seq: ev.Seq})
	if err != nil {
		return err
	}
	l.state.commit(res.StateWrites)
	l.tree.commit(res.TreeWrites)
	l.receipts[ev.Seq] = res.Receipts
	l.roots[ev.Seq] = [2]ledger.Hash{res.StateRoot, res.ReceiptsRoot}
	l.hashes[ev.Seq] = ledger.Hash(ev.DataHash)
	l.seen <- struct{}{}
	return nil
}

func (l *ledgerSim) balance(a ledger.Address, asset ledger.Hash) *uint256.Int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return ledger.NewOverlay(l.state).Balance(a, asset)
}

func (l *ledgerSim) supply(asset ledger.Hash) *uint256.Int {
	l.mu.Lock()
	defer l.mu.Unlock()
	a, ok := ledger.NewOverlay(l.state).Asset(asset)
	if !ok {
		return new(uint256.Int)
	}
	return &a.Supply
}

// bridge is a chain with an Anchor, a Vault (3 attesters, 2 needed), a
// listed test token, and a ledger following both.
type bridge struct {
	*env
	client    *chain.Client
	vault     *chain.Vault
	token     common.Address
	chainID   uint64
	attesters []*account.Key // ascending by address
	owner     *chain.Transactor
	sub       *chain.Submitter
	sim       *ledgerSim
	domain    ledger.Domain
	eth, tok  ledger.Hash
}

func newBridge(t *testing.T) *bridge {
	t.Helper()
	e := newEnv(t)
	c := dial(t, e.eth.HTTPURL())
	b := &bridge{env: e, client: c, chainID: e.eth.ChainID().Uint64()}
	for i := 0; i < 3; i++ {
		k, err := account.FromBytes(crypto.Keccak256([]byte{byte(i), 'a', 't', 't'}))
		if err != nil {
			t.Fatal(err)
		}
		b.attesters = append(b.attesters, k)
	}
	sort.Slice(b.attesters, func(i, j int) bool {
		return strings.ToLower(b.attesters[i].Address().Hex()) < strings.ToLower(b.attesters[j].Address().Hex())
	})
	var addrs []common.Address
	for _, k := range b.attesters {
		addrs = append(addrs, common.Address(k.Address()))
	}
	b.owner = chain.NewTransactor(c, key0)
	vd, err := chain.DeployVault(ctx(t), b.owner, e.anchor, addrs, 2, b.owner.From())
	vaddr := vd.Address
	if err != nil {
		t.Fatal(err)
	}
	b.vault = chain.NewVault(c, vaddr)
	b.owner = b.vault.Transactor(key0)
	b.token, err = chain.DeployTestToken(ctx(t), b.owner, "Test Token", "TOK", 18)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.vault.ListToken(ctx(t), b.owner, b.token, "TOK", 18); err != nil {
		t.Fatal(err)
	}
	b.domain = ledger.NewDomain(b.chainID, ledger.Address(e.anchor))
	b.eth = ledger.BridgedAssetID(b.chainID, ledger.Address(vaddr), ledger.Address{})
	b.tok = ledger.BridgedAssetID(b.chainID, ledger.Address(vaddr), ledger.Address(b.token))
	settler, _ := crypto.ToECDSA(crypto.Keccak256([]byte("settler")))
	settlerAddr := crypto.PubkeyToAddress(settler.PublicKey)
	if _, err := b.owner.Send(ctx(t), &settlerAddr, nil, big.NewInt(params.Ether)); err != nil {
		t.Fatal(err)
	}
	b.sub = newSubmitter(t, e, c, settler)
	b.sim = newLedgerSim(b.domain)
	f, err := chain.NewFollower(chain.FollowerConfig{Client: c, Anchor: e.anchor, Vault: vaddr,
		From: e.deploy, PollInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Run(runCtx, chain.Cursor{}, b.sim.onEvent) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("follower: %v", err)
		}
	})
	return b
}

// await waits until the ledger has folded the stream through cond.
func (b *bridge) await(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for !cond() {
		select {
		case <-b.sim.seen:
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func (b *bridge) attest(t *testing.T, seq uint64, signers ...*account.Key) (ledger.Attestation, []ledger.Sig) {
	t.Helper()
	b.sim.mu.Lock()
	roots, hash := b.sim.roots[seq], b.sim.hashes[seq]
	b.sim.mu.Unlock()
	a := ledger.Attestation{Seq: seq, DataHash: hash, StateRoot: roots[0], ReceiptsRoot: roots[1]}
	digest := a.Digest(b.chainID, ledger.Address(b.vault.Address))
	var sigs []ledger.Sig
	for _, k := range signers {
		s, err := k.Sign(digest)
		if err != nil {
			t.Fatal(err)
		}
		sigs = append(sigs, s)
	}
	return a, sigs
}

func (b *bridge) proof(t *testing.T, seq uint64, id ledger.Hash) (uint64, uint64, []ledger.Hash) {
	t.Helper()
	b.sim.mu.Lock()
	rs := b.sim.receipts[seq]
	b.sim.mu.Unlock()
	for i, r := range rs {
		if r.TxID == id {
			p, err := ledger.ReceiptProof(rs, i)
			if err != nil {
				t.Fatal(err)
			}
			return uint64(i), uint64(len(rs)), p
		}
	}
	t.Fatalf("no receipt for %s in batch %d", id, seq)
	return 0, 0, nil
}

func (b *bridge) settle(t *testing.T, txs ...*ledger.Tx) uint64 {
	t.Helper()
	b.sim.mu.Lock()
	bb := ledger.NewBatchBuilder(b.sim.state)
	b.sim.mu.Unlock()
	for _, tx := range txs {
		if !bb.Add(tx) {
			t.Fatal("batch full")
		}
	}
	res, err := b.sub.Submit(ctx(t), bb.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	b.await(t, "the batch", func() bool {
		b.sim.mu.Lock()
		defer b.sim.mu.Unlock()
		_, ok := b.sim.roots[res.Seq]
		return ok
	})
	return res.Seq
}

func signTx(t *testing.T, k *account.Key, p ledger.Payload, d ledger.Domain) *ledger.Tx {
	t.Helper()
	s, err := k.Sign(d.Digest(p.StructHash()))
	if err != nil {
		t.Fatal(err)
	}
	return &ledger.Tx{Payload: p, Sig: s}
}

func wantRevert(t *testing.T, err error, name string) {
	t.Helper()
	var re *chain.RevertError
	if !errors.As(err, &re) || !strings.HasPrefix(re.Reason, name) {
		t.Fatalf("want revert %s, got %v", name, err)
	}
}

func TestVaultDepositWithdraw(t *testing.T) {
	b := newBridge(t)
	c := ctx(t)

	// The contract and the ledger agree on asset ids, withdrawal ids and
	// attestation digests.
	if id, err := b.vault.AssetID(c, common.Address{}); err != nil || id != b.eth {
		t.Fatalf("vault ETH asset id %s (%v), ledger %s", id, err, b.eth)
	}
	if id, err := b.vault.AssetID(c, b.token); err != nil || id != b.tok {
		t.Fatalf("vault token asset id %s (%v), ledger %s", id, err, b.tok)
	}

	user, err := account.FromBytes(crypto.FromECDSA(key1))
	if err != nil {
		t.Fatal(err)
	}
	payee := common.HexToAddress("0x00000000000000000000000000000000000badee")
	ut := b.vault.Transactor(key1)

	// Deposits to malformed accounts fail before anything is sent.
	if _, err := b.vault.Deposit(c, ut, ledger.Address{}, big.NewInt(1)); err == nil {
		t.Fatal("deposit to the zero account accepted")
	}
	_, err = ut.Send(c, &b.vault.Address, mustPack(t, "deposit", common.Address{}), big.NewInt(1))
	wantRevert(t, err, "ZeroAccount")
	_, err = ut.Send(c, &b.vault.Address, mustPack(t, "deposit", common.Address(user.Address())), nil)
	wantRevert(t, err, "ZeroAmount")

	oneEth := new(big.Int).Exp(big.NewInt(10), big.NewInt(18), nil)
	d1, err := b.vault.Deposit(c, ut, user.Address(), oneEth)
	if err != nil {
		t.Fatal(err)
	}
	if d1.Index != 0 || d1.Asset != b.eth {
		t.Fatalf("deposit: %+v", d1)
	}
	if err := chain.MintTestToken(c, b.owner, b.token, crypto.PubkeyToAddress(key1.PublicKey), big.NewInt(5000)); err != nil {
		t.Fatal(err)
	}
	d2, err := b.vault.DepositToken(c, ut, b.token, user.Address(), big.NewInt(3000))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("gas: ETH deposit %d, token deposit %d (after approve)", d1.GasUsed, d2.GasUsed)
	b.await(t, "the deposits", func() bool { return b.sim.balance(user.Address(), b.tok).Uint64() == 3000 })
	if got := b.sim.balance(user.Address(), b.eth); got.ToBig().Cmp(oneEth) != 0 {
		t.Fatalf("ledger ETH %s after a 1 ETH deposit", got)
	}

	// Burn 0.25 ETH on the ledger for payee; settle it.
	quarter := new(uint256.Int).Div(uint256.MustFromBig(oneEth), uint256.NewInt(4))
	w := &ledger.Withdraw{Account: user.Address(), Asset: b.eth, Amount: *quarter, To: ledger.Address(payee), Nonce: 0}
	wtx := signTx(t, user, w, b.domain)
	id := wtx.ID(b.domain)
	if vid, err := b.vault.WithdrawalID(c, w); err != nil || vid != id {
		t.Fatalf("vault withdrawal id %s (%v), ledger %s", vid, err, id)
	}
	other := &ledger.Transfer{From: user.Address(), To: ledger.Address{0x77}, Asset: b.tok, Amount: *uint256.NewInt(10), Nonce: 1}
	seq := b.settle(t, wtx, signTx(t, user, other, b.domain))
	index, size, proof := b.proof(t, seq, id)
	if size != 2 {
		t.Fatalf("batch has %d receipts", size)
	}
	if s := b.sim.supply(b.eth); s.ToBig().Cmp(new(big.Int).Sub(oneEth, quarter.ToBig())) != 0 {
		t.Fatalf("ETH supply %s after the burn", s)
	}

	// Not confirmed yet: nothing can be paid.
	_, err = b.vault.Withdraw(c, ut, w, seq, index, size, proof)
	wantRevert(t, err, "BatchNotConfirmed")

	a, sigs := b.attest(t, seq, b.attesters[0], b.attesters[2])
	if d, err := b.vault.AttestationDigest(c, a); err != nil || d != a.Digest(b.chainID, ledger.Address(b.vault.Address)) {
		t.Fatalf("vault attestation digest %s (%v)", d, err)
	}
	// Attestations that must fail.
	_, err = b.vault.ConfirmBatch(c, ut, a, sigs[:1])
	wantRevert(t, err, "BelowThreshold")
	_, err = b.vault.ConfirmBatch(c, ut, a, []ledger.Sig{sigs[1], sigs[0]})
	wantRevert(t, err, "SignersNotAscending")
	_, err = b.vault.ConfirmBatch(c, ut, a, []ledger.Sig{sigs[0], sigs[0]})
	wantRevert(t, err, "SignersNotAscending")
	stranger, _ := account.FromBytes(crypto.Keccak256([]byte("stranger")))
	_, sx := b.attest(t, seq, stranger)
	_, err = b.vault.ConfirmBatch(c, ut, a, []ledger.Sig{sigs[0], sx[0]})
	if err == nil {
		t.Fatal("a stranger's signature counted")
	}
	bad := a
	bad.DataHash[0] ^= 1
	_, err = b.vault.ConfirmBatch(c, ut, bad, sigs)
	wantRevert(t, err, "DataHashMismatch")
	future := a
	future.Seq = 99
	_, err = b.vault.ConfirmBatch(c, ut, future, sigs)
	wantRevert(t, err, "UnknownBatch")
	forgedRoot := a
	forgedRoot.ReceiptsRoot[0] ^= 1
	_, err = b.vault.ConfirmBatch(c, ut, forgedRoot, sigs) // signatures over other roots
	if err == nil {
		t.Fatal("signatures over other roots accepted")
	}

	// Signatures made for another chain's (or another vault's) domain
	// recover to strangers.
	var otherChain []ledger.Sig
	for _, d := range []ledger.Hash{a.Digest(b.chainID+1, ledger.Address(b.vault.Address)), a.Digest(b.chainID, ledger.Address{1})} {
		s0, _ := b.attesters[0].Sign(d)
		s1, _ := b.attesters[1].Sign(d)
		otherChain = []ledger.Sig{s0, s1}
		if _, err := b.vault.ConfirmBatch(c, ut, a, otherChain); err == nil {
			t.Fatal("an attestation for another domain was accepted")
		}
	}

	r, err := b.vault.ConfirmBatch(c, ut, a, sigs)
	if err != nil {
		t.Fatal(err)
	}
	confirmGas := r.GasUsed
	if _, err := b.vault.ConfirmBatch(c, ut, a, sigs); err != nil { // idempotent
		t.Fatalf("confirming again: %v", err)
	}
	// Two attesters who sign other roots for a confirmed batch cannot
	// replace it.
	_, csigs := func() (ledger.Attestation, []ledger.Sig) {
		digest := forgedRoot.Digest(b.chainID, ledger.Address(b.vault.Address))
		var out []ledger.Sig
		for _, k := range []*account.Key{b.attesters[0], b.attesters[1]} {
			s, _ := k.Sign(digest)
			out = append(out, s)
		}
		return forgedRoot, out
	}()
	_, err = b.vault.ConfirmBatch(c, ut, forgedRoot, csigs)
	wantRevert(t, err, "ConflictingAttestation")

	// Forged proofs: another amount, another recipient, another index, a
	// tampered path, a withdrawal signed for another chain.
	forged := *w
	forged.Amount = *new(uint256.Int).Mul(quarter, uint256.NewInt(2))
	_, err = b.vault.Withdraw(c, ut, &forged, seq, index, size, proof)
	wantRevert(t, err, "BadProof")
	forged = *w
	forged.To = ledger.Address(crypto.PubkeyToAddress(key1.PublicKey))
	_, err = b.vault.Withdraw(c, ut, &forged, seq, index, size, proof)
	wantRevert(t, err, "BadProof")
	tampered := append([]ledger.Hash(nil), proof...)
	tampered[0][5] ^= 0x10
	_, err = b.vault.Withdraw(c, ut, w, seq, index, size, tampered)
	wantRevert(t, err, "BadProof")
	// The transfer's receipt is in the same batch: its proof does not make
	// it a withdrawal.
	_, err = b.vault.Withdraw(c, ut, w, seq, index^1, size, proof)
	wantRevert(t, err, "BadProof")

	before, _ := b.client.Eth().BalanceAt(c, payee, nil)
	r, err = b.vault.Withdraw(c, ut, w, seq, index, size, proof)
	if err != nil {
		t.Fatal(err)
	}
	after, _ := b.client.Eth().BalanceAt(c, payee, nil)
	if new(big.Int).Sub(after, before).Cmp(quarter.ToBig()) != 0 {
		t.Fatalf("payee got %s, want %s", new(big.Int).Sub(after, before), quarter)
	}
	t.Logf("gas: confirm batch (2 signatures) %d, withdraw ETH %d", confirmGas, r.GasUsed)
	if paid, _ := b.vault.Paid(c, id); !paid {
		t.Fatal("not marked paid")
	}
	// Replay.
	_, err = b.vault.Withdraw(c, ut, w, seq, index, size, proof)
	wantRevert(t, err, "AlreadyPaid")

	// Token withdrawal; a withdrawal of an issued (unbridged) asset fails on
	// the ledger and leaves no OK receipt to prove.
	wt := &ledger.Withdraw{Account: user.Address(), Asset: b.tok, Amount: *uint256.NewInt(1000), To: ledger.Address(payee), Nonce: 2}
	wttx := signTx(t, user, wt, b.domain)
	issue := &ledger.IssueAsset{Issuer: user.Address(), Symbol: "GIFT", Supply: *uint256.NewInt(5), Nonce: 3}
	itx := signTx(t, user, issue, b.domain)
	wg := &ledger.Withdraw{Account: user.Address(), Asset: itx.ID(b.domain), Amount: *uint256.NewInt(1), To: ledger.Address(payee), Nonce: 4}
	wgtx := signTx(t, user, wg, b.domain)
	seq2 := b.settle(t, wttx, itx, wgtx)
	b.sim.mu.Lock()
	rs := b.sim.receipts[seq2]
	b.sim.mu.Unlock()
	if len(rs) != 3 || rs[2].Reason != ledger.ReasonNotBridged {
		t.Fatalf("receipts: %+v", rs)
	}
	a2, sigs2 := b.attest(t, seq2, b.attesters[1], b.attesters[2])
	if _, err := b.vault.ConfirmBatch(c, ut, a2, sigs2); err != nil {
		t.Fatal(err)
	}
	i2, n2, p2 := b.proof(t, seq2, wgtx.ID(b.domain))
	_, err = b.vault.Withdraw(c, ut, wg, seq2, i2, n2, p2)
	wantRevert(t, err, "BadProof") // the failed receipt hashes differently
	i2, n2, p2 = b.proof(t, seq2, wttx.ID(b.domain))
	r, err = b.vault.Withdraw(c, ut, wt, seq2, i2, n2, p2)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("gas: withdraw token %d", r.GasUsed)
	if bal, err := chain.TokenBalance(c, b.client, b.token, payee); err != nil || bal.Int64() != 1000 {
		t.Fatalf("payee token balance %v (%v)", bal, err)
	}
	if bal, _ := chain.TokenBalance(c, b.client, b.token, b.vault.Address); bal.Int64() != 2000 {
		t.Fatalf("vault holds %v tokens, want 2000", bal)
	}
}

func mustPack(t *testing.T, method string, args ...any) []byte {
	t.Helper()
	v := chain.NewVault(nil, common.Address{})
	a := v.ABIs()[0]
	data, err := a.Pack(method, args...)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// seedEnv replays a random test: a failing run logs its seed, and
// ANONEX_TEST_SEED=<seed> go test -run <test> runs the same steps again.
const seedEnv = "ANONEX_TEST_SEED"

// testSeed is the seed of a random test: $ANONEX_TEST_SEED when set, else
// a fresh one. Either way it is logged, and named again if the test fails.
func testSeed(t *testing.T) uint64 {
	t.Helper()
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv(seedEnv); v != "" {
		var err error
		if seed, err = strconv.ParseUint(v, 0, 64); err != nil {
			t.Fatalf("%s=%q: %v", seedEnv, v, err)
		}
	}
	t.Logf("seed %d (replay: %s=%d go test -run '^%s$')", seed, seedEnv, seed, t.Name())
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("replay this run with %s=%d go test -run '^%s$' ./chain/", seedEnv, seed, t.Name())
		}
	})
	return seed
}

// The bridge invariant, over random deposits, transfers, fills and
// withdrawals on the real chain: for each bridged asset the Vault's
// holdings equal the ledger supply plus the withdrawals burned on the
// ledger and not yet paid.
func TestVaultInvariant(t *testing.T) {
	b := newBridge(t)
	c := ctx(t)
	rng := rand.New(rand.NewPCG(testSeed(t), 7))

	// Three users, each funded on Ethereum with ETH and tokens.
	type user struct {
		key   *account.Key
		tr    *chain.Transactor
		nonce uint64
	}
	var users []*user
	for i := 0; i < 3; i++ {
		ek, _ := crypto.ToECDSA(crypto.Keccak256([]byte{byte(i), 'u'}))
		k, _ := account.FromBytes(crypto.FromECDSA(ek))
		addr := crypto.PubkeyToAddress(ek.PublicKey)
		if _, err := b.owner.Send(c, &addr, nil, new(big.Int).Mul(big.NewInt(100), big.NewInt(params.Ether))); err != nil {
			t.Fatal(err)
		}
		if err := chain.MintTestToken(c, b.owner, b.token, addr, big.NewInt(1_000_000)); err != nil {
			t.Fatal(err)
		}
		users = append(users, &user{key: k, tr: b.vault.Transactor(ek)})
	}
	type unpaid struct {
		w   *ledger.Withdraw
		id  ledger.Hash
		seq uint64
	}
	var (
		pending  []unpaid // settled burns, not paid yet
		burned   = map[ledger.Hash]*big.Int{b.eth: new(big.Int), b.tok: new(big.Int)}
		deposits = 0
		applied  = map[ledger.Kind]int{}
		token    = map[ledger.Hash]common.Address{b.eth: {}, b.tok: b.token}
	)
	check := func(step int) {
		t.Helper()
		b.await(t, "the deposits", func() bool {
			b.sim.mu.Lock()
			defer b.sim.mu.Unlock()
			return b.sim.deposits == deposits
		})
		for asset, tok := range token {
			var held *big.Int
			var err error
			if tok == (common.Address{}) {
				held, err = b.client.Eth().BalanceAt(c, b.vault.Address, nil)
			} else {
				held, err = chain.TokenBalance(c, b.client, tok, b.vault.Address)
			}
			if err != nil {
				t.Fatal(err)
			}
			want := new(big.Int).Add(b.sim.supply(asset).ToBig(), burned[asset])
			if held.Cmp(want) != 0 {
				t.Fatalf("step %d, asset %s: the vault holds %s, ledger supply + unpaid = %s", step, asset, held, want)
			}
		}
	}
	amount := func(max int64) *big.Int { return big.NewInt(1 + rng.Int64N(max)) }
	assets := []ledger.Hash{b.eth, b.tok}
	// 60 steps, and more until a transfer and a withdrawal have applied
	// (a seed can draw 60 steps without one: the run would mean little).
	enough := func() bool { return applied[ledger.KindWithdraw] > 0 && applied[ledger.KindTransfer] > 0 }
	for step := 0; step < 60 || (!enough() && step < 300); step++ {
		u := users[rng.IntN(len(users))]
		asset := assets[rng.IntN(2)]
		switch op := rng.IntN(5); op {
		case 0, 1: // deposit
			var err error
			if asset == b.eth {
				_, err = b.vault.Deposit(c, u.tr, u.key.Address(), amount(1e6))
			} else {
				_, err = b.vault.DepositToken(c, u.tr, b.token, u.key.Address(), amount(5000))
			}
			if err != nil {
				t.Fatal(err)
			}
			deposits++
		case 2: // a batch of transfers, a fill and withdrawals
			var txs []*ledger.Tx
			var burns []unpaid
			for n := 1 + rng.IntN(4); n > 0; n-- {
				from := users[rng.IntN(len(users))]
				asset := assets[rng.IntN(2)]
				amt := uint256.MustFromBig(amount(3000))
				switch rng.IntN(3) {
				case 0:
					to := users[rng.IntN(len(users))]
					if to == from {
						continue
					}
					txs = append(txs, signTx(t, from.key, &ledger.Transfer{From: from.key.Address(), To: to.key.Address(),
						Asset: asset, Amount: *amt, Nonce: from.nonce}, b.domain))
				case 1:
					maker := users[rng.IntN(len(users))]
					if maker == from {
						continue
					}
					o := ledger.Offer{Maker: maker.key.Address(), Give: b.tok, GiveAmount: *uint256.NewInt(100),
						Want: b.eth, WantAmount: *uint256.NewInt(7), Partial: true, Expiry: uint64(time.Now().Add(time.Hour).Unix())}
					o.Salt[0] = byte(step)
					sig, _ := maker.key.Sign(b.domain.Digest(o.StructHash()))
					txs = append(txs, signTx(t, from.key, &ledger.Fill{Taker: from.key.Address(),
						Offer: ledger.SignedOffer{Offer: o, Sig: sig}, Take: *uint256.NewInt(uint64(1 + rng.IntN(100))), Nonce: from.nonce}, b.domain))
				default:
					w := &ledger.Withdraw{Account: from.key.Address(), Asset: asset, Amount: *amt,
						To: ledger.Address(common.BigToAddress(big.NewInt(0xbeef))), Nonce: from.nonce}
					tx := signTx(t, from.key, w, b.domain)
					txs = append(txs, tx)
					burns = append(burns, unpaid{w: w, id: tx.ID(b.domain)})
				}
				from.nonce++
			}
			if len(txs) == 0 {
				continue
			}
			seq := b.settle(t, txs...)
			b.sim.mu.Lock()
			ok := map[ledger.Hash]bool{}
			for _, r := range b.sim.receipts[seq] {
				ok[r.TxID] = r.Status == ledger.StatusOK
				if r.Status == ledger.StatusOK {
					applied[r.Kind]++
				}
			}
			b.sim.mu.Unlock()
			for _, bu := range burns {
				if ok[bu.id] { // a failed burn (insufficient funds) burned nothing
					bu.seq = seq
					pending = append(pending, bu)
					burned[bu.w.Asset].Add(burned[bu.w.Asset], bu.w.Amount.ToBig())
				}
			}
			a, sigs := b.attest(t, seq, b.attesters[0], b.attesters[1])
			if _, err := b.vault.ConfirmBatch(c, u.tr, a, sigs); err != nil {
				t.Fatal(err)
			}
		default: // pay a pending withdrawal
			if len(pending) == 0 {
				continue
			}
			i := rng.IntN(len(pending))
			p := pending[i]
			index, size, proof := b.proof(t, p.seq, p.id)
			if _, err := b.vault.Withdraw(c, u.tr, p.w, p.seq, index, size, proof); err != nil {
				t.Fatal(err)
			}
			burned[p.w.Asset].Sub(burned[p.w.Asset], p.w.Amount.ToBig())
			pending = append(pending[:i], pending[i+1:]...)
		}
		check(step)
	}
	t.Logf("%d deposits, %d withdrawals left unpaid; applied: %v", deposits, len(pending), applied)
	if !enough() {
		t.Fatalf("the random run applied too little to mean anything in 300 steps: %v", applied)
	}
}
