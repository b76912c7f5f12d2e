package client

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoServerDependencies: the client links nothing of the server — not
// node, the store, p2p, libp2p or Pebble — directly or through another
// package.
func TestNoServerDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps (the go tool runs every test here): %v", err)
	}
	forbidden := []string{
		"github.com/anonex/anonex/node",
		"github.com/anonex/anonex/ledger/store",
		"github.com/anonex/anonex/p2p",
		"github.com/libp2p/",
		"github.com/cockroachdb/pebble",
	}
	deps := strings.Fields(string(out))
	if len(deps) < 20 {
		t.Fatalf("go list -deps listed only %d packages", len(deps))
	}
	for _, d := range deps {
		for _, f := range forbidden {
			if strings.HasPrefix(d, f) {
				t.Errorf("client depends on %s", d)
			}
		}
	}
}
