package devchain

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestLeaf: the dev chain links nothing of a node — not node, devnet,
// p2p, the store, the exchange, the card bridge or the chain client —
// directly or through another package, so that a test needing a chain
// links only the chain, and the chain client's own tests can use it.
func TestLeaf(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps (the go tool runs every test here): %v", err)
	}
	const mod = "github.com/anonex/anonex/"
	forbidden := []string{"node", "devnet", "p2p", "ledger/store", "exchange", "cardbridge"}
	deps := strings.Fields(string(out))
	if !slices.Contains(deps, "github.com/ethereum/go-ethereum/eth") {
		t.Fatalf("go list -deps listed %d packages, go-ethereum's eth not among them", len(deps))
	}
	for _, d := range deps {
		rel, ok := strings.CutPrefix(d, mod)
		if !ok {
			continue
		}
		if rel == "chain" {
			t.Errorf("devchain depends on %s (the chain client)", d)
		}
		for _, f := range forbidden {
			if rel == f || strings.HasPrefix(rel, f+"/") {
				t.Errorf("devchain depends on %s", d)
			}
		}
	}
}
