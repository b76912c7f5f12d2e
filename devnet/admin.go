package devnet

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/chain/devchain"
	"github.com/anonex/anonex/node/route"
)

// AdminInfo is the devnet's admin endpoint in devnet.json: the base URL
// and the token its calls need (Authorization: Bearer <token>), new at
// every start. devnet.json is readable by its owner only.
type AdminInfo struct {
	URL   string `json:"url"`
	Token string `json:"token"`
}

// The admin endpoint's routes, each needing the token:
//
//	POST /v1/snapshots              take a snapshot: SnapshotInfo
//	GET  /v1/snapshots              the live snapshots: []SnapshotInfo
//	POST /v1/snapshots/{id}/revert  revert to one: RevertInfo
//
// Errors are the node API's error bodies: not_found for an unknown or
// used-up snapshot, conflict for an attached card or a stopped node, busy
// for a chain that does not go quiet.
type adminServer struct {
	srv *http.Server
	ln  net.Listener
}

// serveAdmin starts the admin endpoint on addr (loopback only) and
// records it in Info.Admin.
func (d *Devnet) serveAdmin(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("devnet: admin address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("devnet: admin address %q: the admin endpoint listens on loopback only", addr)
	}
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return err
	}
	token := hex.EncodeToString(b[:])
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("devnet: admin endpoint: %w", err)
	}
	mux := route.NewMux(token, 0)
	mux.Authorized("POST /v1/snapshots", func(r *http.Request) (any, error) {
		s, err := d.Snapshot(r.Context())
		return s, adminError(err)
	})
	mux.Authorized("GET /v1/snapshots", func(*http.Request) (any, error) {
		list := d.Snapshots()
		if list == nil {
			list = []SnapshotInfo{}
		}
		return list, nil
	})
	mux.Authorized("POST /v1/snapshots/{id}/revert", func(r *http.Request) (any, error) {
		// A revert runs to its end once begun: a client that hangs up
		// does not leave the devnet half reverted.
		ctx := context.WithoutCancel(r.Context())
		out, err := d.Revert(ctx, r.PathValue("id"))
		return out, adminError(err)
	})
	srv := &http.Server{Handler: mux.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	d.admin = &adminServer{srv: srv, ln: ln}
	d.Info.Admin = &AdminInfo{URL: "http://" + ln.Addr().String(), Token: token}
	return nil
}

// adminError gives err the API code a client acts on.
func adminError(err error) error {
	var attached *CardAttachedError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrUnknownSnapshot):
		return api.Errorf(api.CodeNotFound, "%s", err)
	case errors.As(err, &attached), errors.Is(err, ErrNodeDown), errors.Is(err, ErrTerminalAttached):
		return api.Errorf(api.CodeConflict, "%s", err)
	case errors.Is(err, context.DeadlineExceeded):
		return api.Errorf(api.CodeBusy, "%s", err)
	case errors.Is(err, devchain.ErrReorgBelowReopen), errors.Is(err, devchain.ErrMarkGone):
		return api.Errorf(api.CodeConflict, "%s", err)
	}
	return api.Errorf(api.CodeInternal, "%s", err)
}

func (a *adminServer) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	return a.srv.Shutdown(ctx)
}
