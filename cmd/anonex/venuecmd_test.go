package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/anonex/anonex/devnet"
)

// storeLine is the line of `venue show` naming store.
func storeLine(t *testing.T, show, store string) string {
	t.Helper()
	for _, l := range strings.Split(show, "\n") {
		if strings.HasPrefix(l, store) {
			return l
		}
	}
	t.Fatalf("no %s in:\n%s", store, show)
	return ""
}

// TestVenueCommands: a merchant lists its store at the devnet's venue, the
// operator approves its place, a merchant cannot approve itself, and the
// store leaves — each step seen in `venue show`.
func TestVenueCommands(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	startDevnet(t, ctx, devnet.Config{DataDir: dir, Nodes: 1})
	const venue = "Galleria Centrale"
	if list := run(t, "venue", "list", "--devnet", dir); !strings.Contains(list, venue) {
		t.Fatalf("venue list:\n%s", list)
	}
	show := func() string { return run(t, "venue", "show", "--devnet", dir, "--venue", venue) }
	run(t, "venue", "store", "--devnet", dir, "--from", "holder-1", "--venue", venue, "--name", "Toy Shop", "--at", "400,275", "--accepts", "EUR,USD")
	if l := storeLine(t, show(), "Toy Shop"); !strings.Contains(l, "awaiting_approval") || !strings.Contains(l, "400,275") || !strings.Contains(l, "EUR, USD") {
		t.Fatalf("a new store: %s", l)
	}
	out, err := anonex("venue", "approve", "--devnet", dir, "--from", "holder-1", "--venue", venue, "--store", "holder-1").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "operator") {
		t.Fatalf("a merchant approving its own place: %v %s", err, out)
	}
	run(t, "venue", "approve", "--devnet", dir, "--from", "operator", "--venue", venue, "--store", "holder-1")
	if l := storeLine(t, show(), "Toy Shop"); !strings.Contains(l, "shown") {
		t.Fatalf("approved: %s", l)
	}
	run(t, "venue", "store", "--devnet", dir, "--from", "holder-1", "--venue", venue, "--close")
	if l := storeLine(t, show(), "Toy Shop"); !strings.Contains(l, "closed") {
		t.Fatalf("closed: %s", l)
	}
}
