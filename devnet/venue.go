package devnet

import (
	"context"
	"fmt"
	"strings"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/chain/devchain"
	"github.com/anonex/anonex/ledger"
)

// VenueInfo describes the devnet's venue in devnet.json: a shopping
// centre whose operator signed its map and placed its stores, so a kiosk
// works on the first try.
type VenueInfo struct {
	ID       string           `json:"id"`
	Name     string           `json:"name"`
	Operator string           `json:"operator"`
	Stores   []VenueStoreInfo `json:"stores"`
}

// VenueStoreInfo is one store of the devnet's venue.
type VenueStoreInfo struct {
	Name     string   `json:"name"`
	Merchant string   `json:"merchant"`
	Accepts  []string `json:"accepts"` // symbols; the merchant's own assets too
}

// devVenueName is the devnet venue's name.
const devVenueName = "Galleria Centrale"

// devStore is a store of the devnet's venue: its merchant is the demo
// merchant (role) or a key of its own (index), at a place on the map.
type devStore struct {
	name    string
	role    int // index into the demo keys, or -1
	index   uint32
	x, y    uint32
	accepts []string
}

// The devnet's stores. The demo merchant's shop takes its own GIFT cards
// (its asset) and EUR; the others take what they list, so each card
// lights up where its purses are taken.
var devStores = []devStore{
	{name: "Merchant Gift Shop", role: 4, x: 150, y: 130, accepts: []string{"EUR"}},
	{name: "Caffè Centrale", role: -1, index: 200, x: 400, y: 130, accepts: []string{"EUR", "USD"}},
	{name: "Crypto Corner", role: -1, index: 201, x: 650, y: 130, accepts: []string{"ETH"}},
	{name: "Gold & Co", role: -1, index: 202, x: 150, y: 420, accepts: []string{"GOLD"}},
	{name: "Book Nook", role: -1, index: 203, x: 400, y: 420, accepts: []string{"USD"}},
	{name: "Market Hall", role: -1, index: 204, x: 650, y: 420, accepts: []string{"EUR", "ETH", "GOLD"}},
}

// VenueOperatorIndex is the test-mnemonic index of the devnet venue
// operator's key: the demo role "operator".
const VenueOperatorIndex = demoKeyIndex + 6

// venueMap draws the devnet venue's floor plan: a unit a store, a mall
// between. Stores are placed at their unit's centre.
func venueMap() string {
	var b strings.Builder
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 800 550" font-family="sans-serif">`)
	b.WriteString(`<rect x="0" y="0" width="800" height="550" fill="#f4f1ea"/>`)
	b.WriteString(`<rect x="40" y="240" width="720" height="70" fill="#e2ddd0"/>`)
	b.WriteString(`<text x="400" y="282" text-anchor="middle" font-size="18" fill="#8a8474">` + devVenueName + `</text>`)
	for _, s := range devStores {
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="200" height="170" rx="6" fill="#fff" stroke="#b9b2a0"/>`, s.x-100, s.y-85)
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// seedVenue signs the devnet venue's map, its stores' listings and the
// operator's approval of each place, and hands them to node 0, which
// gossips them.
func (d *Devnet) seedVenue(ctx context.Context, keys []*account.Key) error {
	op := keys[VenueOperatorIndex-demoKeyIndex]
	n := d.Nodes[0]
	dom := n.Domain()
	ids := d.assetIDs()
	submit := func(k *account.Key, r *ledger.VenueRecord) error {
		sig, err := k.Sign(dom.Digest(r.StructHash()))
		if err != nil {
			return err
		}
		r.Signature = ledger.Sig(sig)
		if _, err := n.Venues().Accept(ctx, r); err != nil {
			return fmt.Errorf("devnet: venue %s record: %w", r.Type, err)
		}
		return nil
	}
	svg := venueMap()
	v := &ledger.Venue{Operator: op.Address(), Name: devVenueName, Map: ledger.Keccak256([]byte(svg)), Seq: 1}
	if err := submit(op, &ledger.VenueRecord{Type: ledger.VenueRecordVenue, Venue: v, SVG: svg}); err != nil {
		return err
	}
	info := VenueInfo{ID: v.ID().Hex(), Name: devVenueName, Operator: op.Address().Hex()}
	for _, s := range devStores {
		k := keys[max(s.role, 0)]
		if s.role < 0 {
			var err error
			if k, err = account.FromMnemonic(devchain.TestMnemonic, "", s.index); err != nil {
				return err
			}
		}
		st := &ledger.VenueStore{Venue: v.ID(), Merchant: k.Address(), Name: s.name, X: s.x, Y: s.y, Open: true, Seq: 1}
		for _, sym := range s.accepts {
			st.Accepts = append(st.Accepts, ids[sym])
		}
		if err := submit(k, &ledger.VenueRecord{Type: ledger.VenueRecordStore, Store: st}); err != nil {
			return err
		}
		p := &ledger.VenuePlace{Venue: v.ID(), Merchant: k.Address(), X: s.x, Y: s.y, Approved: true, Seq: 1}
		if err := submit(op, &ledger.VenueRecord{Type: ledger.VenueRecordPlace, Place: p}); err != nil {
			return err
		}
		accepts := append([]string{}, s.accepts...)
		for _, a := range d.Info.Assets {
			if strings.EqualFold(a.Issuer, k.Address().Hex()) {
				accepts = append(accepts, a.Symbol)
			}
		}
		info.Stores = append(info.Stores, VenueStoreInfo{Name: s.name, Merchant: k.Address().Hex(), Accepts: accepts})
	}
	d.Info.Venues = append(d.Info.Venues, info)
	return nil
}
