package client

import (
	"context"

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
