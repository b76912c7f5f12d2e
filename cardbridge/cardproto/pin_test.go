package cardproto

import "testing"

// TestCheckPIN: the one PIN and PUK rule the CLI, the kiosk and the
// desk check before a card could count a malformed one as a wrong try.
func TestCheckPIN(t *testing.T) {
	for pin, ok := range map[string]bool{
		"123456": true, "123456789012": true, "12345": false, "1234567890123": false, "12a456": false, "": false,
		"１２３４５６": false, "12345 ": false, " 123456": false,
	} {
		if err := CheckPIN(pin); (err == nil) != ok {
			t.Errorf("CheckPIN(%q): %v, want ok %v", pin, err, ok)
		}
	}
	for puk, ok := range map[string]bool{"12345678": true, "123456789012": true, "1234567": false, "1234567890123": false, "1234567x": false} {
		if err := CheckPUK(puk); (err == nil) != ok {
			t.Errorf("CheckPUK(%q): %v, want ok %v", puk, err, ok)
		}
	}
}
