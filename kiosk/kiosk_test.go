package kiosk

import (
	"testing"

	"github.com/holiman/uint256"
)

func TestDisplayAmount(t *testing.T) {
	for _, c := range []struct {
		v    uint64
		dec  uint8
		want string
	}{
		{10000, 2, "100.00"}, {5e16, 18, "0.05"}, {1, 18, "0.000000000000000001"}, {12, 0, "12"}, {15e17, 18, "1.50"}, {1234, 3, "1.234"},
	} {
		if got := displayAmount(uint256.NewInt(c.v), c.dec); got != c.want {
			t.Errorf("%d with %d decimals: %s, want %s", c.v, c.dec, got, c.want)
		}
	}
}
