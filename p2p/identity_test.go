package p2p

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/libp2p/go-libp2p/core/crypto"
)

func TestIdentityRoundTrip(t *testing.T) {
	checkLeaks(t)
	path := filepath.Join(t.TempDir(), "keys", "p2p.key")
	k1, err := LoadOrCreateIdentity(path)
	if err != nil {
		t.Fatal(err)
	}
	if k1.Type() != crypto.Ed25519 {
		t.Fatalf("created a %v key", k1.Type())
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", st.Mode().Perm())
	}
	raw, _ := os.ReadFile(path)
	if want, _ := crypto.MarshalPrivateKey(k1); string(raw) != string(want) {
		t.Error("file is not crypto.MarshalPrivateKey bytes")
	}
	k2, err := LoadOrCreateIdentity(path)
	if err != nil {
		t.Fatal(err)
	}
	if !k1.Equals(k2) {
		t.Fatal("reloaded key differs")
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the key", len(entries))
	}

	// The key is usable as a host identity.
	h := newHost(t, func(c *Config) { c.Identity = k2 })
	if pid, _ := crypto.MarshalPublicKey(k1.GetPublic()); len(pid) == 0 || h.ID() == "" {
		t.Fatal("no peer id")
	}
}

func TestIdentityMalformed(t *testing.T) {
	checkLeaks(t)
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.key")
	garbage := []byte("definitely not a key\n")
	if err := os.WriteFile(bad, garbage, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateIdentity(bad); !errors.Is(err, ErrBadIdentityFile) {
		t.Fatalf("malformed file: %v, want ErrBadIdentityFile", err)
	}
	if got, _ := os.ReadFile(bad); string(got) != string(garbage) {
		t.Fatal("malformed identity file was modified")
	}

	empty := filepath.Join(dir, "empty.key")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateIdentity(empty); !errors.Is(err, ErrBadIdentityFile) {
		t.Fatalf("empty file: %v, want ErrBadIdentityFile", err)
	}

	secp, _, err := crypto.GenerateSecp256k1Key(nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := crypto.MarshalPrivateKey(secp)
	wrong := filepath.Join(dir, "secp.key")
	if err := os.WriteFile(wrong, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateIdentity(wrong); !errors.Is(err, ErrIdentityType) {
		t.Fatalf("secp256k1 file: %v, want ErrIdentityType", err)
	}

	if _, err := LoadOrCreateIdentity(""); err == nil {
		t.Fatal("empty path accepted")
	}
}
