package applet

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/anonex/anonex/ledger"
	"github.com/holiman/uint256"
)

// The applet's TLV: one-byte tags, BER lengths (short, 0x81, 0x82).

var errBadTLV = errors.New("applet: malformed TLV")

type tlvWriter struct{ buf []byte }

func (w *tlvWriter) put(tag byte, v []byte) {
	w.buf = append(w.buf, tag)
	switch n := len(v); {
	case n < 0x80:
		w.buf = append(w.buf, byte(n))
	case n <= 0xFF:
		w.buf = append(w.buf, 0x81, byte(n))
	default:
		w.buf = append(w.buf, 0x82, byte(n>>8), byte(n))
	}
	w.buf = append(w.buf, v...)
}

// tlvs maps each tag to its first value.
type tlvs map[byte][]byte

func parseTLV(b []byte) (tlvs, error) {
	out := tlvs{}
	for len(b) > 0 {
		if len(b) < 2 {
			return nil, errBadTLV
		}
		tag, n, hdr := b[0], int(b[1]), 2
		switch b[1] {
		case 0x81:
			if len(b) < 3 {
				return nil, errBadTLV
			}
			n, hdr = int(b[2]), 3
		case 0x82:
			if len(b) < 4 {
				return nil, errBadTLV
			}
			n, hdr = int(b[2])<<8|int(b[3]), 4
		default:
			if b[1] >= 0x80 {
				return nil, errBadTLV
			}
		}
		if len(b) < hdr+n {
			return nil, errBadTLV
		}
		if _, dup := out[tag]; !dup {
			out[tag] = b[hdr : hdr+n]
		}
		b = b[hdr+n:]
	}
	return out, nil
}

func (t tlvs) get(tag byte) ([]byte, bool) {
	v, ok := t[tag]
	return v, ok
}

func (t tlvs) fixed(tag byte, n int) ([]byte, bool) {
	v, ok := t[tag]
	return v, ok && len(v) == n
}

func (t tlvs) address(tag byte) (a ledger.Address, ok bool) {
	v, ok := t.fixed(tag, 20)
	copy(a[:], v)
	return a, ok
}

func (t tlvs) hash(tag byte) (h ledger.Hash, ok bool) {
	v, ok := t.fixed(tag, 32)
	copy(h[:], v)
	return h, ok
}

func (t tlvs) sig(tag byte) (s ledger.Sig, ok bool) {
	v, ok := t.fixed(tag, 65)
	copy(s[:], v)
	return s, ok
}

func (t tlvs) u64(tag byte) (uint64, bool) {
	v, ok := t.fixed(tag, 8)
	if !ok {
		return 0, false
	}
	var x uint64
	for _, c := range v {
		x = x<<8 | uint64(c)
	}
	return x, true
}

func (t tlvs) amount(tag byte) (*uint256.Int, bool) {
	v, ok := t.fixed(tag, maxAmountBytes)
	if !ok {
		return nil, false
	}
	return new(uint256.Int).SetBytes(v), true
}

func jsonUnmarshal(b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("applet: stored state: %w", err)
	}
	return nil
}
