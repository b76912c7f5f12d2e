package vcard

import (
	"encoding/binary"
	"io"
	"net"
	"syscall"
)

// quickAckOn is switched off only by a test that shows the stall it
// prevents.
var quickAckOn = true

// serve speaks vpcd's framing on conn for card until the connection fails
// or is closed, and returns why.
func serve(conn net.Conn, card Card) error {
	var rc syscall.RawConn
	if sc, ok := conn.(syscall.Conn); ok {
		rc, _ = sc.SyscallConn()
	}
	ack := func() {
		if rc != nil && quickAckOn {
			quickAck(rc)
		}
	}
	var hdr [2]byte
	buf := make([]byte, 0, 512)
	out := make([]byte, 0, 512)
	for {
		ack()
		if _, err := io.ReadFull(conn, hdr[:]); err != nil {
			return err
		}
		ack()
		n := int(binary.BigEndian.Uint16(hdr[:]))
		if cap(buf) < n {
			buf = make([]byte, n)
		}
		buf = buf[:n]
		if _, err := io.ReadFull(conn, buf); err != nil {
			return err
		}
		var reply []byte
		if n == 1 {
			switch buf[0] {
			case ctlPowerOff, ctlPowerOn, ctlReset:
				card.Reset()
				continue
			case ctlGetATR:
				reply = atrOf(card)
			}
		}
		if reply == nil {
			reply = transmit(card, append([]byte(nil), buf...))
		}
		// One write per reply: header and payload together.
		out = binary.BigEndian.AppendUint16(out[:0], uint16(len(reply)))
		out = append(out, reply...)
		if _, err := conn.Write(out); err != nil {
			return err
		}
	}
}
