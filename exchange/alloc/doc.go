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
// the value that stays behind. Every item of a returned plan has a balance
// above the residual (else dropping it would be better), so any of them can
// carry it; the carrier is the one with the largest balance (ties: the
// smallest ID). Plan.Spends lists what each chosen item pays, in the order
// of the items slice; the payments add up to the amount exactly.
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
// residual. Plan.Bound is a proven upper bound on Residual − optimum; it is
// 0 exactly when Exact is true.
//
// Two facts are used throughout. (a) A set containing an item ≥ amount is
// never better than that item alone, so such items compete only as single
// items, and the best single is the smallest one (ties: smallest ID). (b)
// In an optimal set S every item exceeds the residual (dropping an item of
// balance ≤ residual still covers, with a smaller residual), so
// sum(S) < amount + max balance below the amount: the useful sums form a
// finite range.
//
// The methods whose name starts with "exact-" search the whole eligible
// pool and return the optimum under the full order (residual, then item
// count, then IDs):
//
//   - "exact-zero": the amount is 0.
//   - "exact-single": an item pays exactly, or the items below the amount
//     cannot cover it together, so by (a) the best single is optimal.
//   - "exact-all": the items below the amount add up to exactly the amount
//     (and no single item does): the only plan with residual 0.
//   - "exact-enum": depth-first enumeration over the items below the amount
//     in ID order, tracking the amount still needed (no sums, hence no
//     overflow, so it serves huge balances). O(2^n).
//   - "exact-mitm": meet in the middle over the two halves of those items in
//     ID order, each half's subset sums built sorted by merging; used when
//     their total fits in uint64. O(2^(n/2)).
//   - "exact-dp": per suffix of those items in ID order, the fewest items
//     reaching each sum below amount + min(max balance, best single's
//     residual) (by (b)); the least reachable sum ≥ amount is optimal, and
//     walking the suffixes yields the lexicographically smallest ID list.
//     O(n·(amount + max balance)) one-byte cells.
//
// They run when the eligible pool has at most Options.ExactLimit items
// (default 256) and the cheapest of them fits the time budget (below).
//
// Other pools take the "cover-*" path. Its plan has a proven Bound and an
// item count that is heuristically small, but only the residual is claimed
// optimal when Exact is set. The items below the amount are radix-sorted
// by balance, decreasing (ties in input order), k is the fewest of them
// that can cover the amount (the k largest), and candidates are:
//
//   - "cover-single": the best single item ≥ amount;
//   - "cover-pair": the k−1 largest plus the smallest item completing them,
//     the k−2 largest plus the best completing pair of the rest (a
//     two-pointer scan), and the k−1 largest plus the best pair — the first
//     two have the fewest items a plan of items below the amount can have;
//   - "cover-greedy": first-fit decreasing up to the amount, completed by
//     the smallest item not taken;
//   - "cover-dp", run only when the above leave a residual above the lower
//     bound LB: a bitset subset-sum DP over the K smallest items, sums in
//     [0, W), with K and W sized to the time budget and W ≤ amount + the
//     largest of those items (by (b)). Fills of the other items by
//     first-fit decreasing up to amount − T, for T on a grid of
//     [0, min(amount, W − max)] and T = amount (no fill), leave remainders R
//     the DP completes with its least reachable sum ≥ R; the plan is
//     rebuilt from the item that first reached each sum.
//
// Each candidate is pruned by (b) — items of balance ≤ residual are
// dropped, largest first — and the best by (residual, item count) wins.
//
// The bound. Let g be the greatest common divisor of all eligible
// balances. Every plan's sum is a multiple of g, so every residual, the
// optimum included, is ≥ LB = (−amount) mod g; and when the cover DP took
// all items below the amount over the whole range of (b), its answer is the
// optimum among them, and LB is raised to the optimum itself. Bound =
// Residual − LB. A plan with residual 0 is always proven (LB ≥ 0), which
// on large random pools is the common case: with many items an exact cover
// almost always exists, and the candidates above find one.
//
// # Open items
//
// An item accepted everywhere (empty Merchants) is open: what a plan leaves
// on it stays spendable anywhere, so it is not value left behind.
// AllocateOpen is the allocator for pools that mix open items (balances in
// the payment's own asset) with restricted ones (gift cards): it counts
// only what stays on the chosen restricted items as the residual, empties
// as much restricted value as fits the amount, and pays the rest from the
// open items, largest first ("open-fill"). It runs Allocate on the
// restricted items (for the complement of what they spend, then alone
// when nothing can be left free of residual); its own documentation
// states the order and what Exact means there.
//
// # Time
//
// The mandatory work is O(n) in the number of items: the merchant filter,
// the gcd, the radix sort, the candidates "cover-single", "cover-pair" and
// "cover-greedy" (binary searches and two-pointer scans). The optional work
// — an exact search or the cover DP — is sized up front from
// Options.MaxTime (default 1 ms) by a cost model measured on a 2-core
// machine: an exact search must be estimated at ≤ 40% of MaxTime, the
// cover DP at ≤ 30%. The sizing depends on MaxTime only, so the plan does
// not depend on the machine's load. A deadline of MaxTime, checked sparsely
// (every 4096 search nodes, every ~16k bitset words, every 16 table rows),
// cuts off work that overruns: a cut-off exact search falls back to the
// cover path; a cut-off cover DP keeps its partial table, whose reachable
// sums are still sound. Buffers are reused across calls (sync.Pool).
//
// # IDs
//
// IDs identify items in the plan and must be unique among the eligible
// items. Allocate returns ErrDuplicateID when two items of a plan share an
// ID, and when an exact search, which sorts the whole eligible pool by ID,
// meets two equal IDs; beyond that, large pools are not checked (hashing
// every ID would cost a large part of the time budget).
//
// # Reference and benchmark
//
// ExactReference (reference.go) is a deliberately plain, slow bitset DP
// returning the optimum residual, for tests and benchmarks. Bench measures
// Allocate's latency and how often it attains that optimum on random pools
// drawn by RandomPool.
package alloc
