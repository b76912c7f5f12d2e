package node

import (
	"context"
	"testing"

	"github.com/anonex/anonex/ledger"
	"github.com/anonex/anonex/node/route"
	"github.com/holiman/uint256"
)

// TestPoolRefusalsCarryTheirReason: the pool's refusals are typed, so the
// API answers insufficient_funds and unknown_asset from the pending view
// itself.
func TestPoolRefusalsCarryTheirReason(t *testing.T) {
	n, _ := offlineNode(t)
	issuer := offlineKey(t, 0)
	is, eur := issueTx(t, issuer, "EUR", 0)
	mustSubmit(t, n, is)
	over := signTx(t, issuer, &ledger.Transfer{From: issuer.Address(), To: ledger.Address{9}, Asset: eur, Amount: *uint256.NewInt(2e9), Nonce: 1})
	if _, err := n.Submit(context.Background(), over); route.Classify(err).Code != "insufficient_funds" {
		t.Errorf("overspend: %v classified %s", err, route.Classify(err).Code)
	}
	unknown := signTx(t, issuer, &ledger.Transfer{From: issuer.Address(), To: ledger.Address{9}, Asset: ledger.Hash{0xee},
		Amount: *uint256.NewInt(1), Nonce: 1})
	if _, err := n.Submit(context.Background(), unknown); route.Classify(err).Code != "unknown_asset" {
		t.Errorf("unknown asset: %v classified %s", err, route.Classify(err).Code)
	}
}
