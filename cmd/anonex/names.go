package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/client"
	"github.com/anonex/anonex/ledger"
)

// Names people type — accounts, devnet roles, asset symbols — resolve here;
// a name that names nothing comes back with the known names closest to it
// ("did you mean holder-1?").

// unknownNameError is a name that names nothing, with the known names
// closest to it. It unwraps to the lookup's own error (an *api.Error with
// its code, or account.ErrNotFound).
type unknownNameError struct {
	Query       string
	Suggestions []string
	Err         error
}

func (e *unknownNameError) Error() string {
	if len(e.Suggestions) == 0 {
		return e.Err.Error()
	}
	return fmt.Sprintf("%v; did you mean %s?", e.Err, strings.Join(e.Suggestions, " or "))
}

func (e *unknownNameError) Unwrap() error { return e.Err }

// suggest returns the candidates closest to q within a few typing
// mistakes — an edit distance of at most a third of q's length (at least
// 1), letters' case ignored — all those at the least distance found (at
// most three), in order.
func suggest(q string, candidates []string) []string {
	lq := strings.ToLower(q)
	limit := max(1, len([]rune(lq))/3)
	type scored struct {
		s string
		d int
	}
	var hits []scored
	seen := map[string]bool{}
	for _, c := range candidates {
		if c == "" || seen[c] {
			continue
		}
		seen[c] = true
		if d := editDistance(lq, strings.ToLower(c)); d <= limit {
			hits = append(hits, scored{c, d})
		}
	}
	slices.SortFunc(hits, func(a, b scored) int {
		if a.d != b.d {
			return a.d - b.d
		}
		return strings.Compare(a.s, b.s)
	})
	var out []string
	for _, h := range hits {
		if h.d > hits[0].d || len(out) == 3 {
			break
		}
		out = append(out, h.s)
	}
	return out
}

// editDistance is the Levenshtein distance of a and b, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// lookupAsset resolves an asset symbol or id on the node; an unknown one
// comes with the node's symbols closest to it.
func lookupAsset(ctx context.Context, n *client.Client, q string) (api.AssetInfo, error) {
	a, err := n.Asset(ctx, q)
	if err == nil || !isCode(err, api.CodeUnknownAsset) {
		return a, err
	}
	var symbols []string
	if as, lerr := n.Assets(ctx); lerr == nil {
		for _, a := range as {
			symbols = append(symbols, a.Symbol)
		}
	}
	return a, &unknownNameError{Query: q, Suggestions: suggest(q, symbols), Err: err}
}

// isCode tells whether err is the node's refusal with code.
func isCode(err error, code api.Code) bool {
	var ae *api.Error
	return errors.As(err, &ae) && ae.Code == code
}

// knownAccounts lists the account names a misspelling may have meant: the
// devnet's roles and names, the keystore's names, and (when cl is not
// nil) the first thousand accounts the node has numbered.
func knownAccounts(ctx context.Context, ks *keySource, cl *client.Client) []string {
	var out []string
	if ks != nil && ks.dev != nil {
		for _, a := range ks.dev.Accounts {
			out = append(out, a.Role, a.Name)
		}
	}
	if ks != nil && ks.store != nil {
		if es, err := ks.store.List(); err == nil {
			for _, e := range es {
				out = append(out, e.Name)
			}
		}
	}
	if cl != nil {
		var list api.AccountList
		if cl.Do(ctx, "GET", fmt.Sprintf("/v1/accounts?limit=%d", api.MaxAccountPage), nil, &list) == nil {
			for _, a := range list.Accounts {
				out = append(out, a.Name)
			}
		}
	}
	return out
}

// unknownAccount adds suggestions to a lookup of q that found no account.
func unknownAccount(ctx context.Context, q string, err error, ks *keySource, cl *client.Client) error {
	if !errors.Is(err, account.ErrNotFound) && !isCode(err, api.CodeUnknownAccount) {
		return err
	}
	return &unknownNameError{Query: q, Suggestions: suggest(q, knownAccounts(ctx, ks, cl)), Err: err}
}

// resolveAccount turns a name or address into an address: a full address
// as is, else a devnet role, a local keystore account, else the node's
// accounts.
func resolveAccount(ctx context.Context, q string, ks *keySource, cl *client.Client) (ledger.Address, error) {
	q = ks.devnetRole(q)
	if strings.HasPrefix(q, "0x") {
		return ledger.ParseAddress(q)
	}
	if ks != nil && ks.store != nil {
		if e, err := ks.store.Find(q); err == nil {
			return e.Address, nil
		} else if !errors.Is(err, account.ErrNotFound) {
			return ledger.Address{}, err
		}
	}
	info, err := cl.Account(ctx, q)
	if err != nil {
		return ledger.Address{}, unknownAccount(ctx, q, err, ks, cl)
	}
	return info.Address, nil
}
