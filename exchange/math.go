package exchange

import "math/bits"

func mul64(x, y uint64) (hi, lo uint64) { return bits.Mul64(x, y) }

func add64(x, y, carry uint64) (sum, carryOut uint64) { return bits.Add64(x, y, carry) }
