package ledger

import (
	"testing"

	"github.com/anonex/anonex/internal/purity"
)

// TestPurity keeps the ledger a pure function of its inputs: no network,
// files, clock, randomness or logging in its non-test sources, and neither
// go-ethereum nor libp2p.
func TestPurity(t *testing.T) {
	purity.Check(t, purity.Rules{
		Forbidden: []string{"net", "net/http", "os", "os/exec", "time", "math/rand", "math/rand/v2", "crypto/rand",
			"log", "log/slog", "io/ioutil", "syscall", "unsafe"},
		ForbiddenPrefixes: []string{"github.com/ethereum/go-ethereum", "github.com/libp2p"},
		MinFiles:          5,
		Why:               "the ledger must stay pure",
	})
}
