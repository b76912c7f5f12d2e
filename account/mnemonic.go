package account

import (
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	"strings"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/cosmos/go-bip39"
	"golang.org/x/text/unicode/norm"
)

// wordIndex maps each word of the English BIP-39 list to its position.
var wordIndex = func() map[string]int {
	m := make(map[string]int, len(bip39.EnglishWordList))
	for i, w := range bip39.EnglishWordList {
		m[w] = i
	}
	return m
}()

// NewMnemonic returns a new English BIP-39 mnemonic of 12 words (128 bits
// of entropy) or 24 words (256 bits), reading entropy from r
// (crypto/rand.Reader when r is nil).
func NewMnemonic(r io.Reader, words int) (string, error) {
	if words != 12 && words != 24 {
		return "", fmt.Errorf("%w: %d words requested, want 12 or 24", ErrBadMnemonic, words)
	}
	if r == nil {
		r = rand.Reader
	}
	entropy := make([]byte, words*4/3)
	defer clear(entropy)
	if _, err := io.ReadFull(r, entropy); err != nil {
		return "", fmt.Errorf("account: reading randomness for a mnemonic: %w", err)
	}
	return entropyToMnemonic(entropy), nil
}

// entropyToMnemonic encodes 16 to 32 bytes (a multiple of 4) of entropy:
// ENT bits then the first ENT/32 bits of sha256(entropy), 11 bits a word.
func entropyToMnemonic(entropy []byte) string {
	sum := sha256.Sum256(entropy)
	n := (len(entropy)*8 + len(entropy)/4) / 11
	buf := append(append([]byte{}, entropy...), sum[0]) // checksum ≤ 8 bits
	defer clear(buf)
	words := make([]string, n)
	for w := range n {
		idx := 0
		for b := w * 11; b < w*11+11; b++ {
			idx = idx<<1 | int(buf[b/8]>>(7-b%8)&1)
		}
		words[w] = bip39.EnglishWordList[idx]
	}
	return strings.Join(words, " ")
}

// parseMnemonic checks a phrase and returns its canonical form: NFKD,
// lower case, words separated by single spaces. Errors name the position of
// a bad word, never the word itself (the phrase is a secret).
func parseMnemonic(mnemonic string) (string, error) {
	words := strings.Fields(strings.ToLower(norm.NFKD.String(mnemonic)))
	switch len(words) {
	case 12, 15, 18, 21, 24:
	default:
		return "", fmt.Errorf("%w: %d words, want 12, 15, 18, 21 or 24", ErrBadMnemonic, len(words))
	}
	var buf [33]byte // 24 words × 11 bits = 264 bits
	for w, word := range words {
		idx, ok := wordIndex[word]
		if !ok {
			return "", fmt.Errorf("%w: word %d is not in the English BIP-39 word list", ErrBadMnemonic, w+1)
		}
		for j := range 11 {
			if idx>>(10-j)&1 == 1 {
				b := w*11 + j
				buf[b/8] |= 1 << (7 - b%8)
			}
		}
	}
	defer clear(buf[:])
	entBytes := len(words) * 11 * 32 / 33 / 8
	csBits := entBytes / 4
	sum := sha256.Sum256(buf[:entBytes])
	mask := byte(0xff) << (8 - csBits)
	if buf[entBytes]&mask != sum[0]&mask {
		return "", fmt.Errorf("%w: checksum mismatch (a word is wrong or out of order)", ErrBadMnemonic)
	}
	return strings.Join(words, " "), nil
}

// CheckMnemonic reports whether mnemonic is a valid English BIP-39 phrase
// (12 to 24 words, case and spacing ignored), with the reason if not.
func CheckMnemonic(mnemonic string) error {
	_, err := parseMnemonic(mnemonic)
	return err
}

// BIP44Path returns the derivation path of account index:
// m/44'/60'/0'/0/index, as MetaMask, ethers, hardhat and anvil use.
func BIP44Path(index uint32) []uint32 {
	return []uint32{44 + Hardened, 60 + Hardened, 0 + Hardened, 0, index}
}

// FromMnemonic derives the key at m/44'/60'/0'/0/index from an English
// BIP-39 mnemonic and optional passphrase (both NFKD-normalized, as BIP-39
// requires; the words are also lower-cased and their spacing ignored).
// index must be below 2^31 (a normal, non-hardened index).
func FromMnemonic(mnemonic, passphrase string, index uint32) (*Key, error) {
	if index >= Hardened {
		return nil, fmt.Errorf("%w: index %d is not below 2^31", ErrDerivation, index)
	}
	m, err := parseMnemonic(mnemonic)
	if err != nil {
		return nil, err
	}
	seed := bip39.NewSeed(m, norm.NFKD.String(passphrase))
	defer clear(seed)
	x, err := derive(seed, BIP44Path(index))
	if err != nil {
		return nil, fmt.Errorf("%w (path %s)", err, pathString(BIP44Path(index)))
	}
	defer x.zero()
	d := x.key
	return newKey(btcec.PrivKeyFromScalar(&d)), nil
}
