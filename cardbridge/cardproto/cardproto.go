package cardproto

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/anonex/anonex/cardbridge/apdu"
	"github.com/anonex/anonex/ledger"
	"github.com/holiman/uint256"
)

// AppletVersion is what SELECT answers in tag 80: 2 since card records
// commit to their attachments and the card consents to its registration
// (docs/card-protocol.md).
const AppletVersion = 2

// AID is the applet's application identifier.
var AID = []byte{0xF0, 0x61, 0x6E, 0x6F, 0x6E, 0x65, 0x78, 0x01}

// Instructions (CLA 80 unless noted ISO, CLA 00).
const (
	INSSelect      = 0xA4 // ISO
	INSVerify      = 0x20 // ISO
	INSChangePIN   = 0x24 // ISO
	INSUnblock     = 0x2C // ISO
	INSChallenge   = 0x84 // ISO
	INSGetStatus   = 0xCA
	INSGenerateKey = 0x46
	INSPersonalize = 0x50
	INSUpdate      = 0x52
	INSPay         = 0x54
	INSSend        = 0x56
	INSReceive     = 0x58
	INSReadRecords = 0xB2
	INSSetLimits   = 0x5A
	INSConsent     = 0x5E
	CLAProp        = 0x80
	// PINRef is P2 of VERIFY, CHANGE and UNBLOCK.
	PINRef = 0x80
)

// Life cycle states.
const (
	LifeBlank      = 0
	LifeKeyed      = 1
	LifeActive     = 2
	LifeTerminated = 3
)

// ErrMalformed reports a body that does not parse.
var ErrMalformed = errors.New("cardproto: malformed message")

// AmountLen is the size of an amount on the card: 16 bytes (uint128).
const AmountLen = 16

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// Amount16 encodes an amount in 16 bytes; false when it does not fit.
func Amount16(v *uint256.Int) ([]byte, bool) {
	if v.BitLen() > 8*AmountLen {
		return nil, false
	}
	b := v.Bytes32()
	return b[32-AmountLen:], true
}

func mustAmount(v *uint256.Int) []byte {
	b, ok := Amount16(v)
	if !ok {
		b = make([]byte, AmountLen) // callers check fit before encoding
	}
	return b
}

// enc builds a flat TLV body.
type enc struct{ buf []byte }

func (e *enc) put(tag byte, v []byte) *enc {
	e.buf = append(e.buf, apdu.TLV{Tag: tag, Value: v}.Bytes()...)
	return e
}

func (e *enc) u64(tag byte, v uint64) *enc { return e.put(tag, binary.BigEndian.AppendUint64(nil, v)) }

// dec reads a flat TLV body: the first value of each tag.
type dec struct {
	m   map[byte][]byte
	err error
}

func parse(b []byte) *dec {
	list, err := apdu.ParseTLV(b)
	d := &dec{m: map[byte][]byte{}}
	if err != nil {
		d.err = fmt.Errorf("%w: %v", ErrMalformed, err)
		return d
	}
	for _, t := range list {
		if _, dup := d.m[t.Tag]; !dup {
			d.m[t.Tag] = t.Value
		}
	}
	return d
}

func (d *dec) has(tag byte) bool { _, ok := d.m[tag]; return ok }

func (d *dec) fixed(tag byte, n int, what string) []byte {
	v, ok := d.m[tag]
	if d.err == nil && (!ok || len(v) != n) {
		d.err = malformed("%s (tag %02X): want %d bytes, have %d", what, tag, n, len(v))
	}
	if d.err != nil {
		return make([]byte, n)
	}
	return v
}

func (d *dec) raw(tag byte, what string) []byte {
	v, ok := d.m[tag]
	if d.err == nil && !ok {
		d.err = malformed("%s (tag %02X) missing", what, tag)
	}
	return v
}

func (d *dec) address(tag byte, what string) (a ledger.Address) {
	copy(a[:], d.fixed(tag, 20, what))
	return a
}

func (d *dec) hash(tag byte, what string) (h ledger.Hash) {
	copy(h[:], d.fixed(tag, 32, what))
	return h
}

func (d *dec) sig(tag byte, what string) (s ledger.Sig) {
	copy(s[:], d.fixed(tag, 65, what))
	return s
}

func (d *dec) u64(tag byte, what string) uint64 {
	return binary.BigEndian.Uint64(d.fixed(tag, 8, what))
}

func (d *dec) amount(tag byte, what string) uint256.Int {
	var v uint256.Int
	v.SetBytes(d.fixed(tag, AmountLen, what))
	return v
}

func (d *dec) byte1(tag byte, what string) byte { return d.fixed(tag, 1, what)[0] }

// Limits are a purse's offline risk controls, in that purse's asset units
// (33 bytes on the wire). Every purse has its own.
type Limits struct {
	OfflineCap uint256.Int `json:"offline_cap"`
	OfflineMax uint8       `json:"offline_max"`
	NoPinLimit uint256.Int `json:"no_pin_limit"`
}

// Bytes encodes the limits: cap(16) ‖ max(1) ‖ no-PIN limit(16).
func (l *Limits) Bytes() []byte {
	out := append(mustAmount(&l.OfflineCap), l.OfflineMax)
	return append(out, mustAmount(&l.NoPinLimit)...)
}

// LimitsLen is the size of one purse's limits on the wire.
const LimitsLen = 33

// ParseLimits reads 33 bytes.
func ParseLimits(b []byte) (Limits, error) {
	if len(b) != 33 {
		return Limits{}, malformed("limits of %d bytes, want 33", len(b))
	}
	var l Limits
	l.OfflineCap.SetBytes(b[:16])
	l.OfflineMax = b[16]
	l.NoPinLimit.SetBytes(b[17:])
	return l, nil
}

func concatAddrs(xs []ledger.Address) []byte {
	var out []byte
	for _, x := range xs {
		out = append(out, x[:]...)
	}
	return out
}

func concatHashes(xs []ledger.Hash) []byte {
	var out []byte
	for _, x := range xs {
		out = append(out, x[:]...)
	}
	return out
}

func split20(b []byte, what string) ([]ledger.Address, error) {
	if len(b)%20 != 0 {
		return nil, malformed("%s: %d bytes is not a list of addresses", what, len(b))
	}
	out := make([]ledger.Address, len(b)/20)
	for i := range out {
		copy(out[i][:], b[20*i:])
	}
	return out, nil
}

func split32(b []byte, what string) ([]ledger.Hash, error) {
	if len(b)%32 != 0 {
		return nil, malformed("%s: %d bytes is not a list of 32-byte ids", what, len(b))
	}
	out := make([]ledger.Hash, len(b)/32)
	for i := range out {
		copy(out[i][:], b[32*i:])
	}
	return out, nil
}
