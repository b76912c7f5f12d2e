package ledger

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/holiman/uint256"
)

// jsonU256 reads a uint256 from a JSON string (decimal, or 0x hex) or a JSON
// integer, and writes it as a decimal string (JSON numbers lose precision
// above 2^53 in most wallets).
type jsonU256 struct{ uint256.Int }

func (j jsonU256) MarshalJSON() ([]byte, error) { return json.Marshal(j.Int.Dec()) }

func (j *jsonU256) UnmarshalJSON(b []byte) error {
	s := string(bytes.Trim(b, `"`))
	var err error
	if len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X") {
		err = j.Int.SetFromHex(s)
	} else {
		if s == "" || !digits(s) || (len(s) > 1 && s[0] == '0') {
			return fmt.Errorf("%w: %s is not a non-negative integer", ErrBadAmount, b)
		}
		err = j.Int.SetFromDecimal(s)
	}
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrBadAmount, b, err)
	}
	return nil
}

// jsonU64 reads a uint64 from a JSON integer or a decimal string, and
// writes a decimal string: JSON numbers above 2^53 lose precision in
// JavaScript wallets and in go-ethereum's apitypes.
type jsonU64 uint64

func (j jsonU64) MarshalJSON() ([]byte, error) {
	return strconv.AppendQuote(nil, strconv.FormatUint(uint64(j), 10)), nil
}

func (j *jsonU64) UnmarshalJSON(b []byte) error {
	v, err := strconv.ParseUint(string(bytes.Trim(b, `"`)), 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %s is not a uint64", ErrDecode, b)
	}
	*j = jsonU64(v)
	return nil
}

// strictUnmarshal decodes JSON refusing unknown fields, so a typo in a
// signed message is an error rather than a silently different message.
func strictUnmarshal(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %v", ErrDecode, err)
	}
	return nil
}
