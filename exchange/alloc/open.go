package alloc

import (
	"cmp"
	"slices"
)

// MethodOpenFill names a plan of AllocateOpen that empties the restricted
// items it chose and pays the rest from open items.
const MethodOpenFill = "open-fill"

// AllocateOpen is Allocate for a pool where an open item — one accepted
// everywhere (empty Merchants), such as a balance in the payment's own
// asset — is not stored value that can be left behind: what stays on it
// is spendable anywhere. Only the restricted items (gift cards: accepted
// by the listed merchants only) can strand value. AllocateOpen ranks
// plans by, in order:
//
//  1. the residual left on the chosen restricted items (Plan.Residual
//     counts nothing left on open items);
//  2. among plans that leave nothing on them, the most restricted value
//     spent — gift cards are emptied before open items pay;
//  3. then the fewest open items (they pay largest first).
//
// The plan: the chosen restricted items, each spent in full, and open
// items, largest first (ties: smaller ID), paying what the restricted
// ones do not; open items pay nothing when the restricted ones cover the
// amount. The restricted items are the complement of an Allocate plan on
// the restricted pool for (their total − amount): its residual is how far
// short of the amount they fall, so the least one spends the most. When
// no such plan leaves nothing behind (the open items cannot make up the
// difference), the plan is Allocate's on the restricted items alone —
// open items would only add to what is left — with its Exact and Bound.
//
// Exact means, as for Allocate, that the residual is proven least. A
// plan that leaves nothing on restricted items is Exact. The spending of
// rule 2 is the largest possible when the complement search was exact
// (pools within Options.ExactLimit that fit the time budget), else as
// large as the cover path found — and then a plan that leaves value
// behind is not proven least (Bound = Residual).
func AllocateOpen(items []Item, amount uint64, merchant string, opt Options) (Plan, error) {
	if amount == 0 {
		return Plan{Exact: true, Method: MethodZero}, nil
	}
	var restricted, open []Item
	var totalR, totalO uint64
	var satR bool
	for _, it := range items {
		if it.Balance == 0 || !accepts(it.Merchants, merchant) {
			continue
		}
		if len(it.Merchants) == 0 {
			open = append(open, it)
			totalO, _ = satAdd(totalO, it.Balance)
			continue
		}
		// Among the eligible ones every restricted item accepts the
		// merchant: the inner searches need not filter again.
		restricted = append(restricted, Item{ID: it.ID, Balance: it.Balance})
		var s bool
		totalR, s = satAdd(totalR, it.Balance)
		satR = satR || s
	}
	if avail, _ := satAdd(totalR, totalO); avail < amount {
		return Plan{}, &ShortfallError{Merchant: merchant, Amount: amount, Available: avail, Shortfall: amount - avail}
	}
	if len(restricted) == 0 {
		return openFill(items, nil, open, amount, merchant)
	}
	if len(open) == 0 {
		return Allocate(restricted, amount, merchant, opt)
	}
	// The restricted items that spend the most without exceeding the
	// amount: all of them, or the complement of the least cover of
	// (totalR − amount).
	spent, proven := restricted, true
	if satR {
		spent, proven = nil, false
	} else if totalR > amount {
		c, err := Allocate(restricted, totalR-amount, merchant, opt)
		if err != nil {
			return Plan{}, err
		}
		out := map[string]bool{}
		for _, sp := range c.Spends {
			out[sp.ID] = true
		}
		spent = slices.DeleteFunc(slices.Clone(restricted), func(it Item) bool { return out[it.ID] })
		proven = c.Exact
	}
	var sum uint64
	for _, it := range spent {
		sum += it.Balance // ≤ amount: no overflow
	}
	if sum <= amount && amount-sum <= totalO {
		return openFill(items, spent, open, amount-sum, merchant)
	}
	// Nothing-left plans: none when proven; the restricted items alone.
	p, err := Allocate(restricted, amount, merchant, opt)
	if err != nil {
		return p, err
	}
	if !proven && p.Residual > 0 {
		p.Exact, p.Bound = false, p.Residual
	}
	return p, nil
}

// openFill is the plan that spends every item of spent in full and rest
// from the open items, largest first, listed in the order of items. The
// open items hold at least rest.
func openFill(items, spent, open []Item, rest uint64, merchant string) (Plan, error) {
	pay := map[string]uint64{}
	for _, it := range spent {
		if _, dup := pay[it.ID]; dup {
			return Plan{}, ErrDuplicateID
		}
		pay[it.ID] = it.Balance
	}
	slices.SortFunc(open, func(a, b Item) int {
		return cmp.Or(cmp.Compare(b.Balance, a.Balance), cmp.Compare(a.ID, b.ID))
	})
	for _, it := range open {
		if rest == 0 {
			break
		}
		if _, dup := pay[it.ID]; dup {
			return Plan{}, ErrDuplicateID
		}
		p := min(it.Balance, rest)
		pay[it.ID], rest = p, rest-p
	}
	plan := Plan{Exact: true, Method: MethodOpenFill}
	for _, it := range items {
		if p, ok := pay[it.ID]; ok && it.Balance > 0 && accepts(it.Merchants, merchant) {
			plan.Spends = append(plan.Spends, Spend{ID: it.ID, Amount: p})
			delete(pay, it.ID)
		}
	}
	return plan, nil
}
