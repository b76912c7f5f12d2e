package devnet

import (
	"context"
	"github.com/anonex/anonex/api"
	"testing"
	"time"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/chain/devchain"
	"github.com/anonex/anonex/ledger"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/holiman/uint256"
)

// TestNodeBackGetsAttestationsSignedWhileItWasDown is the chaos checker's
// second find. Attesters gossip each batch's attestation once; a node that
// was down then never saw the others' signatures, so a withdrawal of that
// batch stayed "burned" on it for good and could not be claimed through
// it. A node now hands the attestations of its newest batches straight to
// each peer that joins the attest topic.
func TestNodeBackGetsAttestationsSignedWhileItWasDown(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	d, err := Start(ctx, Config{HTTPAddr: "127.0.0.1:0", WSAddr: "127.0.0.1:0", NoMarket: true})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	h := d.Info.Accounts[1]
	key, err := account.LoadKeyFile(h.Keystore, h.Password)
	if err != nil {
		t.Fatal(err)
	}
	acct, err := d.Nodes[0].Account(key.Address())
	if err != nil {
		t.Fatal(err)
	}
	if err := d.StopNode(2); err != nil {
		t.Fatal(err)
	}
	w := &ledger.Withdraw{Account: key.Address(), Asset: d.AssetID("ETH"), Amount: *uint256.NewInt(1e15),
		To: ledger.Address(crypto.PubkeyToAddress(devchain.TestKey(8).PublicKey)), Nonce: acct.Nonce}
	sig, err := key.Sign(d.Nodes[0].Domain().Digest(w.StructHash()))
	if err != nil {
		t.Fatal(err)
	}
	res, err := d.Nodes[0].Submit(ctx, &ledger.Tx{Payload: w, Sig: ledger.Sig(sig)})
	if err != nil {
		t.Fatal(err)
	}
	// Attesters 0 and 1 sign the batch (2 of 3: claimable) while node 2 is
	// down.
	waitWithdrawal(t, ctx, d, 0, res.ID, api.WithdrawalAttested, 30*time.Second)
	if err := d.StartNode(ctx, 2); err != nil {
		t.Fatal(err)
	}
	waitWithdrawal(t, ctx, d, 2, res.ID, api.WithdrawalAttested, 15*time.Second)
}

func waitWithdrawal(t *testing.T, ctx context.Context, d *Devnet, i int, id ledger.Hash, status api.WithdrawalStatus, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		w, err := d.Nodes[i].Bridge().Withdrawal(ctx, id)
		if err == nil && w.Status == status {
			return
		}
		if time.Now().After(deadline) {
			got, was := 0, ""
			if err == nil {
				was = string(w.Status)
				if w.BatchAttestations != nil {
					got = len(w.Signatures)
				}
			}
			t.Fatalf("node %d: withdrawal %s is %q (%d signatures, err %v) after %s, want %s", i, id, was, got, err, timeout, status)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
