package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"time"
)

//go:embed static/index.html static/app.css dist/app.js
var files embed.FS

// CSP is the Content-Security-Policy of every file of the app: scripts,
// styles, connections (the API, its event stream) and forms only to the
// node that served it; images also from data: and blob: URLs (the QR
// codes and charts the page draws); no plug-ins, no framing.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
	"connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"

// asset is one file the app serves.
type asset struct {
	body  []byte
	ctype string
	etag  string
}

// Paths the app serves, and the file behind each.
var served = map[string]string{
	"/":        "static/index.html",
	"/app.css": "static/app.css",
	"/app.js":  "dist/app.js",
}

var assets = func() map[string]asset {
	types := map[string]string{".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
	out := map[string]asset{}
	for p, name := range served {
		b, err := fs.ReadFile(files, name)
		if err != nil {
			panic("web: " + err.Error()) // go:embed names every file
		}
		sum := sha256.Sum256(b)
		out[p] = asset{body: b, ctype: types[path.Ext(name)], etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
	}
	return out
}()

// Handler serves the app: the page at /, its script and style sheet, and
// 404 for any other path. Every answer carries CSP; files are revalidated
// by their ETag (a node upgraded in place serves its new app at once).
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", CSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		a, ok := assets[r.URL.Path]
		if !ok || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
			h.Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte("404: the web app has no " + r.URL.Path + "; it is at /\n"))
			return
		}
		h.Set("Content-Type", a.ctype)
		h.Set("Cache-Control", "no-cache")
		h.Set("ETag", a.etag)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
	})
}
