package p2p

import "errors"

// Sentinel errors. Functions wrap them with detail (fmt.Errorf("%w: ...")),
// so compare with errors.Is.
var (
	// ErrNoIdentity: Config.Identity is nil. The libp2p key is required and
	// must never be one of the device/account keys.
	ErrNoIdentity = errors.New("p2p: identity key required")
	// ErrIdentityType: the identity key is not ed25519.
	ErrIdentityType = errors.New("p2p: identity key must be ed25519")
	// ErrBadIdentityFile: the identity file exists but does not hold a
	// marshaled private key. The file is left untouched.
	ErrBadIdentityFile = errors.New("p2p: malformed identity file")
	// ErrBadNetwork: Config.Network is empty or has characters other than
	// [a-z0-9._-].
	ErrBadNetwork = errors.New("p2p: invalid network name")
	// ErrBadAddr: a multiaddr (listen, bootstrap or Connect argument) does not
	// parse or has the wrong shape.
	ErrBadAddr = errors.New("p2p: invalid multiaddr")
	// ErrNoPeerID: a dial address lacks its /p2p/<peer id> component.
	ErrNoPeerID = errors.New("p2p: multiaddr lacks /p2p/<peer id>")
	// ErrSelfDial: a bootstrap or Connect address names this host.
	ErrSelfDial = errors.New("p2p: address is this host")
	// ErrListen: a listen address could not be bound (port in use,
	// address not local); New fails rather than run half-listening.
	ErrListen = errors.New("p2p: cannot listen")
	// ErrBadConfig: a numeric limit in Config is out of range.
	ErrBadConfig = errors.New("p2p: invalid config")
	// ErrTopicName: the topic name is not /anonex/<this network>/<kind>/<version>.
	ErrTopicName = errors.New("p2p: invalid topic name")
	// ErrTopicJoined: Host.Topic was called twice for the same name.
	ErrTopicJoined = errors.New("p2p: topic already joined")
	// ErrNilValidator: Host.Topic was given a nil Validator.
	ErrNilValidator = errors.New("p2p: nil validator")
	// ErrEmptyMessage: Publish was given an empty payload.
	ErrEmptyMessage = errors.New("p2p: empty message")
	// ErrMessageTooLarge: the payload exceeds Config.MaxMessageSize.
	ErrMessageTooLarge = errors.New("p2p: message too large")
	// ErrRejected: Publish's payload was rejected by this host's own
	// validator (Reject); nothing was sent.
	ErrRejected = errors.New("p2p: message rejected by validator")
	// ErrIgnored: Publish's payload was ignored by this host's own
	// validator (Ignore); nothing was sent.
	ErrIgnored = errors.New("p2p: message ignored by validator")
	// ErrTooManyPayloads: SendDirect was given more than
	// MaxDirectPayloads payloads; nothing was sent.
	ErrTooManyPayloads = errors.New("p2p: too many payloads for one direct send")
	// ErrClosed: the Host (and so every Topic) is closed.
	ErrClosed = errors.New("p2p: host closed")
)
