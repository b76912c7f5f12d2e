package ledger

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/anonex/anonex/internal/strictjson"
	"github.com/holiman/uint256"
)

// The JSON form's integers (docs/protocol.md, "JSON form"): uint256 and
// uint64 fields are written as decimal strings and read from a decimal
// string (digits, no sign, no leading zero), a JSON integer of at most
// 2^53 − 1, or — uint256 only — a 0x hex string. JavaScript reads larger
// JSON numbers inexactly, so they are refused rather than guessed at.

// jsonU256 reads and writes a uint256 by those rules.
type jsonU256 struct{ uint256.Int }

func (j jsonU256) MarshalJSON() ([]byte, error) { return json.Marshal(j.Int.Dec()) }

func (j *jsonU256) UnmarshalJSON(b []byte) error {
	s, quoted, err := jsonInteger(b)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadAmount, err)
	}
	if quoted && len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X") {
		err = j.Int.SetFromHex(s)
	} else if !decimal(s) {
		return fmt.Errorf("%w: %s is not a non-negative integer", ErrBadAmount, b)
	} else {
		err = j.Int.SetFromDecimal(s)
	}
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrBadAmount, b, err)
	}
	return nil
}

// jsonU64 reads and writes a uint64 by those rules (no hex).
type jsonU64 uint64

func (j jsonU64) MarshalJSON() ([]byte, error) {
	return strconv.AppendQuote(nil, strconv.FormatUint(uint64(j), 10)), nil
}

func (j *jsonU64) UnmarshalJSON(b []byte) error {
	s, _, err := jsonInteger(b)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrDecode, err)
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil || !decimal(s) {
		return fmt.Errorf("%w: %s is not a uint64", ErrDecode, b)
	}
	*j = jsonU64(v)
	return nil
}

// jsonInteger returns the text of a JSON string, or of a JSON number that
// is an integer of at most 2^53 − 1 (quoted false).
func jsonInteger(b []byte) (s string, quoted bool, err error) {
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return "", false, fmt.Errorf("%s is not a JSON string", b)
		}
		return s, true, nil
	}
	s = string(b)
	if !decimal(s) {
		return "", false, fmt.Errorf("%s is not a non-negative integer", b)
	}
	if v, err := strconv.ParseUint(s, 10, 64); err != nil || v > strictjson.MaxSafeInteger {
		return "", false, fmt.Errorf("the JSON number %s is beyond 2^53-1 (send it as a decimal string)", b)
	}
	return s, false, nil
}

// decimal reports whether s is a canonical decimal: digits, no leading
// zero but for "0" itself.
func decimal(s string) bool {
	return s != "" && digits(s) && (len(s) == 1 || s[0] != '0')
}

// strictUnmarshal decodes the JSON form by strictjson's rules (unknown,
// misspelt or repeated fields, and numbers beyond 2^53 − 1, refused at
// every level), so a typo in a signed message is an error rather than a
// silently different message.
func strictUnmarshal(b []byte, v any) error {
	if err := strictjson.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%w: %w", ErrDecode, err)
	}
	return nil
}

// messageUnmarshal is strictUnmarshal of a transaction's "message" found at
// path at of the document (e.g. $.message, $.attached[0].message), so its
// errors name where they are.
func messageUnmarshal(msg []byte, at string, v any) error {
	if err := strictjson.UnmarshalAt(msg, v, at); err != nil {
		return fmt.Errorf("%w: %w", ErrDecode, err)
	}
	return nil
}
