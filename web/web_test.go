package web

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestHandlerServesTheApp: the page, its script and its style sheet, each
// with its type, the Content-Security-Policy that keeps the page to its
// own origin, and an ETag that revalidates; 404 for anything else.
func TestHandlerServesTheApp(t *testing.T) {
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	for path, want := range map[string]string{"/": "text/html", "/app.js": "text/javascript", "/app.css": "text/css"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), want) || len(body) == 0 {
			t.Errorf("GET %s: %d %q, %d bytes; want 200 %s", path, resp.StatusCode, resp.Header.Get("Content-Type"), len(body), want)
		}
		if got := resp.Header.Get("Content-Security-Policy"); got != CSP {
			t.Errorf("GET %s: CSP %q", path, got)
		}
		if !strings.Contains(CSP, "connect-src 'self'") || !strings.Contains(CSP, "default-src 'none'") || !strings.Contains(CSP, "script-src 'self';") {
			t.Errorf("the CSP lets the page reach beyond its origin: %s", CSP)
		}
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Header.Set("If-None-Match", resp.Header.Get("ETag"))
		again, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		again.Body.Close()
		if resp.Header.Get("ETag") == "" || again.StatusCode != http.StatusNotModified {
			t.Errorf("GET %s with its ETag %q: %d, want 304", path, resp.Header.Get("ETag"), again.StatusCode)
		}
	}
	for _, path := range []string{"/index.html", "/static/app.css", "/dist/app.js", "/src/main.js", "/favicon.ico", "/package.json"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 404 || resp.Header.Get("Content-Security-Policy") != CSP {
			t.Errorf("GET %s: %d, want 404 with the CSP", path, resp.StatusCode)
		}
	}
}

// TestPageLoadsNothingFromElsewhere: the page names only its own files;
// the bundle holds no URL it would load from another origin (the CSP
// would refuse it anyway: a test in a browser would see the console
// error).
func TestPageLoadsNothingFromElsewhere(t *testing.T) {
	page := assets["/"].body
	for _, ref := range []string{`href="/app.css"`, `src="/app.js"`} {
		if !bytes.Contains(page, []byte(ref)) {
			t.Errorf("index.html does not load %s", ref)
		}
	}
	for _, b := range [][]byte{page, assets["/app.css"].body} {
		if bytes.Contains(b, []byte("http://")) || bytes.Contains(b, []byte("https://")) || bytes.Contains(b, []byte("//cdn")) {
			t.Errorf("a file of the app names another origin")
		}
	}
}

// needTool fails the test (never skips it) when a tool is missing.
func needTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s not found on PATH: the web app's build needs node and npm (Debian: apt-get install nodejs npm; make test installs them)", name)
	}
}

// ensureModules installs the pinned npm packages (npm ci) unless those of
// package.json are installed at their versions.
func ensureModules(t *testing.T) {
	t.Helper()
	needTool(t, "node")
	needTool(t, "npm")
	var pkg struct {
		Dependencies    map[string]string `json:"dependencies"`
		DevDependencies map[string]string `json:"devDependencies"`
	}
	raw, err := os.ReadFile("package.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &pkg); err != nil {
		t.Fatal(err)
	}
	missing := ""
	for _, deps := range []map[string]string{pkg.Dependencies, pkg.DevDependencies} {
		for name, want := range deps {
			var got struct {
				Version string `json:"version"`
			}
			if raw, err := os.ReadFile(filepath.Join("node_modules", name, "package.json")); err == nil {
				json.Unmarshal(raw, &got)
			}
			if got.Version != want {
				missing += " " + name + "@" + want
			}
		}
	}
	if missing == "" {
		return
	}
	t.Logf("installing%s: npm ci", missing)
	dir, _ := os.Getwd()
	if out, err := exec.Command("npm", "ci", "--prefix", dir, "--no-audit", "--no-fund").CombinedOutput(); err != nil {
		t.Fatalf("npm ci: %v\n%s", err, out)
	}
}

// TestBundleFresh rebuilds dist/app.js from src/ with the pinned esbuild
// and packages, and fails when the committed bundle differs: the binary
// embeds dist/, so a change to src/ that was not rebuilt would never
// reach a browser.
func TestBundleFresh(t *testing.T) {
	ensureModules(t)
	out := t.TempDir()
	if msg, err := exec.Command("node", "build.mjs", "--out", out).CombinedOutput(); err != nil {
		t.Fatalf("node build.mjs: %v\n%s", err, msg)
	}
	fresh, err := os.ReadFile(filepath.Join(out, "app.js"))
	if err != nil {
		t.Fatal(err)
	}
	if len(fresh) < 10_000 {
		t.Fatalf("build.mjs wrote %d bytes", len(fresh))
	}
	committed, err := os.ReadFile("dist/app.js")
	if err != nil {
		t.Fatalf("%v: run `make web`", err)
	}
	if !bytes.Equal(committed, fresh) {
		t.Errorf("dist/app.js is stale (%d bytes committed, %d rebuilt from src/): run `make web` and commit dist/", len(committed), len(fresh))
	}
	if !bytes.Equal(assets["/app.js"].body, committed) {
		t.Errorf("the handler serves another app.js than dist/app.js")
	}
}

// TestQRCodesReadBack: the page's QR codes (src/qr.js), for 64 addresses
// and texts of 1 to 295 bytes (every seventh length; versions 1 to 13),
// read back exactly with an independent decoder (jsQR).
func TestQRCodesReadBack(t *testing.T) {
	ensureModules(t)
	out, err := exec.Command("node", "testdata/qrcheck.mjs", "round-trip").CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var res struct {
		Texts    int      `json:"texts"`
		Versions []int    `json:"versions"`
		Failed   []string `json:"failed"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if res.Texts < 100 || len(res.Versions) < 10 || len(res.Failed) > 0 {
		t.Errorf("%d texts in versions %v; failed: %v", res.Texts, res.Versions, res.Failed)
	}
}

// TestAmountArithmetic: the page's amounts (src/units.js) read and write
// display units exactly and refuse what is not an amount; its offers
// (src/terms.js) are never worse for the maker than the price typed and
// no better than needed; its fills pay the ledger's price, ⌈take × want /
// give⌉, and a bid taken sells at most the base named, taking the most
// quote that costs that — on 8,000 seeded random cases.
func TestAmountArithmetic(t *testing.T) {
	ensureModules(t)
	out, err := exec.Command("node", "testdata/termscheck.mjs").CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var res struct {
		Cases  int      `json:"cases"`
		Failed []string `json:"failed"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if res.Cases < 8000 || len(res.Failed) > 0 {
		t.Errorf("%d cases; failed: %v", res.Cases, res.Failed)
	}
}
