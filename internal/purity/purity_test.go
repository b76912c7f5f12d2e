package purity

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// found runs Find and returns "file import" pairs (base names), sorted.
func found(t *testing.T, r Rules) []string {
	t.Helper()
	vs, _, err := Find(r)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, v := range vs {
		out = append(out, v.File[strings.LastIndex(v.File, "/")+1:]+" "+v.Import)
	}
	slices.Sort(out)
	return out
}

func TestFind(t *testing.T) {
	for _, c := range []struct {
		name string
		r    Rules
		want []string
	}{
		{"nothing refused", Rules{Dir: "testdata/impure", Tests: true}, nil},
		{"forbidden", Rules{Dir: "testdata/impure", Forbidden: []string{"os", "time", "net"}},
			[]string{"impure.go os", "impure.go time"}},
		{"forbidden, tests too", Rules{Dir: "testdata/impure", Forbidden: []string{"os", "net"}, Tests: true},
			[]string{"impure.go os", "impure_test.go net"}},
		{"forbidden prefix", Rules{Dir: "testdata/impure", ForbiddenPrefixes: []string{"github.com/ethereum/go-ethereum"}},
			[]string{"impure.go github.com/ethereum/go-ethereum/common"}},
		{"stdlib only", Rules{Dir: "testdata/impure", StdlibOnly: true, Tests: true},
			[]string{"impure.go github.com/ethereum/go-ethereum/common", "impure_test.go pgregory.net/rapid"}},
		{"stdlib only, allowed", Rules{Dir: "testdata/impure", StdlibOnly: true, Tests: true,
			Allowed: []string{"github.com/ethereum/go-ethereum/common"}, AllowedInTests: []string{"pgregory.net/rapid"}}, nil},
		{"allowed in tests only, imported by a source", Rules{Dir: "testdata/impure", StdlibOnly: true,
			AllowedInTests: []string{"github.com/ethereum/go-ethereum/common"}},
			[]string{"impure.go github.com/ethereum/go-ethereum/common"}},
		{"pure package", Rules{Dir: "testdata/pure", StdlibOnly: true, Forbidden: []string{"os", "time"}}, nil},
		{"pure package, its test checked", Rules{Dir: "testdata/pure", StdlibOnly: true, Tests: true},
			[]string{"pure_test.go pgregory.net/rapid"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := found(t, c.r); !slices.Equal(got, c.want) {
				t.Fatalf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestFindCountsFiles(t *testing.T) {
	if _, n, err := Find(Rules{Dir: "testdata/impure"}); err != nil || n != 2 {
		t.Fatalf("sources only: %d files, %v", n, err)
	}
	if _, n, err := Find(Rules{Dir: "testdata/impure", Tests: true}); err != nil || n != 3 {
		t.Fatalf("with tests: %d files, %v", n, err)
	}
	if _, _, err := Find(Rules{Dir: "testdata/impure", MinFiles: 3}); err == nil {
		t.Fatal("3 files wanted, 2 sources found: no error")
	}
	if _, _, err := Find(Rules{Dir: "testdata/no-such-package"}); err == nil {
		t.Fatal("an empty directory passed")
	}
}

// recorder is a testing.TB that records failures instead of failing.
type recorder struct {
	testing.TB
	errs  []string
	fatal bool
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}
func (r *recorder) Fatal(args ...any) {
	r.errs = append(r.errs, fmt.Sprint(args...))
	r.fatal = true
	runtime.Goexit()
}

// check runs Check against a recorder, as a test would.
func check(t *testing.T, r Rules) *recorder {
	rec := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Check(rec, r)
	}()
	<-done
	return rec
}

// TestCheckFails is the point of the package: an impure package fails its
// test, with one error per import, naming file, import and contract.
func TestCheckFails(t *testing.T) {
	rec := check(t, Rules{Dir: "testdata/impure", Forbidden: []string{"os", "time"}, Why: "the fixture must stay pure"})
	if len(rec.errs) != 2 || rec.fatal {
		t.Fatalf("errors %q, fatal %v", rec.errs, rec.fatal)
	}
	for _, e := range rec.errs {
		if !strings.Contains(e, "impure.go imports ") || !strings.HasSuffix(e, "the fixture must stay pure") {
			t.Errorf("message %q", e)
		}
	}
	if rec := check(t, Rules{Dir: "testdata/impure", MinFiles: 5}); !rec.fatal {
		t.Fatalf("too few files did not fail: %q", rec.errs)
	}
	if rec := check(t, Rules{Dir: "testdata/pure", StdlibOnly: true, Forbidden: []string{"os"}}); len(rec.errs) != 0 {
		t.Fatalf("a pure package failed: %q", rec.errs)
	}
}

func TestStdlib(t *testing.T) {
	for p, want := range map[string]bool{
		"os": true, "net/http": true, "C": true, "golang.org/x/crypto/sha3": false,
		"github.com/anonex/anonex/ledger": false, "pgregory.net/rapid": false,
	} {
		if Stdlib(p) != want {
			t.Errorf("Stdlib(%q) = %v", p, !want)
		}
	}
}
