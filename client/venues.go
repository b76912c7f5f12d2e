package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/ledger"
)

// Venues is GET /v1/venues.
func (c *Client) Venues(ctx context.Context) ([]api.VenueInfo, error) {
	var r []api.VenueInfo
	return r, c.do(ctx, "GET", "/v1/venues", nil, &r)
}

// Venue is GET /v1/venues/{id}.
func (c *Client) Venue(ctx context.Context, id ledger.Hash) (api.VenueDetail, error) {
	var r api.VenueDetail
	return r, c.do(ctx, "GET", "/v1/venues/"+id.Hex(), nil, &r)
}

// VenueCard is GET /v1/venues/{id}/cards/{card}: where at the venue the
// card is taken.
func (c *Client) VenueCard(ctx context.Context, id ledger.Hash, card ledger.Address) (api.VenueCardView, error) {
	var r api.VenueCardView
	return r, c.do(ctx, "GET", "/v1/venues/"+id.Hex()+"/cards/"+card.Hex(), nil, &r)
}

// PostVenueRecord is POST /v1/venues: a signed venue map, store listing
// or place.
func (c *Client) PostVenueRecord(ctx context.Context, r *ledger.VenueRecord) (api.VenueRecordResult, error) {
	var out api.VenueRecordResult
	return out, c.do(ctx, "POST", "/v1/venues", r, &out)
}

// VenueMap is GET /v1/venues/{id}/map.svg: the venue's SVG map.
func (c *Client) VenueMap(ctx context.Context, id ledger.Hash) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", c.Base+"/v1/venues/"+id.Hex()+"/map.svg", nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("node at %s: %w", c.Base, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		var e api.Error
		if json.Unmarshal(b, &e) == nil && e.Code != "" {
			e.HTTPStatus = resp.StatusCode
			return nil, &e
		}
		return nil, fmt.Errorf("node at %s: map: HTTP %d", c.Base, resp.StatusCode)
	}
	return b, nil
}
