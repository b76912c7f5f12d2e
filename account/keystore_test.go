package account

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/keystore"
	"github.com/ethereum/go-ethereum/common"
	gethcrypto "github.com/ethereum/go-ethereum/crypto"
)

// Our files open in go-ethereum and hold only the standard V3 fields.
func TestEncryptKeyGethReads(t *testing.T) {
	t.Parallel()
	k := mustKey(t, hardhat0Key)
	data, err := EncryptKey(k, "pw", true)
	if err != nil {
		t.Fatal(err)
	}
	gk, err := keystore.DecryptKey(data, "pw")
	if err != nil {
		t.Fatal(err)
	}
	if gk.Address != common.Address(k.Address()) || gethcrypto.PubkeyToAddress(gk.PrivateKey.PublicKey) != gk.Address {
		t.Fatalf("geth reads %s", gk.Address.Hex())
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for f := range m {
		keys = append(keys, f)
	}
	sort.Strings(keys)
	if got := strings.Join(keys, ","); got != "address,crypto,id,version" {
		t.Fatalf("key file fields %s, want only address,crypto,id,version", got)
	}
	var c struct {
		Crypto struct {
			Cipher    string         `json:"cipher"`
			KDF       string         `json:"kdf"`
			KDFParams map[string]any `json:"kdfparams"`
		} `json:"crypto"`
	}
	json.Unmarshal(data, &c)
	if c.Crypto.Cipher != "aes-128-ctr" || c.Crypto.KDF != "scrypt" || c.Crypto.KDFParams["n"] != float64(LightScryptN) {
		t.Fatalf("crypto section %+v", c.Crypto)
	}
	// Two encryptions differ (salt, IV, id) and both open.
	again, _ := EncryptKey(k, "pw", true)
	if string(again) == string(data) {
		t.Fatal("two encryptions are identical")
	}
	if k2, err := DecryptKey(again, "pw"); err != nil || k2.Address() != k.Address() {
		t.Fatal(err)
	}
}

// go-ethereum's files (keystore.StoreKey, KeyStore.NewAccount) open here.
func TestDecryptKeyGethWrote(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	acct, err := keystore.StoreKey(dir, "geth pw", keystore.LightScryptN, keystore.LightScryptP)
	if err != nil {
		t.Fatal(err)
	}
	k, err := LoadKeyFile(acct.URL.Path, "geth pw")
	if err != nil {
		t.Fatal(err)
	}
	if k.Address() != [20]byte(acct.Address) {
		t.Fatalf("we read %s, geth wrote %s", k.Address().Hex(), acct.Address.Hex())
	}
	// And geth's EncryptKey of a known key.
	priv, _ := gethcrypto.HexToECDSA(hardhat0Key)
	data, err := keystore.EncryptKey(&keystore.Key{Address: gethcrypto.PubkeyToAddress(priv.PublicKey), PrivateKey: priv}, "x", keystore.LightScryptN, keystore.LightScryptP)
	if err != nil {
		t.Fatal(err)
	}
	k, err = DecryptKey(data, "x")
	if err != nil || k.Address().Hex() != "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266" {
		t.Fatalf("DecryptKey = %v, %v", k, err)
	}
}

// The V3 test vector of the Web3 Secret Storage definition (go-ethereum's
// testdata/v3_test_vector.json, "wikipage_test_vector_scrypt"), which uses
// N = 262144: it takes about a second.
func TestDecryptKeySpecVector(t *testing.T) {
	t.Parallel()
	const doc = `{"crypto":{"cipher":"aes-128-ctr","cipherparams":{"iv":"83dbcc02d8ccb40e466191a123791e0e"},"ciphertext":"d172bf743a674da9cdad04534d56926ef8358534d458fffccd4e6ad2fbde479c","kdf":"scrypt","kdfparams":{"dklen":32,"n":262144,"r":1,"p":8,"salt":"ab0c7876052600dd703518d6fc3fe8984592145b591fc8fb5c6d43190334ba19"},"mac":"2103ac29920d71da29f15d75b4a16dbe95cfd7ff8faea1056c33131d846e3097"},"id":"3198bc9c-6672-5ab3-d995-4942343ae5b6","version":3}`
	k, err := DecryptKey([]byte(doc), "testpassword")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.ToLower(strings.TrimPrefix(hexKey(k), "0x")); got != "7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d" {
		t.Fatalf("key %s", got)
	}
}

func hexKey(k *Key) string { return common.Bytes2Hex(k.Bytes()) }

func TestDecryptKeyWrongPassword(t *testing.T) {
	t.Parallel()
	k := mustKey(t, hardhat0Key)
	data, _ := EncryptKey(k, "right", true)
	_, err := DecryptKey(data, "wrong")
	if !errors.Is(err, ErrWrongPassword) {
		t.Fatalf("err = %v, want ErrWrongPassword", err)
	}
	if !strings.Contains(err.Error(), k.Address().Hex()) || strings.Contains(err.Error(), "wrong\"") {
		t.Fatalf("message %q", err)
	}
	path := filepath.Join(t.TempDir(), "k.json")
	os.WriteFile(path, data, 0o600)
	if _, err := LoadKeyFile(path, "wrong"); !errors.Is(err, ErrWrongPassword) || !strings.Contains(err.Error(), path) {
		t.Fatalf("LoadKeyFile: %v", err)
	}
}

func TestDecryptKeyBadFiles(t *testing.T) {
	t.Parallel()
	k := mustKey(t, hardhat0Key)
	good, _ := EncryptKey(k, "pw", true)
	edit := func(f func(m map[string]any)) []byte {
		var m map[string]any
		json.Unmarshal(good, &m)
		f(m)
		b, _ := json.Marshal(m)
		return b
	}
	kdf := func(m map[string]any) map[string]any {
		return m["crypto"].(map[string]any)["kdfparams"].(map[string]any)
	}
	for name, data := range map[string][]byte{
		"not json":      []byte("hello"),
		"empty object":  []byte("{}"),
		"version 1":     edit(func(m map[string]any) { m["version"] = "1" }),
		"version 4":     edit(func(m map[string]any) { m["version"] = 4 }),
		"other address": edit(func(m map[string]any) { m["address"] = "70997970c51812dc3a010c7d01b50e0d17dc79c8" }),
		"bad address":   edit(func(m map[string]any) { m["address"] = "xyz" }),
		"huge N":        edit(func(m map[string]any) { kdf(m)["n"] = float64(1 << 30) }),
		"N not pow2":    edit(func(m map[string]any) { kdf(m)["n"] = float64(4097) }),
		"huge p":        edit(func(m map[string]any) { kdf(m)["p"] = float64(1 << 40) }),
		"no kdf params": edit(func(m map[string]any) { delete(m["crypto"].(map[string]any), "kdfparams") }),
		"kdf argon":     edit(func(m map[string]any) { m["crypto"].(map[string]any)["kdf"] = "argon2" }),
		"bad cipher":    edit(func(m map[string]any) { m["crypto"].(map[string]any)["cipher"] = "aes-256-gcm" }),
		"bad id":        edit(func(m map[string]any) { m["id"] = "nope" }),
	} {
		_, err := DecryptKey(data, "pw")
		if !errors.Is(err, ErrBadKeyFile) {
			t.Errorf("%s: err = %v, want ErrBadKeyFile", name, err)
		}
	}
	// A file with no address field is fine (ethers can omit it).
	noAddr := edit(func(m map[string]any) { delete(m, "address") })
	if k2, err := DecryptKey(noAddr, "pw"); err != nil || k2.Address() != k.Address() {
		t.Errorf("no address: %v", err)
	}
	if _, err := DecryptKey(noAddr, "bad"); !errors.Is(err, ErrWrongPassword) {
		t.Errorf("no address, wrong password: %v", err)
	}
	// Oversized files are refused before parsing.
	path := filepath.Join(t.TempDir(), "big")
	os.WriteFile(path, make([]byte, maxKeyFileSize+1), 0o600)
	if _, err := LoadKeyFile(path, "pw"); !errors.Is(err, ErrBadKeyFile) {
		t.Errorf("big file: %v", err)
	}
	if _, err := LoadKeyFile(filepath.Join(t.TempDir(), "missing"), "pw"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// The standard cost is geth's (N = 2^18, p = 1); a full round trip at that
// cost takes seconds, so only the parameter choice is tested here (the
// spec vector above decrypts at N = 2^18).
func TestScryptParams(t *testing.T) {
	if n, p := scryptParams(false); n != 1<<18 || p != 1 {
		t.Fatalf("standard N, p = %d, %d", n, p)
	}
	if n, p := scryptParams(true); n != 1<<12 || p != 6 {
		t.Fatalf("light N, p = %d, %d", n, p)
	}
}
