// Package apdu encodes and decodes ISO 7816-4 APDUs and the simple BER-TLV
// of the anonex card applet (docs/card-protocol.md). It is pure: standard
// library only, no IO, no cgo, no clock; both the terminal side
// (cardbridge/pcsc) and the card side (cardbridge/vcard, the applet) build
// on it.
//
// Contract:
//   - Short APDUs only. A Command carries at most 255 data bytes (Lc) and
//     asks for at most 256 response bytes (Le). ParseCommand accepts exactly
//     the four short cases and refuses extended-length encodings with
//     ErrExtendedLength; every other malformed input fails with
//     ErrBadCommand. Command.Le is -1 (NoLe) when absent, else 1..256; an
//     Le byte 00 means 256, so ParseCommand gives 256 for it, and Bytes
//     encodes both 0 and 256 as 00. For every input ParseCommand accepts,
//     Bytes gives the input back byte for byte.
//   - A Response is response data and a status word (SW1 SW2).
//     ParseResponse(r.Bytes()) == r, and ParseResponse(b).Bytes() == b for
//     every b of at least two bytes.
//   - Status words are those of the applet's table (SW* constants). A
//     Response whose SW is not 9000 converts to *SWError (Response.Err),
//     whose message says what the card meant in plain words.
//   - Longer command data uses command chaining: Chain splits a command
//     into parts of at most 255 bytes with CLA bit 0x10 on all but the
//     last; on the card side a Reassembler joins them back, refusing a part
//     whose CLA, INS, P1 or P2 differs from the chain's first (an
//     interleaved command) and a total above MaxChainedData (4 KiB).
//     Reassembler errors carry the status word the card should answer.
//   - Longer responses use GET RESPONSE: on the card side SplitResponse
//     gives the first part with SW 61XX and the bytes still to send; the
//     terminal side (cardbridge/pcsc) sends 00 C0 00 00 XX until the final
//     status word and joins the parts.
//   - TLV is BER-TLV with one-byte tags and definite lengths in short form
//     or the 0x81/0x82 long forms, minimal encoding only. Tags with bit 0x20
//     set (0xA0-0xBF for the applet) are constructed and are parsed into
//     Children. For every input ParseTLV accepts, encoding the result gives
//     the input back byte for byte.
//
// Errors are the sentinels of errors.go, wrapped with the facts (test with
// errors.Is), and *SWError for a card's status word.
package apdu
