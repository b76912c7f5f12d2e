package cardproto

import (
	"encoding/binary"

	"github.com/anonex/anonex/cardbridge/apdu"
)

func putU64(b []byte, v uint64) { binary.BigEndian.PutUint64(b, v) }

func getU64(b []byte) uint64 {
	if len(b) < 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

func parseList(b []byte) ([]apdu.TLV, error) { return apdu.ParseTLV(b) }
