package ledger

// Skipped is a transaction of a batch that produced no receipt, with why.
type Skipped struct {
	ID  Hash
	Err error
}

// FoldResult is a settled batch applied to the settled state: everything a
// store commits atomically, and the roots every honest node agrees on.
type FoldResult struct {
	Receipts     []Receipt
	Skipped      []Skipped
	StateWrites  []KV
	TreeWrites   []KV
	StateRoot    Hash
	ReceiptsRoot Hash
	// ReceiptHashes are the receipts' hashes: the receipts root's leaves,
	// which a store keeps for inclusion proofs.
	ReceiptHashes []Hash
}

// Fold applies a batch's verified transactions in order over the settled
// state and computes the new state root and the batch's receipts root. The
// only error is a failed read of the store; transactions that cannot apply
// are reported in Skipped.
func Fold(settled Reader, nodes TreeNodes, txs []*Verified, env Env) (*FoldResult, error) {
	st := NewOverlay(settled)
	res := &FoldResult{}
	for _, tx := range txs {
		r, err := Apply(st, tx, env)
		if st.Err() != nil {
			return nil, st.Err()
		}
		if err != nil {
			res.Skipped = append(res.Skipped, Skipped{ID: tx.ID, Err: err})
			continue
		}
		res.Receipts = append(res.Receipts, *r)
		st.Forget()
	}
	res.StateWrites = st.Writes()
	tree := NewTree(nodes)
	root, err := tree.Update(res.StateWrites)
	if err != nil {
		return nil, err
	}
	res.StateRoot = root
	res.TreeWrites = tree.Writes()
	res.ReceiptHashes = ReceiptHashes(res.Receipts)
	res.ReceiptsRoot = ReceiptHashesRoot(res.ReceiptHashes)
	return res, nil
}
