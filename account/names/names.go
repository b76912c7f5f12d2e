package names

import (
	"encoding/binary"
	"strings"

	"github.com/anonex/anonex/ledger"
	"github.com/cosmos/go-bip39"
)

const (
	// WordBits is the number of hash bits that select each word.
	WordBits = 11
	// HexDigits is the number of hex digits that end a name.
	HexDigits = 7
	// Bits is the number of address-hash bits a name carries (2×11 + 28).
	Bits = 2*WordBits + 4*HexDigits
)

// wordIndex maps each word of the English BIP-39 list to its position.
var wordIndex = func() map[string]uint16 {
	m := make(map[string]uint16, len(bip39.EnglishWordList))
	for i, w := range bip39.EnglishWordList {
		m[w] = uint16(i)
	}
	return m
}()

const hexDigits = "0123456789abcdef"

// Name returns the anonymized name of a: "word-word-hhhhhhh", where the two
// words are taken from the English BIP-39 list by the first two 11-bit
// groups of keccak256(a) and the 7 lower-case hex digits are its next 28
// bits. The same address always yields the same name.
func Name(a ledger.Address) string {
	h := ledger.Keccak256(a[:])
	v := binary.BigEndian.Uint64(h[:8])
	w1 := bip39.EnglishWordList[v>>(64-WordBits)]
	w2 := bip39.EnglishWordList[(v>>(64-2*WordBits))&(1<<WordBits-1)]
	x := (v >> (64 - Bits)) & (1<<(4*HexDigits) - 1)

	var b strings.Builder
	b.Grow(len(w1) + len(w2) + 2 + HexDigits)
	b.WriteString(w1)
	b.WriteByte('-')
	b.WriteString(w2)
	b.WriteByte('-')
	for i := HexDigits - 1; i >= 0; i-- {
		b.WriteByte(hexDigits[(x>>(4*uint(i)))&0xf])
	}
	return b.String()
}

// Valid reports whether s has the syntax of a name: two words of the
// English BIP-39 list and 7 lower-case hex digits, joined by single
// hyphens. It does not (and cannot) tell whether any address has that name.
func Valid(s string) bool {
	w1, rest, ok := strings.Cut(s, "-")
	if !ok {
		return false
	}
	w2, x, ok := strings.Cut(rest, "-")
	if !ok || len(x) != HexDigits {
		return false
	}
	if _, ok := wordIndex[w1]; !ok {
		return false
	}
	if _, ok := wordIndex[w2]; !ok {
		return false
	}
	for i := 0; i < len(x); i++ {
		if strings.IndexByte(hexDigits, x[i]) < 0 {
			return false
		}
	}
	return true
}
