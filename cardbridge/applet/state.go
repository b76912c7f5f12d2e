package applet

import (
	"encoding/json"
	"fmt"

	"github.com/anonex/anonex/cardbridge/cardproto"
	"github.com/anonex/anonex/ledger"
	"github.com/holiman/uint256"
)

// Life cycle of a card.
const (
	LifeBlank      = 0
	LifeKeyed      = 1
	LifeActive     = 2
	LifeTerminated = 3
)

// Capacities of the card's memory.
const (
	MaxPurses   = 8
	MaxTrusted  = 4
	MaxRecords  = 8
	MaxReceived = 8
	PINTries    = 3
	PUKTries    = 5
)

// ReceivedRecord is a card-to-card record this card took and its issuer
// has not yet confirmed, with its id (the payer's record digest).
type ReceivedRecord struct {
	cardproto.Received
	ID ledger.Hash `json:"id"`
}

// State is everything the card keeps. It is serialized whole into a slot
// on every commit.
type State struct {
	Life       uint8                  `json:"life"`
	Key        []byte                 `json:"key,omitempty"`
	Address    ledger.Address         `json:"address"`
	Owner      ledger.Address         `json:"owner"`
	OwnerPub   []byte                 `json:"owner_pub,omitempty"` // sealing key of conversion requests
	ChainID    uint64                 `json:"chain_id"`
	Anchor     ledger.Address         `json:"anchor"`
	Cert       ledger.Sig             `json:"cert"`
	Trusted    []ledger.Address       `json:"trusted"`
	PINHash    ledger.Hash            `json:"pin_hash"`
	PINLeft    uint8                  `json:"pin_left"`
	PUKHash    ledger.Hash            `json:"puk_hash"`
	PUKLeft    uint8                  `json:"puk_left"`
	Purses     []cardproto.Purse      `json:"purses"` // each with its own limits
	Counter    uint64                 `json:"counter"`
	OfflineRun uint8                  `json:"offline_run"`
	Records    []cardproto.RecordView `json:"records"`
	Received   []ReceivedRecord       `json:"received"`
}

func (s *State) clone() *State {
	b, _ := json.Marshal(s)
	var c State
	json.Unmarshal(b, &c)
	return &c
}

func (s *State) marshal() []byte {
	b, err := json.Marshal(s)
	if err != nil {
		panic(fmt.Sprint("applet: state does not marshal: ", err))
	}
	return b
}

func (s *State) domain() ledger.Domain { return ledger.NewDomain(s.ChainID, s.Anchor) }

func (s *State) purse(asset ledger.Hash) *cardproto.Purse {
	for i := range s.Purses {
		if s.Purses[i].Asset == asset {
			return &s.Purses[i]
		}
	}
	return nil
}

// receivedValue sums unconfirmed received records of an asset.
func (s *State) receivedValue(asset ledger.Hash) *uint256.Int {
	sum := new(uint256.Int)
	for _, r := range s.Received {
		if r.Asset == asset {
			sum.Add(sum, &r.Amount)
		}
	}
	return sum
}

func pinHash(addr ledger.Address, pin []byte) ledger.Hash {
	return ledger.Keccak256([]byte("anonex-card-pin"), addr[:], pin)
}
