package ledger

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/cockroachdb/datadriven"
	"github.com/holiman/uint256"
)

// TestScenarios runs the scripts in testdata/scenarios (one per kind; the
// command language is in testdata/scenarios/README.md): each applies
// transactions, written in a small text form and signed by the runner, to
// one state and prints their outcomes, state changes and roots. Run with
// -rewrite to regenerate the expected output, then review the diff.
//
// When every script ran, it also checks coverage: every Reason the ledger
// declares is the outcome of some script, and every kind shows ok, skipped,
// never valid and each reason of scenarioReasons.
func TestScenarios(t *testing.T) {
	files, err := filepath.Glob("testdata/scenarios/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	cov := newScenarioCoverage()
	ran := 0
	for _, path := range files {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txt"), func(t *testing.T) {
			ran++
			s := newScenario(cov)
			datadriven.RunTest(t, path, s.run)
		})
	}
	if ran < len(files) || t.Failed() {
		t.Logf("coverage not checked: %d of %d scripts ran", ran, len(files))
		return
	}
	cov.check(t)
}

// scenarioReasons are the reasons each entry's Apply can fail with, read
// from the code; the scripts must show each one, and no other. A reason
// absent from a kind is one its code cannot return, or one that cannot
// happen (ReasonBalanceOverflow needs balances beyond an asset's supply,
// which only a deposit can grow).
var scenarioReasons = map[string][]Reason{
	"Transfer":     {ReasonInsufficientFunds, ReasonUnknownAsset, ReasonCardAccount},
	"IssueAsset":   {ReasonAssetExists},
	"CardRegister": {ReasonCardExists},
	"CardRecord":   {ReasonUnknownAsset, ReasonCloned},
	"Fill": {ReasonInsufficientFunds, ReasonUnknownAsset, ReasonCardAccount, ReasonOfferExpired, ReasonOfferCancelled,
		ReasonOfferFilled, ReasonMakerInsufficient},
	"CancelOffer": {},
	"Withdraw":    {ReasonInsufficientFunds, ReasonUnknownAsset, ReasonCardAccount, ReasonNotBridged},
	"Redeem":      {ReasonInsufficientFunds, ReasonUnknownAsset, ReasonCardAccount, ReasonAuthExpired, ReasonAuthUsed},
	"ConvertPay": {ReasonInsufficientFunds, ReasonUnknownAsset, ReasonCloned, ReasonCardAccount, ReasonOfferExpired,
		ReasonOfferCancelled, ReasonOfferFilled, ReasonMakerInsufficient, ReasonCardRecordInvalid},
	"CardBlock": {ReasonNotCardIssuer, ReasonCardBlocked},
	"Deposit":   {ReasonUnknownAsset, ReasonBalanceOverflow},
}

// scenarioOutcomes are the outcome classes each entry must show besides
// its failures.
func scenarioOutcomes(entry string) []string {
	switch entry {
	case "Deposit":
		return []string{"ok", "ignored", "stopped"}
	case "AssetListed":
		return []string{"ok", "invalid"}
	}
	return []string{"ok", "skipped", "invalid"}
}

// scenarioDomain is the domain scripts sign in unless a line says
// otherwise: chain id 1337, Anchor 0xa100…00.
var scenarioDomain = testDomain

type scenarioCoverage struct {
	outcomes map[string]map[string]bool // entry → outcome class
	reasons  map[string]map[Reason]bool // entry → failure reason
}

func newScenarioCoverage() *scenarioCoverage {
	return &scenarioCoverage{outcomes: map[string]map[string]bool{}, reasons: map[string]map[Reason]bool{}}
}

func (c *scenarioCoverage) saw(entry, class string) {
	if c.outcomes[entry] == nil {
		c.outcomes[entry] = map[string]bool{}
	}
	c.outcomes[entry][class] = true
}

func (c *scenarioCoverage) failed(entry string, r Reason) {
	if c.reasons[entry] == nil {
		c.reasons[entry] = map[Reason]bool{}
	}
	c.reasons[entry][r] = true
}

func (c *scenarioCoverage) check(t *testing.T) {
	declared := declaredReasons(t)
	problems := c.problems(declared)
	for _, p := range problems {
		t.Error(p)
	}
	if len(problems) == 0 {
		n := 0
		for _, rs := range c.reasons {
			n += len(rs)
		}
		t.Logf("coverage: all %d reasons the ledger declares are shown, in %d (entry, reason) pairs", len(declared), n)
	}
}

// problems lists what the scripts failed to show: a declared reason no
// entry failed with, an entry without one of its outcomes or reasons, or a
// reason scenarioReasons does not list for the entry that failed with it.
func (c *scenarioCoverage) problems(declared []declaredReason) []string {
	var out []string
	if len(declared) != len(reasonNames)-1 {
		out = append(out, fmt.Sprintf("the ledger declares %d reasons besides ReasonNone, reasonNames names %d", len(declared), len(reasonNames)-1))
	}
	for _, d := range declared {
		seen := false
		for _, rs := range c.reasons {
			seen = seen || rs[d.value]
		}
		if !seen {
			out = append(out, fmt.Sprintf("reason %d (%s, %q) is the outcome of no script in testdata/scenarios", d.value, d.name, d.value))
		}
	}
	entries := []string{"AssetListed", "Deposit"}
	for _, s := range kinds {
		if s != nil {
			entries = append(entries, s.name)
		}
	}
	for _, e := range entries {
		want, ok := scenarioReasons[e]
		if !ok && e != "AssetListed" {
			out = append(out, fmt.Sprintf("scenarioReasons does not list %s's reasons", e))
		}
		for _, class := range scenarioOutcomes(e) {
			if !c.outcomes[e][class] {
				out = append(out, fmt.Sprintf("no script shows %s %s", e, class))
			}
		}
		for _, r := range want {
			if !c.reasons[e][r] {
				out = append(out, fmt.Sprintf("no script shows %s failed: %d %s", e, r, r))
			}
		}
		for r := range c.reasons[e] {
			if !slices.Contains(want, r) {
				out = append(out, fmt.Sprintf("%s failed with %d %s, which scenarioReasons does not list for it", e, r, r))
			}
		}
	}
	return out
}

// TestScenarioCoverageCheck makes sure the coverage check fails when it
// should: with nothing shown, every declared reason and every outcome is
// missing; with everything shown, nothing is; one reason short, or one
// reason too many, is one problem.
func TestScenarioCoverageCheck(t *testing.T) {
	declared := declaredReasons(t)
	if len(declared) != len(reasonNames)-1 {
		t.Fatalf("found %d Reason constants, reasonNames names %d", len(declared), len(reasonNames)-1)
	}
	empty := newScenarioCoverage()
	if p := empty.problems(declared); len(p) < len(declared) {
		t.Fatalf("nothing shown, %d problems: %q", len(p), p)
	}
	full := func() *scenarioCoverage {
		c := newScenarioCoverage()
		for e, rs := range scenarioReasons {
			for _, class := range scenarioOutcomes(e) {
				c.saw(e, class)
			}
			for _, r := range rs {
				c.failed(e, r)
			}
		}
		for _, class := range scenarioOutcomes("AssetListed") {
			c.saw("AssetListed", class)
		}
		return c
	}
	if p := full().problems(declared); len(p) != 0 {
		t.Fatalf("everything shown: %q", p)
	}
	short := full()
	delete(short.reasons["CardBlock"], ReasonCardBlocked)
	if p := short.problems(declared); len(p) != 2 { // the reason, and CardBlock's reason
		t.Fatalf("ReasonCardBlocked not shown: %q", p)
	}
	extra := full()
	extra.failed("CancelOffer", ReasonInsufficientFunds)
	if p := extra.problems(declared); len(p) != 1 {
		t.Fatalf("CancelOffer failed 1: %q", p)
	}
	noOK := full()
	delete(noOK.outcomes["Transfer"], "ok")
	if p := noOK.problems(declared); len(p) != 1 {
		t.Fatalf("no Transfer ok: %q", p)
	}
}

type declaredReason struct {
	name  string
	value Reason
}

// declaredReasons reads the Reason constants from the package's sources, so
// that a reason added to the code without a script fails the coverage
// check. Reason constants are declared with iota.
func declaredReasons(t *testing.T) []declaredReason {
	files, _ := filepath.Glob("*.go")
	var out []declaredReason
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(token.NewFileSet(), f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range af.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			inReason := false
			for i, spec := range g.Specs {
				vs := spec.(*ast.ValueSpec)
				if vs.Type != nil || len(vs.Values) > 0 {
					id, ok := vs.Type.(*ast.Ident)
					inReason = ok && id.Name == "Reason"
					if inReason && (len(vs.Values) != 1 || !isIota(vs.Values[0])) {
						t.Fatalf("%s: Reason constant %s is not declared with iota", f, vs.Names[0])
					}
				}
				if inReason && vs.Names[0].Name != "ReasonNone" {
					out = append(out, declaredReason{vs.Names[0].Name, Reason(i)})
				}
			}
		}
	}
	if len(out) == 0 {
		t.Fatal("found no Reason constants")
	}
	return out
}

func isIota(e ast.Expr) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == "iota"
}

// scenario is one script's world: named keys, named objects (assets,
// signed offers, authorizations, records) and the state.
type scenario struct {
	cov   *scenarioCoverage
	st    *Overlay
	env   Env
	keys  map[string]*testKey
	addrs map[Address]string
	objs  map[string]*scenarioObject
	ids   map[Hash]string
	order []string // names in the order given, for substitution
}

// scenarioObject is what a name other than an account's stands for: a
// hash (an asset id, a signed object's id) and the signed object, if any.
type scenarioObject struct {
	id      Hash
	tx      *Tx
	offer   *SignedOffer
	auth    *SignedSpendAuth
	consent *Sig
}

func newScenario(cov *scenarioCoverage) *scenario {
	return &scenario{cov: cov, st: NewOverlay(mapState{}), keys: map[string]*testKey{}, addrs: map[Address]string{},
		objs: map[string]*scenarioObject{}, ids: map[Hash]string{}}
}

// scenarioKey derives a named account's key: the secp256k1 private key
// keccak256(name).
func scenarioKey(name string) *testKey {
	h := Keccak256([]byte(name))
	priv, _ := btcec.PrivKeyFromBytes(h[:])
	return &testKey{priv: priv, addr: pubAddress(priv.PubKey())}
}

func (s *scenario) run(t *testing.T, td *datadriven.TestData) string {
	switch td.Cmd {
	case "accounts":
		return s.accounts(t, td)
	case "env":
		for _, a := range td.CmdArgs {
			v, err := strconv.ParseUint(a.SingleVal(t), 10, 64)
			if err != nil {
				td.Fatalf(t, "env %s: %v", a.Key, err)
			}
			switch a.Key {
			case "time":
				s.env.Time = v
			case "seq":
				s.env.Seq = v
			default:
				td.Fatalf(t, "env takes time= and seq=, not %s", a.Key)
			}
		}
		return fmt.Sprintf("time %d, seq %d", s.env.Time, s.env.Seq)
	case "sign":
		return s.sign(t, td)
	case "apply":
		return s.apply(t, td)
	case "admissible":
		return s.admissible(t, td)
	case "state":
		return s.state(t, td)
	case "balance":
		return s.balance(t, td)
	case "root":
		return s.root(t)
	}
	td.Fatalf(t, "unknown command %q", td.Cmd)
	return ""
}

func (s *scenario) accounts(t *testing.T, td *datadriven.TestData) string {
	var b strings.Builder
	for _, name := range strings.Fields(td.Input) {
		if s.keys[name] != nil || s.objs[name] != nil {
			td.Fatalf(t, "name %s given twice", name)
		}
		k := scenarioKey(name)
		s.keys[name] = k
		s.addrs[k.addr] = name
		s.order = append(s.order, name)
		fmt.Fprintf(&b, "%s: %s\n", name, k.addr.Hex())
	}
	return b.String()
}

// bind names a hash (and the object it is the id of).
func (s *scenario) bind(t *testing.T, td *datadriven.TestData, name string, o *scenarioObject) {
	if s.keys[name] != nil {
		td.Fatalf(t, "%s names an account", name)
	}
	if prev := s.objs[name]; prev != nil && prev.id != o.id {
		td.Fatalf(t, "%s names %s already", name, prev.id.Hex())
	}
	if s.objs[name] == nil {
		s.order = append(s.order, name)
	}
	s.objs[name] = o
	if _, ok := s.ids[o.id]; !ok {
		s.ids[o.id] = name
	}
}

// lines reads a command's input: one entry a line, blank lines and lines
// starting with # skipped.
func (s *scenario) lines(t *testing.T, td *datadriven.TestData) []*scenarioLine {
	var out []*scenarioLine
	for _, text := range strings.Split(td.Input, "\n") {
		text = strings.TrimSpace(text)
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		f := strings.Fields(text)
		l := &scenarioLine{s: s, t: t, td: td, typ: f[0], kv: map[string]string{}, used: map[string]bool{}}
		for _, kv := range f[1:] {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				td.Fatalf(t, "%q: %q is not key=value", text, kv)
			}
			if _, dup := l.kv[k]; dup {
				td.Fatalf(t, "%q: %s given twice", text, k)
			}
			l.kv[k] = v
		}
		out = append(out, l)
	}
	return out
}

// scenarioLine is one entry of the text form: a type, then key=value
// fields. A field not given is the zero value of its type.
type scenarioLine struct {
	s    *scenario
	t    *testing.T
	td   *datadriven.TestData
	typ  string
	kv   map[string]string
	used map[string]bool
}

func (l *scenarioLine) fatalf(format string, args ...any) {
	l.td.Fatalf(l.t, "%s: %s", l.typ, fmt.Sprintf(format, args...))
}

func (l *scenarioLine) get(k string) (string, bool) {
	l.used[k] = true
	v, ok := l.kv[k]
	return v, ok
}

// done refuses fields nobody read: a typo must not pass as a zero value.
func (l *scenarioLine) done() {
	for k := range l.kv {
		if !l.used[k] {
			l.fatalf("unknown field %s", k)
		}
	}
}

func (l *scenarioLine) addr(k string) Address {
	v, ok := l.get(k)
	switch {
	case !ok || v == "0":
		return Address{}
	case strings.HasPrefix(v, "0x"):
		a, err := ParseAddress(v)
		if err != nil {
			l.fatalf("%s: %v", k, err)
		}
		return a
	}
	key := l.s.keys[v]
	if key == nil {
		l.fatalf("%s: no account named %s", k, v)
	}
	return key.addr
}

func (l *scenarioLine) hash(k string) Hash {
	v, ok := l.get(k)
	if !ok {
		return Hash{}
	}
	return l.hashValue(k, v)
}

// hashValue reads a bytes32: a name, 64 hex digits, or a decimal number
// (big-endian, so 0 is zero).
func (l *scenarioLine) hashValue(k, v string) Hash {
	if o := l.s.objs[v]; o != nil {
		return o.id
	}
	if strings.HasPrefix(v, "0x") {
		h, err := ParseHash(v)
		if err != nil {
			l.fatalf("%s: %v", k, err)
		}
		return h
	}
	n, err := uint256.FromDecimal(v)
	if err != nil {
		l.fatalf("%s: %q is no name, hash or number", k, v)
	}
	return n.Bytes32()
}

func (l *scenarioLine) amountValue(k, v string) uint256.Int {
	if v == "max" {
		return *new(uint256.Int).SetAllOne()
	}
	n, err := uint256.FromDecimal(v)
	if err != nil {
		l.fatalf("%s: %v", k, err)
	}
	return *n
}

func (l *scenarioLine) amount(k string) uint256.Int {
	v, ok := l.get(k)
	if !ok {
		return uint256.Int{}
	}
	return l.amountValue(k, v)
}

func (l *scenarioLine) uint(k string, bits int, names map[string]uint64) uint64 {
	v, ok := l.get(k)
	if !ok {
		return 0
	}
	if n, ok := names[v]; ok {
		return n
	}
	if v == "max" {
		return 1<<bits - 1
	}
	n, err := strconv.ParseUint(v, 10, bits)
	if err != nil {
		l.fatalf("%s: %v", k, err)
	}
	return n
}

func (l *scenarioLine) boolean(k string) bool {
	v, ok := l.get(k)
	switch {
	case !ok || v == "false":
		return false
	case v == "true":
		return true
	}
	l.fatalf("%s: %q is not true or false", k, v)
	return false
}

func (l *scenarioLine) str(k string) string {
	v, _ := l.get(k)
	return v
}

func (l *scenarioLine) list(k string) []string {
	v, ok := l.get(k)
	if !ok || v == "" {
		return nil
	}
	return strings.Split(v, ",")
}

// object reads a field naming a signed object.
func (l *scenarioLine) object(k string) *scenarioObject {
	v, ok := l.get(k)
	if !ok {
		l.fatalf("%s is required", k)
	}
	o := l.s.objs[v]
	if o == nil {
		l.fatalf("%s: nothing is named %s", k, v)
	}
	return o
}

func (l *scenarioLine) record(k, v string) *Tx {
	o := l.s.objs[v]
	if o == nil || o.tx == nil {
		l.fatalf("%s: %s names no signed transaction", k, v)
	}
	return o.tx
}

func (l *scenarioLine) offer(k, v string) SignedOffer {
	o := l.s.objs[v]
	if o == nil || o.offer == nil {
		l.fatalf("%s: %s names no signed offer", k, v)
	}
	return *o.offer
}

// domain is the domain the line signs in: scenarioDomain unless chain= or
// contract= says otherwise.
func (l *scenarioLine) domain() Domain {
	d := scenarioDomain
	if _, ok := l.kv["chain"]; ok {
		d.ChainID = l.uint("chain", 64, nil)
	}
	if _, ok := l.kv["contract"]; ok {
		d.Contract = l.addr("contract")
	}
	return NewDomain(d.ChainID, d.Contract)
}

// signer is the key that signs the line: signer= names it, else the
// account the message names as its signer.
func (l *scenarioLine) signer(want Address) *testKey {
	if v, ok := l.get("signer"); ok {
		k := l.s.keys[v]
		if k == nil {
			l.fatalf("signer: no account named %s", v)
		}
		return k
	}
	name, ok := l.s.addrs[want]
	if !ok {
		l.fatalf("no key for %s: give signer=", want.Hex())
	}
	return l.s.keys[name]
}

// signDigest signs a digest with the line's key and applies sig=.
func (l *scenarioLine) signDigest(want Address, digest Hash) Sig {
	sig := l.signer(want).signDigest(digest)
	v, ok := l.get("sig")
	if !ok {
		return sig
	}
	switch {
	case v == "high-s":
		var s uint256.Int
		s.SetBytes(sig[32:64])
		s.Sub(secpN, &s)
		b := s.Bytes32()
		copy(sig[32:64], b[:])
		sig[64] = 55 - sig[64] // 27 ↔ 28: the same key recovers from (r, n − s)
	case v == "r:0":
		clear(sig[:32])
	case v == "s:0":
		clear(sig[32:64])
	case strings.HasPrefix(v, "v:"):
		n, err := strconv.ParseUint(v[2:], 10, 8)
		if err != nil {
			l.fatalf("sig: %v", err)
		}
		sig[64] = byte(n)
	default:
		l.fatalf("sig: %q is not high-s, r:0, s:0 or v:N", v)
	}
	return sig
}

var (
	scenarioModes        = map[string]uint64{"offline": CardModeOffline, "online": CardModeOnline, "to-card": CardModeToCard}
	scenarioBlockReasons = map[string]uint64{"lost": uint64(BlockLost), "stolen": uint64(BlockStolen)}
)

// payload builds the transaction a line describes (nil if its type is no
// transaction kind).
func (l *scenarioLine) payload() Payload {
	d := l.domain()
	switch l.typ {
	case "Transfer":
		return &Transfer{From: l.addr("from"), To: l.addr("to"), Asset: l.hash("asset"), Amount: l.amount("amount"), Nonce: l.uint("nonce", 64, nil)}
	case "IssueAsset":
		return &IssueAsset{Issuer: l.addr("issuer"), Symbol: l.str("symbol"), Decimals: uint8(l.uint("decimals", 8, nil)),
			Supply: l.amount("supply"), Currency: uint16(l.uint("currency", 16, nil)), Metadata: l.hash("metadata"), Nonce: l.uint("nonce", 64, nil)}
	case "CardRegister":
		r := &CardRegister{Issuer: l.addr("issuer"), Card: l.addr("card"), Owner: l.addr("owner"), Nonce: l.uint("nonce", 64, nil)}
		if _, ok := l.kv["consent"]; ok {
			o := l.object("consent")
			if o.consent == nil {
				l.fatalf("consent: %s is no signed CardConsent", l.kv["consent"])
			}
			r.Consent = *o.consent
		} else {
			name, ok := l.s.addrs[r.Card]
			if !ok {
				l.fatalf("no key for card %s: give consent=", r.Card.Hex())
			}
			cc := r.ConsentOf()
			r.Consent = l.s.keys[name].signDigest(d.Digest(cc.StructHash()))
		}
		return r
	case "CardRecord":
		p := &CardPayment{CardRecord: CardRecord{Card: l.addr("card"), Asset: l.hash("asset"), Amount: l.amount("amount"),
			Payee: l.addr("payee"), Counter: l.uint("counter", 64, nil), Challenge: l.hash("challenge"), Mode: uint8(l.uint("mode", 8, scenarioModes))}}
		for _, n := range l.list("carries") {
			p.Attached = append(p.Attached, l.record("carries", n))
		}
		committed := p.Attached
		if _, ok := l.kv["attached"]; ok {
			committed = nil
			for _, n := range l.list("attached") {
				if n != "0" {
					committed = append(committed, l.record("attached", n))
				}
			}
		}
		var ids []Hash
		for _, a := range committed {
			ids = append(ids, a.ID(scenarioDomain))
		}
		p.AttachedHash = AttachmentsHash(ids)
		return p
	case "Fill":
		return &Fill{Taker: l.addr("taker"), Offer: l.offer("offer", l.str("offer")), Take: l.amount("take"), Nonce: l.uint("nonce", 64, nil)}
	case "CancelOffer":
		return &CancelOffer{Maker: l.addr("maker"), Offer: l.hash("offer"), Nonce: l.uint("nonce", 64, nil)}
	case "Withdraw":
		return &Withdraw{Account: l.addr("account"), Asset: l.hash("asset"), Amount: l.amount("amount"), To: l.addr("to"), Nonce: l.uint("nonce", 64, nil)}
	case "Redeem":
		o := l.object("authorization")
		if o.auth == nil {
			l.fatalf("authorization: %s is no signed SpendAuthorization", l.kv["authorization"])
		}
		return &Redeem{Payee: l.addr("payee"), Auth: *o.auth, Amount: l.amount("amount"), Nonce: l.uint("nonce", 64, nil)}
	case "ConvertPay":
		p := &ConvertPay{Owner: l.addr("owner"), Asset: l.hash("asset"), Amount: l.amount("amount"), Payee: l.addr("payee"), Nonce: l.uint("nonce", 64, nil)}
		p.Record = l.record("record", l.str("record"))
		for _, n := range l.list("offers") {
			p.Offers = append(p.Offers, l.offer("offers", n))
		}
		for _, v := range l.list("takes") {
			p.Takes = append(p.Takes, l.amountValue("takes", v))
		}
		return p
	case "CardBlock":
		return &CardBlock{Issuer: l.addr("issuer"), Card: l.addr("card"), Reason: uint8(l.uint("reason", 8, scenarioBlockReasons)), Nonce: l.uint("nonce", 64, nil)}
	}
	return nil
}

// tx builds and signs the line's transaction.
func (l *scenarioLine) tx() *Tx {
	p := l.payload()
	if p == nil {
		l.fatalf("not a transaction kind")
	}
	return &Tx{Payload: p, Sig: l.signDigest(p.Signer(), l.domain().Digest(p.StructHash()))}
}

// as binds the line's as= name, if any, to an object.
func (l *scenarioLine) as(o *scenarioObject) (string, bool) {
	name, ok := l.get("as")
	if ok {
		l.s.bind(l.t, l.td, name, o)
	}
	return name, ok
}

// sign signs messages and transactions without applying them, and names
// them (as= is required): offers, spend authorizations and card consents,
// and the card records other transactions carry.
func (s *scenario) sign(t *testing.T, td *datadriven.TestData) string {
	var b strings.Builder
	for _, l := range s.lines(t, td) {
		o := &scenarioObject{}
		d := l.domain()
		switch l.typ {
		case "Offer":
			so := &SignedOffer{Offer: Offer{Maker: l.addr("maker"), Give: l.hash("give"), GiveAmount: l.amount("giveAmount"),
				Want: l.hash("want"), WantAmount: l.amount("wantAmount"), Partial: l.boolean("partial"),
				Expiry: l.uint("expiry", 64, nil), Salt: l.hash("salt")}}
			so.Sig = l.signDigest(so.Maker, d.Digest(so.Offer.StructHash()))
			o.offer, o.id = so, so.ID(scenarioDomain)
		case "SpendAuthorization":
			sa := &SignedSpendAuth{SpendAuth: SpendAuth{Account: l.addr("account"), Asset: l.hash("asset"), Amount: l.amount("amount"),
				Payee: l.addr("payee"), Expiry: l.uint("expiry", 64, nil), Salt: l.hash("salt")}}
			sa.Sig = l.signDigest(sa.Account, d.Digest(sa.SpendAuth.StructHash()))
			o.auth, o.id = sa, sa.ID(scenarioDomain)
		case "CardConsent":
			cc := CardConsent{Card: l.addr("card"), Issuer: l.addr("issuer"), Owner: l.addr("owner")}
			sig := l.signDigest(cc.Card, d.Digest(cc.StructHash()))
			o.consent, o.id = &sig, scenarioDomain.Digest(cc.StructHash())
		default:
			o.tx = l.tx()
			o.id = o.tx.ID(scenarioDomain)
		}
		name, ok := l.as(o)
		if !ok {
			l.fatalf("sign needs as=")
		}
		l.done()
		fmt.Fprintf(&b, "%s: %s\n", name, o.id.Hex())
	}
	return b.String()
}

// apply applies each line in order and prints its outcome; with the
// argument "changes", also the state keys it changed.
func (s *scenario) apply(t *testing.T, td *datadriven.TestData) string {
	changes := false
	for _, a := range td.CmdArgs {
		if a.Key != "changes" {
			td.Fatalf(t, "apply takes one argument, changes")
		}
		changes = true
	}
	var b strings.Builder
	for _, l := range s.lines(t, td) {
		before := s.snapshot()
		out := s.applyLine(l)
		l.done()
		b.WriteString(s.names(out) + "\n")
		if changes {
			for _, c := range s.diff(t, before, s.snapshot()) {
				b.WriteString("  " + c + "\n")
			}
		}
		s.st.Forget()
	}
	return b.String()
}

func (s *scenario) applyLine(l *scenarioLine) string {
	switch l.typ {
	case "AssetListed":
		vault, token := l.addr("vault"), l.addr("token")
		lst := &VaultListing{Vault: vault, Token: token, Symbol: l.str("symbol"), Decimals: uint8(l.uint("decimals", 8, nil)),
			Asset: BridgedAssetID(scenarioDomain.ChainID, vault, token)}
		if _, ok := l.kv["asset"]; ok {
			lst.Asset = l.hash("asset")
		}
		existed := s.st.hasAsset(lst.Asset)
		if err := ApplyListing(s.st, lst); err != nil {
			return s.errOutcome(l, "AssetListed", err)
		}
		s.nameAsset(l, lst.Asset, lst.Symbol)
		s.cov.saw("AssetListed", "ok")
		if existed {
			return "ok (listed already: nothing changes)"
		}
		return "ok"
	case "Deposit":
		dep := &VaultDeposit{Index: l.uint("index", 64, nil), Asset: l.hash("asset"), Account: l.addr("account"), Amount: l.amount("amount")}
		reason, err := ApplyDeposit(s.st, dep)
		if err != nil {
			return s.errOutcome(l, "Deposit", err)
		}
		return s.receiptOutcome("Deposit", reason, nil)
	}
	tx := l.tx()
	kind := tx.Payload.Kind().String()
	wire := tx.Encode()
	if v, ok := l.get("wire"); ok {
		wire = l.mutate(v, tx, wire)
	}
	dec, err := DecodeTx(wire)
	if err != nil {
		return s.errOutcome(l, kind, err)
	}
	s.roundTrips(l, dec, wire)
	if ia, ok := dec.Payload.(*IssueAsset); ok {
		defer func() { s.nameIssued(l, dec, ia) }()
	}
	l.as(&scenarioObject{id: dec.ID(scenarioDomain), tx: dec})
	v, err := Verify(dec, scenarioDomain, btcecRecoverer{})
	if err != nil {
		return s.errOutcome(l, kind, err)
	}
	r, err := Apply(s.st, v, s.env)
	if err != nil {
		if errors.Is(err, ErrState) {
			l.fatalf("%v", err)
		}
		return s.errOutcome(l, kind, err)
	}
	return s.receiptOutcome(kind, r.Reason, r.Attached)
}

// nameIssued names an asset that was issued after its symbol, unless the
// line named it (as=) or the symbol names something already.
func (s *scenario) nameIssued(l *scenarioLine, tx *Tx, ia *IssueAsset) {
	if _, ok := l.kv["as"]; ok {
		return
	}
	id := tx.ID(scenarioDomain)
	if a, ok := s.st.Asset(id); ok && a.Issuer == ia.Issuer {
		s.nameAsset(l, id, ia.Symbol)
	}
}

func (s *scenario) nameAsset(l *scenarioLine, id Hash, symbol string) {
	if _, ok := l.as(&scenarioObject{id: id}); ok {
		return
	}
	if s.keys[symbol] == nil && s.objs[symbol] == nil && symbol != "" {
		s.bind(l.t, l.td, symbol, &scenarioObject{id: id})
	}
}

// mutate breaks a transaction's wire form as wire= says.
func (l *scenarioLine) mutate(how string, tx *Tx, wire []byte) []byte {
	w := slices.Clone(wire)
	switch {
	case how == "truncated":
		return w[:len(w)-1]
	case how == "trailing":
		return append(w, 0)
	case strings.HasPrefix(how, "kind:"):
		n, err := strconv.ParseUint(how[5:], 10, 8)
		if err != nil {
			l.fatalf("wire: %v", err)
		}
		w[0] = byte(n)
		return w
	case how == "long-varint":
		// The body's last field is a varint: the nonce, or a card record's
		// count of carried records. Write it one byte longer than it
		// should be (a continuation bit and a 0x00 byte).
		last := tx.Payload.AccountNonce()
		if cp, ok := tx.Payload.(*CardPayment); ok {
			last = uint64(len(cp.Attached))
		}
		n := len(binary.AppendUvarint(nil, last))
		end := len(w) - 65
		long := binary.AppendUvarint(nil, last)
		long[n-1] |= 0x80
		long = append(long, 0)
		return slices.Concat(w[:end-n], long, w[end:])
	}
	l.fatalf("wire: %q is not truncated, trailing, kind:N or long-varint", how)
	return nil
}

// roundTrips checks what every decoded transaction must satisfy: its wire
// form is canonical, and its JSON form gives back the same transaction.
func (s *scenario) roundTrips(l *scenarioLine, tx *Tx, wire []byte) {
	if !bytes.Equal(tx.Encode(), wire) {
		l.t.Errorf("%s: %s decodes but re-encodes differently", l.td.Pos, l.typ)
	}
	j, err := tx.MarshalJSON()
	if err != nil {
		l.t.Errorf("%s: JSON: %v", l.td.Pos, err)
		return
	}
	var back Tx
	if err := back.UnmarshalJSON(j); err != nil {
		l.t.Errorf("%s: JSON %s does not read back: %v", l.td.Pos, j, err)
		return
	}
	// The JSON form reads a v of 0 or 1 as 27 or 28.
	want := slices.Clone(wire)
	if v := &want[len(want)-1]; *v < 2 {
		*v += 27
	}
	if !bytes.Equal(back.Encode(), want) || back.ID(scenarioDomain) != tx.ID(scenarioDomain) {
		l.t.Errorf("%s: JSON %s reads back as another transaction", l.td.Pos, j)
	}
}

// outcomeErrors classify errors into outcomes, first match first.
var outcomeErrors = []struct {
	err   error
	class string
}{
	{ErrNonceTooLow, "skipped"}, {ErrNonceGap, "skipped"}, {ErrCardUnknown, "skipped"}, {ErrRecordApplied, "skipped"},
	{ErrCardUnfunded, "skipped"},
	{ErrDepositApplied, "ignored"}, {ErrDepositGap, "stopped"},
	{ErrUnknownKind, "invalid"}, {ErrDecode, "invalid"}, {ErrBadSignature, "invalid"}, {ErrWrongSigner, "invalid"},
	{ErrZeroAmount, "invalid"}, {ErrBadField, "invalid"},
}

// errOutcome prints an error outcome: "class: sentinel (detail)", the
// sentinel's text without "ledger: ", the detail what wraps it.
func (s *scenario) errOutcome(l *scenarioLine, entry string, err error) string {
	for _, c := range outcomeErrors {
		if !errors.Is(err, c.err) {
			continue
		}
		if (c.class == "skipped") != IsSkip(err) {
			l.t.Errorf("%s: %v is %s, but IsSkip says %v", l.td.Pos, err, c.class, IsSkip(err))
		}
		s.cov.saw(entry, c.class)
		name := strings.TrimPrefix(c.err.Error(), "ledger: ")
		detail := strings.Replace(err.Error(), c.err.Error(), "", 1)
		detail = strings.TrimSuffix(strings.TrimPrefix(strings.ReplaceAll(detail, ": : ", ": "), ": "), ": ")
		if detail == "" {
			return c.class + ": " + name
		}
		return c.class + ": " + name + " (" + detail + ")"
	}
	l.fatalf("unexpected error: %v", err)
	return ""
}

func (s *scenario) receiptOutcome(entry string, r Reason, attached []Hash) string {
	out := "ok"
	if r != ReasonNone {
		s.cov.failed(entry, r)
		s.cov.saw(entry, "failed")
		out = fmt.Sprintf("failed: %d %s", r, r)
	} else {
		s.cov.saw(entry, "ok")
	}
	if len(attached) > 0 {
		var ns []string
		for _, id := range attached {
			ns = append(ns, s.hashName(id))
		}
		out += " (applied carried: " + strings.Join(ns, ", ") + ")"
	}
	return out
}

// admissible runs the pending view's rule for blocked cards on each line.
func (s *scenario) admissible(t *testing.T, td *datadriven.TestData) string {
	var b strings.Builder
	for _, l := range s.lines(t, td) {
		tx := l.tx()
		l.done()
		if err := CardAdmissible(s.st, tx.Payload); err != nil {
			if !errors.Is(err, ErrCardBlocked) {
				l.fatalf("unexpected error: %v", err)
			}
			detail := strings.TrimPrefix(strings.Replace(err.Error(), ErrCardBlocked.Error(), "", 1), ": ")
			b.WriteString(s.names("refused: " + strings.TrimPrefix(ErrCardBlocked.Error(), "ledger: ") + " (" + detail + ")\n"))
			continue
		}
		b.WriteString("admitted\n")
	}
	return b.String()
}

// names replaces the addresses and hashes the script named by their names.
func (s *scenario) names(text string) string {
	for _, n := range s.order {
		if k := s.keys[n]; k != nil {
			text = strings.ReplaceAll(text, k.addr.Hex(), n)
		} else if s.ids[s.objs[n].id] == n {
			text = strings.ReplaceAll(text, s.objs[n].id.Hex(), n)
		}
	}
	return text
}

func (s *scenario) addrName(a Address) string {
	if n, ok := s.addrs[a]; ok {
		return n
	}
	if a.IsZero() {
		return "0"
	}
	return a.Hex()
}

func (s *scenario) hashName(h Hash) string {
	if n, ok := s.ids[h]; ok {
		return n
	}
	if h.IsZero() {
		return "0"
	}
	return h.Hex()
}

// snapshot is the state as a map: the overlay's writes over an empty base,
// deleted keys left out.
func (s *scenario) snapshot() map[string][]byte {
	out := map[string][]byte{}
	for k, v := range s.st.writes {
		if v != nil {
			out[k] = v
		}
	}
	return out
}

func sortedKeys(m map[string][]byte) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// diff lists the keys that changed between two snapshots, in key order.
func (s *scenario) diff(t *testing.T, before, after map[string][]byte) []string {
	union := map[string][]byte{}
	for k := range before {
		union[k] = nil
	}
	for k := range after {
		union[k] = nil
	}
	var out []string
	for _, k := range sortedKeys(union) {
		a, inA := after[k]
		b, inB := before[k]
		switch {
		case inA && (!inB || !bytes.Equal(a, b)):
			key, val := s.describe(t, []byte(k), a)
			out = append(out, key+": "+val)
		case inB && !inA:
			key, _ := s.describe(t, []byte(k), b)
			out = append(out, key+": deleted")
		}
	}
	return out
}

// state prints the whole state, key by key in key order, decoded; its
// arguments, if any, keep only the keys of those kinds (the first word of
// each line: account, balance, asset, …).
func (s *scenario) state(t *testing.T, td *datadriven.TestData) string {
	var keep []string
	for _, a := range td.CmdArgs {
		keep = append(keep, a.Key)
	}
	snap := s.snapshot()
	var b strings.Builder
	for _, k := range sortedKeys(snap) {
		key, val := s.describe(t, []byte(k), snap[k])
		if len(keep) > 0 && !slices.Contains(keep, strings.Fields(key)[0]) {
			continue
		}
		fmt.Fprintf(&b, "%s: %s\n", key, val)
	}
	if b.Len() == 0 {
		return "(empty)"
	}
	return b.String()
}

// balance prints balances: "balance ACCOUNT ASSET" (0 when absent).
func (s *scenario) balance(t *testing.T, td *datadriven.TestData) string {
	if len(td.CmdArgs) != 2 {
		td.Fatalf(t, "balance ACCOUNT ASSET")
	}
	k, o := s.keys[td.CmdArgs[0].Key], s.objs[td.CmdArgs[1].Key]
	if k == nil || o == nil {
		td.Fatalf(t, "balance: unknown account or asset")
	}
	return fmt.Sprintf("%s %s: %s", td.CmdArgs[0].Key, td.CmdArgs[1].Key, s.st.Balance(k.addr, o.id).Dec())
}

// root prints the state root of the whole state.
func (s *scenario) root(t *testing.T) string {
	snap := s.snapshot()
	var kvs []KV
	for _, k := range sortedKeys(snap) {
		kvs = append(kvs, KV{Key: []byte(k), Value: snap[k]})
	}
	r, err := NewTree(mapState{}).Update(kvs)
	if err != nil {
		t.Fatal(err)
	}
	return r.Hex()
}

// describe decodes a state key and value (docs/protocol.md, "State and
// roots") into words. A key it does not know fails the test: every key the
// ledger writes is one the protocol describes.
func (s *scenario) describe(t *testing.T, k, v []byte) (string, string) {
	addr := func(b []byte) string { return s.addrName(Address(b)) }
	hash := func(b []byte) string { return s.hashName(Hash(b)) }
	num := func(b []byte) string { return new(uint256.Int).SetBytes(b).Dec() }
	u64 := func(b []byte) string {
		if len(b) != 8 {
			t.Errorf("state key %x: value %x is not 8 bytes", k, b)
			return fmt.Sprintf("%x", b)
		}
		return strconv.FormatUint(binary.BigEndian.Uint64(b), 10)
	}
	switch {
	case string(k) == keyCounters:
		return "accounts", u64(v)
	case string(k) == keyNextDeposit:
		return "deposits", u64(v)
	case k[0] == prefixAccount && len(k) == 21 && len(v) == 16:
		return "account " + addr(k[1:]), "nonce " + u64(v[:8]) + ", number " + u64(v[8:])
	case k[0] == prefixBalance && len(k) == 53:
		return "balance " + addr(k[1:21]) + " " + hash(k[21:]), num(v)
	case k[0] == prefixAsset && len(k) == 33:
		a, ok := decodeAsset(Hash(k[1:]), v)
		if !ok {
			break
		}
		val := fmt.Sprintf("issuer %s, symbol %s, decimals %d, currency %d, supply %s, metadata %s",
			s.addrName(a.Issuer), a.Symbol, a.Decimals, a.Currency, a.Supply.Dec(), s.hashName(a.Metadata))
		if a.Token != nil {
			val += ", token " + s.addrName(*a.Token)
		}
		return "asset " + hash(k[1:]), val
	case k[0] == prefixNumber && len(k) == 9 && len(v) == 20:
		return "number " + u64(k[1:]), addr(v)
	case k[0] == prefixCard && len(k) == 21 && len(v) == 41:
		c := decodeCard(v)
		val := fmt.Sprintf("issuer %s, owner %s, flags 0x%02x", s.addrName(c.Issuer), s.addrName(c.Owner), v[40])
		var flags []string
		if c.Cloned {
			flags = append(flags, "cloned")
		}
		if c.Blocked {
			flags = append(flags, "blocked "+BlockReasonName(c.BlockReason))
		}
		if len(flags) > 0 {
			val += " (" + strings.Join(flags, ", ") + ")"
		}
		if v[40]&^3 != 0 && !c.Blocked {
			t.Errorf("card %x: flags %08b: a block reason without the blocked bit", k[1:], v[40])
		}
		return "card " + addr(k[1:]), val
	case k[0] == prefixCounter && len(k) == 29 && len(v) == 32:
		return "counter " + addr(k[1:21]) + " " + u64(k[21:]), hash(v)
	case k[0] == prefixCredited && len(k) == 53:
		return "credited " + addr(k[1:21]) + " " + hash(k[21:]), num(v)
	case k[0] == prefixReceived && len(k) == 61 && len(v) == 32:
		return "received " + addr(k[1:21]) + " " + hash(k[21:53]) + " " + u64(k[53:]), hash(v)
	case k[0] == prefixRecvN && len(k) == 53:
		return "received-count " + addr(k[1:21]) + " " + hash(k[21:]), u64(v)
	case k[0] == prefixOffer && len(k) == 33:
		return "filled " + hash(k[1:]), num(v)
	case k[0] == prefixCancel && len(k) == 53 && bytes.Equal(v, []byte{1}):
		return "cancelled " + hash(k[1:33]) + " by " + addr(k[33:]), "yes"
	case k[0] == prefixAuthUsed && len(k) == 33 && bytes.Equal(v, []byte{1}):
		return "redeemed " + hash(k[1:]), "yes"
	}
	t.Errorf("state key %x (value %x) is none the protocol describes", k, v)
	return fmt.Sprintf("%x", k), fmt.Sprintf("%x", v)
}
