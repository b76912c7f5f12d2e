package p2p

import (
	"net"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
)

// gossipProtocol is our own gossipsub protocol ID: anonex nodes never mesh
// with other libp2p applications' gossipsub (whose message size limits,
// signing policy and message IDs differ). Same wire format as /meshsub/1.2.0.
const gossipProtocol = protocol.ID("/anonex/meshsub/1.2.0")

func gossipFeatures(feat pubsub.GossipSubFeature, proto protocol.ID) bool {
	if proto != gossipProtocol {
		return false
	}
	switch feat {
	case pubsub.GossipSubFeatureMesh, pubsub.GossipSubFeaturePX, pubsub.GossipSubFeatureIdontwant:
		return true
	default:
		return false
	}
}

// Peer scoring.
//
// Positive score comes only from being useful in a topic (time in the
// mesh, first deliveries) and is capped; negative score from invalid
// messages (quadratic in their count, decaying over ~10 minutes) and from
// protocol misbehaviour (broken IHAVE promises, GRAFT spam). Mesh delivery
// rate penalties (P3) are off: our topics are bursty and often idle, so a
// quiet honest peer must not be punished.
//
// With InvalidMessageDeliveriesWeight -10 and topic weight 1, n Rejected
// messages (within the decay window) cost 10·n²: gossip to the peer stops
// at 8, our publishes skip it at 11, and it is graylisted (all of its RPCs
// ignored) at 16. Single rejects, as a test produces, are harmless.
const (
	gossipThreshold   = -500
	publishThreshold  = -1000
	graylistThreshold = -2500
	acceptPXThreshold = 20
	oppGraftThreshold = 2
	invalidMsgWeight  = -10
	scoreDecayWindow  = 10 * time.Minute
)

// GraylistThreshold is the score below which a host ignores every RPC of
// a peer (see Host.PeerScore).
const GraylistThreshold = graylistThreshold

// scoreInspectPeriod is how often Host.PeerScore's snapshot is refreshed:
// every second, or every heartbeat when tests speed it up.
func scoreInspectPeriod(heartbeat time.Duration) time.Duration {
	if heartbeat > 0 && heartbeat < time.Second {
		return heartbeat
	}
	return time.Second
}

func peerScoreThresholds() *pubsub.PeerScoreThresholds {
	return &pubsub.PeerScoreThresholds{
		GossipThreshold:             gossipThreshold,
		PublishThreshold:            publishThreshold,
		GraylistThreshold:           graylistThreshold,
		AcceptPXThreshold:           acceptPXThreshold,
		OpportunisticGraftThreshold: oppGraftThreshold,
	}
}

// peerScoreParams are the scoring parameters; app is the application-
// specific score (P5, weight 1): minus the refusal-budget penalty.
func peerScoreParams(app func(peer.ID) float64) *pubsub.PeerScoreParams {
	var whitelist []*net.IPNet
	for _, c := range []string{"127.0.0.0/8", "::1/128"} {
		_, n, _ := net.ParseCIDR(c)
		whitelist = append(whitelist, n)
	}
	return &pubsub.PeerScoreParams{
		Topics:        map[string]*pubsub.TopicScoreParams{},
		TopicScoreCap: 50,
		// P5: 0 down to -400 for peers that spent their refusal budget
		// (budget.go).
		AppSpecificScore:  app,
		AppSpecificWeight: 1,
		// More than 8 peers behind one IP cost (n-8)²·5. Loopback is
		// exempt so a devnet of many nodes on one machine works.
		IPColocationFactorWeight:    -5,
		IPColocationFactorThreshold: 8,
		IPColocationFactorWhitelist: whitelist,
		BehaviourPenaltyWeight:      -10,
		BehaviourPenaltyThreshold:   6,
		BehaviourPenaltyDecay:       pubsub.ScoreParameterDecay(scoreDecayWindow),
		DecayInterval:               pubsub.DefaultDecayInterval,
		DecayToZero:                 pubsub.DefaultDecayToZero,
		RetainScore:                 30 * time.Minute,
	}
}

func topicScoreParams() *pubsub.TopicScoreParams {
	return &pubsub.TopicScoreParams{
		TopicWeight: 1,
		// P1: up to +10 after ~17 minutes in the mesh.
		TimeInMeshWeight:  0.01,
		TimeInMeshQuantum: time.Second,
		TimeInMeshCap:     1000,
		// P2: +1 per first delivery, up to +20, decaying over ~10 minutes.
		FirstMessageDeliveriesWeight: 1,
		FirstMessageDeliveriesDecay:  pubsub.ScoreParameterDecay(scoreDecayWindow),
		FirstMessageDeliveriesCap:    20,
		// P3/P3b off (see above).
		MeshMessageDeliveriesWeight: 0,
		MeshFailurePenaltyWeight:    0,
		MeshFailurePenaltyDecay:     0.5,
		// P4: invalid (Rejected) messages, quadratic.
		InvalidMessageDeliveriesWeight: invalidMsgWeight,
		InvalidMessageDeliveriesDecay:  pubsub.ScoreParameterDecay(scoreDecayWindow),
	}
}
