package node

import (
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"testing"

	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/ledger"
)

func getJSON(t *testing.T, url string, out any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("GET %s: %d %s: %v", url, resp.StatusCode, b, err)
	}
	return resp.StatusCode
}

// TestEIP712TypeHoldsOnlyWhatItsSignerNeeds: GET /v1/eip712?type=T answers
// the domain, primaryType T and exactly the structs T needs, without
// EIP712Domain (what ethers' signTypedData takes as is), for every type
// the protocol signs; with rpc=eth_signTypedData_v4 EIP712Domain joins
// them. Unknown types and parameters are refused.
func TestEIP712TypeHoldsOnlyWhatItsSignerNeeds(t *testing.T) {
	_, base := apiNode(t)
	wantDomain := ledger.DomainJSON(offlineDomain)
	for _, name := range ledger.SignedTypes() {
		var got struct {
			Domain      map[string]any                 `json:"domain"`
			PrimaryType string                         `json:"primaryType"`
			Types       map[string][]ledger.TypedField `json:"types"`
		}
		status := getJSON(t, base+"/v1/eip712?type="+name, &got)
		if name == ledger.AttestationType {
			if status != http.StatusConflict {
				t.Errorf("Attestation on a node without a Vault: %d, want 409 no_vault", status)
			}
			continue
		}
		want, _ := ledger.TypesFor(name)
		if status != http.StatusOK || got.PrimaryType != name || !reflect.DeepEqual(got.Types, want) {
			t.Errorf("%s: %d primaryType %q types %v, want %v", name, status, got.PrimaryType, got.Types, want)
		}
		if len(got.Domain) != 4 || got.Domain["name"] != wantDomain["name"] || got.Domain["verifyingContract"] != wantDomain["verifyingContract"] ||
			got.Domain["chainId"] != float64(offlineDomain.ChainID) {
			t.Errorf("%s: domain %v, want %v", name, got.Domain, wantDomain)
		}
		got.Types = nil
		getJSON(t, base+"/v1/eip712?type="+name+"&rpc=eth_signTypedData_v4", &got)
		if !reflect.DeepEqual(got.Types["EIP712Domain"], ledger.DomainFields) || len(got.Types) != len(want)+1 {
			t.Errorf("%s for eth_signTypedData_v4: types %v, want those and EIP712Domain", name, got.Types)
		}
	}
	var fill struct {
		Types map[string]any `json:"types"`
	}
	getJSON(t, base+"/v1/eip712?type=Fill", &fill)
	if len(fill.Types) != 2 || fill.Types["Offer"] == nil {
		t.Errorf("Fill: %v, want Fill and Offer only", fill.Types)
	}
	for _, c := range []struct {
		query string
		code  api.Code
	}{
		{"?type=Nope", "unknown_type"},
		{"?type=transfer", "unknown_type"},
		{"?type=EIP712Domain", "unknown_type"},
		{"?typ=Transfer", "malformed"},
		{"?type=Transfer&type=Fill", "malformed"},
		{"?type=Transfer&rpc=eth_signTypedData_v3", "malformed"},
		{"?rpc=eth_signTypedData_v4", "malformed"},
	} {
		var e api.Error
		if status := getJSON(t, base+"/v1/eip712"+c.query, &e); status < 400 || e.Code != c.code {
			t.Errorf("%s: %d %+v, want %s", c.query, status, e, c.code)
		}
	}
	// Attesters sign under the Vault's domain.
	vault := ledger.Address{0xee}
	n := &Node{cfg: Config{Vault: vault}, domain: offlineDomain}
	att, err := n.EIP712Type(ledger.AttestationType, false)
	if err != nil || att.Domain["verifyingContract"] != vault.Hex() || att.Domain["chainId"] != offlineDomain.ChainID {
		t.Errorf("Attestation: %+v %v, want the Vault's domain", att, err)
	}
	// Without a type: everything, for reference, as before.
	var all api.EIP712Info
	if getJSON(t, base+"/v1/eip712", &all); !reflect.DeepEqual(all.Types, ledger.Types()) {
		t.Errorf("GET /v1/eip712 lost types")
	}
}
