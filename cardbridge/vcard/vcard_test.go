package vcard

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// These tests run against a fake vpcd on a free loopback port; the real
// stack is tested in cardbridge/pcsctest.

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type echoCard struct {
	atr     atomic.Pointer[[]byte]
	resets  atomic.Int32
	entered chan struct{}
	release chan struct{}
}

func (c *echoCard) ATR() []byte {
	if p := c.atr.Load(); p != nil {
		return *p
	}
	return nil
}
func (c *echoCard) Reset() { c.resets.Add(1) }
func (c *echoCard) Transmit(b []byte) []byte {
	switch {
	case len(b) >= 2 && b[1] == 0xBB:
		c.entered <- struct{}{}
		<-c.release
	case len(b) >= 2 && b[1] == 0xEE:
		panic("card bug")
	case len(b) >= 2 && b[1] == 0xE0:
		return nil
	}
	return append(append([]byte(nil), b...), 0x90, 0x00)
}

func newEchoCard() *echoCard {
	return &echoCard{entered: make(chan struct{}, 1), release: make(chan struct{})}
}

// fakeVPCD listens on a free loopback port and hands out accepted
// connections.
type fakeVPCD struct {
	ln    net.Listener
	conns chan net.Conn
}

func newFakeVPCD(t *testing.T) *fakeVPCD {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeVPCD{ln: ln, conns: make(chan net.Conn, 4)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			f.conns <- c
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		for {
			select {
			case c := <-f.conns:
				c.Close()
			default:
				return
			}
		}
	})
	return f
}

func (f *fakeVPCD) accept(t *testing.T) net.Conn {
	t.Helper()
	select {
	case c := <-f.conns:
		t.Cleanup(func() { c.Close() })
		return c
	case <-time.After(5 * time.Second):
		t.Fatal("the card never connected")
		return nil
	}
}

func send(t *testing.T, c net.Conn, payload ...byte) {
	t.Helper()
	if _, err := c.Write(binary.BigEndian.AppendUint16(nil, uint16(len(payload)))); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(payload); err != nil {
		t.Fatal(err)
	}
}

func recv(t *testing.T, c net.Conn) []byte {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var hdr [2]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, binary.BigEndian.Uint16(hdr[:]))
	if _, err := io.ReadFull(c, b); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestReaderAddr(t *testing.T) {
	if ReaderAddr(0) != "127.0.0.1:35963" || ReaderAddr(1) != "127.0.0.1:35964" {
		t.Fatal(ReaderAddr(0), ReaderAddr(1))
	}
}

func TestFraming(t *testing.T) {
	vpcd := newFakeVPCD(t)
	card := newEchoCard()
	slot := NewSlot(vpcd.ln.Addr().String())
	if err := slot.Insert(card); err != nil {
		t.Fatal(err)
	}
	defer func() { slot.Remove(); <-slot.Done() }()
	c := vpcd.accept(t)

	send(t, c, 0x04)
	if got := recv(t, c); !bytes.Equal(got, DefaultATR) {
		t.Fatalf("ATR % X", got)
	}
	send(t, c, 0x01) // power on: no answer
	send(t, c, 0x02) // reset: no answer
	send(t, c, 0x00) // power off: no answer
	send(t, c, 0x00, 0xA4, 0x04, 0x00)
	if got := recv(t, c); !bytes.Equal(got, []byte{0x00, 0xA4, 0x04, 0x00, 0x90, 0x00}) {
		t.Fatalf("answer % X", got)
	}
	if n := card.resets.Load(); n != 3 {
		t.Fatalf("%d resets, want 3", n)
	}
	send(t, c, 0x80, 0xEE, 0, 0) // panicking card
	if got := recv(t, c); !bytes.Equal(got, []byte{0x6F, 0x00}) {
		t.Fatalf("panic answer % X", got)
	}
	send(t, c, 0x80, 0xE0, 0, 0) // card answering nothing
	if got := recv(t, c); !bytes.Equal(got, []byte{0x6F, 0x00}) {
		t.Fatalf("empty answer % X", got)
	}
	big := make([]byte, 261)
	send(t, c, big...)
	if got := recv(t, c); len(got) != 263 {
		t.Fatalf("long APDU answer: %d bytes", len(got))
	}
	atr := []byte{0x3B, 0x00}
	card.atr.Store(&atr)
	send(t, c, 0x04)
	if got := recv(t, c); !bytes.Equal(got, atr) {
		t.Fatalf("card ATR % X", got)
	}
}

// countConn counts writes.
type countConn struct {
	net.Conn
	mu     sync.Mutex
	writes []int
}

func (c *countConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	c.writes = append(c.writes, len(b))
	c.mu.Unlock()
	return c.Conn.Write(b)
}

func TestOneWritePerReply(t *testing.T) {
	a, b := net.Pipe()
	cc := &countConn{Conn: a}
	done := make(chan error, 1)
	go func() { done <- serve(cc, newEchoCard()) }()
	for _, frame := range [][]byte{{0x04}, {0x00, 0xA4, 0x04, 0x00}, make([]byte, 300)} {
		go b.Write(append(binary.BigEndian.AppendUint16(nil, uint16(len(frame))), frame...))
		recv(t, b)
	}
	b.Close()
	if err := <-done; err == nil {
		t.Fatal("serve returned nil on a closed connection")
	}
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if !slices.Equal(cc.writes, []int{2 + 5, 2 + 6, 2 + 302}) {
		t.Fatalf("writes %v: each reply must be one write", cc.writes)
	}
}

// TestQuickAck reproduces Debian vpcd's pattern (header and payload in two
// writes, Nagle on) and shows that TCP_QUICKACK keeps round trips short.
func TestQuickAck(t *testing.T) {
	measure := func(on bool) time.Duration {
		quickAckOn = on
		defer func() { quickAckOn = true }()
		vpcd := newFakeVPCD(t)
		slot := NewSlot(vpcd.ln.Addr().String())
		if err := slot.Insert(newEchoCard()); err != nil {
			t.Fatal(err)
		}
		defer func() { slot.Remove(); <-slot.Done() }()
		c := vpcd.accept(t)
		c.(*net.TCPConn).SetNoDelay(false)
		const n = 40
		ds := make([]time.Duration, n)
		for i := range ds {
			start := time.Now()
			send(t, c, 0x00, 0xA4, 0x04, 0x00, 0x02, 0x3F, 0x00)
			recv(t, c)
			ds[i] = time.Since(start)
		}
		slices.Sort(ds)
		return ds[n/2]
	}
	with := measure(true)
	without := measure(false)
	t.Logf("median round trip: %v with TCP_QUICKACK, %v without", with, without)
	if with > 10*time.Millisecond {
		t.Fatalf("median %v with TCP_QUICKACK: the delayed-ACK stall is back", with)
	}
}

func TestRunReconnects(t *testing.T) {
	vpcd := newFakeVPCD(t)
	card := newEchoCard()
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- Run(ctx, vpcd.ln.Addr().String(), card) }()

	c1 := vpcd.accept(t)
	send(t, c1, 0x04)
	recv(t, c1)
	c1.Close() // vpcd drops the card (pcscd restarted)

	c2 := vpcd.accept(t) // Run comes back
	send(t, c2, 0x00, 0xB0, 0x00, 0x00, 0x10)
	if got := recv(t, c2); !bytes.Equal(got[len(got)-2:], []byte{0x90, 0x00}) {
		t.Fatalf("% X", got)
	}
	cancel()
	select {
	case err := <-ran:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return when its context ended")
	}
	c2.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c2.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("connection not closed at the end of Run: %v", err)
	}
	if err := Run(context.Background(), "no-port", card); !errors.Is(err, ErrNoVPCD) {
		t.Fatalf("bad address: %v", err)
	}
}

func TestSlotRemoveMidCommand(t *testing.T) {
	vpcd := newFakeVPCD(t)
	card := newEchoCard()
	slot := NewSlot(vpcd.ln.Addr().String())
	if err := slot.Remove(); !errors.Is(err, ErrSlotEmpty) {
		t.Fatal(err)
	}
	if err := slot.Insert(card); err != nil {
		t.Fatal(err)
	}
	if err := slot.Insert(card); !errors.Is(err, ErrSlotFull) {
		t.Fatal(err)
	}
	c := vpcd.accept(t)
	send(t, c, 0x80, 0xBB, 0x00, 0x00)
	<-card.entered
	if err := slot.Remove(); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("vpcd should see the card gone mid-command: %v", err)
	}
	if slot.Inserted() {
		t.Fatal("slot still full")
	}
	select {
	case <-slot.Done():
		t.Fatal("session ended while the card's Transmit still runs")
	default:
	}
	// Insert waits for the pulled card's command to end.
	inserted := make(chan error, 1)
	go func() { inserted <- slot.Insert(card) }()
	select {
	case err := <-inserted:
		t.Fatalf("Insert did not wait for the card: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(card.release)
	if err := <-inserted; err != nil {
		t.Fatal(err)
	}
	c2 := vpcd.accept(t)
	send(t, c2, 0x04)
	recv(t, c2)
	c2.Close() // vpcd drops it: the slot empties by itself
	<-slot.Done()
	if slot.Inserted() || errors.Is(slot.Err(), ErrRemoved) {
		t.Fatalf("after a drop: inserted %v, err %v", slot.Inserted(), slot.Err())
	}

	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	if err := NewSlot(addr).Insert(card); !errors.Is(err, ErrNoVPCD) {
		t.Fatalf("nothing listening: %v", err)
	}
}
