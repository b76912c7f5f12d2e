package apdu

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestPurity keeps the package pure: standard library only, and no IO,
// clock, randomness, cgo or unsafe in its non-test sources.
func TestPurity(t *testing.T) {
	forbidden := map[string]bool{
		"C": true, "net": true, "os": true, "os/exec": true, "io": true, "time": true, "math/rand": true,
		"math/rand/v2": true, "crypto/rand": true, "log": true, "log/slog": true, "syscall": true, "unsafe": true,
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
			if forbidden[p] || strings.Contains(strings.SplitN(p, "/", 2)[0], ".") {
				t.Errorf("%s imports %s: apdu must stay pure (stdlib, no IO)", f, p)
			}
		}
		checked++
	}
	if checked < 5 {
		t.Fatalf("checked only %d files", checked)
	}
}
