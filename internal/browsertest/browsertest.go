// Package browsertest starts Debian's Chromium for the browser tests
// (chromedp): headless, without a sandbox (tests run as root), in a fresh
// profile, with nothing of its own on the network; it collects what the
// page reports as errors, and keeps screenshots as test artifacts.
package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Start starts Debian's Chromium, headless, without a sandbox, in a
// fresh profile, and collects
// every console error, uncaught exception and error the browser logs (a
// resource that failed to load, a CSP refusal) into the returned console.
func Start(t *testing.T, ctx context.Context) (context.Context, *Console) {
	t.Helper()
	exe, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("chromium is not installed (make test installs it: apt-get install -y chromium)")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
	}
	actx, cancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancel)
	bctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	c := &Console{}
	if err := chromedp.Listen(bctx, c.listen); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(bctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, log.Enable, cdp.Empty{})
		return err
	})); err != nil {
		t.Fatal(err)
	}
	return bctx, c
}

// Console is what a page said was wrong.
type Console struct {
	mu     sync.Mutex
	errors []string
}

func (c *Console) listen(ev any) {
	var msg string
	switch e := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if e.Type == runtime.ConsoleAPICalledTypeError {
			var args []string
			for _, a := range e.Args {
				args = append(args, string(a.Value)+a.Description)
			}
			msg = "console.error: " + strings.Join(args, " ")
		}
	case *runtime.EventExceptionThrown:
		msg = "exception: " + e.ExceptionDetails.Text
		if e.ExceptionDetails.Exception != nil {
			msg += " " + e.ExceptionDetails.Exception.Description
		}
	case *log.EventEntryAdded:
		if e.Entry.Level == log.EntryLevelError {
			msg = fmt.Sprintf("log (%s): %s %s", e.Entry.Source, e.Entry.Text, e.Entry.URL)
		}
	}
	if msg != "" {
		c.mu.Lock()
		c.errors = append(c.errors, msg)
		c.mu.Unlock()
	}
}

// Check fails the test with every error said since the last check.
func (c *Console) Check(t *testing.T, when string) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.errors) > 0 {
		t.Errorf("%s: console errors: %q", when, c.errors)
		c.errors = nil
	}
}

// CheckExpecting is Check for a step whose refusals the page handles:
// the browser logs a failed request as an error even when the page shows
// the refusal as it should. Each of expected (part of an error's text,
// such as the refused URL) must have been said; anything else fails.
func (c *Console) CheckExpecting(t *testing.T, when string, expected ...string) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	seen := make([]bool, len(expected))
	var other []string
	for _, e := range c.errors {
		known := false
		for i, x := range expected {
			if strings.Contains(e, x) {
				seen[i], known = true, true
			}
		}
		if !known {
			other = append(other, e)
		}
	}
	for i, x := range expected {
		if !seen[i] {
			t.Errorf("%s: the browser said no error about %q", when, x)
		}
	}
	if len(other) > 0 {
		t.Errorf("%s: console errors: %q", when, other)
	}
	c.errors = nil
}

// Artifact keeps a screenshot: in $ANONEX_ARTIFACTS when set (make test
// sets it), else in the test's temporary directory (named in the log).
func Artifact(t *testing.T, name string, b []byte) {
	t.Helper()
	dir := os.Getenv("ANONEX_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", p)
}

// Screenshot keeps a screenshot of the page of b as Artifact does.
func Screenshot(t *testing.T, b context.Context, name string) {
	t.Helper()
	shot, err := chromedp.Run(b, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	Artifact(t, name, shot)
}
