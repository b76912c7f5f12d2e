package account

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/anonex/anonex/ledger"
	"github.com/ethereum/go-ethereum/accounts/keystore"
	"github.com/ethereum/go-ethereum/common"
	gethcrypto "github.com/ethereum/go-ethereum/crypto"
	"github.com/google/uuid"
)

// Scrypt cost parameters of new keystore files (go-ethereum's constants).
const (
	// StandardScryptN and StandardScryptP: about 256 MB and 1 s to open.
	StandardScryptN = keystore.StandardScryptN
	StandardScryptP = keystore.StandardScryptP
	// LightScryptN and LightScryptP: about 4 MB and 0.1 s. Devnets and
	// tests only: a stolen light file is far cheaper to brute-force.
	LightScryptN = keystore.LightScryptN
	LightScryptP = keystore.LightScryptP
)

// Limits on key files read from disk or elsewhere: a V3 file is well under
// 1 KiB, and cost parameters beyond these would only be a denial of
// service. Scrypt needs 128·N·r bytes and time ∝ N·r·p; the standard cost
// (N = 2^18, r = 8, p = 1) is N·r·p = 2^21, so the caps allow 1 GiB and 8×
// the standard work.
const (
	maxKeyFileSize = 64 << 10
	maxScryptNR    = 1 << 23
	maxScryptNRP   = 1 << 24
	maxPBKDF2Iter  = 1 << 24
)

// EncryptKey encrypts k as an Ethereum V3 keystore JSON document (scrypt,
// aes-128-ctr, random UUID), the format of geth, ethers and MetaMask. light
// selects the light scrypt cost (devnets and tests only).
func EncryptKey(k *Key, password string, light bool) ([]byte, error) {
	id, err := uuid.NewRandom()
	if err != nil {
		return nil, fmt.Errorf("account: making a key file id: %w", err)
	}
	n, p := scryptParams(light)
	priv := k.ToECDSA()
	defer priv.D.SetInt64(0)
	out, err := keystore.EncryptKey(&keystore.Key{
		Id:         id,
		Address:    common.Address(k.Address()),
		PrivateKey: priv,
	}, password, n, p)
	if err != nil {
		return nil, fmt.Errorf("account: encrypting key %s: %w", k.Address().Hex(), err)
	}
	return out, nil
}

// scryptParams returns the scrypt N and p of new files.
func scryptParams(light bool) (n, p int) {
	if light {
		return LightScryptN, LightScryptP
	}
	return StandardScryptN, StandardScryptP
}

// keyFileHeader is the part of a V3 file readable without the password.
type keyFileHeader struct {
	Address string          `json:"address"`
	Version json.RawMessage `json:"version"`
	Crypto  struct {
		KDF       string         `json:"kdf"`
		KDFParams map[string]any `json:"kdfparams"`
	} `json:"crypto"`
}

// parseHeader reads the clear-text part of a key file: its claimed address
// (if any) and its KDF, which must be within sane cost limits.
func parseHeader(data []byte) (addr ledger.Address, hasAddr bool, err error) {
	var h keyFileHeader
	if err := json.Unmarshal(data, &h); err != nil {
		return addr, false, fmt.Errorf("%w: not a JSON key file: %v", ErrBadKeyFile, err)
	}
	if string(h.Version) != "3" {
		return addr, false, fmt.Errorf("%w: version %s, want 3", ErrBadKeyFile, orNone(string(h.Version)))
	}
	if h.Address != "" {
		a, err := parseHexAddress(h.Address)
		if err != nil {
			return addr, false, fmt.Errorf("%w: address field: %v", ErrBadKeyFile, err)
		}
		addr, hasAddr = a, true
	}
	num := func(name string) (int64, bool) {
		f, ok := h.Crypto.KDFParams[name].(float64)
		return int64(f), ok && f == float64(int64(f))
	}
	switch h.Crypto.KDF {
	case "scrypt":
		n, okN := num("n")
		r, okR := num("r")
		p, okP := num("p")
		if !okN || !okR || !okP || n < 2 || n&(n-1) != 0 || r < 1 || p < 1 ||
			n > maxScryptNR || r > maxScryptNR || n*r > maxScryptNR || p > maxScryptNRP || n*r*p > maxScryptNRP {
			return addr, false, fmt.Errorf("%w: scrypt parameters out of range (want N a power of 2, 128·N·r ≤ 1 GiB, N·r·p ≤ 2^24)", ErrBadKeyFile)
		}
	case "pbkdf2":
		c, ok := num("c")
		if !ok || c < 1 || c > maxPBKDF2Iter {
			return addr, false, fmt.Errorf("%w: pbkdf2 iteration count out of range (1 to 2^24)", ErrBadKeyFile)
		}
	default:
		return addr, false, fmt.Errorf("%w: KDF %q not supported (want scrypt or pbkdf2)", ErrBadKeyFile, h.Crypto.KDF)
	}
	return addr, hasAddr, nil
}

func orNone(s string) string {
	if s == "" {
		return "missing"
	}
	return s
}

// parseHexAddress accepts 40 hex digits with or without 0x, any case (key
// files store lower case without 0x).
func parseHexAddress(s string) (ledger.Address, error) {
	var a ledger.Address
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	if len(s) != 40 {
		return a, fmt.Errorf("%d hex digits, want 40", len(s))
	}
	if _, err := hex.Decode(a[:], []byte(s)); err != nil {
		return a, err
	}
	return a, nil
}

// DecryptKey opens a V3 keystore JSON document (geth, ethers, MetaMask,
// EncryptKey) with password. A wrong password gives ErrWrongPassword; a
// document that is not a sound V3 file, or whose address field names
// another key, gives ErrBadKeyFile.
func DecryptKey(data []byte, password string) (*Key, error) {
	claimed, hasAddr, err := parseHeader(data)
	if err != nil {
		return nil, err
	}
	gk, err := keystore.DecryptKey(data, password)
	if err != nil {
		if errors.Is(err, keystore.ErrDecrypt) {
			if hasAddr {
				return nil, fmt.Errorf("%w for %s (the key file's MAC does not match)", ErrWrongPassword, claimed.Hex())
			}
			return nil, fmt.Errorf("%w (the key file's MAC does not match)", ErrWrongPassword)
		}
		return nil, fmt.Errorf("%w: %v", ErrBadKeyFile, err)
	}
	b := gethcrypto.FromECDSA(gk.PrivateKey)
	gk.PrivateKey.D.SetInt64(0)
	k, err := FromBytes(b)
	clear(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadKeyFile, err)
	}
	if hasAddr && claimed != k.Address() {
		got := k.Address()
		k.Zero()
		return nil, fmt.Errorf("%w: file says address %s but holds the key of %s", ErrBadKeyFile, claimed.Hex(), got.Hex())
	}
	return k, nil
}

// readKeyFile reads a file of at most maxKeyFileSize bytes.
func readKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("account: reading key file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("account: reading key file %s: %w", path, err)
	}
	if len(data) > maxKeyFileSize {
		return nil, fmt.Errorf("%w: %s is larger than %d bytes", ErrBadKeyFile, path, maxKeyFileSize)
	}
	return data, nil
}

// LoadKeyFile reads and decrypts the V3 keystore file at path.
func LoadKeyFile(path, password string) (*Key, error) {
	data, err := readKeyFile(path)
	if err != nil {
		return nil, err
	}
	k, err := DecryptKey(data, password)
	if err != nil {
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	return k, nil
}
