package node

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/ledger"
	"github.com/holiman/uint256"
)

// apiNode is an offline node (store and pool, no network or chain) that
// runs the issuer service with key 20 and holds key 21 as a wallet, its API
// served on 127.0.0.1. It returns the node and the API's base URL.
func apiNode(t *testing.T) (*Node, string) { return apiNodeWith(t, func(*Config) {}) }

// apiNodeWith is apiNode with its config changed by mod first.
func apiNodeWith(t *testing.T, mod func(*Config)) (*Node, string) {
	t.Helper()
	cfg := Config{InMemory: true, ChainID: offlineDomain.ChainID, Anchor: offlineDomain.Contract, EthRPC: "http://127.0.0.1:1",
		IssuerKey: offlineKey(t, 20), WalletKeys: []*account.Key{offlineKey(t, 21)}}
	mod(&cfg)
	n, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := newAPIServer(n.routes(), defaultAPILimits)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return n, "http://" + ln.Addr().String()
}

// call sends a request with the node's token and decodes the JSON answer.
func call(t *testing.T, n *Node, method, url, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+n.APIToken())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(bytes.TrimSpace(b)) > 0 && b[0] == '{' {
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("%s %s: %d %s: %v", method, url, resp.StatusCode, b, err)
		}
	}
	return resp.StatusCode, out
}

func txJSON(t *testing.T, tx *ledger.Tx) string {
	b, err := tx.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// with adds "key": value beside the first occurrence of anchor (a JSON
// key) in doc.
func with(doc, anchor, kv string) string {
	i := strings.Index(doc, `"`+anchor+`"`)
	if i < 0 {
		panic("no " + anchor + " in " + doc)
	}
	return doc[:i] + kv + "," + doc[i:]
}

// TestUnknownTopLevelFieldRefused: a "memo" beside "message" in POST
// /v1/txs is 400 malformed naming the field, and the transaction is not
// taken; without it, the same transaction is.
func TestUnknownTopLevelFieldRefused(t *testing.T) {
	n, base := apiNode(t)
	tx, id := issueTx(t, offlineKey(t, 1), "EUR", 0)
	body := txJSON(t, tx)
	status, out := call(t, n, "POST", base+"/v1/txs", with(body, "message", `"memo":"for lunch"`))
	if status != http.StatusBadRequest || out["code"] != "malformed" || !strings.Contains(fmt.Sprint(out["message"]), `"memo"`) {
		t.Fatalf("memo beside message: %d %v, want 400 malformed naming \"memo\"", status, out)
	}
	if status, out := call(t, n, "GET", base+"/v1/txs/"+id.Hex(), ""); status != http.StatusNotFound {
		t.Fatalf("the refused transaction is known: %d %v", status, out)
	}
	if status, out := call(t, n, "POST", base+"/v1/txs", body); status != http.StatusOK || out["status"] != "pending" {
		t.Fatalf("the same transaction without memo: %d %v", status, out)
	}
}

// TestUnknownFieldRefusedOnEveryRoute: every route that takes a JSON body
// reads it through decodeBody: an unknown field at any level, a field in
// another case, or a field given twice is 400 malformed naming it, before
// the route does anything.
func TestUnknownFieldRefusedOnEveryRoute(t *testing.T) {
	n, base := apiNode(t)
	owner, card := offlineKey(t, 30), offlineKey(t, 31)
	tr := txJSON(t, signTx(t, offlineKey(t, 1), &ledger.Transfer{From: offlineKey(t, 1).Address(), To: owner.Address(), Asset: ledger.Hash{1},
		Amount: *uint256.NewInt(1), Nonce: 0}))
	maker := offlineKey(t, 2)
	o := ledger.Offer{Maker: maker.Address(), Give: ledger.Hash{1}, GiveAmount: *uint256.NewInt(5), Want: ledger.Hash{2},
		WantAmount: *uint256.NewInt(5), Expiry: 1 << 40}
	sig, _ := maker.Sign(offlineDomain.Digest(o.StructHash()))
	offer, _ := json.Marshal(&ledger.SignedOffer{Offer: o, Sig: ledger.Sig(sig)})
	nonce := "0x" + strings.Repeat("01", 32)
	sigHex := "0x" + strings.Repeat("11", 64) + "1b"
	cardURL := base + "/v1/cards/" + card.Address().Hex()
	cases := []struct {
		name, url, body, field string
	}{
		{"txs: top level", "/v1/txs", with(tr, "message", `"memo":1`), `"memo"`},
		{"txs: in the message", "/v1/txs", with(tr, "amount", `"memo":1`), `"memo" at $.message`},
		{"txs: a field in another case", "/v1/txs", strings.Replace(tr, `"signature"`, `"Signature"`, 1), `"Signature"`},
		{"txs: a field given twice", "/v1/txs", with(tr, "amount", `"amount":"7"`), `"amount"`},
		{"txs: raw with company", "/v1/txs", `{"raw":"0x01","type":"Transfer"}`, `"type"`},
		{"txs: raw in another case", "/v1/txs", `{"Raw":"0x01"}`, `"Raw"`},
		{"offers: top level", "/v1/offers", with(string(offer), "message", `"memo":1`), `"memo"`},
		{"offers: in the offer", "/v1/offers", with(string(offer), "maker", `"giveamount":"5"`), `"giveamount"`},
		{"cards", "/v1/cards", `{"card":"` + card.Address().Hex() + `","owner":"` + owner.Address().Hex() + `","issuer":"x"}`, `"issuer"`},
		{"cards register", cardURL + "/register", `{"owner":"` + owner.Address().Hex() + `","consent":"` + sigHex + `","sig":"x"}`, `"sig"`},
		{"cards lost", cardURL + "/lost", `{"reason":"lost","why":"x"}`, `"why"`},
		{"cards lost: a field in another case", cardURL + "/lost", `{"Reason":"stolen"}`, `"Reason"`},
		{"allocate: top level", "/v1/allocate", `{"amount":"1","asset":"EUR","merchant":"x","memo":1}`, `"memo"`},
		{"allocate: in an item", "/v1/allocate", `{"amount":"1","asset":"EUR","merchant":"x","items":[{"id":"a","acount":"x"}]}`, `"acount" at $.items[0]`},
		{"conversions", "/v1/conversions", `{"account":"x","gift":"G","loadcard":"y"}`, `"loadcard"`},
		{"pay-conversions", "/v1/pay-conversions", `{"card":"` + card.Address().Hex() + `","fiat_amnt":"1"}`, `"fiat_amnt"`},
		{"pay-conversions record", "/v1/pay-conversions/" + nonce + "/record", `{"counter":1,"signature":"` + sigHex + `","memo":1}`, `"memo"`},
	}
	for _, c := range cases {
		url := c.url
		if strings.HasPrefix(url, "/") {
			url = base + url
		}
		status, out := call(t, n, "POST", url, c.body)
		if status != http.StatusBadRequest || out["code"] != "malformed" || !strings.Contains(fmt.Sprint(out["message"]), c.field) {
			t.Errorf("%s: %d %v, want 400 malformed naming %s", c.name, status, out, c.field)
		}
	}
	// The lost route's body is optional: none at all is a block for "lost"
	// (refused here only because no such card is registered).
	if status, out := call(t, n, "POST", cardURL+"/lost", ""); status != http.StatusNotFound || out["code"] != "unknown_card" {
		t.Errorf("lost without a body: %d %v, want 404 unknown_card", status, out)
	}
}

// TestNumberAbove2To53Refused: a JSON number beyond 2^53 − 1 in a body is
// 400 malformed saying to send a decimal string; the same amount as a
// decimal string is taken exactly, and 2^53 − 1 as a number is taken.
func TestNumberAbove2To53Refused(t *testing.T) {
	n, base := apiNode(t)
	issuer, to := offlineKey(t, 1), offlineKey(t, 2)
	supply := new(uint256.Int).Lsh(uint256.NewInt(1), 60)
	is := &ledger.IssueAsset{Issuer: issuer.Address(), Symbol: "BIG", Decimals: 0, Supply: *supply}
	mustSubmit(t, n, signTx(t, issuer, is))
	asset := offlineDomain.Digest(is.StructHash())
	transfer := func(units uint64, nonce uint64) string {
		return txJSON(t, signTx(t, issuer, &ledger.Transfer{From: issuer.Address(), To: to.Address(), Asset: asset,
			Amount: *uint256.NewInt(units), Nonce: nonce}))
	}
	const above = 1<<53 + 1
	big := transfer(above, 1)
	asNumber := strings.Replace(big, fmt.Sprintf(`"amount":"%d"`, uint64(above)), fmt.Sprintf(`"amount":%d`, uint64(above)), 1)
	if asNumber == big {
		t.Fatal("the amount is not where the test expects it")
	}
	status, out := call(t, n, "POST", base+"/v1/txs", asNumber)
	msg := fmt.Sprint(out["message"])
	if status != http.StatusBadRequest || out["code"] != "malformed" || !strings.Contains(msg, "decimal string") || !strings.Contains(msg, "$.message.amount") {
		t.Fatalf("amount 2^53+1 as a JSON number: %d %v, want 400 malformed asking for a decimal string", status, out)
	}
	if status, out := call(t, n, "POST", base+"/v1/txs", big); status != http.StatusOK || out["status"] != "pending" {
		t.Fatalf("amount 2^53+1 as a decimal string: %d %v", status, out)
	}
	var got uint256.Int
	n.pool.View(func(v *ledger.Overlay) { got = *v.Balance(to.Address(), asset) })
	if got.Uint64() != above {
		t.Fatalf("the pending balance is %s, want %d exactly", got.Dec(), uint64(above))
	}
	safe := transfer(1<<53-1, 2)
	safe = strings.Replace(safe, fmt.Sprintf(`"amount":"%d"`, uint64(1<<53-1)), fmt.Sprintf(`"amount":%d`, uint64(1<<53-1)), 1)
	if status, out := call(t, n, "POST", base+"/v1/txs", safe); status != http.StatusOK || out["status"] != "pending" {
		t.Fatalf("amount 2^53-1 as a JSON number: %d %v", status, out)
	}
	// Every body follows the rule, not only transactions.
	status, out = call(t, n, "POST", base+"/v1/pay-conversions/0x"+strings.Repeat("01", 32)+"/record",
		`{"counter":9007199254740993,"signature":"0x`+strings.Repeat("11", 64)+`1b"}`)
	if status != http.StatusBadRequest || !strings.Contains(fmt.Sprint(out["message"]), "$.counter") {
		t.Fatalf("counter 2^53+1: %d %v, want 400 malformed", status, out)
	}
}

// TestUnknownQueryParameterRefused: a route that takes query parameters
// refuses one it does not know, or one given twice, rather than ignore a
// misspelt one.
func TestUnknownQueryParameterRefused(t *testing.T) {
	n, base := apiNode(t)
	card := "/v1/cards/" + offlineKey(t, 31).Address().Hex() + "/update"
	for _, q := range []string{
		"/v1/eip712?type=Transfer&rcp=eth_signTypedData_v4",
		"/v1/accounts?limit=5&form=1",
		card + "?asset=0x" + strings.Repeat("01", 32) + "&base=0&wiat=final",
		card + "?asset=0x" + strings.Repeat("01", 32) + "&base=0&wait=settled",
		card + "?asset=0x" + strings.Repeat("01", 32) + "&base=0&base=1",
		"/v1/quote?pay=A&receive=B&amount=1&amnt=2",
	} {
		status, out := call(t, n, "GET", base+q, "")
		if status != http.StatusBadRequest || out["code"] != "malformed" {
			t.Errorf("%s: %d %v, want 400 malformed", q, status, out)
		}
	}
}
