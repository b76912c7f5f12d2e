package names

import (
	"strconv"
	"strings"
	"testing"

	"github.com/anonex/anonex/internal/purity"
	"github.com/anonex/anonex/ledger"
	"github.com/cosmos/go-bip39"
	"pgregory.net/rapid"
)

func mustAddr(t testing.TB, s string) ledger.Address {
	t.Helper()
	a, err := ledger.ParseAddress(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// Golden values. The first was checked by hand from
// keccak256(0xf39f…2266) = 0xe9707d0e6171f7…:
// 11101001011 = 1867 "truly", 10000011111 = 1055 "loop",
// 01 00001110 01100001 01110001 11 = 0x43985c7. The account package's tests
// recompute all of them with go-ethereum's keccak and math/big.
var golden = []struct{ addr, name string }{
	{"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "truly-loop-43985c7"},
	{"0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "ability-media-9597815"},
	{"0x0000000000000000000000000000000000000000", "fatal-alert-edeba06"},
}

func TestNameGolden(t *testing.T) {
	for _, g := range golden {
		if got := Name(mustAddr(t, g.addr)); got != g.name {
			t.Errorf("Name(%s) = %q, want %q", g.addr, got, g.name)
		}
		if !Valid(g.name) {
			t.Errorf("Valid(%q) = false", g.name)
		}
	}
}

func TestNameShapeAndDeterminism(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var a ledger.Address
		copy(a[:], rapid.SliceOfN(rapid.Byte(), 20, 20).Draw(t, "addr"))
		n := Name(a)
		if n != Name(a) {
			t.Fatalf("Name is not deterministic for %s", a.Hex())
		}
		if !Valid(n) {
			t.Fatalf("Name(%s) = %q is not Valid", a.Hex(), n)
		}
		parts := strings.Split(n, "-")
		if len(parts) != 3 || len(parts[2]) != HexDigits {
			t.Fatalf("Name(%s) = %q has the wrong shape", a.Hex(), n)
		}
	})
}

// TestNameBitLayout recomputes the name from the hash bit by bit.
func TestNameBitLayout(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var a ledger.Address
		copy(a[:], rapid.SliceOfN(rapid.Byte(), 20, 20).Draw(t, "addr"))
		h := ledger.Keccak256(a[:])
		bit := func(i int) uint64 { return uint64(h[i/8]>>(7-i%8)) & 1 }
		field := func(from, n int) uint64 {
			var v uint64
			for i := from; i < from+n; i++ {
				v = v<<1 | bit(i)
			}
			return v
		}
		want := bip39.EnglishWordList[field(0, 11)] + "-" +
			bip39.EnglishWordList[field(11, 11)] + "-" +
			leftPad(strconv.FormatUint(field(22, 28), 16), 7)
		if got := Name(a); got != want {
			t.Fatalf("Name(%s) = %q, want %q", a.Hex(), got, want)
		}
	})
}

func leftPad(s string, n int) string {
	for len(s) < n {
		s = "0" + s
	}
	return s
}

func TestBits(t *testing.T) {
	if Bits < 48 {
		t.Fatalf("a name carries %d bits of the address hash, want at least 48", Bits)
	}
}

func TestValid(t *testing.T) {
	for _, s := range []string{"abandon-zoo-0000000", "zoo-abandon-fffffff", "truly-loop-43985c7"} {
		if !Valid(s) {
			t.Errorf("Valid(%q) = false, want true", s)
		}
	}
	for _, s := range []string{
		"",
		"truly",
		"truly-loop",
		"truly-loop-",
		"truly-loop-43985c",     // 6 digits
		"truly-loop-43985c70",   // 8 digits
		"truly-loop-43985C7",    // upper-case hex
		"Truly-loop-43985c7",    // upper-case word
		"truly-loops-43985c7",   // not a word
		"truly--loop-43985c7",   // empty word
		"truly-loop-43985g7",    // not hex
		"truly-loop-43985c7-",   // trailing hyphen
		"-truly-loop-43985c7",   // leading hyphen
		" truly-loop-43985c7",   // space
		"truly-loop-4398-5c7",   // hyphen in digits
		"truly_loop_43985c7",    // wrong separator
		"truly-loop-\x0043985c", // NUL
	} {
		if Valid(s) {
			t.Errorf("Valid(%q) = true, want false", s)
		}
	}
}

// TestPure enforces the package contract: no go-ethereum (and nothing but
// the standard library, the ledger and the BIP-39 word list) is imported by
// any file of this package; its tests may add rapid and the checker.
func TestPure(t *testing.T) {
	purity.Check(t, purity.Rules{
		StdlibOnly:     true,
		Allowed:        []string{"github.com/anonex/anonex/ledger", "github.com/cosmos/go-bip39"},
		AllowedInTests: []string{"pgregory.net/rapid", "github.com/anonex/anonex/internal/purity"},
		Tests:          true,
		MinFiles:       2,
		Why:            "package names may import only the standard library, ledger and go-bip39",
	})
}

func BenchmarkName(b *testing.B) {
	var a ledger.Address
	for i := 0; i < b.N; i++ {
		a[0] = byte(i)
		_ = Name(a)
	}
}
