package node

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/anonex/anonex/ledger"
)

type noEntropy struct{}

func (noEntropy) Read([]byte) (int, error) { return 0, errors.New("entropy source unavailable") }

// The node draws its random values from Config.Rand: a test can fix them,
// and a source that fails stops the node with the reason instead of
// leaving it with a predictable token.
func TestNodeRandomnessComesFromConfig(t *testing.T) {
	base := Config{InMemory: true, ChainID: 1337, Anchor: ledger.Address{0xa1}, EthRPC: "http://127.0.0.1:1"}
	cfg := base
	cfg.Rand = bytes.NewReader(bytes.Repeat([]byte{0x5a}, 1024))
	n, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if want := hex.EncodeToString(bytes.Repeat([]byte{0x5a}, 24)); n.APIToken() != want {
		t.Fatalf("api token %q, want %q drawn from Config.Rand", n.APIToken(), want)
	}
	cfg = base
	cfg.Rand = noEntropy{}
	if n, err := New(cfg); err == nil || !strings.Contains(err.Error(), "api token") {
		if n != nil {
			n.Close()
		}
		t.Fatalf("a node without randomness: %v", err)
	}
}
