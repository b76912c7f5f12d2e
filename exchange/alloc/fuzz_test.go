package alloc

import (
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// fuzzInput decodes a bounded instance: at most 20 items (brute force up
// to 12), balances on a scale picked by the input (up to full uint64),
// merchant restrictions, an amount up to a little over the total, and the
// options (forced method, ExactLimit).
type fuzzInput struct {
	items    []Item
	amount   uint64
	merchant string
	opt      Options
}

func decodeFuzz(data []byte) fuzzInput {
	next := func() byte {
		if len(data) == 0 {
			return 0
		}
		b := data[0]
		data = data[1:]
		return b
	}
	u64 := func() uint64 {
		var buf [8]byte
		for i := range buf {
			buf[i] = next()
		}
		return binary.LittleEndian.Uint64(buf[:])
	}
	var in fuzzInput
	n := int(next()) % 21
	scales := []uint64{8, 64, 5000, 1 << 20, 1 << 40, math.MaxUint64}
	scale := scales[int(next())%len(scales)]
	var total uint64
	for i := range n {
		b := u64()
		if scale != math.MaxUint64 {
			b %= scale + 1
		}
		it := Item{ID: "f" + strconv.Itoa((i*7)%n) + "-" + strconv.Itoa(i), Balance: b}
		if r := next(); r&1 == 1 {
			for k, m := range testMerchants {
				if r>>(k+1)&1 == 1 {
					it.Merchants = append(it.Merchants, m)
				}
			}
			if len(it.Merchants) == 0 {
				it.Merchants = []string{"elsewhere"}
			}
		}
		in.items = append(in.items, it)
		total, _ = satAdd(total, b)
	}
	in.merchant = append(slices.Clone(testMerchants), "other")[int(next())%4]
	limit, _ := satAdd(total, total/4+1)
	if a := u64(); limit == math.MaxUint64 {
		in.amount = a
	} else {
		in.amount = a % (limit + 1)
	}
	in.opt = Options{Now: frozen}
	switch next() % 6 {
	case 1:
		in.opt.force = "enum"
	case 2:
		in.opt.force = "mitm"
	case 3:
		in.opt.force = "dp"
	case 4:
		in.opt.force = "cover"
	case 5:
		in.opt.ExactLimit = -1
	}
	return in
}

func FuzzAllocate(f *testing.F) {
	f.Add([]byte{5, 2, 10, 0, 0, 0, 0, 0, 0, 0, 0, 20, 0, 0, 0, 0, 0, 0, 0, 1, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 33, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{12, 5, 255, 255, 255, 255, 255, 255, 255, 127, 0, 255, 255, 255, 255, 255, 255, 255, 255, 0, 3, 1, 2, 3, 4, 5, 6, 7, 0, 0, 255, 255, 255, 255, 255, 255, 255, 255, 4})
	f.Add([]byte{20, 3, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 3})
	f.Fuzz(func(t *testing.T, data []byte) {
		in := decodeFuzz(data)
		p, err := Allocate(in.items, in.amount, in.merchant, in.opt)
		ref, rerr := ExactReference(in.items, in.amount, in.merchant)
		if errors.Is(err, ErrInsufficient) != errors.Is(rerr, ErrInsufficient) {
			t.Fatalf("shortfall disagreement: %v vs %v", err, rerr)
		}
		if err != nil {
			if !errors.Is(err, ErrInsufficient) {
				t.Fatalf("Allocate: %v", err)
			}
			return
		}
		checkPlan(t, in.items, in.amount, in.merchant, p)
		if rerr == nil && (p.Residual < ref || p.Residual-p.Bound > ref) {
			t.Fatalf("residual %d bound %d, reference optimum %d (%s)", p.Residual, p.Bound, ref, p.Method)
		}
		if len(in.items) <= 12 {
			want, ids, _ := brute(in.items, in.amount, in.merchant)
			if p.Residual < want || p.Residual-p.Bound > want {
				t.Fatalf("residual %d bound %d, brute-force optimum %d (%s)", p.Residual, p.Bound, want, p.Method)
			}
			if strings.HasPrefix(p.Method, "exact-") && !slices.Equal(spendIDs(p), ids) {
				t.Fatalf("%s chose %v, brute force %v", p.Method, spendIDs(p), ids)
			}
		}
	})
}
