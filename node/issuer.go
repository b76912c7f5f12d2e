package node

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/cardbridge/cardproto"
	"github.com/anonex/anonex/ledger"
	"github.com/holiman/uint256"
)

// The issuer service runs on a node given an issuer key: it certifies
// cards and registers them on the ledger, signs update values — a card's
// settled credits T — on demand for the update the card is at, and serves
// a hot-list of its cards reported lost or caught cloned.

// ErrNotIssuer refuses issuer calls on a node without an issuer key.
var ErrNotIssuer = errors.New("node: this node runs no issuer service")

type issuer struct {
	n   *Node
	key *account.Key
	mu  sync.Mutex // update-value snapshots
}

// snapshot is one update value the issuer made for a card's purse: its
// total T and how many received records that total counts.
type snapshot struct {
	Seq   uint64
	T     uint256.Int
	Count uint64
}

func snapKey(card ledger.Address, asset ledger.Hash, seq uint64) string {
	return fmt.Sprintf("iss/%x/%x/%020d", card[:], asset[:], seq)
}

func (s *snapshot) bytes() []byte {
	t := s.T.Bytes32()
	return binary.BigEndian.AppendUint64(t[:], s.Count)
}

// latest returns the newest snapshot of a purse (seq 0, T 0 if none).
func (is *issuer) latest(card ledger.Address, asset ledger.Hash) (snapshot, error) {
	var last snapshot
	prefix := fmt.Sprintf("iss/%x/%x/", card[:], asset[:])
	err := is.n.store.ScanMeta(prefix, func(k string, v []byte) bool {
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
	v, err := is.n.store.Meta(snapKey(card, asset, seq))
	if err != nil || len(v) != 40 {
		return snapshot{}, false, err
	}
	s := snapshot{Seq: seq, Count: binary.BigEndian.Uint64(v[32:])}
	s.T.SetBytes32(v[:32])
	return s, true, nil
}

// UpdateValue is an issuer-signed T for a card at update Base.
type UpdateValue struct {
	Card      ledger.Address `json:"card"`
	Asset     ledger.Hash    `json:"asset"`
	Total     string         `json:"total"` // base units
	Seq       uint64         `json:"seq"`
	Base      uint64         `json:"base"`
	Confirmed []ledger.Hash  `json:"confirmed"`
	Signature ledger.Sig     `json:"signature"`
	UpToDate  bool           `json:"up_to_date,omitempty"`
}

// CardUpdate is the value as the card's UPDATE command takes it.
func (uv *UpdateValue) CardUpdate() (cardproto.Update, error) {
	var total uint256.Int
	if err := total.SetFromDecimal(uv.Total); err != nil {
		return cardproto.Update{}, fmt.Errorf("node: update value total %q: %w", uv.Total, err)
	}
	return cardproto.Update{Asset: uv.Asset, Total: total, Seq: uv.Seq, Base: uv.Base, Confirmed: uv.Confirmed, Sig: uv.Signature}, nil
}

// finalWait bounds how long an update value waits for what has settled
// to become final.
const finalWait = 30 * time.Second

// update makes the update value that brings a card from update base to
// what has settled and is final (Config.FinalDepth): T is a promise that
// every record the card signs against it is payable, so it never counts a
// credit a reorg could still take away — unless the issuer chose to front
// loads (Config.IssuerFrontsUnfinal). When credits have settled but are not
// final yet, it waits for them (up to finalWait, then ErrNotFinal).
// Snapshots only ever grow.
func (is *issuer) update(ctx context.Context, card ledger.Address, asset ledger.Hash, base uint64) (UpdateValue, error) {
	deadline := time.Now().Add(finalWait)
	for {
		read, done, err := is.n.store.State(), func() {}, error(nil)
		if !is.n.cfg.IssuerFrontsUnfinal {
			if read, done, err = is.n.finalState(ctx); err != nil {
				return UpdateValue{}, err
			}
		}
		uv, err := is.updateFrom(card, asset, base, read)
		done()
		if !errors.Is(err, ErrNotFinal) {
			return uv, err
		}
		if time.Now().After(deadline) {
			return UpdateValue{}, apiErr(http.StatusServiceUnavailable, "not_final",
				"the card's newest credits have settled but are not final yet (%d blocks); ask again shortly", is.n.cfg.FinalDepth)
		}
		select {
		case <-ctx.Done():
			return UpdateValue{}, ctx.Err()
		case <-time.After(max(is.n.cfg.PollInterval/2, 10*time.Millisecond)):
		}
	}
}

// updateFrom makes the update value over the given (final) state. It
// fails with ErrNotFinal when the settled state credits the purse with
// more than read does.
func (is *issuer) updateFrom(card ledger.Address, asset ledger.Hash, base uint64, read ledger.Reader) (UpdateValue, error) {
	is.mu.Lock()
	defer is.mu.Unlock()
	st := ledger.NewOverlay(read)
	settled := ledger.NewOverlay(is.n.store.State())
	if _, ok := st.Card(card); !ok {
		if _, ok := settled.Card(card); ok {
			return UpdateValue{}, ErrNotFinal
		}
	}
	if st.CardCredited(card, asset).Lt(settled.CardCredited(card, asset)) {
		return UpdateValue{}, ErrNotFinal
	}
	c, ok := st.Card(card)
	if !ok || c.Issuer != is.key.Address() {
		return UpdateValue{}, apiErr(http.StatusNotFound, "unknown_card", "card %s is not a settled card of this issuer", card.Hex())
	}
	last, err := is.latest(card, asset)
	if err != nil {
		return UpdateValue{}, err
	}
	total, count := st.CardCredited(card, asset), st.CardReceivedCount(card, asset)
	if err := st.Err(); err != nil {
		return UpdateValue{}, err
	}
	if total.Gt(&last.T) {
		last = snapshot{Seq: last.Seq + 1, T: *total, Count: count}
		if err := is.n.store.PutMeta(snapKey(card, asset, last.Seq), last.bytes()); err != nil {
			return UpdateValue{}, err
		}
	}
	uv := UpdateValue{Card: card, Asset: asset, Total: last.T.Dec(), Seq: last.Seq, Base: base}
	switch {
	case base == last.Seq:
		uv.UpToDate = true
		return uv, nil
	case base > last.Seq:
		return UpdateValue{}, apiErr(http.StatusConflict, "bad_base", "the card is at update %d, this issuer made only %d", base, last.Seq)
	}
	from, ok, err := is.snapshotAt(card, asset, base)
	if err != nil {
		return UpdateValue{}, err
	}
	if !ok {
		return UpdateValue{}, apiErr(http.StatusConflict, "bad_base", "this issuer never made update %d for the card", base)
	}
	uv.Confirmed = st.CardReceived(card, asset, from.Count, last.Count)
	sorted := append([]ledger.Hash(nil), uv.Confirmed...)
	sort.Slice(sorted, func(i, j int) bool { return bytes.Compare(sorted[i][:], sorted[j][:]) < 0 })
	cc := ledger.CardCredit{Card: card, Asset: asset, Total: last.T, Seq: last.Seq, Base: base, Confirmed: ledger.ConfirmedHash(sorted)}
	sig, err := is.key.Sign(is.n.domain.Digest(cc.StructHash()))
	if err != nil {
		return UpdateValue{}, err
	}
	uv.Signature = ledger.Sig(sig)
	return uv, nil
}

// CardInfo is GET /v1/cards/{card}.
type CardInfo struct {
	Card       ledger.Address    `json:"card"`
	Registered bool              `json:"registered"`
	Issuer     ledger.Address    `json:"issuer"`
	Owner      ledger.Address    `json:"owner"`
	Cloned     bool              `json:"cloned"`
	Lost       bool              `json:"lost"`
	HotListed  bool              `json:"hot_listed"`
	Credited   map[string]string `json:"credited"` // asset id → base units
}

func (n *Node) cardInfo(card ledger.Address) (CardInfo, error) {
	st := ledger.NewOverlay(n.store.State())
	c, ok := st.Card(card)
	info := CardInfo{Card: card, Registered: ok, Issuer: c.Issuer, Owner: c.Owner, Cloned: c.Cloned, Credited: map[string]string{}}
	if v, err := n.store.Meta("lost/" + card.Hex()); err != nil {
		return info, err
	} else if v != nil {
		info.Lost = true
	}
	info.HotListed = info.Cloned || info.Lost
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

// HotListEntry is one card terminals must refuse online.
type HotListEntry struct {
	Card   ledger.Address `json:"card"`
	Reason string         `json:"reason"` // cloned | lost
}

func (n *Node) hotList() ([]HotListEntry, error) {
	out := []HotListEntry{}
	err := n.store.ScanMeta("lost/", func(k string, _ []byte) bool {
		if a, err := ledger.ParseAddress(k[len("lost/"):]); err == nil {
			out = append(out, HotListEntry{Card: a, Reason: "lost"})
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	cloned, err := n.store.ClonedCards()
	for _, c := range cloned {
		out = append(out, HotListEntry{Card: c, Reason: "cloned"})
	}
	return out, err
}

// CertifyRequest is POST /v1/cards.
type CertifyRequest struct {
	Card  ledger.Address `json:"card"`
	Owner ledger.Address `json:"owner"`
}

// CertifyResult is what POST /v1/cards answers: what PERSONALIZE needs.
type CertifyResult struct {
	Card    ledger.Address `json:"card"`
	Owner   ledger.Address `json:"owner"`
	Issuer  ledger.Address `json:"issuer"`
	Cert    ledger.Sig     `json:"cert"`
	ChainID uint64         `json:"chain_id"`
	Anchor  ledger.Address `json:"anchor"`
}

// RegisterRequest is POST /v1/cards/{card}/register: the card's consent
// (CARD CONSENT) to its registration under this issuer for Owner.
type RegisterRequest struct {
	Owner   ledger.Address `json:"owner"`
	Consent ledger.Sig     `json:"consent"`
}

// RegisterResult is what POST /v1/cards/{card}/register answers.
type RegisterResult struct {
	Card       ledger.Address `json:"card"`
	RegisterTx ledger.Hash    `json:"register_tx"`
}

// certify signs a card's certificate. The card is registered on the
// ledger only with its own consent, which it signs once personalized
// (register).
func (is *issuer) certify(req CertifyRequest) (CertifyResult, error) {
	if req.Card.IsZero() || req.Owner.IsZero() {
		return CertifyResult{}, apiErr(http.StatusBadRequest, "invalid", "card and owner are required")
	}
	cc := ledger.CardCertificate{Card: req.Card, Owner: req.Owner}
	cert, err := is.key.Sign(is.n.domain.Digest(cc.StructHash()))
	if err != nil {
		return CertifyResult{}, err
	}
	return CertifyResult{Card: req.Card, Owner: req.Owner, Issuer: is.key.Address(), Cert: ledger.Sig(cert),
		ChainID: is.n.domain.ChainID, Anchor: is.n.domain.Contract}, nil
}

// register submits the CardRegister of a card that consented to this
// issuer and owner.
func (is *issuer) register(ctx context.Context, card ledger.Address, req RegisterRequest) (RegisterResult, error) {
	if card.IsZero() || req.Owner.IsZero() {
		return RegisterResult{}, apiErr(http.StatusBadRequest, "invalid", "card and owner are required")
	}
	reg := &ledger.CardRegister{Issuer: is.key.Address(), Card: card, Owner: req.Owner, Consent: req.Consent}
	if err := ledger.VerifyCardConsent(reg, is.n.domain, is.n.rec); err != nil {
		return RegisterResult{}, apiErr(http.StatusBadRequest, "invalid", "the card's consent: %v", err)
	}
	var nonce uint64
	is.n.pool.View(func(v *ledger.Overlay) { nonce = v.Account(is.key.Address()).Nonce })
	reg.Nonce = nonce
	sig, err := is.key.Sign(is.n.domain.Digest(reg.StructHash()))
	if err != nil {
		return RegisterResult{}, err
	}
	res, err := is.n.Submit(ctx, &ledger.Tx{Payload: reg, Sig: ledger.Sig(sig)})
	if err != nil {
		return RegisterResult{}, err
	}
	return RegisterResult{Card: card, RegisterTx: res.ID}, nil
}

func (n *Node) issuerRoutes(mux *http.ServeMux) {
	need := func() (*issuer, error) {
		if n.issuer == nil {
			return nil, apiErr(http.StatusConflict, "not_an_issuer", "%v", ErrNotIssuer)
		}
		return n.issuer, nil
	}
	mux.HandleFunc("POST /v1/cards", n.authorized(n.handle(func(r *http.Request) (any, error) {
		is, err := need()
		if err != nil {
			return nil, err
		}
		var req CertifyRequest
		if err := json.NewDecoder(io.LimitReader(r.Body, maxBody)).Decode(&req); err != nil {
			return nil, apiErr(http.StatusBadRequest, "malformed", "%v", err)
		}
		return is.certify(req)
	})))
	mux.HandleFunc("POST /v1/cards/{card}/register", n.authorized(n.handle(func(r *http.Request) (any, error) {
		is, err := need()
		if err != nil {
			return nil, err
		}
		card, err := ledger.ParseAddress(r.PathValue("card"))
		if err != nil {
			return nil, apiErr(http.StatusBadRequest, "malformed", "%v", err)
		}
		var req RegisterRequest
		if err := json.NewDecoder(io.LimitReader(r.Body, maxBody)).Decode(&req); err != nil {
			return nil, apiErr(http.StatusBadRequest, "malformed", "%v", err)
		}
		return is.register(r.Context(), card, req)
	})))
	mux.HandleFunc("GET /v1/cards/{card}", n.handle(func(r *http.Request) (any, error) {
		card, err := ledger.ParseAddress(r.PathValue("card"))
		if err != nil {
			return nil, apiErr(http.StatusBadRequest, "malformed", "%v", err)
		}
		return n.cardInfo(card)
	}))
	mux.HandleFunc("GET /v1/cards/{card}/update", n.handle(func(r *http.Request) (any, error) {
		is, err := need()
		if err != nil {
			return nil, err
		}
		card, err := ledger.ParseAddress(r.PathValue("card"))
		if err != nil {
			return nil, apiErr(http.StatusBadRequest, "malformed", "%v", err)
		}
		asset, err := ledger.ParseHash(r.URL.Query().Get("asset"))
		if err != nil {
			return nil, apiErr(http.StatusBadRequest, "malformed", "asset: %v", err)
		}
		base, err := strconv.ParseUint(r.URL.Query().Get("base"), 10, 64)
		if err != nil {
			return nil, apiErr(http.StatusBadRequest, "malformed", "base must be the card's update number")
		}
		return is.update(r.Context(), card, asset, base)
	}))
	mux.HandleFunc("POST /v1/cards/{card}/lost", n.authorized(n.handle(func(r *http.Request) (any, error) {
		if _, err := need(); err != nil {
			return nil, err
		}
		card, err := ledger.ParseAddress(r.PathValue("card"))
		if err != nil {
			return nil, apiErr(http.StatusBadRequest, "malformed", "%v", err)
		}
		if err := n.store.PutMeta("lost/"+card.Hex(), []byte{1}); err != nil {
			return nil, err
		}
		return n.cardInfo(card)
	})))
	mux.HandleFunc("GET /v1/hotlist", n.handle(func(*http.Request) (any, error) { return n.hotList() }))
}
