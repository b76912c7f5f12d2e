package apdu

import "fmt"

// TLV is one BER-TLV object with a one-byte tag. For a constructed tag
// (bit 0x20 set: 0xA0-0xBF in the applet) ParseTLV fills Children as well
// as Value (the raw content); Bytes encodes Children when there are any,
// else Value.
type TLV struct {
	Tag      byte
	Value    []byte
	Children []TLV
}

// MaxTLVValue is the longest value a TLV length (0x82 form) can state.
const MaxTLVValue = 0xFFFF

// Constructed reports whether tag is a constructed BER tag (bit 0x20).
func Constructed(tag byte) bool { return tag&0x20 != 0 }

// Nest builds a constructed TLV from its children.
func Nest(tag byte, children ...TLV) TLV {
	return TLV{Tag: tag, Children: children}
}

// Bytes encodes t: tag, minimal length (short form below 0x80, else 0x81
// or 0x82 form), content. It panics when the content exceeds 65535 bytes,
// which no short-APDU exchange can carry: a programming error.
func (t TLV) Bytes() []byte { return t.append(nil) }

func (t TLV) append(b []byte) []byte {
	content := t.Value
	if len(t.Children) > 0 {
		content = EncodeTLV(t.Children...)
	}
	n := len(content)
	b = append(b, t.Tag)
	switch {
	case n < 0x80:
		b = append(b, byte(n))
	case n <= 0xFF:
		b = append(b, 0x81, byte(n))
	case n <= MaxTLVValue:
		b = append(b, 0x82, byte(n>>8), byte(n))
	default:
		panic(fmt.Sprintf("apdu: TLV %02X value of %d bytes exceeds %d", t.Tag, n, MaxTLVValue))
	}
	return append(b, content...)
}

// EncodeTLV concatenates the encodings of ts.
func EncodeTLV(ts ...TLV) []byte {
	var b []byte
	for _, t := range ts {
		b = t.append(b)
	}
	return b
}

// ParseTLV decodes a sequence of TLV objects filling b exactly. Tags whose
// low five bits are all set (multi-byte tags), tag 00, indefinite (0x80),
// non-minimal, 0x83-and-longer forms and truncated objects fail with
// ErrBadTLV, as does a constructed object whose content is not a TLV
// sequence. Values are copies.
func ParseTLV(b []byte) ([]TLV, error) {
	return parseTLV(b, 0)
}

// maxDepth bounds nesting so that hostile input cannot recurse deeply.
const maxDepth = 8

func parseTLV(b []byte, depth int) ([]TLV, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("%w: nested deeper than %d", ErrBadTLV, maxDepth)
	}
	var out []TLV
	off := 0
	for off < len(b) {
		tag := b[off]
		if tag == 0x00 || tag&0x1F == 0x1F {
			return nil, fmt.Errorf("%w: tag %02X at offset %d (one-byte tags only, 00 not allowed)", ErrBadTLV, tag, off)
		}
		off++
		if off >= len(b) {
			return nil, fmt.Errorf("%w: tag %02X has no length", ErrBadTLV, tag)
		}
		n := int(b[off])
		off++
		switch {
		case n < 0x80:
		case n == 0x81:
			if off+1 > len(b) {
				return nil, fmt.Errorf("%w: tag %02X length truncated", ErrBadTLV, tag)
			}
			n = int(b[off])
			off++
			if n < 0x80 {
				return nil, fmt.Errorf("%w: tag %02X length %d not in its shortest form", ErrBadTLV, tag, n)
			}
		case n == 0x82:
			if off+2 > len(b) {
				return nil, fmt.Errorf("%w: tag %02X length truncated", ErrBadTLV, tag)
			}
			n = int(b[off])<<8 | int(b[off+1])
			off += 2
			if n <= 0xFF {
				return nil, fmt.Errorf("%w: tag %02X length %d not in its shortest form", ErrBadTLV, tag, n)
			}
		default:
			return nil, fmt.Errorf("%w: tag %02X length byte %02X (short form, 81 or 82 only)", ErrBadTLV, tag, n)
		}
		if n > len(b)-off {
			return nil, fmt.Errorf("%w: tag %02X states %d bytes, %d left", ErrBadTLV, tag, n, len(b)-off)
		}
		t := TLV{Tag: tag, Value: append([]byte(nil), b[off:off+n]...)}
		if Constructed(tag) {
			kids, err := parseTLV(t.Value, depth+1)
			if err != nil {
				return nil, fmt.Errorf("%w (inside constructed tag %02X)", err, tag)
			}
			t.Children = kids
		}
		out = append(out, t)
		off += n
	}
	return out, nil
}

// Find returns the first object of ts with the tag (not looking inside
// constructed ones).
func Find(ts []TLV, tag byte) (TLV, bool) {
	for _, t := range ts {
		if t.Tag == tag {
			return t, true
		}
	}
	return TLV{}, false
}

// FindAll returns every object of ts with the tag, in order.
func FindAll(ts []TLV, tag byte) []TLV {
	var out []TLV
	for _, t := range ts {
		if t.Tag == tag {
			out = append(out, t)
		}
	}
	return out
}

// Find returns the first child of t with the tag.
func (t TLV) Find(tag byte) (TLV, bool) { return Find(t.Children, tag) }
