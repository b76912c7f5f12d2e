package alloc

// ===================== SLOW REFERENCE — NOT FOR PRODUCTION =====================
//
// ExactReference is an independent, deliberately plain exact solver used by
// the tests and by Bench to judge Allocate. It shares no code with
// Allocate's algorithms.

import (
	"errors"
	"math/bits"
)

// ReferenceMaxBits is the largest sum range (in bits of the bitset) that
// ExactReference accepts: 2^28 bits = 32 MiB.
const ReferenceMaxBits = 1 << 28

// ErrReferenceTooLarge is returned by ExactReference when the instance is
// beyond its limits.
var ErrReferenceTooLarge = errors.New("alloc: instance too large for the reference solver")

// ExactReference returns the optimum residual for paying amount at merchant
// from items: the least sum(S) − amount over subsets S of the eligible items
// with sum(S) ≥ amount. It fails like Allocate (an error matching
// ErrInsufficient) when the eligible items hold less than the amount.
//
// Method: a plain subset-sum DP over a bitset of the sums 0 … amount+m−1,
// where m is the largest eligible balance below the amount, one shift-or
// per item (O(n·(amount+m)/64) time, (amount+m)/8 bytes). Items whose
// balance is ≥ amount are considered alone (a set holding one is never
// better than that item alone), and a set of smaller items with a minimal
// sum ≥ amount has sum < amount + m (dropping any of its items would fall
// short), so the range is enough. It stops early once amount itself is
// reachable. Limits: amount+m ≤ ReferenceMaxBits, else ErrReferenceTooLarge
// — fine for the benchmark sizes (balances ≤ 5·10^4, amounts ≤ 2·10^5,
// 10^4 items: ~4·10^7 word operations at worst).
func ExactReference(items []Item, amount uint64, merchant string) (uint64, error) {
	return exactReference(items, amount, merchant, new(refBuffers))
}

// refBuffers lets Bench reuse the reference's memory from call to call.
type refBuffers struct {
	small, set []uint64
}

func exactReference(items []Item, amount uint64, merchant string, buf *refBuffers) (uint64, error) {
	if amount == 0 {
		return 0, nil
	}
	small := buf.small[:0]
	defer func() { buf.small = small[:0] }()
	var total, maxSmall uint64
	var overflow bool
	bestBig, haveBig := uint64(0), false
	for _, it := range items {
		ok := len(it.Merchants) == 0
		for _, m := range it.Merchants {
			if m == merchant {
				ok = true
			}
		}
		if !ok || it.Balance == 0 {
			continue
		}
		var c uint64
		total, c = bits.Add64(total, it.Balance, 0)
		overflow = overflow || c != 0
		if it.Balance >= amount {
			if !haveBig || it.Balance-amount < bestBig {
				bestBig, haveBig = it.Balance-amount, true
			}
			continue
		}
		small = append(small, it.Balance)
		if it.Balance > maxSmall {
			maxSmall = it.Balance
		}
	}
	if !overflow && total < amount {
		return 0, &ShortfallError{Merchant: merchant, Amount: amount, Available: total, Shortfall: amount - total}
	}
	if amount > ReferenceMaxBits || maxSmall > ReferenceMaxBits-amount {
		return 0, ErrReferenceTooLarge
	}
	size := amount + maxSmall // sums 0 … size−1
	words := int((size + 63) / 64)
	if cap(buf.set) < words {
		buf.set = make([]uint64, words)
	}
	set := buf.set[:words]
	clear(set)
	set[0] = 1
	has := func(t uint64) bool { return set[t/64]>>(t%64)&1 == 1 }
	for _, b := range small {
		// set |= set << b, from the top word down.
		ws, bs := int(b/64), b%64
		for w := len(set) - 1; w >= ws; w-- {
			v := set[w-ws] << bs
			if bs > 0 && w-ws > 0 {
				v |= set[w-ws-1] >> (64 - bs)
			}
			set[w] |= v
		}
		if has(amount) {
			break
		}
	}
	best, found := bestBig, haveBig
	for t := amount; t < size; t++ {
		if has(t) {
			if r := t - amount; !found || r < best {
				best, found = r, true
			}
			break
		}
	}
	if !found { // the small items cover only with sum ≥ size: impossible
		return 0, errors.New("alloc: reference solver found no cover")
	}
	return best, nil
}
