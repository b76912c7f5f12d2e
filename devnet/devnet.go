package devnet

import (
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/cardbridge/desk"
	"github.com/anonex/anonex/chain"
	"github.com/anonex/anonex/chain/devchain"
	"github.com/anonex/anonex/ledger"
	"github.com/anonex/anonex/node"
	"github.com/ethereum/go-ethereum/common"
	"github.com/holiman/uint256"
)

// DemoPassword protects the devnet's demo keystores. Devnet only.
const DemoPassword = "devnet"

// Config configures Start.
type Config struct {
	// Nodes is the number of anonex nodes; default 3. Node 0 settles.
	Nodes int
	// DataDir persists the chain, the nodes and the keystores. Empty: a
	// fresh temporary directory holds devnet.json, the keystores and the
	// nodes' stores, the chain lives in memory, and Close removes it all.
	DataDir string
	// HTTPAddr and WSAddr are the chain's JSON-RPC addresses; defaults
	// 127.0.0.1:8545 and 127.0.0.1:8546; port 0 picks a free port.
	HTTPAddr, WSAddr string
	// BlockTime is the chain's block period; 0 mines on each transaction.
	BlockTime time.Duration
	// Network is the gossip network name; default "devnet".
	Network string
	// NoMarket leaves the book empty: no market-maker account runs.
	NoMarket bool
	// Cards is the number of virtual cards to start, personalize and load
	// (at most 2 on vpcd's default configuration). Through pcscd when it
	// runs; otherwise in-process, with a notice in Info.CardNotice.
	Cards int
	// Accounts adds this many device accounts (role "account-1" …, in the
	// keystore with the demo password), each funded on the chain with
	// Balance wei (default 10,000 ETH), as anvil's --accounts and
	// --balance: they hold nothing on the ledger until they deposit or
	// the faucet pays them.
	Accounts int
	Balance  *big.Int
	// AdminAddr is the devnet's admin endpoint (snapshot and revert),
	// host:port on loopback; default 127.0.0.1:0 (a free port, in
	// devnet.json with its token); "-" serves none.
	AdminAddr string
	Logger    *slog.Logger
}

// extraKeyIndex is the test-mnemonic index of the first of
// Config.Accounts.
const extraKeyIndex = 500

// LoseUnsyncedEnv, set to 1, makes the devnet's chain lose its newest
// blocks on a SIGKILL (devchain.Config.LoseUnsynced): a fault seam for the
// crash tests, never for use.
const LoseUnsyncedEnv = "ANONEX_FAULT_CHAIN_LOSES_BLOCKS"

// FinalDepth is the devnet's final horizon: a block is final once this
// many blocks are above it. Its nodes settle at once (0 confirmations) but
// the issuer signs T and attesters sign batches only over final blocks; the
// chain adds empty blocks so the horizon follows within milliseconds.
const FinalDepth = 2

// Info is devnet.json: what other tools read to use the devnet.
type Info struct {
	ChainID uint64 `json:"chain_id"`
	// FinalDepth is the network's final horizon in blocks (see FinalDepth):
	// a node joining this devnet uses it as node.Config.FinalDepth.
	FinalDepth uint64            `json:"final_depth"`
	EthRPC     string            `json:"eth_rpc"`
	EthWS      string            `json:"eth_ws"`
	Contracts  map[string]string `json:"contracts"`
	Nodes      []NodeInfo        `json:"nodes"`
	Accounts   []AccountInfo     `json:"accounts"`
	Assets     []AssetInfo       `json:"assets"`
	Network    string            `json:"network"`
	DataDir    string            `json:"datadir"`
	Persisted  bool              `json:"persisted"`
	// EthAccounts are the prefunded Ethereum accounts (test mnemonic).
	EthAccounts []string `json:"eth_accounts"`
	Mnemonic    string   `json:"mnemonic"`
	ReadyMillis int64    `json:"ready_ms"`
	// Cards are the devnet's virtual cards; Terminal configures `anonex
	// terminal` for the devnet.
	Cards    []CardInfo    `json:"cards"`
	Terminal *TerminalInfo `json:"terminal,omitempty"`
	// Venues are the devnet's venues (signage), with their stores.
	Venues     []VenueInfo `json:"venues"`
	CardNotice string      `json:"card_notice,omitempty"`
	// Admin is the devnet's admin endpoint: snapshot and revert.
	Admin *AdminInfo `json:"admin,omitempty"`
}

// NodeInfo describes one node.
type NodeInfo struct {
	API        string   `json:"api"`
	APIToken   string   `json:"api_token"`
	PeerID     string   `json:"peer_id"`
	Multiaddrs []string `json:"multiaddrs"`
	Settler    bool     `json:"settler"`
	// SettleAccount is the Ethereum account the settler pays gas from.
	SettleAccount string `json:"settle_account,omitempty"`
	Attester      string `json:"attester,omitempty"`
}

// AccountInfo describes one demo device account.
type AccountInfo struct {
	Role     string            `json:"role"`
	Name     string            `json:"name"`
	Address  string            `json:"address"`
	Keystore string            `json:"keystore"`
	Password string            `json:"password"`
	Balances map[string]string `json:"balances"`
}

// AssetInfo describes one demo asset.
type AssetInfo struct {
	ID       string `json:"id"`
	Symbol   string `json:"symbol"`
	Decimals uint8  `json:"decimals"`
	Currency uint16 `json:"currency,omitempty"`
	Issuer   string `json:"issuer"`
}

// Devnet is a running development network.
type Devnet struct {
	Chain *devchain.Chain
	Nodes []*node.Node
	Info  Info
	Dir   string
	log   *slog.Logger
	eths  []*chain.Client
	temp  bool
	cards []*devCard
	// stopMarket stops the market maker and waits for it.
	stopMarket func()
	// nodeCfgs are the nodes' configurations, for StartNode.
	nodeCfgs []node.Config
	// mu guards Nodes and down against the market maker's goroutine
	// while StopNode and StartNode swap a node.
	mu   sync.Mutex
	down []bool
	// mmKey is the market maker's key, to restart it after a revert.
	mmKey *account.Key
	snaps snapshots
	admin *adminServer
}

// demoRoles is the fixed demo population, one device account each: an
// issuer, three holders, a merchant, a market maker and the operator of
// the devnet's venue. Role i's key is the test mnemonic's index
// demoKeyIndex+i.
var demoRoles = []string{"issuer", "holder-1", "holder-2", "holder-3", "merchant", "market-maker", "operator"}

// demoKeyIndex is the test-mnemonic index of the first demo role's key.
const demoKeyIndex = 100

// contracts are the addresses of the devnet's contracts on its chain.
type contracts struct {
	anchor, vault, token common.Address
}

// Start brings up the chain, the Anchor, the nodes and the demo accounts,
// and writes devnet.json. It returns once demo balances are settled.
//
// On a data dir that holds a devnet already, it reopens the chain, finds
// the contracts and the demo keystores there again, and seeds the demo
// only if it never was: the balances are those the chain and nodes kept.
func Start(ctx context.Context, cfg Config) (*Devnet, error) {
	began := time.Now()
	cfg = cfg.withDefaults()
	d, prev, err := openDir(cfg)
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			d.Close()
		}
	}()
	if err := d.loadSnapshots(); err != nil {
		return nil, err
	}
	ethKeys, keys, err := d.demoKeys()
	if err != nil {
		return nil, err
	}
	extra, err := extraKeys(cfg.Accounts)
	if err != nil {
		return nil, err
	}
	if err := d.startChain(cfg, append(append([]*account.Key(nil), ethKeys...), keys...), extra); err != nil {
		return nil, err
	}
	// The Vault is attested by the first nodes (test-mnemonic accounts
	// 1-3), 2 of 3.
	attesters := ethKeys[1 : 1+min(3, cfg.Nodes)]
	cs, err := d.deployContracts(ctx, prev, ethKeys[0].ToECDSA(), attesters)
	if err != nil {
		return nil, err
	}
	if err := d.openKeystores(keys, extra); err != nil {
		return nil, err
	}
	if err := d.startNodes(ctx, cfg, cs, ethKeys[SettlerEthAccount].ToECDSA(), attesters, keys); err != nil {
		return nil, err
	}
	if err := d.seedDemo(ctx, prev, cs, keys); err != nil {
		return nil, err
	}
	if cfg.Cards > 0 {
		if err := d.startCards(ctx, cfg, keys); err != nil {
			return nil, err
		}
	}
	if !cfg.NoMarket {
		d.mmKey = keys[5]
		if err := d.startMarket(ctx, keys[5]); err != nil {
			return nil, err
		}
	}
	if err := d.fillInfo(cfg, cs, attesters); err != nil {
		return nil, err
	}
	if cfg.AdminAddr != "-" {
		if err := d.serveAdmin(cfg.AdminAddr); err != nil {
			return nil, err
		}
	}
	d.Info.ReadyMillis = time.Since(began).Milliseconds()
	if err := d.writeInfo(); err != nil {
		return nil, err
	}
	ok = true
	return d, nil
}

// withDefaults returns cfg with its defaults filled in.
func (cfg Config) withDefaults() Config {
	if cfg.Nodes <= 0 {
		cfg.Nodes = 3
	}
	if cfg.Network == "" {
		cfg.Network = "devnet"
	}
	if cfg.AdminAddr == "" {
		cfg.AdminAddr = "127.0.0.1:0"
	}
	if cfg.HTTPAddr == "" {
		cfg.HTTPAddr = devchain.DefaultHTTPAddr
	}
	if cfg.WSAddr == "" {
		cfg.WSAddr = devchain.DefaultWSAddr
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return cfg
}

// openDir makes the devnet's directory (cfg.DataDir, or a fresh temporary
// one) and reads the devnet.json a persisted devnet left there (nil when
// there is none).
func openDir(cfg Config) (*Devnet, *Info, error) {
	d := &Devnet{log: cfg.Logger, temp: cfg.DataDir == ""}
	if d.temp {
		dir, err := os.MkdirTemp("", "anonex-devnet-")
		if err != nil {
			return nil, nil, err
		}
		d.Dir = dir
	} else {
		d.Dir = cfg.DataDir
		if err := os.MkdirAll(d.Dir, 0o700); err != nil {
			return nil, nil, err
		}
	}
	abs, err := filepath.Abs(d.Dir)
	if err != nil {
		return nil, nil, err
	}
	d.Dir = abs
	if d.temp {
		return d, nil, nil
	}
	b, err := os.ReadFile(filepath.Join(d.Dir, "devnet.json"))
	if err != nil {
		return d, nil, nil // a new devnet
	}
	prev := new(Info)
	if err := json.Unmarshal(b, prev); err != nil {
		return nil, nil, fmt.Errorf("devnet: %s/devnet.json: %w", d.Dir, err)
	}
	return d, prev, nil
}

// demoKeys derives the devnet's keys from the test mnemonic: the ten
// Ethereum accounts (listed in Info.EthAccounts; account 0 deploys, 1-3
// attest, SettlerEthAccount settles) and, after them, the demo device
// accounts of demoRoles.
func (d *Devnet) demoKeys() (ethKeys, keys []*account.Key, err error) {
	ethKeys = make([]*account.Key, 10)
	for i := range ethKeys {
		k, err := account.FromMnemonic(devchain.TestMnemonic, "", uint32(i))
		if err != nil {
			return nil, nil, err
		}
		ethKeys[i] = k
		d.Info.EthAccounts = append(d.Info.EthAccounts, k.Address().Hex())
	}
	keys = make([]*account.Key, len(demoRoles))
	for i := range demoRoles {
		k, err := account.FromMnemonic(devchain.TestMnemonic, "", uint32(demoKeyIndex+i))
		if err != nil {
			return nil, nil, err
		}
		keys[i] = k
	}
	return ethKeys, keys, nil
}

// alloc is the chain's genesis balances: the devnet's own accounts as
// devchain.Prefund funds them, and the extra accounts with balance each
// (default the same 10,000 ETH).
func alloc(own []common.Address, extra []*account.Key, balance *big.Int) map[common.Address]*big.Int {
	out := devchain.Prefund(own...)
	for _, k := range extra {
		a := common.Address(k.Address())
		out[a] = devchain.Prefund(a)[a]
		if balance != nil {
			out[a] = new(big.Int).Set(balance)
		}
	}
	return out
}

// startChain starts the embedded chain, in the devnet's directory when
// persisted, with every key in funded prefunded: the Ethereum accounts
// and the demo device accounts too, so each can deposit at once (a device
// account's key is an Ethereum key).
func (d *Devnet) startChain(cfg Config, funded, extra []*account.Key) error {
	// go-ethereum warns about its unused devp2p server at every start.
	ethLog := cfg.Logger.With("sub", "eth")
	if !cfg.Logger.Enabled(context.Background(), slog.LevelInfo) {
		ethLog = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	var addrs []common.Address
	for _, k := range funded {
		addrs = append(addrs, common.Address(k.Address()))
	}
	chainDir := ""
	if !d.temp {
		chainDir = filepath.Join(d.Dir, "chain")
	}
	var err error
	d.Chain, err = devchain.Start(devchain.Config{HTTPAddr: cfg.HTTPAddr, WSAddr: cfg.WSAddr, DataDir: chainDir,
		LoseUnsynced: os.Getenv(LoseUnsyncedEnv) == "1",
		Period:       cfg.BlockTime, Alloc: alloc(addrs, extra, cfg.Balance), Logger: ethLog, FinalDepth: FinalDepth})
	return err
}

// deployContracts deploys the Anchor, the Vault (attesters' keys
// registered) and the test token it lists, from deployer's account, as
// `anonex deploy` does on any chain (chain.Deploy); on a reopened devnet
// it takes the addresses prev recorded instead.
func (d *Devnet) deployContracts(ctx context.Context, prev *Info, deployer *ecdsa.PrivateKey, attesters []*account.Key) (contracts, error) {
	if prev != nil && prev.Contracts["anchor"] != "" && prev.Contracts["vault"] != "" {
		return contracts{anchor: common.HexToAddress(prev.Contracts["anchor"]), vault: common.HexToAddress(prev.Contracts["vault"]),
			token: common.HexToAddress(prev.Contracts["token"])}, nil
	}
	var anchor common.Address
	if prev != nil && prev.Contracts["anchor"] != "" {
		anchor = common.HexToAddress(prev.Contracts["anchor"]) // a devnet from before the Vault
	}
	return d.deployVault(ctx, deployer, anchor, attesters)
}

// openKeystores finds each demo account's keystore in the devnet's
// directory, creating the missing ones (password DemoPassword), and lists
// them in Info.Accounts.
func (d *Devnet) openKeystores(keys, extra []*account.Key) error {
	ks, err := account.OpenStore(filepath.Join(d.Dir, "keystore"))
	if err != nil {
		return err
	}
	for i, k := range append(append([]*account.Key(nil), keys...), extra...) {
		e, err := ks.Find(k.Address().Hex())
		if errors.Is(err, account.ErrNotFound) {
			e, err = ks.Create(k, DemoPassword, true)
		}
		if err != nil {
			return err
		}
		role := fmt.Sprintf("account-%d", i-len(keys)+1)
		if i < len(keys) {
			role = demoRoles[i]
		}
		d.Info.Accounts = append(d.Info.Accounts, AccountInfo{Role: role, Name: k.Name(), Address: k.Address().Hex(),
			Keystore: e.Path, Password: DemoPassword})
	}
	return nil
}

// extraKeys derives Config.Accounts' keys.
func extraKeys(n int) ([]*account.Key, error) {
	var out []*account.Key
	for i := range n {
		k, err := account.FromMnemonic(devchain.TestMnemonic, "", uint32(extraKeyIndex+i))
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, nil
}

// startNodes starts cfg.Nodes nodes, each with its own store in the
// devnet's directory, and waits until they are connected. Node 0 settles
// with settleKey (a key of its own: the set-up sends from the deployer's
// key, and two senders sharing a key race for its nonces), runs the
// issuer service with the issuer's account and signs for the demo holders
// as their wallet node; the first nodes attest; the others bootstrap from
// the ones before them.
func (d *Devnet) startNodes(ctx context.Context, cfg Config, cs contracts, settleKey *ecdsa.PrivateKey, attesters, keys []*account.Key) error {
	for i := 0; i < cfg.Nodes; i++ {
		eth := chain.NewClient(d.Chain.Attach())
		d.eths = append(d.eths, eth)
		nc := node.Config{Network: cfg.Network, EthClient: eth, Anchor: ledger.Address(cs.anchor), Vault: ledger.Address(cs.vault),
			PollInterval: 20 * time.Millisecond, BatchAge: 50 * time.Millisecond, FinalDepth: FinalDepth,
			Logger: cfg.Logger.With("node", i)}
		// Each node keeps its own Pebble store on disk, in the devnet
		// directory (a temporary one, removed on Close, when not persisted).
		nc.DataDir = filepath.Join(d.Dir, fmt.Sprintf("node-%d", i))
		if i == 0 {
			nc.SettleKey, nc.IssuerKey = settleKey, keys[0]
		}
		if i < len(attesters) {
			nc.AttestKey = attesters[i]
		}
		if i == 0 {
			// Node 0 is the demo holders' wallet node: it signs their spend
			// authorizations (POST /v1/allocate). Devnet only.
			nc.WalletKeys = keys[1:4]
			// Node 0 serves the machine's card readers to the web app
			// (its Cards page), as `anonex node --readers` does.
			nc.Readers = desk.New(desk.Config{Readers: readers{d}, Logger: cfg.Logger.With("sub", "desk"),
				Node:     desk.Self(func() desk.Node { d.mu.Lock(); defer d.mu.Unlock(); return d.Nodes[0] }),
				Terminal: d.webTerminal})
		}
		d.nodeCfgs = append(d.nodeCfgs, nc)
		d.down = append(d.down, false)
		d.Nodes = append(d.Nodes, nil)
		if err := d.startNode(ctx, i); err != nil {
			return err
		}
	}
	return d.waitConnected(ctx)
}

// seedDemo gives a new devnet its demo: the assets issued and handed out,
// the bridge's deposits, the merchant's redemption offer. A devnet
// reopened with its assets keeps them (they are in its stores) and only
// lists them again.
func (d *Devnet) seedDemo(ctx context.Context, prev *Info, cs contracts, keys []*account.Key) error {
	if prev != nil && len(prev.Assets) > 0 {
		d.Info.Assets, d.Info.Venues = prev.Assets, prev.Venues
		return nil
	}
	if err := d.seed(ctx, keys); err != nil {
		return err
	}
	if err := d.seedBridge(ctx, keys, cs.vault, cs.token); err != nil {
		return err
	}
	if err := d.postRedemptionOffer(keys[4]); err != nil {
		return err
	}
	return d.seedVenue(ctx, keys)
}

// startNode starts node i with its configuration, bootstrapped from the
// nodes that run.
func (d *Devnet) startNode(ctx context.Context, i int) error {
	nc := d.nodeCfgs[i]
	for j, prev := range d.Nodes {
		if j != i && prev != nil && !d.down[j] {
			nc.Bootstrap = append(nc.Bootstrap, prev.Multiaddrs()...)
		}
	}
	n, err := node.New(nc)
	if err != nil {
		return fmt.Errorf("devnet: node %d: %w", i, err)
	}
	if err := n.Start(ctx); err != nil {
		n.Close()
		return fmt.Errorf("devnet: node %d: %w", i, err)
	}
	d.mu.Lock()
	d.Nodes[i], d.down[i] = n, false
	d.mu.Unlock()
	return nil
}

// StopNode stops node i the most abruptly an in-process node can stop,
// as a crash would: its work is cancelled where it stands and its store
// closed as it is (the node syncs every write before it answers, so what
// it acknowledged is on disk). Nodes[i] keeps the stopped node, which must
// not be used, until StartNode; the market maker pauses while node 0 is
// down. It is the chaos checker's node kill.
func (d *Devnet) StopNode(i int) error {
	if i < 0 || i >= len(d.Nodes) {
		return fmt.Errorf("devnet: no node %d", i)
	}
	d.mu.Lock()
	if d.down[i] {
		d.mu.Unlock()
		return fmt.Errorf("devnet: node %d is already down", i)
	}
	d.down[i] = true
	n := d.Nodes[i]
	d.mu.Unlock()
	return n.Close()
}

// StartNode restarts node i, stopped by StopNode, from its data directory
// with its configuration: its API on the same address as before, so
// clients keep working, its gossip bootstrapped from the running nodes.
// Nodes[i] is the new node once it returns.
func (d *Devnet) StartNode(ctx context.Context, i int) error {
	if i < 0 || i >= len(d.Nodes) || !d.NodeDown(i) {
		return fmt.Errorf("devnet: node %d is not down", i)
	}
	if d.nodeCfgs[i].APIAddr == "" {
		d.nodeCfgs[i].APIAddr = strings.TrimPrefix(d.Nodes[i].APIURL(), "http://")
	}
	return d.startNode(ctx, i)
}

// NodeDown reports whether node i is stopped (StopNode).
func (d *Devnet) NodeDown(i int) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.down[i]
}

// waitConnected waits until every node has a peer.
func (d *Devnet) waitConnected(ctx context.Context) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		all := true
		for _, n := range d.Nodes[min(1, len(d.Nodes)-1):] {
			st, err := n.Status()
			if err != nil {
				return err
			}
			if len(d.Nodes) > 1 && st.Peers == 0 {
				all = false
			}
		}
		if all {
			return nil
		}
		if time.Now().After(deadline) {
			return errors.New("devnet: nodes did not connect within 10 s")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// demoIssued is the supply, in base units, of each asset the devnet
// issues (EUR, GOLD and USD by the issuer, GIFT by the merchant).
var demoIssued = map[string]uint64{"EUR": 100_000_000_00, "GOLD": 1_000_000_000, "USD": 100_000_000_00, "GIFT": 1_000_000_00}

// seed issues the demo asset and funds the holders, then waits until all
// of it is settled.
func (d *Devnet) seed(ctx context.Context, keys []*account.Key) error {
	n0 := d.Nodes[0]
	dom := n0.Domain()
	issuer := keys[0]
	var txs []ledger.Payload
	nonce := uint64(0)
	issue := func(sym string, dec uint8, currency uint16, supply uint64) ledger.Hash {
		a := &ledger.IssueAsset{Issuer: issuer.Address(), Symbol: sym, Decimals: dec, Currency: currency, Nonce: nonce}
		a.Supply.SetUint64(supply)
		nonce++
		txs = append(txs, a)
		d.Info.Assets = append(d.Info.Assets, AssetInfo{ID: dom.Digest(a.StructHash()).Hex(), Symbol: sym, Decimals: dec,
			Currency: currency, Issuer: issuer.Address().Hex()})
		return dom.Digest(a.StructHash())
	}
	give := func(to *account.Key, asset ledger.Hash, units uint64) {
		t := &ledger.Transfer{From: issuer.Address(), To: to.Address(), Asset: asset, Nonce: nonce}
		t.Amount = *uint256.NewInt(units)
		nonce++
		txs = append(txs, t)
	}
	// EUR first: the cards' asset (fiat-denominated, ISO 4217 978).
	eur := issue("EUR", 2, 978, demoIssued["EUR"])
	gold := issue("GOLD", 3, 0, demoIssued["GOLD"])
	usd := issue("USD", 2, 840, demoIssued["USD"])
	for _, h := range keys[1:4] {
		give(h, eur, 1000_00)  // 1,000.00
		give(h, gold, 100_000) // 100.000
		give(h, usd, 1000_00)  // 1,000.00
	}
	give(keys[4], eur, 10_000_00) // the merchant: to redeem its gift cards
	mm := keys[5]
	give(mm, eur, 1_000_000_00)
	give(mm, gold, 10_000_000)
	give(mm, usd, 1_000_000_00)
	// The merchant sells gift cards: GIFT, EUR-denominated, accepted only
	// at the merchant (stored value for POST /v1/allocate).
	merchant := keys[4]
	signers := map[ledger.Payload]*account.Key{}
	gift := &ledger.IssueAsset{Issuer: merchant.Address(), Symbol: "GIFT", Decimals: 2, Currency: 978, Nonce: 0}
	gift.Supply.SetUint64(demoIssued["GIFT"])
	giftID := dom.Digest(gift.StructHash())
	txs = append(txs, gift)
	signers[gift] = merchant
	d.Info.Assets = append(d.Info.Assets, AssetInfo{ID: giftID.Hex(), Symbol: "GIFT", Decimals: 2, Currency: 978, Issuer: merchant.Address().Hex()})
	for i, units := range []uint64{25_00, 7_30, 12_15} {
		t := &ledger.Transfer{From: merchant.Address(), To: keys[1+i].Address(), Asset: giftID, Nonce: uint64(1 + i)}
		t.Amount = *uint256.NewInt(units)
		txs = append(txs, t)
		signers[t] = merchant
	}
	var last ledger.Hash
	for _, p := range txs {
		signer := issuer
		if k := signers[p]; k != nil {
			signer = k
		}
		sig, err := signer.Sign(dom.Digest(p.StructHash()))
		if err != nil {
			return err
		}
		res, err := n0.Submit(ctx, &ledger.Tx{Payload: p, Sig: ledger.Sig(sig)})
		if err != nil {
			return fmt.Errorf("devnet: seed: %w", err)
		}
		last = res.ID
	}
	n0.Flush()
	for _, n := range d.Nodes {
		if err := waitSettled(ctx, n, last, 15*time.Second); err != nil {
			return err
		}
	}
	return nil
}

// waitSettled waits until n has folded tx id. A peer may have turned the
// tx away when gossip brought it before the tx it depends on ("rejected":
// a nonce gap of an account it did not know yet); it still settles there
// once the batch is folded, so only a settled outcome ends the wait.
func waitSettled(ctx context.Context, n *node.Node, id ledger.Hash, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for {
		info, err := n.TxStatus(id)
		switch {
		case err == nil && info.Status == api.TxSettled:
			return nil
		case err == nil && info.Status == api.TxFailed:
			return fmt.Errorf("devnet: seed tx %s %s: %s", id, info.Status, info.Reason)
		}
		select {
		case <-ctx.Done():
			st, _ := n.Status()
			return fmt.Errorf("devnet: seed tx not settled within %s: %w (status %q %s, err %v; node %+v)",
				timeout, ctx.Err(), info.Status, info.Reason, err, st)
		case <-t.C:
		}
	}
}

// fillInfo completes Info from the running devnet: the chain's
// endpoints, the contracts, the nodes and the demo accounts' settled
// balances.
func (d *Devnet) fillInfo(cfg Config, cs contracts, attesters []*account.Key) error {
	d.Info.ChainID = d.Chain.ChainID().Uint64()
	d.Info.EthRPC, d.Info.EthWS = d.Chain.HTTPURL(), d.Chain.WSURL()
	d.Info.Contracts = map[string]string{"anchor": cs.anchor.Hex(), "vault": cs.vault.Hex(), "token": cs.token.Hex()}
	d.Info.Network, d.Info.DataDir, d.Info.Persisted = cfg.Network, d.Dir, !d.temp
	d.Info.FinalDepth = FinalDepth
	d.Info.Mnemonic = devchain.TestMnemonic
	for i, n := range d.Nodes {
		d.Info.Nodes = append(d.Info.Nodes, NodeInfo{API: n.APIURL(), APIToken: n.APIToken(), PeerID: n.PeerID(),
			Multiaddrs: n.Multiaddrs(), Settler: i == 0})
		if i == 0 {
			d.Info.Nodes[i].SettleAccount = d.Info.EthAccounts[SettlerEthAccount]
		}
		if i < len(attesters) {
			d.Info.Nodes[i].Attester = attesters[i].Address().Hex()
		}
	}
	for i := range d.Info.Accounts {
		a := &d.Info.Accounts[i]
		addr, _ := ledger.ParseAddress(a.Address)
		info, err := d.Nodes[0].Account(addr)
		if err != nil {
			return err
		}
		a.Balances = map[string]string{}
		for _, b := range info.Balances {
			a.Balances[b.Symbol] = b.Settled
		}
	}
	return nil
}

// writeInfo writes Info to devnet.json in the devnet's directory.
func (d *Devnet) writeInfo() error {
	b, err := json.MarshalIndent(d.Info, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(d.Dir, "devnet.json"), append(b, '\n'), 0o600)
}

// Close stops the nodes and the chain. Safe twice.
func (d *Devnet) Close() error {
	var errs []error
	if d.admin != nil {
		errs = append(errs, d.admin.close())
		d.admin = nil
	}
	// A snapshot or revert under way finishes first.
	d.snaps.mu.Lock()
	defer d.snaps.mu.Unlock()
	if d.stopMarket != nil {
		d.stopMarket()
		d.stopMarket = nil
	}
	for _, c := range d.cards {
		errs = append(errs, c.close())
	}
	if len(d.cards) > 0 {
		d.waitReadersEmpty()
	}
	d.cards = nil
	for i := len(d.Nodes) - 1; i >= 0; i-- {
		if d.Nodes[i] != nil {
			errs = append(errs, d.Nodes[i].Close())
		}
	}
	d.Nodes = nil
	for _, e := range d.eths {
		e.Close()
	}
	d.eths = nil
	if d.Chain != nil {
		errs = append(errs, d.Chain.Close())
		d.Chain = nil
	}
	if d.temp && d.Dir != "" {
		errs = append(errs, os.RemoveAll(d.Dir))
		d.Dir = ""
	}
	return errors.Join(errs...)
}

// SettlerEthAccount is the test-mnemonic account node 0 settles with. Account
// 0 deploys the contracts and funds the demo, accounts 1-3 attest.
const SettlerEthAccount = 4
