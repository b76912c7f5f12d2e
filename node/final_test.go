package node_test

import (
	"context"
	"testing"
	"time"

	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/client"
	"github.com/anonex/anonex/ledger"
	"github.com/anonex/anonex/node"
)

// TestAttackReorgTakesBackASignedT: an issuer that signed a card's T as
// soon as a load settled would let a reorg take the load away after the
// card could spend it. The issuer signs T only over final blocks
// (FinalDepth below the head): while the load has settled but is not
// final, the update value waits and then answers 503 not_final; once the
// chain is FinalDepth blocks further, T counts the load.
func TestAttackReorgTakesBackASignedT(t *testing.T) {
	c := newCluster(t, 0)
	issuerW, owner, card := newWallet(t, 0), newWallet(t, 1), newWallet(t, 2)
	c.cfgs = append(c.cfgs, node.Config{DataDir: t.TempDir(), EthRPC: c.chain.WSURL(), Anchor: c.anchor,
		PollInterval: 20 * time.Millisecond, BatchAge: 20 * time.Millisecond, SettleKey: ethKeys(t)[0].ToECDSA(),
		IssuerKey: issuerW.key, FinalDepth: 3})
	c.nodes = append(c.nodes, nil)
	c.start(0)
	n := c.nodes[0]
	dom := n.Domain()
	cl := client.New(n.APIURL(), n.APIToken())
	ctx := context.Background()

	issueTx, eur := owner.issue(t, dom, "EUR", 100_000)
	submit(t, n, issueTx)
	consent := &ledger.CardConsent{Card: card.key.Address(), Issuer: issuerW.key.Address(), Owner: owner.key.Address()}
	sig, err := card.key.Sign(dom.Digest(consent.StructHash()))
	if err != nil {
		t.Fatal(err)
	}
	reg, err := cl.RegisterCard(ctx, card.key.Address(), owner.key.Address(), ledger.Sig(sig))
	if err != nil {
		t.Fatal(err)
	}
	waitStatus(t, c.nodes, reg.RegisterTx, api.TxSettled, 20*time.Second)
	load := submit(t, n, owner.transfer(t, dom, card, eur, 5_000))
	waitStatus(t, c.nodes, load, api.TxSettled, 20*time.Second)

	// Settled, not final: no T that counts the load — at once without the
	// load, or (wait=final) not before it is final.
	if uv, err := cl.UpdateValue(ctx, card.key.Address(), eur, 0); err == nil && uv.Total == "5000" {
		t.Fatalf("the issuer's update value over a load that is not final: %+v %v", uv, err)
	}
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	uv, err := cl.UpdateValueFinal(short, card.key.Address(), eur, 0)
	cancel()
	if err == nil {
		t.Fatalf("the issuer answered wait=final with T = %s before the load was final", uv.Total)
	}
	// FinalDepth blocks later the load is final and T counts it.
	if err := c.chain.MineBlocks(ctx, 3); err != nil {
		t.Fatal(err)
	}
	uv, err = cl.UpdateValueFinal(ctx, card.key.Address(), eur, 0)
	if err != nil || uv.Total != "5000" || uv.Seq != 1 {
		t.Fatalf("update value once final: %+v %v", uv, err)
	}
}
