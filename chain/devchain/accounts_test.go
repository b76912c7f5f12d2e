package devchain

import (
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/params"
)

// TestTestKeys: TestKey derives the accounts anvil and hardhat print for
// the test mnemonic, and Prefund gives each address its own 10,000 ETH.
func TestTestKeys(t *testing.T) {
	for i, want := range []string{
		"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
		"0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
		"0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
	} {
		if got := crypto.PubkeyToAddress(TestKey(uint32(i)).PublicKey); got != common.HexToAddress(want) {
			t.Errorf("TestKey(%d) is %s, want %s", i, got, want)
		}
	}
	a, b := common.Address{1}, common.Address{2}
	alloc := Prefund(a, b)
	tenK := new(big.Int).Mul(big.NewInt(10_000), big.NewInt(params.Ether))
	if len(alloc) != 2 || alloc[a].Cmp(tenK) != 0 || alloc[b].Cmp(tenK) != 0 {
		t.Fatalf("Prefund = %v", alloc)
	}
	alloc[a].SetInt64(0)
	if alloc[b].Cmp(tenK) != 0 {
		t.Fatal("Prefund's balances share one big.Int")
	}
}
