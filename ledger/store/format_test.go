package store

import (
	"encoding/binary"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/anonex/anonex/ledger"
	"github.com/cockroachdb/pebble/v2"
)

// rawSet writes one key into a closed store's directory with Pebble
// itself, as another binary would.
func rawSet(t *testing.T, dir string, key, value []byte) {
	t.Helper()
	db, err := pebble.Open(dir, &pebble.Options{Logger: pebbleLogger{slog.New(slog.DiscardHandler)}})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Set(key, value, pebble.Sync); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

func rawDelete(t *testing.T, dir string, key []byte) {
	t.Helper()
	db, err := pebble.Open(dir, &pebble.Options{Logger: pebbleLogger{slog.New(slog.DiscardHandler)}})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Delete(key, pebble.Sync); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestFormatVersion(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ledger")
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Bind([]byte("net")); err != nil {
		t.Fatal(err)
	}
	if v, err := s.Format(); err != nil || v != FormatVersion {
		t.Fatalf("a new store's format: %d, %v; want %d", v, err, FormatVersion)
	}
	s.Close()

	t.Run("a store from before versions were recorded is format 1", func(t *testing.T) {
		rawDelete(t, dir, []byte{pFormat})
		s, err := Open(dir, Options{})
		if err != nil {
			t.Fatalf("an unversioned store: %v", err)
		}
		defer s.Close()
		if v, err := s.Format(); err != nil || v != 1 {
			t.Fatalf("format %d, %v; want 1 recorded", v, err)
		}
		if err := s.Bind([]byte("net")); err != nil {
			t.Fatalf("its contents: %v", err)
		}
	})

	t.Run("a newer format is refused and left as it was", func(t *testing.T) {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], FormatVersion+1)
		rawSet(t, dir, []byte{pFormat}, b[:])
		_, err := Open(dir, Options{})
		if !errors.Is(err, ErrFutureFormat) {
			t.Fatalf("opening format %d: %v; want ErrFutureFormat", FormatVersion+1, err)
		}
		for _, w := range []string{dir, "store format 2", "reads format 1 at most", "nothing was changed"} {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("the error does not say %q: %v", w, err)
			}
		}
		// Refused twice the same way: the refusal wrote nothing.
		if _, err := Open(dir, Options{}); !errors.Is(err, ErrFutureFormat) {
			t.Fatalf("the second open: %v", err)
		}
		binary.BigEndian.PutUint32(b[:], FormatVersion)
		rawSet(t, dir, []byte{pFormat}, b[:])
		s, err := Open(dir, Options{})
		if err != nil {
			t.Fatalf("back at format %d: %v", FormatVersion, err)
		}
		defer s.Close()
		if err := s.Bind([]byte("net")); err != nil {
			t.Fatalf("its contents: %v", err)
		}
	})

	t.Run("a malformed version is corruption", func(t *testing.T) {
		rawSet(t, dir, []byte{pFormat}, []byte{1})
		if _, err := Open(dir, Options{}); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("a 1-byte version: %v", err)
		}
		rawSet(t, dir, []byte{pFormat}, []byte{0, 0, 0, 0})
		if _, err := Open(dir, Options{}); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("version 0: %v", err)
		}
	})
}

// TestCheckpointWhileWriting takes checkpoints while pending records are
// being written and checks each opens as a store holding a prefix of
// what was acknowledged: everything acknowledged before it was taken.
func TestCheckpointWhileWriting(t *testing.T) {
	tmp := t.TempDir()
	s, err := Open(filepath.Join(tmp, "live"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Bind([]byte("net")); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	acked := make(chan int, 1<<16)
	done := make(chan error, 1)
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			var id ledger.Hash
			binary.BigEndian.PutUint64(id[:], uint64(i))
			if err := s.AppendPending(Pending{ID: id, Raw: []byte{byte(i)}}); err != nil {
				done <- err
				return
			}
			acked <- i
		}
	}()
	for c := range 3 {
		// Everything acknowledged so far must be in the checkpoint.
		n := len(acked)
		dir := filepath.Join(tmp, "cp", string(rune('a'+c)))
		if err := s.Checkpoint(dir); err != nil {
			t.Fatal(err)
		}
		cp, err := Open(dir, Options{})
		if err != nil {
			t.Fatalf("checkpoint %d does not open: %v", c, err)
		}
		if err := cp.Bind([]byte("net")); err != nil {
			t.Errorf("checkpoint %d: %v", c, err)
		}
		got, _, err := cp.LoadPending()
		if err != nil {
			t.Fatal(err)
		}
		cp.Close()
		if len(got) < n {
			t.Errorf("checkpoint %d holds %d pending records, %d were acknowledged before it", c, len(got), n)
		}
		if c == 0 {
			if err := s.Checkpoint(dir); err == nil {
				t.Errorf("a checkpoint over an existing directory was written")
			}
		}
	}
	close(stop)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
