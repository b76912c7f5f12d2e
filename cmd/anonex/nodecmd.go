package main

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/anonex/anonex/cardbridge"
	"github.com/anonex/anonex/cardbridge/desk"
	"github.com/anonex/anonex/chain"
	"github.com/anonex/anonex/chain/devchain"
	"github.com/anonex/anonex/ledger"
	"github.com/anonex/anonex/node"
	"github.com/urfave/cli/v2"
)

// nodeFlags are the flags of anonex node, each also a key of its config
// file and an environment variable (config.go). Fresh values each call:
// the shared flags are copied, so their environment variables stay this
// command's.
func nodeFlags() []cli.Flag {
	pass, dev := *passFlag, *devnetFlag
	flags := []cli.Flag{
		&cli.StringFlag{Name: "datadir", Value: "anonex-data", Usage: "node data `DIR` (store, p2p key, API token)"},
		&cli.StringFlag{Name: "network", Value: "devnet", Usage: "gossip network name"},
		&cli.StringFlag{Name: "eth-rpc", Value: "ws://127.0.0.1:8546", Usage: "Ethereum JSON-RPC `URL` (http, ws or ipc; default: the --devnet profile's)"},
		&cli.StringFlag{Name: "anchor", Usage: "Anchor contract `ADDRESS` (default: the --devnet profile's)"},
		&cli.StringFlag{Name: "vault", Usage: "Vault contract `ADDRESS`, whose listings and deposits the settled state folds (default: the --devnet profile's)"},
		&cli.BoolFlag{Name: "no-vault", Usage: "the network has no Vault: fold batches only"},
		&cli.Uint64Flag{Name: "anchor-block", Usage: "block the Anchor was deployed in (start of the scan)"},
		&cli.Uint64Flag{Name: "confirmations", Usage: "settle batches `K` blocks deep (default: 0 on the devnet's chain id 1337, else finalized)"},
		&cli.BoolFlag{Name: "finalized", Usage: "settle batches only once their block is finalized (the default except on chain id 1337)"},
		&cli.DurationFlag{Name: "poll", Value: time.Second, Usage: "chain polling interval when the endpoint cannot push heads"},
		&cli.StringFlag{Name: "api", Value: "127.0.0.1:8080", Usage: "HTTP API listen `ADDR` (it serves GET /metrics too)"},
		&cli.StringFlag{Name: "metrics.addr", Usage: "also serve GET /metrics alone on this listen `ADDR` (default: only on the API)"},
		&cli.StringSliceFlag{Name: "p2p-listen", Usage: "libp2p listen multiaddr (repeatable; default 127.0.0.1 TCP+QUIC, any port)"},
		&cli.StringSliceFlag{Name: "bootstrap", Usage: "bootstrap peer multiaddr with /p2p/ID (repeatable)"},
		&cli.BoolFlag{Name: "settle", Usage: "post settlement batches (needs --settle-keystore)"},
		&cli.StringFlag{Name: "settle-keystore", Usage: "keystore `FILE` of the Ethereum key that pays for batches"},
		&cli.DurationFlag{Name: "settle-stuck-after", Value: chain.DefaultStuckAfter, Usage: "replace a batch transaction not mined this long with higher fees"},
		&cli.IntFlag{Name: "settle-max-bumps", Value: chain.DefaultMaxBumps, Usage: "replacements of one batch transaction at most"},
		&cli.Float64Flag{Name: "settle-max-fee", Value: 500, Usage: "fee cap ceiling of batch transactions, in `GWEI` per gas"},
		&cli.BoolFlag{Name: "readers", Usage: "serve this machine's card readers to the web app's Cards page (GET /v1/readers …, behind the API token)"},
		&cli.StringFlag{Name: "terminal", Usage: "with --readers: run a merchant terminal on them for the web app's Terminal page, from the terminal `DIR` (terminal.json as 'anonex terminal setup --queue DIR' writes it: payee, trusted issuers, floor; and its record queue)"},
		&cli.StringFlag{Name: "issuer", Usage: "run the card issuer service with the device account in keystore `FILE`"},
		&cli.StringFlag{Name: "attest-keystore", Usage: "sign batch attestations for the Vault with the key in keystore `FILE` (one of the Vault's attesters)"},
		&pass,
		&cli.DurationFlag{Name: "batch-age", Value: 200 * time.Millisecond, Usage: "post a batch once its oldest tx waited this long"},
	}
	flags = append(flags, logFlags("info")...)
	flags = append(flags, &dev)
	return append(withEnv(flags), configFlag(true), jsonFlag)
}

func nodeCommand() *cli.Command {
	flags := nodeFlags()
	return &cli.Command{
		Name:  "node",
		Usage: "run one anonex node against any Ethereum endpoint",
		Description: `Every flag is also a key of the --config FILE (TOML) and an environment
variable ANONEX_<FLAG> (--eth-rpc: eth-rpc, ANONEX_ETH_RPC; --log.level:
level in [log], ANONEX_LOG_LEVEL). Flags override the environment, which
overrides the file. 'anonex dumpconfig' prints the settings as a file.`,
		Flags:  flags,
		Before: func(c *cli.Context) error { return loadConfig(c, flags) },
		Action: func(c *cli.Context) error {
			logger, err := newLog(c)
			if err != nil {
				return err
			}
			cfg, err := nodeConfig(c)
			if err != nil {
				return err
			}
			cfg.Logger = logger
			logger.Info("settlement depth", "chain_id", cfg.ChainID, "finalized", cfg.Finalized, "confirmations", cfg.Confirmations)
			if c.Bool("settle") {
				path := c.String("settle-keystore")
				if path == "" {
					return fmt.Errorf("--settle needs --settle-keystore FILE (an Ethereum key with gas)")
				}
				k, err := unlockKeyFile(c, path)
				if err != nil {
					return fmt.Errorf("settlement key: %w", err)
				}
				cfg.SettleKey = k.ToECDSA()
				cfg.SettleStuckAfter, cfg.SettleMaxBumps = c.Duration("settle-stuck-after"), c.Int("settle-max-bumps")
				if cfg.SettleMaxFeeCap, err = gweiToWei(c.Float64("settle-max-fee")); err != nil {
					return fmt.Errorf("--settle-max-fee: %w", err)
				}
				logger.Info("settling with", "address", k.Address().Hex())
			}
			if path := c.String("issuer"); path != "" {
				k, err := unlockKeyFile(c, path)
				if err != nil {
					return fmt.Errorf("issuer key: %w", err)
				}
				cfg.IssuerKey = k
				logger.Info("issuer service", "account", k.Address().Hex())
			}
			if path := c.String("attest-keystore"); path != "" {
				if cfg.Vault.IsZero() {
					return fmt.Errorf("--attest-keystore: the network has no Vault to attest for")
				}
				k, err := unlockKeyFile(c, path)
				if err != nil {
					return fmt.Errorf("attester key: %w", err)
				}
				cfg.AttestKey = k
				logger.Info("attesting for the Vault", "attester", k.Address().Hex())
			}
			var n *node.Node
			if c.Bool("readers") {
				dc := desk.Config{Readers: cardbridge.Readers{}, Node: desk.Self(func() desk.Node { return n }),
					Logger: logger.With("sub", "desk")}
				if dir := c.String("terminal"); dir != "" {
					if dc.Terminal, err = deskTerminal(dir); err != nil {
						return fmt.Errorf("--terminal: %w", err)
					}
				}
				cfg.Readers = desk.New(dc)
			} else if c.String("terminal") != "" {
				return errors.New("--terminal runs a terminal on the machine's card readers: it needs --readers")
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			n, err = node.New(cfg)
			if err != nil {
				return err
			}
			startCtx, cancel := context.WithTimeout(ctx, time.Minute)
			err = n.Start(startCtx)
			cancel()
			if err != nil {
				n.Close()
				return err
			}
			metrics := n.MetricsURL()
			if metrics == "" {
				metrics = n.APIURL() + "/metrics"
			}
			info := map[string]any{"peer_id": n.PeerID(), "api": n.APIURL(), "api_token_file": cfg.DataDir + "/api-token",
				"multiaddrs": n.Multiaddrs(), "metrics": metrics}
			output(c, info, func() {
				fmt.Printf("node %s\n  api     %s\n  token   %s/api-token\n  metrics %s\n", n.PeerID(), n.APIURL(), cfg.DataDir, metrics)
				for _, a := range n.Multiaddrs() {
					fmt.Printf("  p2p     %s\n", a)
				}
			})
			stopSync := showSync(c, nodeSync(n), 200*time.Millisecond)
			<-ctx.Done()
			stopSync()
			return n.Close()
		},
	}
}

// devnetChainID is the embedded devnet's chain id: the only one on which a
// node settles at 0 confirmations by default.
const devnetChainID = devchain.DefaultChainID

// nodeConfig builds the node's chain settings from the flags and the
// --devnet profile (devnet.json): the endpoint, the Anchor and the Vault
// come from the flags when set, else from the profile. A node must know
// the Vault (or be told there is none): without it, it would fold another
// state than every other node, silently. The settlement depth defaults to
// finalized on every chain but the devnet's.
func nodeConfig(c *cli.Context) (node.Config, error) {
	cfg := node.Config{Network: c.String("network"), DataDir: c.String("datadir"), EthRPC: c.String("eth-rpc"),
		AnchorBlock: c.Uint64("anchor-block"), PollInterval: c.Duration("poll"), APIAddr: c.String("api"), MetricsAddr: c.String("metrics.addr"),
		P2PListen: c.StringSlice("p2p-listen"), Bootstrap: c.StringSlice("bootstrap"), BatchAge: c.Duration("batch-age")}
	anchor, vault := c.String("anchor"), c.String("vault")
	profile, err := loadDevnet(c)
	if err != nil {
		return cfg, err
	}
	if profile != nil {
		if !c.IsSet("eth-rpc") {
			cfg.EthRPC = profile.EthWS
		}
		if !c.IsSet("network") && profile.Network != "" {
			cfg.Network = profile.Network
		}
		if anchor == "" {
			anchor = profile.Contracts["anchor"]
		}
		if vault == "" && !c.Bool("no-vault") {
			vault = profile.Contracts["vault"]
		}
		if !c.IsSet("bootstrap") {
			for _, n := range profile.Nodes {
				cfg.Bootstrap = append(cfg.Bootstrap, n.Multiaddrs...)
			}
		}
		cfg.ChainID = profile.ChainID
	}
	if anchor == "" {
		return cfg, errors.New("no Anchor: pass --anchor ADDRESS, or --devnet DIR to take the devnet's contracts")
	}
	if cfg.Anchor, err = ledger.ParseAddress(anchor); err != nil {
		return cfg, fmt.Errorf("--anchor: %w", err)
	}
	switch {
	case vault != "" && c.Bool("no-vault"):
		return cfg, errors.New("--vault and --no-vault contradict each other")
	case vault != "":
		if cfg.Vault, err = ledger.ParseAddress(vault); err != nil {
			return cfg, fmt.Errorf("--vault: %w", err)
		}
	case !c.Bool("no-vault"):
		return cfg, errors.New("no Vault: the settled state folds the Vault's deposits, so a node without it " +
			"folds another state than the network's. Pass --vault ADDRESS (or --devnet DIR), or --no-vault if the network has none")
	}

	if cfg.ChainID == 0 {
		ctx, cancel := context.WithTimeout(c.Context, 30*time.Second)
		defer cancel()
		eth, err := chain.Dial(ctx, cfg.EthRPC)
		if err != nil {
			return cfg, err
		}
		cfg.ChainID, err = eth.ChainID(ctx)
		eth.Close()
		if err != nil {
			return cfg, err
		}
	}
	var conf *uint64
	if c.IsSet("confirmations") {
		k := c.Uint64("confirmations")
		conf = &k
	}
	cfg.Confirmations, cfg.Finalized, err = settleDepth(cfg.ChainID, c.IsSet("finalized"), c.Bool("finalized"), conf)
	return cfg, nil
}

// settleDepth chooses when a batch settles: --confirmations K when given,
// --finalized when given, else finalized on every chain but the devnet's
// (1337), where batches settle at 0 confirmations.
func settleDepth(chainID uint64, finalizedSet, finalized bool, confirmations *uint64) (uint64, bool, error) {
	switch {
	case finalizedSet && confirmations != nil:
		return 0, false, errors.New("--finalized and --confirmations contradict each other")
	case confirmations != nil:
		return *confirmations, false, nil
	case finalizedSet:
		return 0, finalized, nil
	}
	return 0, chainID != devnetChainID, nil
}

// gweiToWei converts a positive amount of gwei to wei.
func gweiToWei(gwei float64) (*big.Int, error) {
	if !(gwei > 0) || gwei > 1e12 {
		return nil, fmt.Errorf("%v gwei: want a positive amount", gwei)
	}
	wei, _ := new(big.Float).Mul(big.NewFloat(gwei), big.NewFloat(1e9)).Int(nil)
	if wei.Sign() <= 0 {
		return nil, fmt.Errorf("%v gwei is less than 1 wei", gwei)
	}
	return wei, nil
}

func trimNL(s string) string {
	for len(s) > 0 && (s[len(s)-1] == '\n' || s[len(s)-1] == '\r') {
		s = s[:len(s)-1]
	}
	return s
}
