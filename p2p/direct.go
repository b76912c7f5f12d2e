package p2p

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"slices"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
)

// Direct sends hand payloads of a topic straight to one peer, outside
// gossip. Gossipsub drops a payload its host delivered within the seen
// period (2 minutes), on Publish too: gossip cannot bring a payload again
// to a peer that missed it (it was down, or not connected yet) until that
// period is over. A node hands such payloads to the peer directly.

// MaxDirectPayloads is the most payloads one SendDirect carries, and the
// most a host reads from one direct stream.
const MaxDirectPayloads = 4096

// directTimeout bounds one direct send, writing and validating included.
const directTimeout = 30 * time.Second

// DirectInterval is how often a host takes a direct send from one peer on
// one topic: a direct send is the hand-over when a peer joins, not a
// channel. A second send within the interval is refused unread.
const DirectInterval = 30 * time.Second

// directProtocol is the stream protocol of a topic's direct sends:
// /anonex/<network>/<kind>/<version>/direct.
func directProtocol(topic string) protocol.ID { return protocol.ID(topic + "/direct") }

// SendDirect hands payloads to peer p over a stream of the topic's direct
// protocol, in order, outside gossip: p's host runs the topic's Validator on
// each as on a gossiped payload (from = this host) and forwards none. It
// returns once p has validated every one, or the first error:
// ErrEmptyMessage, ErrMessageTooLarge or ErrTooManyPayloads (nothing sent),
// ErrClosed, ctx's error, or a stream error (p is not connected or does not
// serve the topic, or it stopped reading: its validator rejected a payload,
// and it closes its connection to a peer that sends what no honest peer
// would).
func (t *Topic) SendDirect(ctx context.Context, p peer.ID, payloads [][]byte) error {
	if len(payloads) > MaxDirectPayloads {
		return fmt.Errorf("%w: %d payloads, limit %d", ErrTooManyPayloads, len(payloads), MaxDirectPayloads)
	}
	for _, b := range payloads {
		if len(b) == 0 {
			return ErrEmptyMessage
		}
		if len(b) > t.h.s.maxMsgSize {
			return fmt.Errorf("%w: %d bytes, limit %d", ErrMessageTooLarge, len(b), t.h.s.maxMsgSize)
		}
	}
	if t.h.isClosed() {
		return ErrClosed
	}
	ctx, cancel := context.WithTimeout(ctx, directTimeout)
	defer cancel()
	s, err := t.h.h.NewStream(ctx, p, directProtocol(t.name))
	if err != nil {
		return fmt.Errorf("p2p: direct send to %s: %w", p.ShortString(), err)
	}
	stop := context.AfterFunc(ctx, func() { s.Reset() })
	defer stop()
	if dl, ok := ctx.Deadline(); ok {
		s.SetDeadline(dl)
	}
	w := bufio.NewWriter(s)
	for _, b := range payloads {
		w.Write(binary.AppendUvarint(nil, uint64(len(b))))
		w.Write(b)
	}
	err = w.Flush()
	if err == nil {
		err = s.CloseWrite()
	}
	if err == nil {
		// One byte back once the peer has validated them all.
		var ack [1]byte
		_, err = io.ReadFull(s, ack[:])
	}
	if err != nil {
		s.Reset()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("p2p: direct send to %s: %w", p.ShortString(), err)
	}
	return s.Close()
}

// handleDirect reads one peer's direct send and validates each payload, in
// order. It stops at the first payload no honest peer sends (one of an
// invalid size, or that the validator rejects) and closes the connection
// to that peer. A peer takes one direct send per DirectInterval, and none
// while its refusal budget is spent (see budget.go): what one peer can make
// this host validate through direct sends is MaxDirectPayloads per
// interval. Refusals there do not spend the budget: a node handing its
// pending set to a peer that just joined and is still behind would look
// like a flooder; acceptances earn nothing either.
func (t *Topic) handleDirect(s network.Stream) {
	h := t.h
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		s.Reset()
		return
	}
	h.wg.Add(1)
	h.mu.Unlock()
	defer h.wg.Done()
	stop := context.AfterFunc(h.ctx, func() { s.Reset() })
	defer stop()
	s.SetDeadline(time.Now().Add(directTimeout))
	from := s.Conn().RemotePeer()
	if !t.takeDirect(from) {
		h.budgetDropped.Add(1)
		s.Reset()
		return
	}
	r := bufio.NewReader(s)
	for i := 0; ; i++ {
		n, err := binary.ReadUvarint(r)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			s.Reset()
			return
		}
		if n == 0 || n > uint64(h.s.maxMsgSize) || i == MaxDirectPayloads {
			if i < MaxDirectPayloads {
				h.sizeRejected.Add(1)
			}
			t.refuseDirect(s, from)
			return
		}
		b := make([]byte, n)
		if _, err := io.ReadFull(r, b); err != nil {
			s.Reset()
			return
		}
		if t.validateDirect(from, b) == Reject {
			h.budgets.refused(from)
			t.refuseDirect(s, from)
			return
		}
	}
	s.Write([]byte{0})
	s.Close()
}

// takeDirect reports whether a direct send from p may be read now: p's
// refusal budget is not spent, and p sent none on this topic within
// DirectInterval. It records this one.
func (t *Topic) takeDirect(p peer.ID) bool {
	if !t.h.budgets.allow(p, 1) {
		return false
	}
	now := time.Now()
	t.directMu.Lock()
	defer t.directMu.Unlock()
	every := t.h.s.directInterval
	if last, ok := t.lastDirect[p]; ok && now.Sub(last) < every {
		return false
	}
	for q, last := range t.lastDirect {
		if now.Sub(last) >= every {
			delete(t.lastDirect, q)
		}
	}
	t.lastDirect[p] = now
	return true
}

// refuseDirect ends a direct send that carried what no honest peer sends,
// and the connection to its sender.
func (t *Topic) refuseDirect(s network.Stream, from peer.ID) {
	t.h.directRejected.Add(1)
	s.Reset()
	t.h.h.Network().ClosePeer(from)
}

// validateDirect runs the topic's validator on a direct payload, as
// wrapValidator does on a gossiped one.
func (t *Topic) validateDirect(from peer.ID, b []byte) (v Verdict) {
	ctx, cancel := context.WithTimeout(t.h.ctx, validatorTimeout)
	defer cancel()
	defer func() {
		if r := recover(); r != nil {
			t.h.log.Error("p2p validator panicked; direct payload ignored", "topic", t.name, "from", from.String(),
				"panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			v = Ignore
		}
	}()
	return t.v(ctx, from, b)
}

// Joins delivers each peer that joins the topic (connected and subscribed
// to it; peers already there when Joins is called count as joining) on
// the channel it returns, until the host closes; the channel is never
// closed. A peer that joins while buffer peers wait unread is dropped:
// whatever the caller does for joining peers, it must also do now and
// then for all (a periodic rebroadcast). A peer that leaves and comes back
// joins again. Call it at most once per topic.
func (t *Topic) Joins(buffer int) (<-chan peer.ID, error) {
	t.h.mu.Lock()
	defer t.h.mu.Unlock()
	if t.h.closed {
		return nil, ErrClosed
	}
	if t.joins != nil {
		return nil, fmt.Errorf("p2p: Joins called twice on %s", t.name)
	}
	eh, err := t.t.EventHandler()
	if err != nil {
		return nil, fmt.Errorf("p2p: topic events of %s: %w", t.name, err)
	}
	t.joins = eh
	joined := make(chan peer.ID, buffer)
	t.h.wg.Add(1)
	go func() {
		defer t.h.wg.Done()
		for {
			ev, err := eh.NextPeerEvent(t.h.ctx)
			if err != nil {
				return
			}
			if ev.Type == pubsub.PeerJoin {
				select {
				case joined <- ev.Peer:
				default:
				}
			}
		}
	}()
	return joined, nil
}

// handOverTries is how many times HandOver tries to reach one joining
// peer.
const handOverTries = 3

// handOverParallel bounds the hand-overs under way at once.
const handOverParallel = 8

// HandOver gives each peer that joins the topic (see Joins) what payloads
// returns at that moment, with SendDirect. A send that fails while the
// peer is still on the topic is tried again after the host's
// DirectInterval, with payloads' answer then, up to three tries: the
// usual failure is a peer that took a direct send from this host within
// its interval (this node restarted quickly) and refused this one unread,
// and gossip cannot bring it the payloads either (its seen cache holds
// them, or this node published them before it had peers). Sends run
// concurrently, a few at a time. Call HandOver or Joins, once per topic.
func (t *Topic) HandOver(payloads func() [][]byte) error {
	joined, err := t.Joins(64)
	if err != nil {
		return err
	}
	h := t.h
	sem := make(chan struct{}, handOverParallel)
	// once sends to p; it reports whether another try may help.
	once := func(p peer.ID, try int) bool {
		select {
		case sem <- struct{}{}:
		case <-h.ctx.Done():
			return false
		}
		defer func() { <-sem }()
		raws := payloads()
		if len(raws) > MaxDirectPayloads {
			raws = raws[:MaxDirectPayloads]
		}
		if len(raws) == 0 {
			return false
		}
		err := t.SendDirect(h.ctx, p, raws)
		if err == nil || h.ctx.Err() != nil {
			return false
		}
		h.log.Debug("hand-over to a peer that joined failed", "topic", t.name, "peer", p.String(), "payloads", len(raws),
			"try", try, "err", err)
		return true
	}
	send := func(p peer.ID) {
		for try := 1; once(p, try) && try < handOverTries; try++ {
			select {
			case <-h.ctx.Done():
				return
			case <-time.After(h.s.directInterval + time.Second):
			}
			if !slices.Contains(t.t.ListPeers(), p) {
				return
			}
		}
	}
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		for {
			select {
			case <-h.ctx.Done():
				return
			case p := <-joined:
				h.wg.Add(1)
				go func() {
					defer h.wg.Done()
					send(p)
				}()
			}
		}
	}()
	return nil
}
