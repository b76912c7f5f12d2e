package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/devnet"
	"github.com/urfave/cli/v2"
)

// snapshotCommands are `anonex devnet snapshot`, `snapshots` and `revert`:
// they talk to the running devnet's admin endpoint (devnet.json's admin
// URL and token), as anvil's evm_snapshot and evm_revert do to anvil.
func snapshotCommands() []*cli.Command {
	flags := []cli.Flag{devnetFlag, jsonFlag}
	return []*cli.Command{
		{
			Name:  "snapshot",
			Usage: "snapshot the running devnet: chain, nodes and cards together; prints the snapshot's id",
			Description: `Keeps the devnet as it is now — the chain's head block, every node's store and every
virtual card's memory — until 'anonex devnet revert ID' brings it all back. Refused while a
program outside the devnet is attached to a card (connected to its reader, or holding its state
file). Snapshots last as long as the devnet process.`,
			Flags: flags,
			Action: func(c *cli.Context) error {
				var s devnet.SnapshotInfo
				if err := adminCall(c, "POST", "/v1/snapshots", &s); err != nil {
					return err
				}
				return output(c, s, func() { fmt.Println(s.ID) })
			},
		},
		{
			Name:  "snapshots",
			Usage: "list the running devnet's snapshots",
			Flags: flags,
			Action: func(c *cli.Context) error {
				var list []devnet.SnapshotInfo
				if err := adminCall(c, "GET", "/v1/snapshots", &list); err != nil {
					return err
				}
				return output(c, list, func() {
					if len(list) == 0 {
						fmt.Println("no snapshots (take one with: anonex devnet snapshot)")
					}
					for _, s := range list {
						fmt.Printf("%s\tblock %d\t%s\n", s.ID, s.Chain.Number, s.Taken.Local().Format(time.DateTime))
					}
				})
			},
		},
		{
			Name:      "revert",
			Usage:     "revert the running devnet to a snapshot (which it uses up, with every later one)",
			ArgsUsage: "ID",
			Description: `Stops the nodes, the market maker and the kiosk, rewinds the chain to the snapshot's
block, puts every node's store and every card's memory back as they were, and starts it all
again on the same addresses. As evm_revert: the snapshot is used up, and so is every later one.
Refused, changing nothing, for an unknown id and while a program outside the devnet is attached
to a card.`,
			Flags: flags,
			Action: func(c *cli.Context) error {
				if c.NArg() != 1 || strings.TrimSpace(c.Args().First()) == "" {
					return errors.New("revert needs the snapshot's id: anonex devnet revert ID (list them with: anonex devnet snapshots)")
				}
				var out devnet.RevertInfo
				if err := adminCall(c, "POST", "/v1/snapshots/"+c.Args().First()+"/revert", &out); err != nil {
					return err
				}
				return output(c, out, func() {
					fmt.Printf("reverted to snapshot %s (block %d) in %d ms\n", out.Snapshot.ID, out.Snapshot.Chain.Number, out.Millis)
					if len(out.Dropped) > 0 {
						fmt.Printf("later snapshots dropped: %s\n", strings.Join(out.Dropped, ", "))
					}
				})
			},
		},
	}
}

// adminCall calls the devnet's admin endpoint and decodes its answer into
// out, or its error body into an error.
func adminCall(c *cli.Context, method, path string, out any) error {
	info, err := loadDevnet(c)
	if err != nil {
		return err
	}
	if info == nil {
		return errors.New("no devnet: pass --devnet DIR, the directory of the devnet.json the running devnet printed")
	}
	if info.Admin == nil {
		return fmt.Errorf("%s/devnet.json has no admin endpoint: is the devnet running, and recent enough?", str(c, "devnet"))
	}
	ctx, cancel := context.WithTimeout(c.Context, 2*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, info.Admin.URL+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+info.Admin.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("the devnet's admin endpoint: %w (is the devnet in %s still running?)", err, str(c, "devnet"))
	}
	defer resp.Body.Close()
	var body bytes.Buffer
	if _, err := body.ReadFrom(resp.Body); err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		var ae api.Error
		if json.Unmarshal(body.Bytes(), &ae) == nil && ae.Message != "" {
			ae.HTTPStatus = resp.StatusCode
			return &ae
		}
		return fmt.Errorf("the devnet's admin endpoint: %s", resp.Status)
	}
	return json.Unmarshal(body.Bytes(), out)
}
