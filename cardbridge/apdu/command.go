package apdu

import (
	"fmt"
)

// NoLe is the Le of a command that expects no response data (cases 1, 3).
const NoLe = -1

// MaxShortData is the most command data one short APDU carries (Lc).
const MaxShortData = 255

// MaxShortLe is the most response data one short APDU asks for (Le 00).
const MaxShortLe = 256

// ChainBit is the CLA bit that marks every part of a chained command but
// the last (ISO 7816-4 command chaining).
const ChainBit = 0x10

// Command is a short command APDU: the header CLA INS P1 P2, the command
// data (Lc is its length, 0..255) and Le, the number of response bytes the
// terminal expects: NoLe (-1) for none, else 1..256. Le 0 is accepted as an
// alias of 256 (both encode as the byte 00).
type Command struct {
	CLA, INS, P1, P2 byte
	Data             []byte
	Le               int
}

// Validate reports whether c fits one short APDU.
func (c Command) Validate() error {
	if len(c.Data) > MaxShortData {
		return fmt.Errorf("%w: %d bytes", ErrDataTooLong, len(c.Data))
	}
	if c.Le < NoLe || c.Le > MaxShortLe {
		return fmt.Errorf("%w: %d (want -1 for none, or 0..256)", ErrBadLe, c.Le)
	}
	return nil
}

// Bytes encodes c as a short APDU (case 1, 2, 3 or 4 by the presence of
// Data and Le). It fails when c does not fit one short APDU (see Validate):
// split long data with Chain first.
func (c Command) Bytes() ([]byte, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	b := make([]byte, 0, 4+1+len(c.Data)+1)
	b = append(b, c.CLA, c.INS, c.P1, c.P2)
	if len(c.Data) > 0 {
		b = append(b, byte(len(c.Data)))
		b = append(b, c.Data...)
	}
	if c.Le != NoLe {
		b = append(b, byte(c.Le)) // 256 → 00, and 0 → 00
	}
	return b, nil
}

// Chained reports whether c is a part of a command chain that more parts
// follow (CLA bit 0x10).
func (c Command) Chained() bool { return c.CLA&ChainBit != 0 }

// String formats the header, Lc and Le for logs (never the data bytes).
func (c Command) String() string {
	le := "none"
	if c.Le != NoLe {
		le = fmt.Sprint(c.Le)
	}
	return fmt.Sprintf("%02X %02X %02X %02X Lc=%d Le=%s", c.CLA, c.INS, c.P1, c.P2, len(c.Data), le)
}

// ParseCommand decodes a short command APDU (ISO 7816-4 cases 1 to 4).
// An Le byte 00 gives Le 256. Data is a copy, nil when absent. It refuses
// extended-length APDUs with ErrExtendedLength and anything else that is
// not exactly one short APDU with ErrBadCommand.
func ParseCommand(b []byte) (Command, error) {
	if len(b) < 4 {
		return Command{}, fmt.Errorf("%w: %d bytes, a header is 4", ErrBadCommand, len(b))
	}
	c := Command{CLA: b[0], INS: b[1], P1: b[2], P2: b[3], Le: NoLe}
	body := b[4:]
	switch {
	case len(body) == 0: // case 1
		return c, nil
	case len(body) == 1: // case 2: Le only
		c.Le = leOf(body[0])
		return c, nil
	case body[0] == 0:
		return Command{}, fmt.Errorf("%w: %d bytes after the header, starting 00", ErrExtendedLength, len(body))
	}
	lc := int(body[0])
	switch len(body) {
	case 1 + lc: // case 3
	case 1 + lc + 1: // case 4
		c.Le = leOf(body[1+lc])
	default:
		return Command{}, fmt.Errorf("%w: Lc %d but %d bytes after it", ErrBadCommand, lc, len(body)-1)
	}
	c.Data = append([]byte(nil), body[1:1+lc]...)
	return c, nil
}

func leOf(b byte) int {
	if b == 0 {
		return MaxShortLe
	}
	return int(b)
}

// Chain splits c into a command chain: parts of at most 255 data bytes,
// every part but the last with CLA bit 0x10 and no Le, the last with c's
// CLA and Le. A command whose data fits one APDU is returned alone,
// unchanged. The parts share c's data array.
func Chain(c Command) []Command {
	if len(c.Data) <= MaxShortData {
		return []Command{c}
	}
	n := (len(c.Data) + MaxShortData - 1) / MaxShortData
	parts := make([]Command, 0, n)
	data := c.Data
	for len(data) > MaxShortData {
		p := c
		p.CLA |= ChainBit
		p.Data = data[:MaxShortData:MaxShortData]
		p.Le = NoLe
		parts = append(parts, p)
		data = data[MaxShortData:]
	}
	last := c
	last.Data = data
	return append(parts, last)
}
