package cardclient

import "github.com/anonex/anonex/cardbridge/apdu"

// RawCard is a card reached without a reader: one APDU in, one out.
type RawCard interface {
	Transmit(apdu []byte) []byte
}

// Direct is the in-process transport: the card's applet called directly,
// with the same chaining and GET RESPONSE exchange as through PC/SC. The
// devnet falls back to it, with a notice, when pcscd is not available;
// tests of the card flows never use it.
type Direct struct{ Card RawCard }

// Transmit implements Transport.
func (d Direct) Transmit(cmd apdu.Command) (apdu.Response, error) {
	return apdu.Exchange(func(b []byte) ([]byte, error) { return d.Card.Transmit(b), nil }, cmd)
}
