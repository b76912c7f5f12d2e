package main

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/anonex/anonex/cardbridge/pcsc"
	"github.com/anonex/anonex/cardbridge/pcsctest"
	"github.com/anonex/anonex/client"
)

// TestDevnetSnapshotRevertCLI is the developer tour's snapshot and revert
// against `anonex devnet` as a process, its cards behind pcscd and its
// kiosk showing the last one: `devnet snapshot` prints an id (the kiosk,
// which holds its card, is paused for it, not counted as attached), a
// transfer settles, `devnet revert ID` is refused while a program holds a
// PC/SC connection to a card, then brings the balance back; the id is
// used up, a wrong token is refused, the kiosk serves again, and a new
// transfer settles.
func TestDevnetSnapshotRevertCLI(t *testing.T) {
	stopPCSC, err := pcsctest.StartDaemon()
	if err != nil {
		t.Fatal(err)
	}
	defer stopPCSC()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := t.TempDir()
	info, banner, stop := startDevnetProcess(t, dir, "--http-port", "0", "--ws-port", "0", "--nodes", "1", "--cards", "2", "--kiosk-port", "0")
	defer stop()
	if info.Cards[0].Transport != "pcsc" || info.Admin == nil {
		t.Fatalf("cards %+v, admin %+v", info.Cards, info.Admin)
	}
	kioskURL := regexp.MustCompile(`kiosk  (http://\S+)`).FindStringSubmatch(banner)
	if kioskURL == nil {
		t.Fatalf("no kiosk in the banner:\n%s", banner)
	}
	holder := info.Accounts[1]
	cl := client.New(info.Nodes[0].API, "")
	eur := func() string {
		a, err := cl.Account(ctx, holder.Address)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range a.Balances {
			if b.Symbol == "EUR" {
				return b.Settled
			}
		}
		return ""
	}
	before := eur()

	id := strings.TrimSpace(run(t, "devnet", "snapshot", "--devnet", dir))
	if id == "" || strings.ContainsAny(id, " \n") {
		t.Fatalf("devnet snapshot printed %q, want an id", id)
	}
	if list := run(t, "devnet", "snapshots", "--devnet", dir); !strings.HasPrefix(list, id+"\t") {
		t.Fatalf("devnet snapshots: %q", list)
	}
	run(t, "--devnet", dir, "transfer", "--from", holder.Role, "--to", info.Accounts[2].Role, "--asset", "EUR", "--amount", "1.50", "--wait", "settled")
	moved := eur()
	if moved == before {
		t.Fatalf("the transfer did not move the balance: %s", moved)
	}

	// Another program connected to card 0: refused, nothing changes.
	pc, err := pcsc.Open()
	if err != nil {
		t.Fatal(err)
	}
	h, err := pc.Connect(info.Cards[0].Reader)
	if err != nil {
		t.Fatal(err)
	}
	out, err := runErr("devnet", "revert", "--devnet", dir, id)
	h.Close()
	pc.Release()
	if err == nil || !strings.Contains(out, "card 0 is attached") {
		t.Fatalf("revert with a program connected to card 0: %v\n%s", err, out)
	}
	if got := eur(); got != moved {
		t.Fatalf("a refused revert changed the balance to %s", got)
	}

	if out := run(t, "devnet", "revert", "--devnet", dir, id); !strings.Contains(out, "reverted to snapshot "+id) {
		t.Fatalf("devnet revert: %q", out)
	}
	if got := eur(); got != before {
		t.Fatalf("after the revert holder-1 holds %s EUR, the snapshot %s", got, before)
	}
	if out, err := runErr("devnet", "revert", "--devnet", dir, id); err == nil || !strings.Contains(out, "used it up") && !strings.Contains(out, "reverted to it") {
		t.Fatalf("a second revert to %s: %v\n%s", id, err, out)
	}
	if out, err := runErr("devnet", "revert", "--devnet", dir, "nope"); err == nil || !strings.Contains(out, "no such snapshot") {
		t.Fatalf("revert to an unknown id: %v\n%s", err, out)
	}
	req, _ := http.NewRequestWithContext(ctx, "POST", info.Admin.URL+"/v1/snapshots", nil)
	req.Header.Set("Authorization", "Bearer "+strings.Repeat("0", len(info.Admin.Token)))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a snapshot with a wrong token: %v %v", resp, err)
	}
	if resp, err := http.Get(kioskURL[1]); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("the kiosk after the revert: %v %v", resp, err)
	}
	run(t, "--devnet", dir, "transfer", "--from", holder.Role, "--to", info.Accounts[2].Role, "--asset", "EUR", "--amount", "1.50", "--wait", "settled")
	if got := eur(); got != moved {
		t.Fatalf("the same transfer after the revert leaves %s EUR, first %s", got, moved)
	}
}

// runErr runs anonex and returns its combined output and error.
func runErr(args ...string) (string, error) {
	var out bytes.Buffer
	cmd := anonex(args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}
