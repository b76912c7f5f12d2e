package devnet

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"math/big"
	"time"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/chain"
	"github.com/anonex/anonex/chain/devchain"
	"github.com/anonex/anonex/ledger"
	"github.com/ethereum/go-ethereum/common"
)

// The devnet's test ERC-20, listed in the Vault.
const (
	TokenSymbol   = "TOK"
	TokenName     = "anonex devnet token"
	TokenDecimals = 18
)

// deployVault deploys the Anchor and the Vault with chain.Deploy (the
// attesters' keys registered, 2 of 3; fewer nodes, fewer attesters,
// threshold min(2, n)) — only the Vault, for anchor, when that is given —
// then the test token, and lists the token.
func (d *Devnet) deployVault(ctx context.Context, deployer *ecdsa.PrivateKey, anchor common.Address, attesters []*account.Key) (contracts, error) {
	var cs contracts
	client := chain.NewClient(d.Chain.Attach())
	defer client.Close()
	t := chain.NewTransactor(client, deployer)
	var addrs []common.Address
	for _, k := range attesters {
		addrs = append(addrs, common.Address(k.Address()))
	}
	threshold := min(2, len(addrs))
	if anchor != (common.Address{}) {
		vd, err := chain.DeployVault(ctx, t, anchor, addrs, threshold, t.From())
		if err != nil {
			return cs, err
		}
		cs.anchor, cs.vault = anchor, vd.Address
	} else {
		dep, err := chain.Deploy(ctx, t, chain.DeployConfig{Attesters: addrs, Threshold: threshold})
		if err != nil {
			return cs, fmt.Errorf("devnet: %w", err)
		}
		cs.anchor, cs.vault = dep.Anchor.Address, dep.Vault.Address
	}
	var err error
	v := chain.NewVault(client, cs.vault)
	t = v.Transactor(deployer)
	if cs.token, err = chain.DeployTestToken(ctx, t, TokenName, TokenSymbol, TokenDecimals); err != nil {
		return cs, err
	}
	if err := v.ListToken(ctx, t, cs.token, TokenSymbol, TokenDecimals); err != nil {
		return cs, fmt.Errorf("devnet: list the test token: %w", err)
	}
	d.log.Info("contracts deployed", "anchor", cs.anchor, "vault", cs.vault, "token", cs.token, "attesters", len(addrs))
	return cs, nil
}

// Demo amounts on the bridge.
var (
	ether          = big.NewInt(1e18)
	tokensOnChain  = new(big.Int).Mul(big.NewInt(1_000_000), ether) // minted to every demo account
	holderETH      = new(big.Int).Mul(big.NewInt(10), ether)        // deposited for holders 1-3
	marketMakerETH = new(big.Int).Mul(big.NewInt(200), ether)       // and for the market maker
	depositedTOK   = new(big.Int).Mul(big.NewInt(10_000), ether)    // TOK deposited for holders and market maker
)

// seedBridge mints test tokens to every demo account on Ethereum, and
// deposits ETH and TOK to the holders' and the market maker's ledger
// accounts (each from its own key: a device account is an Ethereum
// account), then waits until every node has folded the deposits.
func (d *Devnet) seedBridge(ctx context.Context, keys []*account.Key, vault, token common.Address) error {
	client := chain.NewClient(d.Chain.Attach())
	defer client.Close()
	v := chain.NewVault(client, vault)
	minter := v.Transactor(devchain.TestKey(0))
	for _, k := range keys {
		if err := chain.MintTestToken(ctx, minter, token, common.Address(k.Address()), tokensOnChain); err != nil {
			return fmt.Errorf("devnet: mint test tokens: %w", err)
		}
	}
	last := uint64(0)
	for _, i := range []int{1, 2, 3, 5} {
		k := keys[i]
		t := v.Transactor(k.ToECDSA())
		eth := holderETH
		if demoRoles[i] == "market-maker" {
			eth = marketMakerETH
		}
		if _, err := v.Deposit(ctx, t, k.Address(), eth); err != nil {
			return fmt.Errorf("devnet: deposit ETH for %s: %w", demoRoles[i], err)
		}
		r, err := v.DepositToken(ctx, t, token, k.Address(), depositedTOK)
		if err != nil {
			return fmt.Errorf("devnet: deposit %s for %s: %w", TokenSymbol, demoRoles[i], err)
		}
		last = r.Index
	}
	chainID := d.Chain.ChainID().Uint64()
	for _, tok := range []common.Address{{}, token} {
		sym, dec := TokenSymbol, uint8(TokenDecimals)
		if tok == (common.Address{}) {
			sym, dec = "ETH", 18
		}
		d.Info.Assets = append(d.Info.Assets, AssetInfo{ID: ledger.BridgedAssetID(chainID, ledger.Address(vault), ledger.Address(tok)).Hex(),
			Symbol: sym, Decimals: dec, Issuer: vault.Hex()})
	}
	deadline := time.Now().Add(15 * time.Second)
	for _, n := range d.Nodes {
		for {
			if _, ok, err := n.Bridge().Deposit(last); err != nil {
				return err
			} else if ok {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("devnet: deposit %d not folded within 15 s", last)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(5 * time.Millisecond):
			}
		}
	}
	return nil
}
