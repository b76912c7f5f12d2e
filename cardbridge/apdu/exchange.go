package apdu

import "fmt"

// MaxExchangeResponse bounds the data a GET RESPONSE chain may collect.
const MaxExchangeResponse = 64 << 10

// Exchange is the terminal side of one command: it sends cmd through send
// (one raw command APDU in, one raw response APDU out), in chained parts
// when its data is long, resends once with the right Le on 6CXX, and
// collects a 61XX answer with GET RESPONSE into one Response. An error is
// send's own (the transport failed) or wraps ErrBadResponse.
func Exchange(send func([]byte) ([]byte, error), cmd Command) (Response, error) {
	parts := Chain(cmd)
	var r Response
	for i, p := range parts {
		var err error
		if r, err = exchangeOne(send, p); err != nil {
			return Response{}, err
		}
		if i < len(parts)-1 && r.SW != SWOK {
			return r, nil // the card refused a part of the chain
		}
	}
	// Wrong Le (6CXX): send the last part again with Le = XX, once.
	if r.SW&0xFF00 == 0x6C00 {
		last := parts[len(parts)-1]
		last.Le = leOf(byte(r.SW))
		var err error
		if r, err = exchangeOne(send, last); err != nil {
			return Response{}, err
		}
	}
	data := r.Data
	for {
		if _, more := MoreData(r.SW); !more {
			break
		}
		var err error
		if r, err = exchangeOne(send, GetResponse(r.SW)); err != nil {
			return Response{}, err
		}
		data = append(data, r.Data...)
		if len(data) > MaxExchangeResponse {
			return Response{}, fmt.Errorf("%w: GET RESPONSE chain past %d bytes", ErrBadResponse, MaxExchangeResponse)
		}
	}
	r.Data = data
	return r, nil
}

func exchangeOne(send func([]byte) ([]byte, error), c Command) (Response, error) {
	b, err := c.Bytes()
	if err != nil {
		return Response{}, err
	}
	raw, err := send(b)
	if err != nil {
		return Response{}, err
	}
	return ParseResponse(raw)
}
