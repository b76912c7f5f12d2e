package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/node"
	"github.com/urfave/cli/v2"
)

// backupCommand is `anonex backup`: a node's data dir, copied so that a
// node starts from the copy — through the running node's API, or from
// the data dir of a stopped one.
func backupCommand() *cli.Command {
	return &cli.Command{
		Name:  "backup",
		Usage: "back up a node's data dir (its store, p2p key and API token) into a new directory a node starts from",
		Description: `With --node URL (and the node's --token): the running node writes a consistent
copy of its store (a Pebble checkpoint) and its p2p.key and api-token into
--out, on its own machine. Copying a running node's store with cp or rsync
is not safe: Pebble writes, renames and deletes its files as it goes.
With --datadir DIR: the same from the data dir of a node that is stopped.
--out must not exist; the backup is read back and its settled batch and
root printed. Restore: stop the node, put the backup in place of its data
dir (or start a node with --datadir on it). docs/operations.md says more.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "out", Required: true, Usage: "new `DIR` for the backup (on the node's machine; never overwritten)"},
			&cli.StringFlag{Name: "datadir", Usage: "back up the data `DIR` of a stopped node instead of a running one"},
			timeoutFlag, nodeFlag, tokenFlag, devnetFlag, jsonFlag,
		},
		Action: func(c *cli.Context) error {
			out, err := filepath.Abs(c.String("out"))
			if err != nil {
				return err
			}
			var res api.BackupResult
			if dd := c.String("datadir"); dd != "" {
				if isSetAnywhere(c, "node") {
					return fmt.Errorf("--datadir backs up a stopped node, --node a running one: give one of them")
				}
				res, err = node.BackupDataDir(dd, out)
			} else {
				if !isSetAnywhere(c, "node") && str(c, "devnet") == "" {
					return fmt.Errorf("name the node: --node URL (with --token, the node's DATADIR/api-token) for a running node, or --datadir DIR for a stopped one")
				}
				cl, err2 := nodeClient(c)
				if err2 != nil {
					return err2
				}
				timeout := c.Duration("timeout")
				if !c.IsSet("timeout") {
					timeout = 10 * time.Minute // a large store copied to another file system
				}
				ctx, cancel := context.WithTimeout(c.Context, timeout)
				defer cancel()
				res, err = cl.Backup(ctx, out)
			}
			if err != nil {
				return err
			}
			return output(c, res, func() {
				fmt.Printf("backed up to %s\n  store   format %d, ", res.Dir, res.Format)
				if res.SettledSeq != nil {
					fmt.Printf("settled through batch %d, root %s", *res.SettledSeq, res.StateRoot.Hex())
				} else {
					fmt.Printf("no batch settled yet")
				}
				fmt.Printf(", %d pending\n  files   %v\n", res.Pending, res.Files)
			})
		},
	}
}

// isSetAnywhere tells whether a flag was given to c or a command above it.
func isSetAnywhere(c *cli.Context, name string) bool {
	_, ok := setAnywhere(c, name)
	return ok
}
