// Package bindgen turns a compiled contract artifact (build/*.json, written
// by compile.js) into a go-ethereum abigen v2 binding. It is shared by the
// generator (internal/gen) and the staleness test, so both produce the same
// bytes.
package bindgen

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ethereum/go-ethereum/accounts/abi/abigen"
)

// Package is the Go package name of the generated bindings.
const Package = "bindings"

// Binding names one generated file: the artifact it comes from, the contract
// type name in Go and the output file, both paths relative to contracts/.
type Binding struct {
	Type     string
	Artifact string
	Output   string
}

// Bindings lists every binding that is generated and committed. The measuring
// variant in bench/ gets none: it is deployed from its artifact in a test.
var Bindings = []Binding{
	{Type: "Anchor", Artifact: "build/Anchor.json", Output: "bindings/anchor.go"},
	{Type: "Vault", Artifact: "build/Vault.json", Output: "bindings/vault.go"},
	{Type: "TestToken", Artifact: "build/TestToken.json", Output: "bindings/testtoken.go"},
}

type artifact struct {
	ABI      json.RawMessage `json:"abi"`
	Bytecode string          `json:"bytecode"`
}

// Generate returns the binding source for one artifact.
func Generate(typ string, artifactJSON []byte) ([]byte, error) {
	var a artifact
	if err := json.Unmarshal(artifactJSON, &a); err != nil {
		return nil, fmt.Errorf("bindgen: decode artifact of %s: %w", typ, err)
	}
	if len(a.ABI) == 0 || a.Bytecode == "" || a.Bytecode == "0x" {
		return nil, errors.New("bindgen: artifact of " + typ + " lacks abi or bytecode")
	}
	code, err := abigen.BindV2([]string{typ}, []string{string(a.ABI)}, []string{a.Bytecode}, Package, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("bindgen: bind %s: %w", typ, err)
	}
	return []byte(code), nil
}

// GenerateFile reads b.Artifact below dir and returns the binding source.
func GenerateFile(dir string, b Binding) ([]byte, error) {
	data, err := os.ReadFile(filepath.Join(dir, b.Artifact))
	if err != nil {
		return nil, fmt.Errorf("bindgen: %w", err)
	}
	return Generate(b.Type, data)
}
