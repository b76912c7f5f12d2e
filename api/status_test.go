package api

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestTxStatusFinal(t *testing.T) {
	final := map[TxStatus]bool{TxSettled: true, TxFailed: true, TxRejected: true}
	for _, s := range TxStatuses {
		if s.Final() != final[s] {
			t.Errorf("%s: Final() = %v", s, s.Final())
		}
	}
}

// TestNoBareTxStatusLiterals keeps the statuses one typed vocabulary: no
// Go source of the module outside this package (tests aside) spells a
// transaction status as a string literal; it names the constant.
func TestNoBareTxStatusLiterals(t *testing.T) {
	bare := map[string]bool{}
	for _, s := range TxStatuses {
		bare[strconv.Quote(string(s))] = true
	}
	root, _ := filepath.Abs("..")
	checked := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); name == "node_modules" || name == "testdata" || strings.HasPrefix(name, ".") || path == filepath.Join(root, "api") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, src, 0)
		if err != nil {
			return err
		}
		checked++
		var visit func(n ast.Node) bool
		visit = func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.Field:
				if n.Tag != nil { // a struct tag is a string literal too
					ast.Inspect(n.Type, visit)
					return false
				}
			case *ast.BasicLit:
				if n.Kind == token.STRING && bare[n.Value] {
					rel, _ := filepath.Rel(root, path)
					t.Errorf("%s:%d: status %s as a bare literal: use the api constant", rel, fset.Position(n.Pos()).Line, n.Value)
				}
			}
			return true
		}
		ast.Inspect(f, visit)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("checked only %d files", checked)
	}
}
