// Package route is how the node's HTTP API answers, for the node and each
// of its subsystems alike: a handler returns a value (sent as JSON) or an
// error (sent as package api's error body, its code picked by the error's
// type, never its text); bodies are read by strictjson's rules and bounded;
// query parameters are checked by name; calls that use the node's keys
// need its API token. A subsystem mounts its routes on a Mux and so
// answers exactly as every other route does.
package route

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/internal/strictjson"
	"github.com/anonex/anonex/ledger"
)

// MaxBody bounds the body of every request by default.
const MaxBody = 64 << 10

// Func handles a request: the value it returns is answered as JSON, the
// error as api.Error (see Classify).
type Func func(r *http.Request) (any, error)

// Mux is the API's router: http.ServeMux with the API's answers, the
// token check and bounded bodies.
type Mux struct {
	mux      *http.ServeMux
	token    string
	maxBody  int64
	patterns []string
}

// NewMux returns a Mux whose authorized routes need token, and whose
// request bodies are bounded to maxBody bytes (MaxBody when 0). A path no
// route matches is 404 not_found (but see App).
func NewMux(token string, maxBody int64) *Mux {
	if maxBody <= 0 {
		maxBody = MaxBody
	}
	m := &Mux{mux: http.NewServeMux(), token: token, maxBody: maxBody}
	m.Handle("/", notFound)
	return m
}

func notFound(r *http.Request) (any, error) {
	return nil, api.Errorf(api.CodeNotFound, "no such endpoint: %s %s", r.Method, r.URL.Path)
}

// App mounts h, a web app, on every GET (and HEAD) no route takes, but
// for the API's own paths: a GET under /v1/ that no route takes is still
// 404 not_found, and so is any other method on any path no route takes.
// A route mounted on a more specific pattern ("GET /metrics") still wins
// over the app.
func (m *Mux) App(h http.Handler) {
	m.Handle("GET /v1/", notFound)
	m.mount("GET /", h.ServeHTTP)
}

// Handle mounts fn on pattern ("GET /v1/status").
func (m *Mux) Handle(pattern string, fn Func) { m.mount(pattern, Answer(fn)) }

func (m *Mux) mount(pattern string, h http.HandlerFunc) {
	m.mux.HandleFunc(pattern, h)
	m.patterns = append(m.patterns, pattern)
}

// Patterns are the patterns mounted so far, in mount order: what a test
// compares with the API's documentation.
func (m *Mux) Patterns() []string { return slices.Clone(m.patterns) }

// Authorized mounts fn on pattern for callers holding the node's API
// token (Authorization: Bearer <token>): calls that use the node's keys
// or change its configuration.
func (m *Mux) Authorized(pattern string, fn Func) {
	m.mount(pattern, func(w http.ResponseWriter, r *http.Request) {
		got := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		if subtle.ConstantTimeCompare([]byte(got), []byte(m.token)) != 1 {
			Fail(w, r, api.Errorf(api.CodeUnauthorized, "this call needs the node's API token (Authorization: Bearer <token>)"))
			return
		}
		Answer(fn)(w, r)
	})
}

// Stream mounts a handler that writes its own answer (an event stream).
func (m *Mux) Stream(pattern string, h http.HandlerFunc) { m.mount(pattern, h) }

// Handler is the mux as an http.Handler. Every request body is bounded:
// a declared length beyond the bound is refused before any handler runs,
// and reading past it fails (answered 413 too_large, whatever the handler
// made of the failed read).
func (m *Mux) Handler() http.Handler {
	max := m.maxBody
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > max {
			w.Header().Set("Connection", "close")
			Fail(w, r, errTooLarge(max))
			return
		}
		r.Body = &limitedBody{rc: http.MaxBytesReader(w, r.Body, max), max: max}
		m.mux.ServeHTTP(w, r)
	})
}

// Answer turns fn into an http.HandlerFunc answering JSON.
func Answer(fn Func) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := fn(r)
		if err != nil {
			Fail(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(v)
	}
}

// Fail answers err as the API's error body: an *api.Error as it is, a body
// over the bound as 413 too_large, anything else by Classify.
func Fail(w http.ResponseWriter, r *http.Request, err error) {
	var ae *api.Error
	if max, over := bodyTooLarge(r); over {
		ae = errTooLarge(max)
	} else if !errors.As(err, &ae) {
		ae = Classify(err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(ae.HTTPStatus)
	json.NewEncoder(w).Encode(ae)
}

func errTooLarge(max int64) *api.Error {
	return api.Errorf(api.CodeTooLarge, "the request body exceeds %d bytes", max)
}

// limitedBody is a request body read through http.MaxBytesReader that
// remembers whether the limit was hit.
type limitedBody struct {
	rc   io.ReadCloser
	max  int64
	read int64
	over bool
}

func (b *limitedBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	b.read += int64(n)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		b.over = true
	}
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }

// exceeded reports whether the body is longer than the limit. A handler
// that read through io.LimitReader stopped at the limit without seeing
// the error: one more byte tells.
func (b *limitedBody) exceeded() bool {
	if !b.over && b.read >= b.max {
		var one [1]byte
		b.Read(one[:])
	}
	return b.over
}

// bodyTooLarge reports whether r's body went over the limit.
func bodyTooLarge(r *http.Request) (int64, bool) {
	if b, ok := r.Body.(*limitedBody); ok && b.exceeded() {
		return b.max, true
	}
	return 0, false
}

// Decode reads a JSON request body by strictjson's rules — the one way
// every route reads its body: an unknown, misspelt or repeated field at
// any level, a JSON number beyond 2^53 − 1, or anything after the value
// is 400 malformed, naming what and where.
func Decode(r *http.Request, v any) error { return decode(r, v, false) }

// DecodeOptional is Decode for a route whose body may be empty (v is then
// left as it is).
func DecodeOptional(r *http.Request, v any) error { return decode(r, v, true) }

func decode(r *http.Request, v any, optional bool) error {
	max := int64(MaxBody)
	if b, ok := r.Body.(*limitedBody); ok {
		max = b.max
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, max))
	if err != nil {
		return api.Errorf(api.CodeMalformed, "reading the body: %v", err)
	}
	if optional && len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if err := strictjson.Unmarshal(body, v); err != nil {
		// A ledger error keeps its own code (a wire form's bad signature
		// is bad_signature); anything else is malformed.
		if ae := Classify(err); ae.Code != api.CodeInternal {
			return ae
		}
		return api.Errorf(api.CodeMalformed, "%v", err)
	}
	return nil
}

// Query reads a GET route's query parameters: each of names at most once;
// any other parameter, or one given twice, is 400 malformed (a misspelt
// parameter is never silently ignored).
func Query(r *http.Request, names ...string) (map[string]string, error) {
	out := map[string]string{}
	for k, vs := range r.URL.Query() {
		if !slices.Contains(names, k) {
			return nil, api.Errorf(api.CodeMalformed, "unknown query parameter %q (this route takes: %s)", k, strings.Join(names, ", "))
		}
		if len(vs) > 1 {
			return nil, api.Errorf(api.CodeMalformed, "query parameter %q given %d times", k, len(vs))
		}
		out[k] = vs[0]
	}
	return out, nil
}

// Hash reads a path value that is a 32-byte hash ({id}, {nonce}).
func Hash(r *http.Request, name string) (ledger.Hash, error) {
	h, err := ledger.ParseHash(r.PathValue(name))
	if err != nil {
		return h, api.Errorf(api.CodeMalformed, "%v", err)
	}
	return h, nil
}

// Address reads a path value that is an address ({card}).
func Address(r *http.Request, name string) (ledger.Address, error) {
	a, err := ledger.ParseAddress(r.PathValue(name))
	if err != nil {
		return a, api.Errorf(api.CodeMalformed, "%v", err)
	}
	return a, nil
}
