// Package allocation is the node's stored-value allocation subsystem
// (POST /v1/allocate): a payment of an amount at a merchant, in the units
// of one asset, is covered from a pool of stored-value items — balances of
// the user's accounts (device accounts and card purses) in assets of the
// payment's currency — with the least residual left on the chosen gift
// cards (exchange/alloc.AllocateOpen: a balance accepted everywhere keeps
// what is left on it spendable, so it is not counted; gift cards are
// emptied before open balances pay). Each chosen item comes with what spends it at the
// point of sale: a signed, time-limited spend authorization the
// merchant's terminal redeems once (a device account), or the card itself
// (a card purse pays with its own record).
//
// Which items a merchant accepts: the payment asset itself everywhere;
// another asset of the same currency and decimals (a gift card) only at
// its issuer; or as the request's items say.
//
// It sees the node only through Node: the pending view, the settled
// balances and the node's name resolution.
package allocation

import (
	"context"
	"errors"
	"io"
	"math"
	"net/http"
	"time"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/exchange/alloc"
	"github.com/anonex/anonex/ledger"
	"github.com/anonex/anonex/node/route"
	"github.com/holiman/uint256"
)

// maxAllocateItems bounds a request's pool.
const maxAllocateItems = 20000

// Node is what allocation needs of the node.
type Node interface {
	// View runs fn over the pending view (settled state + pending writes).
	View(fn func(v *ledger.Overlay))
	// Domain is the EIP-712 domain spend authorizations are signed under.
	Domain() ledger.Domain
	// SettledBalances lists an account's settled balances by asset id.
	SettledBalances(a ledger.Address) (map[ledger.Hash][]byte, error)
	ResolveAsset(q string) (api.AssetInfo, error)
	ResolveAccount(q string) (ledger.Address, error)
}

// Config configures the allocation service.
type Config struct {
	// Wallet are the accounts whose spend authorizations the node signs
	// (node.Config.WalletKeys).
	Wallet account.Keys
	// Clock gives the authorizations' expiry times; Rand their salts.
	Clock func() time.Time
	Rand  io.Reader
}

// Service answers allocation requests. It runs nothing in the background:
// Start and Stop have nothing to do.
type Service struct {
	cfg Config
	n   Node
}

// New returns the allocation service of node n.
func New(cfg Config, n Node) *Service { return &Service{cfg: cfg, n: n} }

// Start starts nothing: allocation answers requests only.
func (s *Service) Start(context.Context) error { return nil }

// Stop stops nothing.
func (s *Service) Stop() {}

// Routes mounts POST /v1/allocate, token-protected: the answer carries
// signatures that spend the wallet's accounts.
func (s *Service) Routes(m *route.Mux) {
	m.Authorized("POST /v1/allocate", func(r *http.Request) (any, error) {
		var req api.AllocateRequest
		if err := route.Decode(r, &req); err != nil {
			return nil, err
		}
		return s.Allocate(req)
	})
}

type poolItem struct {
	id      string
	account ledger.Address
	asset   *ledger.Asset
	balance *uint256.Int
	card    bool
	accept  []ledger.Address
}

// Allocate answers an allocation request. Spend authorizations for
// accounts whose keys this node holds as a wallet (Config.WalletKeys) come
// signed; the others carry the typed data their wallet signs.
func (s *Service) Allocate(req api.AllocateRequest) (*api.AllocateResult, error) {
	start := time.Now()
	q, err := s.checkAllocate(req)
	if err != nil {
		return nil, err
	}
	pool, err := s.allocationPool(req, q)
	if err != nil {
		return nil, err
	}
	items, byID := allocItems(pool)
	plan, err := alloc.AllocateOpen(items, q.amount.Uint64(), q.merchant.Hex(), alloc.Options{})
	var short *alloc.ShortfallError
	if errors.As(err, &short) {
		return nil, api.Errorf(api.CodeInsufficientFunds,
			"the pool holds %s %s accepted by %s, the payment is %s",
			ledger.FormatAmount(uint256.NewInt(short.Available), q.pay.Decimals), q.pay.Symbol, q.merchant.Hex(), req.Amount)
	}
	if err != nil {
		return nil, api.Errorf(api.CodeInvalid, "%v", err)
	}
	res, err := s.allocationResult(q, plan, byID, len(items))
	if err != nil {
		return nil, err
	}
	res.Took = time.Since(start).String()
	return res, nil
}

// allocation is a checked allocation request with every name resolved.
type allocation struct {
	pay      api.AssetInfo
	merchant ledger.Address
	amount   *uint256.Int
	life     time.Duration
	accounts []ledger.Address
	explicit []ledger.Hash // the asset of each of the request's items
}

// checkAllocate validates an allocation request and resolves its names.
func (s *Service) checkAllocate(req api.AllocateRequest) (*allocation, error) {
	q := &allocation{life: 10 * time.Minute}
	var err error
	if q.pay, err = s.n.ResolveAsset(req.Asset); err != nil {
		return nil, err
	}
	if q.merchant, err = s.n.ResolveAccount(req.Merchant); err != nil {
		return nil, err
	}
	if q.amount, err = ledger.ParseAmount(req.Amount, q.pay.Decimals); err != nil {
		return nil, api.Errorf(api.CodeInvalid, "amount: %v", err)
	}
	if q.amount.IsZero() || !q.amount.IsUint64() {
		return nil, api.Errorf(api.CodeInvalid, "amount must be positive and below 2^64 base units")
	}
	if req.ExpiresIn != "" {
		if q.life, err = time.ParseDuration(req.ExpiresIn); err != nil || q.life <= 0 || q.life > 24*time.Hour {
			return nil, api.Errorf(api.CodeInvalid, "expires_in %q: a duration up to 24h", req.ExpiresIn)
		}
	}
	if len(req.Accounts)+len(req.Items) == 0 {
		return nil, api.Errorf(api.CodeInvalid, "give the pool: accounts or items")
	}
	if len(req.Items) > maxAllocateItems || len(req.Accounts) > maxAllocateItems {
		return nil, api.Errorf(api.CodeTooLarge, "at most %d items", maxAllocateItems)
	}
	for _, name := range req.Accounts {
		a, err := s.n.ResolveAccount(name)
		if err != nil {
			return nil, err
		}
		q.accounts = append(q.accounts, a)
	}
	// Items name few assets: resolve each name once (a resolution reads
	// every asset).
	resolved := map[string]ledger.Hash{}
	q.explicit = make([]ledger.Hash, len(req.Items))
	for i, it := range req.Items {
		id, ok := resolved[it.Asset]
		if !ok {
			a, err := s.n.ResolveAsset(it.Asset)
			if err != nil {
				return nil, err
			}
			id, resolved[it.Asset] = a.ID, a.ID
		}
		q.explicit[i] = id
	}
	return q, nil
}

// allocationPool gathers the stored value that may pay: every purse of
// the request's accounts in the payment's unit (a gift card only at its
// issuer's shops), and its explicit items, read in one pending view.
func (s *Service) allocationPool(req api.AllocateRequest, q *allocation) ([]poolItem, error) {
	// The assets each account holds settled, read before the pending view
	// is locked.
	settledHeld := make([][]ledger.Hash, len(q.accounts))
	for i, acct := range q.accounts {
		bals, err := s.n.SettledBalances(acct)
		if err != nil {
			return nil, err
		}
		for id := range bals {
			settledHeld[i] = append(settledHeld[i], id)
		}
	}
	var pool []poolItem
	ids := map[string]bool{}
	s.n.View(func(v *ledger.Overlay) {
		sameUnit := func(a *ledger.Asset) bool {
			return a.ID == q.pay.ID || (q.pay.Currency != 0 && a.Currency == q.pay.Currency && a.Decimals == q.pay.Decimals)
		}
		add := func(id string, acct ledger.Address, a *ledger.Asset, accept []ledger.Address) {
			bal := v.Balance(acct, a.ID)
			if bal.IsZero() || ids[id] {
				return
			}
			ids[id] = true
			_, card := v.Card(acct)
			pool = append(pool, poolItem{id: id, account: acct, asset: a, balance: bal, card: card, accept: accept})
		}
		for i, acct := range q.accounts {
			for _, a := range heldAssets(v, acct, settledHeld[i]) {
				if !sameUnit(a) {
					continue
				}
				var accept []ledger.Address
				if a.ID != q.pay.ID {
					accept = []ledger.Address{a.Issuer} // a gift card: its issuer's shops
				}
				add(acct.Hex()+"/"+a.Symbol, acct, a, accept)
			}
		}
		for i, it := range req.Items {
			a, ok := v.Asset(q.explicit[i])
			if !ok || !sameUnit(a) {
				continue
			}
			id := it.ID
			if id == "" {
				id = it.Account.Hex() + "/" + a.Symbol
			}
			add(id, it.Account, a, it.Merchants)
		}
	})
	return pool, nil
}

// allocItems turns the pool into the allocator's items, and indexes it by
// item id.
func allocItems(pool []poolItem) ([]alloc.Item, map[string]*poolItem) {
	items := make([]alloc.Item, len(pool))
	byID := make(map[string]*poolItem, len(pool))
	for i := range pool {
		p := &pool[i]
		bal := uint64(math.MaxUint64)
		if p.balance.IsUint64() {
			bal = p.balance.Uint64()
		}
		var ms []string
		for _, m := range p.accept {
			ms = append(ms, m.Hex())
		}
		items[i] = alloc.Item{ID: p.id, Balance: bal, Merchants: ms}
		byID[p.id] = p
	}
	return items, byID
}

// allocationResult answers a plan: a card pays with the card; an account
// with a spend authorization, signed here when this node holds its key,
// else as the typed data its wallet signs.
func (s *Service) allocationResult(q *allocation, plan alloc.Plan, byID map[string]*poolItem, items int) (*api.AllocateResult, error) {
	expires := uint64(s.cfg.Clock().Add(q.life).Unix())
	res := &api.AllocateResult{Amount: ledger.FormatAmount(q.amount, q.pay.Decimals), Asset: q.pay.ID, Symbol: q.pay.Symbol, Merchant: q.merchant,
		Residual: ledger.FormatAmount(uint256.NewInt(plan.Residual), q.pay.Decimals), Exact: plan.Exact,
		Bound: ledger.FormatAmount(uint256.NewInt(plan.Bound), q.pay.Decimals), Method: plan.Method, Items: items, Expires: expires}
	for _, spend := range plan.Spends {
		p := byID[spend.ID]
		units := uint256.NewInt(spend.Amount)
		left := new(uint256.Int).Sub(p.balance, units)
		sp := api.AllocateSpend{Item: spend.ID, Account: p.account, Asset: p.asset.ID, Symbol: p.asset.Symbol,
			Amount: ledger.FormatAmount(units, p.asset.Decimals), Units: units.Dec(), Balance: ledger.FormatAmount(p.balance, p.asset.Decimals),
			Left: ledger.FormatAmount(left, p.asset.Decimals), Open: len(p.accept) == 0}
		if p.card {
			sp.Access = "card"
			res.Spends = append(res.Spends, sp)
			continue
		}
		sp.Access = "authorization"
		a := ledger.SpendAuth{Account: p.account, Asset: p.asset.ID, Amount: *units, Payee: q.merchant, Expiry: expires}
		if _, err := io.ReadFull(s.cfg.Rand, a.Salt[:]); err != nil {
			return nil, err
		}
		sa := &ledger.SignedSpendAuth{SpendAuth: a}
		if k := s.cfg.Wallet.Find(p.account); k != nil {
			sig, err := k.Sign(sa.ID(s.n.Domain()))
			if err != nil {
				return nil, err
			}
			sa.Sig, sp.Signed = ledger.Sig(sig), true
		} else {
			sp.TypedData = ledger.SpendAuthTypedData(&a, s.n.Domain())
		}
		sp.Authorization = sa
		res.Spends = append(res.Spends, sp)
	}
	return res, nil
}

// heldAssets lists the assets an account holds: those it holds settled
// and those the pending view changed.
func heldAssets(v *ledger.Overlay, acct ledger.Address, settled []ledger.Hash) []*ledger.Asset {
	seen := map[ledger.Hash]bool{}
	var out []*ledger.Asset
	add := func(id ledger.Hash) {
		if seen[id] {
			return
		}
		seen[id] = true
		if a, ok := v.Asset(id); ok {
			out = append(out, a)
		}
	}
	for _, id := range settled {
		add(id)
	}
	for id := range v.PendingBalances(acct) {
		add(id)
	}
	return out
}
