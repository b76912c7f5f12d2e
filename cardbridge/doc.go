// Package cardbridge is where the smart cards meet anonex, and the one way
// to open a card: Open takes a card in a PC/SC reader (through pcscd) or
// an applet state file run in this process, and gives a card protocol
// client either way. The CLI opens every card through it.
//
// The folder's packages, from the wire up:
//   - apdu: ISO 7816-4 APDUs and the applet's TLV; pure.
//   - cardproto: the applet's messages, for both sides; no IO.
//   - applet: the card itself (keys, purses, limits, PIN), on a storage
//     medium (a file, or memory).
//   - cardclient: typed commands over any transport (PC/SC, or the applet
//     called in process: cardclient.Direct).
//   - pcsc: the terminal side of PC/SC (ebfe/scard, cgo).
//   - vcard: an applet hosted as a virtual card behind vpcd, so pcscd and
//     any PC/SC tool see it in a reader.
//   - terminal: a merchant terminal's payment logic (offline or online);
//     terminal/queue its durable record store.
//   - pcsctest: the tests that run through the real PC/SC stack.
package cardbridge
