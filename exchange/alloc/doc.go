// Package alloc is the stored-value allocator: given the pool of
// stored-value items a user holds (card purses, gift-card balances) and a
// payment (an amount in minor units at a merchant), it chooses the items
// that pay, leaving as little value behind on them as possible, in bounded
// time. It is pure: no IO, no logging, no goroutines, stdlib only.
//
// # Definitions
//
// An item is eligible for a payment when it accepts the merchant: its
// Merchants list is empty (accepted everywhere) or contains the merchant
// string exactly. Items with a zero balance are never spent.
//
// A plan spends a subset S of the eligible items with sum(S) ≥ amount.
// Every item of S is spent in full except one, the carrier, which pays its
// balance less the residual
//
//	residual = sum(S) − amount,
//
// the value that stays behind on the chosen items. The carrier is the chosen
// item with the largest balance (ties: the smallest ID). Plan.Spends lists,
// in ID order, what each chosen item pays.
//
// Plans are ranked by, in order:
//
//  1. the smaller residual;
//  2. among equal residuals, fewer items;
//  3. among those, the lexicographically smallest sorted list of IDs.
//
// The optimum is the best plan under this order. If the eligible items hold
// less than the amount, Allocate fails with an error matching
// ErrInsufficient (a *ShortfallError carrying the shortfall). A zero amount
// is paid by the empty plan.
//
// # Exactness and the bound
//
// Plan.Exact reports that Plan.Residual is proven equal to the optimum
// residual; Plan.Bound is a proven upper bound on Residual − optimum and is 0
// exactly when Exact is true.
//
// The methods whose name starts with "exact-" search the whole eligible pool
// and return the optimum under the full order above (residual, then item
// count, then IDs); they are used when the pool is small enough (see
// Options.ExactLimit and the time budget):
//
//   - "exact-zero": the amount is 0.
//   - "exact-single": one item pays exactly (balance = amount), or no set of
//     items smaller than the amount can cover it, so the smallest item ≥ amount
//     is optimal.
//   - "exact-all": the items smaller than the amount add up to exactly the
//     amount, and no single item is exact; the only covering plan with
//     residual 0 spends them all.
//   - "exact-enum": depth-first enumeration over items in ID order (free of
//     overflow, so it also serves huge balances), O(2^n) worst case.
//   - "exact-mitm": meet in the middle over two halves of the items in ID
//     order, O(2^(n/2)) time and memory, when no sum overflows uint64.
//   - "exact-dp": a dynamic program over sums of the minimum item count per
//     sum, per suffix of the items in ID order, O(n·(amount+max balance))
//     cells of one byte; reconstructs the lexicographically smallest
//     optimal ID list.
//
// Larger pools take the "cover-*" path, whose plan has a residual with a
// proven bound and an item count that is heuristically small (not proven
// minimal). It sorts the items below the amount by balance (radix sort,
// ties in input order) and forms candidates:
//
//   - "cover-single": the smallest single item ≥ amount;
//   - "cover-pair": the k−2 (k−1) largest items plus the best pair (single)
//     from the rest, found by a two-pointer scan, where k is the fewest
//     items that can possibly cover the amount (so these plans have the
//     fewest possible items); also k−1 largest plus the best pair;
//   - "cover-greedy": first-fit decreasing up to the amount, completed by the
//     smallest item not taken;
//   - "cover-dp": when the above leave a residual above the lower bound, a
//     bitset subset-sum DP over the K smallest items (K and the sum range
//     sized to the time budget) answers, for several fills of the larger
//     items by first-fit decreasing up to amount − T, which remainder sum
//     the small items can reach; the plan is rebuilt from per-sum
//     back-pointers.
//
// Every cover plan is then pruned (an item whose balance is ≤ the residual
// is dropped, largest first), and the best by (residual, item count) wins.
//
// The bound: let g be the greatest common divisor of all eligible
// balances. Every plan's sum is a multiple of g, so every residual, the
// optimum included, is ≥ LB = (−amount) mod g. When the cover DP covers all
// items below the amount over the whole useful sum range
// [0, amount + max balance) it is exact and LB is raised to the optimum.
// Plan.Bound = Residual − LB, and Exact = (Bound == 0). In practice the
// optimum of large random pools is almost always 0, and a plan with
// residual 0 is proven optimal by LB ≥ 0 alone.
//
// # Time
//
// The mandatory work is O(n) for n items (merchant filter, gcd, radix
// sort, greedy and two-pointer candidates). The optional work — the exact
// searches and the cover DP — is sized up front from Options.MaxTime
// (default 1 ms) by a conservative cost model, so the result does not
// depend on the machine's speed, and is also cut off by a deadline checked
// sparsely (every few thousand steps); a cut-off exact search falls back
// to the cover path, a cut-off cover DP leaves the candidates found so far.
//
// # IDs
//
// IDs identify items in the plan and must be unique among eligible items.
// Allocate reports ErrDuplicateID when two chosen items share an ID, and
// when an exact method (which sorts the pool by ID) meets duplicates;
// larger pools are not otherwise checked, to keep the time bound.
//
// # Reference and benchmark
//
// ExactReference (reference.go) is a deliberately plain, slow bitset DP
// that returns the optimum residual, for tests and benchmarks. Bench
// measures Allocate's latency and how often it attains that optimum on
// random pools.
package alloc
