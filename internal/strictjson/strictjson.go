// Package strictjson decodes the JSON anonex takes from the outside — every
// request body of the node's HTTP API and the JSON form of a transaction —
// by one set of rules (docs/api.md, "JSON bodies"), so a client that follows
// the docs is never silently read as saying something else:
//
//   - the input is exactly one JSON value (white space around it only);
//   - every key of an object decoded into a struct names one of the
//     struct's fields exactly, case included (encoding/json alone matches
//     names case-insensitively): an unknown or misspelt field is refused at
//     every level;
//   - no object gives a key twice (encoding/json alone keeps the last);
//   - every JSON number is an integer, written without a fraction or an
//     exponent, whose magnitude is at most 2^53 − 1 (MaxSafeInteger), the
//     largest every JavaScript client reads exactly: larger values travel
//     as decimal strings where a field takes one;
//   - objects and arrays nest at most MaxDepth deep.
//
// A type that decodes itself (json.Unmarshaler, encoding.TextUnmarshaler)
// is still held to the duplicate, number and depth rules; the fields of its
// objects are its own business, so every such type of anonex decodes its
// objects through Unmarshal too.
package strictjson

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"sync"
)

// MaxSafeInteger is 2^53 − 1, JavaScript's Number.MAX_SAFE_INTEGER: the
// largest magnitude a JSON number may have.
const MaxSafeInteger = 1<<53 - 1

// MaxDepth bounds how deep objects and arrays nest.
const MaxDepth = 32

// The ways a document breaks the rules; each error wraps one of them and
// names where in the document it happened ($ is the top level,
// $.message.offer a nested object, $.attached[0] an array element).
var (
	ErrSyntax         = errors.New("json: malformed")
	ErrUnknownField   = errors.New("json: unknown field")
	ErrDuplicateField = errors.New("json: field given twice")
	ErrNumber         = errors.New("json: number out of range")
	ErrTooDeep        = errors.New("json: nested too deep")
)

// Unmarshal decodes data into v (a non-nil pointer) by the package's rules.
func Unmarshal(data []byte, v any) error { return UnmarshalAt(data, v, "$") }

// UnmarshalAt is Unmarshal of a document that sits at path root of a larger
// one (e.g. "$.message"), so errors name where it sits.
func UnmarshalAt(data []byte, v any, root string) error {
	rt := reflect.TypeOf(v)
	if rt == nil || rt.Kind() != reflect.Pointer {
		return fmt.Errorf("strictjson: Unmarshal needs a pointer, got %T", v)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	w := walker{dec: dec}
	if err := w.value(rt.Elem(), root, 0); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%w: data after the JSON value", ErrSyntax)
	}
	// The document follows the rules: decode it. Unknown fields were
	// refused above, exactly; the decoder's own check stays as a backstop.
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return err
	}
	return nil
}

type walker struct{ dec *json.Decoder }

// value checks the next value of the document against type t (nil: any
// JSON is acceptable there, only the duplicate, number and depth rules
// apply).
func (w *walker) value(t reflect.Type, path string, depth int) error {
	tok, err := w.dec.Token()
	if err != nil {
		return syntaxErr(err, path)
	}
	switch tok := tok.(type) {
	case json.Delim:
		if depth >= MaxDepth {
			return fmt.Errorf("%w: more than %d levels at %s", ErrTooDeep, MaxDepth, path)
		}
		if tok == '{' {
			return w.object(shapeOf(t), path, depth+1)
		}
		return w.array(shapeOf(t), path, depth+1)
	case json.Number:
		return checkNumber(tok.String(), path)
	}
	return nil
}

func (w *walker) object(s *shape, path string, depth int) error {
	seen := map[string]bool{}
	for w.dec.More() {
		tok, err := w.dec.Token()
		if err != nil {
			return syntaxErr(err, path)
		}
		key, _ := tok.(string)
		if seen[key] {
			return fmt.Errorf("%w: %q at %s", ErrDuplicateField, key, path)
		}
		seen[key] = true
		var ft reflect.Type
		switch {
		case s == nil:
		case s.fields != nil:
			f, ok := s.fields[key]
			if !ok {
				return fmt.Errorf("%w %q at %s%s", ErrUnknownField, key, path, s.hint(key))
			}
			ft = f
		default:
			ft = s.elem // a map's values
		}
		if err := w.value(ft, path+"."+key, depth); err != nil {
			return err
		}
	}
	if _, err := w.dec.Token(); err != nil {
		return syntaxErr(err, path)
	}
	return nil
}

func (w *walker) array(s *shape, path string, depth int) error {
	var elem reflect.Type
	if s != nil && s.fields == nil {
		elem = s.elem
	}
	for i := 0; w.dec.More(); i++ {
		if err := w.value(elem, path+"["+strconv.Itoa(i)+"]", depth); err != nil {
			return err
		}
	}
	if _, err := w.dec.Token(); err != nil {
		return syntaxErr(err, path)
	}
	return nil
}

func syntaxErr(err error, path string) error {
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("%w at %s: %v", ErrSyntax, path, err)
}

// checkNumber enforces the number rule on a number's literal text.
func checkNumber(lit, path string) error {
	digits := strings.TrimPrefix(lit, "-")
	if strings.ContainsAny(digits, ".eE") {
		return fmt.Errorf("%w: %s at %s is not an integer (JSON numbers must be integers; amounts are decimal strings)", ErrNumber, lit, path)
	}
	if v, err := strconv.ParseUint(digits, 10, 64); err != nil || v > MaxSafeInteger {
		return fmt.Errorf("%w: %s at %s is beyond 2^53-1, the largest JSON number read exactly everywhere; send it as a decimal string", ErrNumber, lit, path)
	}
	return nil
}

// shape is what the walker needs of a Go type: the exact JSON names of a
// struct's fields and their types, or the element type of a slice, array
// or map. nil means "anything goes here".
type shape struct {
	fields map[string]reflect.Type
	elem   reflect.Type
}

// hint suggests the field a misspelt key may have meant (same letters in
// another case).
func (s *shape) hint(key string) string {
	for name := range s.fields {
		if strings.EqualFold(name, key) {
			return fmt.Sprintf(" (field names are case-sensitive: %q)", name)
		}
	}
	return ""
}

var (
	unmarshaler     = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
	shapes          sync.Map // reflect.Type → *shape
)

func shapeOf(t reflect.Type) *shape {
	for t != nil && t.Kind() == reflect.Pointer {
		if decodesItself(t) {
			return nil
		}
		t = t.Elem()
	}
	if t == nil || decodesItself(t) {
		return nil
	}
	if s, ok := shapes.Load(t); ok {
		return s.(*shape)
	}
	var s *shape
	switch t.Kind() {
	case reflect.Struct:
		s = &shape{fields: map[string]reflect.Type{}}
		addFields(s.fields, t, 0)
	case reflect.Slice, reflect.Array, reflect.Map:
		s = &shape{elem: t.Elem()}
	}
	shapes.Store(t, s)
	return s
}

func decodesItself(t reflect.Type) bool {
	if t.Implements(unmarshaler) || t.Implements(textUnmarshaler) {
		return true
	}
	if t.Kind() != reflect.Pointer {
		p := reflect.PointerTo(t)
		return p.Implements(unmarshaler) || p.Implements(textUnmarshaler)
	}
	return false
}

// addFields collects a struct's JSON field names as encoding/json sees
// them: tag names, else Go names; embedded structs without a tag promote
// their fields (shallower fields win).
func addFields(into map[string]reflect.Type, t reflect.Type, depth int) {
	var embedded []reflect.Type
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			et := f.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				embedded = append(embedded, et)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if _, ok := into[name]; !ok {
			into[name] = f.Type
		}
	}
	if depth < 8 {
		for _, et := range embedded {
			addFields(into, et, depth+1)
		}
	}
}
