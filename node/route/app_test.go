package route

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/anonex/anonex/api"
)

// TestAppTakesWhatNoRouteTakes: with a web app mounted, a GET no route
// takes is the app's, but under /v1/ it is still the API's 404
// not_found, and so is any other method; routes, more specific patterns
// mounted after the app included, still answer.
func TestAppTakesWhatNoRouteTakes(t *testing.T) {
	m := NewMux("token", 0)
	m.Handle("GET /v1/status", func(*http.Request) (any, error) { return map[string]string{"route": "status"}, nil })
	m.App(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "app "+r.URL.Path) }))
	m.Handle("GET /metrics", func(*http.Request) (any, error) { return map[string]string{"route": "metrics"}, nil })
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	for _, c := range []struct {
		method, path string
		status       int
		body         string // the app's answer, or the route's, or the API error's code
	}{
		{"GET", "/", 200, "app /"},
		{"GET", "/app.js", 200, "app /app.js"},
		{"HEAD", "/", 200, ""},
		{"GET", "/v1/status", 200, "status"},
		{"GET", "/metrics", 200, "metrics"},
		{"GET", "/v1/nothing", 404, "not_found"},
		{"GET", "/v1/", 404, "not_found"},
		{"POST", "/", 404, "not_found"},
		{"POST", "/v1/nothing", 404, "not_found"},
		{"DELETE", "/app.js", 404, "not_found"},
	} {
		req, _ := http.NewRequest(c.method, srv.URL+c.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, resp.StatusCode, c.status)
			continue
		}
		got := string(b)
		var ae api.Error
		var route map[string]string
		if json.Unmarshal(b, &ae) == nil && ae.Code != "" {
			got = string(ae.Code)
		} else if json.Unmarshal(b, &route) == nil {
			got = route["route"]
		}
		if got != c.body {
			t.Errorf("%s %s: %q, want %q", c.method, c.path, got, c.body)
		}
	}
}
