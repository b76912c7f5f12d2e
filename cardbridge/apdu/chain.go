package apdu

import "fmt"

// MaxChainedData is the default limit of a Reassembler: the most command
// data a chain may join to (4 KiB).
const MaxChainedData = 4096

// Reassembler is the card side of command chaining: feed it every command
// in order; it holds chained parts (CLA bit 0x10) and yields the whole
// command when the part without the bit arrives. The zero value is ready,
// with the MaxChainedData limit. It is not safe for concurrent use (a card
// handles commands one at a time).
type Reassembler struct {
	// Max is the limit of the joined data; 0 means MaxChainedData.
	Max int

	open bool
	head Command // header of the chain's first part, chain bit cleared
	data []byte
}

// Pending reports whether a chain has started and not yet ended.
func (r *Reassembler) Pending() bool { return r.open }

// Reset drops any chain in progress (on power off, reset or SELECT).
func (r *Reassembler) Reset() {
	r.open = false
	r.head = Command{}
	r.data = nil
}

// Add takes the next command. For a chained part it returns done = false
// (the card answers 90 00 and waits for more). For a command that is not
// chained it returns done = true and the whole command: that command
// itself when no chain was open, else the chain's data joined, with the
// last part's header (chain bit clear) and Le.
//
// A part whose CLA (chain bit aside), INS, P1 or P2 differs from the
// chain's first part fails with ErrChainInterleaved; joined data over the
// limit fails with ErrChainTooLong. Either way the chain is dropped, and
// the error also matches *SWError (errors.As) with the status word the
// card should answer (6985 and 6700).
func (r *Reassembler) Add(c Command) (full Command, done bool, err error) {
	max := r.Max
	if max <= 0 {
		max = MaxChainedData
	}
	if r.open && !sameHeader(r.head, c) {
		head := r.head
		r.Reset()
		return Command{}, false, &chainError{
			sentinel: ErrChainInterleaved, sw: SWConditionsNotSatisfied,
			msg: fmt.Sprintf("chain of %02X %02X %02X %02X, got %02X %02X %02X %02X",
				head.CLA, head.INS, head.P1, head.P2, c.CLA&^ChainBit, c.INS, c.P1, c.P2),
		}
	}
	if !r.open && !c.Chained() {
		if len(c.Data) > max {
			return Command{}, false, &chainError{sentinel: ErrChainTooLong, sw: SWWrongLength,
				msg: fmt.Sprintf("%d bytes, limit %d", len(c.Data), max)}
		}
		return c, true, nil
	}
	if len(r.data)+len(c.Data) > max {
		n := len(r.data) + len(c.Data)
		r.Reset()
		return Command{}, false, &chainError{sentinel: ErrChainTooLong, sw: SWWrongLength,
			msg: fmt.Sprintf("at least %d bytes, limit %d", n, max)}
	}
	if !r.open {
		r.open = true
		r.head = c
		r.head.CLA &^= ChainBit
		r.data = make([]byte, 0, 2*MaxShortData)
	}
	r.data = append(r.data, c.Data...)
	if c.Chained() {
		return Command{}, false, nil
	}
	full = c
	full.Data = r.data
	r.open = false
	r.head = Command{}
	r.data = nil
	return full, true, nil
}

func sameHeader(head, c Command) bool {
	return head.CLA == c.CLA&^ChainBit && head.INS == c.INS && head.P1 == c.P1 && head.P2 == c.P2
}

// chainError is a Reassembler failure: it matches its sentinel under
// errors.Is and an *SWError under errors.As.
type chainError struct {
	sentinel error
	sw       uint16
	msg      string
}

func (e *chainError) Error() string   { return e.sentinel.Error() + ": " + e.msg }
func (e *chainError) Unwrap() []error { return []error{e.sentinel, &SWError{SW: e.sw}} }
