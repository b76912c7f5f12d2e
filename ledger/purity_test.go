package ledger

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestPurity keeps the ledger a pure function of its inputs: no network,
// files, clock, randomness or logging in its non-test sources.
func TestPurity(t *testing.T) {
	forbidden := map[string]bool{
		"net": true, "net/http": true, "os": true, "os/exec": true, "time": true, "math/rand": true,
		"math/rand/v2": true, "crypto/rand": true, "log": true, "log/slog": true, "io/ioutil": true,
		"syscall": true, "unsafe": true,
	}
	files, _ := filepath.Glob("*.go")
	checked := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		af, err := parser.ParseFile(token.NewFileSet(), f, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range af.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if forbidden[p] || strings.HasPrefix(p, "github.com/ethereum/go-ethereum") || strings.HasPrefix(p, "github.com/libp2p") {
				t.Errorf("%s imports %s: the ledger must stay pure", f, p)
			}
		}
		checked++
	}
	if checked < 5 {
		t.Fatalf("checked only %d files", checked)
	}
}
