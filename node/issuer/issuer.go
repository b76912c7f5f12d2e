// Package issuer is the node's card subsystem. With an issuer key it runs
// the issuer service: it certifies cards and registers them on the
// ledger, signs update values — a card's settled credits T — on demand
// for the update the card is at, and blocks its cards reported lost or
// stolen with a CardBlock on the ledger. Every node, issuer or not, serves
// a card's state and the hot-list from the ledger (GET /v1/cards/{card},
// GET /v1/hotlist). See docs/card-protocol.md.
//
// It sees the node only through Node: the pending view, the settled and
// final state, and Submit. Its update-value snapshots live in its own
// record namespace (Config.Records).
package issuer

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/ledger"
	"github.com/anonex/anonex/ledger/store"
	"github.com/anonex/anonex/node/route"
	"github.com/holiman/uint256"
)

// ErrNotIssuer refuses issuer calls on a node without an issuer key.
var ErrNotIssuer = errors.New("node: this node runs no issuer service")

// ErrNotFinal: a card, or its newest credits, have settled but are not
// final yet.
var ErrNotFinal = errors.New("node: not final yet")

// Node is what the card subsystem needs of the node.
type Node interface {
	// View runs fn over the pending view (settled state + pending writes).
	View(fn func(v *ledger.Overlay))
	// Settled reads the settled state; FinalState the settled state as of
	// the final horizon (done releases it).
	Settled() ledger.Reader
	FinalState(ctx context.Context) (st ledger.Reader, done func(), err error)
	// ScanSettled calls fn for each settled state key under prefix.
	ScanSettled(prefix []byte, fn func(key, value []byte) bool) error
	// SettledBalances lists an account's settled balances by asset id.
	SettledBalances(a ledger.Address) (map[ledger.Hash][]byte, error)
	// Domain is the EIP-712 domain; Recoverer recovers signers.
	Domain() ledger.Domain
	Recoverer() ledger.Recoverer
	// Submit admits a transaction to the pending pool and gossips it.
	Submit(ctx context.Context, tx *ledger.Tx) (api.SubmitResult, error)
}

// Config configures the card subsystem.
type Config struct {
	// Key, when set, runs the issuer service with this device account
	// (node.Config.IssuerKey).
	Key *account.Key
	// FrontsUnfinal signs T over settled credits that are not final yet
	// (node.Config.IssuerFrontsUnfinal).
	FrontsUnfinal bool
	// FinalDepth is the node's final depth, named in answers; PollInterval
	// paces the wait for credits to become final.
	FinalDepth   uint64
	PollInterval time.Duration
	// Records is the issuer's record namespace (store.NSIssuer).
	Records store.Records
}

// Service is the card subsystem.
type Service struct {
	cfg Config
	n   Node
	key *account.Key
	mu  sync.Mutex // update-value snapshots
	// txMu orders the issuer's own transactions: each takes the next
	// nonce of the pending view, then is submitted.
	txMu sync.Mutex
}

// New returns node n's card subsystem.
func New(cfg Config, n Node) *Service { return &Service{cfg: cfg, n: n, key: cfg.Key} }

// Start starts nothing: the service answers requests only.
func (is *Service) Start(context.Context) error { return nil }

// Stop stops nothing.
func (is *Service) Stop() {}

// snapshot is one update value the issuer made for a card's purse: its
// total T and how many received records that total counts.
type snapshot struct {
	Seq   uint64
	T     uint256.Int
	Count uint64
}

func snapKey(card ledger.Address, asset ledger.Hash, seq uint64) string {
	return fmt.Sprintf("%x/%x/%020d", card[:], asset[:], seq)
}

// snapshots are the issuer's records.
func (is *Service) snapshots() store.Records { return is.cfg.Records }

func (s *snapshot) bytes() []byte {
	t := s.T.Bytes32()
	return binary.BigEndian.AppendUint64(t[:], s.Count)
}

// latest returns the newest snapshot of a purse (seq 0, T 0 if none).
func (is *Service) latest(card ledger.Address, asset ledger.Hash) (snapshot, error) {
	var last snapshot
	prefix := fmt.Sprintf("%x/%x/", card[:], asset[:])
	err := is.snapshots().Scan(prefix, func(k string, v []byte) bool {
		seq, _ := strconv.ParseUint(k[len(prefix):], 10, 64)
		if len(v) == 40 {
			last = snapshot{Seq: seq, Count: binary.BigEndian.Uint64(v[32:])}
			last.T.SetBytes32(v[:32])
		}
		return true
	})
	return last, err
}

func (is *Service) snapshotAt(card ledger.Address, asset ledger.Hash, seq uint64) (snapshot, bool, error) {
	if seq == 0 {
		return snapshot{}, true, nil
	}
	v, err := is.snapshots().Get(snapKey(card, asset, seq))
	if err != nil || len(v) != 40 {
		return snapshot{}, false, err
	}
	s := snapshot{Seq: seq, Count: binary.BigEndian.Uint64(v[32:])}
	s.T.SetBytes32(v[:32])
	return s, true, nil
}

// finalWait bounds how long an update value waits for what has settled
// to become final.
const finalWait = 30 * time.Second

// update makes the update value that brings a card from update base to
// what has settled and is final (Config.FinalDepth): T is a promise that
// every record the card signs against it is payable, so it never counts a
// credit a reorg could still take away — unless the issuer chose to front
// loads (Config.IssuerFrontsUnfinal). When credits have settled but are not
// final yet, it answers at once with the final T (a terminal paying online
// should not wait for a credit it may not need), or with wait, waits for
// them (up to finalWait, then ErrNotFinal: a wallet that just loaded the
// card). Snapshots only ever grow.
func (is *Service) update(ctx context.Context, card ledger.Address, asset ledger.Hash, base uint64, wait bool) (api.UpdateValue, error) {
	deadline := time.Now().Add(finalWait)
	for {
		read, done, err := is.n.Settled(), func() {}, error(nil)
		if !is.cfg.FrontsUnfinal {
			if read, done, err = is.n.FinalState(ctx); err != nil {
				return api.UpdateValue{}, err
			}
		}
		uv, err := is.updateFrom(card, asset, base, read, wait)
		done()
		if !errors.Is(err, ErrNotFinal) {
			return uv, err
		}
		if !wait || time.Now().After(deadline) {
			return api.UpdateValue{}, api.Errorf(api.CodeNotFinal,
				"the card (or its newest credits) has settled but is not final yet (%d blocks); ask again shortly", is.cfg.FinalDepth)
		}
		select {
		case <-ctx.Done():
			return api.UpdateValue{}, ctx.Err()
		case <-time.After(max(is.cfg.PollInterval/2, 10*time.Millisecond)):
		}
	}
}

// updateFrom makes the update value over the given (final) state. It
// fails with ErrNotFinal when the card is not final yet, or, with all,
// when the settled state credits the purse with more than read does.
func (is *Service) updateFrom(card ledger.Address, asset ledger.Hash, base uint64, read ledger.Reader, all bool) (api.UpdateValue, error) {
	is.mu.Lock()
	defer is.mu.Unlock()
	st := ledger.NewOverlay(read)
	settled := ledger.NewOverlay(is.n.Settled())
	if _, ok := st.Card(card); !ok {
		if _, ok := settled.Card(card); ok {
			return api.UpdateValue{}, ErrNotFinal
		}
	}
	if all && st.CardCredited(card, asset).Lt(settled.CardCredited(card, asset)) {
		return api.UpdateValue{}, ErrNotFinal
	}
	c, ok := st.Card(card)
	if !ok || c.Issuer != is.key.Address() {
		return api.UpdateValue{}, api.Errorf(api.CodeUnknownCard, "card %s is not a settled card of this issuer", card.Hex())
	}
	last, err := is.latest(card, asset)
	if err != nil {
		return api.UpdateValue{}, err
	}
	total, count := st.CardCredited(card, asset), st.CardReceivedCount(card, asset)
	if err := st.Err(); err != nil {
		return api.UpdateValue{}, err
	}
	if total.Gt(&last.T) {
		last = snapshot{Seq: last.Seq + 1, T: *total, Count: count}
		if err := is.snapshots().Put(snapKey(card, asset, last.Seq), last.bytes()); err != nil {
			return api.UpdateValue{}, err
		}
	}
	uv := api.UpdateValue{Card: card, Asset: asset, Total: last.T.Dec(), Seq: last.Seq, Base: base}
	switch {
	case base == last.Seq:
		uv.UpToDate = true
		return uv, nil
	case base > last.Seq:
		return api.UpdateValue{}, api.Errorf(api.CodeBadBase, "the card is at update %d, this issuer made only %d", base, last.Seq)
	}
	from, ok, err := is.snapshotAt(card, asset, base)
	if err != nil {
		return api.UpdateValue{}, err
	}
	if !ok {
		return api.UpdateValue{}, api.Errorf(api.CodeBadBase, "this issuer never made update %d for the card", base)
	}
	uv.Confirmed = st.CardReceived(card, asset, from.Count, last.Count)
	sorted := append([]ledger.Hash(nil), uv.Confirmed...)
	sort.Slice(sorted, func(i, j int) bool { return bytes.Compare(sorted[i][:], sorted[j][:]) < 0 })
	cc := ledger.CardCredit{Card: card, Asset: asset, Total: last.T, Seq: last.Seq, Base: base, Confirmed: ledger.ConfirmedHash(sorted)}
	sig, err := is.key.Sign(is.n.Domain().Digest(cc.StructHash()))
	if err != nil {
		return api.UpdateValue{}, err
	}
	uv.Signature = ledger.Sig(sig)
	return uv, nil
}

func (is *Service) cardInfo(card ledger.Address) (api.CardInfo, error) {
	st := ledger.NewOverlay(is.n.Settled())
	c, ok := st.Card(card)
	var pc ledger.Card
	var perr error
	is.n.View(func(v *ledger.Overlay) { pc, _ = v.Card(card); perr = v.Err() })
	if perr != nil {
		pc = c // the pending view could not read it: the settled flags
	}
	info := api.CardInfo{Card: card, Registered: ok, Issuer: c.Issuer, Owner: c.Owner, Cloned: c.Cloned || pc.Cloned,
		Blocked: pc.Blocked, BlockPending: pc.Blocked && !c.Blocked, Credited: map[string]string{}}
	if pc.Blocked {
		info.BlockReason = ledger.BlockReasonName(pc.BlockReason)
	}
	info.HotListed = info.Cloned || info.Blocked
	if ok {
		bal, err := is.n.SettledBalances(card)
		if err != nil {
			return info, err
		}
		for asset := range bal {
			info.Credited[asset.Hex()] = st.CardCredited(card, asset).Dec()
		}
	}
	return info, st.Err()
}

// hotList is every card the ledger flags — cloned, or blocked by its
// issuer — settled, plus the blocks in this node's pending view, by card
// address. Every node reads the same settled state, so every node serves
// the same settled hot-list.
func (is *Service) hotList() ([]api.HotListEntry, error) {
	settled := map[ledger.Address]ledger.Card{}
	err := is.n.ScanSettled(ledger.StatePrefixCard(), func(k, v []byte) bool {
		if a, c, ok := ledger.ParseCardState(k, v); ok && c.HotListed() {
			settled[a] = c
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	var pending map[ledger.Address]ledger.Card
	is.n.View(func(v *ledger.Overlay) { pending = v.CardWrites() })
	entry := func(a ledger.Address, c ledger.Card, pending bool) api.HotListEntry {
		e := api.HotListEntry{Card: a, Issuer: c.Issuer, Reason: "cloned", Pending: pending}
		if !c.Cloned {
			e.Reason = ledger.BlockReasonName(c.BlockReason)
		}
		return e
	}
	out := []api.HotListEntry{}
	for a, c := range settled {
		out = append(out, entry(a, c, false))
	}
	for a, c := range pending {
		if _, ok := settled[a]; !ok && c.HotListed() {
			out = append(out, entry(a, c, true))
		}
	}
	sort.Slice(out, func(i, j int) bool { return bytes.Compare(out[i].Card[:], out[j].Card[:]) < 0 })
	return out, nil
}

// block submits the CardBlock of a card this issuer registered.
func (is *Service) block(ctx context.Context, card ledger.Address, reason uint8) (api.BlockResult, error) {
	is.txMu.Lock()
	defer is.txMu.Unlock()
	var c ledger.Card
	var ok bool
	var nonce uint64
	var verr error
	is.n.View(func(v *ledger.Overlay) {
		c, ok = v.Card(card)
		nonce = v.Account(is.key.Address()).Nonce
		verr = v.Err()
	})
	switch {
	case verr != nil:
		return api.BlockResult{}, verr
	case !ok:
		return api.BlockResult{}, api.Errorf(api.CodeUnknownCard, "card %s is not registered", card.Hex())
	case c.Issuer != is.key.Address():
		return api.BlockResult{}, api.Errorf(api.CodeNotCardIssuer, "card %s was registered by issuer %s, not this node's %s",
			card.Hex(), c.Issuer.Hex(), is.key.Address().Hex())
	case c.Blocked:
		return api.BlockResult{Card: card, Reason: ledger.BlockReasonName(c.BlockReason), Already: true}, nil
	}
	b := &ledger.CardBlock{Issuer: is.key.Address(), Card: card, Reason: reason, Nonce: nonce}
	sig, err := is.key.Sign(is.n.Domain().Digest(b.StructHash()))
	if err != nil {
		return api.BlockResult{}, err
	}
	res, err := is.n.Submit(ctx, &ledger.Tx{Payload: b, Sig: ledger.Sig(sig)})
	if err != nil {
		return api.BlockResult{}, err
	}
	return api.BlockResult{Card: card, Reason: ledger.BlockReasonName(reason), BlockTx: &res.ID}, nil
}

// certify signs a card's certificate. The card is registered on the
// ledger only with its own consent, which it signs once personalized
// (register).
func (is *Service) certify(req api.CertifyRequest) (api.CertifyResult, error) {
	if req.Card.IsZero() || req.Owner.IsZero() {
		return api.CertifyResult{}, api.Errorf(api.CodeInvalid, "card and owner are required")
	}
	cc := ledger.CardCertificate{Card: req.Card, Owner: req.Owner}
	cert, err := is.key.Sign(is.n.Domain().Digest(cc.StructHash()))
	if err != nil {
		return api.CertifyResult{}, err
	}
	return api.CertifyResult{Card: req.Card, Owner: req.Owner, Issuer: is.key.Address(), Cert: ledger.Sig(cert),
		ChainID: is.n.Domain().ChainID, Anchor: is.n.Domain().Contract}, nil
}

// register submits the CardRegister of a card that consented to this
// issuer and owner.
func (is *Service) register(ctx context.Context, card ledger.Address, req api.RegisterRequest) (api.RegisterResult, error) {
	if card.IsZero() || req.Owner.IsZero() {
		return api.RegisterResult{}, api.Errorf(api.CodeInvalid, "card and owner are required")
	}
	reg := &ledger.CardRegister{Issuer: is.key.Address(), Card: card, Owner: req.Owner, Consent: req.Consent}
	if err := ledger.VerifyCardConsent(reg, is.n.Domain(), is.n.Recoverer()); err != nil {
		return api.RegisterResult{}, api.Errorf(api.CodeInvalid, "the card's consent: %v", err)
	}
	is.txMu.Lock()
	defer is.txMu.Unlock()
	var nonce uint64
	is.n.View(func(v *ledger.Overlay) { nonce = v.Account(is.key.Address()).Nonce })
	reg.Nonce = nonce
	sig, err := is.key.Sign(is.n.Domain().Digest(reg.StructHash()))
	if err != nil {
		return api.RegisterResult{}, err
	}
	res, err := is.n.Submit(ctx, &ledger.Tx{Payload: reg, Sig: ledger.Sig(sig)})
	if err != nil {
		return api.RegisterResult{}, err
	}
	return api.RegisterResult{Card: card, RegisterTx: res.ID}, nil
}

// Routes mounts the card routes: certify, register, update values and
// blocks need the issuer key; a card's state and the hot-list are served
// by every node.
func (is *Service) Routes(m *route.Mux) {
	need := func() error {
		if is.key == nil {
			return api.Errorf(api.CodeNotAnIssuer, "%v", ErrNotIssuer)
		}
		return nil
	}
	m.Authorized("POST /v1/cards", func(r *http.Request) (any, error) {
		if err := need(); err != nil {
			return nil, err
		}
		var req api.CertifyRequest
		if err := route.Decode(r, &req); err != nil {
			return nil, err
		}
		return is.certify(req)
	})
	m.Authorized("POST /v1/cards/{card}/register", func(r *http.Request) (any, error) {
		if err := need(); err != nil {
			return nil, err
		}
		card, err := route.Address(r, "card")
		if err != nil {
			return nil, err
		}
		var req api.RegisterRequest
		if err := route.Decode(r, &req); err != nil {
			return nil, err
		}
		return is.register(r.Context(), card, req)
	})
	m.Handle("GET /v1/cards/{card}", func(r *http.Request) (any, error) {
		card, err := route.Address(r, "card")
		if err != nil {
			return nil, err
		}
		return is.cardInfo(card)
	})
	m.Handle("GET /v1/cards/{card}/update", func(r *http.Request) (any, error) {
		if err := need(); err != nil {
			return nil, err
		}
		card, err := route.Address(r, "card")
		if err != nil {
			return nil, err
		}
		q, err := route.Query(r, "asset", "base", "wait")
		if err != nil {
			return nil, err
		}
		asset, err := ledger.ParseHash(q["asset"])
		if err != nil {
			return nil, api.Errorf(api.CodeMalformed, "asset: %v", err)
		}
		base, err := strconv.ParseUint(q["base"], 10, 64)
		if err != nil {
			return nil, api.Errorf(api.CodeMalformed, "base must be the card's update number")
		}
		if w := q["wait"]; w != "" && w != "final" {
			return nil, api.Errorf(api.CodeMalformed, "wait=%q: the one value is final", w)
		}
		return is.update(r.Context(), card, asset, base, q["wait"] == "final")
	})
	m.Authorized("POST /v1/cards/{card}/lost", func(r *http.Request) (any, error) {
		if err := need(); err != nil {
			return nil, err
		}
		card, err := route.Address(r, "card")
		if err != nil {
			return nil, err
		}
		var req api.BlockRequest
		if err := route.DecodeOptional(r, &req); err != nil {
			return nil, err
		}
		reason, err := api.ParseBlockReason(req.Reason)
		if err != nil {
			return nil, api.Errorf(api.CodeInvalid, "%v", err)
		}
		return is.block(r.Context(), card, reason)
	})
	m.Handle("GET /v1/hotlist", func(*http.Request) (any, error) { return is.hotList() })
}
