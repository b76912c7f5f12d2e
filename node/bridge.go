package node

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/chain"
	"github.com/anonex/anonex/ledger"
	"github.com/anonex/anonex/ledger/store"
	"github.com/anonex/anonex/p2p"
	"github.com/ethereum/go-ethereum/common"
	"github.com/libp2p/go-libp2p/core/peer"
)

// The node's side of the Ethereum value bridge: it folds the Vault's
// listings and deposits into the settled state in chain order, keeps each
// batch's receipt hashes for withdrawal proofs, and — as an attester —
// signs each batch's attestation once the batch's block is final (see
// Config.FinalDepth) and gossips it. Every node
// collects the attestations of the Vault's registered attesters and serves
// them with the proof a withdrawal needs.

type bridge struct {
	vault     *chain.Vault
	addr      ledger.Address
	attesters []ledger.Address // as the Vault lists them
	threshold int
	key       *account.Key // this node's attester key, or nil
	topic     *p2p.Topic

	mu   sync.Mutex
	sigs map[uint64]map[ledger.Address]signedAttestation // cache of stored ones
}

// signedAttestation is one attester's signature of a batch's attestation:
// what gossips on the attest topic.
type signedAttestation struct {
	Attestation ledger.Attestation `json:"attestation"`
	Signer      ledger.Address     `json:"signer"`
	Signature   ledger.Sig         `json:"signature"`
}

// maxAttestationBytes bounds an attestation message on the wire.
const maxAttestationBytes = 1024

func (b *bridge) isAttester(a ledger.Address) bool { return slices.Contains(b.attesters, a) }

// startBridge reads the Vault's attester set and joins the attest topic.
func (n *Node) startBridge(ctx context.Context) error {
	if n.cfg.Vault.IsZero() {
		if n.cfg.AttestKey != nil {
			return errors.New("node: an attester key without a vault address")
		}
		return nil
	}
	v := chain.NewVault(n.eth, common.Address(n.cfg.Vault))
	// A Vault of another Anchor would fold deposits no other node folds.
	anchor, err := v.Anchor(ctx)
	if err != nil {
		return fmt.Errorf("node: vault %s: %w (is it a Vault contract on this chain?)", n.cfg.Vault.Hex(), err)
	}
	if ledger.Address(anchor) != n.cfg.Anchor {
		return fmt.Errorf("node: vault %s belongs to Anchor %s, not %s", n.cfg.Vault.Hex(), anchor.Hex(), n.cfg.Anchor.Hex())
	}
	as, th, err := v.Attesters(ctx)
	if err != nil {
		return fmt.Errorf("node: vault %s: %w", n.cfg.Vault.Hex(), err)
	}
	b := &bridge{vault: v, addr: n.cfg.Vault, threshold: th, key: n.cfg.AttestKey, sigs: map[uint64]map[ledger.Address]signedAttestation{}}
	for _, a := range as {
		b.attesters = append(b.attesters, ledger.Address(a))
	}
	if b.key != nil && !b.isAttester(b.key.Address()) {
		return fmt.Errorf("node: attester key %s is not an attester of vault %s", b.key.Address().Hex(), n.cfg.Vault.Hex())
	}
	n.bridge = b
	b.topic, err = n.host.Topic(p2p.AttestTopicName(n.cfg.Network), n.validateAttestation)
	if err != nil {
		return err
	}
	if b.key != nil {
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			n.attestLoop()
		}()
	}
	// A peer that joins the attest topic gets the attestations of the
	// newest batches (shareAttestations).
	joined := make(chan peer.ID, 64)
	if err := b.topic.OnJoin(func(p peer.ID) {
		select {
		case joined <- p:
		default:
		}
	}); err != nil {
		return err
	}
	n.wg.Add(2)
	go func() {
		defer n.wg.Done()
		n.disagreeLoop()
	}()
	go func() {
		defer n.wg.Done()
		n.shareAttestations(joined)
	}()
	return nil
}

// shareBatches is how many of the newest batches' attestations a peer that
// joins the attest topic gets.
const shareBatches = 256

// shareAttestations hands each peer that joins the attest topic the
// attestations this node holds of its newest batches, directly (p2p's
// SendDirect). Attesters gossip an attestation once, and gossip never
// brings it again to a node that was down then (gossipsub drops a payload
// it delivered within 2 minutes, on Publish too): without this, a
// withdrawal of such a batch would never be attested on that node.
func (n *Node) shareAttestations(joined <-chan peer.ID) {
	for {
		select {
		case <-n.ctx.Done():
			return
		case p := <-joined:
			raws, err := n.recentAttestations(shareBatches)
			if err != nil {
				n.log.Warn("attestations for a peer that joined", "err", err)
				continue
			}
			if len(raws) == 0 {
				continue
			}
			if err := n.bridge.topic.SendDirect(n.ctx, p, raws); err != nil {
				n.log.Debug("attestations to a peer that joined", "peer", p, "attestations", len(raws), "err", err)
			}
		}
	}
}

// recentAttestations returns, in wire form, the attestations this node
// holds of its newest batches (at most batches of them, and at most what
// one direct send carries).
func (n *Node) recentAttestations(batches uint64) ([][]byte, error) {
	head, err := n.store.Head()
	if err != nil {
		return nil, err
	}
	b := n.bridge
	var out [][]byte
	for seq := head.NextSeq; seq > 0 && head.NextSeq-seq < batches && len(out) < p2p.MaxDirectPayloads; seq-- {
		b.mu.Lock()
		per := b.sigs[seq-1]
		if per == nil {
			if err := n.loadAttestationsLocked(seq - 1); err != nil {
				b.mu.Unlock()
				return nil, err
			}
			per = b.sigs[seq-1]
		}
		for _, sa := range per {
			if len(out) == p2p.MaxDirectPayloads {
				break
			}
			raw, err := json.Marshal(sa)
			if err != nil {
				b.mu.Unlock()
				return nil, err
			}
			out = append(out, raw)
		}
		b.mu.Unlock()
	}
	return out, nil
}

// foldVault folds one Vault event into the settled state, in chain order.
func (n *Node) foldVault(ev chain.Event) error {
	cursor, err := json.Marshal(ev.Cursor())
	if err != nil {
		return err
	}
	st := ledger.NewOverlay(n.store.State())
	var dep *store.DepositRecord
	switch {
	case ev.Listing != nil:
		if err := ledger.ApplyListing(st, ev.Listing); err != nil {
			if errors.Is(err, ledger.ErrState) {
				return err
			}
			n.log.Warn("vault listed an asset the ledger cannot hold; ignored", "asset", ev.Listing.Asset, "err", err)
		}
	case ev.Deposit != nil:
		d := ev.Deposit
		reason, err := ledger.ApplyDeposit(st, d)
		if errors.Is(err, ledger.ErrDepositApplied) {
			return nil // folded before the cursor was saved
		}
		if err != nil {
			return err
		}
		dep = &store.DepositRecord{Index: d.Index, Asset: d.Asset, Account: d.Account, Amount: d.Amount.Dec(),
			From: ledger.Address(ev.From), Status: string(api.TxSettled), Block: ev.Block, EthTx: ledger.Hash(ev.TxHash)}
		if reason != ledger.ReasonNone {
			dep.Status, dep.Reason = string(api.TxFailed), reason.String()
		}
	}
	writes := st.Writes()
	tree := ledger.NewTree(n.store.Tree())
	root, err := tree.Update(writes)
	if err != nil {
		return err
	}
	err = n.store.Commit(store.Commit{Result: &ledger.FoldResult{StateWrites: writes, TreeWrites: tree.Writes(), StateRoot: root},
		Cursor: cursor, Deposit: dep, Step: store.Step{Block: ev.Block, LogIndex: uint32(ev.LogIndex), BlockHash: ledger.Hash(ev.BlockHash)}})
	if err == nil && len(writes) > 0 {
		err = n.advancePool(nil) // the settled state changed under the view
	}
	if err != nil {
		return err
	}
	if dep != nil {
		idx := dep.Index
		n.events.publish(api.Event{Type: "deposit", Status: dep.Status, Reason: dep.Reason, Index: &idx, Account: &dep.Account,
			Asset: &dep.Asset, Amount: dep.Amount, EthTx: &dep.EthTx, Root: &root})
		n.log.Debug("folded deposit", "index", dep.Index, "account", dep.Account, "amount", dep.Amount, "status", dep.Status)
	}
	return nil
}

// attestBatch signs a folded batch's attestation with the node's attester
// key, keeps it and gossips it. attestLoop calls it only once the batch's
// block is final.
func (n *Node) attestBatch(rec store.BatchRecord) {
	b := n.bridge
	a := ledger.Attestation{Seq: rec.Seq, DataHash: rec.DataHash, StateRoot: rec.StateRoot, ReceiptsRoot: rec.ReceiptsRoot}
	sig, err := b.key.Sign(a.Digest(n.domain.ChainID, b.addr))
	if err != nil {
		n.log.Error("attestation not signed", "seq", rec.Seq, "err", err)
		return
	}
	sa := signedAttestation{Attestation: a, Signer: b.key.Address(), Signature: sig}
	if err := n.keepAttestation(sa); err != nil {
		n.log.Error("attestation not stored", "seq", rec.Seq, "err", err)
	}
	raw, _ := json.Marshal(sa)
	if err := b.topic.Publish(n.ctx, raw); err != nil && n.ctx.Err() == nil {
		n.log.Warn("attestation not gossiped", "seq", rec.Seq, "err", err)
	}
}

func attestationKey(seq uint64, signer ledger.Address) string {
	return fmt.Sprintf("%016x/%x", seq, signer[:])
}

// keepAttestation stores a verified attestation signature; a second,
// different attestation of the same batch by the same attester is kept as
// evidence.
func (n *Node) keepAttestation(sa signedAttestation) error {
	b := n.bridge
	b.mu.Lock()
	defer b.mu.Unlock()
	per := b.sigs[sa.Attestation.Seq]
	if per == nil {
		if err := n.loadAttestationsLocked(sa.Attestation.Seq); err != nil {
			return err
		}
		per = b.sigs[sa.Attestation.Seq]
	}
	if old, ok := per[sa.Signer]; ok {
		if old.Attestation != sa.Attestation {
			n.log.Warn("attester signed two attestations of one batch", "attester", sa.Signer, "seq", sa.Attestation.Seq)
			raw, _ := json.Marshal([]signedAttestation{old, sa})
			return n.store.Records(store.NSAttestationConflict).Put(attestationKey(sa.Attestation.Seq, sa.Signer), raw)
		}
		return nil
	}
	raw, err := json.Marshal(sa)
	if err != nil {
		return err
	}
	if err := n.store.Records(store.NSAttestation).Put(attestationKey(sa.Attestation.Seq, sa.Signer), raw); err != nil {
		return err
	}
	per[sa.Signer] = sa
	return nil
}

func (n *Node) loadAttestationsLocked(seq uint64) error {
	b := n.bridge
	per := map[ledger.Address]signedAttestation{}
	err := n.store.Records(store.NSAttestation).Scan(fmt.Sprintf("%016x/", seq), func(_ string, v []byte) bool {
		var sa signedAttestation
		if json.Unmarshal(v, &sa) == nil {
			per[sa.Signer] = sa
		}
		return true
	})
	if err != nil {
		return err
	}
	if len(b.sigs) > 4096 { // a cache, not the record: the store has them all
		clear(b.sigs)
	}
	b.sigs[seq] = per
	return nil
}

// validateAttestation checks a gossiped attestation: well formed, signed
// by the attester it names, who is registered in the Vault.
func (n *Node) validateAttestation(_ context.Context, _ peer.ID, raw []byte) p2p.Verdict {
	if len(raw) > maxAttestationBytes {
		return p2p.Reject
	}
	var sa signedAttestation
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sa); err != nil {
		return p2p.Reject
	}
	b := n.bridge
	if !b.isAttester(sa.Signer) {
		return p2p.Reject
	}
	signer, err := n.rec.Recover(sa.Attestation.Digest(n.domain.ChainID, b.addr), sa.Signature)
	if err != nil || signer != sa.Signer {
		return p2p.Reject
	}
	if rec, ok, err := n.store.Batch(sa.Attestation.Seq); err == nil && ok {
		n.compareAttestation(rec, sa)
	}
	if err := n.keepAttestation(sa); err != nil {
		return p2p.Ignore
	}
	return p2p.Accept
}

// compareAttestation reports loudly when an attester signed other roots
// for a batch this node folded.
func (n *Node) compareAttestation(rec store.BatchRecord, sa signedAttestation) {
	ours := ledger.Attestation{Seq: rec.Seq, DataHash: rec.DataHash, StateRoot: rec.StateRoot, ReceiptsRoot: rec.ReceiptsRoot}
	if sa.Attestation == ours {
		return
	}
	n.log.Error("settled state disagrees with an attester: this node folded other roots for the same batch",
		"seq", rec.Seq, "attester", sa.Signer, "our_state_root", ours.StateRoot, "their_state_root", sa.Attestation.StateRoot,
		"our_receipts_root", ours.ReceiptsRoot, "their_receipts_root", sa.Attestation.ReceiptsRoot)
	n.mu.Lock()
	if n.disagreement == nil {
		n.disagreement = &api.RootDisagreement{Seq: rec.Seq, Attester: sa.Signer, Ours: ours, Theirs: sa.Attestation}
	}
	n.mu.Unlock()
}

// disagreeLoop compares each batch this node folds with the attestations
// it already holds for it (ones that arrived before the fold; those that
// arrive later are compared as they arrive, in validateAttestation).
func (n *Node) disagreeLoop() {
	head, _ := n.store.Head()
	n.walkBatches(head.NextSeq, nil, func(rec store.BatchRecord) { n.checkAttested(rec) })
}

// checkAttested compares a batch just folded with the attestations already
// held for it.
func (n *Node) checkAttested(rec store.BatchRecord) {
	b := n.bridge
	b.mu.Lock()
	per := b.sigs[rec.Seq]
	if per == nil {
		if err := n.loadAttestationsLocked(rec.Seq); err != nil {
			b.mu.Unlock()
			return
		}
		per = b.sigs[rec.Seq]
	}
	held := make([]signedAttestation, 0, len(per))
	for _, sa := range per {
		held = append(held, sa)
	}
	b.mu.Unlock()
	for _, sa := range held {
		n.compareAttestation(rec, sa)
	}
}

// Attestations returns what this node holds for batch seq.
func (n *Node) Attestations(seq uint64) (*api.BatchAttestations, error) {
	b := n.bridge
	if b == nil {
		return nil, api.Errorf(api.CodeNotFound, "this node follows no vault")
	}
	rec, ok, err := n.store.Batch(seq)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, api.Errorf(api.CodeNotFound, "batch %d is not settled here yet", seq)
	}
	a := ledger.Attestation{Seq: seq, DataHash: rec.DataHash, StateRoot: rec.StateRoot, ReceiptsRoot: rec.ReceiptsRoot}
	out := &api.BatchAttestations{Attestation: a, Threshold: b.threshold, Attesters: b.attesters, Vault: b.addr, Signatures: []api.AttesterSig{}}
	b.mu.Lock()
	per := b.sigs[seq]
	if per == nil {
		if err := n.loadAttestationsLocked(seq); err != nil {
			b.mu.Unlock()
			return nil, err
		}
		per = b.sigs[seq]
	}
	for signer, sa := range per {
		if sa.Attestation == a {
			out.Signatures = append(out.Signatures, api.AttesterSig{Signer: signer, Signature: sa.Signature})
		} else {
			out.Conflicting = append(out.Conflicting, signer)
		}
	}
	b.mu.Unlock()
	slices.SortFunc(out.Signatures, func(x, y api.AttesterSig) int { return bytes.Compare(x.Signer[:], y.Signer[:]) })
	return out, nil
}

// withdrawalKey is the full key of a burned withdrawal's record, written
// with the batch that burned it.
func (n *Node) withdrawalKey(id ledger.Hash) []byte {
	return n.store.Records(store.NSWithdrawal).Key(id.Hex())
}

// Withdrawal reports a withdrawal's state and, once attested, its proof.
func (n *Node) Withdrawal(ctx context.Context, id ledger.Hash) (*api.Withdrawal, error) {
	if n.bridge == nil {
		return nil, api.Errorf(api.CodeNotFound, "this node follows no vault")
	}
	rec, ok, err := n.store.Tx(id)
	if err != nil {
		return nil, err
	}
	if !ok {
		if _, ok := n.pool.Status(id); ok {
			return &api.Withdrawal{ID: id, Status: api.WithdrawalPending}, nil
		}
		return nil, api.Errorf(api.CodeNotFound, "no withdrawal %s", id)
	}
	if rec.Kind != ledger.KindWithdraw {
		return nil, api.Errorf(api.CodeMalformed, "%s is a %s, not a withdrawal", id, rec.Kind)
	}
	w := &api.Withdrawal{ID: id, Status: api.WithdrawalBurned, Seq: &rec.Seq, Index: uint64(rec.Index)}
	if rec.Status != ledger.StatusOK {
		w.Status, w.Reason = api.WithdrawalFailed, rec.Reason.String()
		return w, nil
	}
	raw, err := n.store.Records(store.NSWithdrawal).Get(id.Hex())
	if err != nil {
		return nil, err
	}
	tx, err := ledger.DecodeTx(raw)
	if err != nil {
		return nil, fmt.Errorf("node: stored withdrawal %s: %w", id, err)
	}
	w.Withdraw = tx.Payload.(*ledger.Withdraw)
	w.Tx, _ = json.Marshal(tx)
	hashes, _, err := n.store.BatchReceipts(rec.Seq)
	if err != nil {
		return nil, err
	}
	w.Size = uint64(len(hashes))
	if w.Proof, err = ledger.ReceiptHashProof(hashes, int(rec.Index)); err != nil {
		return nil, err
	}
	if w.BatchAttestations, err = n.Attestations(rec.Seq); err != nil {
		return nil, err
	}
	if len(w.Signatures) >= w.Threshold {
		w.Status = api.WithdrawalAttested
		w.Signatures = w.Signatures[:w.Threshold]
	}
	// The ledger's asset record names the token: no need to ask the Vault.
	if raw, err := n.store.State().Get(ledger.StateKeyAsset(w.Withdraw.Asset)); err == nil {
		if a, ok := ledger.DecodeAsset(w.Withdraw.Asset, raw); ok {
			w.Token = a.Token
		}
	}
	if paid, err := n.bridge.vault.Paid(ctx, id); err == nil && paid {
		w.Status = api.WithdrawalPaid
	}
	return w, nil
}

func (n *Node) bridgeRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/batches/{seq}/attestations", n.handle(func(r *http.Request) (any, error) {
		seq, err := strconv.ParseUint(r.PathValue("seq"), 10, 64)
		if err != nil {
			return nil, api.Errorf(api.CodeMalformed, "batch sequence number %q", r.PathValue("seq"))
		}
		return n.Attestations(seq)
	}))
	mux.HandleFunc("GET /v1/withdrawals/{id}", n.handle(func(r *http.Request) (any, error) {
		id, err := ledger.ParseHash(r.PathValue("id"))
		if err != nil {
			return nil, api.Errorf(api.CodeMalformed, "%v", err)
		}
		return n.Withdrawal(r.Context(), id)
	}))
	mux.HandleFunc("GET /v1/deposits/{q}", n.handle(func(r *http.Request) (any, error) {
		q := r.PathValue("q")
		if i, err := strconv.ParseUint(q, 10, 64); err == nil {
			d, ok, err := n.Deposit(i)
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, api.Errorf(api.CodeNotFound, "deposit %d is not settled here (yet)", i)
			}
			return []api.Deposit{d}, nil
		}
		h, err := ledger.ParseHash(q)
		if err != nil {
			return nil, api.Errorf(api.CodeMalformed, "a deposit index or an Ethereum transaction hash, not %q", q)
		}
		ds, err := n.store.DepositsByTx(h)
		if err != nil {
			return nil, err
		}
		if len(ds) == 0 {
			return nil, api.Errorf(api.CodeNotFound, "no settled deposit from transaction %s (yet)", h)
		}
		out := make([]api.Deposit, len(ds))
		for i, d := range ds {
			out[i] = depositInfo(d)
		}
		return out, nil
	}))
}

// Deposit reads a folded deposit by its Vault index.
func (n *Node) Deposit(index uint64) (api.Deposit, bool, error) {
	d, ok, err := n.store.Deposit(index)
	return depositInfo(d), ok, err
}

// depositInfo is a folded deposit as the API answers it.
func depositInfo(d store.DepositRecord) api.Deposit {
	return api.Deposit{Index: d.Index, Asset: d.Asset, Account: d.Account, Amount: d.Amount, From: d.From,
		Status: api.TxStatus(d.Status), Reason: d.Reason, Block: d.Block, EthTx: d.EthTx}
}
