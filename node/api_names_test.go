package node

import (
	"encoding"
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/cardbridge"
	"github.com/anonex/anonex/cardbridge/desk"
	"github.com/anonex/anonex/ledger"
	"github.com/holiman/uint256"
)

// apiTypes is every route of the API with the Go types of the JSON it
// takes and answers (an error answer is always an api.Error). A route
// registered without an entry here fails TestEveryRouteIsListed, so the
// naming test below sees every type the API speaks.
var apiTypes = map[string][]any{
	"GET /v1/status":                          {api.NodeStatus{}},
	"GET /v1/eip712":                          {api.EIP712Info{}, api.EIP712Type{}},
	"GET /v1/accounts":                        {api.AccountList{}},
	"GET /v1/accounts/{q}":                    {api.AccountInfo{}},
	"GET /v1/assets":                          {[]api.AssetInfo{}},
	"GET /v1/assets/{q}":                      {api.AssetInfo{}},
	"POST /v1/txs":                            {sampleTxs(), api.SubmitResult{}},
	"GET /v1/txs/{id}":                        {api.TxInfo{}},
	"GET /v1/batches/{seq}":                   {api.Batch{}},
	"GET /v1/proofs/{account}/{asset}":        {api.ProofInfo{}},
	"GET /v1/evidence":                        {[]api.Evidence{}},
	"GET /v1/events":                          {api.Event{}},
	"POST /v1/admin/flush":                    {api.FlushResult{}},
	"POST /v1/admin/backup":                   {api.BackupRequest{}, api.BackupResult{}},
	"GET /v1/batches/{seq}/attestations":      {api.BatchAttestations{}},
	"GET /v1/withdrawals/{id}":                {api.Withdrawal{}},
	"GET /v1/deposits/{q}":                    {[]api.Deposit{}},
	"POST /v1/conversions":                    {api.ConversionRequest{}, api.Conversion{}},
	"GET /v1/conversions/{id}":                {api.Conversion{}},
	"POST /v1/cards":                          {api.CertifyRequest{}, api.CertifyResult{}},
	"POST /v1/cards/{card}/register":          {api.RegisterRequest{}, api.RegisterResult{}},
	"GET /v1/cards/{card}":                    {api.CardInfo{}},
	"GET /v1/cards/{card}/update":             {api.UpdateValue{}},
	"POST /v1/cards/{card}/lost":              {api.BlockRequest{}, api.BlockResult{}},
	"GET /v1/hotlist":                         {[]api.HotListEntry{}},
	"POST /v1/offers":                         {sampleOffer(), api.OfferPosted{}},
	"GET /v1/offers/{id}":                     {api.OfferInfo{}},
	"GET /v1/quote":                           {api.QuoteInfo{}},
	"GET /v1/book/{base}/{quote}":             {api.BookInfo{}},
	"POST /v1/allocate":                       {api.AllocateRequest{}, api.AllocateResult{}, sampleAuth()},
	"POST /v1/pay-conversions":                {api.PayConversionRequest{}, api.PayConversionApproval{}},
	"POST /v1/pay-conversions/{nonce}/record": {api.PayConversionRecord{}, api.PayConversionDone{}},
	"GET /v1/venues":                          {[]api.VenueInfo{}},
	"POST /v1/venues":                         {sampleVenueRecord(), api.VenueRecordResult{}},
	"GET /v1/venues/{id}":                     {api.VenueDetail{}},
	"GET /v1/venues/{id}/cards/{card}":        {api.VenueCardView{}},
	"GET /v1/venues/{id}/map.svg":             {},
	"GET /v1/readers":                         {[]api.Reader{}},
	"GET /v1/readers/{n}/card":                {api.CardView{}},
	"GET /v1/readers/{n}/update":              {api.CardUpdate{}},
	"POST /v1/readers/{n}/update":             {api.CardUpdateRequest{}, api.CardUpdate{}},
	"POST /v1/readers/{n}/pin":                {api.PINChange{}, api.PINChanged{}},
	"GET /v1/terminal":                        {api.TerminalInfo{}},
	"POST /v1/terminal/payments":              {api.TerminalPaymentRequest{}, api.TerminalPayment{}},
	"GET /v1/terminal/payments/{id}":          {api.TerminalPayment{}},
	"POST /v1/terminal/payments/{id}/pin":     {api.TerminalPINEntry{}, api.TerminalPayment{}},
	"POST /v1/terminal/payments/{id}/quote":   {api.TerminalQuoteAnswer{}, api.TerminalPayment{}},
	"POST /v1/terminal/payments/{id}/cancel":  {api.TerminalPayment{}},
	"POST /v1/terminal/recover":               {api.TerminalRecover{}, api.TerminalResult{}},
	"GET /v1/terminal/queue":                  {api.TerminalQueue{}},
	"POST /v1/terminal/queue/forward":         {api.TerminalForward{}},
	"/":                                       {api.Error{}},
	// Prometheus' text exposition format, not JSON (metrics.go).
	"GET /metrics": {},
	// YAML: docs/api.yaml, this table's counterpart for clients.
	"GET /v1/openapi.yaml": {},
	"GET /v1/":             {api.Error{}},
	"GET /":                {}, // the web app (package web)
}

// routedNode is an offline node with every route mounted: the card
// readers' desk too (a node started with --readers).
func routedNode(t *testing.T) *Node {
	n, _ := offlineNode(t)
	n.cfg.Readers = desk.New(desk.Config{Readers: cardbridge.Readers{States: map[int]string{}}})
	return n
}

// TestEveryRouteIsListed: apiTypes names every route the node and its
// subsystems mount, and no other.
func TestEveryRouteIsListed(t *testing.T) {
	n := routedNode(t)
	found := map[string]bool{}
	for _, p := range n.mux(defaultAPILimits).Patterns() {
		found[p] = true
	}
	if len(found) < 20 {
		t.Fatalf("found only %d routes", len(found))
	}
	for p := range found {
		if _, ok := apiTypes[p]; !ok {
			t.Errorf("route %q is not in apiTypes: list the types it takes and answers", p)
		}
	}
	for p := range apiTypes {
		if !found[p] {
			t.Errorf("apiTypes lists %q, which no longer exists", p)
		}
	}
}

// TestAPITypesLiveInAPI: every type a route takes or answers is one of
// package api (a signed transaction, offer or authorization sent as is
// is the ledger's, listed by a sample value), so a client needs api and
// ledger, never node.
func TestAPITypesLiveInAPI(t *testing.T) {
	for route, types := range apiTypes {
		for _, v := range types {
			if len(samplesIn(v)) > 0 {
				continue
			}
			rt := reflect.TypeOf(v)
			for rt.Kind() == reflect.Pointer || rt.Kind() == reflect.Slice {
				rt = rt.Elem()
			}
			if rt.PkgPath() != "github.com/anonex/anonex/api" {
				t.Errorf("%s: %s is not a type of package api", route, rt)
			}
		}
	}
}

var snakeCase = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// eip712Keys are the JSON keys that keep EIP-712's own spelling: the
// document a signer takes (primaryType; chainId and verifyingContract of
// the domain) and the fields of the signed structs (a transaction's
// "message" is exactly the EIP-712 message), all handed to wallets
// unchanged.
func eip712Keys() map[string]bool {
	keys := map[string]bool{"primaryType": true, "chainId": true, "verifyingContract": true}
	for _, name := range ledger.SignedTypes() {
		types, _ := ledger.TypesFor(name)
		for _, fields := range types {
			for _, f := range fields {
				keys[f.Name] = true
			}
		}
	}
	return keys
}

// TestAPINamesAreSnakeCase: every JSON field name of every type the API
// takes or answers is snake_case (or EIP-712's own spelling, for what is
// handed to a signer as is), and no boolean is left out when false
// (omitempty on a bool): a client reads "false", never a missing key.
// The walk follows fields, pointers, slices, maps and embedded structs;
// a type with its own MarshalJSON is checked by what it writes.
func TestAPINamesAreSnakeCase(t *testing.T) {
	allowed := eip712Keys()
	seen, sampled := map[reflect.Type]bool{}, map[reflect.Type]bool{}
	var walk func(where string, rt reflect.Type)
	walk = func(where string, rt reflect.Type) {
		// Only the sample values at the top (walkValue) show what a type
		// with its own MarshalJSON writes; nested ones are ledger types
		// (addresses, hashes, signatures: JSON strings).
		for rt.Kind() == reflect.Pointer || rt.Kind() == reflect.Slice || rt.Kind() == reflect.Array || rt.Kind() == reflect.Map {
			rt = rt.Elem()
		}
		if seen[rt] || rt.Kind() != reflect.Struct {
			return
		}
		seen[rt] = true
		if rt.Implements(reflect.TypeFor[encoding.TextMarshaler]()) || reflect.PointerTo(rt).Implements(reflect.TypeFor[encoding.TextMarshaler]()) {
			return // a JSON string
		}
		if rt.Implements(reflect.TypeFor[json.Marshaler]()) || reflect.PointerTo(rt).Implements(reflect.TypeFor[json.Marshaler]()) {
			if !sampled[rt] {
				t.Errorf("%s: %s writes its own JSON: list a sample value of it in apiTypes", where, rt)
			}
			return
		}
		for i := 0; i < rt.NumField(); i++ {
			f := rt.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" || (!f.IsExported() && !f.Anonymous) {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			if f.Anonymous && name == "" {
				walk(where, f.Type) // promoted fields
				continue
			}
			if name == "" {
				name = f.Name
			}
			at := where + "." + rt.Name() + "." + f.Name
			if !snakeCase.MatchString(name) && !allowed[name] {
				t.Errorf("%s: JSON name %q is not snake_case", at, name)
			}
			if f.Type.Kind() == reflect.Bool && strings.Contains(","+opts+",", ",omitempty,") {
				t.Errorf("%s: boolean %q is omitted when false (drop omitempty)", at, name)
			}
			walk(where, f.Type)
		}
	}
	for route, types := range apiTypes {
		for _, v := range types {
			for _, s := range samplesIn(v) {
				sampled[reflect.TypeOf(s).Elem()] = true
				checkMarshaled(t, route+" ("+reflect.TypeOf(s).String()+")", s, allowed)
			}
		}
	}
	for route, types := range apiTypes {
		for _, v := range types {
			if len(samplesIn(v)) == 0 {
				walk(route, reflect.TypeOf(v))
			}
		}
	}
}

// samples are values whose own MarshalJSON the naming test checks.
type samples []json.Marshaler

func samplesIn(v any) samples {
	s, _ := v.(samples)
	return s
}

// sampleTxs are signed transactions with every field the JSON form puts
// beside "message": a fill (offer_signature), a card record carrying
// another (attached), a registration (consent_signature), a redeem
// (authorization_signature).
func sampleTxs() samples {
	k, _ := account.FromBytes(append(make([]byte, 31), 7))
	sign := func(p ledger.Payload) *ledger.Tx {
		sig, _ := k.Sign(offlineDomain.Digest(p.StructHash()))
		return &ledger.Tx{Payload: p, Sig: ledger.Sig(sig)}
	}
	o := sampleOffer()[0].(*ledger.SignedOffer)
	a2b := sign(&ledger.CardPayment{CardRecord: ledger.CardRecord{Card: k.Address(), Asset: ledger.Hash{1}, Amount: *uint256.NewInt(1),
		Payee: ledger.Address{2}, Counter: 1, Mode: ledger.CardModeToCard}})
	rec := &ledger.CardPayment{CardRecord: ledger.CardRecord{Card: k.Address(), Asset: ledger.Hash{1}, Amount: *uint256.NewInt(1),
		Payee: ledger.Address{3}, Counter: 2, Mode: ledger.CardModeOnline, AttachedHash: ledger.AttachmentsHash([]ledger.Hash{a2b.ID(offlineDomain)})},
		Attached: []*ledger.Tx{a2b}}
	auth := ledger.SignedSpendAuth{SpendAuth: ledger.SpendAuth{Account: k.Address(), Asset: ledger.Hash{1}, Amount: *uint256.NewInt(1),
		Payee: ledger.Address{4}, Expiry: 1}}
	return samples{
		sign(&ledger.Fill{Taker: k.Address(), Offer: *o, Take: *uint256.NewInt(1)}),
		sign(rec),
		sign(&ledger.CardRegister{Issuer: k.Address(), Card: ledger.Address{5}, Owner: ledger.Address{6}}),
		sign(&ledger.Redeem{Payee: ledger.Address{4}, Auth: auth, Amount: *uint256.NewInt(1)}),
	}
}

func sampleAuth() samples {
	return samples{&ledger.SignedSpendAuth{SpendAuth: ledger.SpendAuth{Account: ledger.Address{1}, Asset: ledger.Hash{1},
		Amount: *uint256.NewInt(1), Payee: ledger.Address{4}, Expiry: 1}}}
}

func sampleOffer() samples {
	o := &ledger.SignedOffer{Offer: ledger.Offer{Maker: ledger.Address{1}, Give: ledger.Hash{1}, GiveAmount: *uint256.NewInt(1),
		Want: ledger.Hash{2}, WantAmount: *uint256.NewInt(1)}}
	return samples{o}
}

// checkMarshaled checks the keys a value with its own MarshalJSON writes.
func checkMarshaled(t *testing.T, where string, v json.Marshaler, allowed map[string]bool) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	var doc any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	var keys func(any)
	keys = func(x any) {
		switch x := x.(type) {
		case map[string]any:
			for k, v := range x {
				if !snakeCase.MatchString(k) && !allowed[k] {
					t.Errorf("%s writes JSON key %q, not snake_case", where, k)
				}
				keys(v)
			}
		case []any:
			for _, v := range x {
				keys(v)
			}
		}
	}
	keys(doc)
}

func sampleVenueRecord() samples {
	svg := `<svg viewBox="0 0 10 10"/>`
	v := &ledger.VenueRecord{Type: ledger.VenueRecordVenue, SVG: svg,
		Venue: &ledger.Venue{Operator: ledger.Address{1}, Name: "V", Map: ledger.Keccak256([]byte(svg)), Seq: 1}}
	st := &ledger.VenueRecord{Type: ledger.VenueRecordStore, Store: &ledger.VenueStore{Venue: ledger.Hash{1}, Merchant: ledger.Address{2},
		Name: "S", Accepts: []ledger.Hash{{3}}, Open: true, Seq: 1}}
	p := &ledger.VenueRecord{Type: ledger.VenueRecordPlace, Place: &ledger.VenuePlace{Venue: ledger.Hash{1}, Merchant: ledger.Address{2},
		Approved: true, Seq: 1}}
	return samples{v, st, p}
}

// TestNoReadersWithoutDesk: a node not started with --readers answers
// every card reader route no_readers (409), saying how to serve them —
// but only to a caller with the API token, as a node with readers does.
func TestNoReadersWithoutDesk(t *testing.T) {
	n, _ := offlineNode(t)
	h := n.routes()
	for _, c := range []struct{ method, path string }{
		{"GET", "/v1/readers"}, {"GET", "/v1/readers/0/card"}, {"GET", "/v1/readers/0/update?asset=0x00"},
		{"POST", "/v1/readers/0/update"}, {"POST", "/v1/readers/1/pin"},
	} {
		for _, tok := range []string{"", n.cfg.APIToken} {
			r := httptest.NewRequest(c.method, c.path, strings.NewReader("{}"))
			if tok != "" {
				r.Header.Set("Authorization", "Bearer "+tok)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			var e api.Error
			json.Unmarshal(w.Body.Bytes(), &e)
			want := api.CodeNoReaders
			if tok == "" {
				want = api.CodeUnauthorized
			}
			if w.Code != want.HTTPStatus() || e.Code != want || (tok != "" && !strings.Contains(e.Message, "--readers")) {
				t.Errorf("%s %s (token %v): %d %+v, want %s", c.method, c.path, tok != "", w.Code, e, want)
			}
		}
	}
}
