package devnet

import (
	"context"
	"crypto/rand"
	"sync"
	"time"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/ledger"
	"github.com/holiman/uint256"
)

// The devnet's market maker keeps offers on both sides of GOLD/EUR and
// USD/EUR, so a newcomer sees a live market at once: whenever fewer than
// two of its offers stand on a side, it posts new ones around a fixed mid.
type quoteSpec struct {
	base, quote string
	size        uint64 // base units per offer
	mid         uint64 // quote units per `size` base units
}

var devnetQuotes = []quoteSpec{
	{base: "GOLD", quote: "EUR", size: 1_000, mid: 2000_00}, // 1.000 GOLD ≈ 2,000.00 EUR
	{base: "USD", quote: "EUR", size: 100_00, mid: 92_00},   // 100.00 USD ≈ 92.00 EUR
	{base: "ETH", quote: "EUR", size: 1e17, mid: 300_00},    // 0.1 ETH ≈ 300.00 EUR: cards convert on its bids
}

const offersPerSide = 2

// assetIDs maps the devnet's asset symbols to their ids.
func (d *Devnet) assetIDs() map[string]ledger.Hash {
	ids := map[string]ledger.Hash{}
	for _, a := range d.Info.Assets {
		if id, err := ledger.ParseHash(a.ID); err == nil {
			ids[a.Symbol] = id
		}
	}
	return ids
}

// AssetID is the id of the devnet asset with this symbol (zero if none).
func (d *Devnet) AssetID(symbol string) ledger.Hash { return d.assetIDs()[symbol] }

func (d *Devnet) startMarket(ctx context.Context, mm *account.Key) error {
	ids := d.assetIDs()
	if err := d.quoteOnce(mm, ids); err != nil {
		return err
	}
	mctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-mctx.Done():
				return
			case <-t.C:
				if err := d.quoteOnce(mm, ids); err != nil && mctx.Err() == nil {
					d.log.Warn("market maker", "err", err)
				}
			}
		}
	}()
	d.stopMarket = func() { cancel(); wg.Wait() }
	return nil
}

// quoteOnce tops each side of each pair up to offersPerSide offers.
func (d *Devnet) quoteOnce(mm *account.Key, ids map[string]ledger.Hash) error {
	// Node 0 stays up while the market maker quotes; it pauses while node
	// 0 is down (StopNode).
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.Nodes) == 0 || d.down[0] {
		return nil
	}
	n0 := d.Nodes[0]
	dom := n0.Domain()
	for _, q := range devnetQuotes {
		base, quote := ids[q.base], ids[q.quote]
		bi, err := n0.ResolveAsset(base.Hex())
		if err != nil {
			return err
		}
		qi, err := n0.ResolveAsset(quote.Hex())
		if err != nil {
			return err
		}
		book := n0.Offers().Book(bi, qi)
		count := func(levels []api.BookLevel) int {
			c := 0
			for _, l := range levels {
				if l.Maker == mm.Address() {
					c++
				}
			}
			return c
		}
		asks, bids := count(book.Asks), count(book.Bids)
		for k := asks; k < offersPerSide; k++ {
			// Ask: give size base for mid × (1 + (k+1)/200) quote.
			want := q.mid * uint64(200+k+1) / 200
			if err := d.postOffer(mm, dom, base, q.size, quote, want); err != nil {
				return err
			}
		}
		for k := bids; k < offersPerSide; k++ {
			// Bid: give mid × (1 − (k+1)/200) quote for size base.
			give := q.mid * uint64(200-k-1) / 200
			if err := d.postOffer(mm, dom, quote, give, base, q.size); err != nil {
				return err
			}
		}
	}
	return nil
}

func (d *Devnet) postOffer(mm *account.Key, dom ledger.Domain, give ledger.Hash, giveUnits uint64, want ledger.Hash, wantUnits uint64) error {
	return d.postOfferFor(mm, dom, give, giveUnits, want, wantUnits, 24*time.Hour)
}

// postOfferFor posts a partial offer from maker that lasts life.
func (d *Devnet) postOfferFor(mm *account.Key, dom ledger.Domain, give ledger.Hash, giveUnits uint64, want ledger.Hash, wantUnits uint64, life time.Duration) error {
	o := ledger.Offer{Maker: mm.Address(), Give: give, GiveAmount: *uint256.NewInt(giveUnits), Want: want,
		WantAmount: *uint256.NewInt(wantUnits), Partial: true, Expiry: uint64(time.Now().Add(life).Unix())}
	rand.Read(o.Salt[:])
	sig, err := mm.Sign(dom.Digest(o.StructHash()))
	if err != nil {
		return err
	}
	_, err = d.Nodes[0].Offers().AddOffer(context.Background(), &ledger.SignedOffer{Offer: o, Sig: ledger.Sig(sig)}) // under d.mu, or before the market runs
	return err
}

// postRedemptionOffer has the merchant stand behind its gift cards: an
// offer giving 9,500.00 EUR for 10,000.00 GIFT (0.95 EUR a GIFT), partial,
// for a year — what POST /v1/conversions fills.
func (d *Devnet) postRedemptionOffer(merchant *account.Key) error {
	return d.postOfferFor(merchant, d.Nodes[0].Domain(), d.AssetID("EUR"), 9_500_00, d.AssetID("GIFT"), 10_000_00, 365*24*time.Hour)
}
