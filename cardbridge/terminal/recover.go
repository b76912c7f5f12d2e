package terminal

import (
	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/ledger"
)

// recoverer checks card signatures the way the ledger will.
type recoverer struct{}

func (recoverer) Recover(d ledger.Hash, s ledger.Sig) (ledger.Address, error) {
	return account.Recover(d, s)
}

func recoverAddr(d ledger.Hash, s ledger.Sig) (ledger.Address, error) { return account.Recover(d, s) }
