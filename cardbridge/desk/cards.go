package desk

import (
	"net/http"

	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/cardbridge/cardclient"
	"github.com/anonex/anonex/cardbridge/cardproto"
	"github.com/anonex/anonex/client"
	"github.com/anonex/anonex/ledger"
	"github.com/anonex/anonex/node/route"
	"github.com/holiman/uint256"
)

var lifeNames = []string{"blank", "keyed", "active", "terminated"}

// cardView is GET STATUS as the API shows it.
func cardView(n int, st *cardproto.Status) api.CardView {
	v := api.CardView{Reader: n, Address: st.Address, Life: lifeNames[min(int(st.Life), 3)], Owner: st.Owner, Counter: st.Counter,
		PINLeft: st.PINLeft, PUKLeft: st.PUKLeft, ChainID: st.ChainID, Anchor: st.Anchor, Trusted: st.Trusted,
		OfflineRun: st.OfflineRun, Purses: []api.PurseView{}, Received: st.Received, ReceivedValue: st.ReceivedValue.Dec()}
	if v.Trusted == nil {
		v.Trusted = []ledger.Address{}
	}
	for i := range st.Purses {
		p := &st.Purses[i]
		received := new(uint256.Int)
		if i == 0 {
			received = &st.ReceivedValue // counted in the first purse
		}
		v.Purses = append(v.Purses, api.PurseView{Asset: p.Asset, T: p.T.Dec(), D: p.D.Dec(), Spendable: client.SetAmount(p, received).Dec(),
			Seq: p.Seq, OfflineCap: p.Limits.OfflineCap.Dec(), OfflineMax: p.Limits.OfflineMax, NoPinLimit: p.Limits.NoPinLimit.Dec(),
			LimitsSeq: p.LimitsSeq})
	}
	return v
}

// status selects the card and reads its status.
func status(cl *cardclient.Client) (cardproto.Status, error) {
	if _, err := cl.Select(); err != nil {
		return cardproto.Status{}, err
	}
	return cl.Status()
}

func (d *Desk) apiCard(r *http.Request) (any, error) {
	return d.withCard(r, func(n int, cl *cardclient.Client) (any, error) {
		st, err := status(cl)
		if err != nil {
			return nil, err
		}
		return cardView(n, &st), nil
	})
}

// apiUpdatePreview is GET /v1/readers/{n}/update?asset=ID: the issuer's
// authorization for the purse as it stands (waiting for the card's
// credits to be final, as the issuer signs only over final data), and
// nothing written.
func (d *Desk) apiUpdatePreview(r *http.Request) (any, error) {
	q, err := route.Query(r, "asset")
	if err != nil {
		return nil, err
	}
	asset, err := ledger.ParseHash(q["asset"])
	if err != nil {
		return nil, api.Errorf(api.CodeMalformed, "asset: %v", err)
	}
	return d.withCard(r, func(n int, cl *cardclient.Client) (any, error) {
		st, err := status(cl)
		if err != nil {
			return nil, err
		}
		p := st.Purse(asset)
		if p == nil {
			return nil, api.Errorf(api.CodeRefused, "the card %s holds no purse in %s", st.Address.Hex(), asset.Hex())
		}
		uv, err := d.cfg.Node().UpdateValueFinal(r.Context(), st.Address, asset, p.Seq)
		if err != nil {
			return nil, err
		}
		after := p.T.Dec()
		if !uv.UpToDate {
			after = uv.Total
		}
		return api.CardUpdate{Card: st.Address, Asset: asset, Before: p.T.Dec(), After: after, Authorization: uv}, nil
	})
}

// apiUpdate is POST /v1/readers/{n}/update: the purse takes its issuer's
// newest update value (what finishes a load once its transfer settled).
func (d *Desk) apiUpdate(r *http.Request) (any, error) {
	var req api.CardUpdateRequest
	if err := route.Decode(r, &req); err != nil {
		return nil, err
	}
	return d.withCard(r, func(n int, cl *cardclient.Client) (any, error) {
		up, err := client.RefreshPurse(r.Context(), cl, d.cfg.Node(), req.Asset)
		if err != nil {
			return nil, err
		}
		return api.CardUpdate{Card: up.Card, Asset: up.Asset, Before: up.Before.Dec(), After: up.After.Dec(), Authorization: up.Authorization,
			Written: up.Written, D: up.D.Dec(), Spendable: up.Set.Dec()}, nil
	})
}

// apiPIN is POST /v1/readers/{n}/pin: change the PIN with the PIN, or
// set a new one with the PUK when the PIN is blocked.
func (d *Desk) apiPIN(r *http.Request) (any, error) {
	var req api.PINChange
	if err := route.Decode(r, &req); err != nil {
		return nil, err
	}
	if (req.PIN == "") == (req.PUK == "") {
		return nil, api.Errorf(api.CodeInvalid, "give the PIN, or the PUK when the PIN is blocked (one of them)")
	}
	for _, c := range []struct {
		name, v string
		check   func(string) error
	}{{"pin", req.PIN, cardproto.CheckPIN}, {"puk", req.PUK, cardproto.CheckPUK}, {"new_pin", req.NewPIN, cardproto.CheckPIN}} {
		if c.v == "" && c.name != "new_pin" {
			continue
		}
		if err := c.check(c.v); err != nil {
			return nil, api.Errorf(api.CodeInvalid, "%s: %v", c.name, err)
		}
	}
	return d.withCard(r, func(n int, cl *cardclient.Client) (any, error) {
		info, err := cl.Select()
		if err != nil {
			return nil, err
		}
		if req.PUK != "" {
			err = cl.UnblockPIN(req.PUK, req.NewPIN)
		} else {
			err = cl.ChangePIN(req.PIN, req.NewPIN)
		}
		if err != nil {
			return nil, err
		}
		if info, err = cl.Select(); err != nil {
			return nil, err
		}
		return api.PINChanged{Card: info.Address, PINLeft: info.PINLeft}, nil
	})
}
