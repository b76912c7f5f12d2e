// Package desk serves this machine's card readers to the node's web app:
// what the Cards page shows and does (a card's purses, limits, counter
// and PIN tries; its issuer's update value written after a load; a PIN
// change). A node started with --readers mounts its routes
// (node.Config.Readers), every one behind the node's API token: the
// readers are the machine's, as its keys are.
//
// The desk reaches the network as the CLI does, through the node's HTTP
// API (package client), so a card is loaded the same way from the web
// app, the CLI and a remote wallet; and it opens cards as the CLI does
// (cardbridge.Readers), so a card in a vpcd reader or a devnet's card
// state file are the same to it. One command runs at a time per reader:
// two pages never interleave their commands on one card.
package desk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"

	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/cardbridge"
	"github.com/anonex/anonex/cardbridge/apdu"
	"github.com/anonex/anonex/cardbridge/cardclient"
	"github.com/anonex/anonex/cardbridge/pcsc"
	"github.com/anonex/anonex/cardbridge/terminal"
	"github.com/anonex/anonex/client"
	"github.com/anonex/anonex/node/route"
)

// Readers is the machine's card readers (cardbridge.Readers).
type Readers interface {
	List(ctx context.Context) ([]cardbridge.Reader, error)
	Open(ctx context.Context, i int) (cardclient.Transport, func() error, error)
}

// Config configures a desk.
type Config struct {
	// Readers are the readers served. Required.
	Readers Readers
	// Node is the node the desk asks for what the network knows (the
	// card's standing, its issuer's update values): the serving node's
	// own API, found once it listens. Required.
	Node func() *client.Client
	// Logger logs what went wrong with a card (never a PIN).
	Logger *slog.Logger
	// Terminal, when set, runs a merchant terminal on the readers
	// (terminal.go: the web app's Terminal page) with the settings it
	// gives, asked at each payment. Nil: the terminal's routes answer
	// no_terminal.
	Terminal func() (TerminalSettings, error)
}

// Node is the serving node as Self needs it.
type Node interface {
	APIURL() string
	APIToken() string
}

// Self is Config.Node for a desk mounted on the node get returns, once
// that node listens: a client of its own API.
func Self(get func() Node) func() *client.Client {
	return func() *client.Client {
		n := get()
		return client.New(n.APIURL(), n.APIToken())
	}
}

// Desk serves the readers.
type Desk struct {
	cfg Config
	mu  sync.Mutex
	// busy holds one lock per reader index: one command sequence at a
	// time on a card.
	busy map[int]*sync.Mutex
	term terminalState
}

// New makes a desk.
func New(cfg Config) *Desk {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Desk{cfg: cfg, busy: map[int]*sync.Mutex{}, term: terminalState{sessions: map[string]*session{}}}
}

// Routes mounts the desk's routes, each behind the API token.
func (d *Desk) Routes(m *route.Mux) {
	m.Authorized("GET /v1/readers", func(r *http.Request) (any, error) { return d.list(r.Context()) })
	m.Authorized("GET /v1/readers/{n}/card", d.apiCard)
	m.Authorized("GET /v1/readers/{n}/update", d.apiUpdatePreview)
	m.Authorized("POST /v1/readers/{n}/update", d.apiUpdate)
	m.Authorized("POST /v1/readers/{n}/pin", d.apiPIN)
	d.terminalRoutes(m)
}

func (d *Desk) list(ctx context.Context) ([]api.Reader, error) {
	rs, err := d.cfg.Readers.List(ctx)
	if err != nil {
		return nil, cardFailure(err)
	}
	out := make([]api.Reader, 0, len(rs))
	for _, r := range rs {
		out = append(out, api.Reader{Index: r.Index, Name: r.Name, Card: r.Card})
	}
	return out, nil
}

// maxReader is the highest reader index the desk takes (as --reader N).
const maxReader = 99

// checkReader refuses an index no reader has.
func checkReader(n int) error {
	if n < 0 || n > maxReader {
		return api.Errorf(api.CodeInvalid, "reader %d: a reader's index, 0 to %d (GET /v1/readers lists them)", n, maxReader)
	}
	return nil
}

// open takes reader n's lock — one command sequence at a time on a card —
// and opens its card; release closes the card and frees the reader.
func (d *Desk) open(ctx context.Context, n int) (cardclient.Transport, func(), error) {
	lock := d.readerLock(n)
	lock.Lock()
	t, closeCard, err := d.cfg.Readers.Open(ctx, n)
	if err != nil {
		lock.Unlock()
		return nil, nil, cardFailure(fmt.Errorf("reader %d: %w", n, err))
	}
	return t, func() { closeCard(); lock.Unlock() }, nil
}

// hold is open for a call that must not wait behind a payment (which
// holds its reader for minutes while it waits for a PIN): busy at once
// when a payment runs on reader n.
func (d *Desk) hold(ctx context.Context, n int) (cardclient.Transport, func(), error) {
	if err := checkReader(n); err != nil {
		return nil, nil, err
	}
	if d.readerTaken(n) {
		return nil, nil, api.Errorf(api.CodeBusy, "reader %d is taking a payment at the terminal: ask again once it ends", n)
	}
	return d.open(ctx, n)
}

// withCard runs fn on the card in reader {n} of r (hold), and releases
// the card after.
func (d *Desk) withCard(r *http.Request, fn func(n int, cl *cardclient.Client) (any, error)) (any, error) {
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || checkReader(n) != nil { // a path value: malformed, as the API's others
		return nil, api.Errorf(api.CodeMalformed, "reader %q: a reader's index, 0 to %d (GET /v1/readers lists them)", r.PathValue("n"), maxReader)
	}
	t, release, err := d.hold(r.Context(), n)
	if err != nil {
		return nil, err
	}
	defer release()
	v, err := fn(n, cardclient.New(t))
	if err != nil {
		var ae *api.Error
		if !errors.As(err, &ae) {
			d.cfg.Logger.Info("card command failed", "reader", n, "err", err)
		}
		return nil, cardFailure(err)
	}
	return v, nil
}

// cardFailure is the API's word for what failed at a reader or card: a
// refusal of the card in words (terminal.Refusal, as the terminal and the
// CLI say it), a reader that is not there, no card, no PC/SC service; an
// error of the node asked stays its own.
func cardFailure(err error) error {
	var ae *api.Error
	var sw *apdu.SWError
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &sw):
		_, reason := terminal.Refusal(err)
		return api.Errorf(api.CodeCardRefused, "%s (status word %04X)", reason, sw.SW)
	case errors.Is(err, pcsc.ErrUnknownReader):
		return api.Errorf(api.CodeUnknownReader, "%v", err)
	case errors.Is(err, pcsc.ErrNoCard), errors.Is(err, pcsc.ErrCardRemoved), errors.Is(err, pcsc.ErrCardReset):
		return api.Errorf(api.CodeNoCard, "%v: put the card in the reader and ask again", err)
	case errors.Is(err, pcsc.ErrNoService):
		return api.Errorf(api.CodeNoReaders, "%v", err)
	case errors.Is(err, client.ErrLoadRefused), errors.Is(err, client.ErrNoCardPurse):
		return api.Errorf(api.CodeRefused, "%v", err)
	}
	return err
}
