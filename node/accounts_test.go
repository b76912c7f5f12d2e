package node

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/anonex/anonex/account/names"
	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/ledger"
	"github.com/anonex/anonex/ledger/store"
	"github.com/holiman/uint256"
)

// settle folds txs into n's settled state as the next batch would, with no
// chain: what the follower writes once a batch is anchored.
func settle(t *testing.T, n *Node, seq uint64, txs ...*ledger.Verified) {
	t.Helper()
	res, err := ledger.Fold(n.store.State(), n.store.Tree(), txs, ledger.Env{Time: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.store.Commit(store.Commit{Result: res, Record: &store.BatchRecord{Seq: seq, StateRoot: res.StateRoot,
		Txs: len(txs), Receipts: len(res.Receipts)}}); err != nil {
		t.Fatal(err)
	}
}

func verified(t *testing.T, tx *ledger.Tx) *ledger.Verified {
	t.Helper()
	v, err := ledger.Verify(tx, offlineDomain, Secp256k1{})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestAccountNumberServed: GET /v1/accounts/{q} gives an account's number
// in the settled state (null before any settled transaction touches it),
// and GET /v1/accounts lists the numbered accounts in number order, a page
// at a time: what a batch decoder needs to resolve the numbers a batch
// uses (docs/protocol.md, batch form).
func TestAccountNumberServed(t *testing.T) {
	n, base := apiNode(t)
	issuer, holder, stranger := offlineKey(t, 1), offlineKey(t, 2), offlineKey(t, 3)
	is := &ledger.IssueAsset{Issuer: issuer.Address(), Symbol: "EUR", Decimals: 2, Supply: *uint256.NewInt(1000)}
	asset := offlineDomain.Digest(is.StructHash())
	settle(t, n, 0, verified(t, signTx(t, issuer, is)),
		verified(t, signTx(t, issuer, &ledger.Transfer{From: issuer.Address(), To: holder.Address(), Asset: asset, Amount: *uint256.NewInt(5), Nonce: 1})))

	for i, k := range []ledger.Address{issuer.Address(), holder.Address()} {
		var info api.AccountInfo
		if getJSON(t, base+"/v1/accounts/"+k.Hex(), &info); info.Number == nil || *info.Number != uint64(i) {
			t.Errorf("account %d: number %v, want %d", i, info.Number, i)
		}
	}
	var raw map[string]any
	getJSON(t, base+"/v1/accounts/"+stranger.Address().Hex(), &raw)
	if v, present := raw["number"]; !present || v != nil {
		t.Errorf("an account never settled: number %v (present %v), want null", v, present)
	}
	if v, present := raw["conflicted"]; !present || v != false {
		t.Errorf("conflicted %v (present %v), want false, present", v, present)
	}

	var all api.AccountList
	if status := getJSON(t, base+"/v1/accounts", &all); status != http.StatusOK || all.Count != 2 || len(all.Accounts) != 2 ||
		all.Accounts[0] != (api.NumberedAccount{Number: 0, Address: issuer.Address(), Name: names.Name(issuer.Address())}) ||
		all.Accounts[1] != (api.NumberedAccount{Number: 1, Address: holder.Address(), Name: names.Name(holder.Address())}) {
		t.Errorf("GET /v1/accounts: %d %+v", status, all)
	}
	var page api.AccountList
	if getJSON(t, base+"/v1/accounts?from=1&limit=1", &page); page.Count != 2 || len(page.Accounts) != 1 || page.Accounts[0].Number != 1 {
		t.Errorf("page from 1: %+v", page)
	}
	if getJSON(t, base+"/v1/accounts?from=5", &page); page.Count != 2 || len(page.Accounts) != 0 || page.Accounts == nil {
		t.Errorf("page past the end: %+v, want an empty list", page)
	}
	for _, q := range []string{"?limit=0", fmt.Sprintf("?limit=%d", api.MaxAccountPage+1), "?from=x", "?frm=1", "?from=1&from=2"} {
		var e api.Error
		if status := getJSON(t, base+"/v1/accounts"+q, &e); status != http.StatusBadRequest || e.Code != "malformed" {
			t.Errorf("%s: %d %+v, want 400 malformed", q, status, e)
		}
	}
	// The numbers served are the ones the settled state resolves.
	st := ledger.NewOverlay(n.store.State())
	for _, a := range all.Accounts {
		if got, ok := st.AccountByNumber(a.Number); !ok || got != a.Address {
			t.Errorf("number %d is %s in the state, served as %s", a.Number, got.Hex(), a.Address.Hex())
		}
	}
}
