package impure

import "strings"

var _ = strings.ToUpper
