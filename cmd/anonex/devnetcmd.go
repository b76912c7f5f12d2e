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
	"text/tabwriter"
	"time"

	"github.com/anonex/anonex/devnet"
	"github.com/anonex/anonex/ledger"
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
		&cli.IntFlag{Name: "accounts", Usage: "add `N` device accounts (account-1 …) funded on the chain, in the devnet's keystore"},
		&cli.StringFlag{Name: "balance", Value: "10000", Usage: "the ETH each of --accounts holds on the chain (a new --datadir only: a reopened chain keeps its genesis)"},
		&cli.IntFlag{Name: "kiosk-port", Value: 8480, Usage: "serve the venue's kiosk on 127.0.0.1:`PORT`, at the last card's reader (0: any free port, -1: no kiosk)"},
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
Ctrl-C stops everything. While it runs, 'anonex devnet snapshot --devnet DIR' and
'anonex devnet revert --devnet DIR ID' snapshot and revert it all (chain, nodes, cards).`,
		Flags:       flags,
		Subcommands: snapshotCommands(),
		Before:      func(c *cli.Context) error { return loadConfig(c, flags) },
		Action: func(c *cli.Context) error {
			logger, err := newLog(c)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			startCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
			defer cancel()
			balance, err := ledger.ParseAmount(c.String("balance"), 18)
			if err != nil {
				return fmt.Errorf("--balance: %w", err)
			}
			d, err := devnet.Start(startCtx, devnet.Config{
				Accounts: c.Int("accounts"), Balance: balance.ToBig(),
				Nodes: c.Int("nodes"), DataDir: c.String("datadir"), Cards: c.Int("cards"),
				HTTPAddr:  fmt.Sprintf("127.0.0.1:%d", c.Int("http-port")),
				WSAddr:    fmt.Sprintf("127.0.0.1:%d", c.Int("ws-port")),
				BlockTime: c.Duration("block-time"), Logger: logger,
			})
			if err != nil {
				return fmt.Errorf("devnet: %w", err)
			}
			kioskURL, stopKiosk := devnetKiosk(ctx, d, c.Int("kiosk-port"), logger)
			defer stopKiosk()
			if err := output(c, d.Info, func() { printBanner(d.Info, kioskURL) }); err != nil {
				d.Close()
				return err
			}
			<-ctx.Done()
			logNotice(c, logger, "stopping devnet…")
			if err := d.Close(); err != nil {
				return err
			}
			logNotice(c, logger, "devnet stopped")
			return nil
		},
	}
}

func printBanner(info devnet.Info, kioskURL string) {
	var b strings.Builder
	// Columns line up: each table goes through a tabwriter.
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintf(&b, "anonex devnet ready in %d ms\n\n", info.ReadyMillis)
	fmt.Fprintf(tw, "Ethereum (chain id %d)\n  HTTP\t%s\n  WS\t%s\n  Anchor\t%s\n", info.ChainID, info.EthRPC, info.EthWS, info.Contracts["anchor"])
	if v := info.Contracts["vault"]; v != "" {
		fmt.Fprintf(tw, "  Vault\t%s  (attesters: nodes", v)
		for i, n := range info.Nodes {
			if n.Attester != "" {
				fmt.Fprintf(tw, " %d", i)
			}
		}
		fmt.Fprintf(tw, ")\n  Token\t%s  (%s, listed in the Vault)\n", info.Contracts["token"], devnet.TokenSymbol)
	}
	tw.Flush()
	b.WriteString("\n")
	fmt.Fprintf(&b, "Nodes\n")
	for i, n := range info.Nodes {
		role := ""
		if n.Settler {
			role = "(settler"
			if n.SettleAccount != "" {
				role += ", gas from " + n.SettleAccount
			}
			role += ")"
		}
		fmt.Fprintf(tw, "  %d\t%s\tpeer %s\t%s\n", i, n.API, n.PeerID, role)
	}
	tw.Flush()
	if len(info.Nodes) > 0 {
		n := info.Nodes[0]
		fmt.Fprintf(&b, "\nWeb app  %s/\n  cards  %s/#/cards?token=%s  (the link carries node 0's API token: its card readers answer only with it)\n",
			n.API, n.API, n.APIToken)
		if info.Terminal != nil {
			fmt.Fprintf(&b, "  terminal  %s/#/terminal?token=%s  (a till on node 0's readers: keypad, PIN, conversion quotes, offline queue)\n", n.API, n.APIToken)
		}
	}
	fmt.Fprintf(&b, "\nDemo accounts (keystore password %q)\n", devnet.DemoPassword)
	for _, a := range info.Accounts {
		bal := make([]string, 0, len(a.Balances))
		for _, sym := range slices.Sorted(maps.Keys(a.Balances)) {
			bal = append(bal, a.Balances[sym]+" "+sym)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", a.Role, a.Name, a.Address, strings.Join(bal, ", "))
	}
	tw.Flush()
	fmt.Fprintf(&b, "\nAssets\n")
	for _, a := range info.Assets {
		fmt.Fprintf(tw, "  %s\t%s\t(%d decimals)\n", a.Symbol, a.ID, a.Decimals)
	}
	tw.Flush()
	if len(info.Cards) > 0 {
		fmt.Fprintf(&b, "\nCards\n")
		for _, c := range info.Cards {
			where := c.Reader
			if c.Transport == "file" {
				where = "in process (" + c.State + ")"
			}
			fmt.Fprintf(tw, "  %d\t%s\tPIN %s\t%s\t%s\n", c.Index, c.Address, c.PIN, strings.Join(c.Purses, ", "), where)
		}
		tw.Flush()
		if t := info.Terminal; t != nil {
			for _, f := range t.Floor {
				fmt.Fprintf(&b, "  terminal: offline up to %s, payee %s\n", f, t.Payee)
			}
		}
	}
	for _, v := range info.Venues {
		fmt.Fprintf(&b, "\nVenue  %s  %s  (%d stores)\n", v.Name, v.ID, len(v.Stores))
		if kioskURL != "" {
			fmt.Fprintf(&b, "  kiosk  %s  (the card in its reader is shown; the PIN adds its balances)\n", kioskURL)
		}
	}
	if info.CardNotice != "" {
		fmt.Fprintf(&b, "\nnotice: %s\n", info.CardNotice)
	}
	fmt.Fprintf(&b, "\nWritten to %s/devnet.json\n", info.DataDir)
	// The examples run as printed, from any directory: the binary by the
	// name or path that starts it, the comments as shell comments.
	self, dn := selfCommand(), shellQuote(info.DataDir)
	fmt.Fprintf(&b, "Try:\n")
	fmt.Fprintf(tw, "  %s --devnet %s transfer --from %s --to %s --asset EUR --amount 1.50 --wait settled\n",
		self, dn, info.Accounts[1].Name, info.Accounts[2].Name)
	fmt.Fprintf(tw, "  %s --devnet %s deposit --from %s --asset ETH --amount 1 --wait settled\n", self, dn, info.Accounts[1].Role)
	fmt.Fprintf(tw, "  %s --devnet %s withdraw --from %s --to %s --asset ETH --amount 0.5\n", self, dn, info.Accounts[1].Role, info.EthAccounts[9])
	if len(info.Cards) > 0 {
		fmt.Fprintf(tw, "  %s --devnet %s terminal pay --amount 5.00 --currency EUR\t# offline\n", self, dn)
		fmt.Fprintf(tw, "  %s --devnet %s terminal pay --amount 50.00 --currency EUR\t# online\n", self, dn)
	}
	fmt.Fprintf(tw, "  %s devnet snapshot --devnet %s\t# then: devnet revert --devnet %s ID\n", self, dn, dn)
	tw.Flush()
	fmt.Fprintf(&b, "Ctrl-C stops everything.\n")
	fmt.Print(b.String())
}
