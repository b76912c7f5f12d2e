// Package vcard hosts a virtual smart card on the real PC/SC stack through
// vpcd, the virtual reader driver of vsmartcard (Debian package
// vsmartcard-vpcd) loaded by pcscd.
//
// Contract:
//   - The card side connects to vpcd, not the other way round: each vpcd
//     reader listens on a TCP port (35963 for "Virtual PCD 00 00", 35964
//     for "Virtual PCD 00 01"; ReaderAddr) and takes one card at a time.
//     Connected means inserted; closing the connection removes the card.
//     The ports listen on every interface: connect through 127.0.0.1 only.
//   - Frames both ways are a 2-byte big-endian length and the payload. A
//     one-byte frame from vpcd is a control: 00 power off, 01 power on, 02
//     reset (none of them answered; each calls Card.Reset), 04 get ATR
//     (answered with Card.ATR, or DefaultATR 3B 80 80 01 01 (T=1) when the
//     card gives none). Every other frame is a command APDU, answered with
//     exactly one frame: Card.Transmit's response APDU (data ‖ SW).
//   - Latency: Debian's vpcd writes a frame's header and payload in two
//     writes with Nagle on; with Linux delayed ACKs every APDU would stall
//     about 40 ms. The host therefore sets TCP_QUICKACK before each read
//     and again after each 2-byte header, and writes every reply in one
//     write (0.1–0.2 ms per APDU through pcscd).
//   - One connection handles its frames strictly in order, one at a time:
//     a Card's methods are never called concurrently by one Run or Slot.
//     Do not serve one Card from two Runs or Slots at once.
//   - A Card never fails: a card answers a status word. A Transmit that
//     panics or returns fewer than two bytes is answered 6F 00.
//   - Run is the long-lived host: it reconnects with backoff when the
//     connection drops (pcscd restarted) and returns when its context ends,
//     which removes the card. Slot is the test harness: Insert connects,
//     Remove closes the connection at once, even while the card is in the
//     middle of a command, as a card pulled from a reader.
package vcard
