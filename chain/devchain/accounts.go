package devchain

import (
	"crypto/ecdsa"
	"math/big"

	"github.com/anonex/anonex/account"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/params"
)

// TestMnemonic is the standard development mnemonic (anvil, hardhat): its
// first accounts are the ones development chains prefund. Never for value.
const TestMnemonic = "test test test test test test test test test test test junk"

// TestKey returns the Ethereum key of account i of TestMnemonic (BIP-44
// m/44'/60'/0'/0/i, as anvil and hardhat derive it). It panics when i is
// 2^31 or more, which is not an account index.
func TestKey(i uint32) *ecdsa.PrivateKey {
	k, err := account.FromMnemonic(TestMnemonic, "", i)
	if err != nil {
		panic(err) // the mnemonic is valid: only a bad index fails
	}
	return k.ToECDSA()
}

// Prefund returns a genesis allocation (Config.Alloc) that gives each
// address 10,000 ETH.
func Prefund(addrs ...common.Address) map[common.Address]*big.Int {
	alloc := make(map[common.Address]*big.Int, len(addrs))
	for _, a := range addrs {
		alloc[a] = new(big.Int).Mul(big.NewInt(10_000), big.NewInt(params.Ether))
	}
	return alloc
}
