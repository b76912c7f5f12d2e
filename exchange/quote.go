package exchange

import (
	"errors"
	"fmt"

	"github.com/anonex/anonex/ledger"
	"github.com/holiman/uint256"
)

// ErrThinBook reports a book too thin for the amount asked. QuoteReceive
// returns it as a *ThinBookError, which says by how much.
var ErrThinBook = errors.New("exchange: not enough offers on the book")

// ThinBookError is a sweep the book could not cover: of Amount base units
// asked, Covered were on offer. It matches ErrThinBook.
type ThinBookError struct {
	Amount, Covered uint256.Int
}

func (e *ThinBookError) Error() string {
	return fmt.Sprintf("%v: %s of %s base units on offer", ErrThinBook, e.Covered.Dec(), e.Amount.Dec())
}

// Unwrap makes errors.Is(err, ErrThinBook) hold.
func (e *ThinBookError) Unwrap() error { return ErrThinBook }

// Take is one fill of a sweep: Take units of the offer's give asset, for
// Pay units of its want asset.
type Take struct {
	Offer ledger.Hash
	Take  uint256.Int
	Pay   uint256.Int
}

// Quote is the price of receiving an amount of one asset by paying
// another, sweeping the book from the best offer.
type Quote struct {
	Pay     ledger.Hash
	Receive ledger.Hash
	// Amount received (exactly what was asked) and PayTotal paid.
	Amount   uint256.Int
	PayTotal uint256.Int
	Takes    []Take
}

// QuoteReceive sweeps the offers that give receive for pay, cheapest
// first, until amount of receive is covered. Each take pays FillPrice
// (rounded up), so the quote is what the fills will really cost.
func (b *Book) QuoteReceive(v View, pay, receive ledger.Hash, amount *uint256.Int, now uint64) (Quote, error) {
	q := Quote{Pay: pay, Receive: receive, Amount: *amount}
	if amount.IsZero() {
		return q, fmt.Errorf("%w: nothing to receive", ledger.ErrZeroAmount)
	}
	// Offers giving receive and wanting pay are the asks of receive/pay.
	pb, _ := b.Pair(v, receive, pay, now)
	left := new(uint256.Int).Set(amount)
	for _, l := range pb.Asks {
		if left.IsZero() {
			break
		}
		e, ok := b.Get(l.Offer)
		if !ok {
			continue
		}
		take := new(uint256.Int).Set(&l.Gives)
		if take.Gt(left) {
			if !e.Offer.Partial {
				continue // all or nothing, and more than needed
			}
			take.Set(left)
		} else if !e.Offer.Partial && !take.Eq(&e.Offer.GiveAmount) {
			continue // partly filled all-or-nothing offer: cannot take
		}
		cost, ok := ledger.FillPrice(&e.Offer.Offer, take)
		if !ok {
			continue
		}
		q.Takes = append(q.Takes, Take{Offer: l.Offer, Take: *take, Pay: *cost})
		q.PayTotal.Add(&q.PayTotal, cost)
		left.Sub(left, take)
	}
	if !left.IsZero() {
		e := &ThinBookError{Amount: *amount}
		e.Covered.Sub(amount, left)
		return q, e
	}
	return q, nil
}
