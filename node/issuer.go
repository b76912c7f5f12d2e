package node

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
	"github.com/holiman/uint256"
)

// The issuer service runs on a node given an issuer key: it certifies
// cards and registers them on the ledger, signs update values — a card's
// settled credits T — on demand for the update the card is at, and blocks
// its cards reported lost or stolen with a CardBlock on the ledger. Every
// node, issuer or not, serves the hot-list from the ledger (GET /v1/hotlist).

// ErrNotIssuer refuses issuer calls on a node without an issuer key.
var ErrNotIssuer = errors.New("node: this node runs no issuer service")

type issuer struct {
	n   *Node
	key *account.Key
	mu  sync.Mutex // update-value snapshots
	// txMu orders the issuer's own transactions: each takes the next
	// nonce of the pending view, then is submitted.
	txMu sync.Mutex
}

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
func (is *issuer) snapshots() store.Records { return is.n.store.Records(store.NSIssuer) }

func (s *snapshot) bytes() []byte {
	t := s.T.Bytes32()
	return binary.BigEndian.AppendUint64(t[:], s.Count)
}

// latest returns the newest snapshot of a purse (seq 0, T 0 if none).
func (is *issuer) latest(card ledger.Address, asset ledger.Hash) (snapshot, error) {
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

func (is *issuer) snapshotAt(card ledger.Address, asset ledger.Hash, seq uint64) (snapshot, bool, error) {
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
func (is *issuer) update(ctx context.Context, card ledger.Address, asset ledger.Hash, base uint64, wait bool) (api.UpdateValue, error) {
	deadline := time.Now().Add(finalWait)
	for {
		read, done, err := is.n.store.State(), func() {}, error(nil)
		if !is.n.cfg.IssuerFrontsUnfinal {
			if read, done, err = is.n.finalState(ctx); err != nil {
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
				"the card (or its newest credits) has settled but is not final yet (%d blocks); ask again shortly", is.n.cfg.FinalDepth)
		}
		select {
		case <-ctx.Done():
			return api.UpdateValue{}, ctx.Err()
		case <-time.After(max(is.n.cfg.PollInterval/2, 10*time.Millisecond)):
		}
	}
}

// updateFrom makes the update value over the given (final) state. It
// fails with ErrNotFinal when the card is not final yet, or, with all,
// when the settled state credits the purse with more than read does.
func (is *issuer) updateFrom(card ledger.Address, asset ledger.Hash, base uint64, read ledger.Reader, all bool) (api.UpdateValue, error) {
	is.mu.Lock()
	defer is.mu.Unlock()
	st := ledger.NewOverlay(read)
	settled := ledger.NewOverlay(is.n.store.State())
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
	sig, err := is.key.Sign(is.n.domain.Digest(cc.StructHash()))
	if err != nil {
		return api.UpdateValue{}, err
	}
	uv.Signature = ledger.Sig(sig)
	return uv, nil
}

func (n *Node) cardInfo(card ledger.Address) (api.CardInfo, error) {
	st := ledger.NewOverlay(n.store.State())
	c, ok := st.Card(card)
	var pc ledger.Card
	var perr error
	n.pool.View(func(v *ledger.Overlay) { pc, _ = v.Card(card); perr = v.Err() })
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
		bal, err := n.store.Balances(card)
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
func (n *Node) hotList() ([]api.HotListEntry, error) {
	settled := map[ledger.Address]ledger.Card{}
	err := n.store.ScanState(ledger.StatePrefixCard(), func(k, v []byte) bool {
		if a, c, ok := ledger.ParseCardState(k, v); ok && c.HotListed() {
			settled[a] = c
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	var pending map[ledger.Address]ledger.Card
	n.pool.View(func(v *ledger.Overlay) { pending = v.CardWrites() })
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
func (is *issuer) block(ctx context.Context, card ledger.Address, reason uint8) (api.BlockResult, error) {
	is.txMu.Lock()
	defer is.txMu.Unlock()
	var c ledger.Card
	var ok bool
	var nonce uint64
	var verr error
	is.n.pool.View(func(v *ledger.Overlay) {
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
	sig, err := is.key.Sign(is.n.domain.Digest(b.StructHash()))
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
func (is *issuer) certify(req api.CertifyRequest) (api.CertifyResult, error) {
	if req.Card.IsZero() || req.Owner.IsZero() {
		return api.CertifyResult{}, api.Errorf(api.CodeInvalid, "card and owner are required")
	}
	cc := ledger.CardCertificate{Card: req.Card, Owner: req.Owner}
	cert, err := is.key.Sign(is.n.domain.Digest(cc.StructHash()))
	if err != nil {
		return api.CertifyResult{}, err
	}
	return api.CertifyResult{Card: req.Card, Owner: req.Owner, Issuer: is.key.Address(), Cert: ledger.Sig(cert),
		ChainID: is.n.domain.ChainID, Anchor: is.n.domain.Contract}, nil
}

// register submits the CardRegister of a card that consented to this
// issuer and owner.
func (is *issuer) register(ctx context.Context, card ledger.Address, req api.RegisterRequest) (api.RegisterResult, error) {
	if card.IsZero() || req.Owner.IsZero() {
		return api.RegisterResult{}, api.Errorf(api.CodeInvalid, "card and owner are required")
	}
	reg := &ledger.CardRegister{Issuer: is.key.Address(), Card: card, Owner: req.Owner, Consent: req.Consent}
	if err := ledger.VerifyCardConsent(reg, is.n.domain, is.n.rec); err != nil {
		return api.RegisterResult{}, api.Errorf(api.CodeInvalid, "the card's consent: %v", err)
	}
	is.txMu.Lock()
	defer is.txMu.Unlock()
	var nonce uint64
	is.n.pool.View(func(v *ledger.Overlay) { nonce = v.Account(is.key.Address()).Nonce })
	reg.Nonce = nonce
	sig, err := is.key.Sign(is.n.domain.Digest(reg.StructHash()))
	if err != nil {
		return api.RegisterResult{}, err
	}
	res, err := is.n.Submit(ctx, &ledger.Tx{Payload: reg, Sig: ledger.Sig(sig)})
	if err != nil {
		return api.RegisterResult{}, err
	}
	return api.RegisterResult{Card: card, RegisterTx: res.ID}, nil
}

func (n *Node) issuerRoutes(mux *http.ServeMux) {
	need := func() (*issuer, error) {
		if n.issuer == nil {
			return nil, api.Errorf(api.CodeNotAnIssuer, "%v", ErrNotIssuer)
		}
		return n.issuer, nil
	}
	mux.HandleFunc("POST /v1/cards", n.authorized(n.handle(func(r *http.Request) (any, error) {
		is, err := need()
		if err != nil {
			return nil, err
		}
		var req api.CertifyRequest
		if err := decodeBody(r, &req); err != nil {
			return nil, err
		}
		return is.certify(req)
	})))
	mux.HandleFunc("POST /v1/cards/{card}/register", n.authorized(n.handle(func(r *http.Request) (any, error) {
		is, err := need()
		if err != nil {
			return nil, err
		}
		card, err := cardParam(r)
		if err != nil {
			return nil, err
		}
		var req api.RegisterRequest
		if err := decodeBody(r, &req); err != nil {
			return nil, err
		}
		return is.register(r.Context(), card, req)
	})))
	mux.HandleFunc("GET /v1/cards/{card}", n.handle(func(r *http.Request) (any, error) {
		card, err := cardParam(r)
		if err != nil {
			return nil, err
		}
		return n.cardInfo(card)
	}))
	mux.HandleFunc("GET /v1/cards/{card}/update", n.handle(func(r *http.Request) (any, error) {
		is, err := need()
		if err != nil {
			return nil, err
		}
		card, err := cardParam(r)
		if err != nil {
			return nil, err
		}
		q, err := queryParams(r, "asset", "base", "wait")
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
	}))
	mux.HandleFunc("POST /v1/cards/{card}/lost", n.authorized(n.handle(func(r *http.Request) (any, error) {
		is, err := need()
		if err != nil {
			return nil, err
		}
		card, err := cardParam(r)
		if err != nil {
			return nil, err
		}
		var req api.BlockRequest
		if err := decodeOptionalBody(r, &req); err != nil {
			return nil, err
		}
		reason, err := api.ParseBlockReason(req.Reason)
		if err != nil {
			return nil, api.Errorf(api.CodeInvalid, "%v", err)
		}
		return is.block(r.Context(), card, reason)
	})))
	mux.HandleFunc("GET /v1/hotlist", n.handle(func(*http.Request) (any, error) { return n.hotList() }))
}

// cardParam reads a route's {card} path value.
func cardParam(r *http.Request) (ledger.Address, error) {
	card, err := ledger.ParseAddress(r.PathValue("card"))
	if err != nil {
		return card, api.Errorf(api.CodeMalformed, "%v", err)
	}
	return card, nil
}
