package cardbridge

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/anonex/anonex/cardbridge/cardclient"
	"github.com/anonex/anonex/cardbridge/pcsc"
)

// Reader is one card reader as Readers lists it: its index (Source.Reader,
// --reader N), its name, and whether a card is in it.
type Reader struct {
	Index int
	Name  string
	Card  bool
}

// Readers is this machine's card readers, for a program that serves them
// (a node with --readers): the vsmartcard vpcd readers pcscd has, or, for
// a devnet whose cards run in process, their state files by index.
type Readers struct {
	// States, when set, are applet state files by reader index: those
	// readers are the files, run in process, and pcscd is not asked.
	States map[int]string
	// Wait bounds how long Open waits for a card (default 2 s: a person
	// who asked for the card put it in already).
	Wait time.Duration
}

// List lists the readers by index.
func (rs Readers) List(ctx context.Context) ([]Reader, error) {
	if rs.States != nil {
		var out []Reader
		for i, f := range rs.States {
			out = append(out, Reader{Index: i, Name: "state file " + f, Card: true})
		}
		slices.SortFunc(out, func(a, b Reader) int { return a.Index - b.Index })
		return out, nil
	}
	pc, err := pcsc.Open()
	if err != nil {
		return nil, err
	}
	defer pc.Release()
	names, err := pc.Readers()
	if err != nil {
		return nil, err
	}
	var out []Reader
	for _, name := range names {
		i, ok := pcsc.VPCDIndex(name)
		if !ok {
			continue // addressed by vpcd index only (docs/decisions.md)
		}
		present, err := pc.Present(name)
		if err != nil {
			return nil, err
		}
		out = append(out, Reader{Index: i, Name: name, Card: present})
	}
	slices.SortFunc(out, func(a, b Reader) int { return a.Index - b.Index })
	return out, nil
}

// Open connects to the card in reader i, waiting Wait for one. The
// transport is the card's; close releases it.
func (rs Readers) Open(ctx context.Context, i int) (cardclient.Transport, func() error, error) {
	src := Source{Reader: i, Wait: rs.Wait}
	if src.Wait <= 0 {
		src.Wait = 2 * time.Second
	}
	if rs.States != nil {
		f, ok := rs.States[i]
		if !ok {
			return nil, nil, fmt.Errorf("%w: no card state file at index %d", pcsc.ErrUnknownReader, i)
		}
		src.State = f
	}
	card, err := Open(ctx, src)
	if err != nil {
		return nil, nil, err
	}
	return card.Client.T, card.Close, nil
}
