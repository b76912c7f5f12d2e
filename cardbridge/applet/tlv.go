package applet

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/anonex/anonex/cardbridge/apdu"
	"github.com/anonex/anonex/ledger"
	"github.com/holiman/uint256"
)

// The applet's TLV: one-byte tags, BER lengths (short, 0x81, 0x82).

var errBadTLV = errors.New("applet: malformed TLV")

type tlvWriter struct{ buf []byte }

func (w *tlvWriter) put(tag byte, v []byte) {
	w.buf = append(w.buf, apdu.TLV{Tag: tag, Value: v}.Bytes()...)
}

// tlvs maps each tag of a flat TLV list to its first value.
type tlvs map[byte][]byte

func parseTLV(b []byte) (tlvs, error) {
	list, err := apdu.ParseTLV(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errBadTLV, err)
	}
	out := tlvs{}
	for _, t := range list {
		if _, dup := out[t.Tag]; !dup {
			out[t.Tag] = t.Value
		}
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
