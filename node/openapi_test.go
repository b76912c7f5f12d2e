package node

import (
	"context"
	"encoding"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/docs"
	"github.com/anonex/anonex/ledger"
	"gopkg.in/yaml.v3"
)

// The tests of this file hold docs/api.yaml, the OpenAPI document every
// node serves, to the node itself: its routes (the patterns the mux
// mounts, their path parameters, which need the API token), the error
// codes each answer names (their HTTP statuses), and the Go types of
// package api behind every schema (x-go-type: each schema's properties
// and required fields are the type's JSON fields, and each property's
// schema fits the field's type).

// openAPI is the document, parsed.
type openAPI struct {
	root map[string]any
}

func loadOpenAPI(t *testing.T) openAPI {
	t.Helper()
	var root map[string]any
	if err := yaml.Unmarshal(docs.OpenAPI, &root); err != nil {
		t.Fatalf("docs/api.yaml: %v", err)
	}
	return openAPI{root}
}

func obj(v any) map[string]any { m, _ := v.(map[string]any); return m }

// deref follows a $ref to the component it names.
func (d openAPI) deref(t *testing.T, v any) map[string]any {
	t.Helper()
	m := obj(v)
	for m != nil && m["$ref"] != nil {
		ref, _ := m["$ref"].(string)
		path, ok := strings.CutPrefix(ref, "#/")
		if !ok {
			t.Fatalf("$ref %q: only local references", ref)
		}
		var cur any = d.root
		for _, p := range strings.Split(path, "/") {
			cur = obj(cur)[p]
		}
		if cur == nil {
			t.Fatalf("$ref %q names nothing", ref)
		}
		m = obj(cur)
	}
	return m
}

// operations are the document's operations, keyed "METHOD /path".
func (d openAPI) operations() map[string]map[string]any {
	out := map[string]map[string]any{}
	for path, item := range obj(d.root["paths"]) {
		for method, op := range obj(item) {
			out[strings.ToUpper(method)+" "+path] = obj(op)
		}
	}
	return out
}

// errorCodes are the codes package api declares, by name.
func errorCodes(t *testing.T) map[string]api.Code {
	t.Helper()
	codes := map[string]api.Code{}
	for _, c := range api.Codes() {
		codes[string(c)] = c
	}
	if len(codes) < 30 {
		t.Fatalf("api.Codes lists only %d error codes", len(codes))
	}
	return codes
}

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

// TestOpenAPIListsEveryRoute: the document has exactly the routes the
// node mounts (but the catch-alls: the API's 404s and the web app), with their path
// parameters; each operation answers an error with the Error body, names
// for each error status codes that are sent with that status, and asks
// for the API token exactly where the node does.
func TestOpenAPIListsEveryRoute(t *testing.T) {
	d := loadOpenAPI(t)
	if v, _ := d.root["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
		t.Fatalf("openapi: %q, want 3.1.x", v)
	}
	n := routedNode(t)
	mux := n.mux(defaultAPILimits)
	mounted := map[string]bool{}
	for _, p := range mux.Patterns() {
		switch p {
		case "/", "GET /v1/", "GET /":
			// Catch-alls, not operations: the API's 404 (everywhere, and
			// under /v1/ for GETs) and the web app (docs/web.md).
		default:
			mounted[p] = true
		}
	}
	ops := d.operations()
	for p := range mounted {
		if ops[p] == nil {
			t.Errorf("route %q is not in docs/api.yaml", p)
		}
	}
	codes := errorCodes(t)
	var enum []string
	for _, c := range obj(obj(obj(obj(obj(d.root["components"])["schemas"])["Error"])["properties"])["code"])["enum"].([]any) {
		enum = append(enum, c.(string))
	}
	var all []string
	for c := range codes {
		all = append(all, c)
	}
	sort.Strings(enum)
	sort.Strings(all)
	if !slices.Equal(enum, all) {
		t.Errorf("Error.code's enum is %v; package api's codes are %v", enum, all)
	}

	ids := map[string]string{}
	handler := mux.Handler()
	for key, op := range ops {
		if !mounted[key] {
			t.Errorf("docs/api.yaml has %q, which the node does not mount", key)
			continue
		}
		id, _ := op["operationId"].(string)
		if id == "" || ids[id] != "" {
			t.Errorf("%s: operationId %q is missing or also %s's", key, id, ids[id])
		}
		ids[id] = key
		if s, _ := op["summary"].(string); s == "" {
			t.Errorf("%s: no summary", key)
		}

		// Path parameters: exactly those of the path, required.
		_, path, _ := strings.Cut(key, " ")
		var want, got []string
		for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
			want = append(want, m[1])
		}
		params, _ := op["parameters"].([]any)
		for _, p := range params {
			pm := d.deref(t, p)
			if pm["in"] == "path" {
				got = append(got, pm["name"].(string))
				if pm["required"] != true {
					t.Errorf("%s: path parameter %v is not required", key, pm["name"])
				}
			}
			if obj(pm["schema"]) == nil {
				t.Errorf("%s: parameter %v has no schema", key, pm["name"])
			}
		}
		sort.Strings(want)
		sort.Strings(got)
		if !slices.Equal(want, got) {
			t.Errorf("%s: path parameters %v, the path has %v", key, got, want)
		}

		// Errors: the Error body, and codes that go with the status.
		responses := obj(op["responses"])
		if responses["default"] == nil {
			t.Errorf("%s: no default (error) response", key)
		}
		for status, r := range responses {
			code, err := strconv.Atoi(status)
			if status != "default" && (err != nil || code < 100) {
				t.Errorf("%s: response %q", key, status)
				continue
			}
			if code >= 200 && code < 300 {
				continue
			}
			if schema := d.deref(t, obj(obj(d.deref(t, r)["content"])["application/json"])["schema"]); schema["x-go-type"] != "api.Error" {
				t.Errorf("%s %s: the answer is not the Error body", key, status)
			}
			desc, _ := obj(r)["description"].(string)
			named := 0
			for _, w := range regexp.MustCompile(`[a-z_]+`).FindAllString(desc, -1) {
				c, ok := codes[w]
				if !ok {
					continue
				}
				named++
				if status == "default" {
					continue
				}
				if s := c.HTTPStatus(); s != code && !(c == api.CodeUnknownAsset && code == http.StatusUnprocessableEntity) {
					t.Errorf("%s %s names %s, which is sent with %d", key, status, c, s)
				}
			}
			if named == 0 {
				t.Errorf("%s %s: the description names no error code: %q", key, status, desc)
			}
		}

		// The token: asked for exactly where a call without it is 401.
		probe := pathParam.ReplaceAllString(path, "0")
		method, _, _ := strings.Cut(key, " ")
		needsToken := callNeedsToken(handler, method, probe)
		documented := len(asSlice(op["security"])) > 0
		if needsToken != documented {
			t.Errorf("%s: the node asks for the token: %v; docs/api.yaml: %v", key, needsToken, documented)
		}
		if needsToken && responses["401"] == nil {
			t.Errorf("%s: needs the token but documents no 401", key)
		}
	}
}

func asSlice(v any) []any { s, _ := v.([]any); return s }

// callNeedsToken calls the route without a token and tells whether it was
// refused 401 unauthorized. A handler that runs instead may need what an
// offline node lacks, and panic or block: that also means no token was
// asked for.
func callNeedsToken(h http.Handler, method, path string) (unauthorized bool) {
	defer func() {
		if recover() != nil {
			unauthorized = false
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequestWithContext(ctx, method, path, strings.NewReader("")))
	if w.Code != http.StatusUnauthorized {
		return false
	}
	var e api.Error
	json.Unmarshal(w.Body.Bytes(), &e)
	return e.Code == api.CodeUnauthorized
}

// goName is how x-go-type names a Go type: package.Type.
func goName(rt reflect.Type) string {
	p := rt.PkgPath()
	return p[strings.LastIndex(p, "/")+1:] + "." + rt.Name()
}

func isText(rt reflect.Type) bool {
	return rt.Implements(reflect.TypeFor[encoding.TextMarshaler]()) || reflect.PointerTo(rt).Implements(reflect.TypeFor[encoding.TextMarshaler]())
}

func isCustomJSON(rt reflect.Type) bool {
	return rt.Implements(reflect.TypeFor[json.Marshaler]()) || reflect.PointerTo(rt).Implements(reflect.TypeFor[json.Marshaler]())
}

// named is rt without pointers, slices, arrays and maps around it, unless
// it is itself a JSON string (a TextMarshaler such as an address).
func named(rt reflect.Type) reflect.Type {
	for !isText(rt) && (rt.Kind() == reflect.Pointer || rt.Kind() == reflect.Slice || rt.Kind() == reflect.Array || rt.Kind() == reflect.Map) {
		rt = rt.Elem()
	}
	return rt
}

// apiTypeSet is every named type the API speaks, by x-go-type name, and
// the names apiTypes lists for each route.
func apiTypeSet() (types map[string]reflect.Type, byRoute map[string][]string) {
	types, byRoute = map[string]reflect.Type{}, map[string][]string{}
	var walk func(rt reflect.Type)
	walk = func(rt reflect.Type) {
		rt = named(rt)
		if rt.Name() == "" || rt.PkgPath() == "" || types[goName(rt)] != nil || (rt.Kind() != reflect.Struct && !isText(rt)) {
			return // a string or number type (a status, a code) is its kind's JSON
		}
		types[goName(rt)] = rt
		if rt.Kind() != reflect.Struct || isText(rt) || isCustomJSON(rt) {
			return
		}
		for i := 0; i < rt.NumField(); i++ {
			if f := rt.Field(i); f.Tag.Get("json") != "-" && (f.IsExported() || f.Anonymous) {
				walk(f.Type)
			}
		}
	}
	for route, vs := range apiTypes {
		for _, v := range vs {
			rts := []reflect.Type{reflect.TypeOf(v)}
			if s := samplesIn(v); len(s) > 0 {
				rts = rts[:0]
				for _, x := range s {
					rts = append(rts, reflect.TypeOf(x))
				}
			}
			for _, rt := range rts {
				walk(rt)
				byRoute[route] = append(byRoute[route], goName(named(rt)))
			}
		}
	}
	return types, byRoute
}

// jsonField is one field of a struct's JSON form.
type jsonField struct {
	name     string
	typ      reflect.Type
	required bool // always written
}

// jsonFields are the JSON fields of a struct type as encoding/json writes
// them: embedded structs' fields promoted (through a nil pointer they are
// absent, so not required), "-" left out.
func jsonFields(rt reflect.Type) []jsonField {
	var out []jsonField
	var walk func(rt reflect.Type, viaPointer bool)
	walk = func(rt reflect.Type, viaPointer bool) {
		for i := 0; i < rt.NumField(); i++ {
			f := rt.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" || (!f.IsExported() && !f.Anonymous) {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			if f.Anonymous && name == "" {
				ft, ptr := f.Type, f.Type.Kind() == reflect.Pointer
				if ptr {
					ft = ft.Elem()
				}
				walk(ft, viaPointer || ptr)
				continue
			}
			if name == "" {
				name = f.Name
			}
			omit := strings.Contains(","+opts+",", ",omitempty,")
			out = append(out, jsonField{name: name, typ: f.Type, required: !omit && !viaPointer})
		}
	}
	walk(rt, false)
	return out
}

// TestOpenAPISchemasAreTheAPITypes: every schema with an x-go-type is that
// type of the API: its properties are the type's JSON fields (for a type
// that writes its own JSON, the keys its samples write are properties),
// its required list the fields always written, and each property's
// schema fits the field: the same x-go-type for a named type, an array,
// object, string, integer or boolean for the rest. Each operation's
// request and answer schemas are the types apiTypes lists for the route,
// and every type apiTypes lists for it is reachable from them.
func TestOpenAPISchemasAreTheAPITypes(t *testing.T) {
	d := loadOpenAPI(t)
	types, byRoute := apiTypeSet()
	schemas := obj(obj(d.root["components"])["schemas"])
	documented := map[string]bool{}
	for name, s := range schemas {
		goType, _ := obj(s)["x-go-type"].(string)
		if goType == "" {
			continue
		}
		rt := types[goType]
		if rt == nil {
			t.Errorf("schema %s: x-go-type %s is no type the API speaks", name, goType)
			continue
		}
		documented[goType] = true
		d.checkSchema(t, name, obj(s), rt)
	}
	for name := range types {
		if !documented[name] {
			t.Errorf("the API speaks %s, which no schema of docs/api.yaml describes (x-go-type)", name)
		}
	}

	// A transaction's type is one of the ledger's kinds.
	var kinds, enum []string
	for k := 0; k < 256; k++ {
		if name := ledger.Kind(k).String(); !strings.HasPrefix(name, "kind(") {
			kinds = append(kinds, name)
		}
	}
	for _, e := range asSlice(obj(obj(obj(schemas["Tx"])["properties"])["type"])["enum"]) {
		enum = append(enum, e.(string))
	}
	sort.Strings(kinds)
	sort.Strings(enum)
	if !slices.Equal(kinds, enum) {
		t.Errorf("Tx.type's enum is %v; the ledger's kinds are %v", enum, kinds)
	}

	for key, op := range d.operations() {
		var top []map[string]any
		body := obj(op["requestBody"])
		for _, c := range obj(body["content"]) {
			top = append(top, obj(obj(c)["schema"]))
		}
		for status, r := range obj(op["responses"]) {
			if code, _ := strconv.Atoi(status); code >= 200 && code < 300 {
				for ctype, c := range obj(d.deref(t, r)["content"]) {
					if ctype == "application/json" || ctype == "text/event-stream" {
						top = append(top, obj(obj(c)["schema"]))
					}
				}
			}
		}
		listed := byRoute[key]
		reach := map[string]bool{}
		for _, s := range top {
			tops := d.topTypes(t, s)
			if len(tops) == 0 {
				t.Errorf("%s: a JSON body without an x-go-type", key)
			}
			for _, name := range tops {
				if !slices.Contains(listed, name) {
					t.Errorf("%s: docs/api.yaml says it speaks %s; apiTypes lists %v", key, name, listed)
				}
			}
			d.reachable(t, s, reach)
		}
		for _, name := range listed {
			if !reach[name] {
				t.Errorf("%s speaks %s (apiTypes), which its operation in docs/api.yaml does not reach", key, name)
			}
		}
	}
}

// topTypes are the x-go-types a body schema is: its own, its items', or
// its alternatives'.
func (d openAPI) topTypes(t *testing.T, s map[string]any) []string {
	s = d.deref(t, s)
	if name, ok := s["x-go-type"].(string); ok {
		return []string{name}
	}
	var out []string
	for _, alt := range asSlice(s["oneOf"]) {
		out = append(out, d.topTypes(t, obj(alt))...)
	}
	if items := obj(s["items"]); items != nil {
		out = append(out, d.topTypes(t, items)...)
	}
	return out
}

// reachable adds every x-go-type reachable from s to seen.
func (d openAPI) reachable(t *testing.T, s map[string]any, seen map[string]bool) {
	s = d.deref(t, s)
	if name, ok := s["x-go-type"].(string); ok {
		if seen[name] {
			return
		}
		seen[name] = true
	}
	for _, p := range obj(s["properties"]) {
		d.reachable(t, obj(p), seen)
	}
	for _, k := range []string{"items", "additionalProperties"} {
		if sub := obj(s[k]); sub != nil {
			d.reachable(t, sub, seen)
		}
	}
	for _, k := range []string{"oneOf", "anyOf", "allOf"} {
		for _, alt := range asSlice(s[k]) {
			d.reachable(t, obj(alt), seen)
		}
	}
}

// checkSchema holds a component schema to the Go type it names.
func (d openAPI) checkSchema(t *testing.T, name string, s map[string]any, rt reflect.Type) {
	props := obj(s["properties"])
	switch {
	case isText(rt):
		if s["type"] != "string" {
			t.Errorf("schema %s: %s is a JSON string", name, goName(rt))
		}
		return
	case isCustomJSON(rt):
		// What the samples write must be documented.
		for _, v := range apiTypes {
			for _, x := range v {
				for _, smp := range samplesIn(x) {
					if goName(named(reflect.TypeOf(smp))) != goName(rt) {
						continue
					}
					b, err := json.Marshal(smp)
					if err != nil {
						t.Fatal(err)
					}
					var keys map[string]any
					json.Unmarshal(b, &keys)
					for k := range keys {
						if props[k] == nil {
							t.Errorf("schema %s: %s writes %q, which is not a property", name, goName(rt), k)
						}
					}
				}
			}
		}
		return
	case rt.Kind() != reflect.Struct:
		t.Errorf("schema %s: %s is not a struct", name, goName(rt))
		return
	}
	fields := jsonFields(rt)
	var want, required []string
	for _, f := range fields {
		want = append(want, f.name)
		if f.required {
			required = append(required, f.name)
		}
		p := props[f.name]
		if p == nil {
			t.Errorf("schema %s: %s has the JSON field %q, which is not a property", name, goName(rt), f.name)
			continue
		}
		d.checkField(t, name+"."+f.name, obj(p), f.typ)
	}
	for p := range props {
		if !slices.Contains(want, p) {
			t.Errorf("schema %s: property %q is no JSON field of %s", name, p, goName(rt))
		}
	}
	var got []string
	for _, r := range asSlice(s["required"]) {
		got = append(got, r.(string))
	}
	sort.Strings(got)
	sort.Strings(required)
	if !slices.Equal(got, required) {
		t.Errorf("schema %s: required %v; %s always writes %v", name, got, goName(rt), required)
	}
}

// checkField holds a property's schema to its field's Go type.
func (d openAPI) checkField(t *testing.T, at string, s map[string]any, rt reflect.Type) {
	// A nullable field: oneOf [the schema, {type: null}].
	if alts := asSlice(s["oneOf"]); len(alts) == 2 && obj(alts[1])["type"] == "null" {
		s = obj(alts[0])
	}
	for rt.Kind() == reflect.Pointer {
		rt = rt.Elem()
	}
	jsonType := func(want string) {
		t.Helper()
		switch ty := s["type"].(type) {
		case string:
			if ty == want {
				return
			}
		case []any:
			if slices.Contains(ty, any(want)) {
				return
			}
		}
		t.Errorf("%s: type %v, want %s (%s)", at, s["type"], want, rt)
	}
	switch {
	case rt == reflect.TypeFor[json.RawMessage]() || rt.Kind() == reflect.Interface:
		// Any JSON value.
	case isText(rt) || (rt.Kind() == reflect.Struct && rt.Name() != ""):
		ref := d.deref(t, s)
		if got, _ := ref["x-go-type"].(string); got != goName(rt) {
			t.Errorf("%s: schema of %s, want %s", at, got, goName(rt))
		}
	case rt.Kind() == reflect.Slice || rt.Kind() == reflect.Array:
		jsonType("array")
		d.checkField(t, at+"[]", obj(s["items"]), rt.Elem())
	case rt.Kind() == reflect.Map:
		jsonType("object")
		if sub := obj(s["additionalProperties"]); sub != nil {
			d.checkField(t, at+"{}", sub, rt.Elem())
		} else {
			t.Errorf("%s: a map needs additionalProperties", at)
		}
	case rt.Kind() == reflect.String:
		jsonType("string")
	case rt.Kind() == reflect.Bool:
		jsonType("boolean")
	case rt.Kind() >= reflect.Int && rt.Kind() <= reflect.Uint64:
		jsonType("integer")
	case rt.Kind() == reflect.Float32 || rt.Kind() == reflect.Float64:
		jsonType("number")
	default:
		t.Errorf("%s: no rule for %s", at, rt)
	}
}

// TestOpenAPIServed: every node serves the document it was built with.
func TestOpenAPIServed(t *testing.T) {
	n, _ := offlineNode(t)
	srv := httptest.NewServer(n.routesWith(defaultAPILimits))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/v1/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/yaml" || string(b) != string(docs.OpenAPI) {
		t.Fatalf("GET /v1/openapi.yaml: %s %q, %d bytes of %d", resp.Status, resp.Header.Get("Content-Type"), len(b), len(docs.OpenAPI))
	}
}
