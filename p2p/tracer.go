package p2p

import (
	"sync"
	"sync/atomic"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
)

// tracer is a pubsub.RawTracer that keeps our mesh membership per topic
// and counts drops. Pubsub calls it synchronously from its event loop, so
// every method is short and never blocks.
type tracer struct {
	mu     sync.Mutex
	mesh   map[string]map[peer.ID]struct{}
	scores map[peer.ID]float64 // the last peer score snapshot

	droppedRPCs   atomic.Uint64 // outbound RPCs dropped (peer queue full)
	throttled     atomic.Uint64 // inbound messages dropped by validation throttling
	undeliverable atomic.Uint64 // messages our own drain was too slow for
}

var _ pubsub.RawTracer = (*tracer)(nil)

func newTracer() *tracer {
	return &tracer{mesh: map[string]map[peer.ID]struct{}{}}
}

func (t *tracer) meshSize(topic string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.mesh[topic])
}

// inMesh reports whether p is in our mesh of topic.
func (t *tracer) inMesh(topic string, p peer.ID) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, ok := t.mesh[topic][p]
	return ok
}

// setScores takes pubsub's periodic peer score snapshot.
func (t *tracer) setScores(m map[peer.ID]float64) {
	t.mu.Lock()
	t.scores = m
	t.mu.Unlock()
}

func (t *tracer) score(p peer.ID) (float64, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.scores[p]
	return s, ok
}

func (t *tracer) Graft(p peer.ID, topic string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	m := t.mesh[topic]
	if m == nil {
		m = map[peer.ID]struct{}{}
		t.mesh[topic] = m
	}
	m[p] = struct{}{}
}

func (t *tracer) Prune(p peer.ID, topic string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.mesh[topic], p)
}

func (t *tracer) Leave(topic string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.mesh, topic)
}

func (t *tracer) OnClosedOutboundStream(p peer.ID) {
	// gossipsub drops a vanished peer from every mesh without a Prune event.
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, m := range t.mesh {
		delete(m, p)
	}
}

func (t *tracer) RejectMessage(_ *pubsub.Message, reason string) {
	switch reason {
	case pubsub.RejectValidationQueueFull, pubsub.RejectValidationThrottled:
		t.throttled.Add(1)
	}
}

func (t *tracer) DropRPC(*pubsub.RPC, peer.ID)                         { t.droppedRPCs.Add(1) }
func (t *tracer) UndeliverableMessage(*pubsub.Message)                 { t.undeliverable.Add(1) }
func (t *tracer) OnNewOutboundStream(peer.ID, protocol.ID)             {}
func (t *tracer) Join(string)                                          {}
func (t *tracer) ValidateMessage(*pubsub.Message)                      {}
func (t *tracer) DeliverMessage(*pubsub.Message)                       {}
func (t *tracer) DuplicateMessage(*pubsub.Message)                     {}
func (t *tracer) ThrottlePeer(peer.ID)                                 {}
func (t *tracer) RecvRPC(*pubsub.RPC)                                  {}
func (t *tracer) SendRPC(*pubsub.RPC, peer.ID)                         {}
func (t *tracer) SendRPCCompleted(*pubsub.RPC, peer.ID, time.Duration) {}
