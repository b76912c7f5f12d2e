// Package bridge is the node's side of the Ethereum value bridge, beyond
// the fold: the node itself folds the Vault's listings and deposits into
// the settled state in chain order and keeps each batch's receipt hashes
// and burned withdrawals; this subsystem collects the attestations of the
// Vault's registered attesters (gossiped on /anonex/<net>/attest/1, and
// handed to peers that join), signs them as an attester — each batch's
// attestation once the batch's block is final (node.Config.FinalDepth) —
// reports an attester whose roots differ from the node's, and serves
// deposits, attestations and the proof a withdrawal claim needs.
//
// It sees the node only through Node (the chain client, its gossip topic,
// the final horizon, the pending pool's knowledge of a transaction) and
// reads the settled data through Ledger. Attestations live in their own
// record namespaces (Config.Attestations, Config.Conflicts).
package bridge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/chain"
	"github.com/anonex/anonex/internal/task"
	"github.com/anonex/anonex/ledger"
	"github.com/anonex/anonex/ledger/store"
	"github.com/anonex/anonex/node/route"
	"github.com/anonex/anonex/p2p"
	"github.com/ethereum/go-ethereum/common"
	"github.com/libp2p/go-libp2p/core/peer"
)

// Node is what the bridge subsystem needs of the node.
type Node interface {
	// Eth is the node's Ethereum client (set once the node started).
	Eth() *chain.Client
	// Domain is the EIP-712 domain (its chain id signs attestations);
	// Recoverer recovers signers.
	Domain() ledger.Domain
	Recoverer() ledger.Recoverer
	// Join joins a gossip topic of the node's host.
	Join(topic string, v p2p.Validator) (*p2p.Topic, error)
	// Horizon is the final horizon as the node last saw it.
	Horizon() (uint64, bool)
	// Pending reports whether the pending pool holds a transaction.
	Pending(id ledger.Hash) bool
}

// Ledger is the settled data the bridge reads (a *store.Store).
type Ledger interface {
	Head() (store.Head, error)
	Batch(seq uint64) (store.BatchRecord, bool, error)
	BatchReceipts(seq uint64) ([]ledger.Hash, bool, error)
	Tx(id ledger.Hash) (store.TxRecord, bool, error)
	Deposit(index uint64) (store.DepositRecord, bool, error)
	DepositsByTx(tx ledger.Hash) ([]store.DepositRecord, error)
	State() ledger.Reader
}

// Config configures the bridge subsystem.
type Config struct {
	// Network names the gossip network; Vault is the Vault contract (zero:
	// no bridge, and its routes answer 404); Anchor the Anchor it must
	// belong to.
	Network string
	Vault   ledger.Address
	Anchor  ledger.Address
	// AttestKey makes the node one of the Vault's attesters.
	AttestKey *account.Key
	// Ledger is the settled data; Attestations, Conflicts and Withdrawals
	// the record namespaces of attestations, conflicting pairs and burned
	// withdrawals (the fold writes those).
	Ledger       Ledger
	Attestations store.Records
	Conflicts    store.Records
	Withdrawals  store.Records
	// PollInterval paces the walk over folded batches.
	PollInterval time.Duration
	Logger       *slog.Logger
}

// Service is the bridge subsystem.
type Service struct {
	cfg   Config
	n     Node
	log   *slog.Logger
	store Ledger

	vault     *chain.Vault // nil without a Vault
	addr      ledger.Address
	attesters []ledger.Address // as the Vault lists them
	threshold int
	key       *account.Key // this node's attester key, or nil
	topic     *p2p.Topic

	mu   sync.Mutex
	sigs map[uint64]map[ledger.Address]signedAttestation // cache of stored ones
	// disagreement: an attester signed other roots than this node folded.
	disagreement *api.RootDisagreement

	tasks *task.Group
}

// New returns node n's bridge subsystem.
func New(cfg Config, n Node) (*Service, error) {
	if cfg.Vault.IsZero() && cfg.AttestKey != nil {
		return nil, errors.New("node: an attester key without a vault address")
	}
	return &Service{cfg: cfg, n: n, log: cfg.Logger, store: cfg.Ledger, addr: cfg.Vault, key: cfg.AttestKey,
		sigs: map[uint64]map[ledger.Address]signedAttestation{}, tasks: task.NewGroup()}, nil
}

// Stop stops the bridge's loops.
func (s *Service) Stop() { s.tasks.Stop() }

// Enabled reports whether the node follows a Vault.
func (s *Service) Enabled() bool { return !s.cfg.Vault.IsZero() }

// Vault is the Vault's address (zero without a bridge); Attester this
// node's attester address (zero when it is none).
func (s *Service) Vault() ledger.Address { return s.cfg.Vault }
func (s *Service) Attester() ledger.Address {
	if s.key == nil {
		return ledger.Address{}
	}
	return s.key.Address()
}

// Disagreement is the first batch an attester signed other roots for
// than this node folded, or nil.
func (s *Service) Disagreement() *api.RootDisagreement {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.disagreement
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

func (s *Service) isAttester(a ledger.Address) bool { return slices.Contains(s.attesters, a) }

// Start reads the Vault's attester set, joins the attest topic and starts
// the loops. Without a Vault it does nothing.
func (s *Service) Start(ctx context.Context) error {
	if !s.Enabled() {
		return nil
	}
	v := chain.NewVault(s.n.Eth(), common.Address(s.cfg.Vault))
	// A Vault of another Anchor would fold deposits no other node folds.
	anchor, err := v.Anchor(ctx)
	if err != nil {
		return fmt.Errorf("node: vault %s: %w (is it a Vault contract on this chain?)", s.cfg.Vault.Hex(), err)
	}
	if ledger.Address(anchor) != s.cfg.Anchor {
		return fmt.Errorf("node: vault %s belongs to Anchor %s, not %s", s.cfg.Vault.Hex(), anchor.Hex(), s.cfg.Anchor.Hex())
	}
	as, th, err := v.Attesters(ctx)
	if err != nil {
		return fmt.Errorf("node: vault %s: %w", s.cfg.Vault.Hex(), err)
	}
	s.vault, s.threshold = v, th
	for _, a := range as {
		s.attesters = append(s.attesters, ledger.Address(a))
	}
	if s.key != nil && !s.isAttester(s.key.Address()) {
		return fmt.Errorf("node: attester key %s is not an attester of vault %s", s.key.Address().Hex(), s.cfg.Vault.Hex())
	}
	s.topic, err = s.n.Join(p2p.AttestTopicName(s.cfg.Network), s.validateAttestation)
	if err != nil {
		return err
	}
	if s.key != nil {
		s.tasks.Go(s.attestLoop)
	}
	if err := s.topic.HandOver(s.shareAttestations); err != nil {
		return err
	}
	s.tasks.Go(s.disagreeLoop)
	return nil
}

// shareBatches is how many of the newest batches' attestations a peer that
// joins the attest topic gets.
const shareBatches = 256

// shareAttestations is what a peer that joins the attest topic is handed
// (p2p's HandOver): the attestations this node holds of its newest
// batches. Attesters gossip an attestation once, and gossip never brings
// it again to a node that was down then (gossipsub drops a payload it
// delivered within 2 minutes, on Publish too): without this, a withdrawal
// of such a batch would never be attested on that node.
func (s *Service) shareAttestations() [][]byte {
	raws, err := s.recentAttestations(shareBatches)
	if err != nil {
		s.log.Warn("attestations for a peer that joined", "err", err)
		return nil
	}
	return raws
}

// recentAttestations returns, in wire form, the attestations this node
// holds of its newest batches (at most batches of them, and at most what
// one direct send carries).
func (s *Service) recentAttestations(batches uint64) ([][]byte, error) {
	head, err := s.store.Head()
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for seq := head.NextSeq; seq > 0 && head.NextSeq-seq < batches && len(out) < p2p.MaxDirectPayloads; seq-- {
		held, err := s.held(seq - 1)
		if err != nil {
			return nil, err
		}
		for _, sa := range held {
			if len(out) == p2p.MaxDirectPayloads {
				break
			}
			raw, err := json.Marshal(sa)
			if err != nil {
				return nil, err
			}
			out = append(out, raw)
		}
	}
	return out, nil
}

// attestBatch signs a folded batch's attestation with the node's attester
// key, keeps it and gossips it. attestLoop calls it only once the batch's
// block is final.
func (s *Service) attestBatch(ctx context.Context, rec store.BatchRecord) {
	a := ledger.Attestation{Seq: rec.Seq, DataHash: rec.DataHash, StateRoot: rec.StateRoot, ReceiptsRoot: rec.ReceiptsRoot}
	sig, err := s.key.Sign(a.Digest(s.n.Domain().ChainID, s.addr))
	if err != nil {
		s.log.Error("attestation not signed", "seq", rec.Seq, "err", err)
		return
	}
	sa := signedAttestation{Attestation: a, Signer: s.key.Address(), Signature: sig}
	if err := s.keepAttestation(sa); err != nil {
		s.log.Error("attestation not stored", "seq", rec.Seq, "err", err)
	}
	raw, _ := json.Marshal(sa)
	if err := s.topic.Publish(ctx, raw); err != nil && ctx.Err() == nil {
		s.log.Warn("attestation not gossiped", "seq", rec.Seq, "err", err)
	}
}

func attestationKey(seq uint64, signer ledger.Address) string {
	return fmt.Sprintf("%016x/%x", seq, signer[:])
}

// keepAttestation stores a verified attestation signature; a second,
// different attestation of the same batch by the same attester is kept as
// evidence.
func (s *Service) keepAttestation(sa signedAttestation) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	per, err := s.heldLocked(sa.Attestation.Seq)
	if err != nil {
		return err
	}
	if old, ok := per[sa.Signer]; ok {
		if old.Attestation != sa.Attestation {
			s.log.Warn("attester signed two attestations of one batch", "attester", sa.Signer, "seq", sa.Attestation.Seq)
			raw, _ := json.Marshal([]signedAttestation{old, sa})
			return s.cfg.Conflicts.Put(attestationKey(sa.Attestation.Seq, sa.Signer), raw)
		}
		return nil
	}
	raw, err := json.Marshal(sa)
	if err != nil {
		return err
	}
	if err := s.cfg.Attestations.Put(attestationKey(sa.Attestation.Seq, sa.Signer), raw); err != nil {
		return err
	}
	per[sa.Signer] = sa
	return nil
}

// held returns the attestations this node holds of batch seq, by signer.
func (s *Service) held(seq uint64) ([]signedAttestation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	per, err := s.heldLocked(seq)
	if err != nil {
		return nil, err
	}
	out := make([]signedAttestation, 0, len(per))
	for _, sa := range per {
		out = append(out, sa)
	}
	return out, nil
}

// heldLocked is the cache's map of batch seq's attestations by signer,
// read from the store on a miss. s.mu is held.
func (s *Service) heldLocked(seq uint64) (map[ledger.Address]signedAttestation, error) {
	if per := s.sigs[seq]; per != nil {
		return per, nil
	}
	per := map[ledger.Address]signedAttestation{}
	err := s.cfg.Attestations.Scan(fmt.Sprintf("%016x/", seq), func(_ string, v []byte) bool {
		var sa signedAttestation
		if json.Unmarshal(v, &sa) == nil {
			per[sa.Signer] = sa
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	if len(s.sigs) > 4096 { // a cache, not the record: the store has them all
		clear(s.sigs)
	}
	s.sigs[seq] = per
	return per, nil
}

// validateAttestation checks a gossiped attestation: well formed, signed
// by the attester it names, who is registered in the Vault.
func (s *Service) validateAttestation(_ context.Context, _ peer.ID, raw []byte) p2p.Verdict {
	if len(raw) > maxAttestationBytes {
		return p2p.Reject
	}
	var sa signedAttestation
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sa); err != nil {
		return p2p.Reject
	}
	if !s.isAttester(sa.Signer) {
		return p2p.Reject
	}
	signer, err := s.n.Recoverer().Recover(sa.Attestation.Digest(s.n.Domain().ChainID, s.addr), sa.Signature)
	if err != nil || signer != sa.Signer {
		return p2p.Reject
	}
	if rec, ok, err := s.store.Batch(sa.Attestation.Seq); err == nil && ok {
		s.compareAttestation(rec, sa)
	}
	if err := s.keepAttestation(sa); err != nil {
		return p2p.Ignore
	}
	return p2p.Accept
}

// compareAttestation reports loudly when an attester signed other roots
// for a batch this node folded.
func (s *Service) compareAttestation(rec store.BatchRecord, sa signedAttestation) {
	ours := ledger.Attestation{Seq: rec.Seq, DataHash: rec.DataHash, StateRoot: rec.StateRoot, ReceiptsRoot: rec.ReceiptsRoot}
	if sa.Attestation == ours {
		return
	}
	s.log.Error("settled state disagrees with an attester: this node folded other roots for the same batch",
		"seq", rec.Seq, "attester", sa.Signer, "our_state_root", ours.StateRoot, "their_state_root", sa.Attestation.StateRoot,
		"our_receipts_root", ours.ReceiptsRoot, "their_receipts_root", sa.Attestation.ReceiptsRoot)
	s.mu.Lock()
	if s.disagreement == nil {
		s.disagreement = &api.RootDisagreement{Seq: rec.Seq, Attester: sa.Signer, Ours: ours, Theirs: sa.Attestation}
	}
	s.mu.Unlock()
}

// disagreeLoop compares each batch this node folds with the attestations
// it already holds for it (ones that arrived before the fold; those that
// arrive later are compared as they arrive, in validateAttestation).
func (s *Service) disagreeLoop(ctx context.Context) {
	head, _ := s.store.Head()
	s.walkBatches(ctx, head.NextSeq, nil, func(rec store.BatchRecord) { s.checkAttested(rec) })
}

// checkAttested compares a batch just folded with the attestations already
// held for it.
func (s *Service) checkAttested(rec store.BatchRecord) {
	held, err := s.held(rec.Seq)
	if err != nil {
		return
	}
	for _, sa := range held {
		s.compareAttestation(rec, sa)
	}
}

// Attestations returns what this node holds for batch seq.
func (s *Service) Attestations(seq uint64) (*api.BatchAttestations, error) {
	if s.vault == nil {
		return nil, api.Errorf(api.CodeNotFound, "this node follows no vault")
	}
	rec, ok, err := s.store.Batch(seq)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, api.Errorf(api.CodeNotFound, "batch %d is not settled here yet", seq)
	}
	a := ledger.Attestation{Seq: seq, DataHash: rec.DataHash, StateRoot: rec.StateRoot, ReceiptsRoot: rec.ReceiptsRoot}
	out := &api.BatchAttestations{Attestation: a, Threshold: s.threshold, Attesters: s.attesters, Vault: s.addr, Signatures: []api.AttesterSig{}}
	held, err := s.held(seq)
	if err != nil {
		return nil, err
	}
	for _, sa := range held {
		if sa.Attestation == a {
			out.Signatures = append(out.Signatures, api.AttesterSig{Signer: sa.Signer, Signature: sa.Signature})
		} else {
			out.Conflicting = append(out.Conflicting, sa.Signer)
		}
	}
	slices.SortFunc(out.Signatures, func(x, y api.AttesterSig) int { return bytes.Compare(x.Signer[:], y.Signer[:]) })
	return out, nil
}

// Withdrawal reports a withdrawal's state and, once attested, its proof.
func (s *Service) Withdrawal(ctx context.Context, id ledger.Hash) (*api.Withdrawal, error) {
	if s.vault == nil {
		return nil, api.Errorf(api.CodeNotFound, "this node follows no vault")
	}
	rec, ok, err := s.store.Tx(id)
	if err != nil {
		return nil, err
	}
	if !ok {
		if s.n.Pending(id) {
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
	raw, err := s.cfg.Withdrawals.Get(id.Hex())
	if err != nil {
		return nil, err
	}
	tx, err := ledger.DecodeTx(raw)
	if err != nil {
		return nil, fmt.Errorf("node: stored withdrawal %s: %w", id, err)
	}
	w.Withdraw = tx.Payload.(*ledger.Withdraw)
	w.Tx, _ = json.Marshal(tx)
	hashes, _, err := s.store.BatchReceipts(rec.Seq)
	if err != nil {
		return nil, err
	}
	w.Size = uint64(len(hashes))
	if w.Proof, err = ledger.ReceiptHashProof(hashes, int(rec.Index)); err != nil {
		return nil, err
	}
	if w.BatchAttestations, err = s.Attestations(rec.Seq); err != nil {
		return nil, err
	}
	if len(w.Signatures) >= w.Threshold {
		w.Status = api.WithdrawalAttested
		w.Signatures = w.Signatures[:w.Threshold]
	}
	// The ledger's asset record names the token: no need to ask the Vault.
	if raw, err := s.store.State().Get(ledger.StateKeyAsset(w.Withdraw.Asset)); err == nil {
		if a, ok := ledger.DecodeAsset(w.Withdraw.Asset, raw); ok {
			w.Token = a.Token
		}
	}
	if paid, err := s.vault.Paid(ctx, id); err == nil && paid {
		w.Status = api.WithdrawalPaid
	}
	return w, nil
}

// Routes mounts the bridge's routes: attestations, withdrawals, deposits.
func (s *Service) Routes(m *route.Mux) {
	m.Handle("GET /v1/batches/{seq}/attestations", func(r *http.Request) (any, error) {
		seq, err := strconv.ParseUint(r.PathValue("seq"), 10, 64)
		if err != nil {
			return nil, api.Errorf(api.CodeMalformed, "batch sequence number %q", r.PathValue("seq"))
		}
		return s.Attestations(seq)
	})
	m.Handle("GET /v1/withdrawals/{id}", func(r *http.Request) (any, error) {
		id, err := route.Hash(r, "id")
		if err != nil {
			return nil, err
		}
		return s.Withdrawal(r.Context(), id)
	})
	m.Handle("GET /v1/deposits/{q}", func(r *http.Request) (any, error) {
		q := r.PathValue("q")
		if i, err := strconv.ParseUint(q, 10, 64); err == nil {
			d, ok, err := s.Deposit(i)
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
		ds, err := s.store.DepositsByTx(h)
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
	})
}

// Deposit reads a folded deposit by its Vault index.
func (s *Service) Deposit(index uint64) (api.Deposit, bool, error) {
	d, ok, err := s.store.Deposit(index)
	return depositInfo(d), ok, err
}

// depositInfo is a folded deposit as the API answers it.
func depositInfo(d store.DepositRecord) api.Deposit {
	return api.Deposit{Index: d.Index, Asset: d.Asset, Account: d.Account, Amount: d.Amount, From: d.From,
		Status: api.TxStatus(d.Status), Reason: d.Reason, Block: d.Block, EthTx: d.EthTx}
}

// attestLoop signs, as this node's attester, the attestation of each
// folded batch once the batch's block is final, in sequence order. After a
// restart it looks back over recent batches; those already signed are
// skipped.
func (s *Service) attestLoop(ctx context.Context) {
	head, _ := s.store.Head()
	s.walkBatches(ctx, head.NextSeq-min(head.NextSeq, 1024), s.n.Horizon, func(rec store.BatchRecord) {
		if rec.Junk == "" && !s.signed(rec.Seq) {
			s.attestBatch(ctx, rec)
		}
	})
}

// walkBatches calls fn with each folded batch from seq next on, in
// sequence order, polling the store until the node stops. With upTo, only
// batches whose block is at most the block it returns (when ok) are
// visited yet. After a rollback the walk goes back to the new head.
func (s *Service) walkBatches(ctx context.Context, next uint64, upTo func() (uint64, bool), fn func(store.BatchRecord)) {
	t := time.NewTicker(max(s.cfg.PollInterval, 20*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		limit, ok := uint64(1<<63), true
		if upTo != nil {
			limit, ok = upTo()
		}
		head, err := s.store.Head()
		if err != nil || !ok {
			continue
		}
		next = min(next, head.NextSeq) // a rollback went below it
		for ; next < head.NextSeq; next++ {
			rec, found, err := s.store.Batch(next)
			if err != nil || !found || rec.Block > limit {
				break
			}
			fn(rec)
		}
	}
}

// signed reports whether this node's attester has signed batch seq.
func (s *Service) signed(seq uint64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	per, err := s.heldLocked(seq) // the store, when the cache let it go
	if err != nil {
		return false // signing again makes the same signature
	}
	_, ok := per[s.key.Address()]
	return ok
}
