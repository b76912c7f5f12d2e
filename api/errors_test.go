package api

import (
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestEveryCodeHasAStatus: each Code constant declared here is snake_case
// and has its usual HTTP status in the table.
func TestEveryCodeHasAStatus(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "errors.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	snake := regexp.MustCompile(`^[a-z]+(_[a-z]+)*$`)
	seen := map[Code]string{}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Code" {
				continue
			}
			v, _ := strconv.Unquote(vs.Values[0].(*ast.BasicLit).Value)
			c := Code(v)
			if other, dup := seen[c]; dup {
				t.Errorf("%s and %s are both %q", other, vs.Names[0], c)
			}
			seen[c] = vs.Names[0].Name
			if !snake.MatchString(v) {
				t.Errorf("%s = %q is not snake_case", vs.Names[0], v)
			}
			if _, ok := httpStatus[c]; !ok {
				t.Errorf("%s has no HTTP status", vs.Names[0])
			}
		}
	}
	if len(seen) != len(httpStatus) {
		t.Errorf("%d codes declared, %d in the status table", len(seen), len(httpStatus))
	}
	if got := Code("no_such_code").HTTPStatus(); got != http.StatusInternalServerError {
		t.Errorf("an unknown code: %d", got)
	}
	if e := Errorf(CodeUnknownTx, "no %s", "tx"); e.HTTPStatus != http.StatusNotFound || e.Error() != "no tx" {
		t.Errorf("Errorf: %+v", e)
	}
}

// TestLeaf: api imports no package of anonex but the ledger's types and
// the strict JSON reader, so the server and every client can use it.
func TestLeaf(t *testing.T) {
	allowed := map[string]bool{
		"github.com/anonex/anonex/ledger":              true,
		"github.com/anonex/anonex/exchange":            true,
		"github.com/anonex/anonex/internal/strictjson": true,
	}
	files, _ := filepath.Glob("*.go")
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, im := range f.Imports {
			p, _ := strconv.Unquote(im.Path.Value)
			if strings.Contains(p, ".") && !allowed[p] {
				t.Errorf("%s imports %s", name, p)
			}
		}
	}
}
