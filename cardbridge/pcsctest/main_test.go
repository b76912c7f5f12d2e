package pcsctest

import (
	"fmt"
	"os"
	"testing"
)

// TestMain brings up pcscd (or uses the running one) for all tests of the
// package, and stops only the pcscd it started. Without pcscd the package
// fails, with the install command.
func TestMain(m *testing.M) {
	if cfg := os.Getenv("ANONEX_TERMINAL_CHILD"); cfg != "" {
		terminalChild(cfg) // a terminal process for the kill -9 test; never returns
	}
	unlock, err := LockReaders()
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: %v\n", err)
		os.Exit(1)
	}
	stop, err := StartDaemon()
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: %v\n", err)
		os.Exit(1)
	}
	code := m.Run()
	stop()
	unlock()
	os.Exit(code)
}
