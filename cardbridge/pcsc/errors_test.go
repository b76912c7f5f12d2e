package pcsc

import (
	"errors"
	"strings"
	"testing"

	"github.com/ebfe/scard"
)

// TestMapErr checks the mapping of PC/SC codes to sentinels without a
// daemon (all tests through pcscd live in cardbridge/pcsctest).
func TestMapErr(t *testing.T) {
	for _, tc := range []struct {
		code scard.Error
		what string
		want error
	}{
		{scard.ErrRemovedCard, "transmit", ErrCardRemoved},   // 0x80100069
		{scard.ErrNotTransacted, "transmit", ErrCardRemoved}, // 0x80100016
		{scard.ErrNoSmartcard, "transmit", ErrCardRemoved},
		{scard.ErrNoSmartcard, "connect", ErrNoCard},
		{scard.ErrResetCard, "transmit", ErrCardReset},
		{scard.ErrNoService, "establish context", ErrNoService},
		{scard.ErrServiceStopped, "transmit", ErrNoService},
		{scard.ErrNoReadersAvailable, "list readers", ErrNoService},
		{scard.ErrUnknownReader, "connect", ErrUnknownReader},
		{scard.ErrSharingViolation, "connect", ErrSharing},
	} {
		err := mapErr(tc.what, tc.code)
		if !errors.Is(err, tc.want) {
			t.Errorf("%08X %s: %v, want %v", uint32(tc.code), tc.what, err, tc.want)
		}
		var se scard.Error
		if !errors.As(err, &se) || se != tc.code {
			t.Errorf("%08X: scard error lost from the chain: %v", uint32(tc.code), err)
		}
		if !strings.HasPrefix(err.Error(), "pcsc: ") {
			t.Errorf("message %q lacks the package prefix", err)
		}
	}
	if err := mapErr("establish context", scard.ErrNoService); !strings.Contains(err.Error(), "pcscd --foreground") ||
		!strings.Contains(err.Error(), "vsmartcard-vpcd") {
		t.Errorf("no hint in %q", err)
	}
	if uint32(scard.ErrRemovedCard) != 0x80100069 || uint32(scard.ErrNotTransacted) != 0x80100016 {
		t.Fatal("PC/SC codes differ from the documented ones")
	}
	if mapErr("x", nil) != nil {
		t.Fatal("nil")
	}
}

func TestVPCDReaderName(t *testing.T) {
	if VPCDReaderName(0) != "Virtual PCD 00 00" || VPCDReaderName(1) != "Virtual PCD 00 01" {
		t.Fatal(VPCDReaderName(0), VPCDReaderName(1))
	}
}

func TestVPCDIndex(t *testing.T) {
	for _, tc := range []struct {
		name string
		n    int
		ok   bool
	}{
		{"Virtual PCD 00 00", 0, true},
		{"Virtual PCD 00 01", 1, true},
		{"Virtual PCD [Vpcd] 00 01", 0, false},
		{"vpcd Virtual PCD 00 12 extra", 12, true},
		{"Gemalto USB Reader 00 00", 0, false},
		{"Virtual PCD 00 ", 0, false},
	} {
		if n, ok := VPCDIndex(tc.name); n != tc.n || ok != tc.ok {
			t.Errorf("VPCDIndex(%q) = %d, %v; want %d, %v", tc.name, n, ok, tc.n, tc.ok)
		}
	}
	err := &NoReaderError{Index: 2, Readers: []string{"Virtual PCD 00 00", "Virtual PCD 00 01", "Other"}}
	if !errors.Is(err, ErrUnknownReader) || err.Error() != `pcsc: no reader 2 ("Virtual PCD 00 02"): pcscd has reader `+
		`0 (Virtual PCD 00 00), 1 (Virtual PCD 00 01), "Other" (not a vpcd reader)` {
		t.Errorf("NoReaderError: %v", err)
	}
}
