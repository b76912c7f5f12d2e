package ledger

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Venues: what digital signage shows. A venue's operator (a device
// account) signs its map — an SVG whose keccak256 the signed Venue
// names — and approves each store's place on it (VenuePlace); a merchant
// signs its store's listing at the venue (VenueStore): its name, its place
// on the map and the assets it accepts. None of them is a ledger
// transaction: they are signed records the network gossips and every node
// keeps (node/venues), the newest of each (by Seq) replacing the older.
// A kiosk shows a store where its listing is open and the operator's
// newest approval of the merchant is at the listing's place.

// The limits of venue records.
const (
	MaxVenueName    = 64        // bytes of a venue's or store's name
	MaxVenueMap     = 48 << 10  // bytes of a venue's SVG map
	MaxStoreAccepts = 32        // assets one store lists
	MaxMapCoord     = 1_000_000 // a place's x and y, in the map's units
)

var (
	venueType      = Keccak256([]byte("Venue(address operator,string name,bytes32 map,uint64 seq)"))
	venueStoreType = Keccak256([]byte("VenueStore(bytes32 venue,address merchant,string name,uint32 x,uint32 y,bytes32[] accepts,bool open,uint64 seq)"))
	venuePlaceType = Keccak256([]byte("VenuePlace(bytes32 venue,address merchant,uint32 x,uint32 y,bool approved,uint64 seq)"))
)

// The EIP-712 types of venue records, for wallets.
var (
	VenueFields      = []TypedField{{"operator", "address"}, {"name", "string"}, {"map", "bytes32"}, {"seq", "uint64"}}
	VenueStoreFields = []TypedField{{"venue", "bytes32"}, {"merchant", "address"}, {"name", "string"}, {"x", "uint32"},
		{"y", "uint32"}, {"accepts", "bytes32[]"}, {"open", "bool"}, {"seq", "uint64"}}
	VenuePlaceFields = []TypedField{{"venue", "bytes32"}, {"merchant", "address"}, {"x", "uint32"}, {"y", "uint32"},
		{"approved", "bool"}, {"seq", "uint64"}}
)

// Venue is a venue's map as its operator signs it.
type Venue struct {
	Operator Address
	Name     string
	// Map is keccak256 of the SVG document.
	Map Hash
	Seq uint64
}

// VenueID is the id of the venue operator names name: the same for every
// version of its map.
func VenueID(operator Address, name string) Hash {
	return Keccak256(append(operator[:len(operator):len(operator)], name...))
}

// ID is the venue's id.
func (v *Venue) ID() Hash { return VenueID(v.Operator, v.Name) }

// StructHash is the EIP-712 hashStruct.
func (v *Venue) StructHash() Hash {
	var w structWriter
	w.hash(venueType)
	w.address(v.Operator)
	w.string(v.Name)
	w.hash(v.Map)
	w.uint64(v.Seq)
	return w.sum()
}

// VenueStore is a merchant's listing at a venue.
type VenueStore struct {
	Venue    Hash
	Merchant Address
	Name     string
	// X and Y are the store's place in the map's user units (its viewBox).
	X, Y uint32
	// Accepts are the assets the store takes besides its own (an asset
	// the merchant issued, a gift card, is taken at its shop anyway).
	Accepts []Hash
	// Open is false once the store leaves the venue.
	Open bool
	Seq  uint64
}

// StructHash is the EIP-712 hashStruct.
func (s *VenueStore) StructHash() Hash {
	var w structWriter
	w.hash(venueStoreType)
	w.hash(s.Venue)
	w.address(s.Merchant)
	w.string(s.Name)
	w.uint64(uint64(s.X))
	w.uint64(uint64(s.Y))
	acc := make([]byte, 0, 32*len(s.Accepts))
	for _, a := range s.Accepts {
		acc = append(acc, a[:]...)
	}
	w.hash(Keccak256(acc))
	w.uint64(boolWord(s.Open))
	w.uint64(s.Seq)
	return w.sum()
}

// Takes reports whether the store takes asset a, issued by issuer.
func (s *VenueStore) Takes(a Hash, issuer Address) bool {
	if issuer == s.Merchant {
		return true
	}
	for _, x := range s.Accepts {
		if x == a {
			return true
		}
	}
	return false
}

// VenuePlace is a venue operator's approval (or, with Approved false, its
// refusal or withdrawal) of a merchant's place on the map.
type VenuePlace struct {
	Venue    Hash
	Merchant Address
	X, Y     uint32
	Approved bool
	Seq      uint64
}

// StructHash is the EIP-712 hashStruct.
func (p *VenuePlace) StructHash() Hash {
	var w structWriter
	w.hash(venuePlaceType)
	w.hash(p.Venue)
	w.address(p.Merchant)
	w.uint64(uint64(p.X))
	w.uint64(uint64(p.Y))
	w.uint64(boolWord(p.Approved))
	w.uint64(p.Seq)
	return w.sum()
}

func boolWord(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// The types of venue records (VenueRecord.Type).
const (
	VenueRecordVenue = "Venue"
	VenueRecordStore = "VenueStore"
	VenueRecordPlace = "VenuePlace"
)

// VenueRecord is one signed venue record: what gossips on the venue topic
// and what POST /v1/venues takes. Exactly one of Venue, Store and Place
// is set, as Type says; a Venue carries its SVG map.
type VenueRecord struct {
	Type      string
	Venue     *Venue
	Store     *VenueStore
	Place     *VenuePlace
	SVG       string
	Signature Sig
}

// StructHash is the EIP-712 hashStruct of the record's message.
func (r *VenueRecord) StructHash() Hash {
	switch {
	case r.Venue != nil:
		return r.Venue.StructHash()
	case r.Store != nil:
		return r.Store.StructHash()
	default:
		return r.Place.StructHash()
	}
}

// VenueID is the id of the venue the record is about.
func (r *VenueRecord) VenueID() Hash {
	switch {
	case r.Venue != nil:
		return r.Venue.ID()
	case r.Store != nil:
		return r.Store.Venue
	default:
		return r.Place.Venue
	}
}

// Seq is the record's sequence number.
func (r *VenueRecord) Seq() uint64 {
	switch {
	case r.Venue != nil:
		return r.Venue.Seq
	case r.Store != nil:
		return r.Store.Seq
	default:
		return r.Place.Seq
	}
}

// Signer is who must have signed the record: the venue's operator for a
// Venue; the merchant for a VenueStore. A VenuePlace is signed by the
// venue's operator, whom only the venue names (zero here).
func (r *VenueRecord) Signer() Address {
	switch {
	case r.Venue != nil:
		return r.Venue.Operator
	case r.Store != nil:
		return r.Store.Merchant
	}
	return Address{}
}

// Check reports what is wrong with a record on its own: its fields, the
// map's hash and form. It does not check the signature (VerifyVenueRecord).
func (r *VenueRecord) Check() error {
	set := 0
	for _, b := range []bool{r.Venue != nil, r.Store != nil, r.Place != nil} {
		if b {
			set++
		}
	}
	want := map[string]bool{VenueRecordVenue: r.Venue != nil, VenueRecordStore: r.Store != nil, VenueRecordPlace: r.Place != nil}
	if set != 1 || !want[r.Type] {
		return fmt.Errorf("%w: a venue record of type %q must carry that one message", ErrDecode, r.Type)
	}
	switch {
	case r.Venue != nil:
		v := r.Venue
		if v.Operator.IsZero() {
			return fmt.Errorf("%w: a venue with a zero operator", ErrBadField)
		}
		if err := checkVenueName(v.Name); err != nil {
			return err
		}
		if len(r.SVG) > MaxVenueMap {
			return fmt.Errorf("%w: the map has %d bytes, at most %d", ErrBadField, len(r.SVG), MaxVenueMap)
		}
		if Keccak256([]byte(r.SVG)) != v.Map {
			return fmt.Errorf("%w: the map is not the one the venue signed (keccak256 differs)", ErrBadField)
		}
		if _, err := ParseViewBox(r.SVG); err != nil {
			return err
		}
	case r.Store != nil:
		s := r.Store
		if s.Venue.IsZero() || s.Merchant.IsZero() {
			return fmt.Errorf("%w: a store with a zero venue or merchant", ErrBadField)
		}
		if err := checkVenueName(s.Name); err != nil {
			return err
		}
		if s.X > MaxMapCoord || s.Y > MaxMapCoord {
			return fmt.Errorf("%w: a place beyond %d", ErrBadField, MaxMapCoord)
		}
		if len(s.Accepts) > MaxStoreAccepts {
			return fmt.Errorf("%w: %d accepted assets, at most %d", ErrBadField, len(s.Accepts), MaxStoreAccepts)
		}
		seen := map[Hash]bool{}
		for _, a := range s.Accepts {
			if a.IsZero() || seen[a] {
				return fmt.Errorf("%w: a zero or repeated accepted asset", ErrBadField)
			}
			seen[a] = true
		}
		if r.SVG != "" {
			return fmt.Errorf("%w: only a venue carries a map", ErrBadField)
		}
	case r.Place != nil:
		p := r.Place
		if p.Venue.IsZero() || p.Merchant.IsZero() {
			return fmt.Errorf("%w: a place with a zero venue or merchant", ErrBadField)
		}
		if p.X > MaxMapCoord || p.Y > MaxMapCoord {
			return fmt.Errorf("%w: a place beyond %d", ErrBadField, MaxMapCoord)
		}
		if r.SVG != "" {
			return fmt.Errorf("%w: only a venue carries a map", ErrBadField)
		}
	default:
		return fmt.Errorf("%w: an empty venue record", ErrDecode)
	}
	return nil
}

func checkVenueName(s string) error {
	if s == "" || len(s) > MaxVenueName || !utf8.ValidString(s) || strings.TrimSpace(s) != s {
		return fmt.Errorf("%w: a name of 1 to %d bytes of UTF-8, no surrounding space", ErrBadField, MaxVenueName)
	}
	for _, c := range s {
		if !unicode.IsPrint(c) {
			return fmt.Errorf("%w: a name with an unprintable character", ErrBadField)
		}
	}
	return nil
}

// VerifyVenueRecord checks a record and recovers its signer under d. For
// a VenuePlace the signer is returned for the caller to hold against the
// venue's operator; for the others it must be the record's Signer.
func VerifyVenueRecord(r *VenueRecord, d Domain, rec Recoverer) (Address, error) {
	if err := r.Check(); err != nil {
		return Address{}, err
	}
	who, err := rec.Recover(d.Digest(r.StructHash()), r.Signature)
	if err != nil {
		return Address{}, fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	if want := r.Signer(); !want.IsZero() && who != want {
		return who, fmt.Errorf("%w: the %s is signed by %s, not %s", ErrWrongSigner, r.Type, who.Hex(), want.Hex())
	}
	return who, nil
}

// ViewBox is an SVG map's coordinate system: places are in its units.
type ViewBox struct{ MinX, MinY, Width, Height float64 }

// Contains reports whether a place lies on the map.
func (b ViewBox) Contains(x, y uint32) bool {
	fx, fy := float64(x), float64(y)
	return fx >= b.MinX && fy >= b.MinY && fx <= b.MinX+b.Width && fy <= b.MinY+b.Height
}

// ParseViewBox reads an SVG map: well-formed XML whose root element is an
// svg element with a viewBox of positive width and height.
func ParseViewBox(svg string) (ViewBox, error) {
	dec := xml.NewDecoder(strings.NewReader(svg))
	dec.Strict = true
	box, err := rootViewBox(dec)
	if err != nil {
		return box, err
	}
	for {
		if _, err := dec.Token(); err == io.EOF {
			return box, nil
		} else if err != nil {
			return ViewBox{}, fmt.Errorf("%w: the map is not well-formed XML: %v", ErrBadField, err)
		}
	}
}

func rootViewBox(dec *xml.Decoder) (ViewBox, error) {
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return ViewBox{}, fmt.Errorf("%w: the map has no svg element", ErrBadField)
		}
		if err != nil {
			return ViewBox{}, fmt.Errorf("%w: the map is not well-formed XML: %v", ErrBadField, err)
		}
		start, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if start.Name.Local != "svg" {
			return ViewBox{}, fmt.Errorf("%w: the map's root element is %s, not svg", ErrBadField, start.Name.Local)
		}
		for _, a := range start.Attr {
			if a.Name.Local == "viewBox" {
				return parseViewBoxAttr(a.Value)
			}
		}
		return ViewBox{}, fmt.Errorf("%w: the map's svg element has no viewBox", ErrBadField)
	}
}

func parseViewBoxAttr(s string) (ViewBox, error) {
	f := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' || r == '\t' || r == '\n' || r == '\r' })
	if len(f) != 4 {
		return ViewBox{}, fmt.Errorf("%w: viewBox %q: four numbers", ErrBadField, s)
	}
	var v [4]float64
	for i, x := range f {
		n, err := strconv.ParseFloat(x, 64)
		if err != nil {
			return ViewBox{}, fmt.Errorf("%w: viewBox %q: %v", ErrBadField, s, err)
		}
		v[i] = n
	}
	b := ViewBox{v[0], v[1], v[2], v[3]}
	if b.Width <= 0 || b.Height <= 0 {
		return ViewBox{}, fmt.Errorf("%w: viewBox %q: width and height must be positive", ErrBadField, s)
	}
	return b, nil
}

// The JSON form of venue records: {"type", "message", "signature"} and,
// for a Venue, "svg" — the message as wallets sign it (EIP-712 field
// names; uint64 as decimal strings, uint32 as numbers).

type venueMsgJSON struct {
	Operator Address `json:"operator"`
	Name     string  `json:"name"`
	Map      Hash    `json:"map"`
	Seq      jsonU64 `json:"seq"`
}

type venueStoreMsgJSON struct {
	Venue    Hash    `json:"venue"`
	Merchant Address `json:"merchant"`
	Name     string  `json:"name"`
	X        uint32  `json:"x"`
	Y        uint32  `json:"y"`
	Accepts  []Hash  `json:"accepts"`
	Open     bool    `json:"open"`
	Seq      jsonU64 `json:"seq"`
}

type venuePlaceMsgJSON struct {
	Venue    Hash    `json:"venue"`
	Merchant Address `json:"merchant"`
	X        uint32  `json:"x"`
	Y        uint32  `json:"y"`
	Approved bool    `json:"approved"`
	Seq      jsonU64 `json:"seq"`
}

type venueRecordJSON struct {
	Type      string          `json:"type"`
	Message   json.RawMessage `json:"message"`
	Signature Sig             `json:"signature"`
	SVG       string          `json:"svg,omitempty"`
}

// MarshalJSON renders {"type", "message", "signature"[, "svg"]}.
func (r *VenueRecord) MarshalJSON() ([]byte, error) {
	var msg any
	switch {
	case r.Venue != nil:
		v := r.Venue
		msg = venueMsgJSON{v.Operator, v.Name, v.Map, jsonU64(v.Seq)}
	case r.Store != nil:
		s := r.Store
		acc := s.Accepts
		if acc == nil {
			acc = []Hash{}
		}
		msg = venueStoreMsgJSON{s.Venue, s.Merchant, s.Name, s.X, s.Y, acc, s.Open, jsonU64(s.Seq)}
	case r.Place != nil:
		p := r.Place
		msg = venuePlaceMsgJSON{p.Venue, p.Merchant, p.X, p.Y, p.Approved, jsonU64(p.Seq)}
	default:
		return nil, fmt.Errorf("%w: an empty venue record", ErrDecode)
	}
	m, err := json.Marshal(msg)
	if err != nil {
		return nil, err
	}
	return json.Marshal(venueRecordJSON{Type: r.Type, Message: m, Signature: r.Signature, SVG: r.SVG})
}

// UnmarshalJSON reads a record by strict JSON rules.
func (r *VenueRecord) UnmarshalJSON(b []byte) error {
	var j venueRecordJSON
	if err := strictUnmarshal(b, &j); err != nil {
		return err
	}
	out := VenueRecord{Type: j.Type, Signature: j.Signature, SVG: j.SVG}
	switch j.Type {
	case VenueRecordVenue:
		var m venueMsgJSON
		if err := messageUnmarshal(j.Message, "message", &m); err != nil {
			return err
		}
		out.Venue = &Venue{Operator: m.Operator, Name: m.Name, Map: m.Map, Seq: uint64(m.Seq)}
	case VenueRecordStore:
		var m venueStoreMsgJSON
		if err := messageUnmarshal(j.Message, "message", &m); err != nil {
			return err
		}
		out.Store = &VenueStore{Venue: m.Venue, Merchant: m.Merchant, Name: m.Name, X: m.X, Y: m.Y, Accepts: m.Accepts,
			Open: m.Open, Seq: uint64(m.Seq)}
	case VenueRecordPlace:
		var m venuePlaceMsgJSON
		if err := messageUnmarshal(j.Message, "message", &m); err != nil {
			return err
		}
		out.Place = &VenuePlace{Venue: m.Venue, Merchant: m.Merchant, X: m.X, Y: m.Y, Approved: m.Approved, Seq: uint64(m.Seq)}
	default:
		return fmt.Errorf("%w: venue record type %q (Venue, VenueStore or VenuePlace)", ErrDecode, j.Type)
	}
	*r = out
	return nil
}

// VenueTypedData is the EIP-712 document a record's signer signs.
func VenueTypedData(r *VenueRecord, d Domain) (map[string]any, error) {
	raw, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	var j struct {
		Message json.RawMessage `json:"message"`
	}
	if err := json.Unmarshal(raw, &j); err != nil {
		return nil, err
	}
	fields := map[string][]TypedField{VenueRecordVenue: VenueFields, VenueRecordStore: VenueStoreFields, VenueRecordPlace: VenuePlaceFields}[r.Type]
	return messageTypedData(r.Type, fields, j.Message, d), nil
}
