// Package pure is a fixture of the purity checker's tests: it imports the
// standard library only, and none of its IO.
package pure

import (
	"errors"
	"strings"
)

var _ = errors.New(strings.ToUpper("pure"))
