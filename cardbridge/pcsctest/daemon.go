package pcsctest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/anonex/anonex/cardbridge/pcsc"
)

// ReadyTimeout bounds the wait for pcscd's service to list both vpcd
// readers after start (service start-up, not card presence).
const ReadyTimeout = 15 * time.Second

// lockPath serializes the users of the vpcd ports across processes (test
// binaries of different packages run in parallel under go test ./...).
var lockPath = filepath.Join(os.TempDir(), "anonex-vpcd.lock")

// StartDaemon makes sure pcscd serves the two vpcd readers, and returns a
// function that undoes what it did. If a pcscd process is already running
// it is used as it is and stop leaves it alone. Otherwise StartDaemon
// starts `pcscd --foreground` (root only; `-d -a` too when
// ANONEX_PCSCD_DEBUG=1, logging to stderr), waits up to ReadyTimeout for
// the service to list "Virtual PCD 00 00" and "Virtual PCD 00 01", and stop
// terminates that process by its pid (SIGTERM, then SIGKILL after 5 s).
//
// Only one package may use the vpcd ports at a time: StartDaemon takes an
// exclusive lock (a flock on $TMPDIR/anonex-vpcd.lock), waiting while
// another process holds it, and stop releases it. Call stop exactly once,
// after the last card was removed.
func StartDaemon() (stop func(), err error) {
	unlock, err := lock()
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			unlock()
		}
	}()
	path, err := pcscdPath()
	if err != nil {
		return nil, err
	}
	if pcscdRunning() {
		if err := waitReady(time.Now().Add(ReadyTimeout), nil, nil); err != nil {
			return nil, fmt.Errorf("%w (a pcscd not started by the tests is running; restart it with vsmartcard-vpcd installed)", err)
		}
		return unlock, nil
	}
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("%w: no pcscd is running; start one: sudo %s --foreground", ErrNotRoot, path)
	}
	args := []string{"--foreground"}
	debug := os.Getenv("ANONEX_PCSCD_DEBUG") == "1"
	if debug {
		args = append(args, "-d", "-a")
	}
	cmd := exec.Command(path, args...)
	var log bytes.Buffer
	if debug {
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	} else {
		cmd.Stdout, cmd.Stderr = &log, &log
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrNotReady, path, err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	kill := func() {
		cmd.Process.Signal(syscall.SIGTERM) // its own pid only
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	}
	if err := waitReady(time.Now().Add(ReadyTimeout), exited, &log); err != nil {
		kill()
		return nil, err
	}
	return func() { kill(); unlock() }, nil
}

// pcscdPath finds pcscd (in PATH or sbin, which a non-root PATH may lack).
func pcscdPath() (string, error) {
	if p, err := exec.LookPath("pcscd"); err == nil {
		return p, nil
	}
	for _, p := range []string{"/usr/sbin/pcscd", "/sbin/pcscd", "/usr/local/sbin/pcscd"} {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w: pcscd not found; install it: %s", ErrNotInstalled, InstallCommand)
}

// pcscdRunning reports whether any process named pcscd exists.
func pcscdRunning() bool {
	comms, _ := filepath.Glob("/proc/[0-9]*/comm")
	for _, c := range comms {
		b, err := os.ReadFile(c)
		if err == nil && strings.TrimSpace(string(b)) == "pcscd" {
			return true
		}
	}
	return false
}

// waitReady polls the service (start-up only, bounded by deadline) until
// it lists both vpcd readers.
func waitReady(deadline time.Time, exited <-chan struct{}, log *bytes.Buffer) error {
	var last error
	for {
		last = ready()
		if last == nil {
			return nil
		}
		select {
		case <-exited:
			out := ""
			if log != nil {
				out = strings.TrimSpace(log.String())
			}
			return fmt.Errorf("%w: pcscd exited: %v\n%s", ErrNotReady, last, out)
		default:
		}
		if time.Now().After(deadline) {
			if errors.Is(last, pcsc.ErrNoService) && !errors.Is(last, errNoVPCD) {
				return fmt.Errorf("%w within %v: %v", ErrNotReady, ReadyTimeout, last)
			}
			return fmt.Errorf("%w within %v: %v; install the vpcd driver: %s", ErrNotReady, ReadyTimeout, last, InstallCommand)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var errNoVPCD = errors.New("pcsctest: no vpcd reader")

func ready() error {
	ctx, err := pcsc.Open()
	if err != nil {
		return err
	}
	defer ctx.Release()
	for n := range 2 {
		if _, err := ctx.VPCDReader(n); err != nil {
			return fmt.Errorf("%w: %w", errNoVPCD, err)
		}
	}
	return nil
}

// lock takes the cross-process lock of the vpcd ports.
func lock() (unlock func(), err error) {
	f, err := os.OpenFile(lockPath, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return nil, fmt.Errorf("pcsctest: lock %s: %w", lockPath, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("pcsctest: lock %s: %w", lockPath, err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
