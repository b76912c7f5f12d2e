package pcsc

import (
	"errors"
	"fmt"

	"github.com/ebfe/scard"
)

// Sentinel errors. Functions wrap them with the facts of the failure;
// test with errors.Is.
var (
	// ErrNoService reports that the PC/SC service cannot be used: pcscd is
	// not running, or it has no reader (the vpcd driver is not installed).
	// The wrapped message tells how to fix it.
	ErrNoService = errors.New("pcsc: no PC/SC service or reader")
	// ErrCardRemoved reports a card that was pulled (or whose connection
	// to its reader broke) before or during an exchange. Connect again
	// (or Card.Reconnect) once WaitCard sees a card.
	ErrCardRemoved = errors.New("pcsc: card removed")
	// ErrNoCard reports a reader that holds no card.
	ErrNoCard = errors.New("pcsc: no card in reader")
	// ErrCardReset reports a card reset by another application: the
	// session state on the card is gone; Reconnect and start over.
	ErrCardReset = errors.New("pcsc: card was reset")
	// ErrUnknownReader reports a reader name pcscd does not know.
	ErrUnknownReader = errors.New("pcsc: unknown reader")
	// ErrSharing reports a card held in exclusive mode by another
	// application.
	ErrSharing = errors.New("pcsc: card in exclusive use by another application")
	// ErrProtocol reports an exchange that broke the APDU rules: a
	// malformed answer, a GET RESPONSE chain that does not end, a command
	// that cannot be encoded.
	ErrProtocol = errors.New("pcsc: APDU exchange failed")
	// ErrClosed reports use of a Card after Close or a Context after
	// Release.
	ErrClosed = errors.New("pcsc: closed")
)

// Hint is the fix for ErrNoService.
const Hint = "start pcscd as root: pcscd --foreground; install: apt-get install -y pcscd libpcsclite-dev vsmartcard-vpcd"

// mapErr turns a scard error into the package's sentinels, keeping the
// original in the chain. what names the operation.
func mapErr(what string, err error) error {
	if err == nil {
		return nil
	}
	var se scard.Error
	if !errors.As(err, &se) {
		return fmt.Errorf("pcsc: %s: %w", what, err)
	}
	var sentinel error
	switch se {
	case scard.ErrRemovedCard, scard.ErrNotTransacted, scard.ErrNoSmartcard, scard.ErrUnpoweredCard,
		scard.ErrUnresponsiveCard, scard.ErrCommError, scard.ErrCommDataLost, scard.ErrEof:
		if se == scard.ErrNoSmartcard && what == "connect" {
			sentinel = ErrNoCard
		} else {
			sentinel = ErrCardRemoved
		}
	case scard.ErrResetCard:
		sentinel = ErrCardReset
	case scard.ErrNoService, scard.ErrServiceStopped, scard.ErrNoReadersAvailable, scard.ErrReaderUnavailable,
		scard.ErrShutdown, scard.ErrUnknownResMng:
		return fmt.Errorf("%w: %s: %w (0x%08X); %s", ErrNoService, what, se, uint32(se), Hint)
	case scard.ErrUnknownReader:
		sentinel = ErrUnknownReader
	case scard.ErrSharingViolation:
		sentinel = ErrSharing
	default:
		return fmt.Errorf("pcsc: %s: %w (0x%08X)", what, se, uint32(se))
	}
	return fmt.Errorf("%w: %s: %w (0x%08X)", sentinel, what, se, uint32(se))
}
