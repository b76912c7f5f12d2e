// Package contracts holds the Solidity sources of anonex, their compiled
// artifacts (build/*.json, embedded here) and the abigen v2 Go bindings
// (package bindings).
//
// The artifacts and bindings are generated and committed; gen.sh regenerates
// them (solc-js pinned in package.json, then the in-process abigen v2 binder)
// and contracts_test.go fails when they are stale.
package contracts

//go:generate bash gen.sh

import (
	"embed"
	"encoding/json"
	"fmt"

	"github.com/ethereum/go-ethereum/common/hexutil"
)

// MaxBatchBytes is the Anchor contract's MAX_BATCH_BYTES: the largest batch it
// accepts. Geth's transaction pool refuses transactions over 128 KiB.
const MaxBatchBytes = 126000

//go:embed build/*.json
var build embed.FS

// Artifact is one compiled contract as compile.js writes it.
type Artifact struct {
	ABI              json.RawMessage `json:"abi"`
	Bytecode         hexutil.Bytes   `json:"bytecode"`         // creation code
	DeployedBytecode hexutil.Bytes   `json:"deployedBytecode"` // runtime code
}

func mustArtifact(name string) Artifact {
	data, err := build.ReadFile("build/" + name + ".json")
	if err != nil {
		panic(fmt.Sprintf("contracts: embedded artifact %s: %v", name, err))
	}
	var a Artifact
	if err := json.Unmarshal(data, &a); err != nil {
		panic(fmt.Sprintf("contracts: embedded artifact %s: %v", name, err))
	}
	return a
}

// Anchor returns the compiled Anchor artifact. The returned value is a fresh
// copy; callers may modify it.
func Anchor() Artifact { return mustArtifact("Anchor") }

// AnchorABI returns the Anchor contract's ABI as JSON.
func AnchorABI() string { return string(Anchor().ABI) }

// AnchorBytecode returns the Anchor contract's creation code (what a
// deployment transaction carries).
func AnchorBytecode() []byte { return Anchor().Bytecode }

// AnchorDeployedBytecode returns the Anchor contract's runtime code: what
// eth_getCode returns at a deployed Anchor's address.
func AnchorDeployedBytecode() []byte { return Anchor().DeployedBytecode }

// Vault returns the compiled Vault artifact (ETH/ERC-20 deposits, attested
// withdrawals).
func Vault() Artifact { return mustArtifact("Vault") }

// TestToken returns the compiled test ERC-20 the devnet deploys.
func TestToken() Artifact { return mustArtifact("TestToken") }
