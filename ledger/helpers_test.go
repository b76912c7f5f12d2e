package ledger

import (
	"fmt"

	"github.com/btcsuite/btcd/btcec/v2"
	becdsa "github.com/btcsuite/btcd/btcec/v2/ecdsa"
	"github.com/holiman/uint256"
)

// Test keys are btcec (pure Go): the ledger's tests must not link
// go-ethereum.
type testKey struct {
	priv *btcec.PrivateKey
	addr Address
}

func newTestKey(seed uint64) *testKey {
	var b [32]byte
	for i := 0; i < 8; i++ {
		b[31-i] = byte(seed >> (8 * i))
	}
	b[0] = 0x5e // keep it non-zero and below n
	priv, _ := btcec.PrivKeyFromBytes(b[:])
	return &testKey{priv: priv, addr: pubAddress(priv.PubKey())}
}

func pubAddress(pub *btcec.PublicKey) (a Address) {
	h := Keccak256(pub.SerializeUncompressed()[1:])
	copy(a[:], h[12:])
	return a
}

func (k *testKey) sign(p Payload, d Domain) *Tx {
	id := d.Digest(p.StructHash())
	c := becdsa.SignCompact(k.priv, id[:], false) // header ‖ r ‖ s
	var s Sig
	copy(s[:64], c[1:])
	s[64] = c[0] // 27 + recid for uncompressed
	return &Tx{Payload: p, Sig: s}
}

type btcecRecoverer struct{}

func (btcecRecoverer) Recover(d Hash, s Sig) (Address, error) {
	c := make([]byte, 65)
	c[0] = s[64]
	copy(c[1:], s[:64])
	pub, _, err := becdsa.RecoverCompact(c, d[:])
	if err != nil {
		return Address{}, err
	}
	return pubAddress(pub), nil
}

// mapState is an in-memory Reader with commit.
type mapState map[string][]byte

func (m mapState) Get(k []byte) ([]byte, error) { return m[string(k)], nil }

func (m mapState) commit(kvs []KV) {
	for _, kv := range kvs {
		if kv.Value == nil {
			delete(m, string(kv.Key))
		} else {
			m[string(kv.Key)] = kv.Value
		}
	}
}

var testDomain = NewDomain(1337, Address{0xa1})

func u(v uint64) uint256.Int { return *uint256.NewInt(v) }

func mustVerify(tx *Tx) *Verified {
	v, err := Verify(tx, testDomain, btcecRecoverer{})
	if err != nil {
		panic(fmt.Sprint("verify: ", err))
	}
	return v
}

func (k *testKey) signDigest(id Hash) Sig {
	c := becdsa.SignCompact(k.priv, id[:], false)
	var s Sig
	copy(s[:64], c[1:])
	s[64] = c[0]
	return s
}
