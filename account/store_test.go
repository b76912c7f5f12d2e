package account

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anonex/anonex/account/names"
	"github.com/anonex/anonex/ledger"
	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/accounts/keystore"
	"github.com/ethereum/go-ethereum/common"
)

func anvilKey(t testing.TB, i uint32) *Key {
	t.Helper()
	k, err := FromMnemonic(testMnemonic, "", i)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func openStore(t testing.TB) *Store {
	t.Helper()
	s, err := OpenStore(filepath.Join(t.TempDir(), "keystore"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var fileNameRE = regexp.MustCompile(`^UTC--\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{9}Z--[0-9a-f]{40}$`)

func TestStoreCreateListUnlock(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	if fi, err := os.Stat(s.Dir()); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("dir mode %v, %v", fi.Mode(), err)
	}
	var made []Entry
	for i := range uint32(3) {
		e, err := s.Create(anvilKey(t, i), "pw", true)
		if err != nil {
			t.Fatal(err)
		}
		made = append(made, e)
		base := filepath.Base(e.Path)
		if !fileNameRE.MatchString(base) || !strings.HasSuffix(base, strings.ToLower(e.Address.Hex()[2:])) {
			t.Errorf("file name %s", base)
		}
		if fi, err := os.Stat(e.Path); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("file mode %v, %v", fi.Mode(), err)
		}
		if e.Name != names.Name(e.Address) {
			t.Errorf("entry name %s", e.Name)
		}
		time.Sleep(time.Millisecond) // distinct, ordered file names
	}
	// Junk is ignored.
	os.WriteFile(filepath.Join(s.Dir(), "README"), []byte("not a key"), 0o600)
	os.WriteFile(filepath.Join(s.Dir(), ".hidden"), []byte("{}"), 0o600)
	os.WriteFile(filepath.Join(s.Dir(), "other.json"), []byte(`{"version":3}`), 0o600)
	os.Mkdir(filepath.Join(s.Dir(), "sub"), 0o700)

	list, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 {
		t.Fatalf("List = %v", list)
	}
	for i := range list {
		if list[i] != made[i] {
			t.Errorf("List[%d] = %+v, want %+v", i, list[i], made[i])
		}
	}
	// Duplicate address.
	if _, err := s.Create(anvilKey(t, 1), "other", true); !errors.Is(err, ErrExists) {
		t.Fatalf("duplicate Create: %v", err)
	}
	// Find by each kind of query.
	e := made[1]
	for _, q := range []string{
		e.Address.Hex(),
		strings.ToLower(e.Address.Hex()),
		strings.ToUpper(e.Address.Hex()[2:]),
		e.Address.Hex()[:8],
		e.Address.Hex()[2:8],
		e.Name,
		strings.ToUpper(e.Name),
		"  " + e.Name + "\n",
	} {
		got, err := s.Find(q)
		if err != nil || got != e {
			t.Errorf("Find(%q) = %+v, %v; want %+v", q, got, err, e)
		}
	}
	k, err := s.Unlock(e.Name, "pw")
	if err != nil || k.Address() != e.Address {
		t.Fatalf("Unlock = %v, %v", k, err)
	}
	if _, err := s.Unlock(e.Name, "wrong"); !errors.Is(err, ErrWrongPassword) {
		t.Fatalf("wrong password: %v", err)
	}
}

// writeHeaderOnly writes a file that lists like a key file (Find does not
// decrypt), to build stores with chosen addresses cheaply.
func writeHeaderOnly(t testing.TB, dir string, a ledger.Address, tag string) string {
	t.Helper()
	path := filepath.Join(dir, fmt.Sprintf("UTC--2020-01-01T00-00-00.000000000Z--%x%s", a[:], tag))
	doc := fmt.Sprintf(`{"address":"%x","crypto":{"cipher":"aes-128-ctr","kdf":"scrypt","kdfparams":{"n":4096,"r":8,"p":6,"dklen":32,"salt":"00"},"mac":"00","ciphertext":"00","cipherparams":{"iv":"00"}},"id":"3198bc9c-6672-5ab3-d995-4942343ae5b6","version":3}`, a[:])
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func addr(t testing.TB, s string) ledger.Address {
	t.Helper()
	a, err := ledger.ParseAddress(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestStoreFind(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	a1 := addr(t, "0xabcd111111111111111111111111111111111111")
	a2 := addr(t, "0xabcd222222222222222222222222222222222222")
	a3 := addr(t, "0x1234333333333333333333333333333333333333")
	for _, a := range []ledger.Address{a1, a2, a3} {
		writeHeaderOnly(t, s.Dir(), a, "")
	}
	n1, n2, n3 := names.Name(a1), names.Name(a2), names.Name(a3)

	find := func(q string) (Entry, error) { return s.Find(q) }

	// Unique matches.
	for q, want := range map[string]ledger.Address{
		a1.Hex():                    a1,
		"abcd1":                     a1,
		"0xABCD2":                   a2,
		"1234":                      a3,
		n1:                          a1,
		n2:                          a2,
		strings.ToUpper(n3):         a3,
		n1[:len(n1)-1]:              a1, // a name prefix
		strings.Repeat("1", 0) + n3: a3,
	} {
		e, err := find(q)
		if err != nil || e.Address != want {
			t.Errorf("Find(%q) = %s, %v; want %s", q, e.Address.Hex(), err, want.Hex())
		}
	}

	// Ambiguous: a 4-digit address prefix shared by two accounts.
	_, err := find("abcd")
	var amb *AmbiguousError
	if !errors.As(err, &amb) || !errors.Is(err, ErrAmbiguous) {
		t.Fatalf("Find(abcd) = %v, want *AmbiguousError", err)
	}
	if amb.Query != "abcd" || len(amb.Candidates) != 2 {
		t.Fatalf("candidates %+v", amb.Candidates)
	}
	for _, c := range []struct {
		a ledger.Address
		n string
	}{{a1, n1}, {a2, n2}} {
		if !strings.Contains(err.Error(), c.a.Hex()) || !strings.Contains(err.Error(), c.n) {
			t.Errorf("message %q lacks %s / %s", err, c.n, c.a.Hex())
		}
	}
	if strings.Contains(err.Error(), a3.Hex()) {
		t.Errorf("message %q lists a non-candidate", err)
	}

	// Not found and bad queries.
	for _, q := range []string{"ffff", "0xffff", "zzz", "0x" + strings.Repeat("9", 40), "truly-loop-0000000"} {
		if _, err := find(q); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), q) {
			t.Errorf("Find(%q) = %v, want ErrNotFound naming the query", q, err)
		}
	}
	for _, q := range []string{"", "   ", "0x", "0xab", "0xabc", "0xabcz", "0x" + strings.Repeat("a", 41),
		"0xAbcd111111111111111111111111111111111111"} { // bad EIP-55
		if _, err := find(q); !errors.Is(err, ErrBadQuery) {
			t.Errorf("Find(%q) = %v, want ErrBadQuery", q, err)
		}
	}
	// A short hex string without 0x is only a name prefix.
	if _, err := find("abc"); !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrAmbiguous) && err != nil {
		t.Errorf("Find(abc) = %v", err)
	}
}

// Names sharing a first letter make a name prefix ambiguous; an exact name
// wins over prefixes of longer names.
func TestStoreFindNamePrefix(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	byLetter := map[byte][]ledger.Address{}
	var pair []ledger.Address
	for i := 0; pair == nil; i++ {
		var a ledger.Address
		a[0], a[1] = byte(i), byte(i>>8)
		l := names.Name(a)[0]
		byLetter[l] = append(byLetter[l], a)
		if len(byLetter[l]) == 2 {
			pair = byLetter[l]
		}
	}
	for _, a := range pair {
		writeHeaderOnly(t, s.Dir(), a, "")
	}
	_, err := s.Find(names.Name(pair[0])[:1])
	var amb *AmbiguousError
	if !errors.As(err, &amb) || len(amb.Candidates) != 2 {
		t.Fatalf("Find(first letter) = %v", err)
	}
	for _, a := range pair {
		if e, err := s.Find(names.Name(a)); err != nil || e.Address != a {
			t.Fatalf("Find(full name) = %v", err)
		}
	}
}

// "face" is a BIP-39 word and 4 hex digits: an account named face-… and one
// at 0xface… are both candidates.
func TestStoreFindWordAndHex(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	var named ledger.Address
	for i := 0; ; i++ {
		named[18], named[19] = byte(i>>8), byte(i)
		if strings.HasPrefix(names.Name(named), "face-") {
			break
		}
	}
	hexed := addr(t, "0xface000000000000000000000000000000000001")
	writeHeaderOnly(t, s.Dir(), named, "")
	writeHeaderOnly(t, s.Dir(), hexed, "")
	_, err := s.Find("face")
	var amb *AmbiguousError
	if !errors.As(err, &amb) || len(amb.Candidates) != 2 {
		t.Fatalf("Find(face) = %v", err)
	}
	if e, err := s.Find("0xface"); err != nil || e.Address != hexed {
		t.Fatalf("Find(0xface) = %v", err)
	}
	if e, err := s.Find("face-"); err != nil || e.Address != named {
		t.Fatalf("Find(face-) = %v", err)
	}
}

// The same key in two files: the lookup fails and names both files.
func TestStoreFindDuplicateFiles(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	a := addr(t, "0xabcd111111111111111111111111111111111111")
	p1 := writeHeaderOnly(t, s.Dir(), a, "")
	p2 := writeHeaderOnly(t, s.Dir(), a, ".bak")
	_, err := s.Find(a.Hex())
	var amb *AmbiguousError
	if !errors.As(err, &amb) || len(amb.Candidates) != 2 {
		t.Fatalf("Find = %v", err)
	}
	for _, p := range []string{p1, p2} {
		if !strings.Contains(err.Error(), filepath.Base(p)) {
			t.Errorf("message %q lacks %s", err, filepath.Base(p))
		}
	}
}

func TestStoreImportExport(t *testing.T) {
	t.Parallel()
	// geth writes a key file; we import it.
	gethDir := t.TempDir()
	acct, err := keystore.StoreKey(gethDir, "geth pw", keystore.LightScryptN, keystore.LightScryptP)
	if err != nil {
		t.Fatal(err)
	}
	s := openStore(t)
	if _, err := s.Import(acct.URL.Path, "bad", "new pw", true); !errors.Is(err, ErrWrongPassword) {
		t.Fatalf("Import with a wrong password: %v", err)
	}
	e, err := s.Import(acct.URL.Path, "geth pw", "new pw", true)
	if err != nil {
		t.Fatal(err)
	}
	if e.Address != ledger.Address(acct.Address) {
		t.Fatalf("imported %s, want %s", e.Address.Hex(), acct.Address.Hex())
	}
	if _, err := s.Import(acct.URL.Path, "geth pw", "new pw", true); !errors.Is(err, ErrExists) {
		t.Fatalf("second Import: %v", err)
	}
	if _, err := s.Unlock(e.Name, "geth pw"); !errors.Is(err, ErrWrongPassword) {
		t.Fatalf("old password still opens the imported key: %v", err)
	}
	k, err := s.Unlock(e.Name, "new pw")
	if err != nil || k.Address() != e.Address {
		t.Fatalf("Unlock: %v", err)
	}

	// Export writes the file unchanged; geth opens it.
	out := t.TempDir()
	if err := s.Export(e.Name, "wrong", out); !errors.Is(err, ErrWrongPassword) {
		t.Fatalf("Export with a wrong password: %v", err)
	}
	if err := s.Export(e.Name, "new pw", out); err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(out, filepath.Base(e.Path))
	orig, _ := os.ReadFile(e.Path)
	got, err := os.ReadFile(dest)
	if err != nil || string(got) != string(orig) {
		t.Fatalf("exported file differs: %v", err)
	}
	if fi, _ := os.Stat(dest); fi.Mode().Perm() != 0o600 {
		t.Errorf("exported mode %v", fi.Mode())
	}
	gk, err := keystore.DecryptKey(got, "new pw")
	if err != nil || gk.Address != acct.Address {
		t.Fatalf("geth cannot open the export: %v", err)
	}
	if err := s.Export(e.Name, "new pw", out); !errors.Is(err, ErrExists) {
		t.Fatalf("Export over an existing file: %v", err)
	}
	named := filepath.Join(out, "backup.json")
	if err := s.Export(e.Address.Hex(), "new pw", named); err != nil {
		t.Fatal(err)
	}
	if k, err := LoadKeyFile(named, "new pw"); err != nil || k.Address() != e.Address {
		t.Fatalf("LoadKeyFile(export): %v", err)
	}
	if err := s.Export("nothing-like-this", "new pw", out); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Export of a missing account: %v", err)
	}
}

// geth's KeyStore, opened on our directory, sees and unlocks our accounts;
// accounts it creates there appear in our List.
func TestStoreGethDirectoryInterop(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	e, err := s.Create(anvilKey(t, 0), "pw", true)
	if err != nil {
		t.Fatal(err)
	}
	ks := keystore.NewKeyStore(s.Dir(), keystore.LightScryptN, keystore.LightScryptP)
	a := accounts.Account{Address: common.Address(e.Address)}
	if !ks.HasAddress(a.Address) {
		t.Fatalf("geth does not see %s in %v", e.Address.Hex(), ks.Accounts())
	}
	if err := ks.Unlock(a, "pw"); err != nil {
		t.Fatalf("geth cannot unlock our file: %v", err)
	}
	g, err := ks.NewAccount("geth")
	if err != nil {
		t.Fatal(err)
	}
	found, err := s.Find(g.Address.Hex())
	if err != nil || found.Path != g.URL.Path {
		t.Fatalf("Find(geth account) = %+v, %v (geth wrote %s)", found, err, g.URL.Path)
	}
	if k, err := s.Unlock(g.Address.Hex(), "geth"); err != nil || k.Address() != ledger.Address(g.Address) {
		t.Fatalf("Unlock(geth account): %v", err)
	}
}

func TestStoreConcurrentCreate(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	k := anvilKey(t, 3)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.Create(k, "pw", true)
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, ErrExists):
			t.Fatal(err)
		}
	}
	if list, _ := s.List(); ok != 1 || len(list) != 1 {
		t.Fatalf("%d creates succeeded, %d files", ok, len(list))
	}
	// No temporary files are left behind.
	des, _ := os.ReadDir(s.Dir())
	for _, de := range des {
		if strings.HasPrefix(de.Name(), ".") {
			t.Errorf("leftover %s", de.Name())
		}
	}
}

func TestOpenStoreErrors(t *testing.T) {
	t.Parallel()
	if _, err := OpenStore(""); err == nil {
		t.Error("empty dir accepted")
	}
	f := filepath.Join(t.TempDir(), "file")
	os.WriteFile(f, nil, 0o600)
	if _, err := OpenStore(f); err == nil {
		t.Error("a file accepted as a keystore directory")
	}
}

func TestKeyFileName(t *testing.T) {
	t.Parallel()
	tm := time.Date(2024, 3, 5, 7, 8, 9, 12345, time.FixedZone("X", 3600))
	a := addr(t, "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266")
	if got := keyFileName(tm, a); got != "UTC--2024-03-05T06-08-09.000012345Z--f39fd6e51aad88f6f4ce6ab8827279cfffb92266" {
		t.Fatal(got)
	}
}
