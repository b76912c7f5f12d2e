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
				p.set(i, "key-"+string(rune('a'+i)))
				time.Sleep(60 * time.Millisecond)
			}
			p.stop()
			p.stop() // twice is fine
		}
	}
	out := withProgress(t, true, nil, work(4))
	if !strings.Contains(out, "\rimporting [") || !strings.Contains(out, "4/4") || !strings.Contains(out, "(key-") {
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
