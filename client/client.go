package client

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/ledger"
)

// Client talks to a node's HTTP API.
type Client struct {
	Base  string // e.g. http://127.0.0.1:8080
	Token string // for authorized calls
	HTTP  *http.Client
}

// New returns a client for a node's base URL.
func New(base, token string) *Client {
	return &Client{Base: strings.TrimRight(base, "/"), Token: token, HTTP: &http.Client{Timeout: 30 * time.Second}}
}

func (c *Client) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("node at %s: %w", c.Base, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		ae := &api.Error{HTTPStatus: resp.StatusCode}
		if json.Unmarshal(data, ae) != nil || ae.Code == "" {
			return fmt.Errorf("node at %s: HTTP %d: %s", c.Base, resp.StatusCode, bytes.TrimSpace(data))
		}
		return ae
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("node at %s: bad response to %s: %w", c.Base, path, err)
	}
	return nil
}

// Status is GET /v1/status.
func (c *Client) Status(ctx context.Context) (api.NodeStatus, error) {
	var s api.NodeStatus
	return s, c.do(ctx, "GET", "/v1/status", nil, &s)
}

// Domain reads the node's EIP-712 domain.
func (c *Client) Domain(ctx context.Context) (ledger.Domain, error) {
	var info struct {
		Domain struct {
			ChainID  uint64         `json:"chainId"`
			Contract ledger.Address `json:"verifyingContract"`
		} `json:"domain"`
	}
	if err := c.do(ctx, "GET", "/v1/eip712", nil, &info); err != nil {
		return ledger.Domain{}, err
	}
	return ledger.NewDomain(info.Domain.ChainID, info.Domain.Contract), nil
}

// Account is GET /v1/accounts/{q}.
func (c *Client) Account(ctx context.Context, q string) (api.AccountInfo, error) {
	var a api.AccountInfo
	return a, c.do(ctx, "GET", "/v1/accounts/"+url.PathEscape(q), nil, &a)
}

// Asset is GET /v1/assets/{q}.
func (c *Client) Asset(ctx context.Context, q string) (api.AssetInfo, error) {
	var a api.AssetInfo
	return a, c.do(ctx, "GET", "/v1/assets/"+url.PathEscape(q), nil, &a)
}

// Assets is GET /v1/assets.
func (c *Client) Assets(ctx context.Context) ([]api.AssetInfo, error) {
	var a []api.AssetInfo
	return a, c.do(ctx, "GET", "/v1/assets", nil, &a)
}

// HotList is GET /v1/hotlist: the cards terminals must refuse. A terminal
// keeps it to check cards offline.
func (c *Client) HotList(ctx context.Context) ([]api.HotListEntry, error) {
	var h []api.HotListEntry
	return h, c.do(ctx, "GET", "/v1/hotlist", nil, &h)
}

// Submit is POST /v1/txs.
func (c *Client) Submit(ctx context.Context, tx *ledger.Tx) (api.SubmitResult, error) {
	var r api.SubmitResult
	return r, c.do(ctx, "POST", "/v1/txs", tx, &r)
}

// Tx is GET /v1/txs/{id}.
func (c *Client) Tx(ctx context.Context, id ledger.Hash) (api.TxInfo, error) {
	var t api.TxInfo
	return t, c.do(ctx, "GET", "/v1/txs/"+id.Hex(), nil, &t)
}

// Batch is GET /v1/batches/{seq}.
func (c *Client) Batch(ctx context.Context, seq uint64) (api.Batch, error) {
	var b api.Batch
	return b, c.do(ctx, "GET", "/v1/batches/"+strconv.FormatUint(seq, 10), nil, &b)
}

// Flush asks a settler node to post a batch now (needs the token).
func (c *Client) Flush(ctx context.Context) error {
	return c.do(ctx, "POST", "/v1/admin/flush", struct{}{}, nil)
}

// WaitTx polls a transaction until its status is one of want (or a final
// one), or ctx ends.
func (c *Client) WaitTx(ctx context.Context, id ledger.Hash, want ...api.TxStatus) (api.TxInfo, error) {
	t := time.NewTicker(25 * time.Millisecond)
	defer t.Stop()
	for {
		info, err := c.Tx(ctx, id)
		if err == nil {
			if info.Status.Final() || slices.Contains(want, info.Status) {
				return info, nil
			}
		}
		select {
		case <-ctx.Done():
			if err != nil {
				return info, err
			}
			return info, fmt.Errorf("transaction %s still %s: %w", id.Hex(), info.Status, ctx.Err())
		case <-t.C:
		}
	}
}

// CertifyCard asks an issuer node to certify a card for its owner (token).
func (c *Client) CertifyCard(ctx context.Context, card, owner ledger.Address) (api.CertifyResult, error) {
	var r api.CertifyResult
	return r, c.do(ctx, "POST", "/v1/cards", api.CertifyRequest{Card: card, Owner: owner}, &r)
}

// RegisterCard asks an issuer node to register a card on the ledger with
// the card's consent (token).
func (c *Client) RegisterCard(ctx context.Context, card, owner ledger.Address, consent ledger.Sig) (api.RegisterResult, error) {
	var r api.RegisterResult
	return r, c.do(ctx, "POST", "/v1/cards/"+card.Hex()+"/register", api.RegisterRequest{Owner: owner, Consent: consent}, &r)
}

// Card is GET /v1/cards/{card}.
func (c *Client) Card(ctx context.Context, card ledger.Address) (api.CardInfo, error) {
	var r api.CardInfo
	return r, c.do(ctx, "GET", "/v1/cards/"+card.Hex(), nil, &r)
}

// UpdateValue is GET /v1/cards/{card}/update.
func (c *Client) UpdateValue(ctx context.Context, card ledger.Address, asset ledger.Hash, base uint64) (api.UpdateValue, error) {
	var r api.UpdateValue
	path := fmt.Sprintf("/v1/cards/%s/update?asset=%s&base=%d", card.Hex(), asset.Hex(), base)
	return r, c.do(ctx, "GET", path, nil, &r)
}

// UpdateValueFinal is UpdateValue that waits until every settled credit of
// the purse is final and counted (wait=final): what a wallet that just
// loaded the card asks for.
func (c *Client) UpdateValueFinal(ctx context.Context, card ledger.Address, asset ledger.Hash, base uint64) (api.UpdateValue, error) {
	var r api.UpdateValue
	path := fmt.Sprintf("/v1/cards/%s/update?asset=%s&base=%d&wait=final", card.Hex(), asset.Hex(), base)
	return r, c.do(ctx, "GET", path, nil, &r)
}

// ReportLost blocks a card reported lost on the ledger (issuer node, token).
func (c *Client) ReportLost(ctx context.Context, card ledger.Address) error {
	_, err := c.BlockCard(ctx, card, "lost")
	return err
}

// BlockCard is POST /v1/cards/{card}/lost: the card's issuer node submits
// a CardBlock (reason "lost" or "stolen"), which puts the card on every
// node's hot-list (token).
func (c *Client) BlockCard(ctx context.Context, card ledger.Address, reason string) (api.BlockResult, error) {
	var r api.BlockResult
	return r, c.do(ctx, "POST", "/v1/cards/"+card.Hex()+"/lost", api.BlockRequest{Reason: reason}, &r)
}

// PostOffer is POST /v1/offers.
func (c *Client) PostOffer(ctx context.Context, so *ledger.SignedOffer) (ledger.Hash, error) {
	var r api.OfferPosted
	return r.ID, c.do(ctx, "POST", "/v1/offers", so, &r)
}

// Offer is GET /v1/offers/{id}.
func (c *Client) Offer(ctx context.Context, id ledger.Hash) (api.OfferInfo, error) {
	var r api.OfferInfo
	return r, c.do(ctx, "GET", "/v1/offers/"+id.Hex(), nil, &r)
}

// Book is GET /v1/book/{base}/{quote}.
func (c *Client) Book(ctx context.Context, base, quote string) (api.BookInfo, error) {
	var r api.BookInfo
	return r, c.do(ctx, "GET", "/v1/book/"+url.PathEscape(base)+"/"+url.PathEscape(quote), nil, &r)
}

// Quote is GET /v1/quote: the price of receiving amount of receive paying
// with pay.
func (c *Client) Quote(ctx context.Context, pay, receive, amount string) (api.QuoteInfo, error) {
	var r api.QuoteInfo
	q := url.Values{"pay": {pay}, "receive": {receive}, "amount": {amount}}
	return r, c.do(ctx, "GET", "/v1/quote?"+q.Encode(), nil, &r)
}

// PayConversion is POST /v1/pay-conversions on the card owner's wallet
// node: the card's conversion request as a terminal relays it, answered
// with the wallet's signed approval.
func (c *Client) PayConversion(ctx context.Context, req api.PayConversionRequest) (api.PayConversionApproval, error) {
	var r api.PayConversionApproval
	return r, c.do(ctx, "POST", "/v1/pay-conversions", req, &r)
}

// RecordPayConversion is POST /v1/pay-conversions/{nonce}/record: the
// record the card signed for an approved conversion; the wallet submits
// the conversion payment.
func (c *Client) RecordPayConversion(ctx context.Context, nonce ledger.Hash, rec api.PayConversionRecord) (api.PayConversionDone, error) {
	var r api.PayConversionDone
	return r, c.do(ctx, "POST", "/v1/pay-conversions/"+nonce.Hex()+"/record", rec, &r)
}

// Withdrawal reads a withdrawal's state and, once attested, its proof.
func (c *Client) Withdrawal(ctx context.Context, id ledger.Hash) (api.Withdrawal, error) {
	var w api.Withdrawal
	if err := c.do(ctx, "GET", "/v1/withdrawals/"+id.Hex(), nil, &w); err != nil {
		return w, err
	}
	if len(w.Tx) > 0 {
		var tx ledger.Tx
		if err := tx.UnmarshalJSON(w.Tx); err != nil {
			return w, fmt.Errorf("node: withdrawal %s: %w", id, err)
		}
		wd, ok := tx.Payload.(*ledger.Withdraw)
		if !ok {
			return w, fmt.Errorf("node: withdrawal %s is a %s", id, tx.Payload.Kind())
		}
		w.Withdraw = wd
	}
	return w, nil
}

// Deposits reads settled deposits by Vault index or Ethereum tx hash.
func (c *Client) Deposits(ctx context.Context, q string) ([]api.Deposit, error) {
	var out []api.Deposit
	err := c.do(ctx, "GET", "/v1/deposits/"+q, nil, &out)
	return out, err
}

// Attestations reads the attestations a node holds for a batch.
func (c *Client) Attestations(ctx context.Context, seq uint64) (api.BatchAttestations, error) {
	var out api.BatchAttestations
	err := c.do(ctx, "GET", fmt.Sprintf("/v1/batches/%d/attestations", seq), nil, &out)
	return out, err
}

// Allocate asks the node to cover a payment from a pool of stored-value
// items (POST /v1/allocate; needs the API token).
func (c *Client) Allocate(ctx context.Context, req api.AllocateRequest) (api.AllocateResult, error) {
	var out api.AllocateResult
	err := c.do(ctx, "POST", "/v1/allocate", req, &out)
	return out, err
}

// Do calls any API path: body (if not nil) is sent as JSON, the answer
// decoded into out (if not nil).
func (c *Client) Do(ctx context.Context, method, path string, body, out any) error {
	return c.do(ctx, method, path, body, out)
}

// Events streams GET /v1/events. The channel closes when the stream ends;
// stop ends it.
func (c *Client) Events(ctx context.Context) (<-chan api.Event, func(), error) {
	ctx, cancel := context.WithCancel(ctx)
	req, err := http.NewRequestWithContext(ctx, "GET", c.Base+"/v1/events", nil)
	if err != nil {
		cancel()
		return nil, nil, err
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		cancel()
		return nil, nil, fmt.Errorf("node at %s: %w", c.Base, err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		cancel()
		return nil, nil, fmt.Errorf("node at %s: events: HTTP %d", c.Base, resp.StatusCode)
	}
	out := make(chan api.Event, 256)
	go func() {
		defer close(out)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if !strings.HasPrefix(line, "data: ") {
				continue
			}
			var e api.Event
			if json.Unmarshal([]byte(line[6:]), &e) != nil || e.Type == "" {
				continue
			}
			select {
			case out <- e:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, cancel, nil
}

// Readers is GET /v1/readers: the card readers of the node's machine (a
// node started with --readers; token).
func (c *Client) Readers(ctx context.Context) ([]api.Reader, error) {
	var r []api.Reader
	return r, c.do(ctx, "GET", "/v1/readers", nil, &r)
}

// ReaderCard is GET /v1/readers/{n}/card: the card in reader n (token).
func (c *Client) ReaderCard(ctx context.Context, n int) (api.CardView, error) {
	var v api.CardView
	return v, c.do(ctx, "GET", fmt.Sprintf("/v1/readers/%d/card", n), nil, &v)
}

// ReaderUpdate is GET /v1/readers/{n}/update: the issuer's authorization
// for the asset's purse of the card in reader n, not written (token).
func (c *Client) ReaderUpdate(ctx context.Context, n int, asset ledger.Hash) (api.CardUpdate, error) {
	var u api.CardUpdate
	return u, c.do(ctx, "GET", fmt.Sprintf("/v1/readers/%d/update?asset=%s", n, asset.Hex()), nil, &u)
}

// WriteReaderUpdate is POST /v1/readers/{n}/update: the asset's purse of
// the card in reader n takes its issuer's newest update value (token).
func (c *Client) WriteReaderUpdate(ctx context.Context, n int, asset ledger.Hash) (api.CardUpdate, error) {
	var u api.CardUpdate
	return u, c.do(ctx, "POST", fmt.Sprintf("/v1/readers/%d/update", n), api.CardUpdateRequest{Asset: asset}, &u)
}

// ChangeReaderPIN is POST /v1/readers/{n}/pin (token).
func (c *Client) ChangeReaderPIN(ctx context.Context, n int, req api.PINChange) (api.PINChanged, error) {
	var r api.PINChanged
	return r, c.do(ctx, "POST", fmt.Sprintf("/v1/readers/%d/pin", n), req, &r)
}

// Backup asks the node to write a backup of its data dir to dir, an
// absolute path on the node's machine that does not exist (needs the
// token).
func (c *Client) Backup(ctx context.Context, dir string) (api.BackupResult, error) {
	var out api.BackupResult
	err := c.do(ctx, "POST", "/v1/admin/backup", api.BackupRequest{Dir: dir}, &out)
	return out, err
}
