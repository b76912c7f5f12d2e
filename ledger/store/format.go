package store

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// FormatVersion is the layout of the store this binary reads and writes:
// its key prefixes and the encodings of its records. A change that an
// older binary would misread raises it (and adds a migration from the
// version before, run by Open); docs/operations.md says how to upgrade.
//
// Stores made before the version was recorded have no version key: they
// are version 1, the layout they were written in, and Open records it.
const FormatVersion = 1

// pFormat is the key of the store's format version (4 bytes, big endian).
const pFormat = 'F'

var (
	// ErrFutureFormat refuses a store written by a newer anonex in a
	// format this binary does not know: it would misread it.
	ErrFutureFormat = errors.New("store: written by a newer anonex")
	// ErrOldFormat refuses a store in a format this binary can no longer
	// migrate.
	ErrOldFormat = errors.New("store: format too old")
)

// checkFormat reads the store's format version, records it on a store
// that has none (a new store, or one made before versions were
// recorded), and refuses a version this binary does not know. It runs
// before anything else reads or writes the store.
func checkFormat(db *pebble.DB, dir string) error {
	v, closer, err := db.Get([]byte{pFormat})
	switch {
	case errors.Is(err, pebble.ErrNotFound):
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], FormatVersion)
		if err := db.Set([]byte{pFormat}, b[:], pebble.Sync); err != nil {
			return fmt.Errorf("store: record the format version: %w", err)
		}
		return nil
	case err != nil:
		return fmt.Errorf("store: read the format version: %w", err)
	}
	defer closer.Close()
	if len(v) != 4 {
		return fmt.Errorf("%w: the format version of %s is %d bytes", ErrCorrupt, dir, len(v))
	}
	got := binary.BigEndian.Uint32(v)
	switch {
	case got > FormatVersion:
		return fmt.Errorf("%w: %s is in store format %d, and this anonex reads format %d at most. "+
			"Run the anonex that wrote it (or a newer one), or start this one on the backup taken before the upgrade "+
			"(docs/operations.md, Upgrade); nothing was changed", ErrFutureFormat, dir, got, FormatVersion)
	case got < 1:
		return fmt.Errorf("%w: %s is in store format %d, which no anonex wrote", ErrCorrupt, dir, got)
	case got < FormatVersion:
		return fmt.Errorf("%w: %s is in store format %d, and this anonex migrates none below %d: "+
			"upgrade through an earlier release, or rebuild the data dir from the chain", ErrOldFormat, dir, got, FormatVersion)
	}
	return nil
}

// Format reads the store's format version.
func (s *Store) Format() (uint32, error) {
	v, err := s.get([]byte{pFormat})
	if err != nil {
		return 0, err
	}
	if len(v) != 4 {
		return 0, fmt.Errorf("%w: format version is %d bytes", ErrCorrupt, len(v))
	}
	return binary.BigEndian.Uint32(v), nil
}
