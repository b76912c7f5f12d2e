package node

import (
	"github.com/anonex/anonex/ledger"
	"github.com/ethereum/go-ethereum/crypto"
)

// Secp256k1 recovers signers with go-ethereum's libsecp256k1 binding (cgo),
// ~3.4× faster than pure Go here. It is the ledger.Recoverer every node uses.
type Secp256k1 struct{}

var _ ledger.Recoverer = Secp256k1{}

// Recover returns the address whose key signed digest.
func (Secp256k1) Recover(digest ledger.Hash, s ledger.Sig) (ledger.Address, error) {
	sig := s
	sig[64] -= 27
	pub, err := crypto.Ecrecover(digest[:], sig[:])
	if err != nil {
		return ledger.Address{}, err
	}
	var a ledger.Address
	h := ledger.Keccak256(pub[1:])
	copy(a[:], h[12:])
	return a, nil
}
