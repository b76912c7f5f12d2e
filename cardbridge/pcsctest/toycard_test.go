package pcsctest

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"sync"

	"github.com/anonex/anonex/cardbridge/apdu"
)

// The toy applet: enough of the anonex applet's transport behaviour to
// exercise the stack (SELECT, GET RESPONSE chaining, command chaining).
var toyAID = []byte{0xF0, 0x61, 0x6E, 0x6F, 0x6E, 0x65, 0x78, 0x01}

const (
	insSelect  = 0xA4
	insGetData = 0xCA // 300 bytes, through 61XX
	insPutData = 0xDA // any length (chained); answers SHA-256 of the data
	insEcho    = 0xEE // answers its data
	insBlock   = 0xBB // blocks until released: a command the card is "busy" with
	insName    = 0x10 // answers the card's name
	longLen    = 300
)

func longData() []byte {
	b := make([]byte, longLen)
	for i := range b {
		b[i] = byte(i*31 + 7)
	}
	return b
}

type toyCard struct {
	name string
	atr  []byte

	// entered receives a value when a BLOCK command starts; release is
	// closed (or sent to) to let it finish.
	entered chan struct{}
	release chan struct{}

	mu       sync.Mutex
	re       apdu.Reassembler
	selected bool
	rest     []byte
	restSW   uint16
	resets   int
	parts    int // chained parts seen by the last PUT DATA
	partsRun int
}

func newToyCard(name string) *toyCard {
	return &toyCard{name: name, entered: make(chan struct{}, 1), release: make(chan struct{})}
}

func (c *toyCard) ATR() []byte { return c.atr }

func (c *toyCard) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.selected = false
	c.re.Reset()
	c.rest = nil
	c.resets++
}

func (c *toyCard) stats() (resets, parts int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.resets, c.parts
}

func (c *toyCard) Transmit(b []byte) []byte {
	cmd, err := apdu.ParseCommand(b)
	if err != nil {
		return sw(apdu.SWWrongLength)
	}
	if cmd.INS == insBlock {
		c.entered <- struct{}{}
		<-c.release
		return sw(apdu.SWOK)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if cla := cmd.CLA &^ apdu.ChainBit; cla != 0x00 && cla != 0x80 {
		return sw(apdu.SWCLANotSupported)
	}
	if cmd.INS == apdu.INSGetResponse && !c.re.Pending() {
		if c.rest == nil {
			return sw(apdu.SWConditionsNotSatisfied)
		}
		var r apdu.Response
		r, c.rest = apdu.SplitResponse(c.rest, c.restSW)
		return r.Bytes()
	}
	c.rest = nil
	if cmd.Chained() {
		c.partsRun++
	}
	full, done, err := c.re.Add(cmd)
	if err != nil {
		c.partsRun = 0
		var swe *apdu.SWError
		if errors.As(err, &swe) {
			return sw(swe.SW)
		}
		return sw(apdu.SWWrongData)
	}
	if !done {
		return sw(apdu.SWOK)
	}
	parts := c.partsRun + 1
	c.partsRun = 0
	switch full.INS {
	case insSelect:
		if full.P1 != 0x04 || !bytes.Equal(full.Data, toyAID) {
			c.selected = false
			return sw(apdu.SWNotFound)
		}
		c.selected = true
		return sw(apdu.SWOK)
	case insName:
		return apdu.Response{Data: []byte(c.name), SW: apdu.SWOK}.Bytes()
	case insEcho:
		return apdu.Response{Data: full.Data, SW: apdu.SWOK}.Bytes()
	}
	if !c.selected {
		return sw(apdu.SWConditionsNotSatisfied)
	}
	switch full.INS {
	case insGetData:
		var r apdu.Response
		r, c.rest = apdu.SplitResponse(longData(), apdu.SWOK)
		c.restSW = apdu.SWOK
		return r.Bytes()
	case insPutData:
		c.parts = parts
		sum := sha256.Sum256(full.Data)
		return apdu.Response{Data: sum[:], SW: apdu.SWOK}.Bytes()
	}
	return sw(apdu.SWINSNotSupported)
}

func sw(s uint16) []byte { return []byte{byte(s >> 8), byte(s)} }
