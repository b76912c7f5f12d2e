package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/anonex/anonex/ledger"
	"github.com/anonex/anonex/node"
	"github.com/urfave/cli/v2"
)

func nodeCommand() *cli.Command {
	return &cli.Command{
		Name:  "node",
		Usage: "run one anonex node against any Ethereum endpoint",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "datadir", Value: "anonex-data", Usage: "node data `DIR` (store, p2p key, API token)"},
			&cli.StringFlag{Name: "network", Value: "devnet", Usage: "gossip network name"},
			&cli.StringFlag{Name: "eth-rpc", Value: "ws://127.0.0.1:8546", Usage: "Ethereum JSON-RPC `URL` (http, ws or ipc)"},
			&cli.StringFlag{Name: "anchor", Required: true, Usage: "Anchor contract `ADDRESS`"},
			&cli.Uint64Flag{Name: "anchor-block", Usage: "block the Anchor was deployed in (start of the scan)"},
			&cli.Uint64Flag{Name: "confirmations", Usage: "blocks a batch must be deep to settle (0 on a devnet)"},
			&cli.BoolFlag{Name: "finalized", Usage: "settle batches only once their block is finalized (public networks)"},
			&cli.DurationFlag{Name: "poll", Value: time.Second, Usage: "chain polling interval when the endpoint cannot push heads"},
			&cli.StringFlag{Name: "api", Value: "127.0.0.1:8080", Usage: "HTTP API listen `ADDR`"},
			&cli.StringSliceFlag{Name: "p2p-listen", Usage: "libp2p listen multiaddr (repeatable; default 127.0.0.1 TCP+QUIC, any port)"},
			&cli.StringSliceFlag{Name: "bootstrap", Usage: "bootstrap peer multiaddr with /p2p/ID (repeatable)"},
			&cli.BoolFlag{Name: "settle", Usage: "post settlement batches (needs --settle-keystore)"},
			&cli.StringFlag{Name: "settle-keystore", Usage: "keystore `FILE` of the Ethereum key that pays for batches"},
			&cli.StringFlag{Name: "issuer", Usage: "run the card issuer service with the device account in keystore `FILE`"},
			passFlag,
			&cli.DurationFlag{Name: "batch-age", Value: 200 * time.Millisecond, Usage: "post a batch once its oldest tx waited this long"},
			&cli.StringFlag{Name: "log-level", Value: "info", Usage: "debug, info, warn or error"},
			jsonFlag,
		},
		Action: func(c *cli.Context) error {
			logger, err := newLogger(c)
			if err != nil {
				return err
			}
			anchor, err := ledger.ParseAddress(c.String("anchor"))
			if err != nil {
				return fmt.Errorf("--anchor: %w", err)
			}
			cfg := node.Config{Network: c.String("network"), DataDir: c.String("datadir"), EthRPC: c.String("eth-rpc"),
				Anchor: anchor, AnchorBlock: c.Uint64("anchor-block"), Confirmations: c.Uint64("confirmations"), Finalized: c.Bool("finalized"),
				PollInterval: c.Duration("poll"), APIAddr: c.String("api"), P2PListen: c.StringSlice("p2p-listen"),
				Bootstrap: c.StringSlice("bootstrap"), BatchAge: c.Duration("batch-age"), Logger: logger}
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
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			n, err := node.New(cfg)
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
			info := map[string]any{"peer_id": n.PeerID(), "api": n.APIURL(), "api_token_file": cfg.DataDir + "/api-token",
				"multiaddrs": n.Multiaddrs()}
			output(c, info, func() {
				fmt.Printf("node %s\n  api   %s\n  token %s/api-token\n", n.PeerID(), n.APIURL(), cfg.DataDir)
				for _, a := range n.Multiaddrs() {
					fmt.Printf("  p2p   %s\n", a)
				}
			})
			<-ctx.Done()
			return n.Close()
		},
	}
}

func trimNL(s string) string {
	for len(s) > 0 && (s[len(s)-1] == '\n' || s[len(s)-1] == '\r') {
		s = s[:len(s)-1]
	}
	return s
}
