package applet

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"sync"
)

// The card's persistent memory holds two slots. A commit writes the whole
// new state, page by page, into the slot that does not hold the current
// state, with a generation one higher and a checksum; the current state is
// the valid slot with the highest generation. A power cut at any point
// leaves either the old state (the new slot is torn or stale) or the new
// one (every page is written): a command completes or leaves the card as
// it was.
const (
	// SlotSize is the room for one serialized state.
	SlotSize = 32 << 10
	// PageSize is one EEPROM write: the unit a power cut can tear.
	PageSize   = 256
	slotHeader = 16 // gen(8) ‖ len(4) ‖ crc32(4)
)

// Medium is byte-addressable persistent memory.
type Medium interface {
	ReadAt(p []byte, off int64) (int, error)
	WriteAt(p []byte, off int64) (int, error)
	Sync() error
}

var (
	// ErrPowerCut is returned by a Medium whose power was cut.
	ErrPowerCut = errors.New("applet: power cut")
	// ErrStateTooLarge refuses a state that does not fit a slot.
	ErrStateTooLarge = errors.New("applet: state does not fit the card's memory")
)

// SlotStore is the two-slot store over a Medium.
type SlotStore struct {
	m   Medium
	gen uint64
	cur int // slot holding the current state, -1 if none
}

// OpenSlots reads both slots and returns the store with the current state
// (nil for a blank card).
func OpenSlots(m Medium) (*SlotStore, []byte, error) {
	s := &SlotStore{m: m, cur: -1}
	var best []byte
	for i := 0; i < 2; i++ {
		gen, data, ok := s.readSlot(i)
		if ok && (s.cur < 0 || gen > s.gen) {
			s.gen, s.cur, best = gen, i, data
		}
	}
	return s, best, nil
}

func (s *SlotStore) readSlot(i int) (uint64, []byte, bool) {
	var h [slotHeader]byte
	if n, _ := s.m.ReadAt(h[:], int64(i*SlotSize)); n != slotHeader {
		return 0, nil, false
	}
	gen := binary.BigEndian.Uint64(h[:8])
	n := binary.BigEndian.Uint32(h[8:12])
	if gen == 0 || n == 0 || n > SlotSize-slotHeader {
		return 0, nil, false
	}
	data := make([]byte, n)
	if got, _ := s.m.ReadAt(data, int64(i*SlotSize+slotHeader)); got != int(n) {
		return 0, nil, false
	}
	sum := crc32.Checksum(append(h[:12:12], data...), crc32.MakeTable(crc32.Castagnoli))
	if sum != binary.BigEndian.Uint32(h[12:]) {
		return 0, nil, false
	}
	return gen, data, true
}

// Commit writes state as the new current state.
func (s *SlotStore) Commit(state []byte) error {
	if len(state) > SlotSize-slotHeader {
		return fmt.Errorf("%w: %d bytes, room for %d", ErrStateTooLarge, len(state), SlotSize-slotHeader)
	}
	next := 0
	if s.cur == 0 {
		next = 1
	}
	buf := make([]byte, slotHeader+len(state))
	binary.BigEndian.PutUint64(buf, s.gen+1)
	binary.BigEndian.PutUint32(buf[8:], uint32(len(state)))
	copy(buf[slotHeader:], state)
	binary.BigEndian.PutUint32(buf[12:], crc32.Checksum(append(buf[:12:12], state...), crc32.MakeTable(crc32.Castagnoli)))
	base := int64(next * SlotSize)
	for off := 0; off < len(buf); off += PageSize {
		if _, err := s.m.WriteAt(buf[off:min(off+PageSize, len(buf))], base+int64(off)); err != nil {
			return err
		}
	}
	if err := s.m.Sync(); err != nil {
		return err
	}
	s.gen++
	s.cur = next
	return nil
}

// FileMedium is a card's memory kept in a file (the virtual card's
// --state FILE), synced on every commit.
type FileMedium struct{ *os.File }

// ErrMediumInUse: another FileMedium (in this process or another: a
// terminal, a virtual card, the devnet) has the state file open. One card,
// one holder: two applets over one memory would overwrite each other's
// commits.
var ErrMediumInUse = errors.New("applet: the card's state file is in use by another program")

// OpenFileMedium opens or creates the state file and locks it (an
// exclusive flock, released by Close or when the process ends):
// ErrMediumInUse while another holder has it.
func OpenFileMedium(path string) (*FileMedium, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("applet: card state: %w", err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("%w: %s: %w", ErrMediumInUse, path, err)
	}
	return &FileMedium{f}, nil
}

// MemMedium is memory that forgets nothing but can lose power: after
// CutAfter page writes every write fails with ErrPowerCut, and the write
// that hits the limit is torn (only its first half lands).
type MemMedium struct {
	mu       sync.Mutex
	buf      []byte
	writes   int
	CutAfter int // 0: never
}

// NewMemMedium returns blank memory for two slots.
func NewMemMedium() *MemMedium { return &MemMedium{buf: make([]byte, 2*SlotSize)} }

// Clone copies the memory (with no cut armed).
func (m *MemMedium) Clone() *MemMedium {
	m.mu.Lock()
	defer m.mu.Unlock()
	return &MemMedium{buf: append([]byte(nil), m.buf...)}
}

// Writes counts the page writes so far.
func (m *MemMedium) Writes() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.writes
}

func (m *MemMedium) ReadAt(p []byte, off int64) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if off >= int64(len(m.buf)) {
		return 0, nil
	}
	return copy(p, m.buf[off:]), nil
}

func (m *MemMedium) WriteAt(p []byte, off int64) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.CutAfter > 0 && m.writes >= m.CutAfter {
		return 0, ErrPowerCut
	}
	m.writes++
	if m.CutAfter > 0 && m.writes == m.CutAfter {
		n := copy(m.buf[off:], p[:len(p)/2])
		return n, ErrPowerCut
	}
	return copy(m.buf[off:], p), nil
}

func (m *MemMedium) Sync() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.CutAfter > 0 && m.writes >= m.CutAfter {
		return ErrPowerCut
	}
	return nil
}
