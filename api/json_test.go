package api

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestHexBytes: evidence's wire forms are 0x-hex both ways, so a client
// reads what GET /v1/evidence writes.
func TestHexBytes(t *testing.T) {
	in := Evidence{Nonce: 3, FirstRaw: HexBytes{1, 2}, SecondRaw: HexBytes{}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(`"first_raw":"0x0102","second_raw":"0x"`)) {
		t.Fatalf("wrote %s", b)
	}
	var out Evidence
	if err := json.Unmarshal(b, &out); err != nil || !bytes.Equal(out.FirstRaw, in.FirstRaw) || len(out.SecondRaw) != 0 {
		t.Fatalf("read back %+v, %v", out, err)
	}
	for _, bad := range []string{`"0102"`, `"0xzz"`} {
		var h HexBytes
		if err := json.Unmarshal([]byte(bad), &h); err == nil {
			t.Errorf("%s read as %x", bad, h)
		}
	}
}
