package vcard

import "errors"

// Sentinel errors. Functions wrap them with the facts of the failure
// (fmt.Errorf("%w: ...")); test with errors.Is.
var (
	// ErrNoVPCD reports that nothing listens at the vpcd address: pcscd is
	// not running, or runs without the vpcd driver (install
	// vsmartcard-vpcd, start pcscd --foreground as root).
	ErrNoVPCD = errors.New("vcard: cannot reach vpcd")
	// ErrSlotFull reports Insert into a Slot that already holds a card.
	ErrSlotFull = errors.New("vcard: slot already holds a card")
	// ErrSlotEmpty reports Remove from a Slot that holds no card.
	ErrSlotEmpty = errors.New("vcard: slot holds no card")
	// ErrRemoved is the reason a session ended by Remove or by the
	// context of Run.
	ErrRemoved = errors.New("vcard: card removed")
)
