package cardproto

import (
	"bytes"
	"crypto/rand"
	"errors"
	"testing"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/ledger"
	"github.com/holiman/uint256"
)

func TestSealOpen(t *testing.T) {
	owner, _ := account.Generate(rand.Reader)
	other, _ := account.Generate(rand.Reader)
	purses := []PurseOffer{{Asset: ledger.Hash{1}, Available: *uint256.NewInt(5e17)}, {Asset: ledger.Hash{2}, Available: *uint256.NewInt(7)}}
	pt := EncodePurseOffers(purses)
	aad := []byte("nonce")
	sealed, err := Seal(rand.Reader, owner.PublicKey(), pt, aad)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, pt[:32]) {
		t.Fatal("the sealed box shows the plaintext")
	}
	got, err := Open(owner, sealed, aad)
	if err != nil || !bytes.Equal(got, pt) {
		t.Fatalf("open: %v", err)
	}
	back, err := DecodePurseOffers(got)
	if err != nil || len(back) != 2 || back[0].Available.Uint64() != 5e17 || back[1].Asset != (ledger.Hash{2}) {
		t.Fatalf("purses: %v %+v", err, back)
	}
	// Another key, other associated data, a flipped bit, a short box.
	if _, err := Open(other, sealed, aad); !errors.Is(err, ErrSeal) {
		t.Fatalf("opened with another key: %v", err)
	}
	if _, err := Open(owner, sealed, []byte("other")); !errors.Is(err, ErrSeal) {
		t.Fatalf("opened with other associated data: %v", err)
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := Open(owner, sealed, aad); !errors.Is(err, ErrSeal) {
		t.Fatalf("opened a tampered box: %v", err)
	}
	if _, err := Open(owner, sealed[:50], aad); !errors.Is(err, ErrSeal) {
		t.Fatalf("opened a short box: %v", err)
	}
	if _, err := Seal(rand.Reader, []byte{1, 2, 3}, pt, aad); err == nil {
		t.Fatal("sealed to a malformed key")
	}
}
