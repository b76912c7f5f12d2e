package account

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/anonex/anonex/account/names"
	"github.com/anonex/anonex/ledger"
)

// Entry is one account of a Store: its address, its name and the path of
// its key file.
type Entry struct {
	Address ledger.Address
	Name    string
	Path    string
}

// Store is a directory of V3 keystore files laid out like geth's keystore:
// one file per key, named UTC--<time>--<address hex>, mode 0600, in a 0700
// directory. geth can use the directory as its --keystore and vice versa.
// A Store is safe for concurrent use within one process.
type Store struct {
	dir string
	mu  sync.Mutex // serializes Create and Import (duplicate check + write)
}

// OpenStore opens the keystore directory dir, creating it (mode 0700) if
// it does not exist.
func OpenStore(dir string) (*Store, error) {
	if dir == "" {
		return nil, errors.New("account: empty keystore directory path")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("account: keystore directory: %w", err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("account: keystore directory: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("account: keystore %s is not a directory", dir)
	}
	return &Store{dir: dir}, nil
}

// Dir returns the keystore directory.
func (s *Store) Dir() string { return s.dir }

// List returns the accounts of the store, ordered by file name (so, for
// files made here or by geth, by creation time). The address comes from
// each file's clear-text address field; files that are not V3 keystore
// files with an address (hidden files, editor backups, other JSON) are
// skipped, as geth skips them.
func (s *Store) List() ([]Entry, error) {
	des, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("account: listing keystore: %w", err)
	}
	var out []Entry
	for _, de := range des {
		name := de.Name()
		if strings.HasPrefix(name, ".") || strings.HasSuffix(name, "~") || !de.Type().IsRegular() {
			continue
		}
		path := filepath.Join(s.dir, name)
		data, err := readKeyFile(path)
		if err != nil {
			continue
		}
		addr, ok, err := parseHeader(data)
		if err != nil || !ok {
			continue
		}
		out = append(out, Entry{Address: addr, Name: names.Name(addr), Path: path})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// AmbiguousError is returned by Find when a query matches more than one
// account. Its message lists every candidate; errors.Is(err, ErrAmbiguous).
type AmbiguousError struct {
	Query      string
	Candidates []Entry
}

func (e *AmbiguousError) Error() string {
	dup := map[ledger.Address]int{}
	for _, c := range e.Candidates {
		dup[c.Address]++
	}
	var b strings.Builder
	fmt.Fprintf(&b, "account: %q matches %d accounts:", e.Query, len(e.Candidates))
	for i, c := range e.Candidates {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, " %s (%s)", c.Name, c.Address.Hex())
		if dup[c.Address] > 1 {
			fmt.Fprintf(&b, " in %s", filepath.Base(c.Path))
		}
	}
	b.WriteString("; give more of the name or the full address")
	return b.String()
}

// Is makes errors.Is(err, ErrAmbiguous) true.
func (e *AmbiguousError) Is(target error) bool { return target == ErrAmbiguous }

// minHexPrefix is the shortest address prefix Find accepts.
const minHexPrefix = 4

// Find returns the one account named by query, which is any of:
//   - a full address (0x and 40 hex digits; mixed case must pass EIP-55),
//   - a full name ("truly-loop-43985c7"),
//   - a prefix of a name ("truly-lo"),
//   - a prefix of the address hex of at least 4 digits, with or without 0x.
//
// Case is ignored except for the EIP-55 check. An exact address or name
// wins over prefixes. A query can be both a name prefix and an address
// prefix ("face", "fade" are words and hex): accounts matching either way
// are candidates. When more than one account matches, Find returns an
// *AmbiguousError listing them; when none does, an error wrapping
// ErrNotFound.
func (s *Store) Find(query string) (Entry, error) {
	q := strings.TrimSpace(query)
	if q == "" {
		return Entry{}, fmt.Errorf("%w: empty query", ErrBadQuery)
	}
	lq := strings.ToLower(q)
	hexq, has0x := strings.CutPrefix(lq, "0x")
	isHex := isHexString(hexq) && len(hexq) <= 40
	if has0x && (!isHex || len(hexq) < minHexPrefix) {
		return Entry{}, fmt.Errorf("%w: %q: an address prefix needs %d to 40 hex digits after 0x", ErrBadQuery, q, minHexPrefix)
	}
	var full *ledger.Address
	if has0x && len(hexq) == 40 {
		a, err := ledger.ParseAddress(q) // EIP-55 check of mixed case
		if err != nil {
			return Entry{}, fmt.Errorf("%w: %v", ErrBadQuery, err)
		}
		full = &a
	}
	entries, err := s.List()
	if err != nil {
		return Entry{}, err
	}
	var exact, prefix []Entry
	for _, e := range entries {
		addrHex := hex.EncodeToString(e.Address[:])
		switch {
		case full != nil && e.Address == *full, e.Name == lq, isHex && len(hexq) == 40 && addrHex == hexq:
			exact = append(exact, e)
		case strings.HasPrefix(e.Name, lq), isHex && len(hexq) >= minHexPrefix && strings.HasPrefix(addrHex, hexq):
			prefix = append(prefix, e)
		}
	}
	matches := exact
	if len(matches) == 0 {
		matches = prefix
	}
	switch len(matches) {
	case 0:
		return Entry{}, fmt.Errorf("%w: nothing in %s matches %q", ErrNotFound, s.dir, q)
	case 1:
		return matches[0], nil
	default:
		return Entry{}, &AmbiguousError{Query: q, Candidates: matches}
	}
}

func isHexString(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return s != ""
}

// Create encrypts k with password and stores it as a new key file. It
// fails with ErrExists when the store already holds that address.
func (s *Store) Create(k *Key, password string, light bool) (Entry, error) {
	data, err := EncryptKey(k, password, light)
	if err != nil {
		return Entry{}, err
	}
	return s.add(k.Address(), data)
}

// Import reads the V3 key file at path (from geth, ethers, MetaMask…),
// opens it with password and stores the key re-encrypted with newPassword
// (light or standard scrypt cost). It fails with ErrExists when the store
// already holds that address.
func (s *Store) Import(path, password, newPassword string, light bool) (Entry, error) {
	k, err := LoadKeyFile(path, password)
	if err != nil {
		return Entry{}, err
	}
	defer k.Zero()
	if e, ok, err := s.lookup(k.Address()); err != nil {
		return Entry{}, err
	} else if ok {
		return Entry{}, fmt.Errorf("%w: %s (%s) is already in %s", ErrExists, e.Name, e.Address.Hex(), e.Path)
	}
	return s.Create(k, newPassword, light)
}

// Export writes the key file of the account named by query to dest,
// byte for byte (still encrypted, readable by geth and ethers), after
// checking that password opens it. dest may be an existing directory, in
// which case the file keeps its name there. Export never overwrites a file
// (ErrExists).
func (s *Store) Export(query, password, dest string) error {
	e, err := s.Find(query)
	if err != nil {
		return err
	}
	data, err := readKeyFile(e.Path)
	if err != nil {
		return err
	}
	k, err := DecryptKey(data, password)
	if err != nil {
		return fmt.Errorf("%w (file %s)", err, e.Path)
	}
	k.Zero()
	if fi, err := os.Stat(dest); err == nil && fi.IsDir() {
		dest = filepath.Join(dest, filepath.Base(e.Path))
	}
	f, err := os.OpenFile(dest, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%w: %s (not overwritten)", ErrExists, dest)
		}
		return fmt.Errorf("account: exporting %s: %w", e.Address.Hex(), err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(dest)
		return fmt.Errorf("account: exporting %s: %w", e.Address.Hex(), err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(dest)
		return fmt.Errorf("account: exporting %s: %w", e.Address.Hex(), err)
	}
	if err := f.Close(); err != nil {
		os.Remove(dest)
		return fmt.Errorf("account: exporting %s: %w", e.Address.Hex(), err)
	}
	return nil
}

// Unlock decrypts the key of the account named by query (see Find).
func (s *Store) Unlock(query, password string) (*Key, error) {
	e, err := s.Find(query)
	if err != nil {
		return nil, err
	}
	k, err := LoadKeyFile(e.Path, password)
	if err != nil {
		return nil, err
	}
	if k.Address() != e.Address {
		got := k.Address()
		k.Zero()
		return nil, fmt.Errorf("%w: %s holds %s, not %s", ErrBadKeyFile, e.Path, got.Hex(), e.Address.Hex())
	}
	return k, nil
}

// lookup returns the entry with address a, if any.
func (s *Store) lookup(a ledger.Address) (Entry, bool, error) {
	entries, err := s.List()
	if err != nil {
		return Entry{}, false, err
	}
	for _, e := range entries {
		if e.Address == a {
			return e, true, nil
		}
	}
	return Entry{}, false, nil
}

// add writes a new key file for address a: atomically (a hidden 0600
// temporary file, synced, renamed into place, directory synced).
func (s *Store) add(a ledger.Address, data []byte) (Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok, err := s.lookup(a); err != nil {
		return Entry{}, err
	} else if ok {
		return Entry{}, fmt.Errorf("%w: %s (%s) is already in %s", ErrExists, e.Name, e.Address.Hex(), e.Path)
	}
	path := filepath.Join(s.dir, keyFileName(time.Now(), a))
	if err := writeFileAtomic(path, data); err != nil {
		return Entry{}, fmt.Errorf("account: storing key %s: %w", a.Hex(), err)
	}
	return Entry{Address: a, Name: names.Name(a), Path: path}, nil
}

// keyFileName is geth's key file name: UTC--<ISO 8601 with '-' for ':'>--<hex>.
func keyFileName(t time.Time, a ledger.Address) string {
	t = t.UTC()
	return fmt.Sprintf("UTC--%04d-%02d-%02dT%02d-%02d-%02d.%09dZ--%s",
		t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(),
		hex.EncodeToString(a[:]))
}

func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp") // mode 0600
	if err != nil {
		return err
	}
	tmp := f.Name()
	fail := func(err error) error {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Chmod(0o600); err != nil {
		return fail(err)
	}
	if _, err := f.Write(data); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync() // best effort: not every platform can sync a directory
		d.Close()
	}
	return nil
}
