package chain

import (
	"context"
	"errors"
	"fmt"
	"math/big"

	"github.com/anonex/anonex/contracts/bindings"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
)

// The contracts a network needs, deployed the one way the devnet and
// `anonex deploy` both use: DeployAnchor, then DeployVault and its token
// listings (Deploy does all of it).

// DeployConfig says what Deploy deploys beside the Anchor.
type DeployConfig struct {
	// NoVault deploys the Anchor alone: a network without a bridge.
	NoVault bool
	// Attesters sign batch attestations for the Vault; Threshold of them
	// must sign before a withdrawal is paid.
	Attesters []common.Address
	Threshold int
	// Governor may list tokens in the Vault. Zero: the deployer.
	Governor common.Address
	// Tokens are ERC-20 contracts to list in the Vault, with the symbol
	// and decimals they report (the deployer must be the governor).
	Tokens []common.Address
}

// Deployed is one contract deployment.
type Deployed struct {
	Address common.Address `json:"address"`
	Block   uint64         `json:"block"`
	TxHash  common.Hash    `json:"tx"`
	GasUsed uint64         `json:"gas_used"`
	// CostWei is what the deployer paid: gas used × effective gas price.
	CostWei *big.Int `json:"cost_wei"`
}

func deployed(r *types.Receipt) Deployed {
	cost := new(big.Int)
	if r.EffectiveGasPrice != nil {
		cost.Mul(r.EffectiveGasPrice, new(big.Int).SetUint64(r.GasUsed))
	}
	return Deployed{Address: r.ContractAddress, Block: r.BlockNumber.Uint64(), TxHash: r.TxHash, GasUsed: r.GasUsed, CostWei: cost}
}

// ListedToken is a token Deploy listed in the Vault.
type ListedToken struct {
	Address  common.Address `json:"address"`
	Symbol   string         `json:"symbol"`
	Decimals uint8          `json:"decimals"`
}

// Deployment is what Deploy made: every node of the network needs the
// chain id, the Anchor and its block, and the Vault.
type Deployment struct {
	ChainID   uint64           `json:"chain_id"`
	Deployer  common.Address   `json:"deployer"`
	Anchor    Deployed         `json:"anchor"`
	Vault     *Deployed        `json:"vault,omitempty"`
	Attesters []common.Address `json:"attesters,omitempty"`
	Threshold int              `json:"threshold,omitempty"`
	Governor  common.Address   `json:"governor,omitzero"`
	Tokens    []ListedToken    `json:"tokens,omitempty"`
}

// Check refuses a configuration the Vault's constructor would refuse, or
// that would make a Vault nobody can pay out of, before any gas is spent.
func (cfg DeployConfig) Check() error {
	if cfg.NoVault {
		if len(cfg.Attesters) > 0 || cfg.Threshold != 0 || len(cfg.Tokens) > 0 || cfg.Governor != (common.Address{}) {
			return errors.New("attesters, a threshold, a governor and tokens are the Vault's: they make no sense without one")
		}
		return nil
	}
	if len(cfg.Attesters) == 0 {
		return errors.New("a Vault needs attesters: they sign the batches withdrawals are paid against")
	}
	seen := map[common.Address]bool{}
	for _, a := range cfg.Attesters {
		if a == (common.Address{}) {
			return errors.New("the zero address cannot attest")
		}
		if seen[a] {
			return fmt.Errorf("attester %s is named twice", a)
		}
		seen[a] = true
	}
	if cfg.Threshold < 1 || cfg.Threshold > len(cfg.Attesters) {
		return fmt.Errorf("threshold %d: want 1 to %d (the attesters named)", cfg.Threshold, len(cfg.Attesters))
	}
	for i, tk := range cfg.Tokens {
		if tk == (common.Address{}) {
			return errors.New("the zero address is no token")
		}
		for _, o := range cfg.Tokens[:i] {
			if o == tk {
				return fmt.Errorf("token %s is named twice", tk)
			}
		}
	}
	return nil
}

// DeployAnchor deploys the Anchor contract from t's account.
func DeployAnchor(ctx context.Context, t *Transactor) (Deployed, error) {
	code, err := hexutil.Decode(bindings.AnchorMetaData.Bin)
	if err != nil {
		return Deployed{}, fmt.Errorf("chain: anchor bytecode: %w", err)
	}
	r, err := t.Send(ctx, nil, code, nil)
	if err != nil {
		return Deployed{}, fmt.Errorf("chain: deploy anchor: %w", err)
	}
	return deployed(r), nil
}

// Deploy deploys the Anchor and, unless cfg.NoVault, the Vault for it
// (cfg's attesters and threshold) and lists cfg's tokens, all from t's
// account. On an error it returns what was deployed so far beside it.
func Deploy(ctx context.Context, t *Transactor, cfg DeployConfig) (Deployment, error) {
	var d Deployment
	if err := cfg.Check(); err != nil {
		return d, err
	}
	id, err := t.client.ChainID(ctx)
	if err != nil {
		return d, err
	}
	d.ChainID, d.Deployer = id, t.From()
	// Every token must answer symbol() and decimals() before gas is spent.
	for _, tk := range cfg.Tokens {
		sym, dec, err := TokenInfo(ctx, t.client, tk)
		if err != nil {
			return d, err
		}
		d.Tokens = append(d.Tokens, ListedToken{Address: tk, Symbol: sym, Decimals: dec})
	}
	if d.Anchor, err = DeployAnchor(ctx, t); err != nil {
		return d, err
	}
	if cfg.NoVault {
		return d, nil
	}
	gov := cfg.Governor
	if gov == (common.Address{}) {
		gov = t.From()
	}
	v, err := DeployVault(ctx, t, d.Anchor.Address, cfg.Attesters, cfg.Threshold, gov)
	if err != nil {
		return d, err
	}
	d.Vault, d.Attesters, d.Threshold, d.Governor = &v, cfg.Attesters, cfg.Threshold, gov
	if len(d.Tokens) > 0 && gov != t.From() {
		return d, fmt.Errorf("chain: the tokens can be listed only by the Vault's governor %s, not %s", gov, t.From())
	}
	vault := NewVault(t.client, v.Address)
	for _, tk := range d.Tokens {
		if err := vault.ListToken(ctx, t, tk.Address, tk.Symbol, tk.Decimals); err != nil {
			return d, fmt.Errorf("chain: list token %s (%s): %w", tk.Address, tk.Symbol, err)
		}
	}
	return d, nil
}

// TokenInfo reads an ERC-20's symbol and decimals.
func TokenInfo(ctx context.Context, client SubmitterBackend, token common.Address) (string, uint8, error) {
	tt := bindings.NewTestToken()
	out, err := Call(ctx, client, token, tt.PackSymbol())
	if err != nil {
		return "", 0, fmt.Errorf("chain: token %s: symbol(): %w", token, err)
	}
	sym, err := tt.UnpackSymbol(out)
	if err != nil {
		return "", 0, fmt.Errorf("chain: token %s does not answer symbol() as an ERC-20 (is it a token contract?): %w", token, err)
	}
	if out, err = Call(ctx, client, token, tt.PackDecimals()); err != nil {
		return "", 0, fmt.Errorf("chain: token %s: decimals(): %w", token, err)
	}
	dec, err := tt.UnpackDecimals(out)
	if err != nil {
		return "", 0, fmt.Errorf("chain: token %s does not answer decimals() as an ERC-20: %w", token, err)
	}
	return sym, dec, nil
}
