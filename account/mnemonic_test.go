package account

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/cosmos/go-bip39"
	"golang.org/x/text/unicode/norm"
)

const testMnemonic = "test test test test test test test test test test test junk"

// The accounts of anvil and hardhat's default mnemonic.
func TestFromMnemonicAnvil(t *testing.T) {
	for idx, want := range map[uint32]string{
		0: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
		1: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
		2: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
		9: "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720",
	} {
		k, err := FromMnemonic(testMnemonic, "", idx)
		if err != nil {
			t.Fatal(err)
		}
		if got := k.Address().Hex(); got != want {
			t.Errorf("index %d: %s, want %s", idx, got, want)
		}
	}
	k, _ := FromMnemonic(testMnemonic, "", 0)
	if got := hex.EncodeToString(k.Bytes()); got != hardhat0Key {
		t.Errorf("index 0 key %s, want %s", got, hardhat0Key)
	}
}

// Case and spacing do not change the wallet; the passphrase does.
func TestFromMnemonicNormalization(t *testing.T) {
	want, _ := FromMnemonic(testMnemonic, "", 0)
	for _, m := range []string{
		"  " + strings.ReplaceAll(testMnemonic, " ", " \t\n ") + "\n",
		strings.ToUpper(testMnemonic),
		"Test test test test test test test test test test test Junk",
		// Full-width letters are compatibility-equivalent (NFKD) to ASCII.
		strings.Replace(testMnemonic, "junk", "ｊｕｎｋ", 1),
	} {
		k, err := FromMnemonic(m, "", 0)
		if err != nil {
			t.Fatalf("%q: %v", m, err)
		}
		if k.Address() != want.Address() {
			t.Errorf("%q gives %s, want %s", m, k.Address().Hex(), want.Address().Hex())
		}
	}
	p, err := FromMnemonic(testMnemonic, "hunter2", 0)
	if err != nil {
		t.Fatal(err)
	}
	if p.Address() == want.Address() {
		t.Fatal("a passphrase gives the same wallet")
	}
	// The passphrase is NFKD-normalized: composed and decomposed "é" match.
	nfc, _ := FromMnemonic(testMnemonic, norm.NFC.String("café"), 0)
	nfd, _ := FromMnemonic(testMnemonic, norm.NFD.String("café"), 0)
	if nfc.Address() != nfd.Address() {
		t.Fatal("NFC and NFD passphrases give different wallets")
	}
}

func TestFromMnemonicErrors(t *testing.T) {
	secretWord := "zebra" // valid word; must not be echoed
	for name, c := range map[string]struct {
		m    string
		want error
		msg  string
	}{
		"empty":     {"", ErrBadMnemonic, "0 words"},
		"11 words":  {"test test test test test test test test test test test", ErrBadMnemonic, "11 words"},
		"13 words":  {testMnemonic + " test", ErrBadMnemonic, "13 words"},
		"bad word":  {strings.Replace(testMnemonic, "junk", "junky", 1), ErrBadMnemonic, "word 12"},
		"checksum":  {strings.Replace(testMnemonic, "junk", secretWord, 1), ErrBadMnemonic, "checksum"},
		"bad first": {"xyzzy" + testMnemonic[4:], ErrBadMnemonic, "word 1 "},
	} {
		_, err := FromMnemonic(c.m, "", 0)
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: err = %v, want %v with %q", name, err, c.want, c.msg)
			continue
		}
		for _, w := range []string{"junky", secretWord, "xyzzy", "test"} {
			if strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q repeats a word of the phrase", name, err)
			}
		}
	}
	if _, err := FromMnemonic(testMnemonic, "", Hardened); !errors.Is(err, ErrDerivation) {
		t.Errorf("index 2^31: err = %v", err)
	}
}

// Trezor's BIP-39 vectors (python-mnemonic vectors.json, passphrase
// "TREZOR"): entropy → words → seed.
func TestBIP39Vectors(t *testing.T) {
	for _, v := range []struct{ entropy, mnemonic, seed string }{
		{"00000000000000000000000000000000",
			"abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
			"c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04"},
		{"7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f",
			"legal winner thank year wave sausage worth useful legal winner thank yellow",
			"2e8905819b8723fe2c1d161860e5ee1830318dbf49a83bd451cfb8440c28bd6fa457fe1296106559a3c80937a1c1069be3a3a5bd381ee6260e8d9739fce1f607"},
		{"80808080808080808080808080808080",
			"letter advice cage absurd amount doctor acoustic avoid letter advice cage above",
			"d71de856f81a8acc65e6fc851a38d4d7ec216fd0796d0a6827a3ad6ed5511a30fa280f12eb2e47ed2ac03b5c462a0358d18d69fe4f985ec81778c1b370b652a8"},
		{"ffffffffffffffffffffffffffffffff",
			"zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo wrong",
			"ac27495480225222079d7be181583751e86f571027b0497b5b5d11218e0a8a13332572917f0f8e5a589620c6f15b11c61dee327651a14c34e18231052e48c069"},
		{"000000000000000000000000000000000000000000000000",
			"abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon agent",
			"035895f2f481b1b0f01fcf8c289c794660b289981a78f8106447707fdd9666ca06da5a9a565181599b79f53b844d8a71dd9f439c52a3d7b3e8a79c906ac845fa"},
		{"0000000000000000000000000000000000000000000000000000000000000000",
			"abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon art",
			"bda85446c68413707090a52022edd26a1c9462295029f2e60cd7c4f2bbd3097170af7a4d73245cafa9c3cca8d561a7c3de6f5d4a10be8ed2a5e608d68f92fcc8"},
		{"7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f",
			"legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth title",
			"bc09fca1804f7e69da93c2f2028eb238c227f2e9dda30cd63699232578480a4021b146ad717fbb7e451ce9eb835f43620bf5c514db0f8add49f5d121449d3e87"},
		{"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
			"zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo vote",
			"dd48c104698c30cfe2b6142103248622fb7bb0ff692eebb00089b32d22484e1613912f0a5b694407be899ffd31ed3992c456cdf60f5d4564b8ba3f05a69890ad"},
	} {
		if got := entropyToMnemonic(unhex(t, v.entropy)); got != v.mnemonic {
			t.Errorf("entropy %s: %q, want %q", v.entropy, got, v.mnemonic)
		}
		m, err := parseMnemonic(v.mnemonic)
		if err != nil || m != v.mnemonic {
			t.Errorf("parseMnemonic(%q) = %q, %v", v.mnemonic, m, err)
		}
		if got := hex.EncodeToString(bip39.NewSeed(m, "TREZOR")); got != v.seed {
			t.Errorf("seed of %q: %s, want %s", v.mnemonic, got, v.seed)
		}
	}
}

func TestNewMnemonic(t *testing.T) {
	for _, words := range []int{12, 24} {
		entropy := bytes.Repeat([]byte{0xa5}, words*4/3)
		m, err := NewMnemonic(bytes.NewReader(entropy), words)
		if err != nil {
			t.Fatal(err)
		}
		// Cross-check with go-bip39's encoder.
		want, err := bip39.NewMnemonic(entropy)
		if err != nil || m != want {
			t.Fatalf("%d words: %q, go-bip39 %q (%v)", words, m, want, err)
		}
		if err := CheckMnemonic(m); err != nil {
			t.Fatal(err)
		}
		r, err := NewMnemonic(nil, words)
		if err != nil || len(strings.Fields(r)) != words || CheckMnemonic(r) != nil {
			t.Fatalf("random %d-word mnemonic %v", words, err)
		}
		if _, err := FromMnemonic(r, "", 0); err != nil {
			t.Fatal(err)
		}
	}
	for _, words := range []int{0, 11, 15, 18, 21, 25} {
		if _, err := NewMnemonic(nil, words); !errors.Is(err, ErrBadMnemonic) {
			t.Errorf("%d words: err = %v", words, err)
		}
	}
	if _, err := NewMnemonic(bytes.NewReader(make([]byte, 5)), 12); err == nil {
		t.Error("short reader: no error")
	}
}
