package pcsc

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/anonex/anonex/cardbridge/apdu"
	"github.com/ebfe/scard"
)

// Context is a PC/SC context (SCardEstablishContext).
type Context struct {
	mu sync.Mutex
	sc *scard.Context // nil after Release
}

// Open establishes a PC/SC context with pcscd. It fails with ErrNoService
// when the daemon is not running.
func Open() (*Context, error) {
	sc, err := scard.EstablishContext()
	if err != nil {
		return nil, mapErr("establish context", err)
	}
	return &Context{sc: sc}, nil
}

func (c *Context) get() (*scard.Context, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sc == nil {
		return nil, fmt.Errorf("%w: context released", ErrClosed)
	}
	return c.sc, nil
}

// Release ends the context. Cards connected through it stop working:
// Close them first.
func (c *Context) Release() error {
	c.mu.Lock()
	sc := c.sc
	c.sc = nil
	c.mu.Unlock()
	if sc == nil {
		return nil
	}
	return mapErr("release context", sc.Release())
}

// Readers lists the readers pcscd knows. No reader at all fails with
// ErrNoService.
func (c *Context) Readers() ([]string, error) {
	sc, err := c.get()
	if err != nil {
		return nil, err
	}
	rs, err := sc.ListReaders()
	if err != nil {
		return nil, mapErr("list readers", err)
	}
	if len(rs) == 0 {
		return nil, fmt.Errorf("%w: no reader; %s", ErrNoService, Hint)
	}
	return rs, nil
}

// VPCDReaderName is the name of vpcd reader n as vsmartcard gives it:
// "Virtual PCD 00 00" for n = 0, "Virtual PCD 00 01" for n = 1.
func VPCDReaderName(n int) string { return fmt.Sprintf("Virtual PCD 00 %02d", n) }

// VPCDReader finds the reader whose name contains VPCDReaderName(n). It
// fails with ErrNoService when pcscd has no vpcd reader at all
// (vsmartcard-vpcd is not installed, or pcscd runs without it), and with a
// *NoReaderError (ErrUnknownReader), which lists the readers there are,
// when it has others but not n.
func (c *Context) VPCDReader(n int) (string, error) {
	rs, err := c.Readers()
	if err != nil {
		return "", err
	}
	want := VPCDReaderName(n)
	vpcd := false
	for _, r := range rs {
		if strings.Contains(r, want) {
			return r, nil
		}
		_, ok := VPCDIndex(r)
		vpcd = vpcd || ok
	}
	if !vpcd {
		return "", fmt.Errorf("%w: no vpcd reader among %q; %s", ErrNoService, rs, Hint)
	}
	return "", &NoReaderError{Index: n, Readers: rs}
}

// VPCDIndex is the index n of a vpcd reader's name (VPCDReaderName(n) in
// it); ok is false for any other reader.
func VPCDIndex(reader string) (n int, ok bool) {
	const prefix = "Virtual PCD 00 "
	i := strings.Index(reader, prefix)
	if i < 0 || len(reader) < i+len(prefix)+2 {
		return 0, false
	}
	_, err := fmt.Sscanf(reader[i+len(prefix):i+len(prefix)+2], "%02d", &n)
	return n, err == nil
}

// NoReaderError reports a vpcd reader index pcscd does not have, with the
// readers it has. It matches ErrUnknownReader.
type NoReaderError struct {
	Index   int
	Readers []string // every reader pcscd has
}

func (e *NoReaderError) Error() string {
	var have []string
	for _, r := range e.Readers {
		if i, ok := VPCDIndex(r); ok {
			have = append(have, fmt.Sprintf("%d (%s)", i, r))
		} else {
			have = append(have, fmt.Sprintf("%q (not a vpcd reader)", r))
		}
	}
	return fmt.Sprintf("pcsc: no reader %d (%q): pcscd has reader %s", e.Index, VPCDReaderName(e.Index), strings.Join(have, ", "))
}

// Is makes errors.Is(err, ErrUnknownReader) hold.
func (e *NoReaderError) Is(target error) bool { return target == ErrUnknownReader }

// WaitCard blocks until a responsive card is in reader (returning at once
// if one is), or ctx ends. It waits in SCardGetStatusChange on a context
// of its own, cancelled (SCardCancel) when ctx ends.
func (c *Context) WaitCard(ctx context.Context, reader string) error {
	return waitState(ctx, reader, func(s scard.StateFlag) bool {
		return s&scard.StatePresent != 0 && s&scard.StateMute == 0
	})
}

// WaitRemoved blocks until reader holds no card (returning at once if it
// holds none), or ctx ends. Wait for it after pulling a card before
// inserting one again: pcscd notices a change only at its presence poll.
func (c *Context) WaitRemoved(ctx context.Context, reader string) error {
	return waitState(ctx, reader, func(s scard.StateFlag) bool {
		return s&scard.StateEmpty != 0
	})
}

// Present says whether reader holds a responsive card now, without
// waiting.
func (c *Context) Present(reader string) (bool, error) {
	sc, err := scard.EstablishContext()
	if err != nil {
		return false, mapErr("establish context", err)
	}
	defer sc.Release()
	states := []scard.ReaderState{{Reader: reader, CurrentState: scard.StateUnaware}}
	if err := sc.GetStatusChange(states, 0); err != nil && !errors.Is(err, scard.ErrTimeout) {
		return false, mapErr("status of "+reader, err)
	}
	ev := states[0].EventState
	if ev&(scard.StateUnknown|scard.StateUnavailable) != 0 {
		return false, fmt.Errorf("%w: reader %q is gone or unavailable; %s", ErrNoService, reader, Hint)
	}
	return ev&scard.StatePresent != 0 && ev&scard.StateMute == 0, nil
}

// cancelBound bounds one SCardGetStatusChange call of waitState. It is no
// polling interval: the call returns as soon as the state changes.
const cancelBound = time.Second

func waitState(ctx context.Context, reader string, done func(scard.StateFlag) bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	sc, err := scard.EstablishContext()
	if err != nil {
		return mapErr("establish context", err)
	}
	defer sc.Release()
	stop := context.AfterFunc(ctx, func() { sc.Cancel() })
	defer stop()
	states := []scard.ReaderState{{Reader: reader, CurrentState: scard.StateUnaware}}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		// SCardCancel ends the wait when ctx ends; the bound only covers a
		// cancel that lands between two calls (it is then lost).
		err := sc.GetStatusChange(states, cancelBound)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if errors.Is(err, scard.ErrTimeout) {
				continue
			}
			return mapErr("wait for "+reader, err)
		}
		ev := states[0].EventState
		if ev&(scard.StateUnknown|scard.StateUnavailable) != 0 {
			return fmt.Errorf("%w: reader %q is gone or unavailable; %s", ErrNoService, reader, Hint)
		}
		if done(ev) {
			return nil
		}
		states[0].CurrentState = ev &^ scard.StateChanged
	}
}

// Connect opens the card in reader in shared mode with T=1 (T=0 only when
// the card cannot do T=1). ErrNoCard when the reader is empty.
func (c *Context) Connect(reader string) (*Card, error) {
	sc, err := c.get()
	if err != nil {
		return nil, err
	}
	h, err := connect(sc, reader)
	if err != nil {
		return nil, err
	}
	return &Card{ctx: c, reader: reader, h: h}, nil
}

// ConnectExclusive opens the card in reader in exclusive mode: while it
// is held no other application can connect to the card. ErrSharing when
// another application holds a connection to it now (pcscd refuses an
// exclusive connection then), ErrNoCard when the reader is empty.
func (c *Context) ConnectExclusive(reader string) (*Card, error) {
	sc, err := c.get()
	if err != nil {
		return nil, err
	}
	h, err := sc.Connect(reader, scard.ShareExclusive, scard.ProtocolT1)
	if errors.Is(err, scard.ErrProtoMismatch) {
		h, err = sc.Connect(reader, scard.ShareExclusive, scard.ProtocolAny)
	}
	if err != nil {
		return nil, mapErr("connect", err)
	}
	return &Card{ctx: c, reader: reader, h: h}, nil
}

func connect(sc *scard.Context, reader string) (*scard.Card, error) {
	h, err := sc.Connect(reader, scard.ShareShared, scard.ProtocolT1)
	if errors.Is(err, scard.ErrProtoMismatch) {
		h, err = sc.Connect(reader, scard.ShareShared, scard.ProtocolAny)
	}
	if err != nil {
		return nil, mapErr("connect", err)
	}
	return h, nil
}

// Card is a connection to the card in one reader. Its methods are safe for
// concurrent use; exchanges run one at a time.
type Card struct {
	ctx    *Context
	reader string

	mu sync.Mutex
	h  *scard.Card // nil after Close
}

// Reader is the name of the card's reader.
func (k *Card) Reader() string { return k.reader }

// Protocol is "T=1" or "T=0".
func (k *Card) Protocol() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.h != nil && k.h.ActiveProtocol() == scard.ProtocolT0 {
		return "T=0"
	}
	return "T=1"
}

// ATR returns the card's answer to reset.
func (k *Card) ATR() ([]byte, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.h == nil {
		return nil, fmt.Errorf("%w: card", ErrClosed)
	}
	st, err := k.h.Status()
	if err != nil {
		return nil, mapErr("status", err)
	}
	return st.Atr, nil
}

// Close disconnects, leaving the card as it is. Closing twice is a no-op.
func (k *Card) Close() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.h == nil {
		return nil
	}
	err := k.h.Disconnect(scard.LeaveCard)
	k.h = nil
	if err != nil && !isGone(err) {
		return mapErr("disconnect", err)
	}
	return nil
}

// CloseReset disconnects and resets the card: the card's session ends, a
// PIN verified in it with it (what a reader that verified a PIN leaves
// behind for the next program). Closing twice is a no-op.
func (k *Card) CloseReset() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.h == nil {
		return nil
	}
	err := k.h.Disconnect(scard.ResetCard)
	k.h = nil
	if err != nil && !isGone(err) {
		return mapErr("disconnect", err)
	}
	return nil
}

// Reconnect makes the connection usable again after ErrCardRemoved (once a
// card is back: WaitCard) or ErrCardReset: it tries SCardReconnect and,
// when the old handle is dead, disconnects it and connects anew.
func (k *Card) Reconnect() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.h == nil {
		return fmt.Errorf("%w: card", ErrClosed)
	}
	err := k.h.Reconnect(scard.ShareShared, scard.ProtocolT1, scard.LeaveCard)
	if errors.Is(err, scard.ErrProtoMismatch) {
		err = k.h.Reconnect(scard.ShareShared, scard.ProtocolAny, scard.LeaveCard)
	}
	if err == nil {
		return nil
	}
	sc, cerr := k.ctx.get()
	if cerr != nil {
		return cerr
	}
	h, cerr := connect(sc, k.reader)
	if cerr != nil {
		return cerr
	}
	k.h.Disconnect(scard.LeaveCard)
	k.h = h
	return nil
}

func isGone(err error) bool {
	var se scard.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se {
	case scard.ErrRemovedCard, scard.ErrNoSmartcard, scard.ErrInvalidHandle, scard.ErrNotTransacted, scard.ErrResetCard:
		return true
	}
	return false
}

// TransmitRaw sends a command APDU as it is and returns the card's raw
// response APDU (data ‖ SW), in no transaction and with no chaining.
func (k *Card) TransmitRaw(cmd []byte) ([]byte, error) {
	if len(cmd) < 4 {
		return nil, fmt.Errorf("%w: command of %d bytes, a header is 4", ErrProtocol, len(cmd))
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.h == nil {
		return nil, fmt.Errorf("%w: card", ErrClosed)
	}
	return k.transmitLocked(cmd)
}

func (k *Card) transmitLocked(cmd []byte) ([]byte, error) {
	rsp, err := k.h.Transmit(cmd)
	if err != nil {
		return nil, mapErr("transmit", err)
	}
	if len(rsp) < 2 {
		// A card always answers a status word. vpcd reports success with
		// an empty answer when the card's connection closes mid-command.
		return nil, fmt.Errorf("%w: transmit: the reader returned %d bytes, no status word", ErrCardRemoved, len(rsp))
	}
	return rsp, nil
}

// Transmit sends cmd and returns the card's whole answer (see the package
// doc: command chaining, GET RESPONSE, one transaction). The error reports
// transport failures only; the status word is in the Response.
func (k *Card) Transmit(cmd apdu.Command) (apdu.Response, error) {
	if err := cmd.Validate(); err != nil && !errors.Is(err, apdu.ErrDataTooLong) {
		return apdu.Response{}, fmt.Errorf("%w: %w", ErrProtocol, err)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.h == nil {
		return apdu.Response{}, fmt.Errorf("%w: card", ErrClosed)
	}
	if err := k.h.BeginTransaction(); err != nil {
		return apdu.Response{}, mapErr("begin transaction", err)
	}
	r, err := apdu.Exchange(k.transmitLocked, cmd)
	if err != nil && errors.Is(err, apdu.ErrBadResponse) {
		err = fmt.Errorf("%w: %w", ErrProtocol, err)
	}
	if eerr := k.h.EndTransaction(scard.LeaveCard); eerr != nil && err == nil && !isGone(eerr) {
		err = mapErr("end transaction", eerr)
	}
	return r, err
}
