package devnet

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/big"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/cardbridge/cardclient"
	"github.com/anonex/anonex/cardbridge/cardproto"
	"github.com/anonex/anonex/cardbridge/pcsc"
	"github.com/anonex/anonex/cardbridge/pcsctest"
	"github.com/anonex/anonex/cardbridge/terminal"
	"github.com/anonex/anonex/cardbridge/terminal/queue"
	"github.com/anonex/anonex/chain"
	"github.com/anonex/anonex/chain/devchain"
	"github.com/anonex/anonex/client"
	"github.com/anonex/anonex/contracts/bindings"
	"github.com/anonex/anonex/ledger"
	"github.com/anonex/anonex/node"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/holiman/uint256"
)

// TestChaosChecker is a Jepsen-style checker on a whole devnet: the
// embedded chain, three nodes, the Vault, the market maker, and two cards
// in vpcd's readers behind the real pcscd (started by the test when none
// runs; the devnet's own path, never its in-process fallback). Seeded
// random operations enter at random nodes:
//
//   - transfers between holders, transfers from accounts that hold
//     nothing (refused), fills of the market maker's offers, issues of new
//     assets, withdrawals of ETH and claims of them at the Vault, ETH and
//     token deposits to the Vault;
//   - card payments at a terminal (the devnet's payee, trusted issuer and
//     floor, its own durable queue): offline below the floor (the card
//     signs, the terminal queues the record and forwards it to a node that
//     may be down), online above it or past the card's offline limits (the
//     terminal writes the issuer's update value first, PIN above the no-PIN
//     limit), in EUR and in ETH; card loads (transfers to the card account
//     that later online payments bring onto the card) and card updates
//     (the issuer's newest update value written to the card);
//
// while faults are injected:
//
//   - reorgs of the chain, depth 1 to 6, whose new blocks carry a deposit
//     the old ones did not;
//   - node kills: a node (the settler and issuer included) is stopped as a
//     crash would stop it (Devnet.StopNode: in-process, its work cancelled
//     where it stands; the kill -9 of real processes is TestNodeCrashLoop's
//     and TestDevnetCrashLoop's) and restarted from its data directory some
//     operations later, while operations go on at the other nodes;
//   - restarts of the chain, with every node (the devnet closed and started
//     again on its data directory: Ethereum, nodes, cards, market maker).
//
// Every run has at least one node kill and one chain restart. At
// checkpoints (mid-run and at the end: every node up, the terminal's queue
// forwarded, the chain quiet) it checks against its own model of what it
// did:
//
//   - every acknowledged transaction is settled or failed with a reason, on
//     every node; every record a card signed is settled (a genuine card's
//     record never fails);
//   - every node has the same settled root (at the end: also a node that
//     folds the chain from scratch);
//   - each asset's supply is what was issued plus what was deposited minus
//     what was withdrawn, counted by the checker; the balances sum to it and
//     none is above it (a balance driven below zero wraps around);
//   - the Vault holds the ledger's bridged ETH plus every withdrawal burned
//     on the ledger and not paid yet, and the ledger's whole token supply;
//   - per card and purse: the ledger's credits are the loads the checker
//     made, the card's settled debits are every record it signed (its D),
//     D ≤ the card's T ≤ the ledger's credits, and the card account's
//     balance is credits minus debits.
//
// Finally every withdrawal is claimed and the Vault holds exactly the
// ledger's ETH.
//
// ANONEX_CHAOS_OPS sets the number of operations (150 in make test, 300 in
// make chaos), ANONEX_CHAOS_SEED replays a run: the operations and their
// arguments come from the seed alone. Timing does not (gossip, batching,
// which transactions share a batch, whether a record reached its node
// before a kill, which withdrawal is settled when a claim picks one), so a
// replay takes the same steps, not the same interleaving. A failure prints
// the seed and the last 60 steps; ANONEX_CHAOS_HISTORY=1 logs every step
// of a passing run.
func TestChaosChecker(t *testing.T) {
	ops, seed := 150, uint64(time.Now().UnixNano())
	if v := os.Getenv("ANONEX_CHAOS_OPS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("ANONEX_CHAOS_OPS=%q", v)
		}
		ops = n
	}
	if v := os.Getenv("ANONEX_CHAOS_SEED"); v != "" {
		s, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("ANONEX_CHAOS_SEED=%q", v)
		}
		seed = s
	}
	t.Logf("chaos checker: %d operations, seed %d (replay: ANONEX_CHAOS_SEED=%d ANONEX_CHAOS_OPS=%d)", ops, seed, seed, ops)
	// The cards go into vpcd's readers through pcscd: one test binary at a
	// time there (the lock order of cardbridge/pcsctest).
	unlock, err := pcsctest.LockReaders()
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	stopPCSC, err := pcsctest.StartDaemon()
	if err != nil {
		t.Fatal(err)
	}
	defer stopPCSC()
	c := newChaos(t, ops, seed)
	defer c.close()
	c.run()
}

// Draws per operation: each operation takes the same number of values
// from the seeded generator whatever happens, so what timing changes
// (which withdrawals are settled, which node answered) never shifts the
// operations after it.
const drawsPerOp = 6

type draw [drawsPerOp]uint64

func (d *draw) n(k, n int) int { return int(d[k] % uint64(n)) }

type holder struct {
	key   *account.Key
	nonce uint64
}

// ackedTx is a transaction a node acknowledged.
type ackedTx struct {
	id   ledger.Hash
	what string
	// how and where it was acknowledged: "pending" or "queued" (waiting
	// for an earlier nonce) at node, or a card's record ("record").
	how  string
	node int
}

type withdrawal struct {
	id     ledger.Hash
	amount *uint256.Int
}

type issuance struct {
	id     ledger.Hash // the tx id, which is the asset id
	supply uint64
}

type loadTx struct {
	id     ledger.Hash
	card   int
	asset  ledger.Hash
	amount *uint256.Int
}

// cardRecord is a record a card signed: a terminal holds it (queued or
// forwarded), whether it approved the payment or not.
type cardRecord struct {
	id     ledger.Hash
	card   int
	asset  ledger.Hash
	amount *uint256.Int
	mode   string
}

type chaos struct {
	t        *testing.T
	ops      int
	seed     uint64
	r        *rand.Rand
	ctx      context.Context
	cancel   context.CancelFunc
	cfg      Config
	d        *Devnet
	history  []string
	op       int
	killAt   int // a node kill and a chain restart every run has
	chainAt  int
	down     int // the node that is down, or -1
	upAt     int // the operation at which it comes back
	every    int // operations between checkpoints
	started  time.Time
	watchEnd func()

	eur, eth, tok ledger.Hash
	dom           ledger.Domain
	holders       []*holder
	client        *chain.Client
	vaultAddr     common.Address
	tokenAddr     common.Address
	vault         *chain.Vault
	claimer       *chain.Transactor

	pc     *pcsc.Context
	cards  []ledger.Address
	queue  *queue.Queue
	term   terminal.Config
	issuer ledger.Address

	// The model: what the checker did and the nodes acknowledged.
	acked       []ackedTx
	deposited   map[ledger.Hash]*uint256.Int // by the checker, per bridged asset
	withdrawals []withdrawal
	issues      []issuance
	loads       []loadTx
	records     []cardRecord

	stats struct {
		fills, deposits, reorgs, kills, chainRestarts, claims, offline, online, declined, checkpoints int
	}
	rollbacks atomic.Int64
	progress  atomic.Int64 // when the last step was logged (Unix ns)
	at        atomic.Int64 // the operation under way, for the watchdog
	mu        sync.Mutex   // guards history against the watchdog
}

func newChaos(t *testing.T, ops int, seed uint64) *chaos {
	c := &chaos{t: t, ops: ops, seed: seed, r: rand.New(rand.NewPCG(seed, 0xc4ec)), down: -1,
		deposited: map[ledger.Hash]*uint256.Int{}}
	c.ctx, c.cancel = context.WithTimeout(context.Background(), 25*time.Minute)
	c.cfg = Config{HTTPAddr: "127.0.0.1:0", WSAddr: "127.0.0.1:0", DataDir: t.TempDir(), Cards: 2}
	c.killAt, c.chainAt = c.r.IntN(max(1, ops/2)), ops/4+c.r.IntN(max(1, ops/2))
	c.every = max(ops/2, 1)
	if ops >= 200 {
		c.every = 100
	}
	c.started = time.Now()
	c.progress.Store(c.started.UnixNano())
	go c.watchdog()
	d, err := Start(c.ctx, c.cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.d = d
	for i, ci := range d.Info.Cards {
		if ci.Transport != "pcsc" {
			c.fail("card %d is not behind pcscd (%s): %s", i, ci.Transport, d.Info.CardNotice)
		}
		a, _ := ledger.ParseAddress(ci.Address)
		c.cards = append(c.cards, a)
	}
	if len(c.cards) != 2 {
		c.fail("the devnet has %d cards, want 2", len(c.cards))
	}
	c.eur, c.eth, c.tok = d.AssetID("EUR"), d.AssetID("ETH"), d.AssetID(TokenSymbol)
	c.dom = d.Nodes[0].Domain()
	for _, a := range d.Info.Accounts {
		if strings.HasPrefix(a.Role, "holder-") {
			k, err := account.LoadKeyFile(a.Keystore, a.Password)
			if err != nil {
				t.Fatal(err)
			}
			info, err := d.Nodes[0].Account(k.Address())
			if err != nil {
				t.Fatal(err)
			}
			c.holders = append(c.holders, &holder{key: k, nonce: info.Nonce})
		}
	}
	c.vaultAddr = common.HexToAddress(d.Info.Contracts["vault"])
	c.tokenAddr = common.HexToAddress(d.Info.Contracts["token"])
	c.attachChain()

	if c.pc, err = pcsc.Open(); err != nil {
		t.Fatal(err)
	}
	if c.queue, err = queue.Open(filepath.Join(t.TempDir(), "terminal")); err != nil {
		t.Fatal(err)
	}
	ti := d.Info.Terminal
	payee, _ := ledger.ParseAddress(ti.Payee)
	c.issuer, _ = ledger.ParseAddress(ti.Trusted[0])
	floor := map[ledger.Hash]*uint256.Int{}
	for id, amt := range ti.Floor {
		h, _ := ledger.ParseHash(id)
		u, err := ledger.ParseAmount(amt, 2)
		if err != nil {
			t.Fatal(err)
		}
		floor[h] = u
	}
	c.term = terminal.Config{Domain: c.dom, Payee: payee, Trusted: []ledger.Address{c.issuer}, Floor: floor, Queue: c.queue}
	c.watch()
	c.log("devnet up in %s: nodes, chain, Vault, market maker, cards %s and %s in %s and %s", time.Since(c.started).Round(time.Millisecond),
		c.cards[0].Hex(), c.cards[1].Hex(), d.Info.Cards[0].Reader, d.Info.Cards[1].Reader)
	return c
}

// attachChain connects the checker to the (re)started chain.
func (c *chaos) attachChain() {
	if c.client != nil {
		c.client.Close()
	}
	c.client = chain.NewClient(c.d.Chain.Attach())
	c.vault = chain.NewVault(c.client, c.vaultAddr)
	c.claimer = c.vault.Transactor(devchain.TestKey(7))
}

// watch counts the rollbacks node 1 reports (again after it restarts).
func (c *chaos) watch() {
	if c.watchEnd != nil {
		c.watchEnd()
	}
	events, end, ok := c.d.Nodes[1].Subscribe()
	if !ok {
		c.fail("cannot subscribe to node 1's events")
	}
	c.watchEnd = end
	go func() {
		for ev := range events {
			if ev.Type == "reorg" {
				c.rollbacks.Add(1)
			}
		}
	}()
}

func (c *chaos) close() {
	if c.watchEnd != nil {
		c.watchEnd()
	}
	if c.client != nil {
		c.client.Close()
	}
	if c.d != nil {
		c.d.Close()
	}
	if c.queue != nil {
		c.queue.Close()
	}
	if c.pc != nil {
		c.pc.Release()
	}
	c.cancel()
}

// opTimeout bounds one operation: a chain or node that hangs fails the
// run with its history instead of hanging it.
const opTimeout = 60 * time.Second

func (c *chaos) bounded() (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.ctx, opTimeout)
}

func (c *chaos) log(format string, args ...any) {
	c.mu.Lock()
	c.history = append(c.history, fmt.Sprintf("%4d %s", c.op, fmt.Sprintf(format, args...)))
	c.mu.Unlock()
	c.progress.Store(time.Now().UnixNano())
}

// stallTimeout: with no step logged for this long the run is hung
// somewhere no operation's deadline reaches (a node or the chain that
// does not stop, say); the watchdog then ends it with the seed, the last
// steps and every goroutine's stack.
const stallTimeout = 4 * time.Minute

func (c *chaos) watchdog() {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-t.C:
		}
		if since := time.Since(time.Unix(0, c.progress.Load())); since > stallTimeout {
			panic(c.report(fmt.Sprintf("no step for %s: hung", since.Round(time.Second))))
		}
	}
}

// fail stops the run with the seed and the last steps.
func (c *chaos) fail(format string, args ...any) {
	c.t.Helper()
	c.t.Fatal(c.report(fmt.Sprintf(format, args...)))
}

// report is a failure's account: the seed to replay, the last steps, and
// a file with every goroutine's stack for the post-mortem of a hang.
func (c *chaos) report(what string) string {
	c.mu.Lock()
	h := c.history
	c.mu.Unlock()
	const keep = 60
	skipped := ""
	if len(h) > keep {
		skipped = fmt.Sprintf("  (%d earlier steps)\n", len(h)-keep)
		h = h[len(h)-keep:]
	}
	stacks := filepath.Join(os.TempDir(), fmt.Sprintf("anonex-chaos-%d.stacks", c.seed))
	buf := make([]byte, 64<<20)
	if err := os.WriteFile(stacks, buf[:runtime.Stack(buf, true)], 0o600); err != nil {
		stacks = err.Error()
	}
	return fmt.Sprintf("seed %d, operation %d of %d: %s\nreplay: ANONEX_CHAOS_SEED=%d ANONEX_CHAOS_OPS=%d go test -run TestChaosChecker ./devnet/\ngoroutines: %s\nlast steps:\n%s%s",
		c.seed, c.at.Load(), c.ops, what, c.seed, c.ops, stacks, skipped, strings.Join(h, "\n"))
}

// live lists the nodes that run.
func (c *chaos) live() []int {
	var out []int
	for i := range c.d.Nodes {
		if i != c.down {
			out = append(out, i)
		}
	}
	return out
}

// api returns an API client of node i (its address survives a kill).
func (c *chaos) api(i int) *client.Client {
	cl := client.New(c.d.Info.Nodes[i].API, c.d.Info.Nodes[i].APIToken)
	cl.HTTP = &http.Client{Timeout: 10 * time.Second}
	return cl
}

func (c *chaos) run() {
	for c.op = 0; c.op < c.ops; c.op++ {
		c.at.Store(int64(c.op))
		var dr draw
		for k := range dr {
			dr[k] = c.r.Uint64()
		}
		if c.down >= 0 && c.op >= c.upAt {
			c.startNode()
		}
		switch {
		case c.op == c.killAt && c.down < 0:
			c.kill(dr)
		case c.op == c.chainAt:
			c.restartChain()
		default:
			c.step(dr)
		}
		if dr.n(5, 4) == 0 {
			time.Sleep(time.Duration(dr.n(5, 120)/4) * time.Millisecond)
		}
		if (c.op+1)%c.every == 0 || c.op == c.ops-1 {
			c.checkpoint()
		}
	}
	c.finish()
}

// step runs one random operation.
func (c *chaos) step(dr draw) {
	h := c.holders[dr.n(0, len(c.holders))]
	to := c.holders[dr.n(2, len(c.holders))]
	switch x := dr.n(1, 1000); {
	case x < 230:
		if to == h {
			return
		}
		amt := uint64(1 + dr.n(3, 100))
		c.submit(dr, h, &ledger.Transfer{From: h.key.Address(), To: to.key.Address(), Asset: c.eur, Amount: *uint256.NewInt(amt), Nonce: h.nonce},
			fmt.Sprintf("transfer %d EUR units %s -> %s", amt, h.key.Name(), to.key.Name()))
	case x < 245:
		// From an account that holds nothing (fresh, so never waiting on a
		// nonce gap): refused at the door, never a balance below zero.
		seed := sha256.Sum256(binary.BigEndian.AppendUint64([]byte("chaos overdraw"), dr[3]))
		k, err := account.FromBytes(seed[:])
		if err != nil {
			c.t.Fatal(err)
		}
		amt := uint64(1 + dr.n(3, 100))
		c.submit(dr, &holder{key: k}, &ledger.Transfer{From: k.Address(), To: to.key.Address(), Asset: c.eur, Amount: *uint256.NewInt(amt)},
			fmt.Sprintf("overdraw: transfer %d EUR units from %s, which holds none, to %s", amt, k.Name(), to.key.Name()))
	case x < 315:
		wei := big.NewInt(int64(1+dr.n(3, 1000)) * 1e12)
		c.log("deposit %s wei of ETH for %s", wei, h.key.Name())
		ctx, cancel := c.bounded()
		defer cancel()
		if _, err := c.vault.Deposit(ctx, c.vault.Transactor(h.key.ToECDSA()), h.key.Address(), wei); err != nil {
			c.fail("deposit: %v", err)
		}
		c.addDeposit(c.eth, wei)
	case x < 340:
		amt := big.NewInt(int64(1+dr.n(3, 1000)) * 1e15)
		c.log("deposit %s units of %s for %s", amt, TokenSymbol, h.key.Name())
		ctx, cancel := c.bounded()
		defer cancel()
		if _, err := c.vault.DepositToken(ctx, c.vault.Transactor(h.key.ToECDSA()), c.tokenAddr, h.key.Address(), amt); err != nil {
			c.fail("token deposit: %v", err)
		}
		c.addDeposit(c.tok, amt)
	case x < 395:
		c.fill(dr, h)
	case x < 450:
		amt := uint256.NewInt(uint64(1+dr.n(3, 1000)) * 1e12)
		if id, ok := c.submit(dr, h, &ledger.Withdraw{Account: h.key.Address(), Asset: c.eth, Amount: *amt,
			To: ledger.Address(crypto.PubkeyToAddress(devchain.TestKey(8).PublicKey)), Nonce: h.nonce},
			fmt.Sprintf("withdraw %s wei of ETH from %s", amt, h.key.Name())); ok {
			c.withdrawals = append(c.withdrawals, withdrawal{id: id, amount: amt})
		}
	case x < 490:
		c.claimOne(dr)
	case x < 505:
		supply := uint64(1 + dr.n(3, 1_000_000))
		a := &ledger.IssueAsset{Issuer: h.key.Address(), Symbol: fmt.Sprintf("C%d", c.op), Decimals: 2, Nonce: h.nonce}
		a.Supply.SetUint64(supply)
		if id, ok := c.submit(dr, h, a, fmt.Sprintf("issue %d units of %s by %s", supply, a.Symbol, h.key.Name())); ok {
			c.issues = append(c.issues, issuance{id: id, supply: supply})
		}
	case x < 645:
		// Offline: at most the terminal's floor (20.00 EUR).
		c.pay(dr, c.eur, uint256.NewInt(uint64(100+dr.n(3, 1901))))
	case x < 715:
		// Online: above the floor, above the no-PIN limit (25.00) at times.
		c.pay(dr, c.eur, uint256.NewInt(uint64(2001+dr.n(3, 2500))))
	case x < 745:
		// ETH: the terminal has no floor for it, so always online; the PIN
		// above 0.005 ETH.
		c.pay(dr, c.eth, uint256.NewInt(uint64(1+dr.n(3, 80))*1e14))
	case x < 825:
		card := dr.n(2, len(c.cards))
		asset, amt, unit := c.eur, uint256.NewInt(uint64(2000+dr.n(3, 8001))), "EUR units"
		if dr.n(5, 3) == 0 {
			asset, amt, unit = c.eth, uint256.NewInt(uint64(1+dr.n(3, 20))*1e15), "wei of ETH"
		}
		if id, ok := c.submit(dr, h, &ledger.Transfer{From: h.key.Address(), To: c.cards[card], Asset: asset, Amount: *amt, Nonce: h.nonce},
			fmt.Sprintf("load card %d with %s %s from %s", card, amt, unit, h.key.Name())); ok {
			c.loads = append(c.loads, loadTx{id: id, card: card, asset: asset, amount: amt})
		}
	case x < 845:
		c.refresh(dr)
	case x < 925:
		c.reorg(dr, h)
	case x < 960:
		if c.down < 0 {
			c.kill(dr)
		}
	case x < 965:
		c.restartChain()
	default:
		if c.down >= 0 {
			c.startNode()
		}
	}
}

func (c *chaos) addDeposit(asset ledger.Hash, amt *big.Int) {
	if c.deposited[asset] == nil {
		c.deposited[asset] = new(uint256.Int)
	}
	u, _ := uint256.FromBig(amt)
	c.deposited[asset].Add(c.deposited[asset], u)
	c.stats.deposits++
}

// submit signs p for h and submits it to a running node. A refusal is
// no acknowledgment: the nonce stays free.
func (c *chaos) submit(dr draw, h *holder, p ledger.Payload, what string) (ledger.Hash, bool) {
	sig, err := h.key.Sign(c.dom.Digest(p.StructHash()))
	if err != nil {
		c.t.Fatal(err)
	}
	live := c.live()
	i := live[dr.n(4, len(live))]
	res, err := c.d.Nodes[i].Submit(c.ctx, &ledger.Tx{Payload: p, Sig: ledger.Sig(sig)})
	if err != nil {
		c.log("%s: refused at node %d: %v", what, i, err)
		return ledger.Hash{}, false
	}
	h.nonce++
	c.acked = append(c.acked, ackedTx{id: res.ID, what: what, how: string(res.Status), node: i})
	c.log("%s: %s at node %d (%s)", what, res.Status, i, short(res.ID))
	return res.ID, true
}

func short(id ledger.Hash) string { return id.Hex()[:10] }

// fill takes a little of the market maker's best ETH ask, paying EUR.
func (c *chaos) fill(dr draw, h *holder) {
	live := c.live()
	n := c.d.Nodes[live[dr.n(2, len(live))]]
	book := n.Offers().Book(api.AssetInfo{ID: c.eth, Decimals: 18}, api.AssetInfo{ID: c.eur, Decimals: 2})
	if len(book.Asks) == 0 {
		c.log("fill: no ETH ask on the book")
		return
	}
	oi, err := n.Offers().Offer(book.Asks[0].Offer)
	if err != nil || oi.Offer == nil {
		c.log("fill: offer %s gone: %v", book.Asks[0].Offer, err)
		return
	}
	take := uint256.NewInt(uint64(1+dr.n(3, 100)) * 1e12) // wei of ETH
	if _, ok := c.submit(dr, h, &ledger.Fill{Taker: h.key.Address(), Offer: *oi.Offer, Take: *take, Nonce: h.nonce},
		fmt.Sprintf("fill %s wei of offer %s by %s", take, short(oi.ID), h.key.Name())); ok {
		c.stats.fills++
	}
}

// reorg replaces the newest blocks with ones that carry a new deposit
// (after a chain restart, only blocks sealed since: ErrReorgBelowReopen).
func (c *chaos) reorg(dr draw, h *holder) {
	head, _ := c.d.Chain.Head()
	depth := uint64(1 + dr.n(2, 6))
	wei := big.NewInt(int64(1+dr.n(3, 1000)) * 1e12)
	from := max(head-depth+1, c.d.Chain.ReopenedAt()+1)
	if from > head {
		c.log("reorg: no block sealed since the chain restart at %d", c.d.Chain.ReopenedAt())
		return
	}
	c.log("reorg depth %d at head %d, with a deposit of %s wei for %s in the new blocks", head-from+1, head, wei, h.key.Name())
	ctx, cancel := c.bounded()
	defer cancel()
	err := c.d.Chain.ReorgInject(ctx, from, func(ctx context.Context) error {
		_, err := c.vault.Deposit(ctx, c.vault.Transactor(h.key.ToECDSA()), h.key.Address(), wei)
		return err
	})
	if err != nil {
		c.fail("reorg: %v", err)
	}
	c.addDeposit(c.eth, wei)
	c.stats.reorgs++
}

// kill stops a node as a crash would, right after it acknowledged a
// transfer (which it may not have gossiped yet); it comes back 1 to 8
// operations later.
func (c *chaos) kill(dr draw) {
	i := dr.n(2, len(c.d.Nodes))
	h := c.holders[dr.n(0, len(c.holders))]
	to := c.holders[(dr.n(0, len(c.holders))+1)%len(c.holders)]
	p := &ledger.Transfer{From: h.key.Address(), To: to.key.Address(), Asset: c.eur, Amount: *uint256.NewInt(1), Nonce: h.nonce}
	sig, err := h.key.Sign(c.dom.Digest(p.StructHash()))
	if err != nil {
		c.t.Fatal(err)
	}
	what := fmt.Sprintf("transfer 1 EUR unit %s -> %s just before the kill", h.key.Name(), to.key.Name())
	if res, err := c.d.Nodes[i].Submit(c.ctx, &ledger.Tx{Payload: p, Sig: ledger.Sig(sig)}); err == nil {
		h.nonce++
		c.acked = append(c.acked, ackedTx{id: res.ID, what: what, how: string(res.Status), node: i})
		c.log("%s: %s at node %d (%s)", what, res.Status, i, short(res.ID))
	} else {
		c.log("%s: refused at node %d: %v", what, i, err)
	}
	if err := c.d.StopNode(i); err != nil {
		c.fail("kill node %d: %v", i, err)
	}
	c.down, c.upAt = i, c.op+1+dr.n(3, 8)
	c.stats.kills++
	c.log("node %d killed; back at operation %d", i, c.upAt)
}

func (c *chaos) startNode() {
	i := c.down
	began := time.Now()
	ctx, cancel := c.bounded()
	defer cancel()
	if err := c.d.StartNode(ctx, i); err != nil {
		c.fail("restart node %d: %v", i, err)
	}
	c.down = -1
	if i == 1 {
		c.watch()
	}
	c.log("node %d restarted from its data directory in %s", i, time.Since(began).Round(time.Millisecond))
}

// restartChain stops the whole devnet (the chain, every node, the cards
// and the market maker) and starts it again on its data directory, as
// after a power cut of the machine that runs the chain.
func (c *chaos) restartChain() {
	began := time.Now()
	head, _ := c.d.Chain.Head()
	if c.watchEnd != nil {
		c.watchEnd()
		c.watchEnd = nil
	}
	c.client.Close()
	c.client = nil
	if err := c.d.Close(); err != nil {
		c.log("devnet close: %v", err)
	}
	c.down = -1
	ctx, cancel := c.bounded()
	defer cancel()
	d, err := Start(ctx, c.cfg)
	if err != nil {
		c.d = nil
		c.fail("restart the devnet: %v", err)
	}
	c.d = d
	c.attachChain()
	c.watch()
	now, _ := d.Chain.Head()
	for i, ci := range d.Info.Cards {
		if ci.Transport != "pcsc" || ci.Address != c.cards[i].Hex() {
			c.fail("after the restart card %d is %+v", i, ci)
		}
	}
	c.stats.chainRestarts++
	c.log("chain and nodes restarted in %s (head %d before, %d after)", time.Since(began).Round(time.Millisecond), head, now)
}

// claimOne claims a withdrawal the ledger settled and the Vault has not
// paid (which one depends on timing, not on the draws).
func (c *chaos) claimOne(dr draw) {
	live := c.live()
	i := live[dr.n(2, len(live))]
	var ready []withdrawal
	for _, w := range c.withdrawals {
		info, err := c.d.Nodes[i].TxStatus(w.id)
		if err != nil || info.Status != "settled" {
			continue
		}
		if paid, err := c.vault.Paid(c.ctx, w.id); err == nil && !paid {
			ready = append(ready, w)
		}
	}
	if len(ready) == 0 {
		c.log("claim: no settled withdrawal unpaid")
		return
	}
	w := ready[dr.n(3, len(ready))]
	c.claim(i, w)
}

func (c *chaos) claim(i int, w withdrawal) {
	ctx, cancel := context.WithTimeout(c.ctx, 60*time.Second)
	defer cancel()
	_, err := client.ClaimWithdrawal(ctx, c.api(i), c.vault, c.claimer, w.id, 20*time.Millisecond)
	if err != nil {
		c.fail("claiming withdrawal %s through node %d: %v", short(w.id), i, err)
	}
	c.stats.claims++
	c.log("claimed withdrawal %s (%s wei) through node %d", short(w.id), w.amount, i)
}

// termNet is the terminal's network: the issuer's node (node 0) for the
// card's standing and update values, and its own node for records.
type termNet struct {
	client.TerminalNet
	records *client.Client
}

func (n termNet) Submit(ctx context.Context, tx *ledger.Tx) (ledger.Hash, error) {
	r, err := n.records.Submit(ctx, tx)
	return r.ID, err
}

// pay takes a payment from a card at the terminal, which forwards its
// records to a random node, down or not.
func (c *chaos) pay(dr draw, asset ledger.Hash, amount *uint256.Int) {
	i := dr.n(2, len(c.cards))
	to := dr.n(4, len(c.d.Nodes))
	cfg := c.term
	cfg.Net = termNet{TerminalNet: client.TerminalNet{C: c.api(0)}, records: c.api(to)}
	pin := c.d.Info.Cards[i].PIN
	cfg.PIN = func() (string, error) { return pin, nil }
	unit := "EUR units"
	if asset == c.eth {
		unit = "wei of ETH"
	}
	ctx, cancel := c.bounded()
	defer cancel()
	h := c.connect(i)
	res := terminal.Pay(ctx, &cfg, h, asset, amount)
	h.Close()
	if res.InDoubt != nil {
		// The card may have signed: it keeps its last records readable.
		c.log("card %d pays %s %s: in doubt (%s); recovering", i, amount, unit, res.Reason)
		h = c.connect(i)
		res = terminal.Recover(ctx, &cfg, h, *res.InDoubt)
		h.Close()
	}
	if res.TxID != (ledger.Hash{}) {
		c.records = append(c.records, cardRecord{id: res.TxID, card: i, asset: asset, amount: amount, mode: res.Mode})
	}
	switch {
	case res.Status == "approved" && res.Mode == "offline":
		c.stats.offline++
	case res.Status == "approved":
		c.stats.online++
	default:
		c.stats.declined++
	}
	rec := ""
	if res.TxID != (ledger.Hash{}) {
		rec = " record " + short(res.TxID)
	}
	c.log("card %d pays %s %s, records to node %d: %s %s %s%s", i, amount, unit, to, res.Mode, res.Status, res.Code, rec)
}

// refresh writes a purse's newest update value to a card, as `anonex card
// update` does (the issuer's node signs the card's final credits).
func (c *chaos) refresh(dr draw) {
	i := dr.n(2, len(c.cards))
	asset, sym := c.eur, "EUR"
	if dr.n(3, 3) == 0 {
		asset, sym = c.eth, "ETH"
	}
	h := c.connect(i)
	defer h.Close()
	ctx, cancel := context.WithTimeout(c.ctx, 20*time.Second)
	defer cancel()
	set, err := client.RefreshCard(ctx, cardclient.New(h), c.api(0), asset)
	if err != nil {
		c.log("card %d %s update: %v", i, sym, err)
		return
	}
	c.log("card %d %s updated: set amount %s", i, sym, set.Dec())
}

// connect connects to card i's reader through pcscd.
func (c *chaos) connect(i int) *pcsc.Card {
	ctx, cancel := context.WithTimeout(c.ctx, 20*time.Second)
	defer cancel()
	h, err := connectFresh(ctx, c.pc, c.d.Info.Cards[i].Reader)
	if err != nil {
		c.fail("card %d in %s: %v", i, c.d.Info.Cards[i].Reader, err)
	}
	return h
}

// checkpoint brings the network to a quiet point and checks every
// invariant there.
func (c *chaos) checkpoint() {
	c.stats.checkpoints++
	began := time.Now()
	c.log("checkpoint: every node up, the terminal's queue forwarded, the chain quiet")
	if c.down >= 0 {
		c.startNode()
	}
	c.forward()
	c.log("the terminal's queue is empty")
	c.waitAcked()
	c.log("every acknowledged transaction settled or failed on every node")
	c.waitQuiet()
	c.checkVault(true)
	c.checkSupplies()
	c.checkCards()
	c.log("checkpoint passed in %s", time.Since(began).Round(time.Millisecond))
}

// forward sends what the terminal still queues.
func (c *chaos) forward() {
	deadline := time.Now().Add(60 * time.Second)
	for k := 0; ; k++ {
		cfg := c.term
		cfg.Net = termNet{TerminalNet: client.TerminalNet{C: c.api(0)}, records: c.api(k % len(c.d.Nodes))}
		ctx, cancel := c.bounded()
		left, err := terminal.Forward(ctx, &cfg)
		cancel()
		if left == 0 && err == nil {
			return
		}
		if time.Now().After(deadline) {
			c.fail("the terminal still queues %d records: %v", left, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitAcked waits until every acknowledged transaction and every card
// record is settled or failed on every node.
func (c *chaos) waitAcked() {
	all := append([]ackedTx(nil), c.acked...)
	for _, r := range c.records {
		all = append(all, ackedTx{id: r.id, what: fmt.Sprintf("%s record of card %d (%s units)", r.mode, r.card, r.amount), how: "record", node: -1})
	}
	deadline := time.Now().Add(2 * time.Minute)
	for i, n := range c.d.Nodes {
		for _, a := range all {
			for {
				info, err := n.TxStatus(a.id)
				if err == nil && info.Status == "settled" {
					break
				}
				if err == nil && info.Status == "failed" {
					if a.how == "record" {
						c.fail("node %d: %s %s failed (%s): a genuine card's record must settle", i, a.what, short(a.id), info.Reason)
					}
					if info.Reason == "" {
						c.fail("node %d: %s %s failed without a reason", i, a.what, short(a.id))
					}
					break
				}
				if time.Now().After(deadline) {
					var views []string
					for j, m := range c.d.Nodes {
						info, err := m.TxStatus(a.id)
						views = append(views, fmt.Sprintf("node %d: %s %s %v", j, info.Status, info.Reason, err))
					}
					c.fail("%s %s, acknowledged as %s at node %d, has not settled nor failed: %s",
						a.what, short(a.id), a.how, a.node, strings.Join(views, "; "))
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
	}
}

// waitQuiet waits until every node folded every deposit the Vault took
// and all have the same settled head.
func (c *chaos) waitQuiet() {
	out, err := chain.Call(c.ctx, c.client, c.vaultAddr, bindings.NewVault().PackNextDeposit())
	if err != nil {
		c.t.Fatal(err)
	}
	next, err := bindings.NewVault().UnpackNextDeposit(out)
	if err != nil {
		c.t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for i, n := range c.d.Nodes {
		for next > 0 {
			if _, ok, err := n.Bridge().Deposit(next - 1); err != nil {
				c.t.Fatal(err)
			} else if ok {
				break
			}
			if time.Now().After(deadline) {
				c.fail("node %d has not folded deposit %d", i, next-1)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	for {
		same := true
		h0 := settledHead(c.t, c.d.Nodes[0])
		for _, n := range c.d.Nodes[1:] {
			h := settledHead(c.t, n)
			same = same && h.StateRoot == h0.StateRoot && h.NextSeq == h0.NextSeq
		}
		if same {
			return
		}
		if time.Now().After(deadline) {
			var roots []string
			for _, n := range c.d.Nodes {
				h := settledHead(c.t, n)
				roots = append(roots, fmt.Sprintf("seq %d root %s", h.NextSeq, h.StateRoot))
			}
			c.fail("settled roots differ: %v", roots)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// settled reports whether tx id settled (node 0's view; the checkpoint
// has made every node agree).
func (c *chaos) settled(id ledger.Hash) bool {
	info, err := c.d.Nodes[0].TxStatus(id)
	return err == nil && info.Status == "settled"
}

// modelSupply is each asset's supply as the checker counts it: what was
// issued (the devnet's assets and the settled issues of the run), plus
// what was deposited to the Vault (at set-up and by the run), minus the
// settled withdrawals.
func (c *chaos) modelSupply() map[ledger.Hash]*uint256.Int {
	m := map[ledger.Hash]*uint256.Int{}
	for sym, units := range demoIssued {
		m[c.d.AssetID(sym)] = uint256.NewInt(units)
	}
	for _, is := range c.issues {
		if c.settled(is.id) {
			m[is.id] = uint256.NewInt(is.supply)
		}
	}
	eth, _ := uint256.FromBig(new(big.Int).Add(new(big.Int).Mul(big.NewInt(3), holderETH), marketMakerETH))
	tok, _ := uint256.FromBig(new(big.Int).Mul(big.NewInt(4), depositedTOK))
	m[c.eth], m[c.tok] = eth, tok
	for asset, v := range c.deposited {
		m[asset].Add(m[asset], v)
	}
	for _, w := range c.withdrawals {
		if c.settled(w.id) {
			m[c.eth].Sub(m[c.eth], w.amount)
		}
	}
	return m
}

// checkSupplies compares each asset's supply with the model, sums every
// settled balance, and finds none above its asset's supply (a balance
// driven below zero wraps around to nearly 2^256).
func (c *chaos) checkSupplies() {
	st := c.d.Nodes[0].Store()
	assets, err := st.Assets()
	if err != nil {
		c.t.Fatal(err)
	}
	model := c.modelSupply()
	supply := map[ledger.Hash]*ledger.Asset{}
	for _, a := range assets {
		supply[a.ID] = a
		want, ok := model[a.ID]
		if !ok {
			c.fail("asset %s (%s) is on the ledger but the checker never issued nor deposited it", a.Symbol, short(a.ID))
		}
		if !want.Eq(&a.Supply) {
			c.fail("asset %s: supply %s, but issued + deposited − withdrawn is %s", a.Symbol, a.Supply.Dec(), want.Dec())
		}
	}
	for id := range model {
		if supply[id] == nil {
			c.fail("asset %s is missing from the ledger", short(id))
		}
	}
	accts, err := st.AccountsByName("", 1<<20)
	if err != nil {
		c.t.Fatal(err)
	}
	sums := map[ledger.Hash]*uint256.Int{}
	for _, a := range accts {
		bals, err := st.Balances(a)
		if err != nil {
			c.t.Fatal(err)
		}
		for id, raw := range bals {
			v := new(uint256.Int).SetBytes(raw)
			as := supply[id]
			if as == nil {
				c.fail("account %s holds %s of an asset the ledger does not list (%s)", a.Hex(), v.Dec(), short(id))
			}
			if v.Gt(&as.Supply) {
				c.fail("account %s holds %s %s, more than its supply %s: a negative balance wrapped around", a.Hex(), v.Dec(), as.Symbol, as.Supply.Dec())
			}
			if sums[id] == nil {
				sums[id] = new(uint256.Int)
			}
			sums[id].Add(sums[id], v)
		}
	}
	for _, a := range assets {
		got := sums[a.ID]
		if got == nil {
			got = new(uint256.Int)
		}
		if !got.Eq(&a.Supply) {
			c.fail("asset %s: balances sum to %s, supply is %s", a.Symbol, got.Dec(), a.Supply.Dec())
		}
	}
}

// checkVault: the Vault holds the ledger's ETH plus every withdrawal the
// ledger burned and the Vault has not paid (all, with unpaid false), and
// the ledger's whole token supply.
func (c *chaos) checkVault(unpaidOK bool) {
	st := c.d.Nodes[0].Store()
	assets, err := st.Assets()
	if err != nil {
		c.t.Fatal(err)
	}
	var ethSupply, tokSupply *uint256.Int
	for _, a := range assets {
		switch a.ID {
		case c.eth:
			ethSupply = &a.Supply
		case c.tok:
			tokSupply = &a.Supply
		}
	}
	unpaid, n := new(big.Int), 0
	for _, w := range c.withdrawals {
		if !c.settled(w.id) {
			continue
		}
		paid, err := c.vault.Paid(c.ctx, w.id)
		if err != nil {
			c.t.Fatal(err)
		}
		if !paid {
			unpaid.Add(unpaid, w.amount.ToBig())
			n++
		}
	}
	if n > 0 && !unpaidOK {
		c.fail("%d withdrawals are still unpaid", n)
	}
	held, err := c.client.Eth().BalanceAt(c.ctx, c.vaultAddr, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	if want := new(big.Int).Add(ethSupply.ToBig(), unpaid); held.Cmp(want) != 0 {
		c.fail("the Vault holds %s wei; the ledger's ETH supply %s plus %d unpaid withdrawals (%s wei) is %s",
			held, ethSupply.Dec(), n, unpaid, want)
	}
	tokHeld, err := chain.TokenBalance(c.ctx, c.client, c.tokenAddr, c.vaultAddr)
	if err != nil {
		c.t.Fatal(err)
	}
	if tokHeld.Cmp(tokSupply.ToBig()) != 0 {
		c.fail("the Vault holds %s %s units, the ledger's supply is %s", tokHeld, TokenSymbol, tokSupply.Dec())
	}
	c.log("the Vault holds %s wei: the ledger's ETH and %d unpaid withdrawals", held, n)
}

// checkCards checks every card's purses against the ledger and the model:
// the ledger credited exactly the set-up loads and the settled loads of
// the run; the card's D is every record it signed (all settled now);
// D ≤ T ≤ the ledger's credits; the card account holds credits − D.
func (c *chaos) checkCards() {
	st := ledger.NewOverlay(c.d.Nodes[0].Store().State())
	gift := c.d.AssetID("GIFT")
	for i, card := range c.cards {
		initial := map[ledger.Hash]*uint256.Int{c.eur: uint256.NewInt(cardLoad), c.eth: cardLoadETH}
		want := "EUR and ETH"
		if i == GiftCard {
			initial[gift], want = uint256.NewInt(cardLoadGIFT), "EUR, ETH and GIFT"
		}
		h := c.connect(i)
		cl := cardclient.New(h)
		_, err := cl.Select()
		var status cardproto.Status
		if err == nil {
			status, err = cl.Status()
		}
		h.Close()
		if err != nil {
			c.fail("card %d status: %v", i, err)
		}
		if len(status.Purses) != len(initial) {
			c.fail("card %d has %d purses, want %s", i, len(status.Purses), want)
		}
		for _, p := range status.Purses {
			if initial[p.Asset] == nil {
				c.fail("card %d has a purse in %s, want %s", i, p.Asset.Hex(), want)
			}
			credits := new(uint256.Int).Set(initial[p.Asset])
			for _, l := range c.loads {
				if l.card == i && l.asset == p.Asset && c.settled(l.id) {
					credits.Add(credits, l.amount)
				}
			}
			debits := new(uint256.Int)
			for _, r := range c.records {
				if r.card == i && r.asset == p.Asset {
					debits.Add(debits, r.amount) // every one settled (waitAcked)
				}
			}
			credited := st.CardCredited(card, p.Asset)
			bal := st.Balance(card, p.Asset)
			sym := map[ledger.Hash]string{c.eur: "EUR", c.eth: "ETH", gift: "GIFT"}[p.Asset]
			switch {
			case !credited.Eq(credits):
				c.fail("card %d %s: the ledger credited %s, the loads total %s", i, sym, credited.Dec(), credits.Dec())
			case debits.Gt(credited):
				c.fail("card %d %s: settled debits %s exceed its credits %s", i, sym, debits.Dec(), credited.Dec())
			case !p.D.Eq(debits):
				c.fail("card %d %s: the card counted D = %s, its records total %s", i, sym, p.D.Dec(), debits.Dec())
			case p.D.Gt(&p.T):
				c.fail("card %d %s: D = %s exceeds T = %s", i, sym, p.D.Dec(), p.T.Dec())
			case p.T.Gt(credited):
				c.fail("card %d %s: T = %s exceeds the ledger's credits %s", i, sym, p.T.Dec(), credited.Dec())
			case !new(uint256.Int).Add(bal, debits).Eq(credited):
				c.fail("card %d %s: the card account holds %s, credits %s − debits %s", i, sym, bal.Dec(), credited.Dec(), debits.Dec())
			}
			c.log("card %d %s: credits %s, D %s, T %s, balance %s", i, sym, credited.Dec(), p.D.Dec(), p.T.Dec(), bal.Dec())
		}
	}
}

// finish claims every withdrawal, checks that the Vault then holds exactly
// the ledger's ETH, and that a node folding the chain from scratch reaches
// the nodes' root.
func (c *chaos) finish() {
	for _, w := range c.withdrawals {
		if !c.settled(w.id) {
			continue
		}
		if paid, err := c.vault.Paid(c.ctx, w.id); err != nil {
			c.t.Fatal(err)
		} else if !paid {
			c.claim(0, w)
		}
	}
	c.checkVault(false)

	fresh, err := node.New(node.Config{DataDir: filepath.Join(c.t.TempDir(), "fresh"), EthRPC: c.d.Chain.WSURL(),
		Anchor: c.dom.Contract, Vault: ledger.Address(c.vaultAddr), PollInterval: 20 * time.Millisecond, FinalDepth: FinalDepth})
	if err != nil {
		c.t.Fatal(err)
	}
	defer fresh.Close()
	if err := fresh.Start(c.ctx); err != nil {
		c.t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	want := settledHead(c.t, c.d.Nodes[0])
	for {
		h := settledHead(c.t, fresh)
		if h.StateRoot == want.StateRoot && h.NextSeq == want.NextSeq {
			break
		}
		if time.Now().After(deadline) {
			c.fail("a fresh replay has seq %d root %s; the nodes seq %d root %s", h.NextSeq, h.StateRoot, want.NextSeq, want.StateRoot)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if os.Getenv("ANONEX_CHAOS_HISTORY") == "1" {
		c.t.Logf("history:\n%s", strings.Join(c.history, "\n"))
	}
	s := c.stats
	c.t.Logf("%d operations in %s: %d acknowledged (%d fills), %d deposits, %d withdrawals (%d claims), %d issues; "+
		"card payments: %d offline, %d online, %d declined, %d loads; %d reorgs (%d rollbacks on node 1), %d node kills, %d chain restarts; "+
		"%d checkpoints passed; roots equal a fresh replay",
		c.ops, time.Since(c.started).Round(time.Millisecond), len(c.acked), s.fills, s.deposits, len(c.withdrawals), s.claims, len(c.issues),
		s.offline, s.online, s.declined, len(c.loads), s.reorgs, c.rollbacks.Load(), s.kills, s.chainRestarts, s.checkpoints)
}
