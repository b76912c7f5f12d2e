package vcard

import (
	"context"
	"fmt"
	"net"
	"time"
)

// Reconnect backoff of Run.
const (
	minBackoff = 50 * time.Millisecond
	maxBackoff = 2 * time.Second
)

// Run hosts card at addr (vpcd's port, e.g. ReaderAddr(0)) until ctx ends:
// it connects (inserting the card), serves vpcd's frames in order, and when
// the connection drops or cannot be made it retries with backoff (50 ms
// doubling to 2 s). When ctx ends it closes the connection (removing the
// card) and returns nil. It fails at once only for an address that is not
// host:port.
func Run(ctx context.Context, addr string, card Card) error {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return fmt.Errorf("%w: bad address %q: %v", ErrNoVPCD, addr, err)
	}
	backoff := minBackoff
	for {
		conn, err := dial(ctx, addr)
		if err == nil {
			backoff = minBackoff
			stop := context.AfterFunc(ctx, func() { conn.Close() })
			serve(conn, card)
			stop()
			conn.Close()
		}
		if ctx.Err() != nil {
			return nil
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

func dial(ctx context.Context, addr string) (net.Conn, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, errNoVPCD(addr, err)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
	}
	return conn, nil
}
