package ledger

import (
	"fmt"
	"strings"

	"github.com/holiman/uint256"
)

// MaxDecimals is the largest number of decimals an asset may declare: 10^77
// is the largest power of ten below 2^256.
const MaxDecimals = 77

// ParseAmount converts a decimal string such as "1.5" into base units of an
// asset with the given decimals ("1.5" at 2 decimals is 150). It refuses
// signs, exponents, empty parts, more fractional digits than the asset has
// and values that do not fit 256 bits.
func ParseAmount(s string, decimals uint8) (*uint256.Int, error) {
	if decimals > MaxDecimals {
		return nil, fmt.Errorf("%w: %d decimals", ErrBadField, decimals)
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || (hasDot && frac == "") || !digits(whole) || !digits(frac) {
		return nil, fmt.Errorf("%w: %q is not a plain decimal number", ErrBadAmount, s)
	}
	if t := strings.TrimRight(frac, "0"); len(t) > int(decimals) {
		return nil, fmt.Errorf("%w: %q has %d decimals, the asset has %d", ErrTooManyDecim, s, len(t), decimals)
	}
	frac += strings.Repeat("0", int(decimals)-min(len(frac), int(decimals)))
	frac = frac[:decimals]
	all := strings.TrimLeft(whole+frac, "0")
	if all == "" {
		all = "0"
	}
	v, err := uint256.FromDecimal(all)
	if err != nil {
		return nil, fmt.Errorf("%w: %q does not fit 256 bits", ErrBadAmount, s)
	}
	return v, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// FormatAmount renders base units as a decimal string with exactly the
// asset's decimals (150 at 2 decimals is "1.50").
func FormatAmount(v *uint256.Int, decimals uint8) string {
	s := v.Dec()
	if decimals == 0 {
		return s
	}
	if len(s) <= int(decimals) {
		s = strings.Repeat("0", int(decimals)-len(s)+1) + s
	}
	return s[:len(s)-int(decimals)] + "." + s[len(s)-int(decimals):]
}
