package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/cardbridge/pcsc"
	"github.com/anonex/anonex/client"
	"github.com/anonex/anonex/devnet"
	"github.com/anonex/anonex/kiosk"
	"github.com/anonex/anonex/ledger"
	"github.com/urfave/cli/v2"
)

func kioskCommand() *cli.Command {
	return &cli.Command{
		Name:  "kiosk",
		Usage: "digital signage: a venue's map with the stores that take the card presented at a reader emphasized",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "venue", Usage: "the venue (`ID` or name; default: the node's only venue)"},
			&cli.IntFlag{Name: "reader", Value: 1, Usage: "vpcd reader `N` cards are presented at"},
			&cli.StringFlag{Name: "http", Value: "127.0.0.1:8480", Usage: "serve the kiosk page on `ADDR`"},
			nodeFlag, devnetFlag,
		},
		Action: func(c *cli.Context) error {
			n, err := nodeClient(c)
			if err != nil {
				return err
			}
			venue, err := pickVenue(c, n, c.String("venue"))
			if err != nil {
				return err
			}
			pc, err := pcsc.Open()
			if err != nil {
				return err
			}
			reader, err := pc.VPCDReader(c.Int("reader"))
			pc.Release()
			if err != nil {
				return err
			}
			k, err := kiosk.New(kiosk.Config{Node: n, Venue: venue, Reader: reader})
			if err != nil {
				return err
			}
			defer k.Close()
			ln, err := net.Listen("tcp", c.String("http"))
			if err != nil {
				return fmt.Errorf("kiosk: listen %s: %w (another port: --http 127.0.0.1:0)", c.String("http"), err)
			}
			srv := &http.Server{Handler: k.Handler()}
			go srv.Serve(ln)
			defer srv.Close()
			fmt.Fprintf(c.App.Writer, "kiosk: http://%s/ — present a card at %s\n", ln.Addr(), reader)
			ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
			defer stop()
			return k.Run(ctx)
		},
	}
}

// pickVenue resolves --venue: an id, a name, or the node's only venue.
func pickVenue(c *cli.Context, n interface {
	Venues(ctx context.Context) ([]api.VenueInfo, error)
}, q string) (ledger.Hash, error) {
	if h, err := ledger.ParseHash(q); err == nil {
		return h, nil
	}
	vs, err := n.Venues(c.Context)
	if err != nil {
		return ledger.Hash{}, err
	}
	var names []string
	for _, v := range vs {
		if q == "" && len(vs) == 1 || strings.EqualFold(v.Name, q) {
			return v.ID, nil
		}
		names = append(names, v.Name)
	}
	if len(vs) == 0 {
		return ledger.Hash{}, errors.New("the node knows no venue yet")
	}
	return ledger.Hash{}, fmt.Errorf("--venue: pick one of %s", strings.Join(names, ", "))
}

// devnetKiosk serves the devnet venue's kiosk at the reader of the
// devnet's last card (so the kiosk shows that card at once), on
// 127.0.0.1:port, and returns its URL ("" when there is none to run: no
// venue, no card behind pcscd, port -1, or a failure, which it logs).
func devnetKiosk(ctx context.Context, d *devnet.Devnet, port int, log *slog.Logger) (string, func()) {
	info := d.Info
	if port < 0 || len(info.Venues) == 0 || len(info.Cards) == 0 || info.Cards[len(info.Cards)-1].Transport != "pcsc" {
		return "", func() {}
	}
	venue, err := ledger.ParseHash(info.Venues[0].ID)
	if err != nil {
		return "", func() {}
	}
	cfg := kiosk.Config{Node: client.New(info.Nodes[0].API, ""), Venue: venue,
		Reader: info.Cards[len(info.Cards)-1].Reader, Logger: log}
	k, err := kiosk.New(cfg)
	if err != nil {
		log.Warn("devnet: no kiosk", "err", err)
		return "", func() {}
	}
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		log.Warn("devnet: the kiosk's port is taken; serving it on a free one", "port", port, "err", err)
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			k.Close()
			return "", func() {}
		}
	}
	// A snapshot or revert of the devnet stops the kiosk (it holds a
	// connection to the card in its reader) and starts a new one after:
	// the page's event stream reconnects to it.
	var handler atomic.Pointer[http.Handler]
	run := func(k *kiosk.Kiosk) (stop func()) {
		h := k.Handler()
		handler.Store(&h)
		kctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			if err := k.Run(kctx); err != nil {
				log.Warn("devnet: the kiosk stopped", "err", err)
			}
		}()
		return func() {
			cancel()
			<-done
			k.Close()
		}
	}
	var mu sync.Mutex
	stop := run(k)
	d.OnPause(func() func() {
		mu.Lock()
		stop()
		stop = func() {}
		mu.Unlock()
		return func() {
			mu.Lock()
			defer mu.Unlock()
			k, err := kiosk.New(cfg)
			if err != nil {
				log.Warn("devnet: the kiosk could not restart", "err", err)
				return
			}
			stop = run(k)
		}
	})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { (*handler.Load()).ServeHTTP(w, r) })}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String() + "/", func() {
		mu.Lock()
		stop()
		stop = func() {}
		mu.Unlock()
		srv.Close()
	}
}
