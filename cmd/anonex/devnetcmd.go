package main

import (
	"context"
	"fmt"
	"maps"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/anonex/anonex/devnet"
	"github.com/urfave/cli/v2"
)

// devnetFlags are the flags of anonex devnet, each also a key of its
// config file (config.go); the devnet reads no environment variables of
// its own: they are the node's (ANONEX_DATADIR would move both).
func devnetFlags() []cli.Flag {
	flags := []cli.Flag{
		&cli.IntFlag{Name: "nodes", Value: 3, Usage: "number of anonex nodes"},
		&cli.IntFlag{Name: "cards", Value: 2, Usage: "virtual cards to start, personalize and load (vpcd has 2 readers)"},
		&cli.StringFlag{Name: "datadir", Usage: "persist chain, nodes and keystores in `DIR` (default: in memory, devnet.json in a temp dir)"},
		&cli.IntFlag{Name: "http-port", Value: 8545, Usage: "chain JSON-RPC HTTP port on 127.0.0.1 (0: any free port)"},
		&cli.IntFlag{Name: "ws-port", Value: 8546, Usage: "chain JSON-RPC WebSocket port on 127.0.0.1 (0: any free port)"},
		&cli.DurationFlag{Name: "block-time", Usage: "fixed block period, e.g. 1s (default: a block per transaction)"},
	}
	flags = append(flags, logFlags("warn")...)
	return append(flags, configFlag(false), jsonFlag)
}

func devnetCommand() *cli.Command {
	flags := devnetFlags()
	return &cli.Command{
		Name:  "devnet",
		Usage: "run an Ethereum dev chain, the Anchor contract, N nodes and demo accounts in one process",
		Description: `Starts the embedded go-ethereum dev chain (chain id 1337, the test mnemonic's
accounts prefunded), deploys the Anchor and the Vault (a test ERC-20 listed; nodes 0-2 attest, 2 of
3), starts N nodes on 127.0.0.1 (node 0 settles), issues demo assets, deposits
ETH and tokens for the demo accounts and funds them. Prints a banner and
writes devnet.json into --datadir (a temporary directory when none is given).
Ctrl-C stops everything.`,
		Flags:  flags,
		Before: func(c *cli.Context) error { return loadConfig(c, flags) },
		Action: func(c *cli.Context) error {
			logger, err := newLog(c)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			startCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
			defer cancel()
			d, err := devnet.Start(startCtx, devnet.Config{
				Nodes: c.Int("nodes"), DataDir: c.String("datadir"), Cards: c.Int("cards"),
				HTTPAddr:  fmt.Sprintf("127.0.0.1:%d", c.Int("http-port")),
				WSAddr:    fmt.Sprintf("127.0.0.1:%d", c.Int("ws-port")),
				BlockTime: c.Duration("block-time"), Logger: logger,
			})
			if err != nil {
				return fmt.Errorf("devnet: %w", err)
			}
			if err := output(c, d.Info, func() { printBanner(d.Info) }); err != nil {
				d.Close()
				return err
			}
			<-ctx.Done()
			notice(c, logger, "stopping devnet…")
			if err := d.Close(); err != nil {
				return err
			}
			notice(c, logger, "devnet stopped")
			return nil
		},
	}
}

func printBanner(info devnet.Info) {
	var b strings.Builder
	fmt.Fprintf(&b, "anonex devnet ready in %d ms\n\n", info.ReadyMillis)
	fmt.Fprintf(&b, "Ethereum (chain id %d)\n  HTTP   %s\n  WS     %s\n  Anchor %s\n", info.ChainID, info.EthRPC, info.EthWS, info.Contracts["anchor"])
	if v := info.Contracts["vault"]; v != "" {
		fmt.Fprintf(&b, "  Vault  %s  (attesters: nodes", v)
		for i, n := range info.Nodes {
			if n.Attester != "" {
				fmt.Fprintf(&b, " %d", i)
			}
		}
		fmt.Fprintf(&b, ")\n  Token  %s  (%s, listed in the Vault)\n", info.Contracts["token"], devnet.TokenSymbol)
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "Nodes\n")
	for i, n := range info.Nodes {
		role := ""
		if n.Settler {
			role = "  (settler"
			if n.SettleAccount != "" {
				role += ", gas from " + n.SettleAccount
			}
			role += ")"
		}
		fmt.Fprintf(&b, "  %d  %s  peer %s%s\n", i, n.API, n.PeerID, role)
	}
	fmt.Fprintf(&b, "\nDemo accounts (keystore password %q)\n", devnet.DemoPassword)
	for _, a := range info.Accounts {
		bal := make([]string, 0, len(a.Balances))
		for _, sym := range slices.Sorted(maps.Keys(a.Balances)) {
			bal = append(bal, a.Balances[sym]+" "+sym)
		}
		fmt.Fprintf(&b, "  %-9s %-24s %s  %s\n", a.Role, a.Name, a.Address, strings.Join(bal, ", "))
	}
	fmt.Fprintf(&b, "\nAssets\n")
	for _, a := range info.Assets {
		fmt.Fprintf(&b, "  %-6s %s  (%d decimals)\n", a.Symbol, a.ID, a.Decimals)
	}
	if len(info.Cards) > 0 {
		fmt.Fprintf(&b, "\nCards\n")
		for _, c := range info.Cards {
			where := c.Reader
			if c.Transport == "file" {
				where = "in process (" + c.State + ")"
			}
			fmt.Fprintf(&b, "  %d  %s  PIN %s  set amount %s  %s\n", c.Index, c.Address, c.PIN, c.SetAmount, where)
		}
		if t := info.Terminal; t != nil {
			for _, f := range t.Floor {
				fmt.Fprintf(&b, "  terminal: offline up to %s, payee %s\n", f, t.Payee)
			}
		}
	}
	if info.CardNotice != "" {
		fmt.Fprintf(&b, "\nnotice: %s\n", info.CardNotice)
	}
	fmt.Fprintf(&b, "\nWritten to %s/devnet.json\n", info.DataDir)
	fmt.Fprintf(&b, "Try:  anonex --devnet %s transfer --from %s --to %s --asset EUR --amount 1.50 --wait settled\n",
		info.DataDir, info.Accounts[1].Name, info.Accounts[2].Name)
	fmt.Fprintf(&b, "      anonex --devnet %s deposit --from %s --asset ETH --amount 1 --wait settled\n", info.DataDir, info.Accounts[1].Role)
	fmt.Fprintf(&b, "      anonex --devnet %s withdraw --from %s --to %s --asset ETH --amount 0.5\n", info.DataDir, info.Accounts[1].Role, info.EthAccounts[9])
	if len(info.Cards) > 0 {
		fmt.Fprintf(&b, "      anonex --devnet %s terminal pay --amount 5.00 --currency EUR     (offline)\n", info.DataDir)
		fmt.Fprintf(&b, "      anonex --devnet %s terminal pay --amount 50.00 --currency EUR    (online)\n", info.DataDir)
	}
	fmt.Fprintf(&b, "Ctrl-C stops everything.\n")
	fmt.Print(b.String())
}
