package account

import (
	"encoding/hex"
	"errors"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
)

// BIP-32 test vectors 1 and 3 (the latter checks that a key with a leading
// zero byte keeps it): path, chain code, private key.
func TestBIP32Vectors(t *testing.T) {
	h := Hardened
	type node struct {
		path       []uint32
		chain, key string
	}
	for _, v := range []struct {
		seed  string
		nodes []node
	}{
		{"000102030405060708090a0b0c0d0e0f", []node{
			{nil, "873dff81c02f525623fd1fe5167eac3a55a049de3d314bb42ee227ffed37d508", "e8f32e723decf4051aefac8e2c93c9c5b214313817cdb01a1494b917c8436b35"},
			{[]uint32{0 + h}, "47fdacbd0f1097043b78c63c20c34ef4ed9a111d980047ad16282c7ae6236141", "edb2e14f9ee77d26dd93b4ecede8d16ed408ce149b6cd80b0715a2d911a0afea"},
			{[]uint32{0 + h, 1}, "2a7857631386ba23dacac34180dd1983734e444fdbf774041578e9b6adb37c19", "3c6cb8d0f6a264c91ea8b5030fadaa8e538b020f0a387421a12de9319dc93368"},
			{[]uint32{0 + h, 1, 2 + h}, "04466b9cc8e161e966409ca52986c584f07e9dc81f735db683c3ff6ec7b1503f", "cbce0d719ecf7431d88e6a89fa1483e02e35092af60c042b1df2ff59fa424dca"},
			{[]uint32{0 + h, 1, 2 + h, 2}, "cfb71883f01676f587d023cc53a35bc7f88f724b1f8c2892ac1275ac822a3edd", "0f479245fb19a38a1954c5c7c0ebab2f9bdfd96a17563ef28a6a4b1a2a764ef4"},
			{[]uint32{0 + h, 1, 2 + h, 2, 1000000000}, "c783e67b921d2beb8f6b389cc646d7263b4145701dadd2161548a8b078e65e9e", "471b76e389e528d6de6d816857e012c5455051cad6660850e58372a6c3e6e7c8"},
		}},
		{"4b381541583be4423346c643850da4b320e46a87ae3d2a4e6da11eba819cd4acba45d239319ac14f863b8d5ab5a0d0c64d2e8a1e7d1457df2e5a3c51c73235be", []node{
			{nil, "01d28a3e53cffa419ec122c968b3259e16b65076495494d97cae10bbfec3c36f", "00ddb80b067e0d4993197fe10f2657a844a384589847602d56f0c629c81aae32"},
			{[]uint32{0 + h}, "e5fea12a97b927fc9dc3d2cb0d1ea1cf50aa5a1fdc1f933e8906bb38df3377bd", "491f7a2eebc7b57028e0d3faa0acda02e75c33b03c48fb288c41e2ea44e1daef"},
		}},
	} {
		seed := unhex(t, v.seed)
		for _, n := range v.nodes {
			x, err := derive(seed, n.path)
			if err != nil {
				t.Fatalf("%s: %v", pathString(n.path), err)
			}
			k := x.key.Bytes()
			if got := hex.EncodeToString(k[:]); got != n.key {
				t.Errorf("seed %.8s… %s: key %s, want %s", v.seed, pathString(n.path), got, n.key)
			}
			if got := hex.EncodeToString(x.chain[:]); got != n.chain {
				t.Errorf("seed %.8s… %s: chain %s, want %s", v.seed, pathString(n.path), got, n.chain)
			}
		}
	}
}

func TestBIP32InvalidChild(t *testing.T) {
	// A parent key of n-1 and IL = 1 would sum to zero; we cannot choose IL,
	// so exercise split directly: IL ≥ n and a zero sum are both errors.
	var i [64]byte
	btcec.S256().N.FillBytes(i[:32])
	if _, err := split(i[:], nil, "test"); !errors.Is(err, ErrDerivation) {
		t.Fatalf("IL = n: err = %v", err)
	}
	var parent btcec.ModNScalar
	parent.SetInt(1)
	parent.Negate() // n - 1
	var j [64]byte
	j[31] = 1 // IL = 1
	if _, err := split(j[:], &parent, "test"); !errors.Is(err, ErrDerivation) {
		t.Fatalf("k_i = 0: err = %v", err)
	}
	if _, err := masterKey(make([]byte, 15)); !errors.Is(err, ErrDerivation) {
		t.Fatalf("short seed: err = %v", err)
	}
}

func TestPathString(t *testing.T) {
	if got := pathString(BIP44Path(7)); got != "m/44'/60'/0'/0/7" {
		t.Fatal(got)
	}
}
