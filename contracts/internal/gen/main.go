// Command gen writes the abigen v2 Go bindings of the compiled contracts
// (contracts/bindings/*.go) from their artifacts (contracts/build/*.json).
//
// Run it from the contracts directory (gen.sh and `go generate` do):
//
//	go run ./internal/gen [-dir .]
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/anonex/anonex/contracts/internal/bindgen"
)

func main() {
	dir := flag.String("dir", ".", "the contracts directory")
	flag.Parse()
	for _, b := range bindgen.Bindings {
		code, err := bindgen.GenerateFile(*dir, b)
		if err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
		out := filepath.Join(*dir, b.Output)
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
		if err := os.WriteFile(out, code, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
		fmt.Println("wrote", out)
	}
}
