package apdu

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

var aid = []byte{0xF0, 0x61, 0x6E, 0x6F, 0x6E, 0x65, 0x78, 0x01}

func TestCommandCases(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    Command
		enc  []byte
	}{
		{"case 1", Command{CLA: 0x80, INS: 0x46, Le: NoLe}, []byte{0x80, 0x46, 0, 0}},
		{"case 2 Le 256", Command{CLA: 0x80, INS: 0xCA, Le: 256}, []byte{0x80, 0xCA, 0, 0, 0}},
		{"case 2 Le 32", Command{CLA: 0x00, INS: 0x84, Le: 32}, []byte{0x00, 0x84, 0, 0, 0x20}},
		{"case 3", Command{CLA: 0x00, INS: 0x20, P2: 0x80, Data: []byte("1234"), Le: NoLe}, []byte{0x00, 0x20, 0x00, 0x80, 4, '1', '2', '3', '4'}},
		{"case 4 SELECT", Command{CLA: 0x00, INS: 0xA4, P1: 0x04, Data: aid, Le: 256},
			append(append([]byte{0x00, 0xA4, 0x04, 0x00, 0x08}, aid...), 0x00)},
		{"case 4 full", Command{CLA: 0x80, INS: 0x58, Data: bytes.Repeat([]byte{7}, 255), Le: 1},
			append(append([]byte{0x80, 0x58, 0, 0, 0xFF}, bytes.Repeat([]byte{7}, 255)...), 1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			enc, err := tc.c.Bytes()
			if err != nil || !bytes.Equal(enc, tc.enc) {
				t.Fatalf("Bytes = % X, %v; want % X", enc, err, tc.enc)
			}
			back, err := ParseCommand(tc.enc)
			if err != nil || !sameCommand(back, tc.c) {
				t.Fatalf("ParseCommand = %v, %v; want %v", back, err, tc.c)
			}
		})
	}
	// Le 0 is an alias of 256.
	enc, _ := Command{CLA: 0x80, INS: 0xCA, Le: 0}.Bytes()
	if !bytes.Equal(enc, []byte{0x80, 0xCA, 0, 0, 0}) {
		t.Fatalf("Le 0 encodes as % X", enc)
	}
}

func TestCommandRefused(t *testing.T) {
	for _, tc := range []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, ErrBadCommand},
		{"3 bytes", []byte{0, 0xA4, 4}, ErrBadCommand},
		{"Lc too big", []byte{0, 0xA4, 4, 0, 5, 1, 2}, ErrBadCommand},
		{"two Le bytes", []byte{0, 0xA4, 4, 0, 1, 1, 0, 0}, ErrBadCommand},
		{"extended case 2", []byte{0, 0xB0, 0, 0, 0, 0x01, 0x00}, ErrExtendedLength},
		{"extended case 3", append([]byte{0, 0xD6, 0, 0, 0, 0x01, 0x2C}, make([]byte, 300)...), ErrExtendedLength},
	} {
		_, err := ParseCommand(tc.b)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
	if !strings.Contains(ErrExtendedLength.Error(), "chaining") {
		t.Error("the extended-length error should point at command chaining")
	}
	if _, err := (Command{Data: make([]byte, 256), Le: NoLe}).Bytes(); !errors.Is(err, ErrDataTooLong) {
		t.Errorf("256 data bytes: %v", err)
	}
	for _, le := range []int{-2, 257} {
		if _, err := (Command{Le: le}).Bytes(); !errors.Is(err, ErrBadLe) {
			t.Errorf("Le %d: %v", le, err)
		}
	}
}

func TestResponseAndSW(t *testing.T) {
	r, err := ParseResponse([]byte{1, 2, 3, 0x6F, 0x01})
	if err != nil || r.SW != SWInsufficientFunds || !bytes.Equal(r.Data, []byte{1, 2, 3}) {
		t.Fatalf("%v %v", r, err)
	}
	err = r.Err()
	if !errors.Is(err, ErrSW) || !errors.Is(err, &SWError{SW: 0x6F01}) || errors.Is(err, &SWError{SW: 0x6F02}) {
		t.Fatalf("SWError matching: %v", err)
	}
	if got := err.Error(); got != "apdu: card answered 6F01: insufficient funds" {
		t.Fatalf("message %q", got)
	}
	if n, ok := WrongPIN(0x63C2); !ok || n != 2 {
		t.Fatal("63C2")
	}
	if got := (&SWError{SW: 0x63C1}).Error(); !strings.Contains(got, "1 tries left") {
		t.Fatal(got)
	}
	for _, sw := range []uint16{SWWrongLength, SWSecurityNotSatisfied, SWBlocked, SWDataInvalid, SWConditionsNotSatisfied,
		SWWrongData, SWNotEnoughMemory, SWNotFound, SWINSNotSupported, SWCLANotSupported, SWWrongP1P2,
		SWInsufficientFunds, SWOfflineLimit, SWUntrustedIssuer, 0x6100, 0x612C, 0x63C0} {
		if SWText(sw) == "unknown status word" {
			t.Errorf("%04X has no text", sw)
		}
	}
	if (Response{SW: SWOK}).Err() != nil {
		t.Fatal("9000 is no error")
	}
	if _, err := ParseResponse([]byte{0x90}); !errors.Is(err, ErrBadResponse) {
		t.Fatal(err)
	}
}

func TestSplitResponse(t *testing.T) {
	data := make([]byte, 300)
	for i := range data {
		data[i] = byte(i)
	}
	first, rest := SplitResponse(data, SWOK)
	if len(first.Data) != 256 || first.SW != 0x612C || len(rest) != 44 {
		t.Fatalf("first %v, rest %d", first, len(rest))
	}
	if gr := GetResponse(first.SW); gr.CLA != 0 || gr.INS != 0xC0 || gr.Le != 44 {
		t.Fatalf("GET RESPONSE %v", gr)
	}
	next, rest := SplitResponse(rest, SWOK)
	if len(next.Data) != 44 || next.SW != SWOK || rest != nil {
		t.Fatalf("next %v, rest %d", next, len(rest))
	}
	// 600 bytes: 61 00 (256 more), then 61 58, then 9000.
	first, rest = SplitResponse(make([]byte, 600), 0x6F01)
	if first.SW != 0x6100 || len(rest) != 344 {
		t.Fatalf("%v %d", first, len(rest))
	}
	if n, _ := MoreData(first.SW); n != 256 {
		t.Fatalf("61 00 means 256, got %d", n)
	}
	second, rest := SplitResponse(rest, 0x6F01)
	third, rest := SplitResponse(rest, 0x6F01)
	if second.SW != 0x6158 || third.SW != 0x6F01 || len(third.Data) != 88 || rest != nil {
		t.Fatalf("%v %v %d", second, third, len(rest))
	}
	// Exactly 256 bytes fit one response.
	if r, rest := SplitResponse(make([]byte, 256), SWOK); r.SW != SWOK || rest != nil {
		t.Fatal("256 bytes should not chain")
	}
}

func TestChainAndReassemble(t *testing.T) {
	data := make([]byte, 600)
	for i := range data {
		data[i] = byte(i * 7)
	}
	c := Command{CLA: 0x80, INS: 0x58, Data: data, Le: 256}
	parts := Chain(c)
	if len(parts) != 3 {
		t.Fatalf("%d parts", len(parts))
	}
	for i, p := range parts {
		wantCLA := byte(0x90)
		wantLe := NoLe
		if i == 2 {
			wantCLA, wantLe = 0x80, 256
		}
		if p.CLA != wantCLA || p.Le != wantLe {
			t.Fatalf("part %d: %v", i, p)
		}
	}
	if len(parts[0].Data) != 255 || len(parts[2].Data) != 90 {
		t.Fatal("part sizes")
	}
	var r Reassembler
	for _, p := range parts[:2] {
		if _, done, err := r.Add(p); done || err != nil {
			t.Fatal(done, err)
		}
	}
	full, done, err := r.Add(parts[2])
	if !done || err != nil || !sameCommand(full, c) || r.Pending() {
		t.Fatalf("%v %v %v", full, done, err)
	}

	// Interleaved INS.
	r.Add(parts[0])
	_, _, err = r.Add(Command{CLA: 0x00, INS: 0xA4, P1: 4, Data: aid, Le: 256})
	var swe *SWError
	if !errors.Is(err, ErrChainInterleaved) || !errors.As(err, &swe) || swe.SW != SWConditionsNotSatisfied || r.Pending() {
		t.Fatalf("interleaved: %v", err)
	}
	if !strings.HasPrefix(err.Error(), "apdu: ") {
		t.Fatalf("message %q", err)
	}
	// After the refusal, a fresh command passes straight through.
	if full, done, err := r.Add(Command{CLA: 0x80, INS: 0xCA, Le: 256}); !done || err != nil || full.INS != 0xCA {
		t.Fatal(full, done, err)
	}

	// Over 4 KiB.
	big := Chain(Command{CLA: 0x80, INS: 0x58, Data: make([]byte, 4097), Le: NoLe})
	var last error
	for _, p := range big {
		if _, _, last = r.Add(p); last != nil {
			break
		}
	}
	if !errors.Is(last, ErrChainTooLong) || !errors.As(last, &swe) || swe.SW != SWWrongLength || r.Pending() {
		t.Fatalf("4097 bytes: %v", last)
	}
	// Exactly 4 KiB passes.
	ok := Chain(Command{CLA: 0x80, INS: 0x58, Data: make([]byte, 4096), Le: NoLe})
	for i, p := range ok {
		full, done, err := r.Add(p)
		if err != nil || done != (i == len(ok)-1) || (done && len(full.Data) != 4096) {
			t.Fatal(i, err)
		}
	}
	// A short command is its own chain.
	if got := Chain(Command{INS: 1, Data: make([]byte, 255)}); len(got) != 1 || got[0].Chained() {
		t.Fatal("255 bytes should not chain")
	}
}

func TestTLV(t *testing.T) {
	purse := Nest(0xA0,
		TLV{Tag: 0x90, Value: bytes.Repeat([]byte{0xAA}, 32)},
		TLV{Tag: 0x91, Value: make([]byte, 16)},
	)
	list := []TLV{
		{Tag: 0x80, Value: []byte{1}},
		{Tag: 0x83, Value: make([]byte, 65)},
		{Tag: 0x8A, Value: make([]byte, 200)},  // 0x81 form
		{Tag: 0x97, Value: make([]byte, 8*32)}, // 0x82 form
		purse,
	}
	enc := EncodeTLV(list...)
	if !bytes.Equal(list[2].Bytes()[:3], []byte{0x8A, 0x81, 200}) || !bytes.Equal(list[3].Bytes()[:4], []byte{0x97, 0x82, 0x01, 0x00}) {
		t.Fatal("long forms")
	}
	got, err := ParseTLV(enc)
	if err != nil || len(got) != 5 {
		t.Fatal(len(got), err)
	}
	a0, ok := Find(got, 0xA0)
	if !ok || len(a0.Children) != 2 {
		t.Fatal("A0")
	}
	if v, ok := a0.Find(0x90); !ok || !bytes.Equal(v.Value, purse.Children[0].Value) {
		t.Fatal("A0/90")
	}
	if _, ok := Find(got, 0x90); ok {
		t.Fatal("Find must not descend")
	}
	if n := len(FindAll(append(got, got...), 0x80)); n != 2 {
		t.Fatal(n)
	}
	for _, bad := range [][]byte{
		{0x80},                            // no length
		{0x80, 0x02, 1},                   // truncated
		{0x80, 0x80},                      // indefinite
		{0x80, 0x81, 0x05, 1, 2, 3, 4, 5}, // non-minimal
		{0x80, 0x82, 0x00, 0x10},          // non-minimal
		{0x80, 0x83, 0, 0, 1, 0},          // 0x83 form
		{0x9F, 0x01, 0x01, 0x00},          // two-byte tag
		{0x00, 0x00},                      // padding
		{0xA0, 0x02, 0x80, 0x05},          // constructed with bad content
	} {
		if _, err := ParseTLV(bad); !errors.Is(err, ErrBadTLV) {
			t.Errorf("% X: %v", bad, err)
		}
	}
	deep := []byte{0x80, 0x00}
	for range 10 {
		deep = TLV{Tag: 0xA1, Value: deep}.Bytes()
	}
	if _, err := ParseTLV(deep); !errors.Is(err, ErrBadTLV) {
		t.Fatal("nesting limit")
	}
}
