package ledger

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

const testMap = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 800 600"><rect width="800" height="600"/></svg>`

func testVenueRecords() (venue, store, place *VenueRecord) {
	op, merchant := Address{0x0e}, Address{0x3e}
	v := &Venue{Operator: op, Name: "Galleria", Map: Keccak256([]byte(testMap)), Seq: 1}
	venue = &VenueRecord{Type: VenueRecordVenue, Venue: v, SVG: testMap}
	store = &VenueRecord{Type: VenueRecordStore, Store: &VenueStore{Venue: v.ID(), Merchant: merchant, Name: "Café", X: 10, Y: 20,
		Accepts: []Hash{{1}}, Open: true, Seq: 1}}
	place = &VenueRecord{Type: VenueRecordPlace, Place: &VenuePlace{Venue: v.ID(), Merchant: merchant, X: 10, Y: 20, Approved: true, Seq: 1}}
	return venue, store, place
}

// TestVenueRecordCheck: every field rule of venue records refuses what
// breaks it, with ErrBadField or ErrDecode, and the good records pass.
func TestVenueRecordCheck(t *testing.T) {
	cases := []struct {
		name  string
		spoil func(v, s, p *VenueRecord) *VenueRecord
	}{
		{"map not the signed one", func(v, _, _ *VenueRecord) *VenueRecord { v.SVG += " "; return v }},
		{"map root not svg", func(v, _, _ *VenueRecord) *VenueRecord {
			v.SVG = `<html viewBox="0 0 1 1"/>`
			v.Venue.Map = Keccak256([]byte(v.SVG))
			return v
		}},
		{"map without viewBox", func(v, _, _ *VenueRecord) *VenueRecord {
			v.SVG = `<svg xmlns="http://www.w3.org/2000/svg"/>`
			v.Venue.Map = Keccak256([]byte(v.SVG))
			return v
		}},
		{"map with an empty viewBox", func(v, _, _ *VenueRecord) *VenueRecord {
			v.SVG = `<svg viewBox="0 0 0 10"/>`
			v.Venue.Map = Keccak256([]byte(v.SVG))
			return v
		}},
		{"map not XML", func(v, _, _ *VenueRecord) *VenueRecord {
			v.SVG = `<svg viewBox="0 0 1 1">`
			v.Venue.Map = Keccak256([]byte(v.SVG))
			return v
		}},
		{"map too large", func(v, _, _ *VenueRecord) *VenueRecord {
			v.SVG = `<svg viewBox="0 0 1 1"><!--` + strings.Repeat("x", MaxVenueMap) + `--></svg>`
			v.Venue.Map = Keccak256([]byte(v.SVG))
			return v
		}},
		{"venue name empty", func(v, _, _ *VenueRecord) *VenueRecord { v.Venue.Name = ""; return v }},
		{"venue name padded", func(v, _, _ *VenueRecord) *VenueRecord { v.Venue.Name = " Galleria"; return v }},
		{"venue name unprintable", func(v, _, _ *VenueRecord) *VenueRecord { v.Venue.Name = "Gall\x07eria"; return v }},
		{"venue name too long", func(v, _, _ *VenueRecord) *VenueRecord { v.Venue.Name = strings.Repeat("g", MaxVenueName+1); return v }},
		{"zero operator", func(v, _, _ *VenueRecord) *VenueRecord { v.Venue.Operator = Address{}; return v }},
		{"store beyond the map's bound", func(_, s, _ *VenueRecord) *VenueRecord { s.Store.X = MaxMapCoord + 1; return s }},
		{"store accepts an asset twice", func(_, s, _ *VenueRecord) *VenueRecord { s.Store.Accepts = []Hash{{1}, {1}}; return s }},
		{"store accepts the zero asset", func(_, s, _ *VenueRecord) *VenueRecord { s.Store.Accepts = []Hash{{}}; return s }},
		{"store accepts too many", func(_, s, _ *VenueRecord) *VenueRecord {
			s.Store.Accepts = nil
			for i := range MaxStoreAccepts + 1 {
				s.Store.Accepts = append(s.Store.Accepts, Hash{byte(i + 1)})
			}
			return s
		}},
		{"store carries a map", func(_, s, _ *VenueRecord) *VenueRecord { s.SVG = testMap; return s }},
		{"store with a zero merchant", func(_, s, _ *VenueRecord) *VenueRecord { s.Store.Merchant = Address{}; return s }},
		{"place beyond the bound", func(_, _, p *VenueRecord) *VenueRecord { p.Place.Y = MaxMapCoord + 1; return p }},
		{"place with a zero venue", func(_, _, p *VenueRecord) *VenueRecord { p.Place.Venue = Hash{}; return p }},
		{"type not the message's", func(_, s, _ *VenueRecord) *VenueRecord { s.Type = VenueRecordPlace; return s }},
		{"two messages", func(v, s, _ *VenueRecord) *VenueRecord { v.Store = s.Store; return v }},
	}
	v, s, p := testVenueRecords()
	for _, r := range []*VenueRecord{v, s, p} {
		if err := r.Check(); err != nil {
			t.Fatalf("a good %s: %v", r.Type, err)
		}
	}
	for _, c := range cases {
		v, s, p := testVenueRecords()
		err := c.spoil(v, s, p).Check()
		if !errors.Is(err, ErrBadField) && !errors.Is(err, ErrDecode) {
			t.Errorf("%s: %v, want a field or decode error", c.name, err)
		}
	}
}

// TestAttackVenueRecordForgedOrMisattributed: a record signed by another
// key than its operator or merchant does not verify, nor one signed for
// another network's domain.
func TestAttackVenueRecordForgedOrMisattributed(t *testing.T) {
	op, merchant, stranger := newTestKey(1), newTestKey(2), newTestKey(3)
	d := NewDomain(1337, Address{0xa1})
	v, s, _ := testVenueRecords()
	v.Venue.Operator = op.addr
	s.Store.Merchant = merchant.addr
	v.Signature = stranger.signDigest(d.Digest(v.StructHash()))
	if _, err := VerifyVenueRecord(v, d, btcecRecoverer{}); !errors.Is(err, ErrWrongSigner) {
		t.Fatalf("a venue signed by a stranger: %v", err)
	}
	v.Signature = op.signDigest(NewDomain(1, Address{0xa1}).Digest(v.StructHash()))
	if _, err := VerifyVenueRecord(v, d, btcecRecoverer{}); !errors.Is(err, ErrWrongSigner) {
		t.Fatalf("a venue signed for another chain: %v", err)
	}
	v.Signature = op.signDigest(d.Digest(v.StructHash()))
	if who, err := VerifyVenueRecord(v, d, btcecRecoverer{}); err != nil || who != op.addr {
		t.Fatalf("the operator's venue: %s %v", who.Hex(), err)
	}
	s.Signature = op.signDigest(d.Digest(s.StructHash()))
	if _, err := VerifyVenueRecord(s, d, btcecRecoverer{}); !errors.Is(err, ErrWrongSigner) {
		t.Fatalf("a store listed by the operator, not its merchant: %v", err)
	}
}

// TestVenueRecordJSONIsStrict: the JSON form refuses unknown fields and
// types, and reads back what it writes.
func TestVenueRecordJSONIsStrict(t *testing.T) {
	_, s, _ := testVenueRecords()
	raw, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var back VenueRecord
	if err := json.Unmarshal(raw, &back); err != nil || back.StructHash() != s.StructHash() {
		t.Fatalf("%s does not read back: %v", raw, err)
	}
	for _, bad := range []string{
		strings.Replace(string(raw), `"open":true`, `"open":true,"color":"red"`, 1),
		strings.Replace(string(raw), `"type":"VenueStore"`, `"type":"Store"`, 1),
		strings.Replace(string(raw), `"signature"`, `"sig"`, 1),
	} {
		if err := json.Unmarshal([]byte(bad), &back); !errors.Is(err, ErrDecode) {
			t.Errorf("%s: %v, want ErrDecode", bad, err)
		}
	}
}

func TestStoreTakes(t *testing.T) {
	_, s, _ := testVenueRecords()
	st := s.Store
	if !st.Takes(Hash{1}, Address{0x99}) {
		t.Error("a listed asset is not taken")
	}
	if !st.Takes(Hash{7}, st.Merchant) {
		t.Error("the merchant's own asset (a gift card) is not taken at its shop")
	}
	if st.Takes(Hash{7}, Address{0x99}) {
		t.Error("an unlisted asset of another issuer is taken")
	}
}
