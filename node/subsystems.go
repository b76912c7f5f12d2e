package node

import (
	"context"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/chain"
	"github.com/anonex/anonex/ledger"
	"github.com/anonex/anonex/ledger/store"
	"github.com/anonex/anonex/node/allocation"
	"github.com/anonex/anonex/node/bridge"
	"github.com/anonex/anonex/node/convert"
	"github.com/anonex/anonex/node/issuer"
	"github.com/anonex/anonex/node/offers"
	"github.com/anonex/anonex/node/route"
	"github.com/anonex/anonex/node/venues"
	"github.com/anonex/anonex/p2p"
)

// subsystem is one of the node's features beside ingest, fold and
// settlement (see doc.go). Each sees the node through an interface it
// declares, which services implements; Start runs once the node's chain
// client and gossip host are up; Stop ends what Start began; Routes mounts
// its API routes.
type subsystem interface {
	Start(ctx context.Context) error
	Stop()
	Routes(m *route.Mux)
}

// newSubsystems makes the node's subsystems, in start order (the market
// before conversions, which quote from its book).
func (n *Node) newSubsystems() error {
	cfg := &n.cfg
	sv := services{n}
	log := n.log
	n.cards = issuer.New(issuer.Config{Key: cfg.IssuerKey, FrontsUnfinal: cfg.IssuerFrontsUnfinal, FinalDepth: cfg.FinalDepth,
		PollInterval: cfg.PollInterval, Records: n.store.Records(store.NSIssuer)}, sv)
	n.market = offers.New(offers.Config{Network: cfg.Network, Records: n.store.Records(store.NSOffer), Limiter: n.limiter,
		Clock: cfg.Clock, Logger: log.With("sub", "offers")}, sv)
	var err error
	n.bridge, err = bridge.New(bridge.Config{Network: cfg.Network, Vault: cfg.Vault, Anchor: cfg.Anchor, AttestKey: cfg.AttestKey,
		Ledger: n.store, Attestations: n.store.Records(store.NSAttestation), Conflicts: n.store.Records(store.NSAttestationConflict),
		Withdrawals: n.store.Records(store.NSWithdrawal), PollInterval: cfg.PollInterval, Logger: log.With("sub", "bridge")}, sv)
	if err != nil {
		return err
	}
	wallet := account.Keys(cfg.WalletKeys)
	n.conv = convert.New(convert.Config{Wallet: wallet, Book: n.market.OrderBook(), Records: n.store.Records(store.NSConversion),
		Clock: cfg.Clock, Rand: cfg.Rand, Logger: log.With("sub", "convert")}, sv)
	n.alloc = allocation.New(allocation.Config{Wallet: wallet, Clock: cfg.Clock, Rand: cfg.Rand}, sv)
	n.signage = venues.New(venues.Config{Network: cfg.Network, Records: n.store.Records(store.NSVenue), Limiter: n.limiter,
		Logger: log.With("sub", "venues")}, sv)
	n.subsystems = []subsystem{n.cards, n.market, n.bridge, n.conv, n.alloc, n.signage}
	return nil
}

// Cards is the card subsystem (the issuer service, card state, the
// hot-list).
func (n *Node) Cards() *issuer.Service { return n.cards }

// Offers is the market subsystem (offers, the book, quotes).
func (n *Node) Offers() *offers.Service { return n.market }

// Bridge is the Vault bridge subsystem (attestations, withdrawals,
// deposits).
func (n *Node) Bridge() *bridge.Service { return n.bridge }

// Conversions is the conversion subsystem (gift cards, conversions at
// payment time).
func (n *Node) Conversions() *convert.Service { return n.conv }

// Allocation is the stored-value allocation subsystem.
func (n *Node) Allocation() *allocation.Service { return n.alloc }

// Venues is the signage subsystem (venue maps, stores, where a card is
// accepted).
func (n *Node) Venues() *venues.Service { return n.signage }

// services is the node as its subsystems see it: each declares the part
// it needs as an interface, and services implements them all.
type services struct{ n *Node }

var (
	_ issuer.Node     = services{}
	_ offers.Node     = services{}
	_ bridge.Node     = services{}
	_ convert.Node    = services{}
	_ allocation.Node = services{}
	_ venues.Node     = services{}
)

func (s services) View(fn func(v *ledger.Overlay)) { s.n.pool.View(fn) }
func (s services) Settled() ledger.Reader          { return s.n.store.State() }
func (s services) FinalState(ctx context.Context) (ledger.Reader, func(), error) {
	return s.n.finalState(ctx)
}
func (s services) ScanSettled(prefix []byte, fn func(key, value []byte) bool) error {
	return s.n.store.ScanState(prefix, fn)
}
func (s services) SettledBalances(a ledger.Address) (map[ledger.Hash][]byte, error) {
	return s.n.store.Balances(a)
}
func (s services) Domain() ledger.Domain       { return s.n.domain }
func (s services) Recoverer() ledger.Recoverer { return s.n.rec }
func (s services) Submit(ctx context.Context, tx *ledger.Tx) (api.SubmitResult, error) {
	return s.n.Submit(ctx, tx)
}
func (s services) WaitTx(ctx context.Context, id ledger.Hash) (api.TxInfo, error) {
	return s.n.WaitTx(ctx, id)
}
func (s services) Publish(e api.Event)                             { s.n.events.publish(e) }
func (s services) ResolveAsset(q string) (api.AssetInfo, error)    { return s.n.ResolveAsset(q) }
func (s services) ResolveAccount(q string) (ledger.Address, error) { return s.n.ResolveAccount(q) }
func (s services) Join(topic string, v p2p.Validator) (*p2p.Topic, error) {
	return s.n.host.Topic(topic, v)
}
func (s services) Eth() *chain.Client          { return s.n.eth }
func (s services) Horizon() (uint64, bool)     { return s.n.cachedHorizon() }
func (s services) Pending(id ledger.Hash) bool { _, ok := s.n.pool.Status(id); return ok }
