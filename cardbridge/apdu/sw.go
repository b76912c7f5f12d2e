package apdu

import "fmt"

// Status words of the applet (docs/card-protocol.md, "Status words").
const (
	SWOK                     uint16 = 0x9000 // success
	SWMoreData               uint16 = 0x6100 // 61XX: XX more bytes for GET RESPONSE (00 = 256)
	SWWrongPIN               uint16 = 0x63C0 // 63CX: wrong PIN or PUK, X tries left
	SWWrongLength            uint16 = 0x6700 // wrong length
	SWSecurityNotSatisfied   uint16 = 0x6982 // PIN not verified
	SWBlocked                uint16 = 0x6983 // PIN or PUK blocked
	SWDataInvalid            uint16 = 0x6984 // referenced data invalid (signature, certificate, challenge)
	SWConditionsNotSatisfied uint16 = 0x6985 // wrong life-cycle state
	SWWrongData              uint16 = 0x6A80 // malformed TLV, bad field
	SWNotEnoughMemory        uint16 = 0x6A84 // record stores full
	SWNotFound               uint16 = 0x6A88 // referenced data not found
	SWINSNotSupported        uint16 = 0x6D00 // INS not supported
	SWCLANotSupported        uint16 = 0x6E00 // CLA not supported
	SWWrongP1P2              uint16 = 0x6B00 // wrong P1/P2
	SWInsufficientFunds      uint16 = 0x6F01 // T − D too small
	SWOfflineLimit           uint16 = 0x6F02 // per-payment cap or consecutive offline count
	SWUntrustedIssuer        uint16 = 0x6F03 // issuer not trusted
)

// GET RESPONSE (ISO 7816-4): 00 C0 00 00 XX.
const (
	CLAISO         byte = 0x00
	INSGetResponse byte = 0xC0
)

// GetResponse is the command that fetches the next part of a long
// response after SW 61XX.
func GetResponse(sw uint16) Command {
	return Command{CLA: CLAISO, INS: INSGetResponse, Le: leOf(byte(sw))}
}

// MoreData reports whether sw is 61XX and, if so, how many bytes the card
// has ready (1..256).
func MoreData(sw uint16) (n int, ok bool) {
	if sw&0xFF00 != SWMoreData {
		return 0, false
	}
	return leOf(byte(sw)), true
}

// WrongPIN reports whether sw is 63CX and, if so, the X tries left.
func WrongPIN(sw uint16) (triesLeft int, ok bool) {
	if sw&0xFFF0 != SWWrongPIN {
		return 0, false
	}
	return int(sw & 0x0F), true
}

// SWText says in plain words what a status word means.
func SWText(sw uint16) string {
	if n, ok := MoreData(sw); ok {
		return fmt.Sprintf("more response data: %d bytes ready for GET RESPONSE", n)
	}
	if n, ok := WrongPIN(sw); ok {
		return fmt.Sprintf("wrong PIN or PUK, %d tries left", n)
	}
	switch sw {
	case SWOK:
		return "success"
	case SWWrongLength:
		return "wrong length"
	case SWSecurityNotSatisfied:
		return "PIN not verified"
	case SWBlocked:
		return "PIN or PUK blocked"
	case SWDataInvalid:
		return "a signature, certificate or challenge does not verify"
	case SWConditionsNotSatisfied:
		return "not allowed in the card's current state"
	case SWWrongData:
		return "wrong data (malformed TLV or bad field)"
	case SWNotEnoughMemory:
		return "not enough memory (record stores full)"
	case SWNotFound:
		return "referenced data not found"
	case SWINSNotSupported:
		return "instruction not supported"
	case SWCLANotSupported:
		return "class not supported"
	case SWWrongP1P2:
		return "wrong P1/P2"
	case SWInsufficientFunds:
		return "insufficient funds"
	case SWOfflineLimit:
		return "offline limit exceeded"
	case SWUntrustedIssuer:
		return "untrusted issuer"
	}
	if sw&0xFF00 == 0x6C00 {
		return fmt.Sprintf("wrong Le: %d bytes available", leOf(byte(sw)))
	}
	return "unknown status word"
}

// SWError is a card's answer other than 90 00. It matches ErrSW and any
// *SWError with the same SW under errors.Is.
type SWError struct {
	SW uint16
}

func (e *SWError) Error() string {
	return fmt.Sprintf("apdu: card answered %04X: %s", e.SW, SWText(e.SW))
}

// Is makes errors.Is(err, ErrSW) true for every *SWError, and
// errors.Is(err, &SWError{SW: x}) true when the status words are equal.
func (e *SWError) Is(target error) bool {
	if target == ErrSW {
		return true
	}
	t, ok := target.(*SWError)
	return ok && t != nil && t.SW == e.SW
}
