package node

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/anonex/anonex/ledger"
	"github.com/holiman/uint256"
)

// walletRun is what ledger/testdata/ethers/wallet.mjs prints.
type walletRun struct {
	Signer ledger.Address `json:"signer"`
	Signed []struct {
		Type   string `json:"type"`
		Name   string `json:"name"`
		Domain struct {
			ChainID           uint64         `json:"chainId"`
			VerifyingContract ledger.Address `json:"verifyingContract"`
		} `json:"domain"`
		Message   json.RawMessage `json:"message"`
		Digest    ledger.Hash     `json:"digest"`
		Signature ledger.Sig      `json:"signature"`
		Rec       json.RawMessage `json:"rec"`
		RecSig    ledger.Sig      `json:"recSig"`
	} `json:"signed"`
	Taken []struct {
		What   string `json:"what"`
		Status int    `json:"status"`
	} `json:"taken"`
}

// TestEthersSignsWhatEIP712Serves: an ethers.js wallet written from the
// docs (ledger/testdata/ethers/wallet.mjs) fetches GET /v1/eip712?type=T
// from a node on 127.0.0.1 for every type the protocol signs, signs with
// signTypedData exactly as answered, and submits a transaction of every
// kind a fresh account can make, which the node takes. Every digest ethers
// made is then the one the ledger computes from the same message.
func TestEthersSignsWhatEIP712Serves(t *testing.T) {
	nodeJS, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is not on PATH (run `make deps`, which installs Node.js)")
	}
	dir, err := filepath.Abs(filepath.Join("..", "ledger", "testdata", "ethers"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "ethers", "package.json")); err != nil {
		t.Fatal("run `make deps` (npm ci in ledger/testdata/ethers)")
	}
	vault := ledger.Address{0x7a}
	_, base := apiNodeWith(t, func(c *Config) { c.Vault = vault })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, nodeJS, append([]string{"wallet.mjs", base}, ledger.SignedTypes()...)...)
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node wallet.mjs: %v\n%s", err, stderr.String())
	}
	var run walletRun
	if err := json.Unmarshal(out, &run); err != nil {
		t.Fatalf("wallet.mjs printed %s: %v", out, err)
	}
	if len(run.Taken) < 12 {
		t.Errorf("the node took %d transactions, want every one the wallet sent: %+v", len(run.Taken), run.Taken)
	}

	var rec, recSig = json.RawMessage(nil), ledger.Sig{}
	for _, s := range run.Signed {
		if s.Name == "ConvertPay.record" {
			rec, recSig = s.Rec, s.RecSig
		}
	}
	seen := map[string]bool{}
	for _, s := range run.Signed {
		if s.Type == "" {
			continue
		}
		seen[s.Type] = true
		d := ledger.NewDomain(s.Domain.ChainID, s.Domain.VerifyingContract)
		wantContract := offlineDomain.Contract
		if s.Type == ledger.AttestationType {
			wantContract = vault
		}
		if s.Domain.ChainID != offlineDomain.ChainID || s.Domain.VerifyingContract != wantContract {
			t.Errorf("%s: signed in domain %+v", s.Type, s.Domain)
		}
		got, err := ledgerDigest(d, s.Type, s.Message, s.Signature, rec, recSig)
		if err != nil {
			t.Errorf("%s: the ledger cannot read the message ethers signed (%s): %v", s.Type, s.Message, err)
			continue
		}
		if got != s.Digest {
			t.Errorf("%s: ethers signed digest %s, the ledger computes %s for %s", s.Type, s.Digest.Hex(), got.Hex(), s.Message)
		}
		if who, err := (Secp256k1{}).Recover(s.Digest, s.Signature); err != nil || who != run.Signer {
			t.Errorf("%s: the signature recovers %s (%v), want %s", s.Type, who.Hex(), err, run.Signer.Hex())
		}
	}
	for _, name := range ledger.SignedTypes() {
		if !seen[name] {
			t.Errorf("%s: not signed by the wallet", name)
		}
	}
}

// ledgerDigest is the digest the ledger computes for a message of type
// name, read from its JSON form (a kind: the transaction's JSON form, with
// placeholders for what it carries).
func ledgerDigest(d ledger.Domain, name string, msg json.RawMessage, sig ledger.Sig, rec json.RawMessage, recSig ledger.Sig) (ledger.Hash, error) {
	if _, isKind := ledger.KindByName(name); isKind {
		env := map[string]any{"type": name, "message": msg, "signature": sig}
		switch name {
		case "Fill":
			env["offer_signature"] = sig
		case "Redeem":
			env["authorization_signature"] = sig
		case "CardRegister":
			env["consent_signature"] = sig
		case "ConvertPay":
			var m struct {
				Offers []json.RawMessage `json:"offers"`
			}
			json.Unmarshal(msg, &m)
			sigs := make([]ledger.Sig, len(m.Offers))
			for i := range sigs {
				sigs[i] = sig
			}
			env["offer_signatures"] = sigs
			env["attached"] = []any{map[string]any{"type": "CardRecord", "message": rec, "signature": recSig}}
		}
		b, _ := json.Marshal(env)
		var tx ledger.Tx
		if err := tx.UnmarshalJSON(b); err != nil {
			return ledger.Hash{}, err
		}
		return tx.ID(d), nil
	}
	signedJSON, _ := json.Marshal(map[string]any{"message": msg, "signature": sig})
	var f map[string]json.RawMessage
	if err := json.Unmarshal(msg, &f); err != nil {
		return ledger.Hash{}, err
	}
	var err error
	addr := func(k string) (a ledger.Address) { setErr(&err, json.Unmarshal(f[k], &a)); return }
	hash := func(k string) (h ledger.Hash) { setErr(&err, json.Unmarshal(f[k], &h)); return }
	u256 := func(k string) (v uint256.Int) {
		var s string
		setErr(&err, json.Unmarshal(f[k], &s))
		setErr(&err, v.SetFromDecimal(s))
		return
	}
	u64 := func(k string) uint64 { v := u256(k); return v.Uint64() }
	u8 := func(k string) (v uint8) { setErr(&err, json.Unmarshal(f[k], &v)); return }
	var h ledger.Hash
	switch name {
	case "Offer":
		var so ledger.SignedOffer
		err = json.Unmarshal(signedJSON, &so)
		h = d.Digest(so.Offer.StructHash())
	case "SpendAuthorization":
		var sa ledger.SignedSpendAuth
		err = json.Unmarshal(signedJSON, &sa)
		h = d.Digest(sa.SpendAuth.StructHash())
	case "CardConsent":
		h = d.Digest((&ledger.CardConsent{Card: addr("card"), Issuer: addr("issuer"), Owner: addr("owner")}).StructHash())
	case "CardCertificate":
		h = d.Digest((&ledger.CardCertificate{Card: addr("card"), Owner: addr("owner")}).StructHash())
	case "CardCredit":
		h = d.Digest((&ledger.CardCredit{Card: addr("card"), Asset: hash("asset"), Total: u256("total"), Seq: u64("seq"),
			Base: u64("base"), Confirmed: hash("confirmed")}).StructHash())
	case "CardLimits":
		h = d.Digest((&ledger.CardLimits{Card: addr("card"), Asset: hash("asset"), OfflineCap: u256("offlineCap"),
			OfflineMax: u8("offlineMax"), NoPinLimit: u256("noPinLimit"), Seq: u64("seq")}).StructHash())
	case "ConversionRequest":
		h = d.Digest((&ledger.ConversionRequest{Card: addr("card"), Fiat: hash("fiat"), FiatAmount: u256("fiatAmount"),
			Payee: addr("payee"), Challenge: hash("challenge"), Nonce: hash("nonce"), Sealed: hash("sealed")}).StructHash())
	case "ConversionApproval":
		h = d.Digest((&ledger.ConversionApproval{Card: addr("card"), Nonce: hash("nonce"), Asset: hash("asset"),
			Amount: u256("amount"), Collector: addr("collector")}).StructHash())
	case "Attestation":
		a := ledger.Attestation{Seq: u64("seq"), DataHash: hash("dataHash"), StateRoot: hash("stateRoot"), ReceiptsRoot: hash("receiptsRoot")}
		h = a.Digest(d.ChainID, d.Contract)
	case ledger.VenueRecordVenue, ledger.VenueRecordStore, ledger.VenueRecordPlace:
		// The record's JSON form, as POST /v1/venues takes it (a venue's
		// map travels beside; its hash alone is signed).
		b, _ := json.Marshal(map[string]any{"type": name, "message": msg, "signature": sig})
		var r ledger.VenueRecord
		err = json.Unmarshal(b, &r)
		if err == nil {
			h = d.Digest(r.StructHash())
		}
	default:
		return h, errUnknownSample
	}
	return h, err
}

var errUnknownSample = &json.UnsupportedTypeError{}

func setErr(err *error, e error) {
	if *err == nil {
		*err = e
	}
}
