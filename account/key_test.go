package account

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/anonex/anonex/account/names"
	"github.com/anonex/anonex/ledger"
	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/cosmos/go-bip39"
	gethcrypto "github.com/ethereum/go-ethereum/crypto"
	"pgregory.net/rapid"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func hash(t testing.TB, s string) ledger.Hash {
	t.Helper()
	h, err := ledger.ParseHash(s)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func sig65(t testing.TB, s string) (out [SignatureLen]byte) {
	t.Helper()
	b := unhex(t, s)
	if len(b) != SignatureLen {
		t.Fatalf("signature %s is %d bytes", s, len(b))
	}
	copy(out[:], b)
	return out
}

func mustKey(t testing.TB, s string) *Key {
	t.Helper()
	k, err := FromBytes(unhex(t, s))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// halfN is n/2 for secp256k1; n is the group order.
var (
	curveN = btcec.S256().N
	halfN  = new(big.Int).Rsh(curveN, 1)
)

const hardhat0Key = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"

func TestAddressAndName(t *testing.T) {
	k := mustKey(t, hardhat0Key)
	if got := k.Address().Hex(); got != "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266" {
		t.Fatalf("Address = %s", got)
	}
	if got := k.Name(); got != "truly-loop-43985c7" {
		t.Fatalf("Name = %s", got)
	}
	if pub := k.PublicKey(); len(pub) != 65 || pub[0] != 4 {
		t.Fatalf("PublicKey = %x", pub)
	}
	if !bytes.Equal(k.Bytes(), unhex(t, hardhat0Key)) {
		t.Fatal("Bytes does not round-trip")
	}
}

func TestFromBytesRejects(t *testing.T) {
	n := curveN.FillBytes(make([]byte, 32))
	nMinus1 := new(big.Int).Sub(curveN, big.NewInt(1)).FillBytes(make([]byte, 32))
	for name, b := range map[string][]byte{
		"empty":  nil,
		"short":  make([]byte, 31),
		"long":   make([]byte, 33),
		"zero":   make([]byte, 32),
		"n":      n,
		"all ff": bytes.Repeat([]byte{0xff}, 32),
	} {
		if _, err := FromBytes(b); !errors.Is(err, ErrBadKey) {
			t.Errorf("%s: err = %v, want ErrBadKey", name, err)
		}
	}
	one := make([]byte, 32)
	one[31] = 1
	for _, b := range [][]byte{one, nMinus1} {
		if _, err := FromBytes(b); err != nil {
			t.Errorf("FromBytes(%x) = %v", b, err)
		}
	}
}

func TestGenerate(t *testing.T) {
	// A deterministic reader gives a deterministic key.
	seed := bytes.Repeat([]byte{7}, 32)
	k1, err := Generate(bytes.NewReader(seed))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(k1.Bytes(), seed) {
		t.Fatal("Generate did not use the reader's bytes")
	}
	// Invalid draws (zero, ≥ n) are skipped.
	src := append(append(make([]byte, 32), bytes.Repeat([]byte{0xff}, 32)...), seed...)
	k2, err := Generate(bytes.NewReader(src))
	if err != nil || k2.Address() != k1.Address() {
		t.Fatalf("Generate after invalid draws = %v, %v", k2, err)
	}
	// A short reader is an error.
	if _, err := Generate(bytes.NewReader(make([]byte, 10))); err == nil {
		t.Fatal("Generate with a short reader succeeded")
	}
	// nil means crypto/rand.
	a, err := Generate(nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Generate(nil)
	if a.Address() == b.Address() {
		t.Fatal("two random keys are equal")
	}
}

func TestKeyNeverPrinted(t *testing.T) {
	k := mustKey(t, hardhat0Key)
	secret := hardhat0Key[:16]
	for _, f := range []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%q", "%d"} {
		out := fmt.Sprintf(f, k)
		if strings.Contains(strings.ToLower(out), secret) {
			t.Errorf("fmt %s prints the private key: %s", f, out)
		}
		if !strings.Contains(out, k.Address().Hex()) {
			t.Errorf("fmt %s = %q, want the address", f, out)
		}
	}
	// The struct value (not the pointer) holds only a pointer to the key.
	if out := fmt.Sprintf("%+v %#v", *k, *k); strings.Contains(strings.ToLower(out), secret) {
		t.Errorf("printing the Key value prints the private key: %s", out)
	}
}

func TestZero(t *testing.T) {
	k := mustKey(t, hardhat0Key)
	k.Zero()
	if !bytes.Equal(k.Bytes(), make([]byte, 32)) {
		t.Fatal("Zero left key bytes")
	}
	var nilKey *Key
	nilKey.Zero() // no panic
}

// Signatures made by other implementations for the same key and digest.
func TestSignKnownVectors(t *testing.T) {
	mail := "0xbe609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2"
	for _, v := range []struct {
		source, key, digest, sig string
	}{
		// EIP-712 specification, Example.js: key keccak256("cow"), the
		// "Ether Mail" digest; the same signature is in eth-sig-util,
		// eth_account and ethers tests.
		{"EIP-712 spec", "c85ef7d79691fe79573b1a7064c19c1a9819ebdbd1faaab1a8ec92344438aaf4", mail,
			"4355c47d63924e8a72e509b65029052eb6c299d53a04e167c5775fd466751c9d07299936d304c153f6443dfa05f40ff007d72911b6f72307f996231605b915621c"},
		// viem sign() with hardhat account #0 (v given there as 0/1).
		{"viem", hardhat0Key, mail,
			"6ea8bb309a3401225701f3565e32519f94a0ea91a5910ce9229fe488e773584c0390416a2190d9560219dab757ecca2029e63fa9d1c2aebf676cc25b9f03126a1b"},
		{"viem", hardhat0Key, "0x82afed965c7aa87b5689c5eb049f2b77e23ae7819f6e081b8a3198c1ed5195f8",
			"0a3a2646d4ad968bb56317fdb15e17fb4d9deec0d03e8b6cb05e7125bda3006d26618ad17cc63cf1979ca75f850c536a073ec88ab1ab7c8db8b8eb129499d9ae1c"},
		{"viem", hardhat0Key, "0xf2eee62b3b68eff7c15e0808683e7762c85051cceebe641f4b77b026788a98c1",
			"082e76302cca13d703850329a812776dd29a70054c6f17ee6a5dff9cfad917cd6bb6ba4e6095246f7cbb722eec394bc5d8b4617bb1d9cb2a9dbdf953d95bd28b1b"},
		{"viem", hardhat0Key, "0xd9eba16ed0ecae432b71fe008c98cc872bb4cc214d3220a36f365326cf807d68",
			"a461f509887bd19e312c0c58467ce8ff8e300d3c1a90b608a760c5b80318eaf15fe57c96f9175d6cd4daad4663763baa7e78836e067d0163e9a2ccf2ff753f5b1b"},
		{"viem", hardhat0Key, "0x8921f2eb8a76968e7210d7a56c38b3acf933ccc72e8c50db48cc55aaf1a6fe0d",
			"e04588d881d59ef43990fd1bdd2e05bce76c3052620432089e1d632b6d4bc3884930cf24da1dda4ff05d7dffee6605f6ab807db2cfe2ff01dd73054883b6e8161c"},
	} {
		k := mustKey(t, v.key)
		d := hash(t, v.digest)
		got, err := k.Sign(d)
		if err != nil {
			t.Fatal(err)
		}
		if want := sig65(t, v.sig); got != want {
			t.Errorf("%s: Sign(%s)\n got %x\nwant %x", v.source, v.digest, got, want)
		}
		if a, err := Recover(d, got); err != nil || a != k.Address() {
			t.Errorf("%s: Recover = %s, %v; want %s", v.source, a.Hex(), err, k.Address().Hex())
		}
	}
	cow := mustKey(t, "c85ef7d79691fe79573b1a7064c19c1a9819ebdbd1faaab1a8ec92344438aaf4")
	if cow.Address().Hex() != "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826" {
		t.Fatalf("cow address = %s", cow.Address().Hex())
	}
}

func drawKey(t *rapid.T) *Key {
	// Scalars in [1, n-1], biased toward the edges by rapid.
	d := rapid.Custom(func(t *rapid.T) []byte {
		b := rapid.SliceOfN(rapid.Byte(), 32, 32).Draw(t, "d")
		x := new(big.Int).SetBytes(b)
		x.Mod(x, new(big.Int).Sub(curveN, big.NewInt(1)))
		x.Add(x, big.NewInt(1))
		return x.FillBytes(make([]byte, 32))
	}).Draw(t, "key")
	k, err := FromBytes(d)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func drawDigest(t *rapid.T) ledger.Hash {
	var h ledger.Hash
	copy(h[:], rapid.SliceOfN(rapid.Byte(), 32, 32).Draw(t, "digest"))
	return h
}

// TestSignRecoverProperty: for random keys and digests, Sign gives low s
// and v ∈ {27, 28}, and Recover (with v as 27/28 or 0/1) gives the address.
func TestSignRecoverProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		k := drawKey(t)
		d := drawDigest(t)
		sig, err := k.Sign(d)
		if err != nil {
			t.Fatal(err)
		}
		if v := sig[64]; v != 27 && v != 28 {
			t.Fatalf("v = %d", v)
		}
		s := new(big.Int).SetBytes(sig[32:64])
		if s.Sign() == 0 || s.Cmp(halfN) > 0 {
			t.Fatalf("s = %x is not in [1, n/2]", s)
		}
		if again, _ := k.Sign(d); again != sig {
			t.Fatal("Sign is not deterministic")
		}
		a, err := Recover(d, sig)
		if err != nil || a != k.Address() {
			t.Fatalf("Recover = %s, %v; want %s", a.Hex(), err, k.Address().Hex())
		}
		sig01 := sig
		sig01[64] -= 27
		if a, err := Recover(d, sig01); err != nil || a != k.Address() {
			t.Fatalf("Recover(v=%d) = %s, %v", sig01[64], a.Hex(), err)
		}
		// Another digest does not recover to the signer.
		d2 := d
		d2[rapid.IntRange(0, 31).Draw(t, "flip")] ^= 1
		if a, err := Recover(d2, sig); err == nil && a == k.Address() {
			t.Fatal("signature recovered to the signer for another digest")
		}
	})
}

// TestSignMatchesGoEthereum checks Sign against go-ethereum's crypto.Sign
// (libsecp256k1 through cgo when cgo is on, else decred's pure-Go code):
// r and s are identical, v is geth's recovery id + 27; and go-ethereum's
// Ecrecover, SigToPub and ValidateSignatureValues agree with ours.
func TestSignMatchesGoEthereum(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		k := drawKey(t)
		d := drawDigest(t)
		ours, err := k.Sign(d)
		if err != nil {
			t.Fatal(err)
		}
		priv := k.ToECDSA()
		if gethcrypto.PubkeyToAddress(priv.PublicKey) != [20]byte(k.Address()) {
			t.Fatal("ToECDSA gives another address")
		}
		theirs, err := gethcrypto.Sign(d[:], priv)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(ours[:64], theirs[:64]) {
			t.Fatalf("r||s differ:\n ours %x\ngeth  %x", ours[:64], theirs[:64])
		}
		if ours[64] != theirs[64]+27 {
			t.Fatalf("v = %d, geth recovery id = %d", ours[64], theirs[64])
		}
		pub, err := gethcrypto.Ecrecover(d[:], theirs)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(pub, k.PublicKey()) {
			t.Fatal("geth Ecrecover gives another public key")
		}
		r, s := new(big.Int).SetBytes(ours[:32]), new(big.Int).SetBytes(ours[32:64])
		if !gethcrypto.ValidateSignatureValues(ours[64]-27, r, s, true) {
			t.Fatal("geth rejects our signature values (homestead rules)")
		}
		// Recover of geth's signature (v 0/1) works too.
		var g [SignatureLen]byte
		copy(g[:], theirs)
		if a, err := Recover(d, g); err != nil || a != k.Address() {
			t.Fatalf("Recover(geth sig) = %s, %v", a.Hex(), err)
		}
	})
}

func TestRecoverRejects(t *testing.T) {
	k := mustKey(t, hardhat0Key)
	d := hash(t, "0xbe609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2")
	sig, err := k.Sign(d)
	if err != nil {
		t.Fatal(err)
	}

	for _, v := range []byte{2, 3, 26, 29, 31, 35, 36, 255} {
		bad := sig
		bad[64] = v
		_, err := Recover(d, bad)
		if !errors.Is(err, ErrBadSignature) || !strings.Contains(err.Error(), fmt.Sprintf("v is %d", v)) {
			t.Errorf("v=%d: err = %v", v, err)
		}
	}

	// The malleable twin (n - s, v flipped) is a valid ECDSA signature for
	// the same key, and go-ethereum's Ecrecover accepts it; Recover refuses.
	high := sig
	s := new(big.Int).SetBytes(sig[32:64])
	new(big.Int).Sub(curveN, s).FillBytes(high[32:64])
	high[64] = 27 + 28 - high[64] // 27 <-> 28
	if _, err := Recover(d, high); !errors.Is(err, ErrBadSignature) || !strings.Contains(err.Error(), "high s") {
		t.Errorf("high s: err = %v", err)
	}
	geth := append(append([]byte{}, high[:64]...), high[64]-27)
	if pub, err := gethcrypto.Ecrecover(d[:], geth); err != nil || !bytes.Equal(pub, k.PublicKey()) {
		t.Errorf("geth Ecrecover should accept the high-s twin (it is valid ECDSA): %v", err)
	}
	if gethcrypto.ValidateSignatureValues(geth[64], new(big.Int).SetBytes(geth[:32]), new(big.Int).SetBytes(geth[32:64]), true) {
		t.Error("geth ValidateSignatureValues(homestead) should refuse high s")
	}

	for name, mut := range map[string]func(*[65]byte){
		"r zero":   func(s *[65]byte) { clear(s[:32]) },
		"s zero":   func(s *[65]byte) { clear(s[32:64]) },
		"r = n":    func(s *[65]byte) { curveN.FillBytes(s[:32]) },
		"s = n":    func(s *[65]byte) { curveN.FillBytes(s[32:64]) },
		"s all ff": func(s *[65]byte) { copy(s[32:64], bytes.Repeat([]byte{0xff}, 32)) },
		"r all ff": func(s *[65]byte) { copy(s[:32], bytes.Repeat([]byte{0xff}, 32)) },
	} {
		bad := sig
		mut(&bad)
		if _, err := Recover(d, bad); !errors.Is(err, ErrBadSignature) {
			t.Errorf("%s: err = %v, want ErrBadSignature", name, err)
		}
	}
}

// TestNameCrossCheck recomputes names with go-ethereum's keccak and
// math/big instead of ledger.Keccak256 and bit shifts.
func TestNameCrossCheck(t *testing.T) {
	wordList := func(i int64) string { return bip39.EnglishWordList[i] }
	ref := func(a ledger.Address) string {
		h := new(big.Int).SetBytes(gethcrypto.Keccak256(a[:]))
		field := func(from, n uint) int64 {
			v := new(big.Int).Rsh(h, 256-from-n)
			return v.And(v, big.NewInt(1<<n-1)).Int64()
		}
		return fmt.Sprintf("%s-%s-%07x", wordList(field(0, 11)), wordList(field(11, 11)), field(22, 28))
	}
	for addr, want := range map[string]string{
		"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266": "truly-loop-43985c7",
		"0x70997970C51812dc3A010C7d01b50e0d17dc79C8": "ability-media-9597815",
		"0x0000000000000000000000000000000000000000": "fatal-alert-edeba06",
	} {
		a, err := ledger.ParseAddress(addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := ref(a); got != want {
			t.Errorf("reference name of %s = %s, want %s", addr, got, want)
		}
		if got := names.Name(a); got != want {
			t.Errorf("names.Name(%s) = %s, want %s", addr, got, want)
		}
	}
	rapid.Check(t, func(t *rapid.T) {
		var a ledger.Address
		copy(a[:], rapid.SliceOfN(rapid.Byte(), 20, 20).Draw(t, "addr"))
		if got, want := names.Name(a), ref(a); got != want {
			t.Fatalf("names.Name(%s) = %s, reference %s", a.Hex(), got, want)
		}
	})
}

func BenchmarkSign(b *testing.B) {
	k := mustKey(b, hardhat0Key)
	var d ledger.Hash
	for i := 0; i < b.N; i++ {
		d[0] = byte(i)
		if _, err := k.Sign(d); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRecover(b *testing.B) {
	k := mustKey(b, hardhat0Key)
	var d ledger.Hash
	sig, _ := k.Sign(d)
	for i := 0; i < b.N; i++ {
		if _, err := Recover(d, sig); err != nil {
			b.Fatal(err)
		}
	}
}
