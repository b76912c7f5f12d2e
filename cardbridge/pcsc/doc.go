// Package pcsc is the terminal side of the card bridge: it talks to cards
// through the real PC/SC daemon (pcscd) with github.com/ebfe/scard (cgo,
// libpcsclite-dev).
//
// Contract:
//   - Open establishes a PC/SC context; Release ends it. A Context and the
//     Cards connected through it are safe for concurrent use, but pcsc-lite
//     serializes the calls of one context; WaitCard and WaitRemoved use a
//     context of their own so that waiting never blocks a Transmit.
//   - WaitCard and WaitRemoved block in SCardGetStatusChange until pcscd
//     reports the change (it polls readers about every 400 ms) or ctx ends
//     (SCardCancel). They never sleep and poll.
//   - Connect opens a card in shared mode, asking for T=1 and accepting T=0
//     only when the card cannot do T=1.
//   - Card.Transmit sends one apdu.Command and returns its whole answer:
//     data longer than 255 bytes goes as an ISO command chain (apdu.Chain;
//     a part answered other than 90 00 ends the exchange with that
//     answer), SW 61XX is followed by GET RESPONSE (00 C0 00 00 XX) until
//     the final status word, the data of all parts joined, and SW 6CXX is
//     answered by sending the command again with Le XX once. The whole
//     exchange runs inside one PC/SC transaction, so other applications
//     cannot interleave their APDUs. A status word is not an error: check
//     Response.SW or Response.Err. TransmitRaw sends bytes as they are.
//   - PC/SC failures map to sentinels: a card pulled (0x80100069
//     SCARD_W_REMOVED_CARD, 0x80100016 SCARD_E_NOT_TRANSACTED,
//     0x8010000C SCARD_E_NO_SMARTCARD, ...) to ErrCardRemoved; no daemon or
//     no reader (0x8010001D, 0x8010001E, 0x8010002E, ...) to ErrNoService,
//     whose message says how to start pcscd and which packages to install.
//     The scard error stays in the chain (errors.As with scard.Error).
//   - The vpcd readers of vsmartcard are "Virtual PCD 00 00" and
//     "Virtual PCD 00 01"; Context.VPCDReader finds them by that name.
package pcsc
