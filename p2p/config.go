package p2p

import (
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
)

// Defaults and limits of Config.
const (
	// DefaultMaxMessageSize is the default largest payload, in bytes.
	DefaultMaxMessageSize = 64 << 10
	// MinMaxMessageSize and MaxMaxMessageSize bound Config.MaxMessageSize.
	MinMaxMessageSize = 512
	MaxMaxMessageSize = 1 << 20
	// DefaultConnLow and DefaultConnHigh are the connection manager's
	// default watermarks (connections).
	DefaultConnLow  = 32
	DefaultConnHigh = 96
	// MaxConnHigh bounds Config.ConnHigh.
	MaxConnHigh = 10000
)

// DefaultListenAddrs are used when Config.ListenAddrs is empty: loopback
// only, on ports chosen by the OS. A node that others should reach must
// list its addresses explicitly (for example /ip4/0.0.0.0/tcp/4001).
var DefaultListenAddrs = []string{
	"/ip4/127.0.0.1/tcp/0",
	"/ip4/127.0.0.1/udp/0/quic-v1",
}

// wireOverhead is what the pubsub RPC framing adds around a payload
// (protobuf tags, topic name, control piggyback). The pubsub wire limit is
// MaxMessageSize + wireOverhead; the payload limit is enforced exactly by
// Publish and by the validator wrapper.
const wireOverhead = 4 << 10

// Config configures a Host. New copies it; later changes to the caller's
// value (or its slices) have no effect.
type Config struct {
	// Network names the anonex network (for example "devnet", "main").
	// Required; 1–63 characters of [a-z0-9._-], starting with a letter or
	// digit. Topic names are /anonex/<Network>/<kind>/<version>.
	Network string

	// ListenAddrs are the multiaddrs to listen on, without /p2p/. Empty
	// means DefaultListenAddrs (127.0.0.1, TCP and QUIC v1, OS-chosen
	// ports). Only TCP and QUIC v1 (/udp/<port>/quic-v1) are supported.
	ListenAddrs []string

	// Identity is the host's libp2p private key; required, ed25519 only.
	// It must be its own key (see LoadOrCreateIdentity), never a device or
	// account key: the peer ID is public and would link the node to the
	// account. It may be rotated at will.
	Identity crypto.PrivKey

	// Bootstrap lists full multiaddrs of peers to connect to at start,
	// each ending in /p2p/<peer id> (for example
	// /ip4/10.0.0.5/tcp/4001/p2p/12D3KooW...). Several addresses of the
	// same peer are merged. The Host keeps reconnecting to each of them
	// with exponential backoff (BootstrapMinBackoff to BootstrapMaxBackoff)
	// whenever it is disconnected, until Close; they are also protected
	// from connection-manager trimming.
	Bootstrap []string

	// MaxMessageSize is the largest payload, in bytes, the Host publishes
	// or accepts. 0 means DefaultMaxMessageSize (64 KiB); otherwise it must
	// be within [MinMaxMessageSize, MaxMaxMessageSize] (512 B – 1 MiB).
	MaxMessageSize int

	// ConnLow and ConnHigh are the connection manager's watermarks, in
	// connections: when more than ConnHigh are open, the least valuable
	// are closed down to ConnLow. Connections younger than a minute and
	// bootstrap peers are never trimmed; gossip mesh peers and peers that
	// deliver messages rank higher (pubsub connection tags). 0 means
	// DefaultConnLow (32) / DefaultConnHigh (96). Need
	// 0 < ConnLow < ConnHigh <= MaxConnHigh (10000).
	ConnLow, ConnHigh int

	// RefusalBurst and RefusalRate size each peer's refusal budget (see
	// budget.go): a peer may relay RefusalBurst messages in a row that
	// this host refuses or rejects, and RefusalRate more a second (plus
	// one for every ten messages it is first to deliver that are
	// accepted), before everything it sends is dropped unvalidated until
	// its budget is back to an eighth of RefusalBurst. 0 means
	// DefaultRefusalBurst (512 refusals) / DefaultRefusalRate (5 a
	// second). Need 1 <= RefusalBurst <= MaxRefusalBurst (65536) and
	// 0 < RefusalRate <= RefusalBurst.
	RefusalBurst int
	RefusalRate  float64

	// Logger receives the host's logs (connects, bootstrap retries, gossip
	// internals at debug level). nil discards them.
	Logger *slog.Logger

	// heartbeat overrides the gossipsub heartbeat interval (tests only).
	heartbeat time.Duration
	// directInterval overrides DirectInterval (tests only; -1: none).
	directInterval time.Duration
}

var networkRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)

// TxTopicName is the gossip topic of ledger transactions on network.
func TxTopicName(network string) string { return topicName(network, "tx", 1) }

// OfferTopicName is the gossip topic of exchange offers on network.
func OfferTopicName(network string) string { return topicName(network, "offer", 1) }

// VenueTopicName is the gossip topic of venue records (signage) on
// network.
func VenueTopicName(network string) string { return topicName(network, "venue", 1) }

// EvidenceTopicName is the gossip topic of misbehaviour evidence (for
// example cloned cards) on network.
func EvidenceTopicName(network string) string { return topicName(network, "evidence", 1) }

// AttestTopicName is the gossip topic of Vault attesters' batch
// attestations on network.
func AttestTopicName(network string) string { return topicName(network, "attest", 1) }

func topicName(network, kind string, version int) string {
	return fmt.Sprintf("/anonex/%s/%s/%d", network, kind, version)
}

// checkTopicName accepts /anonex/<network>/<kind>/<version> for this
// host's network, with kind of [a-z0-9-] and a decimal version.
var topicRE = regexp.MustCompile(`^/anonex/([^/]+)/[a-z0-9-]{1,32}/[0-9]{1,4}$`)

func checkTopicName(network, name string) error {
	m := topicRE.FindStringSubmatch(name)
	if m == nil {
		return fmt.Errorf("%w: %q is not /anonex/<network>/<kind>/<version>", ErrTopicName, name)
	}
	if m[1] != network {
		return fmt.Errorf("%w: %q belongs to network %q, this host is on %q", ErrTopicName, name, m[1], network)
	}
	return nil
}

// settings is a validated, defaulted copy of Config.
type settings struct {
	network    string
	listen     []ma.Multiaddr
	identity   crypto.PrivKey
	self       peer.ID
	bootstrap  []peer.AddrInfo
	maxMsgSize int
	connLow    int
	connHigh   int
	refBurst   int
	refRate    float64
	logger     *slog.Logger
	heartbeat  time.Duration
	// directInterval is how often one peer's direct send is taken.
	directInterval time.Duration
}

func (c Config) settings() (*settings, error) {
	s := &settings{
		network:        c.Network,
		identity:       c.Identity,
		maxMsgSize:     c.MaxMessageSize,
		connLow:        c.ConnLow,
		connHigh:       c.ConnHigh,
		refBurst:       c.RefusalBurst,
		refRate:        c.RefusalRate,
		logger:         c.Logger,
		heartbeat:      c.heartbeat,
		directInterval: c.directInterval,
	}
	if !networkRE.MatchString(s.network) {
		return nil, fmt.Errorf("%w: %q (want 1-63 of [a-z0-9._-], starting with a letter or digit)", ErrBadNetwork, s.network)
	}

	if s.identity == nil {
		return nil, ErrNoIdentity
	}
	if s.identity.Type() != crypto.Ed25519 {
		return nil, fmt.Errorf("%w: got %v", ErrIdentityType, s.identity.Type())
	}
	self, err := peer.IDFromPrivateKey(s.identity)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrIdentityType, err)
	}
	s.self = self

	listen := append([]string(nil), c.ListenAddrs...)
	if len(listen) == 0 {
		listen = append(listen, DefaultListenAddrs...)
	}
	for _, a := range listen {
		m, err := ma.NewMultiaddr(strings.TrimSpace(a))
		if err != nil {
			return nil, fmt.Errorf("%w: listen address %q: %v", ErrBadAddr, a, err)
		}
		if _, err := m.ValueForProtocol(ma.P_P2P); err == nil {
			return nil, fmt.Errorf("%w: listen address %q must not contain /p2p/", ErrBadAddr, a)
		}
		if !isTCP(m) && !isQUIC(m) {
			return nil, fmt.Errorf("%w: listen address %q is neither TCP nor QUIC v1", ErrBadAddr, a)
		}
		s.listen = append(s.listen, m)
	}

	byID := map[peer.ID]int{}
	for _, a := range c.Bootstrap {
		ai, err := parseDialAddr(a)
		if err != nil {
			return nil, fmt.Errorf("%w (in Bootstrap)", err)
		}
		if ai.ID == self {
			return nil, fmt.Errorf("%w: bootstrap %q", ErrSelfDial, a)
		}
		if i, ok := byID[ai.ID]; ok {
			s.bootstrap[i].Addrs = append(s.bootstrap[i].Addrs, ai.Addrs...)
			continue
		}
		byID[ai.ID] = len(s.bootstrap)
		s.bootstrap = append(s.bootstrap, *ai)
	}

	if s.maxMsgSize == 0 {
		s.maxMsgSize = DefaultMaxMessageSize
	}
	if s.maxMsgSize < MinMaxMessageSize || s.maxMsgSize > MaxMaxMessageSize {
		return nil, fmt.Errorf("%w: MaxMessageSize %d outside [%d, %d] bytes", ErrBadConfig, s.maxMsgSize, MinMaxMessageSize, MaxMaxMessageSize)
	}

	if s.connLow == 0 {
		s.connLow = DefaultConnLow
	}
	if s.connHigh == 0 {
		s.connHigh = DefaultConnHigh
	}
	if s.connLow <= 0 || s.connHigh <= s.connLow || s.connHigh > MaxConnHigh {
		return nil, fmt.Errorf("%w: need 0 < ConnLow (%d) < ConnHigh (%d) <= %d", ErrBadConfig, s.connLow, s.connHigh, MaxConnHigh)
	}

	if s.refBurst == 0 {
		s.refBurst = DefaultRefusalBurst
	}
	if s.refRate == 0 {
		s.refRate = DefaultRefusalRate
	}
	if s.refBurst < 1 || s.refBurst > MaxRefusalBurst || !(s.refRate > 0) || s.refRate > float64(s.refBurst) {
		return nil, fmt.Errorf("%w: need 1 <= RefusalBurst (%d) <= %d and 0 < RefusalRate (%v) <= RefusalBurst", ErrBadConfig, s.refBurst, MaxRefusalBurst, s.refRate)
	}

	switch {
	case s.directInterval == 0:
		s.directInterval = DirectInterval
	case s.directInterval < 0:
		s.directInterval = 0
	}

	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.heartbeat < 0 {
		return nil, fmt.Errorf("%w: negative heartbeat", ErrBadConfig)
	}
	return s, nil
}

// parseDialAddr parses a full multiaddr ending in /p2p/<id>.
func parseDialAddr(a string) (*peer.AddrInfo, error) {
	m, err := ma.NewMultiaddr(strings.TrimSpace(a))
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %v", ErrBadAddr, a, err)
	}
	if _, err := m.ValueForProtocol(ma.P_P2P); err != nil {
		return nil, fmt.Errorf("%w: %q", ErrNoPeerID, a)
	}
	ai, err := peer.AddrInfoFromP2pAddr(m)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %v", ErrBadAddr, a, err)
	}
	if len(ai.Addrs) == 0 {
		return nil, fmt.Errorf("%w: %q has a peer ID but no transport address", ErrBadAddr, a)
	}
	return ai, nil
}

func isTCP(m ma.Multiaddr) bool {
	_, err := m.ValueForProtocol(ma.P_TCP)
	return err == nil
}

func isQUIC(m ma.Multiaddr) bool {
	_, err := m.ValueForProtocol(ma.P_QUIC_V1)
	return err == nil
}
