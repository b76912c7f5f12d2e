package devnet

import (
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/client"
	"github.com/anonex/anonex/ledger"
)

// TestDevnetVenueAtEveryNode: the devnet's venue reaches every node by
// gossip, with each store shown; for each devnet card every node names
// exactly the stores that take one of the card's assets — computed here
// from the card's balances and the stores' listings, and, for the demo,
// the four stores that take EUR or ETH, never the gold dealer nor the
// bookshop; the gift card's GIFT (card GiftCard) is taken at the
// merchant's gift shop only. The map is served as an image that runs
// nothing.
func TestDevnetVenueAtEveryNode(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	d, err := Start(ctx, Config{Cards: 2, HTTPAddr: "127.0.0.1:0", WSAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if len(d.Info.Venues) != 1 || len(d.Info.Venues[0].Stores) != len(devStores) {
		t.Fatalf("devnet.json venues: %+v", d.Info.Venues)
	}
	vi := d.Info.Venues[0]
	id, err := ledger.ParseHash(vi.ID)
	if err != nil {
		t.Fatal(err)
	}
	symbols := map[ledger.Hash]string{}
	for _, a := range d.Info.Assets {
		h, _ := ledger.ParseHash(a.ID)
		symbols[h] = a.Symbol
	}
	accepts := map[string][]string{}
	for _, s := range vi.Stores {
		accepts[s.Name] = s.Accepts
	}
	for i, nd := range d.Info.Nodes {
		cl := client.New(nd.API, "")
		deadline := time.Now().Add(20 * time.Second)
		for {
			v, err := cl.Venue(ctx, id)
			if err == nil && v.Stores == len(devStores) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("node %d: the venue with its stores never arrived: %+v %v (gossip %+v)", i, v, err, d.Nodes[i].GossipStats())
			}
			time.Sleep(50 * time.Millisecond)
		}
		for ci, c := range d.Info.Cards {
			card, _ := ledger.ParseAddress(c.Address)
			view, err := cl.VenueCard(ctx, id, card)
			if err != nil {
				t.Fatalf("node %d, card %s: %v", i, c.Address, err)
			}
			acct, err := cl.Account(ctx, c.Address)
			if err != nil {
				t.Fatal(err)
			}
			var held []string
			for _, b := range acct.Balances {
				if b.PendingUnits != "0" {
					held = append(held, b.Symbol)
				}
			}
			var want, got []string
			for name, acc := range accepts {
				if slices.ContainsFunc(acc, func(s string) bool { return slices.Contains(held, s) }) {
					want = append(want, name)
				}
			}
			for _, s := range view.Stores {
				got = append(got, s.Name)
				for _, a := range s.Takes {
					if !slices.Contains(held, symbols[a]) || !slices.Contains(accepts[s.Name], symbols[a]) {
						t.Errorf("node %d: %s takes %s of card %s, which holds %v and the store lists %v",
							i, s.Name, symbols[a], c.Address, held, accepts[s.Name])
					}
				}
			}
			slices.Sort(want)
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("node %d, card %s (holds %v): stores %v, want %v", i, c.Address, held, got, want)
			}
			if demo := []string{"Caffè Centrale", "Crypto Corner", "Market Hall", "Merchant Gift Shop"}; !slices.Equal(got, demo) {
				t.Errorf("node %d, card %s: stores %v, the demo's EUR and ETH card is taken at %v", i, c.Address, got, demo)
			}
			if ci != GiftCard {
				continue
			}
			// The gift card: its GIFT is taken at its merchant's shop
			// only, which lists EUR, never GIFT.
			if !slices.Contains(held, "GIFT") {
				t.Errorf("node %d: card %d holds %v, no GIFT", i, GiftCard, held)
			}
			var giftAt []string
			for _, s := range view.Stores {
				if slices.Contains(s.Takes, d.AssetID("GIFT")) {
					giftAt = append(giftAt, s.Name)
				}
			}
			if !slices.Equal(giftAt, []string{"Merchant Gift Shop"}) {
				t.Errorf("node %d: card %d's GIFT is taken at %v, want the merchant's shop only", i, GiftCard, giftAt)
			}
		}
	}

	resp, err := http.Get(d.Info.Nodes[1].API + "/v1/venues/" + vi.ID + "/map.svg")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/svg+xml" ||
		!strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'none'") || ledger.Keccak256(body).Hex() != mustVenue(t, ctx, d, id).Map.Hex() {
		t.Fatalf("map.svg: %d %v", resp.StatusCode, resp.Header)
	}
	var ae *api.Error
	if _, err := client.New(d.Info.Nodes[0].API, "").Venue(ctx, ledger.Hash{1}); !errors.As(err, &ae) || ae.Code != api.CodeUnknownVenue {
		t.Fatalf("an unknown venue: %v", err)
	}
}

func mustVenue(t *testing.T, ctx context.Context, d *Devnet, id ledger.Hash) api.VenueDetail {
	t.Helper()
	v, err := client.New(d.Info.Nodes[0].API, "").Venue(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
