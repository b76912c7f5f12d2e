package apdu

import (
	"testing"

	"github.com/anonex/anonex/internal/purity"
)

// TestPurity keeps the package pure: standard library only, and no IO,
// clock, randomness, cgo or unsafe in its non-test sources.
func TestPurity(t *testing.T) {
	purity.Check(t, purity.Rules{
		Forbidden: []string{"C", "net", "os", "os/exec", "io", "time", "math/rand", "math/rand/v2", "crypto/rand",
			"log", "log/slog", "syscall", "unsafe"},
		StdlibOnly: true,
		MinFiles:   5,
		Why:        "apdu must stay pure (stdlib, no IO)",
	})
}
