package p2p

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/peer"
)

// Verdict is a Validator's judgement of a payload.
type Verdict int

const (
	// Accept: valid; deliver it and forward it to the mesh. The relaying
	// peer earns a tenth of a refusal (see budget.go).
	Accept Verdict = iota
	// Ignore: not forwarded, and it costs the relaying peer nothing. For
	// payloads that are useless now through no doing of the peer: this
	// host already has them (applied, settled), or it is itself full.
	Ignore
	// Refuse: well formed and honestly signed, but refused (it conflicts
	// with what this host saw first, cannot pay, exceeds a quota). Not
	// forwarded; it takes one token from the relaying peer's refusal
	// budget (Config.RefusalBurst), beyond which the peer's messages are
	// dropped unvalidated and its score falls. An honest relay causes one
	// only where its view and ours differ.
	Refuse
	// Reject: invalid (bad encoding, bad signature); not forwarded, it
	// takes a token of the peer's refusal budget, and the peer loses score
	// (enough rejects get it graylisted). Never Reject what an honest peer
	// could have sent in good faith.
	Reject

	// NumVerdicts is the number of verdicts (Stats.Verdicts).
	NumVerdicts = 4
)

func (v Verdict) String() string {
	switch v {
	case Accept:
		return "accept"
	case Ignore:
		return "ignore"
	case Refuse:
		return "refuse"
	case Reject:
		return "reject"
	default:
		return fmt.Sprintf("verdict(%d)", int(v))
	}
}

// Validator judges a gossip payload before it is forwarded; the node
// applies (or queues) the payload inside its validator, as there is no
// separate delivery step.
//
//   - It runs once per message ID (SHA-256 of the payload) per seen-cache
//     period (2 minutes): a payload seen again later is validated again, so
//     applying must be idempotent.
//   - It also runs, synchronously inside Publish, for payloads this host
//     publishes; then from is the host's own ID (Host.ID) and the verdict
//     decides whether Publish sends anything (Reject → ErrRejected,
//     Ignore and Refuse → ErrIgnored).
//   - It never sees a message from a peer whose refusal budget is spent
//     (see budget.go): those are dropped before the seen cache, so the
//     same payload relayed by another peer is still validated.
//   - Received payloads are validated concurrently (up to a few thousand at
//     once) and in no particular order, even those from one peer.
//   - from is the peer that relayed the message, not its author; messages
//     carry no author.
//   - ctx is cancelled after 10 s or when the Host closes.
//   - payload must not be modified; it may be retained. Its length is
//     already checked: 1 ≤ len ≤ Config.MaxMessageSize.
//   - A panic is recovered, logged with its stack and counts as Ignore
//     (the peer is not charged for our bug).
//   - It should not call Publish synchronously: pubsub holds the topic's
//     read lock around local validation, which can deadlock against Close.
//     Hand such work to a goroutine.
type Validator func(ctx context.Context, from peer.ID, payload []byte) Verdict

// Topic is a joined gossip topic. Obtain it from Host.Topic; it lives until
// the Host is closed.
type Topic struct {
	h    *Host
	name string
	t    *pubsub.Topic
	sub  *pubsub.Subscription
	v    Validator
	// joins is Joins' event handler (nil without Joins); guarded by
	// h.mu.
	joins *pubsub.TopicEventHandler
	// lastDirect is when each peer's last direct send was taken.
	directMu   sync.Mutex
	lastDirect map[peer.ID]time.Time
}

// Topic joins the gossip topic name (for example TxTopicName(network); it
// must be /anonex/<the host's network>/<kind>/<version>) and registers v as
// its validator. The host subscribes and drains the subscription itself, so
// the node only sees payloads through v. Each name can be joined once.
func (h *Host) Topic(name string, v Validator) (*Topic, error) {
	if v == nil {
		return nil, ErrNilValidator
	}
	if err := checkTopicName(h.s.network, name); err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, ErrClosed
	}
	if _, ok := h.topics[name]; ok {
		return nil, fmt.Errorf("%w: %s", ErrTopicJoined, name)
	}

	// The validator is registered before subscribing, so no message of
	// the topic is ever accepted unvalidated.
	if err := h.ps.RegisterTopicValidator(name, h.wrapValidator(name, v),
		pubsub.WithValidatorTimeout(validatorTimeout),
		pubsub.WithValidatorConcurrency(validatorConcurrency),
	); err != nil {
		return nil, fmt.Errorf("p2p: register validator for %s: %w", name, err)
	}
	pt, err := h.ps.Join(name)
	if err != nil {
		_ = h.ps.UnregisterTopicValidator(name)
		return nil, fmt.Errorf("p2p: join %s: %w", name, err)
	}
	if err := pt.SetScoreParams(topicScoreParams()); err != nil {
		_ = pt.Close()
		_ = h.ps.UnregisterTopicValidator(name)
		return nil, fmt.Errorf("p2p: score params for %s: %w", name, err)
	}
	sub, err := pt.Subscribe(pubsub.WithBufferSize(deliveryBuffer))
	if err != nil {
		_ = pt.Close()
		_ = h.ps.UnregisterTopicValidator(name)
		return nil, fmt.Errorf("p2p: subscribe %s: %w", name, err)
	}
	t := &Topic{h: h, name: name, t: pt, sub: sub, v: v, lastDirect: map[peer.ID]time.Time{}}
	h.topics[name] = t
	h.h.SetStreamHandler(directProtocol(name), t.handleDirect)

	// Gossipsub only meshes us into topics we subscribe to; accepted
	// messages are then queued on sub and must be drained.
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		for {
			if _, err := sub.Next(h.ctx); err != nil {
				return
			}
		}
	}()
	return t, nil
}

func (h *Host) wrapValidator(topic string, v Validator) pubsub.ValidatorEx {
	limit := h.s.maxMsgSize
	self := h.h.ID()
	return func(ctx context.Context, from peer.ID, m *pubsub.Message) (res pubsub.ValidationResult) {
		if n := len(m.Data); n == 0 || n > limit {
			h.sizeRejected.Add(1)
			if from != self {
				h.budgets.refused(from)
			}
			return pubsub.ValidationReject
		}
		if from != self {
			h.validated.Add(1)
		}
		verdict := Ignore
		defer func() {
			if r := recover(); r != nil {
				h.log.Error("p2p validator panicked; message ignored", "topic", topic, "from", from.String(),
					"panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				verdict = Ignore
			}
			if verdict < Accept || verdict > Reject {
				verdict = Ignore // what pubsub is told of an unknown verdict
			}
			if from != self {
				h.verdicts[verdict].Add(1)
				switch verdict {
				case Accept:
					h.budgets.accepted(from)
				case Refuse, Reject:
					h.budgets.refused(from)
				}
			}
			switch verdict {
			case Accept:
				res = pubsub.ValidationAccept
			case Reject:
				res = pubsub.ValidationReject
			default:
				res = pubsub.ValidationIgnore
			}
		}()
		verdict = v(ctx, from, m.Data)
		return
	}
}

// Name is the topic name.
func (t *Topic) Name() string { return t.name }

// Publish validates payload with this host's own validator (synchronously,
// from = Host.ID()) and, if it is accepted, sends it to the topic's peers.
// It returns ErrEmptyMessage or ErrMessageTooLarge (nothing validated),
// ErrRejected or ErrIgnored (the validator's verdict; nothing sent),
// ErrClosed, or ctx's error. Publishing a payload that was already
// delivered (by anyone, within the 2-minute seen period) is a no-op that
// returns nil. Publish copies payload; the caller may reuse it.
//
// A nil error means the message was handed to gossipsub, not that any peer
// received it: with no peers it is simply kept in the gossip cache for a
// few heartbeats.
func (t *Topic) Publish(ctx context.Context, payload []byte) error {
	if len(payload) == 0 {
		return ErrEmptyMessage
	}
	if len(payload) > t.h.s.maxMsgSize {
		return fmt.Errorf("%w: %d bytes, limit %d", ErrMessageTooLarge, len(payload), t.h.s.maxMsgSize)
	}
	if t.h.isClosed() {
		return ErrClosed
	}
	err := t.t.Publish(ctx, bytes.Clone(payload))
	if err == nil {
		return nil
	}
	var ve pubsub.ValidationError
	switch {
	case errors.As(err, &ve) && ve.Reason == pubsub.RejectValidationFailed:
		return ErrRejected
	case errors.As(err, &ve) && ve.Reason == pubsub.RejectValidationIgnored:
		return ErrIgnored
	case t.h.isClosed() || errors.Is(err, pubsub.ErrTopicClosed):
		return ErrClosed
	case ctx.Err() != nil:
		return ctx.Err()
	default:
		return fmt.Errorf("p2p: publish on %s: %w", t.name, err)
	}
}

// Peers is the number of connected peers subscribed to the topic.
func (t *Topic) Peers() int { return len(t.t.ListPeers()) }

// MeshPeers is the number of peers in this host's gossipsub mesh for the
// topic: those it forwards full messages to (others only get IHAVE gossip).
func (t *Topic) MeshPeers() int { return t.h.tr.meshSize(t.name) }

// InMesh reports whether p is in this host's mesh of the topic: a peer
// whose score turned negative is pruned at the next heartbeat.
func (t *Topic) InMesh(p peer.ID) bool { return t.h.tr.inMesh(t.name, p) }
