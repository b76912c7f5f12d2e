package p2p

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/libp2p/go-libp2p/core/crypto"
)

// maxIdentityFile bounds how much of an identity file is read; a marshaled
// ed25519 key is 68 bytes.
const maxIdentityFile = 4 << 10

// LoadOrCreateIdentity returns the libp2p identity key stored at path,
// creating a fresh ed25519 key there (file mode 0600, parent directories
// 0700) when the file does not exist. The file holds the key as
// crypto.MarshalPrivateKey bytes.
//
// The key is only the node's network identity: it is separate from every
// device/account key and may be deleted to rotate the peer ID.
//
// A file that exists but is not a marshaled private key yields
// ErrBadIdentityFile, and a key of another type ErrIdentityType; in both
// cases the file is left as it is, never replaced. Two processes racing to
// create the file end up with the same key.
func LoadOrCreateIdentity(path string) (crypto.PrivKey, error) {
	if path == "" {
		return nil, fmt.Errorf("%w: empty identity path", ErrBadConfig)
	}
	k, err := loadIdentity(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}

	priv, _, err := crypto.GenerateEd25519Key(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("p2p: generate identity: %w", err)
	}
	raw, err := crypto.MarshalPrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("p2p: marshal identity: %w", err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("p2p: identity directory: %w", err)
	}
	// Write a temporary file and hard-link it into place: the key file
	// appears complete or not at all, and an existing file is never
	// overwritten (Link fails with EEXIST).
	tmp, err := os.CreateTemp(dir, ".identity-*.tmp")
	if err != nil {
		return nil, fmt.Errorf("p2p: create identity: %w", err)
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName)
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("p2p: create identity: %w", err)
	}
	if _, err := tmp.Write(raw); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("p2p: write identity: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("p2p: write identity: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("p2p: write identity: %w", err)
	}
	if err := os.Link(tmpName, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			// Someone else created it meanwhile: use theirs.
			return loadIdentity(path)
		}
		return nil, fmt.Errorf("p2p: create identity: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return priv, nil
}

func loadIdentity(path string) (crypto.PrivKey, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("p2p: read identity: %w", err)
	}
	defer f.Close()
	buf, err := io.ReadAll(io.LimitReader(f, maxIdentityFile+1))
	if err != nil {
		return nil, fmt.Errorf("p2p: read identity %s: %w", path, err)
	}
	if len(buf) > maxIdentityFile {
		return nil, fmt.Errorf("%w: %s is larger than %d bytes", ErrBadIdentityFile, path, maxIdentityFile)
	}
	k, err := crypto.UnmarshalPrivateKey(buf)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v (move it away to create a new identity)", ErrBadIdentityFile, path, err)
	}
	if k.Type() != crypto.Ed25519 {
		return nil, fmt.Errorf("%w: %s holds a %v key", ErrIdentityType, path, k.Type())
	}
	return k, nil
}
