package node

import (
	"testing"

	"github.com/anonex/anonex/chain"
	"github.com/anonex/anonex/ledger"
	"github.com/holiman/uint256"
)

// TestSettlerNeverRepostsWhatJustSettled: between the store's commit of a
// fold and the pool's advance over it, the settler sees the batch as
// folded while its transactions are still in the pool; it must not take
// them for transactions the batch skipped and post them again (a batch
// of nothing but skips, paid for in gas, seen before the fix in tests).
// The settler's candidates are read at that very moment, by the fold's
// own seam, and again after.
func TestSettlerNeverRepostsWhatJustSettled(t *testing.T) {
	n, _ := offlineNode(t)
	issuer := offlineKey(t, 1)
	is := &ledger.IssueAsset{Issuer: issuer.Address(), Symbol: "EUR", Decimals: 2, Supply: *uint256.NewInt(1000)}
	tx := signTx(t, issuer, is)
	mustSubmit(t, n, tx)
	now := n.cfg.Clock()
	cands := n.candidates(now)
	if len(cands) != 1 {
		t.Fatalf("%d candidates, want the one pending transaction", len(cands))
	}
	data, used := n.buildBatch(cands)
	n.pool.MarkFlight(used, 0, now)
	if got := n.candidates(now); len(got) != 0 {
		t.Fatalf("a transaction in flight is a candidate again: %d", len(got))
	}
	seen := -1
	n.afterFoldCommit = func() { seen = len(n.candidates(now)) }
	ev := chain.Event{Batch: &chain.Batch{Seq: 0, Data: data}, Block: 1, BlockHash: [32]byte{1}, TxHash: [32]byte{2}}
	if err := n.FoldBatch(ev, 1); err != nil {
		t.Fatal(err)
	}
	if seen != 0 {
		t.Errorf("between the fold's commit and the pool's advance, the settler had %d candidates: the settled transaction again", seen)
	}
	if got := n.candidates(now); len(got) != 0 {
		t.Errorf("after the fold the settler has %d candidates, want none", len(got))
	}
	if head, err := n.store.Head(); err != nil || head.NextSeq != 1 || n.folded.Load() != 1 {
		t.Fatalf("head %+v %v, folded %d", head, err, n.folded.Load())
	}

	// A batch that skipped a transaction gives it back at once.
	tx2 := signTx(t, issuer, &ledger.IssueAsset{Issuer: issuer.Address(), Symbol: "GBP", Decimals: 2, Supply: *uint256.NewInt(1000), Nonce: 1})
	mustSubmit(t, n, tx2)
	cands = n.candidates(now)
	n.pool.MarkFlight(cands, 1, now)
	ev2 := chain.Event{Batch: &chain.Batch{Seq: 1, Data: emptyBatch(t, n)}, Block: 2, BlockHash: [32]byte{3}, TxHash: [32]byte{4}}
	if err := n.FoldBatch(ev2, 2); err != nil {
		t.Fatal(err)
	}
	if got := n.candidates(now); len(got) != 1 || got[0].Tx().ID(n.domain) != tx2.ID(n.domain) {
		t.Errorf("after a batch without it, the transaction in flight is not a candidate again: %d", len(got))
	}
}

// emptyBatch is a well-formed batch with no transaction.
func emptyBatch(t *testing.T, n *Node) []byte {
	t.Helper()
	return ledger.NewBatchBuilder(n.store.State()).Bytes()
}
