//go:build linux

package vcard

import "syscall"

// quickAck sets TCP_QUICKACK: Linux clears it by itself after a while, so
// the host sets it again before every read (see the package doc).
func quickAck(rc syscall.RawConn) {
	_ = rc.Control(func(fd uintptr) {
		_ = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_QUICKACK, 1)
	})
}
