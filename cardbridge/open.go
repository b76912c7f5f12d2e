package cardbridge

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/anonex/anonex/cardbridge/applet"
	"github.com/anonex/anonex/cardbridge/cardclient"
	"github.com/anonex/anonex/cardbridge/pcsc"
)

// Source says where a card is: an applet state file run in this process
// (State), or else a PC/SC reader (Reader).
type Source struct {
	// State is an applet state file (what `anonex card virtual` and a
	// devnet without pcscd keep). When set, the applet runs in this
	// process on it, and Reader is not used.
	State string
	// Reader is the index of the vsmartcard vpcd reader ("Virtual PCD 00
	// NN", pcsc.VPCDReaderName) the card is in.
	Reader int
	// Wait bounds how long Open waits for a card in the reader. Default
	// DefaultWait.
	Wait time.Duration
	// Rand is the in-process applet's randomness (its keys and
	// challenges). Default crypto/rand.Reader.
	Rand io.Reader
}

// DefaultWait is how long Open waits for a card in a reader unless
// Source.Wait says otherwise.
const DefaultWait = 15 * time.Second

// Card is an open card: its protocol client, and Close, which releases
// the reader (or the state file).
type Card struct {
	*cardclient.Client
	once    sync.Once
	release func() error
	err     error
}

// Close disconnects from the card and releases what Open took: the PC/SC
// connection and context, or the state file. It is safe to call twice.
func (c *Card) Close() error {
	c.once.Do(func() { c.err = c.release() })
	return c.err
}

// Open opens the card src names. From a state file, the applet runs in
// this process (cardclient.Direct). From a reader, it connects through
// pcscd once a card is present, waiting up to src.Wait (or until ctx
// ends); pcscd missing (or without vpcd readers) is pcsc.ErrNoService, a
// reader it does not have a *pcsc.NoReaderError listing those it has.
func Open(ctx context.Context, src Source) (*Card, error) {
	if src.State != "" {
		return openState(src)
	}
	return openReader(ctx, src)
}

func openState(src Source) (*Card, error) {
	m, err := applet.OpenFileMedium(src.State)
	if err != nil {
		return nil, err
	}
	r := src.Rand
	if r == nil {
		r = rand.Reader
	}
	card, err := applet.New(m, r)
	if err != nil {
		m.Close()
		return nil, err
	}
	return &Card{Client: cardclient.New(cardclient.Direct{Card: card}), release: m.Close}, nil
}

func openReader(ctx context.Context, src Source) (*Card, error) {
	pc, err := pcsc.Open()
	if err != nil {
		return nil, err
	}
	reader, err := pc.VPCDReader(src.Reader)
	if err != nil {
		pc.Release()
		return nil, err
	}
	wait := src.Wait
	if wait <= 0 {
		wait = DefaultWait
	}
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	if err := pc.WaitCard(wctx, reader); err != nil {
		pc.Release()
		if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("%w %q after %s", pcsc.ErrNoCard, reader, wait)
		}
		return nil, fmt.Errorf("no card in %q: %w", reader, err)
	}
	h, err := pc.Connect(reader)
	if err != nil {
		pc.Release()
		return nil, err
	}
	return &Card{Client: cardclient.New(h), release: func() error { return errors.Join(h.Close(), pc.Release()) }}, nil
}
