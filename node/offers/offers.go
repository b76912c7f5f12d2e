// Package offers is the node's market subsystem: makers sign offers,
// nodes gossip them on /anonex/<net>/offer/1 and keep the open ones in a
// book (package exchange) and on disk; a Fill transaction takes one. It
// answers the book, quotes and offers' states over the pending view, and
// prunes offers that can never fill again (expired, cancelled, filled)
// once a second.
//
// It sees the node only through Node: the pending view, its gossip topic
// and the event stream. Its stored offers live in its own record
// namespace (Config.Records).
package offers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net/http"
	"strings"
	"time"

	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/exchange"
	"github.com/anonex/anonex/internal/task"
	"github.com/anonex/anonex/ledger"
	"github.com/anonex/anonex/ledger/store"
	"github.com/anonex/anonex/node/pool"
	"github.com/anonex/anonex/node/route"
	"github.com/anonex/anonex/p2p"
	"github.com/holiman/uint256"
	"github.com/libp2p/go-libp2p/core/peer"
)

// ErrOfferDead refuses an offer that can no longer fill.
var ErrOfferDead = errors.New("node: offer expired, cancelled, filled or unfunded")

// ErrOfferTooSmall refuses an offer below the minimum offer value.
var ErrOfferTooSmall = errors.New("node: offer below the minimum offer value")

// minOfferGive is the least an offer may give of an asset with these
// decimals: a ten-thousandth of one whole unit (at least one base unit).
// Offers of dust cost a spammer nothing to make and every node a slot.
func minOfferGive(decimals uint8) *uint256.Int {
	if decimals <= 4 {
		return uint256.NewInt(1)
	}
	return new(uint256.Int).Exp(uint256.NewInt(10), uint256.NewInt(uint64(decimals-4)))
}

// Node is what the market subsystem needs of the node.
type Node interface {
	// View runs fn over the pending view (settled state + pending writes).
	View(fn func(v *ledger.Overlay))
	// Domain is the EIP-712 domain; Recoverer recovers signers.
	Domain() ledger.Domain
	Recoverer() ledger.Recoverer
	// Join joins a gossip topic of the node's host.
	Join(topic string, v p2p.Validator) (*p2p.Topic, error)
	// Publish sends an event to the node's event stream.
	Publish(e api.Event)
	ResolveAsset(q string) (api.AssetInfo, error)
}

// Config configures the market subsystem.
type Config struct {
	// Network names the gossip network (node.Config.Network).
	Network string
	// Records is where offers are kept (store.NSOffer).
	Records store.Records
	// BookSize bounds the book. Default 100,000 offers.
	BookSize int
	// Limiter is the per-client limit POST /v1/offers shares with POST
	// /v1/txs (nil: none).
	Limiter *route.RateLimiter
	Clock   func() time.Time
	Logger  *slog.Logger
}

// Service is the market subsystem.
type Service struct {
	cfg   Config
	n     Node
	log   *slog.Logger
	book  *exchange.Book
	topic *p2p.Topic
	// pruneCursor is where the book's next pruning pass starts (used by
	// the pruning goroutine, or a benchmark calling PruneBook, only).
	pruneCursor uint64

	tasks *task.Group
}

// New returns node n's market subsystem, its book empty until Start.
func New(cfg Config, n Node) *Service {
	if cfg.BookSize <= 0 {
		cfg.BookSize = 100000
	}
	return &Service{cfg: cfg, n: n, log: cfg.Logger, book: exchange.NewBook(cfg.BookSize), tasks: task.NewGroup()}
}

// Start puts the stored offers back on the book, joins the offer topic
// and starts pruning.
func (s *Service) Start(ctx context.Context) error {
	if err := s.reloadOffers(); err != nil {
		return err
	}
	var err error
	if s.topic, err = s.n.Join(p2p.OfferTopicName(s.cfg.Network), s.validateOffer); err != nil {
		return err
	}
	s.tasks.Go(s.pruneLoop)
	return nil
}

// Stop stops pruning.
func (s *Service) Stop() { s.tasks.Stop() }

// OrderBook is the book itself, for the subsystems that quote from it
// (read it under the node's pending view).
func (s *Service) OrderBook() *exchange.Book { return s.book }

// OnBook reports whether an offer is on the book (funded or not).
func (s *Service) OnBook(id ledger.Hash) bool {
	_, ok := s.book.Get(id)
	return ok
}

func (s *Service) now() uint64 { return uint64(s.cfg.Clock().Unix()) }

// pruneLoop runs a pruning pass of the book every second.
func (s *Service) pruneLoop(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.PruneBook()
		}
	}
}

// AddOffer verifies an offer, puts it on the book, keeps it on disk and
// gossips it. It returns the offer id.
func (s *Service) AddOffer(ctx context.Context, so *ledger.SignedOffer) (ledger.Hash, error) {
	id, err := s.acceptOffer(so)
	if err != nil {
		return id, err
	}
	if s.topic != nil {
		if err := s.topic.Publish(ctx, so.Encode()); err != nil {
			s.log.Debug("offer publish", "id", id, "err", err)
		}
	}
	return id, nil
}

func (s *Service) acceptOffer(so *ledger.SignedOffer) (ledger.Hash, error) {
	id, err := ledger.VerifyOffer(so, s.n.Domain(), s.n.Recoverer())
	if err != nil {
		return id, err
	}
	if _, ok := s.book.Get(id); ok {
		return id, nil
	}
	var live bool
	var give *ledger.Asset
	s.n.View(func(v *ledger.Overlay) {
		_, live = s.bookLevel(v, id, so)
		give, _ = v.Asset(so.Give)
	})
	if !live {
		return id, fmt.Errorf("%w: %s", ErrOfferDead, id.Hex())
	}
	if give != nil {
		if least := minOfferGive(give.Decimals); so.GiveAmount.Lt(least) {
			return id, fmt.Errorf("%w: it gives %s base units of %s, at least %s", ErrOfferTooSmall,
				so.GiveAmount.Dec(), give.Symbol, least.Dec())
		}
	}
	evicted, err := s.book.Add(id, *so)
	if err != nil {
		return id, fmt.Errorf("%w: %w", pool.ErrPoolFull, err)
	}
	for _, ev := range evicted {
		// Fair eviction: the maker holding the most of a full pair gave
		// way. Its offer is forgotten here, not cancelled: it still fills
		// if a taker carries it.
		if err := s.cfg.Records.Put(ev.Hex(), nil); err != nil {
			s.log.Warn("forgetting an evicted offer", "id", ev, "err", err)
		}
		evID := ev
		s.n.Publish(api.Event{Type: "offer", ID: &evID, Status: "evicted"})
	}
	if err := s.cfg.Records.Put(id.Hex(), so.Encode()); err != nil {
		return id, err
	}
	s.n.Publish(api.Event{Type: "offer", ID: &id, Status: string(api.OfferOpen)})
	return id, nil
}

// bookLevel tells whether an offer can still fill in a view.
func (s *Service) bookLevel(v exchange.View, id ledger.Hash, so *ledger.SignedOffer) (exchange.Level, bool) {
	b := exchange.NewBook(1)
	if _, err := b.Add(id, *so); err != nil {
		return exchange.Level{}, false
	}
	for _, side := range []bool{true, false} {
		base, quote := so.Give, so.Want
		if !side {
			base, quote = so.Want, so.Give
		}
		pb, _ := b.Pair(v, base, quote, s.now())
		for _, l := range append(pb.Asks, pb.Bids...) {
			return l, true
		}
	}
	return exchange.Level{}, false
}

// validateOffer judges an offer heard from a peer.
func (s *Service) validateOffer(ctx context.Context, from peer.ID, raw []byte) p2p.Verdict {
	so, err := ledger.DecodeOffer(raw)
	if err != nil {
		return p2p.Reject
	}
	if _, err := s.acceptOffer(so); err != nil {
		switch {
		case errors.Is(err, pool.ErrPoolFull), errors.Is(err, ledger.ErrState):
			return p2p.Ignore // the book is full, or our store failed
		case errors.Is(err, ErrOfferDead), errors.Is(err, ErrOfferTooSmall):
			return p2p.Refuse // a token of the relay's refusal budget
		}
		return p2p.Reject
	}
	return p2p.Accept
}

// Stored offers live in Config.Records under their id. An offer that can
// never fill again (or was evicted) is deleted; an empty value, the
// tombstone older versions wrote, is skipped quietly. Only a record that
// is neither empty nor a signed offer is unreadable.

// reloadOffers puts the stored offers back on the book: every offer kept
// on disk and not yet dropped as dead comes back, whether or not its
// maker can fund it right now.
func (s *Service) reloadOffers() error {
	var bad []string
	err := s.cfg.Records.Scan("", func(k string, v []byte) bool {
		if len(v) == 0 {
			return true // dropped as dead
		}
		so, err := ledger.DecodeOffer(v)
		if err != nil {
			bad = append(bad, k)
			return true
		}
		id := so.ID(s.n.Domain())
		if k != id.Hex() {
			// Signed for another domain, or stored under another id.
			bad = append(bad, k)
			return true
		}
		if _, err := s.book.Add(id, *so); err != nil {
			bad = append(bad, k+" ("+err.Error()+")")
		}
		return true
	})
	if len(bad) > 0 {
		s.log.Warn("skipped unreadable stored offers", "count", len(bad), "keys", bad)
	}
	return err
}

// PruneBook runs one pruning pass of the book, as the service does every
// second (benchmarks call it directly): it drops the offers that can never
// fill again — expired, cancelled or filled in full. An offer its maker
// cannot fund right now stays on the book and on disk (the book leaves it
// out of its levels until the maker holds the asset again): a balance can
// come back, an expiry cannot.
func (s *Service) PruneBook() {
	var dead []ledger.Hash
	now := s.now()
	// A window of the book a pass, in slices, letting go of the pool's
	// lock between them: a scan of a full book under one lock stalled
	// ingest and settlement for most of a second. Every offer is visited
	// once every len/pruneWindow passes; until then a dead offer only
	// holds a slot (the book's levels leave it out anyway). An offer
	// finished in one slice's view stays finished.
	const slice = 512
	for budget := pruneWindow; budget > 0; {
		es, next := s.book.Scan(s.pruneCursor, min(slice, budget))
		budget -= slice
		s.n.View(func(v *ledger.Overlay) {
			for _, e := range es {
				if offerFinished(v, e.ID, &e.Offer.Offer, now) {
					dead = append(dead, e.ID)
				}
			}
		})
		s.pruneCursor = next
		if next == 0 {
			break // a full turn: start over next pass
		}
	}
	if len(dead) == 0 {
		return
	}
	del := make([]ledger.KV, len(dead))
	for i, id := range dead {
		s.book.Remove(id)
		del[i] = ledger.KV{Key: []byte(id.Hex())}
	}
	if err := s.cfg.Records.PutMany(del); err != nil { // one synced batch
		s.log.Warn("dropping dead offers", "offers", len(dead), "err", err)
	}
}

// pruneWindow is how many offers one pruning pass checks.
const pruneWindow = 8192

// offerFinished reports whether an offer can never fill again in a view.
func offerFinished(v *ledger.Overlay, id ledger.Hash, o *ledger.Offer, now uint64) bool {
	if now > o.Expiry || v.OfferCancelled(id, o.Maker) {
		return true
	}
	filled := v.OfferFilled(id)
	return !filled.Lt(&o.GiveAmount)
}

// Book returns a pair's book in the pending view.
func (s *Service) Book(base, quote api.AssetInfo) api.BookInfo {
	var pb exchange.PairBook
	s.n.View(func(v *ledger.Overlay) {
		pb, _ = s.book.Pair(v, base.ID, quote.ID, s.now())
	})
	info := api.BookInfo{Base: base, Quote: quote, Bids: []api.BookLevel{}, Asks: []api.BookLevel{}}
	render := func(l exchange.Level, bid bool) api.BookLevel {
		quoteUnits := l.Wants
		if bid {
			quoteUnits = l.Gives
		}
		return api.BookLevel{Offer: l.Offer, Maker: l.Maker, Size: ledger.FormatAmount(&l.Size, base.Decimals),
			Total: ledger.FormatAmount(&quoteUnits, quote.Decimals), Price: priceString(l.Price, base.Decimals, quote.Decimals)}
	}
	for _, l := range pb.Bids {
		info.Bids = append(info.Bids, render(l, true))
	}
	for _, l := range pb.Asks {
		info.Asks = append(info.Asks, render(l, false))
	}
	if len(info.Bids) > 0 {
		info.BestBid = info.Bids[0].Price
	}
	if len(info.Asks) > 0 {
		info.BestAsk = info.Asks[0].Price
	}
	return info
}

// priceString renders num/den quote base units per base base unit as a
// decimal price in display units, rounded to 8 decimals.
func priceString(p exchange.Price, baseDec, quoteDec uint8) string {
	// price = num/den × 10^baseDec / 10^quoteDec, at 8 decimals.
	num := p.Num.ToBig()
	num.Mul(num, pow10(int(baseDec)+8))
	den := p.Den.ToBig()
	den.Mul(den, pow10(int(quoteDec)))
	q := num.Quo(num, den)
	s := q.String()
	if len(s) <= 8 {
		s = strings.Repeat("0", 9-len(s)) + s
	}
	s = s[:len(s)-8] + "." + s[len(s)-8:]
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}

// Offer reports an offer the node knows.
func (s *Service) Offer(id ledger.Hash) (api.OfferInfo, error) {
	e, ok := s.book.Get(id)
	if !ok {
		v, err := s.cfg.Records.Get(id.Hex())
		if err != nil || len(v) == 0 {
			return api.OfferInfo{}, api.Errorf(api.CodeUnknownOffer, "no offer %s is known to this node", id.Hex())
		}
		so, err := ledger.DecodeOffer(v)
		if err != nil {
			return api.OfferInfo{}, err
		}
		e = &exchange.Entry{ID: id, Offer: *so}
	}
	info := api.OfferInfo{ID: id, Offer: &e.Offer, Status: api.OfferOpen}
	o := &e.Offer.Offer
	s.n.View(func(v *ledger.Overlay) {
		filled := v.OfferFilled(id)
		info.Filled = filled.Dec()
		left := new(uint256.Int).Sub(&o.GiveAmount, filled)
		info.Remaining = left.Dec()
		switch {
		case v.OfferCancelled(id, o.Maker):
			info.Status = api.OfferCancelled
		case left.IsZero():
			info.Status = api.OfferFilled
		case s.now() > o.Expiry:
			info.Status = api.OfferExpired
		}
	})
	return info, nil
}

// Routes mounts the market routes: offers, the book and quotes.
func (s *Service) Routes(m *route.Mux) {
	m.Handle("POST /v1/offers", func(r *http.Request) (any, error) {
		if s.cfg.Limiter != nil {
			if err := s.cfg.Limiter.Check(r); err != nil {
				return nil, err
			}
		}
		var so ledger.SignedOffer
		if err := route.Decode(r, &so); err != nil {
			return nil, err
		}
		id, err := s.AddOffer(r.Context(), &so)
		switch {
		case errors.Is(err, ErrOfferDead):
			return nil, api.Errorf(api.CodeOfferDead, "%v", err)
		case errors.Is(err, ErrOfferTooSmall):
			return nil, api.Errorf(api.CodeOfferTooSmall, "%v", err)
		case errors.Is(err, exchange.ErrMakerQuota):
			return nil, api.Errorf(api.CodeMakerQuota, "%v (cancel or let some expire first)", err)
		case errors.Is(err, exchange.ErrPairFull), errors.Is(err, exchange.ErrBookFull):
			return nil, api.Errorf(api.CodeBookFull, "%v", err)
		}
		if err != nil {
			return nil, err
		}
		return api.OfferPosted{ID: id}, nil
	})
	m.Handle("GET /v1/offers/{id}", func(r *http.Request) (any, error) {
		id, err := route.Hash(r, "id")
		if err != nil {
			return nil, err
		}
		return s.Offer(id)
	})
	m.Handle("GET /v1/quote", func(r *http.Request) (any, error) {
		q, err := route.Query(r, "pay", "receive", "amount")
		if err != nil {
			return nil, err
		}
		pay, err := s.n.ResolveAsset(q["pay"])
		if err != nil {
			return nil, err
		}
		receive, err := s.n.ResolveAsset(q["receive"])
		if err != nil {
			return nil, err
		}
		amount, err := ledger.ParseAmount(q["amount"], receive.Decimals)
		if err != nil {
			return nil, api.Errorf(api.CodeMalformed, "amount: %v", err)
		}
		return s.Quote(pay, receive, amount)
	})
	m.Handle("GET /v1/book/{base}/{quote}", func(r *http.Request) (any, error) {
		base, err := s.n.ResolveAsset(r.PathValue("base"))
		if err != nil {
			return nil, err
		}
		quote, err := s.n.ResolveAsset(r.PathValue("quote"))
		if err != nil {
			return nil, err
		}
		return s.Book(base, quote), nil
	})
}

func pow10(n int) *big.Int { return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil) }

// Quote prices receiving amount of receive by paying with pay, sweeping
// the pending book.
func (s *Service) Quote(pay, receive api.AssetInfo, amount *uint256.Int) (api.QuoteInfo, error) {
	var q exchange.Quote
	var err error
	s.n.View(func(v *ledger.Overlay) {
		q, err = s.book.QuoteReceive(v, pay.ID, receive.ID, amount, s.now())
	})
	var thin *exchange.ThinBookError
	if errors.As(err, &thin) {
		return api.QuoteInfo{}, api.Errorf(api.CodeThinBook, "%v: the offers selling %s for %s cover %s of the %s %s asked", exchange.ErrThinBook,
			receive.Symbol, pay.Symbol, ledger.FormatAmount(&thin.Covered, receive.Decimals), ledger.FormatAmount(&thin.Amount, receive.Decimals), receive.Symbol)
	}
	if errors.Is(err, exchange.ErrThinBook) {
		return api.QuoteInfo{}, api.Errorf(api.CodeThinBook, "%v", err)
	}
	if err != nil {
		return api.QuoteInfo{}, err
	}
	out := api.QuoteInfo{Pay: pay, Receive: receive, Amount: ledger.FormatAmount(amount, receive.Decimals),
		PayTotal: ledger.FormatAmount(&q.PayTotal, pay.Decimals), PayUnits: q.PayTotal.Dec(),
		ValidTill: s.cfg.Clock().Add(30 * time.Second).Unix()}
	for _, t := range q.Takes {
		out.Takes = append(out.Takes, api.QuoteTake{Offer: t.Offer, TakeUnits: t.Take.Dec(), PayUnits: t.Pay.Dec()})
	}
	return out, nil
}
