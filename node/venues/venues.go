// Package venues is the node's signage subsystem: it keeps the venue
// records the network gossips on /anonex/<net>/venue/1 — each venue's map
// signed by its operator, each store's listing signed by its merchant,
// the operator's word on each store's place (ledger/venue.go) — the
// newest of each, on disk and in memory, hands them all to peers that
// join, and answers what a kiosk draws: the venue's map, its stores, and
// which of them take a given card's assets.
//
// It sees the node only through Node: the pending view (a card's assets
// and their issuers), its gossip topic and the event stream. Its records
// live in their own namespace (Config.Records).
package venues

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"

	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/ledger"
	"github.com/anonex/anonex/ledger/store"
	"github.com/anonex/anonex/node/route"
	"github.com/anonex/anonex/p2p"
	"github.com/libp2p/go-libp2p/core/peer"
)

// The refusals of a venue record beyond its own checks.
var (
	ErrUnknownVenue = errors.New("node: no such venue is known to this node")
	ErrStale        = errors.New("node: this node holds a newer record, or another with the same seq")
	ErrFull         = errors.New("node: this node keeps no more venues, or stores of this venue")
	ErrNotOperator  = errors.New("node: the place is not signed by the venue's operator")
	ErrOffMap       = errors.New("node: the place is not on the venue's map")
)

// Node is what the signage subsystem needs of the node.
type Node interface {
	// View runs fn over the pending view (settled state + pending writes).
	View(fn func(v *ledger.Overlay))
	// SettledBalances lists an account's settled balances by asset id.
	SettledBalances(a ledger.Address) (map[ledger.Hash][]byte, error)
	// Domain is the EIP-712 domain; Recoverer recovers signers.
	Domain() ledger.Domain
	Recoverer() ledger.Recoverer
	// Join joins a gossip topic of the node's host.
	Join(topic string, v p2p.Validator) (*p2p.Topic, error)
	// Publish sends an event to the node's event stream.
	Publish(e api.Event)
}

// Config configures the signage subsystem.
type Config struct {
	// Network names the gossip network.
	Network string
	// Records is where venue records are kept (store.NSVenue).
	Records store.Records
	// Limiter is the per-client limit POST /v1/venues shares with POST
	// /v1/txs (nil: none).
	Limiter *route.RateLimiter
	// MaxVenues bounds the venues kept (default 10,000), MaxPerOperator
	// one operator's (default 16), MaxStores one venue's stores (default
	// 1,000).
	MaxVenues, MaxPerOperator, MaxStores int
	Logger                               *slog.Logger
}

// venue is one venue's newest records.
type venue struct {
	rec    *ledger.VenueRecord
	box    ledger.ViewBox
	stores map[ledger.Address]*ledger.VenueRecord
	places map[ledger.Address]*ledger.VenueRecord
}

// Service is the signage subsystem.
type Service struct {
	cfg   Config
	n     Node
	log   *slog.Logger
	topic *p2p.Topic

	mu          sync.Mutex
	venues      map[ledger.Hash]*venue
	perOperator map[ledger.Address]int
}

// New returns node n's signage subsystem.
func New(cfg Config, n Node) *Service {
	if cfg.MaxVenues <= 0 {
		cfg.MaxVenues = 10000
	}
	if cfg.MaxPerOperator <= 0 {
		cfg.MaxPerOperator = 16
	}
	if cfg.MaxStores <= 0 {
		cfg.MaxStores = 1000
	}
	return &Service{cfg: cfg, n: n, log: cfg.Logger, venues: map[ledger.Hash]*venue{}, perOperator: map[ledger.Address]int{}}
}

// Start reloads the kept records, joins the venue topic and hands every
// record to each peer that joins it.
func (s *Service) Start(context.Context) error {
	if err := s.reload(); err != nil {
		return err
	}
	var err error
	if s.topic, err = s.n.Join(p2p.VenueTopicName(s.cfg.Network), s.validate); err != nil {
		return err
	}
	return s.topic.HandOver(s.all)
}

// Stop stops nothing of its own: the hand-over runs on the host.
func (s *Service) Stop() {}

func recordKey(r *ledger.VenueRecord) string {
	switch {
	case r.Venue != nil:
		return "v/" + r.Venue.ID().Hex()
	case r.Store != nil:
		return "s/" + r.Store.Venue.Hex() + "/" + r.Store.Merchant.Hex()
	default:
		return "p/" + r.Place.Venue.Hex() + "/" + r.Place.Merchant.Hex()
	}
}

// reload reads the kept records back: venues first, then what they hold.
// A record that no longer verifies (another network's, or damaged) is
// skipped with a warning.
func (s *Service) reload() error {
	var bad []string
	for _, prefix := range []string{"v/", "s/", "p/"} {
		err := s.cfg.Records.Scan(prefix, func(k string, v []byte) bool {
			var r ledger.VenueRecord
			if err := json.Unmarshal(v, &r); err != nil {
				bad = append(bad, k)
				return true
			}
			if _, err := s.accept(&r, false); err != nil {
				bad = append(bad, k+" ("+err.Error()+")")
			}
			return true
		})
		if err != nil {
			return err
		}
	}
	if len(bad) > 0 {
		s.log.Warn("skipped unreadable venue records", "count", len(bad), "keys", bad)
	}
	return nil
}

// Accept verifies a record, keeps it if it is the newest of its venue,
// store or place, and gossips it. dup reports a record held already.
func (s *Service) Accept(ctx context.Context, r *ledger.VenueRecord) (dup bool, err error) {
	if dup, err = s.accept(r, true); err != nil || dup {
		return dup, err
	}
	if s.topic != nil {
		raw, err := json.Marshal(r)
		if err == nil {
			err = s.topic.Publish(ctx, raw)
		}
		if err != nil {
			s.log.Debug("venue record publish", "venue", r.VenueID(), "type", r.Type, "err", err)
		}
	}
	return false, nil
}

// accept checks r against what is held and keeps it (on disk too, with
// persist), publishing a venue event.
func (s *Service) accept(r *ledger.VenueRecord, persist bool) (dup bool, err error) {
	who, err := ledger.VerifyVenueRecord(r, s.n.Domain(), s.n.Recoverer())
	if err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var held *ledger.VenueRecord
	var keep func()
	switch {
	case r.Venue != nil:
		id := r.Venue.ID()
		box, _ := ledger.ParseViewBox(r.SVG) // checked by VerifyVenueRecord
		v := s.venues[id]
		if v == nil {
			if len(s.venues) >= s.cfg.MaxVenues || s.perOperator[r.Venue.Operator] >= s.cfg.MaxPerOperator {
				return false, ErrFull
			}
			keep = func() {
				s.venues[id] = &venue{rec: r, box: box, stores: map[ledger.Address]*ledger.VenueRecord{},
					places: map[ledger.Address]*ledger.VenueRecord{}}
				s.perOperator[r.Venue.Operator]++
			}
		} else {
			held = v.rec
			keep = func() { v.rec, v.box = r, box }
		}
	case r.Store != nil:
		v := s.venues[r.Store.Venue]
		if v == nil {
			return false, fmt.Errorf("%w: %s", ErrUnknownVenue, r.Store.Venue.Hex())
		}
		if !v.box.Contains(r.Store.X, r.Store.Y) {
			return false, fmt.Errorf("%w: (%d, %d)", ErrOffMap, r.Store.X, r.Store.Y)
		}
		held = v.stores[r.Store.Merchant]
		if held == nil && len(v.stores) >= s.cfg.MaxStores {
			return false, ErrFull
		}
		keep = func() { v.stores[r.Store.Merchant] = r }
	default:
		v := s.venues[r.Place.Venue]
		if v == nil {
			return false, fmt.Errorf("%w: %s", ErrUnknownVenue, r.Place.Venue.Hex())
		}
		if who != v.rec.Venue.Operator {
			return false, fmt.Errorf("%w: signed by %s, the operator is %s", ErrNotOperator, who.Hex(), v.rec.Venue.Operator.Hex())
		}
		held = v.places[r.Place.Merchant]
		if held == nil && len(v.places) >= s.cfg.MaxStores {
			return false, ErrFull
		}
		keep = func() { v.places[r.Place.Merchant] = r }
	}
	if held != nil {
		switch {
		case r.Seq() == held.Seq() && r.StructHash() == held.StructHash() && r.SVG == held.SVG:
			return true, nil
		case r.Seq() <= held.Seq():
			return false, fmt.Errorf("%w: seq %d, held %d", ErrStale, r.Seq(), held.Seq())
		}
	}
	if persist {
		raw, err := json.Marshal(r)
		if err != nil {
			return false, err
		}
		if err := s.cfg.Records.Put(recordKey(r), raw); err != nil {
			return false, err
		}
	}
	keep()
	id := r.VenueID()
	s.n.Publish(api.Event{Type: "venue", ID: &id, Status: r.Type})
	return false, nil
}

// validate judges a venue record heard from a peer.
func (s *Service) validate(ctx context.Context, _ peer.ID, raw []byte) p2p.Verdict {
	var r ledger.VenueRecord
	if err := json.Unmarshal(raw, &r); err != nil {
		return p2p.Reject
	}
	// A record held already is accepted: this node's own Publish runs
	// through here after Accept kept the record, and gossip's seen cache
	// stops the copies of one payload.
	_, err := s.accept(&r, true)
	switch {
	case err == nil:
		return p2p.Accept
	case errors.Is(err, ErrStale), errors.Is(err, ErrUnknownVenue), errors.Is(err, ErrFull):
		return p2p.Ignore // older, early or over our limits: not the relay's doing
	case errors.Is(err, ErrOffMap):
		return p2p.Refuse // on another version of the map than ours
	case errors.Is(err, ledger.ErrBadField), errors.Is(err, ledger.ErrDecode), errors.Is(err, ledger.ErrBadSignature),
		errors.Is(err, ledger.ErrWrongSigner), errors.Is(err, ErrNotOperator):
		return p2p.Reject
	}
	return p2p.Ignore // our store failed
}

// all is every record held, venues first, in wire form: what a peer that
// joins the topic is handed.
func (s *Service) all() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	var venues, rest [][]byte
	add := func(to *[][]byte, r *ledger.VenueRecord) {
		if raw, err := json.Marshal(r); err == nil {
			*to = append(*to, raw)
		}
	}
	for _, v := range s.venues {
		add(&venues, v.rec)
		for _, r := range v.stores {
			add(&rest, r)
		}
		for _, r := range v.places {
			add(&rest, r)
		}
	}
	return append(venues, rest...)
}

// storeStatus is a store's state at v.
func storeStatus(v *venue, st *ledger.VenueStore) (string, *uint64) {
	if !st.Open {
		return api.StoreClosed, nil
	}
	pr := v.places[st.Merchant]
	if pr == nil {
		return api.StoreAwaiting, nil
	}
	p := pr.Place
	seq := p.Seq
	switch {
	case !p.Approved:
		return api.StoreRefused, &seq
	case p.X != st.X || p.Y != st.Y || !v.box.Contains(st.X, st.Y):
		return api.StoreAwaiting, &seq
	}
	return api.StoreShown, &seq
}

func (v *venue) info() api.VenueInfo {
	vr := v.rec.Venue
	out := api.VenueInfo{ID: vr.ID(), Name: vr.Name, Operator: vr.Operator, Seq: vr.Seq, Map: vr.Map,
		ViewBox: [4]float64{v.box.MinX, v.box.MinY, v.box.Width, v.box.Height}}
	for _, r := range v.stores {
		if st, _ := storeStatus(v, r.Store); st == api.StoreShown {
			out.Stores++
		}
	}
	return out
}

// Venues lists the venues held, by name.
func (s *Service) Venues() []api.VenueInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []api.VenueInfo{}
	for _, v := range s.venues {
		out = append(out, v.info())
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return bytes.Compare(out[i].ID[:], out[j].ID[:]) < 0
	})
	return out
}

// Venue is a venue and every store listed at it, by name.
func (s *Service) Venue(id ledger.Hash) (api.VenueDetail, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.venues[id]
	if v == nil {
		return api.VenueDetail{}, api.Errorf(api.CodeUnknownVenue, "no venue %s is known to this node (GET /v1/venues lists them)", id.Hex())
	}
	out := api.VenueDetail{VenueInfo: v.info(), StoreList: []api.VenueStoreInfo{}}
	for _, r := range v.stores {
		st := r.Store
		status, placeSeq := storeStatus(v, st)
		acc := append([]ledger.Hash{}, st.Accepts...)
		out.StoreList = append(out.StoreList, api.VenueStoreInfo{Merchant: st.Merchant, Name: st.Name, X: st.X, Y: st.Y,
			Accepts: acc, Status: status, Seq: st.Seq, PlaceSeq: placeSeq})
	}
	sort.Slice(out.StoreList, func(i, j int) bool {
		return storeLess(out.StoreList[i].Name, out.StoreList[i].Merchant, out.StoreList[j].Name, out.StoreList[j].Merchant)
	})
	return out, nil
}

func storeLess(an string, am ledger.Address, bn string, bm ledger.Address) bool {
	if an != bn {
		return an < bn
	}
	return bytes.Compare(am[:], bm[:]) < 0
}

// Map is a venue's SVG map.
func (s *Service) Map(id ledger.Hash) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.venues[id]
	if v == nil {
		return "", api.Errorf(api.CodeUnknownVenue, "no venue %s is known to this node", id.Hex())
	}
	return v.rec.SVG, nil
}

// CardView answers where at venue id the card account card is accepted:
// the shown stores that take at least one asset the ledger credits to it
// (settled or pending), and which.
func (s *Service) CardView(id ledger.Hash, card ledger.Address) (api.VenueCardView, error) {
	settled, err := s.n.SettledBalances(card)
	if err != nil {
		return api.VenueCardView{}, err
	}
	out := api.VenueCardView{Venue: id, Card: card, Assets: []api.VenueCardAsset{}, Stores: []api.VenueCardStore{}}
	var registered bool
	s.n.View(func(v *ledger.Overlay) {
		_, registered = v.Card(card)
		held := map[ledger.Hash]bool{}
		for a := range settled {
			held[a] = true
		}
		for a := range v.PendingBalances(card) {
			held[a] = true
		}
		for a := range held {
			if v.Balance(card, a).IsZero() {
				continue
			}
			if as, ok := v.Asset(a); ok {
				out.Assets = append(out.Assets, api.VenueCardAsset{Asset: a, Symbol: as.Symbol, Decimals: as.Decimals, Issuer: as.Issuer})
			}
		}
	})
	if !registered {
		return api.VenueCardView{}, api.Errorf(api.CodeUnknownCard, "%s is not a registered card", card.Hex())
	}
	sort.Slice(out.Assets, func(i, j int) bool { return out.Assets[i].Symbol < out.Assets[j].Symbol })
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.venues[id]
	if v == nil {
		return api.VenueCardView{}, api.Errorf(api.CodeUnknownVenue, "no venue %s is known to this node", id.Hex())
	}
	for _, r := range v.stores {
		st := r.Store
		if status, _ := storeStatus(v, st); status != api.StoreShown {
			continue
		}
		var takes []ledger.Hash
		for _, a := range out.Assets {
			if st.Takes(a.Asset, a.Issuer) {
				takes = append(takes, a.Asset)
			}
		}
		if len(takes) > 0 {
			out.Stores = append(out.Stores, api.VenueCardStore{Merchant: st.Merchant, Name: st.Name, X: st.X, Y: st.Y, Takes: takes})
		}
	}
	sort.Slice(out.Stores, func(i, j int) bool {
		return storeLess(out.Stores[i].Name, out.Stores[i].Merchant, out.Stores[j].Name, out.Stores[j].Merchant)
	})
	return out, nil
}

// classify turns a refusal into the API's error.
func classify(err error) error {
	switch {
	case errors.Is(err, ErrUnknownVenue):
		return api.Errorf(api.CodeUnknownVenue, "%v", err)
	case errors.Is(err, ErrStale):
		return api.Errorf(api.CodeStale, "%v (sign it again with a higher seq)", err)
	case errors.Is(err, ErrFull):
		return api.Errorf(api.CodeVenueFull, "%v", err)
	case errors.Is(err, ErrNotOperator):
		return api.Errorf(api.CodeNotOperator, "%v", err)
	case errors.Is(err, ErrOffMap):
		return api.Errorf(api.CodeInvalid, "%v", err)
	}
	return err // the ledger's errors: route.Classify knows them
}

// Routes mounts the signage routes.
func (s *Service) Routes(m *route.Mux) {
	m.Handle("GET /v1/venues", func(*http.Request) (any, error) { return s.Venues(), nil })
	m.Handle("POST /v1/venues", func(r *http.Request) (any, error) {
		if s.cfg.Limiter != nil {
			if err := s.cfg.Limiter.Check(r); err != nil {
				return nil, err
			}
		}
		var rec ledger.VenueRecord
		if err := route.Decode(r, &rec); err != nil {
			return nil, err
		}
		dup, err := s.Accept(r.Context(), &rec)
		if err != nil {
			return nil, classify(err)
		}
		return api.VenueRecordResult{Venue: rec.VenueID(), Type: rec.Type, Duplicate: dup}, nil
	})
	m.Handle("GET /v1/venues/{id}", func(r *http.Request) (any, error) {
		id, err := route.Hash(r, "id")
		if err != nil {
			return nil, err
		}
		return s.Venue(id)
	})
	m.Handle("GET /v1/venues/{id}/cards/{card}", func(r *http.Request) (any, error) {
		id, err := route.Hash(r, "id")
		if err != nil {
			return nil, err
		}
		card, err := route.Address(r, "card")
		if err != nil {
			return nil, err
		}
		return s.CardView(id, card)
	})
	// The map as an image: a kiosk draws it with <img> (which runs no
	// script an SVG may hold) and its stores over it; the policy keeps a
	// browser that opens it directly from running or fetching anything.
	m.Stream("GET /v1/venues/{id}/map.svg", func(w http.ResponseWriter, r *http.Request) {
		id, err := route.Hash(r, "id")
		if err == nil {
			var svg string
			if svg, err = s.Map(id); err == nil {
				h := w.Header()
				h.Set("Content-Type", "image/svg+xml")
				h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
				h.Set("X-Content-Type-Options", "nosniff")
				h.Set("ETag", `"`+strings.TrimPrefix(ledger.Keccak256([]byte(svg)).Hex(), "0x")+`"`)
				w.Write([]byte(svg))
				return
			}
		}
		route.Fail(w, r, err)
	})
}
