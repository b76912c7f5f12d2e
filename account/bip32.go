package account

import (
	"crypto/hmac"
	"crypto/sha512"
	"encoding/binary"
	"fmt"

	"github.com/btcsuite/btcd/btcec/v2"
)

// BIP-32 private derivation on btcec, just what BIP-44 needs: the master
// node from a seed and hardened or normal private child derivation.

// Hardened is the BIP-32 offset of hardened child indices (i').
const Hardened uint32 = 1 << 31

// xprv is a BIP-32 extended private key (without the serialization
// metadata: depth, parent fingerprint and child number are not needed).
type xprv struct {
	key   btcec.ModNScalar
	chain [32]byte
}

func (x *xprv) zero() {
	x.key.Zero()
	clear(x.chain[:])
}

// masterKey derives the master node: I = HMAC-SHA512("Bitcoin seed", seed),
// key = I[:32], chain code = I[32:].
func masterKey(seed []byte) (xprv, error) {
	if len(seed) < 16 || len(seed) > 64 {
		return xprv{}, fmt.Errorf("%w: seed is %d bytes, want 16 to 64", ErrDerivation, len(seed))
	}
	mac := hmac.New(sha512.New, []byte("Bitcoin seed"))
	mac.Write(seed)
	return split(mac.Sum(nil), nil, "master key")
}

// split turns I = IL||IR into a node whose key is IL (+ parent, mod n)
// and whose chain code is IR, failing when IL ≥ n or the key is zero.
func split(i []byte, parent *btcec.ModNScalar, what string) (xprv, error) {
	defer clear(i)
	var x xprv
	if overflow := x.key.SetByteSlice(i[:32]); overflow {
		return xprv{}, fmt.Errorf("%w: invalid %s (IL ≥ n)", ErrDerivation, what)
	}
	if parent != nil {
		x.key.Add(parent)
	}
	if x.key.IsZero() {
		return xprv{}, fmt.Errorf("%w: invalid %s (zero key)", ErrDerivation, what)
	}
	copy(x.chain[:], i[32:])
	return x, nil
}

// child derives child i (hardened when i ≥ Hardened) of x:
// hardened: I = HMAC-SHA512(c, 0x00 || ser256(k) || ser32(i))
// normal:   I = HMAC-SHA512(c, serP(k·G) || ser32(i))
// k_i = IL + k (mod n). BIP-32 says to skip to i+1 when IL ≥ n or k_i = 0
// (probability < 2^-127); we return an error instead, naming the index.
func (x *xprv) child(i uint32) (xprv, error) {
	var data [37]byte
	defer clear(data[:])
	if i >= Hardened {
		k := x.key.Bytes()
		copy(data[1:33], k[:])
		clear(k[:])
	} else {
		copy(data[:33], btcec.PrivKeyFromScalar(&x.key).PubKey().SerializeCompressed())
	}
	binary.BigEndian.PutUint32(data[33:], i)
	mac := hmac.New(sha512.New, x.chain[:])
	mac.Write(data[:])
	return split(mac.Sum(nil), &x.key, "child "+indexString(i))
}

// derive walks path from the master node of seed.
func derive(seed []byte, path []uint32) (xprv, error) {
	x, err := masterKey(seed)
	if err != nil {
		return xprv{}, err
	}
	for _, i := range path {
		next, err := x.child(i)
		x.zero()
		if err != nil {
			return xprv{}, err
		}
		x = next
	}
	return x, nil
}

func indexString(i uint32) string {
	if i >= Hardened {
		return fmt.Sprintf("%d'", i-Hardened)
	}
	return fmt.Sprintf("%d", i)
}

// pathString formats a derivation path as "m/44'/60'/0'/0/0".
func pathString(path []uint32) string {
	s := "m"
	for _, i := range path {
		s += "/" + indexString(i)
	}
	return s
}
