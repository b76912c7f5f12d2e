package cardbridge

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/anonex/anonex/cardbridge/cardproto"
)

// TestOpenState: a state file opens as a card run in process, keeps what
// the card wrote across Close and Open, and Close is safe twice. (Cards in
// readers are opened the same way by the tests of cardbridge/pcsctest and
// cmd/anonex, which run pcscd.)
func TestOpenState(t *testing.T) {
	ctx := context.Background()
	state := filepath.Join(t.TempDir(), "card.state")
	card, err := Open(ctx, Source{State: state})
	if err != nil {
		t.Fatal(err)
	}
	info, err := card.Select()
	if err != nil || info.Life != cardproto.LifeBlank {
		t.Fatalf("a new state file: %+v, %v", info, err)
	}
	if _, err := card.GenerateKey(); err != nil {
		t.Fatal(err)
	}
	if info, err = card.Select(); err != nil || info.Address.IsZero() {
		t.Fatalf("after GENERATE KEY: %+v, %v", info, err)
	}
	if err := card.Close(); err != nil {
		t.Fatal(err)
	}
	if err := card.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	again, err := Open(ctx, Source{State: state})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if got, err := again.Select(); err != nil || got.Address != info.Address {
		t.Fatalf("reopened: %s, %v; want %s", got.Address.Hex(), err, info.Address.Hex())
	}
}

func TestOpenBadState(t *testing.T) {
	if _, err := Open(context.Background(), Source{State: t.TempDir()}); err == nil {
		t.Fatal("a directory opened as a state file")
	}
}
