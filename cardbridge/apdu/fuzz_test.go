package apdu

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzParseCommand: ParseCommand never panics, fails only with its two
// sentinels, and what it accepts encodes back to the same bytes; every
// valid Command built from the input survives Bytes → ParseCommand.
func FuzzParseCommand(f *testing.F) {
	f.Add([]byte{0x00, 0xA4, 0x04, 0x00, 0x08, 0xF0, 0x61, 0x6E, 0x6F, 0x6E, 0x65, 0x78, 0x01, 0x00})
	f.Add([]byte{0x80, 0xCA, 0x00, 0x00, 0x00})
	f.Add([]byte{0x80, 0xCA, 0x00, 0x00})
	f.Add([]byte{0x00, 0x20, 0x00, 0x80, 0x02, 0x31, 0x32})
	f.Add([]byte{0x00, 0x20, 0x00, 0x80, 0x00, 0x01, 0x00})
	f.Add([]byte{0x00, 0x20})
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCommand(b)
		if err != nil {
			if !errors.Is(err, ErrBadCommand) && !errors.Is(err, ErrExtendedLength) {
				t.Fatalf("unexpected error kind: %v", err)
			}
		} else {
			if err := c.Validate(); err != nil {
				t.Fatalf("parsed command does not validate: %v", err)
			}
			out, err := c.Bytes()
			if err != nil || !bytes.Equal(out, b) {
				t.Fatalf("round trip % X → %v → % X, %v", b, c, out, err)
			}
		}
		// Build a command from the input and round-trip it the other way.
		if len(b) < 5 {
			return
		}
		le := int(b[4]) - 1 // -1..254
		if b[4] == 0xFF {
			le = 256
		}
		d := b[5:]
		if len(d) > MaxShortData {
			d = d[:MaxShortData]
		}
		c2 := Command{CLA: b[0], INS: b[1], P1: b[2], P2: b[3], Data: d, Le: le}
		enc, err := c2.Bytes()
		if err != nil {
			t.Fatalf("valid command %v: %v", c2, err)
		}
		back, err := ParseCommand(enc)
		if err != nil {
			t.Fatalf("% X from %v: %v", enc, c2, err)
		}
		want := c2
		if want.Le == 0 {
			want.Le = MaxShortLe
		}
		if !sameCommand(back, want) {
			t.Fatalf("%v → % X → %v", c2, enc, back)
		}
	})
}

// FuzzParseResponse: any two or more bytes parse, and encode back.
func FuzzParseResponse(f *testing.F) {
	f.Add([]byte{0x90, 0x00})
	f.Add([]byte{0x01, 0x02, 0x61, 0x2C})
	f.Add([]byte{0x6A})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseResponse(b)
		if len(b) < 2 {
			if !errors.Is(err, ErrBadResponse) {
				t.Fatalf("% X: want ErrBadResponse, got %v", b, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("% X: %v", b, err)
		}
		if !bytes.Equal(r.Bytes(), b) {
			t.Fatalf("% X → %v → % X", b, r, r.Bytes())
		}
		if (r.Err() == nil) != (r.SW == SWOK) || (r.Err() != nil && !errors.Is(r.Err(), ErrSW)) {
			t.Fatalf("Err() of SW %04X: %v", r.SW, r.Err())
		}
		// GET RESPONSE chaining: splitting and collecting gives the data back.
		first, rest := SplitResponse(r.Data, r.SW)
		got := append([]byte(nil), first.Data...)
		sw := first.SW
		for steps := 0; ; steps++ {
			n, more := MoreData(sw)
			if !more || len(rest) == 0 {
				break
			}
			if steps > len(b) {
				t.Fatal("GET RESPONSE chain does not end")
			}
			if want := min(len(rest), MaxResponseData); n != want && !(n == 256 && len(rest) >= 256) {
				t.Fatalf("61%02X announces %d, %d bytes remain", byte(sw), n, len(rest))
			}
			var next Response
			next, rest = SplitResponse(rest, r.SW)
			got = append(got, next.Data...)
			sw = next.SW
		}
		if sw != r.SW || !bytes.Equal(got, r.Data) {
			t.Fatalf("split/collect of %d bytes gave %d bytes, SW %04X", len(r.Data), len(got), sw)
		}
	})
}

// FuzzParseTLV: ParseTLV never panics, fails only with ErrBadTLV, and what
// it accepts encodes back byte for byte; lookups agree with the list.
func FuzzParseTLV(f *testing.F) {
	f.Add([]byte{0x80, 0x01, 0x01, 0x81, 0x01, 0x02})
	f.Add(EncodeTLV(TLV{Tag: 0x90, Value: make([]byte, 32)}, Nest(0xA0, TLV{Tag: 0x91, Value: make([]byte, 16)}, TLV{Tag: 0x92, Value: make([]byte, 200)})))
	f.Add([]byte{0x96, 0x82, 0x01, 0x00})
	f.Add([]byte{0x96, 0x81, 0x05, 1, 2, 3, 4, 5})
	f.Add([]byte{0xA0, 0x03, 0xA1, 0x01, 0x80})
	f.Fuzz(func(t *testing.T, b []byte) {
		ts, err := ParseTLV(b)
		if err != nil {
			if !errors.Is(err, ErrBadTLV) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if out := EncodeTLV(ts...); !bytes.Equal(out, b) {
			t.Fatalf("% X → % X", b, out)
		}
		for _, x := range ts {
			got, ok := Find(ts, x.Tag)
			if !ok || got.Tag != x.Tag {
				t.Fatalf("Find(%02X) missed", x.Tag)
			}
			if len(x.Children) > 0 && !Constructed(x.Tag) {
				t.Fatalf("primitive tag %02X has children", x.Tag)
			}
			if Constructed(x.Tag) {
				if !bytes.Equal(EncodeTLV(x.Children...), x.Value) {
					t.Fatalf("children of %02X do not encode to its value", x.Tag)
				}
			}
		}
	})
}

// FuzzReassembler: Chain then Reassembler gives the command back (or
// ErrChainTooLong past the limit); every part is one valid short APDU; a
// foreign command in the middle of a chain is refused and drops the chain.
func FuzzReassembler(f *testing.F) {
	f.Add(uint32(0x80580000), 0, make([]byte, 600), 1, byte(0xA4))
	f.Add(uint32(0x00A40400), 256, []byte{1, 2, 3}, 0, byte(0xA4))
	f.Add(uint32(0x80520000), -1, make([]byte, 4097), 3, byte(0x52))
	f.Fuzz(func(t *testing.T, hdr uint32, le int, data []byte, cut int, foreign byte) {
		if le < NoLe || le > MaxShortLe {
			le = NoLe
		}
		c := Command{CLA: byte(hdr>>24) &^ ChainBit, INS: byte(hdr >> 16), P1: byte(hdr >> 8), P2: byte(hdr), Data: data, Le: le}
		parts := Chain(c)
		for i, p := range parts {
			enc, err := p.Bytes()
			if err != nil {
				t.Fatalf("part %d: %v", i, err)
			}
			back, err := ParseCommand(enc)
			if err != nil || back.Chained() != (i < len(parts)-1) {
				t.Fatalf("part %d: % X → %v, %v", i, enc, back, err)
			}
		}
		var r Reassembler
		for i, p := range parts {
			full, done, err := r.Add(p)
			last := i == len(parts)-1
			if len(data) > MaxChainedData {
				if err != nil {
					if !errors.Is(err, ErrChainTooLong) || r.Pending() {
						t.Fatalf("over-long chain: %v, pending %v", err, r.Pending())
					}
					var swe *SWError
					if !errors.As(err, &swe) || swe.SW != SWWrongLength {
						t.Fatalf("over-long chain error carries no 6700: %v", err)
					}
					break
				}
				if last {
					t.Fatalf("chain of %d bytes accepted", len(data))
				}
				continue
			}
			if err != nil || done != last {
				t.Fatalf("part %d of %d: done %v, %v", i, len(parts), done, err)
			}
			if last {
				want := c
				if len(want.Data) == 0 {
					want.Data = nil
				}
				if !sameCommand(full, want) {
					t.Fatalf("reassembled %v, want %v", full, c)
				}
			}
		}
		if len(parts) < 2 || len(data) > MaxChainedData {
			return
		}
		// Interleave a foreign command after part k.
		r.Reset()
		k := 1 + int(uint(cut)%uint(len(parts)-1))
		for _, p := range parts[:k] {
			if _, _, err := r.Add(p); err != nil {
				t.Fatal(err)
			}
		}
		alien := Command{CLA: c.CLA, INS: foreign, P1: c.P1, P2: c.P2, Le: NoLe}
		if foreign == c.INS {
			alien.P1 ^= 1
		}
		if _, _, err := r.Add(alien); !errors.Is(err, ErrChainInterleaved) || r.Pending() {
			t.Fatalf("interleaved %v after %d parts: %v, pending %v", alien, k, err, r.Pending())
		}
	})
}

func sameCommand(a, b Command) bool {
	return a.CLA == b.CLA && a.INS == b.INS && a.P1 == b.P1 && a.P2 == b.P2 && a.Le == b.Le &&
		bytes.Equal(a.Data, b.Data) && (len(a.Data) == 0) == (len(b.Data) == 0)
}
