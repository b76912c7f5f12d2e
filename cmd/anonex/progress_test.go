package main

import (
	"bytes"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/urfave/cli/v2"
)

// syncBuffer is a buffer written by one goroutine (a process's output,
// the progress line) while another reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *syncBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// withProgress runs fn as a command's action with args, progress going to
// a buffer that stands for a terminal when terminal is true.
func withProgress(t *testing.T, terminal bool, args []string, fn func(c *cli.Context)) string {
	t.Helper()
	buf := &syncBuffer{}
	old := progressTerminal
	progressTerminal = func() (io.Writer, bool) { return buf, terminal }
	defer func() { progressTerminal = old }()
	app := &cli.App{Name: "anonex", Flags: []cli.Flag{jsonFlag}, Action: func(c *cli.Context) error { fn(c); return nil }}
	if err := app.Run(append([]string{"anonex"}, args...)); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// TestProgress: on a terminal a bar (or a spinner) is drawn in place and
// cleared at the end; piped output or --json never gets a byte of it.
func TestProgress(t *testing.T) {
	work := func(total int) func(c *cli.Context) {
		return func(c *cli.Context) {
			p := startProgress(c, "importing", total)
			for i := 0; i <= 4; i++ {
				p.set(i, "")
				time.Sleep(60 * time.Millisecond)
			}
			p.stop()
			p.stop() // twice is fine
		}
	}
	out := withProgress(t, true, nil, work(4))
	if !strings.Contains(out, "\rimporting [") || !strings.Contains(out, "4/4") {
		t.Errorf("bar on a terminal: %q", out)
	}
	if last := out[strings.LastIndex(out, "\r"):]; strings.TrimSpace(last) != "" {
		t.Errorf("the line is not cleared at the end: %q", last)
	}
	for _, line := range strings.Split(out, "\r") {
		if len([]rune(line)) > maxProgressWidth+20 {
			t.Errorf("a line wider than a terminal: %q", line)
		}
	}
	out = withProgress(t, true, nil, work(0))
	if !strings.Contains(out, "\rimporting |") && !strings.Contains(out, "\rimporting /") {
		t.Errorf("spinner on a terminal: %q", out)
	}
	if out := withProgress(t, false, nil, work(4)); out != "" {
		t.Errorf("progress in piped output: %q", out)
	}
	if out := withProgress(t, true, []string{"--json"}, work(4)); out != "" {
		t.Errorf("progress with --json: %q", out)
	}
	var zero progress
	zero.set(1, "x")
	zero.stop()
}

// TestSyncProgress: a node far behind the chain shows the blocks it has
// scanned until it is caught up; a node caught up shows nothing; a log
// line clears the progress line before it is written.
func TestSyncProgress(t *testing.T) {
	var mu sync.Mutex
	scanned, head := uint64(100), uint64(5100)
	state := func() (uint64, uint64) {
		mu.Lock()
		defer mu.Unlock()
		s := scanned
		scanned = min(head, scanned+500)
		return s, head
	}
	out := withProgress(t, true, nil, func(c *cli.Context) {
		stop := showSync(c, state, 20*time.Millisecond)
		time.Sleep(150 * time.Millisecond)
		logWriter{}.Write(nil)
		time.Sleep(400 * time.Millisecond)
		stop()
	})
	if !strings.Contains(out, "\rsyncing the chain [") || !strings.Contains(out, " of 5100)") {
		t.Errorf("a node catching up: %q", out)
	}
	if last := out[strings.LastIndex(out, "\r"):]; strings.TrimSpace(last) != "" {
		t.Errorf("the line is not cleared once caught up: %q", last)
	}
	for _, line := range strings.Split(out, "\r") {
		if n := len([]rune(line)); n > maxProgressWidth {
			t.Errorf("a line of %d columns: %q", n, line)
		}
	}
	caughtUp := func() (uint64, uint64) { return 5090, 5100 }
	if out := withProgress(t, true, nil, func(c *cli.Context) {
		stop := showSync(c, caughtUp, 10*time.Millisecond)
		time.Sleep(50 * time.Millisecond)
		stop()
	}); out != "" {
		t.Errorf("a node caught up shows %q", out)
	}
}
