package venues

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"testing"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/ledger"
	"github.com/anonex/anonex/ledger/store"
	"github.com/anonex/anonex/p2p"
)

var testDomain = ledger.NewDomain(1337, ledger.Address{0xa1})

// recoverer recovers with the account package (go-ethereum's secp256k1
// is not linked here).
type recoverer struct{}

func (recoverer) Recover(d ledger.Hash, s ledger.Sig) (ledger.Address, error) {
	return account.Recover(d, s)
}

// fakeNode is the part of a node the records need: no pending view (the
// card view has its test on a devnet), no gossip.
type fakeNode struct{ events []api.Event }

func (*fakeNode) View(func(v *ledger.Overlay)) {}
func (*fakeNode) SettledBalances(ledger.Address) (map[ledger.Hash][]byte, error) {
	return nil, nil
}
func (*fakeNode) Domain() ledger.Domain       { return testDomain }
func (*fakeNode) Recoverer() ledger.Recoverer { return recoverer{} }
func (*fakeNode) Join(string, p2p.Validator) (*p2p.Topic, error) {
	return nil, errors.New("no gossip here")
}
func (f *fakeNode) Publish(e api.Event) { f.events = append(f.events, e) }

func key(t *testing.T, i byte) *account.Key {
	t.Helper()
	k, err := account.FromBytes(append(make([]byte, 31), i))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func sign(t *testing.T, k *account.Key, r *ledger.VenueRecord) *ledger.VenueRecord {
	t.Helper()
	sig, err := k.Sign(testDomain.Digest(r.StructHash()))
	if err != nil {
		t.Fatal(err)
	}
	r.Signature = ledger.Sig(sig)
	return r
}

const mapSVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 800 600"><rect width="800" height="600"/></svg>`

type fixture struct {
	t                  *testing.T
	st                 *store.Store
	s                  *Service
	n                  *fakeNode
	operator, merchant *account.Key
	venue              ledger.Hash
}

func newFixture(t *testing.T) *fixture {
	st, err := store.Open("", store.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := &fixture{t: t, st: st, n: &fakeNode{}, operator: key(t, 1), merchant: key(t, 2)}
	f.s = f.service()
	f.venue = ledger.VenueID(f.operator.Address(), "Galleria")
	return f
}

func (f *fixture) service() *Service {
	return New(Config{Records: f.st.Records(store.NSVenue), MaxStores: 2, MaxPerOperator: 2,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, f.n)
}

func (f *fixture) venueRec(seq uint64, svg string) *ledger.VenueRecord {
	return sign(f.t, f.operator, &ledger.VenueRecord{Type: ledger.VenueRecordVenue, SVG: svg,
		Venue: &ledger.Venue{Operator: f.operator.Address(), Name: "Galleria", Map: ledger.Keccak256([]byte(svg)), Seq: seq}})
}

func (f *fixture) storeRec(k *account.Key, seq uint64, x, y uint32, open bool) *ledger.VenueRecord {
	return sign(f.t, k, &ledger.VenueRecord{Type: ledger.VenueRecordStore, Store: &ledger.VenueStore{Venue: f.venue,
		Merchant: k.Address(), Name: "Café " + k.Address().Hex()[2:6], X: x, Y: y, Accepts: []ledger.Hash{{0xe0}}, Open: open, Seq: seq}})
}

func (f *fixture) placeRec(signer *account.Key, merchant ledger.Address, seq uint64, x, y uint32, ok bool) *ledger.VenueRecord {
	return sign(f.t, signer, &ledger.VenueRecord{Type: ledger.VenueRecordPlace, Place: &ledger.VenuePlace{Venue: f.venue,
		Merchant: merchant, X: x, Y: y, Approved: ok, Seq: seq}})
}

func (f *fixture) accept(r *ledger.VenueRecord) (bool, error) {
	return f.s.Accept(context.Background(), r)
}

func (f *fixture) mustAccept(r *ledger.VenueRecord) {
	f.t.Helper()
	if dup, err := f.accept(r); err != nil || dup {
		f.t.Fatalf("%s seq %d: dup %v, %v", r.Type, r.Seq(), dup, err)
	}
}

func (f *fixture) status() string {
	f.t.Helper()
	d, err := f.s.Venue(f.venue)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, st := range d.StoreList {
		if st.Merchant == f.merchant.Address() {
			return st.Status
		}
	}
	return "absent"
}

// TestStoreShownOnlyWhereTheOperatorApproved: a store is shown once the
// operator approves its place; moving makes it await approval again; a
// refusal or closing the listing takes it off the map.
func TestStoreShownOnlyWhereTheOperatorApproved(t *testing.T) {
	f := newFixture(t)
	f.mustAccept(f.venueRec(1, mapSVG))
	f.mustAccept(f.storeRec(f.merchant, 1, 100, 200, true))
	if got := f.status(); got != api.StoreAwaiting {
		t.Fatalf("a new store: %s", got)
	}
	f.mustAccept(f.placeRec(f.operator, f.merchant.Address(), 1, 100, 200, true))
	if got := f.status(); got != api.StoreShown {
		t.Fatalf("approved: %s", got)
	}
	if vs := f.s.Venues(); len(vs) != 1 || vs[0].Stores != 1 || vs[0].ViewBox != [4]float64{0, 0, 800, 600} {
		t.Fatalf("venues %+v", vs)
	}
	f.mustAccept(f.storeRec(f.merchant, 2, 300, 200, true))
	if got := f.status(); got != api.StoreAwaiting {
		t.Fatalf("moved without approval: %s", got)
	}
	f.mustAccept(f.placeRec(f.operator, f.merchant.Address(), 2, 300, 200, false))
	if got := f.status(); got != api.StoreRefused {
		t.Fatalf("refused: %s", got)
	}
	f.mustAccept(f.placeRec(f.operator, f.merchant.Address(), 3, 300, 200, true))
	f.mustAccept(f.storeRec(f.merchant, 3, 300, 200, false))
	if got := f.status(); got != api.StoreClosed {
		t.Fatalf("closed: %s", got)
	}
	if len(f.n.events) != 7 {
		t.Fatalf("%d venue events, want one per record kept", len(f.n.events))
	}
}

// TestAttackVenueRecordReplayedOrEquivocated: an attacker holding every
// record cannot bring an old one back (a store that left reopened, an
// old map restored) nor replace a record with another of the same seq; a
// copy of the held record is a duplicate, not news.
func TestAttackVenueRecordReplayedOrEquivocated(t *testing.T) {
	f := newFixture(t)
	v1 := f.venueRec(1, mapSVG)
	f.mustAccept(v1)
	open := f.storeRec(f.merchant, 1, 10, 10, true)
	f.mustAccept(open)
	f.mustAccept(f.storeRec(f.merchant, 2, 10, 10, false))
	if _, err := f.accept(open); !errors.Is(err, ErrStale) {
		t.Fatalf("the old open listing replayed: %v", err)
	}
	other := f.storeRec(f.merchant, 2, 20, 20, true)
	if _, err := f.accept(other); !errors.Is(err, ErrStale) {
		t.Fatalf("another listing with the held seq: %v", err)
	}
	if dup, err := f.accept(f.storeRec(f.merchant, 2, 10, 10, false)); err != nil || !dup {
		t.Fatalf("the held listing again: dup %v, %v", dup, err)
	}
	svg2 := `<svg viewBox="0 0 400 300"/>`
	f.mustAccept(f.venueRec(2, svg2))
	if _, err := f.accept(v1); !errors.Is(err, ErrStale) {
		t.Fatalf("the old map replayed: %v", err)
	}
	if m, _ := f.s.Map(f.venue); m != svg2 {
		t.Fatalf("map %q", m)
	}
}

// TestAttackPlaceNotByTheOperator: only the venue's operator places a
// store; a merchant approving itself, or a stranger, is refused.
func TestAttackPlaceNotByTheOperator(t *testing.T) {
	f := newFixture(t)
	f.mustAccept(f.venueRec(1, mapSVG))
	f.mustAccept(f.storeRec(f.merchant, 1, 10, 10, true))
	for _, k := range []*account.Key{f.merchant, key(t, 9)} {
		if _, err := f.accept(f.placeRec(k, f.merchant.Address(), 1, 10, 10, true)); !errors.Is(err, ErrNotOperator) {
			t.Fatalf("a place signed by %s: %v", k.Address().Hex(), err)
		}
	}
	if got := f.status(); got != api.StoreAwaiting {
		t.Fatalf("status %s", got)
	}
	// A store listed under the merchant's name but signed by another key.
	forged := f.storeRec(f.merchant, 5, 10, 10, false)
	sign(t, key(t, 9), forged)
	if _, err := f.accept(forged); !errors.Is(err, ledger.ErrWrongSigner) {
		t.Fatalf("a forged listing: %v", err)
	}
}

// TestVenueLimits: stores off the map, for unknown venues, beyond a
// venue's stores or beyond an operator's venues are refused.
func TestVenueLimits(t *testing.T) {
	f := newFixture(t)
	if _, err := f.accept(f.storeRec(f.merchant, 1, 10, 10, true)); !errors.Is(err, ErrUnknownVenue) {
		t.Fatalf("a store of an unknown venue: %v", err)
	}
	f.mustAccept(f.venueRec(1, mapSVG))
	if _, err := f.accept(f.storeRec(f.merchant, 1, 801, 10, true)); !errors.Is(err, ErrOffMap) {
		t.Fatalf("a store off the map: %v", err)
	}
	f.mustAccept(f.storeRec(f.merchant, 1, 10, 10, true))
	f.mustAccept(f.storeRec(key(t, 3), 1, 10, 10, true))
	if _, err := f.accept(f.storeRec(key(t, 4), 1, 10, 10, true)); !errors.Is(err, ErrFull) {
		t.Fatalf("a third store (limit 2): %v", err)
	}
	f.mustAccept(f.storeRec(f.merchant, 2, 11, 10, true)) // an update is not a new store
	for i, name := range []string{"Second", "Third"} {
		r := sign(t, f.operator, &ledger.VenueRecord{Type: ledger.VenueRecordVenue, SVG: mapSVG,
			Venue: &ledger.Venue{Operator: f.operator.Address(), Name: name, Map: ledger.Keccak256([]byte(mapSVG)), Seq: 1}})
		_, err := f.accept(r)
		if i == 0 && err != nil || i == 1 && !errors.Is(err, ErrFull) {
			t.Fatalf("venue %s of one operator (limit 2): %v", name, err)
		}
	}
}

// TestVenueRecordsOutliveARestart: what was kept is reloaded, and stays
// the newest.
func TestVenueRecordsOutliveARestart(t *testing.T) {
	f := newFixture(t)
	f.mustAccept(f.venueRec(1, mapSVG))
	f.mustAccept(f.storeRec(f.merchant, 4, 10, 10, true))
	f.mustAccept(f.placeRec(f.operator, f.merchant.Address(), 1, 10, 10, true))
	f.s = f.service()
	if err := f.s.reload(); err != nil {
		t.Fatal(err)
	}
	if got := f.status(); got != api.StoreShown {
		t.Fatalf("after a restart: %s", got)
	}
	if _, err := f.accept(f.storeRec(f.merchant, 3, 10, 10, false)); !errors.Is(err, ErrStale) {
		t.Fatalf("an older listing after a restart: %v", err)
	}
	if n := len(f.s.all()); n != 3 {
		t.Fatalf("the hand-over holds %d records, want 3", n)
	}
}

// TestVenueGossipVerdicts: the validator accepts a record it holds (this
// node's own Publish runs through it after Accept kept the record: an
// Ignore there would never send it), rejects what no honest peer relays
// and ignores what is only late or older.
func TestVenueGossipVerdicts(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	wire := func(r *ledger.VenueRecord) []byte {
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	v := f.venueRec(1, mapSVG)
	early := f.storeRec(f.merchant, 1, 10, 10, true)
	if got := f.s.validate(ctx, "", wire(early)); got != p2p.Ignore {
		t.Fatalf("a store before its venue: %v", got)
	}
	f.mustAccept(v)
	if got := f.s.validate(ctx, "", wire(v)); got != p2p.Accept {
		t.Fatalf("the venue just kept, as its own Publish validates it: %v", got)
	}
	if got := f.s.validate(ctx, "", wire(early)); got != p2p.Accept {
		t.Fatalf("the store once its venue is held: %v", got)
	}
	newer := f.storeRec(f.merchant, 2, 10, 10, true)
	f.mustAccept(newer)
	if got := f.s.validate(ctx, "", wire(early)); got != p2p.Ignore {
		t.Fatalf("an older listing: %v", got)
	}
	if got := f.s.validate(ctx, "", wire(f.storeRec(f.merchant, 3, 900, 10, true))); got != p2p.Refuse {
		t.Fatalf("a listing off our map: %v", got)
	}
	forged := f.placeRec(f.merchant, f.merchant.Address(), 1, 10, 10, true)
	if got := f.s.validate(ctx, "", wire(forged)); got != p2p.Reject {
		t.Fatalf("a place the merchant signed itself: %v", got)
	}
	if got := f.s.validate(ctx, "", []byte(`{"type":"Venue"}`)); got != p2p.Reject {
		t.Fatalf("garbage: %v", got)
	}
}
