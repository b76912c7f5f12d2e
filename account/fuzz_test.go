package account

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/anonex/anonex/ledger"
	"github.com/cosmos/go-bip39"
)

// FuzzParseMnemonic: parseMnemonic never panics; what it accepts is
// canonical (a fixed point), valid for go-bip39, and every canonical
// phrase go-bip39 accepts, it accepts too.
func FuzzParseMnemonic(f *testing.F) {
	f.Add(testMnemonic)
	f.Add("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about")
	f.Add("zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo vote")
	f.Add("legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth useful legal will")
	f.Add("TEST test\ttest test test test test test test test test ｊｕｎｋ")
	f.Add("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		m, err := parseMnemonic(s)
		if err != nil {
			if s == strings.Join(strings.Fields(s), " ") {
				if _, berr := bip39.MnemonicToByteArray(s); berr == nil {
					t.Fatalf("go-bip39 accepts %q, we do not: %v", s, err)
				}
			}
			return
		}
		if again, err := parseMnemonic(m); err != nil || again != m {
			t.Fatalf("canonical form %q re-parses as %q, %v", m, again, err)
		}
		if _, err := bip39.MnemonicToByteArray(m); err != nil {
			t.Fatalf("we accept %q, go-bip39 does not: %v", m, err)
		}
	})
}

// FuzzRecover: Recover never panics, and whatever it accepts has v in
// {27, 28, 0, 1} and low s.
func FuzzRecover(f *testing.F) {
	k, _ := FromBytes(unhex(f, hardhat0Key))
	var d ledger.Hash
	sig, _ := k.Sign(d)
	f.Add(d[:], sig[:])
	f.Add(make([]byte, 32), make([]byte, 65))
	f.Fuzz(func(t *testing.T, digest, s []byte) {
		if len(digest) != 32 || len(s) != SignatureLen {
			return
		}
		var h ledger.Hash
		var sg [SignatureLen]byte
		copy(h[:], digest)
		copy(sg[:], s)
		if _, err := Recover(h, sg); err == nil {
			if v := sg[64]; v != 27 && v != 28 && v != 0 && v != 1 {
				t.Fatalf("accepted v = %d", v)
			}
			if sg[32] > 0x7f {
				t.Fatalf("accepted high s %x", sg[32:64])
			}
		}
	})
}

// FuzzParseHeader: the clear-text key file parser never panics and never
// accepts absurd KDF costs.
func FuzzParseHeader(f *testing.F) {
	k, _ := FromBytes(unhex(f, hardhat0Key))
	good, _ := EncryptKey(k, "pw", true)
	f.Add(good)
	f.Add([]byte(`{"version":3,"crypto":{"kdf":"pbkdf2","kdfparams":{"c":262144}}}`))
	f.Add([]byte(`{"version":3,"crypto":{"kdf":"scrypt","kdfparams":{"n":1e300,"r":-1,"p":0.5}}}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, _, err := parseHeader(data); err != nil {
			return
		}
		// Accepted: the cost is bounded.
		var h keyFileHeader
		if err := json.Unmarshal(data, &h); err != nil {
			t.Fatalf("accepted but not JSON: %v", err)
		}
		p := h.Crypto.KDFParams
		switch h.Crypto.KDF {
		case "scrypt":
			n, r, pp := p["n"].(float64), p["r"].(float64), p["p"].(float64)
			if 128*n*r > 1<<30 || n*r*pp > 1<<24 {
				t.Fatalf("accepted scrypt n=%v r=%v p=%v", n, r, pp)
			}
		case "pbkdf2":
			if c := p["c"].(float64); c > 1<<24 {
				t.Fatalf("accepted pbkdf2 c=%v", c)
			}
		default:
			t.Fatalf("accepted kdf %q", h.Crypto.KDF)
		}
	})
}
