package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

func ioctl(fd, req, arg uintptr) error {
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, fd, req, arg); e != 0 {
		return e
	}
	return nil
}

// openPTY opens a pseudo-terminal: what the test writes to master is typed
// at slave, and master reads what the terminal would show.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("opening a pseudo-terminal (every Linux machine this runs on has /dev/ptmx): %v", err)
	}
	var unlock int32
	var n uint32
	if err := ioctl(m.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); err != nil {
		t.Fatal(err)
	}
	if err := ioctl(m.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(); s.Close() })
	return m, s
}

func echoOn(t *testing.T, f *os.File) bool {
	var tio syscall.Termios
	if err := ioctl(f.Fd(), syscall.TCGETS, uintptr(unsafe.Pointer(&tio))); err != nil {
		t.Fatal(err)
	}
	return tio.Lflag&syscall.ECHO != 0
}

// screen collects what a terminal shows.
type screen struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *screen) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

func watch(m *os.File) *screen {
	sc := &screen{}
	go func() {
		b := make([]byte, 256)
		for {
			n, err := m.Read(b)
			sc.mu.Lock()
			sc.buf.Write(b[:n])
			sc.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	return sc
}

// typeSecret waits for the prompt to show and for echo to be off, then
// types line. A prompt that never turns echo off fails the test: the
// secret would show on screen.
func typeSecret(t *testing.T, m, s *os.File, sc *screen, promptText, line string, nth int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for strings.Count(sc.String(), promptText) < nth || echoOn(t, s) {
		if time.Now().After(deadline) {
			t.Fatalf("no prompt %q with echo off (echo on: %v); the terminal shows:\n%s", promptText, echoOn(t, s), sc.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, err := m.Write([]byte(line + "\r")); err != nil {
		t.Fatal(err)
	}
}

// runOnTerminal starts anonex with stdin and stderr on a pseudo-terminal.
func runOnTerminal(t *testing.T, args ...string) (cmd *exec.Cmd, m, s *os.File, sc *screen, stdout *bytes.Buffer) {
	t.Helper()
	m, s = openPTY(t)
	sc = watch(m)
	cmd = anonex(args...)
	cmd.Env = append(cmd.Env, "ANONEX_PASSWORD=")
	stdout = &bytes.Buffer{}
	cmd.Stdin, cmd.Stderr, cmd.Stdout = s, s, stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, m, s, sc, stdout
}

// TestAttackShoulderSurfingNewPassword: `account new` at a terminal reads
// the password with echo off, asks for it twice, and writes the key file
// only when both agree; nothing typed ever shows on the screen.
func TestAttackShoulderSurfingNewPassword(t *testing.T) {
	for _, tc := range []struct {
		name, first, second string
		ok                  bool
	}{
		{"same twice", "hunter2-secret", "hunter2-secret", true},
		{"mismatch", "hunter2-secret", "hunter3-secret", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ks := filepath.Join(t.TempDir(), "ks")
			cmd, m, s, sc, stdout := runOnTerminal(t, "account", "new", "--keystore", ks, "--light", "--json")
			typeSecret(t, m, s, sc, "password for the new key file: ", tc.first, 1)
			typeSecret(t, m, s, sc, "the same password again: ", tc.second, 1)
			err := cmd.Wait()
			time.Sleep(50 * time.Millisecond) // let the screen catch up
			shown := sc.String()
			for _, secret := range []string{tc.first, tc.second} {
				if strings.Contains(shown, secret) {
					t.Errorf("the password shows on the terminal:\n%s", shown)
				}
			}
			files, _ := os.ReadDir(ks)
			if tc.ok {
				if err != nil || !strings.Contains(stdout.String(), `"address"`) || len(files) != 1 {
					t.Fatalf("account new: %v, %d key files\n%s%s", err, len(files), stdout.String(), shown)
				}
				return
			}
			if err == nil || !strings.Contains(shown, "differ") || len(files) != 0 {
				t.Fatalf("mismatched passwords: %v, %d key files\n%s", err, len(files), shown)
			}
		})
	}
}

// TestAttackShoulderSurfingPIN: the PIN prompt reads with echo off, and a
// malformed PIN (5 digits) is refused and asked again before anything
// reaches the card.
func TestAttackShoulderSurfingPIN(t *testing.T) {
	m, s := openPTY(t)
	sc := watch(m)
	oldIn, oldLines, oldErr := os.Stdin, stdinLines, os.Stderr
	os.Stdin, stdinLines, os.Stderr = s, bufio.NewReader(s), s
	defer func() { os.Stdin, stdinLines, os.Stderr = oldIn, oldLines, oldErr }()
	type result struct {
		pin string
		err error
	}
	done := make(chan result, 1)
	go func() {
		pin, err := readPIN("PIN: ")
		done <- result{pin, err}
	}()
	typeSecret(t, m, s, sc, "PIN: ", "12345", 1)
	typeSecret(t, m, s, sc, "PIN: ", "246813", 2)
	var r result
	select {
	case r = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("readPIN never returned")
	}
	if r.err != nil || r.pin != "246813" {
		t.Fatalf("readPIN: %q, %v", r.pin, r.err)
	}
	time.Sleep(50 * time.Millisecond)
	shown := sc.String()
	if strings.Contains(shown, "12345") || strings.Contains(shown, "246813") {
		t.Errorf("the PIN shows on the terminal:\n%s", shown)
	}
	if !strings.Contains(shown, "6 to 12 digits") {
		t.Errorf("the malformed PIN was not refused:\n%s", shown)
	}
}
