package impure

import (
	"net"
	"testing"

	"pgregory.net/rapid"
)

func TestFixture(t *testing.T) { _, _ = net.Dial, rapid.Int }
