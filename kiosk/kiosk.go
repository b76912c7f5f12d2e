// Package kiosk is digital signage at a venue: a kiosk with a card
// reader shows the venue's map (node/venues) with the stores that take the
// presented card's assets emphasized and the others plain; with the
// card's PIN it adds the card's spendable balance at each.
//
// A Kiosk watches one PC/SC reader, reads a presented card (SELECT: its
// address and PIN tries), asks a node where at the venue that card is
// taken (GET /v1/venues/{id}/cards/{card}), and pushes what the page
// draws as server-sent events; the page (embedded, page.html) draws the
// operator's map as an image and the stores over it. Balances come from
// the card itself (GET STATUS: T − D per purse), read only after the card
// holder's PIN verified on the card (POST /pin). The venue's records are
// followed live: the page redraws when a store registers or leaves.
//
// Every event carries the moment the reader reported the card (the PC/SC
// status change), so the page can tell how long drawing took from there;
// it reports that (POST /drawn) and Kiosk.Draws keeps the figures.
package kiosk

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/cardbridge/cardclient"
	"github.com/anonex/anonex/cardbridge/cardproto"
	"github.com/anonex/anonex/cardbridge/pcsc"
	"github.com/anonex/anonex/client"
	"github.com/anonex/anonex/internal/strictjson"
	"github.com/anonex/anonex/ledger"
	"github.com/holiman/uint256"
)

//go:embed page.html
var page []byte

// Config configures a kiosk.
type Config struct {
	// Node is the node the kiosk asks (any node: venue records gossip).
	Node *client.Client
	// Venue is the venue shown.
	Venue ledger.Hash
	// Reader is the PC/SC reader cards are presented at.
	Reader string
	Logger *slog.Logger
}

// Event is what the page is sent (JSON on the event stream).
type Event struct {
	// Type: venue (the venue's stores changed: redraw), card (a card was
	// presented), balances (after the PIN), pin (a wrong PIN: tries left),
	// removed (the card left the reader), error (the card could not be
	// read).
	Type string `json:"type"`
	// At is when the reader reported the card (Unix ms), on every event
	// about a card.
	At       int64                `json:"at,omitempty"`
	Card     *ledger.Address      `json:"card,omitempty"`
	PINLeft  *uint8               `json:"pin_left,omitempty"`
	Assets   []api.VenueCardAsset `json:"assets,omitempty"`
	Stores   []api.VenueCardStore `json:"stores,omitempty"`
	Balances []Balance            `json:"balances,omitempty"`
	Message  string               `json:"message,omitempty"`
	// Refresh marks a card event sent again because the venue changed.
	Refresh bool `json:"refresh,omitempty"`
}

// Balance is a purse of the card: what it can spend, in the asset's units.
type Balance struct {
	Asset     ledger.Hash `json:"asset"`
	Symbol    string      `json:"symbol"`
	Spendable string      `json:"spendable"`
}

// Venue is what the page draws the venue from (GET /venue): the venue
// and its stores as the node lists them, and the symbols a store's
// details name.
type Venue struct {
	api.VenueDetail
	// Symbols names each asset a store lists and each asset a store's
	// merchant issued.
	Symbols map[ledger.Hash]string `json:"symbols"`
	// Own are, for each store's merchant that issued any, the assets it
	// issued (its gift cards): its store takes them without listing them.
	Own map[ledger.Address][]ledger.Hash `json:"own"`
}

// venue reads the venue and the symbols of what its stores take.
func (k *Kiosk) venue(ctx context.Context) (Venue, error) {
	v, err := k.cfg.Node.Venue(ctx, k.cfg.Venue)
	if err != nil {
		return Venue{}, err
	}
	assets, err := k.cfg.Node.Assets(ctx)
	if err != nil {
		return Venue{}, fmt.Errorf("kiosk: the node's assets: %w", err)
	}
	out := Venue{VenueDetail: v, Symbols: map[ledger.Hash]string{}, Own: map[ledger.Address][]ledger.Hash{}}
	symbol := map[ledger.Hash]string{}
	merchants := map[ledger.Address]bool{}
	for _, a := range assets {
		symbol[a.ID] = a.Symbol
	}
	for _, st := range v.StoreList {
		merchants[st.Merchant] = true
		for _, a := range st.Accepts {
			if sym, ok := symbol[a]; ok {
				out.Symbols[a] = sym
			}
		}
	}
	for _, a := range assets {
		if merchants[a.Issuer] {
			out.Own[a.Issuer] = append(out.Own[a.Issuer], a.ID)
			out.Symbols[a.ID] = a.Symbol
		}
	}
	return out, nil
}

// Kiosk is one running kiosk.
type Kiosk struct {
	cfg  Config
	log  *slog.Logger
	pc   *pcsc.Context
	done chan struct{} // closed by Close: event streams end
	once sync.Once

	mu      sync.Mutex
	subs    map[chan Event]struct{}
	current *presented // the card in the reader, or nil
	last    *Event     // the card event, for a page that connects late
	draws   []time.Duration
}

// presented is the card in the reader.
type presented struct {
	at     time.Time
	handle *pcsc.Card
	cl     *cardclient.Client
	view   api.VenueCardView
}

// New opens PC/SC for the kiosk.
func New(cfg Config) (*Kiosk, error) {
	if cfg.Node == nil || cfg.Venue.IsZero() || cfg.Reader == "" {
		return nil, errors.New("kiosk: a node, a venue and a reader are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	pc, err := pcsc.Open()
	if err != nil {
		return nil, err
	}
	return &Kiosk{cfg: cfg, log: cfg.Logger, pc: pc, subs: map[chan Event]struct{}{}, done: make(chan struct{})}, nil
}

// Close ends the page's event streams and releases PC/SC. Stop Run
// first. Safe to call twice.
func (k *Kiosk) Close() error {
	var err error
	k.once.Do(func() {
		close(k.done)
		k.mu.Lock()
		if k.current != nil {
			k.current.handle.Close()
			k.current = nil
		}
		k.mu.Unlock()
		err = k.pc.Release()
	})
	return err
}

// Run watches the reader and the venue until ctx ends.
func (k *Kiosk) Run(ctx context.Context) error {
	errc := make(chan error, 2)
	go func() { errc <- k.watchReader(ctx) }()
	go func() { errc <- k.followVenue(ctx) }()
	err := <-errc
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// watchReader reads each card presented and tells the page, then waits
// for it to leave.
func (k *Kiosk) watchReader(ctx context.Context) error {
	for {
		if err := k.pc.WaitCard(ctx, k.cfg.Reader); err != nil {
			return err
		}
		at := time.Now() // the reader reported a card
		if err := k.present(ctx, at); err != nil {
			k.log.Warn("kiosk: reading a presented card", "err", err)
			k.broadcast(Event{Type: "error", At: at.UnixMilli(), Message: err.Error()})
		}
		if err := k.pc.WaitRemoved(ctx, k.cfg.Reader); err != nil {
			return err
		}
		k.mu.Lock()
		if k.current != nil {
			k.current.handle.Close()
			k.current = nil
		}
		k.last = nil
		k.mu.Unlock()
		k.broadcast(Event{Type: "removed"})
	}
}

// present reads the card in the reader and where it is taken.
func (k *Kiosk) present(ctx context.Context, at time.Time) error {
	h, err := k.pc.Connect(k.cfg.Reader)
	if err != nil {
		return err
	}
	cl := cardclient.New(h)
	info, err := cl.Select()
	if err != nil {
		h.Close()
		return fmt.Errorf("the card does not answer as an anonex card: %w", err)
	}
	view, err := k.cfg.Node.VenueCard(ctx, k.cfg.Venue, info.Address)
	if err != nil {
		h.Close()
		return err
	}
	ev := Event{Type: "card", At: at.UnixMilli(), Card: &info.Address, PINLeft: &info.PINLeft, Assets: view.Assets, Stores: view.Stores}
	k.mu.Lock()
	k.current = &presented{at: at, handle: h, cl: cl, view: view}
	k.last = &ev
	k.mu.Unlock()
	k.broadcast(ev)
	return nil
}

// followVenue tells the page to redraw when the venue's records change.
func (k *Kiosk) followVenue(ctx context.Context) error {
	for ctx.Err() == nil {
		events, stop, err := k.cfg.Node.Events(ctx)
		if err != nil {
			k.log.Warn("kiosk: the node's event stream", "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
			continue
		}
		for e := range events {
			if e.Type == "venue" && e.ID != nil && *e.ID == k.cfg.Venue {
				k.broadcast(Event{Type: "venue"})
				k.refreshCard(ctx)
			}
		}
		stop()
	}
	return ctx.Err()
}

// refreshCard asks again where the card in the reader is taken, after the
// venue changed.
func (k *Kiosk) refreshCard(ctx context.Context) {
	k.mu.Lock()
	cur := k.current
	k.mu.Unlock()
	if cur == nil {
		return
	}
	view, err := k.cfg.Node.VenueCard(ctx, k.cfg.Venue, cur.view.Card)
	if err != nil {
		return
	}
	card := cur.view.Card
	ev := Event{Type: "card", At: cur.at.UnixMilli(), Card: &card, Assets: view.Assets, Stores: view.Stores, Refresh: true}
	k.mu.Lock()
	if k.current == cur {
		cur.view, k.last = view, &ev
	}
	k.mu.Unlock()
	k.broadcast(ev)
}

// ErrNoCard: no card is in the reader; ErrShown: the card's balances were
// shown (present it again to see them again); ErrPINFormat: what was
// entered cannot be a PIN, so the card is not asked (no try is spent).
var (
	ErrNoCard    = errors.New("kiosk: no card is presented")
	ErrShown     = errors.New("kiosk: the card's balances were shown; present it again")
	ErrPINFormat = errors.New("kiosk: not a PIN")
)

// WrongPINError: the card refused the PIN; Left tries remain.
type WrongPINError struct {
	Left uint8
	Err  error // the card's answer
}

func (e *WrongPINError) Error() string {
	return fmt.Sprintf("kiosk: wrong PIN, %d tries left", e.Left)
}

func (e *WrongPINError) Unwrap() error { return e.Err }

// VerifyPIN checks pin on the presented card and, when right, sends the
// card's spendable balances. A wrong PIN sends the tries left.
func (k *Kiosk) VerifyPIN(pin string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	cur := k.current
	if cur == nil {
		return ErrNoCard
	}
	if cur.cl == nil {
		return ErrShown
	}
	if err := cardproto.CheckPIN(pin); err != nil {
		return fmt.Errorf("%w: %w", ErrPINFormat, err)
	}
	if err := cur.cl.VerifyPIN(pin); err != nil {
		info, serr := cur.cl.Select()
		if serr != nil {
			return fmt.Errorf("kiosk: the card refused the PIN (%w), then did not answer: %w", err, serr)
		}
		k.broadcastLocked(Event{Type: "pin", At: cur.at.UnixMilli(), Message: err.Error(), PINLeft: &info.PINLeft})
		return &WrongPINError{Left: info.PINLeft, Err: err}
	}
	st, err := cur.cl.Status()
	if err != nil {
		return err
	}
	symbols := map[ledger.Hash]api.VenueCardAsset{}
	for _, a := range cur.view.Assets {
		symbols[a.Asset] = a
	}
	var bals []Balance
	for _, p := range st.Purses {
		a, ok := symbols[p.Asset]
		if !ok {
			continue // an asset the ledger credits nothing of
		}
		spend := new(uint256.Int)
		if !p.D.Gt(&p.T) {
			spend.Sub(&p.T, &p.D)
		}
		bals = append(bals, Balance{Asset: p.Asset, Symbol: a.Symbol, Spendable: displayAmount(spend, a.Decimals)})
	}
	k.broadcastLocked(Event{Type: "balances", At: cur.at.UnixMilli(), Card: &cur.view.Card, Balances: bals})
	// The kiosk needs the card no more: a reset ends the session the PIN
	// opened, so no other program finds the card unlocked.
	if err := cur.handle.CloseReset(); err != nil {
		k.log.Warn("kiosk: resetting the card after its PIN", "err", err)
	}
	cur.cl = nil
	return nil
}

// displayAmount is an amount for people: the asset's units, without
// zeros beyond the cents (0.05 ETH, not 0.050000000000000000; 100.00 EUR).
func displayAmount(v *uint256.Int, decimals uint8) string {
	s := ledger.FormatAmount(v, decimals)
	i := strings.IndexByte(s, '.')
	if i < 0 {
		return s
	}
	keep := i + 1 + min(2, int(decimals))
	for len(s) > keep && s[len(s)-1] == '0' {
		s = s[:len(s)-1]
	}
	return s
}

// Draws are the times the page took to draw a presented card's stores,
// from the reader's report, as the page measured them.
func (k *Kiosk) Draws() []time.Duration {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]time.Duration(nil), k.draws...)
}

func (k *Kiosk) subscribe() (chan Event, func()) {
	ch := make(chan Event, 32)
	k.mu.Lock()
	k.subs[ch] = struct{}{}
	last := k.last
	k.mu.Unlock()
	if last != nil {
		ch <- *last
	}
	return ch, func() {
		k.mu.Lock()
		delete(k.subs, ch)
		k.mu.Unlock()
	}
}

func (k *Kiosk) broadcast(e Event) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.broadcastLocked(e)
}

func (k *Kiosk) broadcastLocked(e Event) {
	for ch := range k.subs {
		select {
		case ch <- e:
		default: // a page that stopped reading misses it
		}
	}
}

// Handler serves the page, its event stream, the venue and its map (from
// the node), POST /pin and POST /drawn. POST /pin answers {"ok": true}
// (the balances follow on the event stream), {"ok": false, "error",
// "pin_left"} for a wrong PIN, and an HTTP error with {"error"} for a
// request it cannot take: 400 (not 6 to 12 digits, malformed), 409 (no
// card, or its balances were shown). Serve it on loopback: it is the
// kiosk's own screen.
func (k *Kiosk) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'")
		w.Write(page)
	})
	// No icon: an empty answer, not a 404 the browser reports.
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux.HandleFunc("GET /venue", func(w http.ResponseWriter, r *http.Request) {
		v, err := k.venue(r.Context())
		writeJSON(w, v, err)
	})
	mux.HandleFunc("GET /map.svg", func(w http.ResponseWriter, r *http.Request) {
		svg, err := k.cfg.Node.VenueMap(r.Context(), k.cfg.Venue)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		w.Header().Set("Content-Type", "image/svg+xml")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
		w.Write(svg)
	})
	mux.HandleFunc("GET /events", k.events)
	mux.HandleFunc("POST /pin", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			PIN string `json:"pin"`
		}
		if err := decode(r, &req); err != nil {
			writeJSON(w, nil, err)
			return
		}
		// A wrong PIN is an answer, not a failed request: the page shows
		// it (and the tries left) without the browser logging an error.
		err := k.VerifyPIN(req.PIN)
		var wrong *WrongPINError
		if errors.As(err, &wrong) {
			writeJSON(w, map[string]any{"ok": false, "error": wrong.Error(), "pin_left": wrong.Left}, nil)
			return
		}
		writeJSON(w, map[string]bool{"ok": true}, err)
	})
	mux.HandleFunc("POST /drawn", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			At      int64 `json:"at"`
			DrawnAt int64 `json:"drawn_at"`
		}
		if err := decode(r, &req); err != nil {
			writeJSON(w, nil, err)
			return
		}
		d := time.Duration(req.DrawnAt-req.At) * time.Millisecond
		k.mu.Lock()
		k.draws = append(k.draws, d)
		k.mu.Unlock()
		k.log.Info("kiosk: drew a presented card", "ms", d.Milliseconds())
		writeJSON(w, map[string]bool{"ok": true}, nil)
	})
	return mux
}

func decode(r *http.Request, v any) error {
	b, err := io.ReadAll(io.LimitReader(r.Body, 4096))
	if err != nil {
		return err
	}
	return strictjson.Unmarshal(b, v)
}

func writeJSON(w http.ResponseWriter, v any, err error) {
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		status := http.StatusBadRequest
		var ae *api.Error
		if errors.As(err, &ae) {
			status = ae.HTTPStatus
		} else if errors.Is(err, ErrNoCard) || errors.Is(err, ErrShown) {
			status = http.StatusConflict
		}
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
		return
	}
	json.NewEncoder(w).Encode(v)
}

// events streams Events to the page.
func (k *Kiosk) events(w http.ResponseWriter, r *http.Request) {
	ch, stop := k.subscribe()
	defer stop()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	rc := http.NewResponseController(w)
	w.WriteHeader(http.StatusOK)
	rc.Flush()
	keep := time.NewTicker(15 * time.Second)
	defer keep.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-k.done:
			return
		case <-keep.C:
			fmt.Fprint(w, ": keep-alive\n\n")
		case e := <-ch:
			b, _ := json.Marshal(e)
			fmt.Fprintf(w, "data: %s\n\n", b)
		}
		if rc.Flush() != nil {
			return
		}
	}
}
