package client

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/cardbridge/cardclient"
	"github.com/anonex/anonex/cardbridge/cardproto"
	"github.com/anonex/anonex/ledger"
	"github.com/holiman/uint256"
)

// The wallet's card flows: personalize a card with its issuer, and load it.
// They talk to the card through cardclient and to nodes through their API.

// CardSetup is what personalization needs besides the card.
type CardSetup struct {
	Owner  ledger.Address
	PIN    string
	PUK    string
	Assets []ledger.Hash
	// Limits are each purse's offline cap, consecutive offline maximum and
	// no-PIN limit, in its asset's units: Limits[i] for Assets[i].
	Limits []cardproto.Limits
	// OwnerPub is the owner's public key (65 bytes uncompressed): the card
	// seals conversion requests to it. Without it the card cannot convert
	// at payment time.
	OwnerPub []byte
}

// InitCard has a blank card make its key, gets the issuer node's
// certificate for it, personalizes the card, and has the issuer register
// it on the ledger with the card's consent (CARD CONSENT). It returns the
// card's address and the registration's tx id.
func InitCard(ctx context.Context, cl *cardclient.Client, issuer *Client, s CardSetup) (ledger.Address, ledger.Hash, error) {
	info, err := cl.Select()
	if err != nil {
		return ledger.Address{}, ledger.Hash{}, err
	}
	if info.Life != cardproto.LifeBlank {
		return ledger.Address{}, ledger.Hash{}, fmt.Errorf("node: the card is already initialized (%s)", info.Address.Hex())
	}
	if _, err := cl.GenerateKey(); err != nil {
		return ledger.Address{}, ledger.Hash{}, err
	}
	if info, err = cl.Select(); err != nil {
		return ledger.Address{}, ledger.Hash{}, err
	}
	cert, err := issuer.CertifyCard(ctx, info.Address, s.Owner)
	if err != nil {
		return ledger.Address{}, ledger.Hash{}, fmt.Errorf("node: issuer certification: %w", err)
	}
	p := &cardproto.Personalization{Owner: s.Owner, ChainID: cert.ChainID, Anchor: cert.Anchor, Cert: cert.Cert,
		Trusted: []ledger.Address{cert.Issuer}, PIN: s.PIN, PUK: s.PUK, Limits: s.Limits, Assets: s.Assets,
		OwnerPub: s.OwnerPub}
	if err := cl.Personalize(p); err != nil {
		return ledger.Address{}, ledger.Hash{}, err
	}
	consent, err := cl.Consent()
	if err != nil {
		return ledger.Address{}, ledger.Hash{}, fmt.Errorf("node: the card's consent: %w", err)
	}
	reg, err := issuer.RegisterCard(ctx, info.Address, s.Owner, consent)
	if err != nil {
		return ledger.Address{}, ledger.Hash{}, fmt.Errorf("node: issuer registration: %w", err)
	}
	return info.Address, reg.RegisterTx, nil
}

// LoadCard moves amount of asset from the owner's account to the card
// account, waits until it settles on n (the issuer's node), and writes the
// issuer's new update value to the card. It returns what the update did
// to the purse (its T before and after, its set amount after).
//
// It first checks what would leave the value stranded on a card account
// that cannot spend it — the card has no purse in the asset, is not
// personalized, or is lost, cloned or hot-listed — and refuses
// (ErrLoadRefused, nothing moved). Once the transfer is submitted a
// failure says where the value is: the transfer failed (nothing moved),
// it may still settle (the value then waits for the card), or it settled
// and the card did not take its update value, which LoadCard retries and
// otherwise leaves for `anonex card update` or the next online terminal to
// finish. The value never moves back: a card account spends only by the
// card's own records.
func LoadCard(ctx context.Context, cl *cardclient.Client, n *Client, owner *account.Key, asset ledger.Hash, amount *uint256.Int) (PurseUpdate, ledger.Hash, error) {
	info, err := CheckLoad(ctx, cl, n, asset)
	if err != nil {
		return PurseUpdate{}, ledger.Hash{}, err
	}
	acct, err := n.Account(ctx, owner.Address().Hex())
	if err != nil {
		return PurseUpdate{}, ledger.Hash{}, err
	}
	dom, err := n.Domain(ctx)
	if err != nil {
		return PurseUpdate{}, ledger.Hash{}, err
	}
	t := &ledger.Transfer{From: owner.Address(), To: info.Address, Asset: asset, Amount: *amount, Nonce: acct.Nonce}
	sig, err := owner.Sign(dom.Digest(t.StructHash()))
	if err != nil {
		return PurseUpdate{}, ledger.Hash{}, err
	}
	res, err := n.Submit(ctx, &ledger.Tx{Payload: t, Sig: ledger.Sig(sig)})
	if err != nil {
		return PurseUpdate{}, ledger.Hash{}, fmt.Errorf("%w: %w", ErrLoadRefused, err)
	}
	st, err := n.WaitTx(ctx, res.ID)
	if err != nil {
		return PurseUpdate{}, res.ID, fmt.Errorf("node: the load %s was sent and may still settle; once it does, its value waits for the card "+
			"(anonex card update, or any online terminal, writes it): %w", res.ID.Hex(), err)
	}
	if st.Status != api.TxSettled {
		return PurseUpdate{}, res.ID, fmt.Errorf("node: the load %s %s, nothing moved: %s", res.ID.Hex(), st.Status, st.Reason)
	}
	// The value is on the card account: finish by writing the card's new
	// update value, retrying a little for a card that was briefly out.
	for try := 0; try < 3; try++ {
		var up PurseUpdate
		if up, err = RefreshPurse(ctx, cl, n, asset); err == nil {
			return up, res.ID, nil
		}
		select {
		case <-ctx.Done():
			try = 3
		case <-time.After(200 * time.Millisecond):
		}
	}
	return PurseUpdate{}, res.ID, fmt.Errorf("node: the load %s settled: the value is on the card's account, but the card did not take its new "+
		"update value (finish with anonex card update, or at any online terminal): %w", res.ID.Hex(), err)
}

// CheckLoad refuses a load that would strand its value (ErrLoadRefused):
// the card in cl is not personalized, has no purse in asset, or is lost,
// cloned or hot-listed on n. It returns the card's info.
func CheckLoad(ctx context.Context, cl *cardclient.Client, n *Client, asset ledger.Hash) (cardproto.Info, error) {
	info, err := cl.Select()
	if err != nil {
		return info, err
	}
	if info.Life != cardproto.LifeActive {
		return info, fmt.Errorf("%w: the card %s is not personalized (anonex card init)", ErrLoadRefused, info.Address.Hex())
	}
	status, err := cl.Status()
	if err != nil {
		return info, err
	}
	if findPurse(status.Purses, asset) == nil {
		held := make([]string, len(status.Purses))
		for i, p := range status.Purses {
			held[i] = p.Asset.Hex()
		}
		return info, fmt.Errorf("%w: %w: %s (the card %s holds purses in %s; a card's purses are fixed at personalization)",
			ErrLoadRefused, ErrNoCardPurse, asset.Hex(), info.Address.Hex(), strings.Join(held, ", "))
	}
	ci, err := n.Card(ctx, info.Address)
	if err != nil {
		return info, fmt.Errorf("node: the card's standing: %w", err)
	}
	switch {
	case ci.Cloned:
		return info, fmt.Errorf("%w: the card %s is flagged as cloned", ErrLoadRefused, info.Address.Hex())
	case ci.HotListed:
		return info, fmt.Errorf("%w: the card %s is blocked by its issuer (%s)", ErrLoadRefused, info.Address.Hex(), ci.BlockReason)
	}
	return info, nil
}

// RefreshCard writes the newest update value of a purse to the card and
// returns its set amount (T − D).
func RefreshCard(ctx context.Context, cl *cardclient.Client, n *Client, asset ledger.Hash) (*uint256.Int, error) {
	up, err := RefreshPurse(ctx, cl, n, asset)
	if err != nil {
		return nil, err
	}
	return &up.Set, nil
}

// PurseUpdate is what writing a purse's newest update value did: the
// purse's T (the settled credits its issuer signed) before and after, and
// what the purse may spend after. Written is false when the card was up
// to date (Before = After then).
type PurseUpdate struct {
	Card          ledger.Address
	Asset         ledger.Hash
	Before, After uint256.Int
	D             uint256.Int
	Set           uint256.Int
	Written       bool
	// Authorization is the issuer's signed update value the card was
	// given (or, when it was up to date, the issuer's word that it is).
	Authorization api.UpdateValue
}

// RefreshPurse writes the newest update value of a purse to the card and
// reports what it did.
func RefreshPurse(ctx context.Context, cl *cardclient.Client, n *Client, asset ledger.Hash) (PurseUpdate, error) {
	info, err := cl.Select()
	if err != nil {
		return PurseUpdate{}, err
	}
	status, err := cl.Status()
	if err != nil {
		return PurseUpdate{}, err
	}
	purse := findPurse(status.Purses, asset)
	if purse == nil {
		return PurseUpdate{}, fmt.Errorf("%w: %s", ErrNoCardPurse, asset.Hex())
	}
	up := PurseUpdate{Card: info.Address, Asset: asset, Before: purse.T}
	// The issuer signs the new T once the credit is settled on its node
	// (LoadCard waits for that on the same node) and final (this waits).
	uv, err := n.UpdateValueFinal(ctx, info.Address, asset, purse.Seq)
	if err != nil {
		return PurseUpdate{}, err
	}
	up.Authorization = uv
	if !uv.UpToDate {
		u, err := cardUpdate(uv)
		if err != nil {
			return PurseUpdate{}, err
		}
		if err := cl.Update(&u); err != nil {
			return PurseUpdate{}, err
		}
		up.Written = true
	}
	if status, err = cl.Status(); err != nil {
		return PurseUpdate{}, err
	}
	p := findPurse(status.Purses, asset)
	up.After, up.D, up.Set = p.T, p.D, *SetAmount(p, &status.ReceivedValue)
	return up, nil
}

// SetAmount is what a purse may spend at a terminal: T − D plus received,
// unconfirmed value (which is counted only in the first purse).
func SetAmount(p *cardproto.Purse, received *uint256.Int) *uint256.Int {
	v := new(uint256.Int).Add(&p.T, received)
	if v.Lt(&p.D) {
		return new(uint256.Int)
	}
	return v.Sub(v, &p.D)
}

func findPurse(ps []cardproto.Purse, asset ledger.Hash) *cardproto.Purse {
	for i := range ps {
		if ps[i].Asset == asset {
			return &ps[i]
		}
	}
	return nil
}

// CardToCard has the card in a pay the card in b, as the host bridging two
// readers does: b gives a challenge, a signs (PIN), b checks a's signature
// and certificate and keeps the record. keep stores a's record durably for
// the network before b takes it, so value pulled mid-way still arrives. It
// returns a's record. An error of b's matches ErrReceivingCard.
func CardToCard(a, b *cardclient.Client, asset ledger.Hash, amount *uint256.Int, pin string, keep func(*ledger.Tx, uint64) error) (*ledger.Tx, error) {
	infoA, err := a.Select()
	if err != nil {
		return nil, err
	}
	infoB, err := b.Select()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrReceivingCard, err)
	}
	if err := a.VerifyPIN(pin); err != nil {
		return nil, err
	}
	ch, err := b.Challenge()
	if err != nil {
		return nil, fmt.Errorf("%w gave no challenge: %w", ErrReceivingCard, err)
	}
	req := &cardproto.PayRequest{Asset: asset, Amount: *amount, Payee: infoB.Address, Challenge: ch}
	resp, err := a.Send(req)
	if err != nil {
		return nil, err
	}
	tx := cardclient.PaymentTx(infoA.Address, req, ledger.CardModeToCard, &resp)
	if err := keep(tx, resp.Counter); err != nil {
		return tx, err
	}
	rec := &cardproto.Received{Payer: infoA.Address, PayerCert: infoA.Cert, PayerOwner: infoA.Owner, Asset: asset,
		Amount: *amount, Counter: resp.Counter, Sig: resp.Sig}
	if err := b.Receive(rec); err != nil {
		return tx, fmt.Errorf("%w did not take the record (it still reaches its account through the network): %w", ErrReceivingCard, err)
	}
	return tx, nil
}

// cardUpdate is an update value as the card's UPDATE command takes it.
func cardUpdate(uv api.UpdateValue) (cardproto.Update, error) {
	var total uint256.Int
	if err := total.SetFromDecimal(uv.Total); err != nil {
		return cardproto.Update{}, fmt.Errorf("node: update value total %q: %w", uv.Total, err)
	}
	return cardproto.Update{Asset: uv.Asset, Total: total, Seq: uv.Seq, Base: uv.Base, Confirmed: uv.Confirmed, Sig: uv.Signature}, nil
}
