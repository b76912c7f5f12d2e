package main

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"os"
	"strings"
	"time"

	"github.com/anonex/anonex/chain"
	"github.com/anonex/anonex/ledger"
	"github.com/ethereum/go-ethereum/common"
	"github.com/urfave/cli/v2"
)

// deployCommand is `anonex deploy`: the contracts of a new network on any
// Ethereum chain, with the code the devnet deploys them with
// (chain.Deploy), and the node config that joins it.
func deployCommand() *cli.Command {
	pass := *passFlag
	return &cli.Command{
		Name:  "deploy",
		Usage: "deploy the Anchor and the Vault of a new network on an Ethereum chain, and write the node config that joins it",
		Description: `Deploys the Anchor and (unless --no-vault) the Vault from the key in --keystore,
which pays the gas; lists --token ERC-20s in the Vault (their symbol and
decimals read from them). Prints the addresses and the deployment block,
and writes --out, a TOML config of 'anonex node' naming the network, the
endpoint and the contracts: every node of the network starts with
'anonex node --config FILE --datadir DIR' and its own keys.
Nothing is sent before every check passed: the chain id (--chain-id), the
attesters and threshold, the tokens, and the deployer's balance.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "eth-rpc", Required: true, Usage: "Ethereum JSON-RPC `URL` (http, ws or ipc)"},
			&cli.Uint64Flag{Name: "chain-id", Usage: "refuse to deploy unless the endpoint serves chain `ID` (a guard against the wrong endpoint)"},
			&cli.StringFlag{Name: "keystore", Required: true, Usage: "keystore `FILE` of the deployer's Ethereum key (it pays the gas)"},
			&pass,
			&cli.BoolFlag{Name: "no-vault", Usage: "deploy the Anchor alone: a network without a bridge"},
			&cli.StringSliceFlag{Name: "attester", Usage: "Ethereum `ADDRESS` of a Vault attester (repeatable; each runs a node with --attest-keystore)"},
			&cli.IntFlag{Name: "threshold", Usage: "attesters that must sign a batch before withdrawals against it are paid (default: a majority)"},
			&cli.StringFlag{Name: "governor", Usage: "`ADDRESS` that may list tokens in the Vault later (default: the deployer)"},
			&cli.StringSliceFlag{Name: "token", Usage: "ERC-20 `ADDRESS` to list in the Vault (repeatable)"},
			&cli.StringFlag{Name: "network", Usage: "gossip network `NAME` of the new network (default: derived from the chain id and the Anchor)"},
			&cli.StringFlag{Name: "out", Usage: "write the network's node config (TOML) to `FILE` (never overwritten)"},
			jsonFlag,
		},
		Action: func(c *cli.Context) error {
			cfg, err := deployConfig(c)
			if err != nil {
				return err
			}
			out := c.String("out")
			if out != "" {
				if _, err := os.Stat(out); err == nil {
					return fmt.Errorf("--out %s exists: it is never overwritten (it may be the config of a network deployed before)", out)
				}
			}
			key, err := unlockKeyFile(c, c.String("keystore"))
			if err != nil {
				return fmt.Errorf("deployer key: %w", err)
			}
			ctx, cancel := context.WithTimeout(c.Context, 10*time.Minute)
			defer cancel()
			eth, err := chain.Dial(ctx, c.String("eth-rpc"))
			if err != nil {
				return err
			}
			defer eth.Close()
			id, err := eth.ChainID(ctx)
			if err != nil {
				return err
			}
			if want := c.Uint64("chain-id"); want != 0 && want != id {
				return fmt.Errorf("the endpoint serves chain %d, not the %d of --chain-id: nothing was deployed", id, want)
			}
			from := common.Address(key.Address())
			bal, err := eth.Eth().BalanceAt(ctx, from, nil)
			if err != nil {
				return fmt.Errorf("the deployer's balance: %w", err)
			}
			if bal.Sign() == 0 {
				return fmt.Errorf("the deployer %s has no ETH on chain %d to pay the gas: fund it first (nothing was deployed)", from.Hex(), id)
			}
			notice(c, "deploying on chain %d from %s (balance %s ETH)…\n", id, from.Hex(), formatWei(bal))
			d, err := chain.Deploy(ctx, chain.NewTransactor(eth, key.ToECDSA()), cfg)
			if err != nil {
				if d.Anchor.Address != (common.Address{}) {
					return fmt.Errorf("%w (the Anchor was deployed at %s, block %d: deploy again from the start, it is unused)",
						err, d.Anchor.Address.Hex(), d.Anchor.Block)
				}
				return err
			}
			network := c.String("network")
			if network == "" {
				network = fmt.Sprintf("anonex-%d-%s", id, strings.ToLower(d.Anchor.Address.Hex()[2:10]))
			}
			if out != "" {
				if err := writeNetworkConfig(out, c.String("eth-rpc"), network, d); err != nil {
					return err
				}
			}
			total := new(big.Int).Set(d.Anchor.CostWei)
			if d.Vault != nil {
				total.Add(total, d.Vault.CostWei)
			}
			res := struct {
				chain.Deployment
				Network string `json:"network"`
				Config  string `json:"config,omitempty"`
			}{d, network, out}
			return output(c, res, func() {
				fmt.Printf("deployed on chain %d from %s\n  network  %s\n  anchor   %s  block %d  gas %d\n",
					id, from.Hex(), network, d.Anchor.Address.Hex(), d.Anchor.Block, d.Anchor.GasUsed)
				if v := d.Vault; v != nil {
					fmt.Printf("  vault    %s  block %d  gas %d\n  attesters %d of %d:", v.Address.Hex(), v.Block, v.GasUsed, d.Threshold, len(d.Attesters))
					for _, a := range d.Attesters {
						fmt.Printf(" %s", a.Hex())
					}
					fmt.Printf("\n  governor %s\n", d.Governor.Hex())
					for _, t := range d.Tokens {
						fmt.Printf("  token    %s  %s (%d decimals), listed\n", t.Address.Hex(), t.Symbol, t.Decimals)
					}
				}
				fmt.Printf("  paid     %s ETH\n", formatWei(total))
				if out != "" {
					fmt.Printf("node config written to %s; start each node with\n  anonex node --config %s --datadir DIR\n", out, out)
				} else {
					fmt.Printf("start each node with\n  anonex node --network %s --eth-rpc URL --anchor %s --anchor-block %d %s --datadir DIR\n",
						network, d.Anchor.Address.Hex(), d.Anchor.Block, vaultArg(d))
				}
			})
		},
	}
}

func vaultArg(d chain.Deployment) string {
	if d.Vault == nil {
		return "--no-vault"
	}
	return "--vault " + d.Vault.Address.Hex()
}

// deployConfig reads and checks the Vault's settings from the flags.
func deployConfig(c *cli.Context) (chain.DeployConfig, error) {
	var cfg chain.DeployConfig
	cfg.NoVault = c.Bool("no-vault")
	addr := func(flag, s string) (common.Address, error) {
		a, err := ledger.ParseAddress(s)
		if err != nil {
			return common.Address{}, fmt.Errorf("--%s %s: %w", flag, s, err)
		}
		return common.Address(a), nil
	}
	for _, s := range c.StringSlice("attester") {
		a, err := addr("attester", s)
		if err != nil {
			return cfg, err
		}
		cfg.Attesters = append(cfg.Attesters, a)
	}
	for _, s := range c.StringSlice("token") {
		a, err := addr("token", s)
		if err != nil {
			return cfg, err
		}
		cfg.Tokens = append(cfg.Tokens, a)
	}
	if s := c.String("governor"); s != "" {
		a, err := addr("governor", s)
		if err != nil {
			return cfg, err
		}
		cfg.Governor = a
	}
	cfg.Threshold = c.Int("threshold")
	if !c.IsSet("threshold") && !cfg.NoVault {
		cfg.Threshold = len(cfg.Attesters)/2 + 1
	}
	if !cfg.NoVault && len(cfg.Attesters) == 0 {
		return cfg, errors.New("a Vault needs attesters: name each with --attester ADDRESS (or deploy --no-vault: no bridge)")
	}
	if err := cfg.Check(); err != nil {
		return cfg, fmt.Errorf("%w: nothing was deployed", err)
	}
	return cfg, nil
}

// writeNetworkConfig writes the network's settings as a config file of
// anonex node, created exclusively.
func writeNetworkConfig(path, rpc, network string, d chain.Deployment) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# anonex network %s on chain %d, as 'anonex deploy' wrote it.\n", network, d.ChainID)
	b.WriteString("# Every node of the network starts with these settings and its own:\n")
	fmt.Fprintf(&b, "#   anonex node --config %s --datadir DIR [--bootstrap …] [--settle …] [--attest-keystore …] [--issuer …]\n", path)
	b.WriteString("# (flags and ANONEX_* variables override the keys below; 'anonex dumpconfig --config FILE' shows all).\n")
	b.WriteString("# Settlement depth: finalized, except on chain 1337 (0 confirmations); --confirmations K overrides.\n\n")
	fmt.Fprintf(&b, "network = %s\n", tomlString(network))
	b.WriteString("# Any endpoint of the same chain serves: each node may name its own.\n")
	fmt.Fprintf(&b, "eth-rpc = %s\n", tomlString(rpc))
	fmt.Fprintf(&b, "anchor = %s\n", tomlString(d.Anchor.Address.Hex()))
	fmt.Fprintf(&b, "anchor-block = %d\n", d.Anchor.Block)
	if d.Vault != nil {
		fmt.Fprintf(&b, "vault = %s\n", tomlString(d.Vault.Address.Hex()))
	} else {
		b.WriteString("no-vault = true\n")
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	if _, err := f.WriteString(b.String()); err != nil {
		f.Close()
		return fmt.Errorf("--out: %w", err)
	}
	return f.Close()
}

// formatWei renders wei as ETH with up to 6 decimals.
func formatWei(wei *big.Int) string {
	f, _ := new(big.Float).Quo(new(big.Float).SetInt(wei), big.NewFloat(1e18)).Float64()
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.6f", f), "0"), ".")
}
