//go:build !unix

package applet

import "os"

// lockFile: no advisory locks here; the state file is not guarded.
func lockFile(*os.File) error { return nil }
