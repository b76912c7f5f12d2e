package eip712check

import (
	"bytes"
	"encoding/json"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/common/math"
	"github.com/ethereum/go-ethereum/signer/core/apitypes"
	"github.com/holiman/uint256"
	"pgregory.net/rapid"

	"github.com/anonex/anonex/ledger"
)

// apiTypes converts ledger.Types(), what wallets are served, to apitypes.
func apiTypes() apitypes.Types {
	out := apitypes.Types{}
	for name, fields := range ledger.Types() {
		for _, f := range fields {
			out[name] = append(out[name], apitypes.Type{Name: f.Name, Type: f.Type})
		}
	}
	return out
}

func apiDomain(d ledger.Domain) apitypes.TypedDataDomain {
	return apitypes.TypedDataDomain{
		Name:              ledger.DomainName,
		Version:           ledger.DomainVersion,
		ChainId:           (*math.HexOrDecimal256)(new(big.Int).SetUint64(d.ChainID)),
		VerifyingContract: d.Contract.Hex(),
	}
}

// message renders a payload as apitypes expects it, from the payload's Go
// fields (not from the ledger's JSON): big integers, hex strings.
func message(p ledger.Payload) (string, apitypes.TypedDataMessage) {
	switch p := p.(type) {
	case *ledger.Transfer:
		return "Transfer", apitypes.TypedDataMessage{
			"from":   p.From.Hex(),
			"to":     p.To.Hex(),
			"asset":  p.Asset.Hex(),
			"amount": p.Amount.ToBig(),
			"nonce":  new(big.Int).SetUint64(p.Nonce),
		}
	case *ledger.IssueAsset:
		return "IssueAsset", apitypes.TypedDataMessage{
			"issuer":   p.Issuer.Hex(),
			"symbol":   p.Symbol,
			"decimals": big.NewInt(int64(p.Decimals)),
			"supply":   p.Supply.ToBig(),
			"currency": big.NewInt(int64(p.Currency)),
			"metadata": p.Metadata.Hex(),
			"nonce":    new(big.Int).SetUint64(p.Nonce),
		}
	case *ledger.CardRegister:
		return "CardRegister", apitypes.TypedDataMessage{
			"issuer": p.Issuer.Hex(), "card": p.Card.Hex(), "owner": p.Owner.Hex(), "nonce": new(big.Int).SetUint64(p.Nonce),
		}
	case *ledger.CardPayment:
		return "CardRecord", apitypes.TypedDataMessage{
			"card": p.Card.Hex(), "asset": p.Asset.Hex(), "amount": p.Amount.ToBig(), "payee": p.Payee.Hex(),
			"counter": new(big.Int).SetUint64(p.Counter), "challenge": p.Challenge.Hex(), "mode": big.NewInt(int64(p.Mode)),
			"attached": p.AttachedHash.Hex(),
		}
	case *ledger.CardBlock:
		return "CardBlock", apitypes.TypedDataMessage{
			"issuer": p.Issuer.Hex(), "card": p.Card.Hex(), "reason": big.NewInt(int64(p.Reason)), "nonce": new(big.Int).SetUint64(p.Nonce),
		}
	case *ledger.CancelOffer:
		return "CancelOffer", apitypes.TypedDataMessage{
			"maker": p.Maker.Hex(), "offer": p.Offer.Hex(), "nonce": new(big.Int).SetUint64(p.Nonce),
		}
	case *ledger.Withdraw:
		return "Withdraw", apitypes.TypedDataMessage{
			"account": p.Account.Hex(), "asset": p.Asset.Hex(), "amount": p.Amount.ToBig(), "to": p.To.Hex(),
			"nonce": new(big.Int).SetUint64(p.Nonce),
		}
	case *ledger.Redeem:
		a := p.Auth
		return "Redeem", apitypes.TypedDataMessage{
			"payee": p.Payee.Hex(),
			"authorization": map[string]any{
				"account": a.Account.Hex(), "asset": a.Asset.Hex(), "amount": a.Amount.ToBig(), "payee": a.Payee.Hex(),
				"expiry": new(big.Int).SetUint64(a.Expiry), "salt": a.Salt.Hex(),
			},
			"amount": p.Amount.ToBig(),
			"nonce":  new(big.Int).SetUint64(p.Nonce),
		}
	case *ledger.ConvertPay:
		offers := []any{}
		takes := []any{}
		for i := range p.Offers {
			o := p.Offers[i].Offer
			offers = append(offers, map[string]any{
				"maker": o.Maker.Hex(), "give": o.Give.Hex(), "giveAmount": o.GiveAmount.ToBig(), "want": o.Want.Hex(),
				"wantAmount": o.WantAmount.ToBig(), "partial": o.Partial, "expiry": new(big.Int).SetUint64(o.Expiry), "salt": o.Salt.Hex(),
			})
			takes = append(takes, p.Takes[i].ToBig())
		}
		rh := p.Record.Payload.StructHash()
		return "ConvertPay", apitypes.TypedDataMessage{
			"owner": p.Owner.Hex(), "record": rh.Hex(), "offers": offers, "takes": takes, "asset": p.Asset.Hex(),
			"amount": p.Amount.ToBig(), "payee": p.Payee.Hex(), "nonce": new(big.Int).SetUint64(p.Nonce),
		}
	case *ledger.Fill:
		o := p.Offer
		return "Fill", apitypes.TypedDataMessage{
			"taker": p.Taker.Hex(),
			"offer": map[string]any{
				"maker": o.Maker.Hex(), "give": o.Give.Hex(), "giveAmount": o.GiveAmount.ToBig(), "want": o.Want.Hex(),
				"wantAmount": o.WantAmount.ToBig(), "partial": o.Partial, "expiry": new(big.Int).SetUint64(o.Expiry), "salt": o.Salt.Hex(),
			},
			"take":  p.Take.ToBig(),
			"nonce": new(big.Int).SetUint64(p.Nonce),
		}
	}
	panic("unknown payload")
}

// The struct type strings are the protocol's; apitypes renders them from
// ledger.Types() and must find them valid (HashStruct validates the types).
func TestTypesAccepted(t *testing.T) {
	types := apiTypes()
	want := map[string]string{
		"EIP712Domain":       "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)",
		"Transfer":           "Transfer(address from,address to,bytes32 asset,uint256 amount,uint64 nonce)",
		"IssueAsset":         "IssueAsset(address issuer,string symbol,uint8 decimals,uint256 supply,uint16 currency,bytes32 metadata,uint64 nonce)",
		"CancelOffer":        "CancelOffer(address maker,bytes32 offer,uint64 nonce)",
		"Fill":               "Fill(address taker,Offer offer,uint256 take,uint64 nonce)Offer(address maker,bytes32 give,uint256 giveAmount,bytes32 want,uint256 wantAmount,bool partial,uint64 expiry,bytes32 salt)",
		"Offer":              "Offer(address maker,bytes32 give,uint256 giveAmount,bytes32 want,uint256 wantAmount,bool partial,uint64 expiry,bytes32 salt)",
		"CardRegister":       "CardRegister(address issuer,address card,address owner,uint64 nonce)",
		"CardRecord":         "CardRecord(address card,bytes32 asset,uint256 amount,address payee,uint64 counter,bytes32 challenge,uint8 mode,bytes32 attached)",
		"CardBlock":          "CardBlock(address issuer,address card,uint8 reason,uint64 nonce)",
		"Withdraw":           "Withdraw(address account,bytes32 asset,uint256 amount,address to,uint64 nonce)",
		"Redeem":             "Redeem(address payee,SpendAuthorization authorization,uint256 amount,uint64 nonce)SpendAuthorization(address account,bytes32 asset,uint256 amount,address payee,uint64 expiry,bytes32 salt)",
		"SpendAuthorization": "SpendAuthorization(address account,bytes32 asset,uint256 amount,address payee,uint64 expiry,bytes32 salt)",
		"ConvertPay":         "ConvertPay(address owner,bytes32 record,Offer[] offers,uint256[] takes,bytes32 asset,uint256 amount,address payee,uint64 nonce)Offer(address maker,bytes32 give,uint256 giveAmount,bytes32 want,uint256 wantAmount,bool partial,uint64 expiry,bytes32 salt)",
	}
	if len(types) != len(want) {
		t.Fatalf("ledger.Types() has %d types, want %d", len(types), len(want))
	}
	d := ledger.NewDomain(1337, ledger.Address{0xa1})
	for name, enc := range want {
		td := apitypes.TypedData{Types: types, PrimaryType: name, Domain: apiDomain(d)}
		if got := string(td.EncodeType(name)); got != enc {
			t.Errorf("apitypes encodes %s as %q, want %q", name, got, enc)
		}
	}
	for _, p := range []ledger.Payload{
		&ledger.Transfer{From: ledger.Address{1}, To: ledger.Address{2}, Asset: ledger.Hash{3}, Amount: *uint256.NewInt(4), Nonce: 5},
		&ledger.IssueAsset{Issuer: ledger.Address{1}, Symbol: "EUR", Decimals: 2, Supply: *uint256.NewInt(9), Currency: 978, Nonce: 1},
	} {
		primary, msg := message(p)
		td := apitypes.TypedData{Types: types, PrimaryType: primary, Domain: apiDomain(d), Message: msg}
		h, _, err := apitypes.TypedDataAndHash(td)
		if err != nil {
			t.Fatalf("apitypes refuses %s built from ledger.Types(): %v", primary, err)
		}
		if want := d.Digest(p.StructHash()); !bytes.Equal(h, want[:]) {
			t.Errorf("%s: apitypes digest %x, ledger %x", primary, h, want[:])
		}
		// The document a wallet gets from ledger.TypedData, as JSON.
		doc, err := json.Marshal(ledger.TypedData(p, d))
		if err != nil {
			t.Fatal(err)
		}
		var parsed apitypes.TypedData
		if err := json.Unmarshal(doc, &parsed); err != nil {
			t.Fatalf("apitypes cannot read ledger.TypedData %s: %v", doc, err)
		}
		h2, _, err := apitypes.TypedDataAndHash(parsed)
		if err != nil {
			t.Fatalf("apitypes refuses ledger.TypedData %s: %v", doc, err)
		}
		if !bytes.Equal(h2, h) {
			t.Errorf("%s: digest of the JSON document %x, of the Go values %x", primary, h2, h)
		}
	}
}

func genAddress(t *rapid.T, label string) (a ledger.Address) {
	copy(a[:], rapid.SliceOfN(rapid.Byte(), 20, 20).Draw(t, label))
	return a
}

func genHash(t *rapid.T, label string) (h ledger.Hash) {
	copy(h[:], rapid.SliceOfN(rapid.Byte(), 32, 32).Draw(t, label))
	return h
}

// genU256 draws a uint256 with the edges (0, 1, 2^64, max) likely.
func genU256(t *rapid.T, label string) uint256.Int {
	var v uint256.Int
	switch rapid.IntRange(0, 4).Draw(t, label+"-shape") {
	case 0:
		v.SetUint64(rapid.Uint64Range(0, 2).Draw(t, label))
	case 1:
		v.SetAllOne()
	case 2:
		v.Lsh(uint256.NewInt(1), uint(rapid.IntRange(0, 255).Draw(t, label)))
	default:
		for i := range v {
			v[i] = rapid.Uint64().Draw(t, label)
		}
	}
	return v
}

func genPayload(t *rapid.T) ledger.Payload {
	switch rapid.IntRange(0, 9).Draw(t, "kind") {
	case 9:
		return &ledger.CardBlock{Issuer: genAddress(t, "issuer"), Card: genAddress(t, "card"), Reason: rapid.Uint8().Draw(t, "reason"),
			Nonce: rapid.Uint64().Draw(t, "nonce")}
	case 8:
		rec := &ledger.Tx{Payload: &ledger.CardPayment{CardRecord: ledger.CardRecord{Card: genAddress(t, "card"), Asset: genHash(t, "rasset"),
			Amount: genU256(t, "ramount"), Payee: genAddress(t, "owner"), Counter: rapid.Uint64().Draw(t, "counter"),
			Challenge: genHash(t, "challenge"), Mode: 2}}}
		cp := &ledger.ConvertPay{Owner: genAddress(t, "owner"), Record: rec, Asset: genHash(t, "asset"), Amount: genU256(t, "amount"),
			Payee: genAddress(t, "payee"), Nonce: rapid.Uint64().Draw(t, "nonce")}
		for i := rapid.IntRange(0, 3).Draw(t, "offers"); i > 0; i-- {
			cp.Offers = append(cp.Offers, ledger.SignedOffer{Offer: ledger.Offer{Maker: genAddress(t, "maker"), Give: genHash(t, "give"),
				GiveAmount: genU256(t, "giveAmount"), Want: genHash(t, "want"), WantAmount: genU256(t, "wantAmount"),
				Partial: rapid.Bool().Draw(t, "partial"), Expiry: rapid.Uint64().Draw(t, "expiry"), Salt: genHash(t, "salt")}})
			cp.Takes = append(cp.Takes, genU256(t, "take"))
		}
		return cp
	case 7:
		return &ledger.Redeem{Payee: genAddress(t, "payee"), Amount: genU256(t, "amount"), Nonce: rapid.Uint64().Draw(t, "nonce"),
			Auth: ledger.SignedSpendAuth{SpendAuth: ledger.SpendAuth{Account: genAddress(t, "account"), Asset: genHash(t, "asset"),
				Amount: genU256(t, "authAmount"), Payee: genAddress(t, "authPayee"), Expiry: rapid.Uint64().Draw(t, "expiry"),
				Salt: genHash(t, "salt")}}}
	case 6:
		return &ledger.Withdraw{Account: genAddress(t, "account"), Asset: genHash(t, "asset"), Amount: genU256(t, "amount"),
			To: genAddress(t, "to"), Nonce: rapid.Uint64().Draw(t, "nonce")}
	case 2:
		return &ledger.CardRegister{Issuer: genAddress(t, "issuer"), Card: genAddress(t, "card"), Owner: genAddress(t, "owner"),
			Nonce: rapid.Uint64().Draw(t, "nonce")}
	case 3:
		return &ledger.CardPayment{CardRecord: ledger.CardRecord{Card: genAddress(t, "card"), Asset: genHash(t, "asset"),
			Amount: genU256(t, "amount"), Payee: genAddress(t, "payee"), Counter: rapid.Uint64().Draw(t, "counter"),
			Challenge: genHash(t, "challenge"), Mode: rapid.Uint8().Draw(t, "mode"), AttachedHash: genHash(t, "attached")}}
	case 4:
		return &ledger.CancelOffer{Maker: genAddress(t, "maker"), Offer: genHash(t, "offer"), Nonce: rapid.Uint64().Draw(t, "nonce")}
	case 5:
		return &ledger.Fill{Taker: genAddress(t, "taker"), Take: genU256(t, "take"), Nonce: rapid.Uint64().Draw(t, "nonce"),
			Offer: ledger.SignedOffer{Offer: ledger.Offer{Maker: genAddress(t, "maker"), Give: genHash(t, "give"),
				GiveAmount: genU256(t, "giveAmount"), Want: genHash(t, "want"), WantAmount: genU256(t, "wantAmount"),
				Partial: rapid.Bool().Draw(t, "partial"), Expiry: rapid.Uint64().Draw(t, "expiry"), Salt: genHash(t, "salt")}}}
	}
	if rapid.Bool().Draw(t, "transfer") {
		return &ledger.Transfer{
			From: genAddress(t, "from"), To: genAddress(t, "to"), Asset: genHash(t, "asset"),
			Amount: genU256(t, "amount"), Nonce: rapid.Uint64().Draw(t, "nonce"),
		}
	}
	return &ledger.IssueAsset{
		Issuer:   genAddress(t, "issuer"),
		Symbol:   rapid.String().Draw(t, "symbol"),
		Decimals: rapid.Uint8().Draw(t, "decimals"),
		Supply:   genU256(t, "supply"),
		Currency: rapid.Uint16().Draw(t, "currency"),
		Metadata: genHash(t, "metadata"),
		Nonce:    rapid.Uint64().Draw(t, "nonce"),
	}
}

// TestDigestMatchesGeth: for any payload and domain, go-ethereum's
// HashStruct equals StructHash and TypedDataAndHash equals Domain.Digest.
func TestDigestMatchesGeth(t *testing.T) {
	types := apiTypes()
	rapid.Check(t, func(t *rapid.T) {
		d := ledger.NewDomain(rapid.Uint64().Draw(t, "chainId"), genAddress(t, "contract"))
		p := genPayload(t)
		primary, msg := message(p)
		td := apitypes.TypedData{Types: types, PrimaryType: primary, Domain: apiDomain(d), Message: msg}

		sh, err := td.HashStruct(primary, msg)
		if err != nil {
			t.Fatalf("HashStruct: %v", err)
		}
		if want := p.StructHash(); !bytes.Equal(sh, want[:]) {
			t.Fatalf("%s struct hash: apitypes %x, ledger %x", primary, sh, want[:])
		}
		sep, err := td.HashStruct("EIP712Domain", td.Domain.Map())
		if err != nil {
			t.Fatalf("domain HashStruct: %v", err)
		}
		if want := d.Separator(); !bytes.Equal(sep, want[:]) {
			t.Fatalf("domain separator: apitypes %x, ledger %x", sep, want[:])
		}
		h, _, err := apitypes.TypedDataAndHash(td)
		if err != nil {
			t.Fatalf("TypedDataAndHash: %v", err)
		}
		if want := d.Digest(p.StructHash()); !bytes.Equal(h, want[:]) {
			t.Fatalf("%s digest: apitypes %x, ledger %x", primary, h, want[:])
		}
	})
}

// TestTypedDataJSONMatchesGeth: the JSON document ledger.TypedData serves to
// wallets, read by apitypes as eth_signTypedData_v4 would, hashes to the
// ledger's digest. Nonces are drawn up to 2^53: ledger renders uint64 as a
// JSON number, which apitypes (like JavaScript) reads as a float64, so a
// larger nonce is rounded or refused there.
func TestTypedDataJSONMatchesGeth(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		d := ledger.NewDomain(rapid.Uint64().Draw(t, "chainId"), genAddress(t, "contract"))
		p := genPayload(t)
		nonce := rapid.Uint64Range(0, 1<<53).Draw(t, "json-nonce")
		switch p := p.(type) {
		case *ledger.Transfer:
			p.Nonce = nonce
		case *ledger.IssueAsset:
			p.Nonce = nonce
		}
		doc, err := json.Marshal(ledger.TypedData(p, d))
		if err != nil {
			t.Fatal(err)
		}
		var td apitypes.TypedData
		if err := json.Unmarshal(doc, &td); err != nil {
			t.Fatalf("apitypes cannot read %s: %v", doc, err)
		}
		h, _, err := apitypes.TypedDataAndHash(td)
		if err != nil {
			t.Fatalf("TypedDataAndHash(%s): %v", doc, err)
		}
		if want := d.Digest(p.StructHash()); !bytes.Equal(h, want[:]) {
			t.Fatalf("digest of %s: apitypes %x, ledger %x", doc, h, want[:])
		}
	})
}

// TestCardConsentMatchesGeth: the consent a card signs for its
// registration hashes as go-ethereum hashes the EIP-712 struct
// CardConsent(address card,address issuer,address owner).
func TestCardConsentMatchesGeth(t *testing.T) {
	types := apitypes.Types{
		"EIP712Domain": {{Name: "name", Type: "string"}, {Name: "version", Type: "string"},
			{Name: "chainId", Type: "uint256"}, {Name: "verifyingContract", Type: "address"}},
		"CardConsent": {{Name: "card", Type: "address"}, {Name: "issuer", Type: "address"}, {Name: "owner", Type: "address"}},
	}
	rapid.Check(t, func(t *rapid.T) {
		d := ledger.NewDomain(rapid.Uint64().Draw(t, "chainId"), genAddress(t, "contract"))
		c := ledger.CardConsent{Card: genAddress(t, "card"), Issuer: genAddress(t, "issuer"), Owner: genAddress(t, "owner")}
		td := apitypes.TypedData{Types: types, PrimaryType: "CardConsent", Domain: apiDomain(d),
			Message: apitypes.TypedDataMessage{"card": c.Card.Hex(), "issuer": c.Issuer.Hex(), "owner": c.Owner.Hex()}}
		h, _, err := apitypes.TypedDataAndHash(td)
		if err != nil {
			t.Fatal(err)
		}
		if want := d.Digest(c.StructHash()); !bytes.Equal(h, want[:]) {
			t.Fatalf("consent digest: apitypes %x, ledger %x", h, want[:])
		}
	})
}
