package pure

import (
	"testing"

	"pgregory.net/rapid"
)

func TestFixture(t *testing.T) { _ = rapid.Int }
