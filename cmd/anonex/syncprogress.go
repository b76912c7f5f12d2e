package main

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/anonex/anonex/chain"
	"github.com/anonex/anonex/node"
	"github.com/urfave/cli/v2"
)

// syncSlack is how far behind the chain's head a node may be and count as
// caught up: the blocks its follower has not scanned yet on its next poll.
const syncSlack = 64

// syncState is what showSync reads of a node: the block its follower has
// scanned to and the chain's head (0 while unknown).
type syncState func() (scanned, head uint64)

func nodeSync(n *node.Node) syncState {
	return func() (uint64, uint64) {
		var scanned uint64
		if h, err := n.Store().Head(); err == nil && len(h.Cursor) > 0 {
			var c chain.Cursor
			if json.Unmarshal(h.Cursor, &c) == nil {
				scanned = c.Block
			}
		}
		st, err := n.Status()
		if err != nil {
			return scanned, 0
		}
		return scanned, st.EthBlock
	}
}

// showSync shows, as a progress line on a terminal, a node catching up
// with the chain: the blocks its follower has scanned of those up to the
// head, until it is within syncSlack blocks of the head. A node that is
// caught up shows nothing. The returned function stops it early.
func showSync(c *cli.Context, state syncState, poll time.Duration) (stop func()) {
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		var p *progress
		var from uint64
		t := time.NewTicker(poll)
		defer t.Stop()
		for {
			scanned, head := state()
			switch {
			case head == 0:
			case scanned+syncSlack >= head:
				if p != nil {
					p.stop()
				}
				return
			case p == nil:
				from = scanned
				p = startProgress(c, "syncing the chain", int(head-from))
				fallthrough
			default:
				p.resize(int(head - from))
				p.set(int(scanned-from), fmt.Sprintf("block %d of %d", scanned, head))
			}
			select {
			case <-quit:
				if p != nil {
					p.stop()
				}
				return
			case <-t.C:
			}
		}
	}()
	return func() {
		select {
		case <-quit:
		default:
			close(quit)
		}
		<-done
	}
}
