package account

import (
	"crypto/ecdsa"
	"crypto/rand"
	"fmt"
	"io"

	"github.com/anonex/anonex/account/names"
	"github.com/anonex/anonex/ledger"
	"github.com/btcsuite/btcd/btcec/v2"
	becdsa "github.com/btcsuite/btcd/btcec/v2/ecdsa"
	gethcrypto "github.com/ethereum/go-ethereum/crypto"
)

// KeyLen is the length of a private key in bytes.
const KeyLen = 32

// SignatureLen is the length of a recoverable signature r||s||v.
const SignatureLen = 65

// Key is a device account's secp256k1 private key. Make one with Generate,
// FromBytes, FromMnemonic, DecryptKey or a Store; the zero Key is unusable.
// Its String and fmt forms show the address only, never the key.
type Key struct {
	priv *btcec.PrivateKey
	addr ledger.Address
}

// Generate makes a new key from 32 bytes of r (crypto/rand.Reader when r
// is nil), drawing again in the negligible case they are not a valid key.
func Generate(r io.Reader) (*Key, error) {
	if r == nil {
		r = rand.Reader
	}
	var buf [KeyLen]byte
	defer clear(buf[:])
	for range 16 {
		if _, err := io.ReadFull(r, buf[:]); err != nil {
			return nil, fmt.Errorf("account: reading randomness for a new key: %w", err)
		}
		if k, err := FromBytes(buf[:]); err == nil {
			return k, nil
		}
	}
	return nil, fmt.Errorf("%w: the random source gave 16 invalid keys in a row", ErrBadKey)
}

// FromBytes makes a key from its 32-byte big-endian scalar d, which must
// satisfy 0 < d < n (the secp256k1 group order). b is not retained.
func FromBytes(b []byte) (*Key, error) {
	if len(b) != KeyLen {
		return nil, fmt.Errorf("%w: %d bytes, want %d", ErrBadKey, len(b), KeyLen)
	}
	var d btcec.ModNScalar
	if overflow := d.SetByteSlice(b); overflow {
		d.Zero()
		return nil, fmt.Errorf("%w: not below the secp256k1 group order", ErrBadKey)
	}
	if d.IsZero() {
		return nil, fmt.Errorf("%w: zero", ErrBadKey)
	}
	return newKey(btcec.PrivKeyFromScalar(&d)), nil
}

func newKey(priv *btcec.PrivateKey) *Key {
	return &Key{priv: priv, addr: pubKeyAddress(priv.PubKey())}
}

// pubKeyAddress is the Ethereum address of a public key: the last 20 bytes
// of keccak256(X||Y).
func pubKeyAddress(pub *btcec.PublicKey) ledger.Address {
	u := pub.SerializeUncompressed() // 0x04 || X || Y
	h := ledger.Keccak256(u[1:])
	var a ledger.Address
	copy(a[:], h[12:])
	return a
}

// Address returns the account address (the key's Ethereum address).
func (k *Key) Address() ledger.Address { return k.addr }

// Name returns the anonymized name of the account address.
func (k *Key) Name() string { return names.Name(k.addr) }

// PublicKey returns the 65-byte uncompressed public key 0x04||X||Y.
func (k *Key) PublicKey() []byte { return k.priv.PubKey().SerializeUncompressed() }

// Bytes returns the 32-byte big-endian private scalar, for export. The
// caller owns the slice and should clear it when done.
func (k *Key) Bytes() []byte {
	b := k.priv.Key.Bytes()
	return b[:]
}

// ToECDSA returns the key as a go-ethereum *ecdsa.PrivateKey (on geth's
// curve, crypto.S256()), for go-ethereum APIs such as
// bind.NewKeyedTransactorWithChainID.
func (k *Key) ToECDSA() *ecdsa.PrivateKey {
	b := k.Bytes()
	defer clear(b)
	p, err := gethcrypto.ToECDSA(b)
	if err != nil {
		// Unreachable: every Key holds 0 < d < n.
		panic("account: go-ethereum refused a valid key: " + err.Error())
	}
	return p
}

// Sign signs a 32-byte digest (an EIP-712 digest, say) and returns r||s||v
// with s in the lower half of the order and v ∈ {27, 28}. The nonce is
// RFC 6979 deterministic, so the result equals ethers.js signTypedData and
// go-ethereum crypto.Sign (whose v is 0/1) for the same key and digest.
func (k *Key) Sign(digest ledger.Hash) ([SignatureLen]byte, error) {
	var sig [SignatureLen]byte
	// SignCompact gives header||r||s, header = 27 + recovery id for an
	// uncompressed key; s is already normalized to the lower half.
	c := becdsa.SignCompact(k.priv, digest[:], false)
	recID := c[0] - 27
	if recID > 1 {
		// The nonce point's x was ≥ n (probability about 2^-128): Ethereum's
		// v cannot express that recovery id.
		return sig, fmt.Errorf("%w: recovery id %d cannot be expressed as v 27/28", ErrBadSignature, recID)
	}
	copy(sig[:64], c[1:])
	sig[64] = 27 + recID
	return sig, nil
}

// Zero overwrites the private scalar. The Key must not be used afterwards.
func (k *Key) Zero() {
	if k != nil && k.priv != nil {
		k.priv.Zero()
	}
}

// String returns "account.Key{<address>}": never the private key.
func (k *Key) String() string { return "account.Key{" + k.addr.Hex() + "}" }

// GoString is String, so %#v does not print the key either.
func (k *Key) GoString() string { return k.String() }

// Format prints String for every verb, so no fmt verb prints the key.
func (k *Key) Format(f fmt.State, _ rune) { io.WriteString(f, k.String()) }

// Recover returns the address that signed digest with sig = r||s||v. It is
// the pure-Go reference: v may be 27/28 or 0/1; s must be in the lower half
// of the order (high-s signatures are malleable copies and are refused).
func Recover(digest ledger.Hash, sig [SignatureLen]byte) (ledger.Address, error) {
	v := sig[64]
	switch v {
	case 0, 1:
		v += 27
	case 27, 28:
	default:
		return ledger.Address{}, fmt.Errorf("%w: v is %d, want 27 or 28 (or 0 or 1)", ErrBadSignature, sig[64])
	}
	var s btcec.ModNScalar
	if overflow := s.SetByteSlice(sig[32:64]); overflow {
		return ledger.Address{}, fmt.Errorf("%w: s is not below the group order", ErrBadSignature)
	}
	if s.IsOverHalfOrder() {
		return ledger.Address{}, fmt.Errorf("%w: high s (s > n/2); signers must use s' = n - s and flip v", ErrBadSignature)
	}
	var c [SignatureLen]byte
	c[0] = v
	copy(c[1:], sig[:64])
	pub, _, err := becdsa.RecoverCompact(c[:], digest[:])
	if err != nil {
		return ledger.Address{}, fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	return pubKeyAddress(pub), nil
}

// SharedSecret is the ECDH secret of this key and another public key
// (65 bytes uncompressed or 33 compressed): the x coordinate of d·P, 32
// bytes. Sealing to a key (cardproto.Seal) derives its cipher key from it.
func (k *Key) SharedSecret(pub []byte) ([]byte, error) {
	p, err := btcec.ParsePubKey(pub)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadKey, err)
	}
	return btcec.GenerateSharedSecret(k.priv, p), nil
}

// Keys is a set of keys held together: the device accounts a node holds
// as their owners' wallet.
type Keys []*Key

// Find returns the key of account a, or nil when the set holds none.
func (ks Keys) Find(a ledger.Address) *Key {
	for _, k := range ks {
		if k.Address() == a {
			return k
		}
	}
	return nil
}
