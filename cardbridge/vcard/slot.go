package vcard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
)

// Slot is one vpcd reader seen from the card side, for tests: Insert
// connects a card, Remove pulls it. Unlike Run, a Slot never reconnects by
// itself: a dropped connection leaves it empty. Its methods are safe for
// concurrent use.
type Slot struct {
	addr string

	mu   sync.Mutex
	conn net.Conn      // nil when empty
	done chan struct{} // closed when the current (or last) session ended
	err  error         // why the last session ended
}

// NewSlot returns an empty slot for the vpcd reader at addr (ReaderAddr).
func NewSlot(addr string) *Slot {
	done := make(chan struct{})
	close(done)
	return &Slot{addr: addr, done: done}
}

// Addr is the vpcd address of the slot.
func (s *Slot) Addr() string { return s.addr }

// Insert connects card to vpcd: pcscd sees it at its next presence poll
// (within about 400 ms; wait with pcsc's WaitCard, never a sleep). If the
// previous card's session is still running a command (a card pulled in
// the middle of a Transmit that has not returned yet), Insert first waits
// for that Transmit to return, so that a Card is never used by two
// sessions at once. It fails with ErrSlotFull when a card is in, and with
// ErrNoVPCD when vpcd does not answer.
func (s *Slot) Insert(card Card) error {
	return s.InsertContext(context.Background(), card)
}

// InsertContext is Insert with a context bounding the wait and the dial.
func (s *Slot) InsertContext(ctx context.Context, card Card) error {
	s.mu.Lock()
	if s.conn != nil {
		s.mu.Unlock()
		return fmt.Errorf("%w (%s)", ErrSlotFull, s.addr)
	}
	prev := s.done
	s.mu.Unlock()
	select {
	case <-prev:
	case <-ctx.Done():
		return fmt.Errorf("vcard: waiting for the previous card's command to end: %w", ctx.Err())
	}
	conn, err := dial(ctx, s.addr)
	if err != nil {
		return err
	}
	s.mu.Lock()
	if s.conn != nil || s.done != prev {
		s.mu.Unlock()
		conn.Close()
		return fmt.Errorf("%w (%s)", ErrSlotFull, s.addr)
	}
	done := make(chan struct{})
	s.conn, s.done, s.err = conn, done, nil
	s.mu.Unlock()
	go func() {
		err := serve(conn, card)
		conn.Close()
		s.mu.Lock()
		if s.conn == conn { // dropped by vpcd, not removed
			s.conn = nil
			s.err = err
		}
		s.mu.Unlock()
		close(done)
	}()
	return nil
}

// Remove pulls the card: it closes the connection at once, even while the
// card is in the middle of a command (the terminal then sees the card
// removed; the command's answer, if it ever comes, is dropped). It does
// not wait for the card's Transmit to return: Done tells when it has.
func (s *Slot) Remove() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn == nil {
		return fmt.Errorf("%w (%s)", ErrSlotEmpty, s.addr)
	}
	err := s.conn.Close()
	s.conn = nil
	s.err = ErrRemoved
	return err
}

// Inserted reports whether a card is in (its connection open).
func (s *Slot) Inserted() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conn != nil
}

// Done is closed when the current session has ended (card removed or
// connection dropped) and its last Transmit has returned.
func (s *Slot) Done() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.done
}

// Err says why the last session ended: nil while a card is in, ErrRemoved
// after Remove, else the connection error (vpcd went away).
func (s *Slot) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn != nil {
		return nil
	}
	if s.err == nil {
		return ErrRemoved
	}
	if errors.Is(s.err, net.ErrClosed) {
		return ErrRemoved
	}
	return s.err
}
