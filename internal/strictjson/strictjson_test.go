package strictjson

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

type inner struct {
	Amount string `json:"amount"`
	Count  uint64 `json:"count"`
}

type self struct{ raw string }

func (s *self) UnmarshalJSON(b []byte) error { s.raw = string(b); return nil }

type embedded struct {
	Deep string `json:"deep"`
}

type outer struct {
	embedded
	Name    string            `json:"name"`
	Inner   inner             `json:"inner"`
	List    []inner           `json:"list"`
	Ptr     *inner            `json:"ptr"`
	Map     map[string]inner  `json:"map"`
	Any     any               `json:"any"`
	Raw     json.RawMessage   `json:"raw"`
	Self    self              `json:"self"`
	Skipped string            `json:"-"`
	Untag   string            // JSON name "Untag"
	Opt     bool              `json:"opt,omitempty"`
	Nested  map[string][]self `json:"nested"`
}

func TestStrictRules(t *testing.T) {
	cases := []struct {
		name, doc string
		want      error  // nil: accepted
		where     string // the path the error must name
	}{
		{"all known fields", `{"name":"a","inner":{"amount":"1","count":2},"list":[{"amount":"x"}],"ptr":{"count":1},
			"map":{"k":{"count":3}},"any":{"whatever":[1,2]},"raw":{"free":1},"self":{"free":1},"Untag":"u","deep":"d","opt":true,
			"nested":{"a":[{"free":1}]}}`, nil, ""},
		{"unknown top-level field", `{"name":"a","memo":"hi"}`, ErrUnknownField, `"memo" at $`},
		{"unknown nested field", `{"inner":{"amount":"1","amonut":"2"}}`, ErrUnknownField, `"amonut" at $.inner`},
		{"unknown field in an array element", `{"list":[{"amount":"1"},{"cnt":1}]}`, ErrUnknownField, `"cnt" at $.list[1]`},
		{"unknown field behind a pointer", `{"ptr":{"x":1}}`, ErrUnknownField, `"x" at $.ptr`},
		{"unknown field in a map value", `{"map":{"k":{"x":1}}}`, ErrUnknownField, `"x" at $.map.k`},
		{"field of another case", `{"Name":"a"}`, ErrUnknownField, `(field names are case-sensitive: "name")`},
		{"an ignored field is unknown", `{"Skipped":"a"}`, ErrUnknownField, `"Skipped" at $`},
		{"duplicate field", `{"name":"a","name":"b"}`, ErrDuplicateField, `"name" at $`},
		{"duplicate inside a type that decodes itself", `{"self":{"a":1,"a":2}}`, ErrDuplicateField, `"a" at $.self`},
		{"duplicate inside any", `{"any":{"a":1,"a":2}}`, ErrDuplicateField, `at $.any`},
		{"2^53-1 accepted", `{"inner":{"count":9007199254740991}}`, nil, ""},
		{"-(2^53-1) accepted anywhere", `{"any":-9007199254740991}`, nil, ""},
		{"2^53 refused", `{"inner":{"count":9007199254740992}}`, ErrNumber, `9007199254740992 at $.inner.count`},
		{"2^53+1 refused", `{"inner":{"count":9007199254740993}}`, ErrNumber, `at $.inner.count`},
		{"huge number refused inside raw", `{"raw":{"v":123456789012345678901234567890}}`, ErrNumber, `at $.raw.v`},
		{"big number refused inside a self-decoding type", `{"self":[18446744073709551615]}`, ErrNumber, `at $.self[0]`},
		{"fraction refused", `{"any":1.5}`, ErrNumber, `not an integer`},
		{"exponent refused", `{"any":1e3}`, ErrNumber, `not an integer`},
		{"trailing value", `{"name":"a"} {"name":"b"}`, ErrSyntax, "after the JSON value"},
		{"truncated", `{"name":"a"`, ErrSyntax, ""},
		{"too deep", strings.Repeat(`[`, MaxDepth+1) + strings.Repeat(`]`, MaxDepth+1), ErrTooDeep, ""},
	}
	for _, c := range cases {
		var v outer
		err := Unmarshal([]byte(c.doc), &v)
		if c.want == nil {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		if !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
			continue
		}
		if !strings.Contains(err.Error(), c.where) {
			t.Errorf("%s: %q does not say %q", c.name, err, c.where)
		}
	}
}

func TestStrictDecodesLikeEncodingJSON(t *testing.T) {
	doc := `{"name":"a","inner":{"amount":"1","count":9007199254740991},"list":[{"amount":"x"}],"deep":"d","self":{"z":1}}`
	var got, want outer
	if err := Unmarshal([]byte(doc), &got); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(doc), &want); err != nil {
		t.Fatal(err)
	}
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) || got.Self.raw != `{"z":1}` {
		t.Fatalf("got %s, want %s", g, w)
	}
}

func TestStrictNeedsAPointer(t *testing.T) {
	if err := Unmarshal([]byte(`{}`), outer{}); err == nil {
		t.Fatal("a non-pointer was accepted")
	}
}
