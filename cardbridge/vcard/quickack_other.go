//go:build !linux

package vcard

import "syscall"

// quickAck is a no-op where TCP_QUICKACK does not exist.
func quickAck(syscall.RawConn) {}
