package ledger

import (
	"encoding/hex"
	"fmt"
	"strings"

	"golang.org/x/crypto/sha3"
)

// Address is a 20-byte account address: the Ethereum address of a secp256k1
// key (the last 20 bytes of keccak256 of the uncompressed public key).
type Address [20]byte

// Hash is a 32-byte keccak256 digest.
type Hash [32]byte

// Keccak256 hashes the concatenation of its arguments.
func Keccak256(parts ...[]byte) (h Hash) {
	d := sha3.NewLegacyKeccak256()
	for _, p := range parts {
		d.Write(p)
	}
	d.Sum(h[:0])
	return h
}

// Hex returns the EIP-55 mixed-case checksummed form, 0x-prefixed.
func (a Address) Hex() string {
	var buf [42]byte
	copy(buf[:2], "0x")
	hex.Encode(buf[2:], a[:])
	sum := Keccak256(buf[2:])
	for i := 2; i < len(buf); i++ {
		c := buf[i]
		if c < 'a' || c > 'f' {
			continue
		}
		nib := sum[(i-2)/2]
		if (i-2)%2 == 0 {
			nib >>= 4
		}
		if nib&0x0f >= 8 {
			buf[i] = c - 32
		}
	}
	return string(buf[:])
}

func (a Address) String() string { return a.Hex() }

// IsZero reports whether a is the zero address.
func (a Address) IsZero() bool { return a == Address{} }

// MarshalText encodes a as its checksummed hex form.
func (a Address) MarshalText() ([]byte, error) { return []byte(a.Hex()), nil }

// UnmarshalText accepts 0x-prefixed hex, any case. A mixed-case input must
// carry a valid EIP-55 checksum.
func (a *Address) UnmarshalText(b []byte) error {
	v, err := ParseAddress(string(b))
	if err != nil {
		return err
	}
	*a = v
	return nil
}

// ParseAddress parses a 0x-prefixed 40-digit hex address. All-lower and
// all-upper inputs are accepted as is; mixed case must match EIP-55.
func ParseAddress(s string) (Address, error) {
	var a Address
	if !strings.HasPrefix(s, "0x") && !strings.HasPrefix(s, "0X") {
		return a, fmt.Errorf("%w: %q has no 0x prefix", ErrBadAddress, s)
	}
	body := s[2:]
	if len(body) != 40 {
		return a, fmt.Errorf("%w: %q has %d hex digits, want 40", ErrBadAddress, s, len(body))
	}
	if _, err := hex.Decode(a[:], []byte(body)); err != nil {
		return a, fmt.Errorf("%w: %q: %v", ErrBadAddress, s, err)
	}
	if body != strings.ToLower(body) && body != strings.ToUpper(body) && a.Hex() != "0x"+body {
		return Address{}, fmt.Errorf("%w: %q fails its EIP-55 checksum", ErrBadAddress, s)
	}
	return a, nil
}

// Hex returns the 0x-prefixed lower-case hex form.
func (h Hash) Hex() string { return "0x" + hex.EncodeToString(h[:]) }

func (h Hash) String() string { return h.Hex() }

// IsZero reports whether h is all zeroes.
func (h Hash) IsZero() bool { return h == Hash{} }

// MarshalText encodes h as 0x-prefixed hex.
func (h Hash) MarshalText() ([]byte, error) { return []byte(h.Hex()), nil }

// UnmarshalText decodes 0x-prefixed hex of exactly 32 bytes.
func (h *Hash) UnmarshalText(b []byte) error {
	v, err := ParseHash(string(b))
	if err != nil {
		return err
	}
	*h = v
	return nil
}

// ParseHash parses a 0x-prefixed 64-digit hex string.
func ParseHash(s string) (Hash, error) {
	var h Hash
	if !strings.HasPrefix(s, "0x") && !strings.HasPrefix(s, "0X") {
		return h, fmt.Errorf("%w: %q has no 0x prefix", ErrBadHash, s)
	}
	if len(s) != 66 {
		return h, fmt.Errorf("%w: %q has %d hex digits, want 64", ErrBadHash, s, len(s)-2)
	}
	if _, err := hex.Decode(h[:], []byte(s[2:])); err != nil {
		return Hash{}, fmt.Errorf("%w: %q: %v", ErrBadHash, s, err)
	}
	return h, nil
}
