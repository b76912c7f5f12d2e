package pcsctest

import "errors"

// Sentinel errors of StartDaemon. They are wrapped with the facts and the
// fix; test with errors.Is.
var (
	// ErrNotInstalled reports a missing pcscd (or vpcd driver).
	ErrNotInstalled = errors.New("pcsctest: PC/SC stack not installed")
	// ErrNotRoot reports that pcscd is not running and this process
	// cannot start it (pcscd needs root).
	ErrNotRoot = errors.New("pcsctest: pcscd must be started as root")
	// ErrNotReady reports a pcscd that did not serve both vpcd readers
	// before the deadline, or exited.
	ErrNotReady = errors.New("pcsctest: pcscd did not become ready")
)

// InstallCommand installs everything the tests of this package need.
const InstallCommand = "sudo apt-get install -y pcscd libpcsclite-dev vsmartcard-vpcd pcsc-tools opensc"
