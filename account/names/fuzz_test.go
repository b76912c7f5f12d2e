package names

import (
	"strings"
	"testing"

	"github.com/anonex/anonex/ledger"
)

// FuzzValid checks that Valid never panics, accepts only strings of the
// documented shape, and accepts every name Name can produce.
func FuzzValid(f *testing.F) {
	for _, g := range golden {
		f.Add(g.name)
	}
	f.Add("abandon-abandon-0000000")
	f.Add("zoo-zoo-fffffff")
	f.Add("truly-loop-43985C7")
	f.Add("truly-loop-43985c")
	f.Add("--")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		ok := Valid(s)
		if !ok {
			return
		}
		parts := strings.Split(s, "-")
		if len(parts) != 3 {
			t.Fatalf("Valid(%q) with %d parts", s, len(parts))
		}
		if _, ok := wordIndex[parts[0]]; !ok {
			t.Fatalf("Valid(%q): %q not a word", s, parts[0])
		}
		if _, ok := wordIndex[parts[1]]; !ok {
			t.Fatalf("Valid(%q): %q not a word", s, parts[1])
		}
		if len(parts[2]) != HexDigits || strings.Trim(parts[2], hexDigits) != "" {
			t.Fatalf("Valid(%q): %q not 7 lower-case hex digits", s, parts[2])
		}
		if len(s) > 8+1+8+1+HexDigits {
			t.Fatalf("Valid(%q): too long for a name", s)
		}
		// Names built from the fuzz input as an address are always valid.
		var a ledger.Address
		copy(a[:], s)
		if n := Name(a); !Valid(n) {
			t.Fatalf("Name(%x) = %q not Valid", a, n)
		}
	})
}
