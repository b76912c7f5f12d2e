// Package impure is a fixture of the purity checker's tests: it imports
// what the rules refuse.
package impure

import (
	"fmt"
	"os"
	"time"

	"github.com/ethereum/go-ethereum/common"
)

var _ = fmt.Sprint(os.Args, time.Now(), common.Address{})
