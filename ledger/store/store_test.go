package store

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/anonex/anonex/ledger"
)

// hexLabel names an account by its address, for the name index.
func hexLabel(a ledger.Address) string { return a.Hex() }

func TestCommitBatchAndReopen(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{AccountLabel: hexLabel})
	if err != nil {
		t.Fatal(err)
	}
	alice := ledger.Address{0xaa}
	res, err := ledger.Fold(s.State(), s.Tree(), nil, ledger.Env{})
	if err != nil {
		t.Fatal(err)
	}
	// A write set as a fold would produce it.
	res.StateWrites = []ledger.KV{{Key: ledger.StateKeyAccount(alice), Value: make([]byte, 16)}}
	tree := ledger.NewTree(s.Tree())
	root, _ := tree.Update(res.StateWrites)
	res.TreeWrites, res.StateRoot = tree.Writes(), root
	res.Receipts = []ledger.Receipt{{TxID: ledger.Hash{1}, Kind: ledger.KindTransfer, Status: ledger.StatusOK}}
	if err := s.AppendPending(Pending{ID: ledger.Hash{1}, Raw: []byte{1, 2}}); err != nil {
		t.Fatal(err)
	}
	err = s.Commit(Commit{Result: res, Record: &BatchRecord{Seq: 0, StateRoot: root, Txs: 1, Receipts: 1},
		Cursor: []byte("cursor"), Drop: []ledger.Hash{{1}}})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s.Close()
	s, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	h, err := s.Head()
	if err != nil || h.NextSeq != 1 || h.StateRoot != root || string(h.Cursor) != "cursor" {
		t.Fatalf("head after reopen: %+v %v", h, err)
	}
	if r, ok, _ := s.Tx(ledger.Hash{1}); !ok || r.Status != ledger.StatusOK || r.Seq != 0 {
		t.Fatalf("tx record: %+v %v", r, ok)
	}
	if p, _, _ := s.LoadPending(); len(p) != 0 {
		t.Fatalf("settled tx still pending: %d", len(p))
	}
	if got, _ := ledger.NewTree(s.Tree()).Root(); got != root {
		t.Fatal("tree root lost on reopen")
	}
	if as, _ := s.AccountsByName("", 10); len(as) != 1 || as[0] != alice {
		t.Fatalf("name index: %v", as)
	}
}

func TestGroupCommitConcurrent(t *testing.T) {
	s, err := Open("", Options{InMemory: true, MaxGroup: 64})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				id := ledger.Keccak256([]byte(fmt.Sprint(g, i)))
				if err := s.AppendPending(Pending{ID: id, Arrived: int64(i), Raw: []byte{byte(g), byte(i)}}); err != nil {
					t.Error(err)
					return
				}
			}
		}(g)
	}
	wg.Wait()
	ps, _, err := s.LoadPending()
	if err != nil || len(ps) != 1600 {
		t.Fatalf("loaded %d pending, err %v", len(ps), err)
	}
	s.Close()
	if err := s.AppendPending(Pending{}); err != ErrClosed {
		t.Fatalf("append after close: %v", err)
	}
}

// TestKill9ReopensAtLastAck runs a writer in a separate OS process, kills it
// with SIGKILL while it appends, and checks that every record it
// acknowledged is there after reopening.
func TestKill9ReopensAtLastAck(t *testing.T) {
	if dir := os.Getenv("ANONEX_STORE_CRASH_DIR"); dir != "" {
		crashWriter(dir)
		return
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKill9ReopensAtLastAck$")
	cmd.Env = append(os.Environ(), "ANONEX_STORE_CRASH_DIR="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := -1
	sc := bufio.NewScanner(out)
	deadline := time.Now().Add(60 * time.Second)
	for sc.Scan() && time.Now().Before(deadline) {
		n, err := strconv.Atoi(sc.Text())
		if err != nil {
			continue
		}
		acked = n
		if acked >= 3000 {
			break
		}
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if acked < 0 {
		t.Fatal("writer acknowledged nothing")
	}
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatalf("reopen after kill -9: %v", err)
	}
	defer s.Close()
	ps, _, err := s.LoadPending()
	if err != nil {
		t.Fatal(err)
	}
	have := map[ledger.Hash]bool{}
	for _, p := range ps {
		have[p.ID] = true
	}
	for i := 0; i <= acked; i++ {
		if !have[ledger.Keccak256([]byte(strconv.Itoa(i)))] {
			t.Fatalf("record %d was acknowledged (last ack %d) but is gone after kill -9", i, acked)
		}
	}
	t.Logf("acknowledged %d, found %d after kill -9", acked+1, len(ps))
}

func crashWriter(dir string) {
	s, err := Open(dir, Options{})
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(1)
	}
	w := bufio.NewWriter(os.Stdout)
	for i := 0; ; i++ {
		id := ledger.Keccak256([]byte(strconv.Itoa(i)))
		if err := s.AppendPending(Pending{ID: id, Raw: make([]byte, 120)}); err != nil {
			os.Exit(1)
		}
		fmt.Fprintln(w, i)
		w.Flush()
	}
}

func TestBindRefusesAnotherNetwork(t *testing.T) {
	s, err := Open("", Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Bind([]byte("chain-a")); err != nil {
		t.Fatal(err)
	}
	if err := s.Bind([]byte("chain-a")); err != nil {
		t.Fatalf("same network: %v", err)
	}
	if err := s.Bind([]byte("chain-b")); !errors.Is(err, ErrOtherNetwork) {
		t.Fatalf("other network: %v", err)
	}
}

func TestReadsAfterCloseFailCleanly(t *testing.T) {
	s, err := Open("", Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := s.State().Get([]byte("x")); !errors.Is(err, ErrClosed) {
		t.Fatalf("get after close: %v", err)
	}
	if _, _, err := s.LoadPending(); !errors.Is(err, ErrClosed) {
		t.Fatalf("scan after close: %v", err)
	}
}

// TestCheckpointIsTheStoreAtThatMoment: a checkpoint opens as the store
// was when it was taken, whatever was written after; it refuses a
// directory that exists and a closed store.
func TestCheckpointIsTheStoreAtThatMoment(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir+"/db", Options{AccountLabel: hexLabel})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AppendPending(Pending{ID: ledger.Hash{1}, Raw: []byte{1}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Checkpoint(dir + "/cp"); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendPending(Pending{ID: ledger.Hash{2}, Raw: []byte{2}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Checkpoint(dir + "/cp"); err == nil {
		t.Fatal("a checkpoint over an existing directory was taken")
	}
	s.Close()
	if err := s.Checkpoint(dir + "/cp2"); !errors.Is(err, ErrClosed) {
		t.Fatalf("checkpoint of a closed store: %v", err)
	}
	cp, err := Open(dir+"/cp", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	p, _, err := cp.LoadPending()
	if err != nil || len(p) != 1 || p[0].ID != (ledger.Hash{1}) {
		t.Fatalf("checkpoint holds %d pending records (%v), want the first only", len(p), err)
	}
}
