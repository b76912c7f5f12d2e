package cardproto

import (
	"encoding/binary"
	"fmt"

	"github.com/anonex/anonex/cardbridge/apdu"
)

func putU64(b []byte, v uint64) { binary.BigEndian.PutUint64(b, v) }

func getU64(b []byte) uint64 {
	if len(b) < 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

func parseList(b []byte) ([]apdu.TLV, error) { return apdu.ParseTLV(b) }

// The card's PIN is 6 to 12 ASCII digits, its PUK 8 to 12
// (docs/card-protocol.md): the card counts a malformed one as a wrong try.
const (
	PINMin, PINMax = 6, 12
	PUKMin, PUKMax = 8, 12
)

// CheckPIN refuses a PIN the card would count as a wrong try, before it
// is sent and costs one.
func CheckPIN(pin string) error { return checkDigits("PIN", pin, PINMin, PINMax) }

// CheckPUK refuses a PUK the card would count as a wrong try.
func CheckPUK(puk string) error { return checkDigits("PUK", puk, PUKMin, PUKMax) }

func checkDigits(what, s string, lo, hi int) error {
	ok := len(s) >= lo && len(s) <= hi
	for _, r := range s {
		ok = ok && r >= '0' && r <= '9'
	}
	if !ok {
		return fmt.Errorf("a %s is %d to %d digits: this one is not, and was not sent to the card (it would have cost one of its tries)", what, lo, hi)
	}
	return nil
}
