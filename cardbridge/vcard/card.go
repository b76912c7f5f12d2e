package vcard

import (
	"fmt"
	"strconv"
)

// Card is a virtual card: what the host needs from it. It is declared here,
// on the consumer side; the applet implements it.
type Card interface {
	// ATR returns the card's answer to reset; nil or empty means
	// DefaultATR.
	ATR() []byte
	// Reset is called on every power off, power on and reset: the card
	// drops its session state (PIN verified, open chains, pending
	// responses).
	Reset()
	// Transmit takes one whole command APDU and returns one whole response
	// APDU (data ‖ SW1 SW2). It never fails: a card answers a status word.
	Transmit(apdu []byte) []byte
}

// DefaultATR makes pcscd choose T=1: 3B 80 80 01 01.
var DefaultATR = []byte{0x3B, 0x80, 0x80, 0x01, 0x01}

// VPCDBasePort is the TCP port of vpcd's first reader ("Virtual PCD 00 00");
// reader n listens on VPCDBasePort+n.
const VPCDBasePort = 35963

// ReaderAddr is the loopback address of vpcd reader n: 0 is
// "127.0.0.1:35963" ("Virtual PCD 00 00"), 1 is "127.0.0.1:35964".
func ReaderAddr(n int) string {
	return "127.0.0.1:" + strconv.Itoa(VPCDBasePort+n)
}

// vpcd control bytes (a one-byte frame from vpcd).
const (
	ctlPowerOff = 0x00
	ctlPowerOn  = 0x01
	ctlReset    = 0x02
	ctlGetATR   = 0x04
)

// swInternal is the answer to a Transmit that panicked or returned too
// little: 6F 00, no precise diagnosis.
var swInternal = []byte{0x6F, 0x00}

func atrOf(c Card) []byte {
	if a := c.ATR(); len(a) > 0 {
		return a
	}
	return DefaultATR
}

// transmit calls c.Transmit, turning a panic or a malformed answer into
// 6F 00.
func transmit(c Card, apdu []byte) (rsp []byte) {
	defer func() {
		if r := recover(); r != nil {
			rsp = swInternal
		}
	}()
	rsp = c.Transmit(apdu)
	if len(rsp) < 2 || len(rsp) > 0xFFFF {
		return swInternal
	}
	return rsp
}

func errNoVPCD(addr string, err error) error {
	return fmt.Errorf("%w at %s (start pcscd --foreground as root; install pcscd and vsmartcard-vpcd): %v", ErrNoVPCD, addr, err)
}
