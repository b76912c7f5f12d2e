package pcsctest

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// LockReaders takes a machine-wide lock on the virtual readers: vpcd's two
// readers (TCP 35963/35964) and the pcscd they hang off are one resource
// for the whole machine, and `go test ./...` runs test binaries side by
// side. Every test binary that puts cards in those readers (this package,
// and the devnet's cards in cmd/anonex) holds it for its whole run, so two
// never insert cards into the same reader. unlock releases it.
func LockReaders() (unlock func(), err error) {
	path := filepath.Join(os.TempDir(), "anonex-vpcd-readers.lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("pcsctest: reader lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("pcsctest: reader lock: %w", err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// Readers gives a test the virtual readers for its run: the readers' lock
// (LockReaders), then pcscd with vpcd's readers (StartDaemon), both
// released when the test ends; it fails the test when either cannot be
// had.
func Readers(t testing.TB) {
	t.Helper()
	unlock, err := LockReaders()
	if err != nil {
		t.Fatal(err)
	}
	stop, err := StartDaemon()
	if err != nil {
		unlock()
		t.Fatal(err)
	}
	t.Cleanup(func() { stop(); unlock() })
}
