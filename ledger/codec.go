package ledger

import (
	"encoding/binary"
	"fmt"

	"github.com/holiman/uint256"
)

// encoder appends the binary form of a payload. In wire form (refs == nil)
// addresses are 20 bytes and asset ids 32; in batch form addresses may be
// account numbers and asset ids indexes into the batch's asset table.
type encoder struct {
	buf  []byte
	refs *batchRefs
}

func (e *encoder) byte1(b byte) { e.buf = append(e.buf, b) }

func (e *encoder) uvarint(v uint64) { e.buf = binary.AppendUvarint(e.buf, v) }

func (e *encoder) uint16(v uint16) { e.buf = binary.BigEndian.AppendUint16(e.buf, v) }

func (e *encoder) bytes32(h Hash) { e.buf = append(e.buf, h[:]...) }

func (e *encoder) address(a Address) {
	if e.refs != nil {
		if n, ok := e.refs.accountNumber(a); ok {
			e.uvarint(n + 1)
			return
		}
		e.uvarint(0)
	}
	e.buf = append(e.buf, a[:]...)
}

func (e *encoder) asset(id Hash) {
	if e.refs != nil {
		e.uvarint(e.refs.assetIndex(id))
		return
	}
	e.bytes32(id)
}

// amount writes a uint256 as one length byte (0..32) and that many
// big-endian bytes with no leading zero.
func (e *encoder) amount(v *uint256.Int) {
	n := (v.BitLen() + 7) / 8
	e.byte1(byte(n))
	b := v.Bytes32()
	e.buf = append(e.buf, b[32-n:]...)
}

func (e *encoder) str(s string) {
	e.uvarint(uint64(len(s)))
	e.buf = append(e.buf, s...)
}

// decoder reads what encoder wrote. Its error is sticky: after the first
// failure every read returns zero values and err explains the first fault.
// An account number that the resolver cannot map is recorded in unresolved
// without stopping the parse, so a batch can skip one transaction and read on.
type decoder struct {
	buf        []byte
	off        int
	err        error
	refs       *batchRefs
	unresolved error
	// v1 reads a version 1 batch: its card records have no attached
	// commitment and its card registrations no consent (docs/protocol.md,
	// "Versioning"); such transactions decode but never verify.
	v1 bool
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: at byte %d: %s", ErrDecode, d.off, fmt.Sprintf(format, args...))
	}
}

func (d *decoder) take(n int, what string) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || len(d.buf)-d.off < n {
		d.fail("%s needs %d bytes, %d left", what, n, len(d.buf)-d.off)
		return nil
	}
	b := d.buf[d.off : d.off+n]
	d.off += n
	return b
}

func (d *decoder) byte1(what string) byte {
	b := d.take(1, what)
	if b == nil {
		return 0
	}
	return b[0]
}

func (d *decoder) uvarint(what string) uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.buf[d.off:])
	if n <= 0 {
		d.fail("%s is not a valid varint", what)
		return 0
	}
	// Canonical form only: one value, one encoding, so one id per payload.
	if n > 1 && d.buf[d.off+n-1] == 0 {
		d.fail("%s varint has a redundant zero byte", what)
		return 0
	}
	d.off += n
	return v
}

func (d *decoder) uint16(what string) uint16 {
	b := d.take(2, what)
	if b == nil {
		return 0
	}
	return binary.BigEndian.Uint16(b)
}

func (d *decoder) bytes32(what string) (h Hash) {
	copy(h[:], d.take(32, what))
	return h
}

func (d *decoder) address(what string) (a Address) {
	if d.refs != nil {
		x := d.uvarint(what)
		if x > 0 {
			addr, err := d.refs.resolve(x - 1)
			if err != nil && d.unresolved == nil {
				d.unresolved = fmt.Errorf("%s: %w", what, err)
			}
			return addr
		}
	}
	copy(a[:], d.take(20, what))
	return a
}

func (d *decoder) asset(what string) Hash {
	if d.refs != nil {
		i := d.uvarint(what)
		if d.err != nil {
			return Hash{}
		}
		if i >= uint64(len(d.refs.assets)) {
			d.fail("%s index %d outside the batch's %d assets", what, i, len(d.refs.assets))
			return Hash{}
		}
		return d.refs.assets[i]
	}
	return d.bytes32(what)
}

func (d *decoder) amount(what string) *uint256.Int {
	n := int(d.byte1(what + " length"))
	if d.err != nil {
		return new(uint256.Int)
	}
	if n > 32 {
		d.fail("%s length %d exceeds 32", what, n)
		return new(uint256.Int)
	}
	b := d.take(n, what)
	if d.err != nil {
		return new(uint256.Int)
	}
	if n > 0 && b[0] == 0 {
		d.fail("%s has a leading zero byte", what)
		return new(uint256.Int)
	}
	return new(uint256.Int).SetBytes(b)
}

func (d *decoder) str(what string, max int) string {
	n := d.uvarint(what + " length")
	if d.err != nil {
		return ""
	}
	if n > uint64(max) {
		d.fail("%s length %d exceeds %d", what, n, max)
		return ""
	}
	return string(d.take(int(n), what))
}
