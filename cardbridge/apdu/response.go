package apdu

import "fmt"

// MaxResponseData is the most response data one short response carries.
const MaxResponseData = 256

// Response is a response APDU: response data and the status word SW1 SW2.
type Response struct {
	Data []byte
	SW   uint16
}

// Bytes encodes r as data ‖ SW1 ‖ SW2.
func (r Response) Bytes() []byte {
	b := make([]byte, len(r.Data)+2)
	copy(b, r.Data)
	b[len(r.Data)] = byte(r.SW >> 8)
	b[len(r.Data)+1] = byte(r.SW)
	return b
}

// OK reports whether the card answered 90 00.
func (r Response) OK() bool { return r.SW == SWOK }

// Err is nil when the card answered 90 00, else the *SWError of its status
// word.
func (r Response) Err() error {
	if r.SW == SWOK {
		return nil
	}
	return &SWError{SW: r.SW}
}

// String formats the status word and data length for logs (never the data).
func (r Response) String() string {
	return fmt.Sprintf("%d bytes, SW %04X", len(r.Data), r.SW)
}

// ParseResponse decodes a response APDU: the last two bytes are the status
// word, the rest (a copy; nil when empty) the data.
func ParseResponse(b []byte) (Response, error) {
	if len(b) < 2 {
		return Response{}, fmt.Errorf("%w: %d bytes, the status word alone is 2", ErrBadResponse, len(b))
	}
	n := len(b) - 2
	r := Response{SW: uint16(b[n])<<8 | uint16(b[n+1])}
	if n > 0 {
		r.Data = append([]byte(nil), b[:n]...)
	}
	return r, nil
}

// SplitResponse is the card side of GET RESPONSE chaining. When data fits
// one response (256 bytes or less) it returns {data, sw} and no rest.
// Otherwise it returns the first 256 bytes with SW 61XX, XX the number of
// bytes still to come (00 meaning 256 or more), and the rest: the card
// keeps rest and sw, and answers each GET RESPONSE with
// SplitResponse(rest, sw) again until rest is empty. first.Data and rest
// share data's array.
func SplitResponse(data []byte, sw uint16) (first Response, rest []byte) {
	if len(data) <= MaxResponseData {
		return Response{Data: data, SW: sw}, nil
	}
	rest = data[MaxResponseData:]
	more := len(rest)
	if more >= MaxResponseData {
		more = 0
	}
	return Response{Data: data[:MaxResponseData:MaxResponseData], SW: SWMoreData | uint16(more)}, rest
}
