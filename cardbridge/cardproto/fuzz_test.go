package cardproto

import (
	"reflect"
	"testing"

	"github.com/anonex/anonex/ledger"
	"github.com/holiman/uint256"
)

// Every parser either refuses its input or yields a message that encodes
// and parses back to itself.
func FuzzMessages(f *testing.F) {
	amt := *uint256.NewInt(1234)
	seeds := [][]byte{
		(&Info{Version: 1, Life: LifeActive, Address: ledger.Address{1}, Counter: 7, PINLeft: 3, PUKLeft: 5}).Bytes(),
		(&Status{Info: Info{Version: 1, Life: LifeActive}, Purses: []Purse{{Asset: ledger.Hash{2}, T: amt}}, Trusted: []ledger.Address{{3}}}).Bytes(),
		(&Personalization{PIN: "123456", PUK: "12345678", Assets: []ledger.Hash{{4}}, Trusted: []ledger.Address{{5}}}).Bytes(),
		(&Update{Asset: ledger.Hash{6}, Total: amt, Seq: 2, Confirmed: []ledger.Hash{{7}}}).Bytes(),
		(&PayRequest{Asset: ledger.Hash{8}, Amount: amt, Payee: ledger.Address{9}}).Bytes(),
		(&PayResponse{Counter: 3, AttachedHash: ledger.Hash{0xaa}, Attached: []Received{{Payer: ledger.Address{1}, Amount: amt, Challenge: ledger.Hash{1}}}}).Bytes(),
		(&RecordView{Counter: 4, Amount: amt, Mode: 2, AttachedHash: ledger.Hash{0xab},
			Attached: []Received{{Payer: ledger.Address{2}, Amount: amt, Challenge: ledger.Hash{2}}}}).Bytes(),
		(&LimitsUpdate{Seq: 9, Limits: Limits{OfflineCap: amt, OfflineMax: 3}}).Bytes(),
		(&ConvertRequest{Fiat: ledger.Hash{1}, FiatAmount: amt, Payee: ledger.Address{2}}).Bytes(),
		(&ConvertRequestResponse{Nonce: ledger.Hash{3}, Sealed: []byte{1, 2, 3}}).Bytes(),
		(&ConvertApproval{Nonce: ledger.Hash{4}, Asset: ledger.Hash{5}, Amount: amt}).Bytes(),
	}
	for i, s := range seeds {
		f.Add(uint8(i), s)
	}
	f.Fuzz(func(t *testing.T, which uint8, b []byte) {
		type codec struct {
			parse  func([]byte) (any, error)
			encode func(any) []byte
		}
		codecs := []codec{
			{func(b []byte) (any, error) { return ParseInfo(b) }, func(v any) []byte { x := v.(Info); return x.Bytes() }},
			{func(b []byte) (any, error) { return ParseStatus(b) }, func(v any) []byte { x := v.(Status); return x.Bytes() }},
			{func(b []byte) (any, error) { return ParsePersonalization(b) }, func(v any) []byte { x := v.(Personalization); return x.Bytes() }},
			{func(b []byte) (any, error) { return ParseUpdate(b) }, func(v any) []byte { x := v.(Update); return x.Bytes() }},
			{func(b []byte) (any, error) { return ParsePayRequest(b) }, func(v any) []byte { x := v.(PayRequest); return x.Bytes() }},
			{func(b []byte) (any, error) { return ParsePayResponse(b) }, func(v any) []byte { x := v.(PayResponse); return x.Bytes() }},
			{func(b []byte) (any, error) { return ParseRecordView(b) }, func(v any) []byte { x := v.(RecordView); return x.Bytes() }},
			{func(b []byte) (any, error) { return ParseLimitsUpdate(b) }, func(v any) []byte { x := v.(LimitsUpdate); return x.Bytes() }},
			{func(b []byte) (any, error) { return ParseReceived(b) }, func(v any) []byte { x := v.(Received); return x.Bytes() }},
			{func(b []byte) (any, error) { return ParseConvertRequest(b) }, func(v any) []byte { x := v.(ConvertRequest); return x.Bytes() }},
			{func(b []byte) (any, error) { return ParseConvertRequestResponse(b) }, func(v any) []byte { x := v.(ConvertRequestResponse); return x.Bytes() }},
			{func(b []byte) (any, error) { return ParseConvertApproval(b) }, func(v any) []byte { x := v.(ConvertApproval); return x.Bytes() }},
		}
		c := codecs[int(which)%len(codecs)]
		v, err := c.parse(b)
		if err != nil {
			return
		}
		again, err := c.parse(c.encode(v))
		if err != nil {
			t.Fatalf("re-encoded message does not parse: %v", err)
		}
		if !reflect.DeepEqual(normalize(v), normalize(again)) {
			t.Fatalf("round trip changed the message:\n%#v\n%#v", v, again)
		}
	})
}

// normalize maps nil and empty slices alike for comparison.
func normalize(v any) any {
	switch x := v.(type) {
	case Status:
		if len(x.Trusted) == 0 {
			x.Trusted = nil
		}
		if len(x.Purses) == 0 {
			x.Purses = nil
		}
		return x
	case Personalization:
		if len(x.Trusted) == 0 {
			x.Trusted = nil
		}
		if len(x.Assets) == 0 {
			x.Assets = nil
		}
		return x
	case ConvertRequestResponse:
		if len(x.Sealed) == 0 {
			x.Sealed = nil
		}
		return x
	case Update:
		if len(x.Confirmed) == 0 {
			x.Confirmed = nil
		}
		return x
	}
	return v
}
