// Package purity checks what a package imports, so that a package whose
// contract is "no IO" (or "standard library only") keeps it: each such
// package's test calls Check on its own directory with its own Rules.
//
// It reads only the import clauses (go/parser, ImportsOnly) of the
// directory's .go files; build constraints are ignored, so a file excluded
// on one platform is still checked.
package purity

import (
	"fmt"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Rules say which imports a package may have. The zero value allows
// everything; fields only ever add restrictions.
type Rules struct {
	// Dir is the package directory; empty means the current directory,
	// which is the package's own directory when its test runs.
	Dir string
	// Forbidden lists import paths refused exactly ("os", "C", "time").
	Forbidden []string
	// ForbiddenPrefixes lists strings no import path may start with
	// ("github.com/ethereum/go-ethereum" refuses it and every package
	// under it). The match is on the raw string.
	ForbiddenPrefixes []string
	// StdlibOnly refuses every import outside the standard library (a path
	// whose first element has no dot) but those in Allowed and, in test
	// files, AllowedInTests.
	StdlibOnly bool
	// Allowed are non-standard imports StdlibOnly lets through.
	Allowed []string
	// AllowedInTests are non-standard imports StdlibOnly lets through in
	// _test.go files only.
	AllowedInTests []string
	// Tests checks _test.go files too; by default only the package's own
	// sources are checked.
	Tests bool
	// MinFiles fails the check when fewer files were checked, so that a
	// wrong Dir (or a renamed package) does not pass by checking nothing.
	// Below 1 it is 1.
	MinFiles int
	// Why ends each violation's message: the contract being broken.
	Why string
}

// Violation is one import a rule refuses.
type Violation struct {
	File   string // the file's path, as found under Dir
	Import string
	Rule   string // which rule refused it
}

func (v Violation) String() string {
	return fmt.Sprintf("%s imports %s (%s)", v.File, v.Import, v.Rule)
}

// Find returns the imports that break r and how many files it checked. An
// error means the files could not be listed or parsed, or fewer than
// MinFiles were found.
func Find(r Rules) ([]Violation, int, error) {
	dir := r.Dir
	if dir == "" {
		dir = "."
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, 0, fmt.Errorf("purity: %w", err)
	}
	var out []Violation
	checked := 0
	for _, f := range files {
		test := strings.HasSuffix(f, "_test.go")
		if test && !r.Tests {
			continue
		}
		af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			return nil, checked, fmt.Errorf("purity: %w", err)
		}
		for _, imp := range af.Imports {
			p, err := strconv.Unquote(imp.Path.Value)
			if err != nil {
				return nil, checked, fmt.Errorf("purity: %s: import %s: %w", f, imp.Path.Value, err)
			}
			if rule := r.refuses(p, test); rule != "" {
				out = append(out, Violation{File: f, Import: p, Rule: rule})
			}
		}
		checked++
	}
	min := max(r.MinFiles, 1)
	if checked < min {
		return out, checked, fmt.Errorf("purity: checked %d files in %s, want at least %d", checked, dir, min)
	}
	return out, checked, nil
}

// refuses names the rule that refuses import p (of a test file when test),
// or returns "".
func (r *Rules) refuses(p string, test bool) string {
	if slices.Contains(r.Forbidden, p) {
		return "forbidden"
	}
	for _, pre := range r.ForbiddenPrefixes {
		if strings.HasPrefix(p, pre) {
			return "forbidden prefix " + pre
		}
	}
	if r.StdlibOnly && !Stdlib(p) && !slices.Contains(r.Allowed, p) && !(test && slices.Contains(r.AllowedInTests, p)) {
		if slices.Contains(r.AllowedInTests, p) {
			return "allowed in tests only"
		}
		return "not the standard library"
	}
	return ""
}

// Stdlib reports whether an import path is of the standard library: its
// first element has no dot (as "go" itself decides). "C" (cgo) counts as
// standard; forbid it explicitly.
func Stdlib(p string) bool {
	first, _, _ := strings.Cut(p, "/")
	return !strings.Contains(first, ".")
}

// Check fails t for every import that breaks r (one error each) and fails
// it at once when the files cannot be read or too few were found.
func Check(t testing.TB, r Rules) {
	t.Helper()
	vs, _, err := Find(r)
	for _, v := range vs {
		if r.Why != "" {
			t.Errorf("%s: %s", v, r.Why)
		} else {
			t.Errorf("%s", v)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
}
