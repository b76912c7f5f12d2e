package pcsctest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/anonex/anonex/cardbridge/pcsc"
	"github.com/anonex/anonex/cardbridge/terminal"
	"github.com/anonex/anonex/cardbridge/terminal/queue"
	"github.com/anonex/anonex/client"
	"github.com/anonex/anonex/ledger"
	"github.com/holiman/uint256"
)

// childConfig is what the terminal process is told.
type childConfig struct {
	Queue   string         `json:"queue"`
	Reader  string         `json:"reader"`
	ChainID uint64         `json:"chain_id"`
	Anchor  ledger.Address `json:"anchor"`
	Payee   ledger.Address `json:"payee"`
	Issuer  ledger.Address `json:"issuer"`
	Asset   ledger.Hash    `json:"asset"`
}

// terminalChild takes offline payments (the network unreachable, so every
// record stays queued) and prints each approved record's id, until killed.
func terminalChild(raw string) {
	var c childConfig
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		fmt.Println("bad config:", err)
		os.Exit(1)
	}
	q, err := queue.Open(c.Queue)
	if err != nil {
		fmt.Println("queue:", err)
		os.Exit(1)
	}
	pc, err := pcsc.Open()
	if err != nil {
		fmt.Println("pcsc:", err)
		os.Exit(1)
	}
	h, err := pc.Connect(c.Reader)
	if err != nil {
		fmt.Println("connect:", err)
		os.Exit(1)
	}
	cfg := &terminal.Config{Domain: ledger.NewDomain(c.ChainID, c.Anchor), Payee: c.Payee, Trusted: []ledger.Address{c.Issuer},
		Floor: map[ledger.Hash]*uint256.Int{c.Asset: uint256.NewInt(2000)}, Queue: q,
		Net: client.TerminalNet{C: client.New("http://127.0.0.1:1", "")}}
	w := bufio.NewWriter(os.Stdout)
	for {
		r := terminal.Pay(context.Background(), cfg, h, c.Asset, uint256.NewInt(100))
		if r.Status != "approved" {
			fmt.Fprintln(w, "declined", r.Code, r.Reason)
			w.Flush()
			select {} // wait to be killed
		}
		fmt.Fprintln(w, r.TxID.Hex())
		w.Flush()
	}
}

// TestTerminalKill9KeepsQueuedRecords runs a terminal as its own process
// while the network is unreachable, kills it with SIGKILL after some
// offline approvals, and finds every approved record in its queue after a
// restart; forwarded then, they settle.
func TestTerminalKill9KeepsQueuedRecords(t *testing.T) {
	e := newCardEnv(t)
	dir := t.TempDir()
	issuer := e.cfg.Trusted[0]
	cfg, _ := json.Marshal(childConfig{Queue: dir, Reader: e.d.Info.Cards[0].Reader, ChainID: e.cfg.Domain.ChainID,
		Anchor: e.cfg.Domain.Contract, Payee: e.cfg.Payee, Issuer: issuer, Asset: e.eur})
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "ANONEX_TERMINAL_CHILD="+string(cfg))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The child is killed on every way out, a failure included.
	stop := make(chan struct{})
	var once sync.Once
	kill := func() {
		once.Do(func() {
			close(stop)
			cmd.Process.Signal(syscall.SIGKILL)
			cmd.Wait() // closes the pipe: the reader below returns
		})
	}
	defer kill()
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-stop:
				return
			}
		}
	}()
	// Each acknowledgement must come within the deadline: a terminal that
	// stalls (a reader that never answers) fails the test, never hangs it.
	var approved []ledger.Hash
	deadline := time.NewTimer(60 * time.Second)
	defer deadline.Stop()
	for len(approved) < 3 {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("terminal process ended after %d approvals", len(approved))
			}
			id, err := ledger.ParseHash(line)
			if err != nil {
				t.Fatalf("terminal process: %s", line)
			}
			approved = append(approved, id)
		case <-deadline.C:
			t.Fatalf("terminal approved only %d payments in 60 s", len(approved))
		}
	}
	kill()
	q, err := queue.Open(dir)
	if err != nil {
		t.Fatalf("queue after kill -9: %v", err)
	}
	defer q.Close()
	pend, err := q.Pending()
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range approved {
		if _, ok := pend[id]; !ok {
			t.Fatalf("approved record %s lost by kill -9", id.Hex())
		}
	}
	// The restarted terminal forwards them; they settle.
	fcfg := *e.cfg
	fcfg.Queue = q
	if left, err := terminal.Forward(e.ctx, &fcfg); left != 0 || err != nil {
		t.Fatalf("forward: %d left, %v", left, err)
	}
	for _, id := range approved {
		e.settled(id)
	}
}
