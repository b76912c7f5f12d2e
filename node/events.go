package node

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/ledger"
)

// hub fans events out to subscribers. A subscriber that falls behind by
// more than its buffer loses events (and is told so), never blocks the node.
type hub struct {
	mu     sync.Mutex
	subs   map[chan api.Event]struct{}
	closed bool
}

func newHub() *hub { return &hub{subs: map[chan api.Event]struct{}{}} }

// maxStreams bounds the open event streams of a node.
const maxStreams = 256

func (h *hub) subscribe() (chan api.Event, func(), bool) {
	ch := make(chan api.Event, 1024)
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.subs) >= maxStreams {
		return nil, nil, false
	}
	if h.closed {
		close(ch)
		return ch, func() {}, true
	}
	h.subs[ch] = struct{}{}
	return ch, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if _, ok := h.subs[ch]; ok {
			delete(h.subs, ch)
			close(ch)
		}
	}, true
}

func (h *hub) publish(e api.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		select {
		case ch <- e:
		default:
			delete(h.subs, ch) // too slow: drop the subscriber
			close(ch)
		}
	}
}

func (h *hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for ch := range h.subs {
		close(ch)
	}
	clear(h.subs)
}

// Subscribe returns a channel of the node's events (as GET /v1/events
// streams them) and a function that ends the subscription; ok is false when
// the node has too many subscribers or is closed.
func (n *Node) Subscribe() (<-chan api.Event, func(), bool) {
	ch, cancel, ok := n.events.subscribe()
	return ch, cancel, ok
}

// WaitTx waits until a transaction settles, fails or is rejected on this
// node, and returns its status then (or ctx's error). It listens to the
// node's events and looks the status up when one may have changed it; a
// slow check every second covers a subscription the hub dropped.
func (n *Node) WaitTx(ctx context.Context, id ledger.Hash) (api.TxInfo, error) {
	events, stop, ok := n.Subscribe()
	if ok {
		defer stop()
	}
	slow := time.NewTicker(time.Second)
	defer slow.Stop()
	for {
		info, err := n.TxStatus(id)
		if err == nil {
			if info.Status.Final() {
				return info, nil
			}
		}
	wait:
		for {
			select {
			case <-ctx.Done():
				return info, fmt.Errorf("transaction %s is %q: %w", id.Hex(), info.Status, ctx.Err())
			case <-slow.C:
				break wait
			case ev, open := <-events:
				switch {
				case !open:
					events = nil // dropped: the slow check carries on
				case ev.Type == "tx" && ev.ID != nil && *ev.ID != id:
					// another transaction's news
				default:
					break wait
				}
			}
		}
	}
}
