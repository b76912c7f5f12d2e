package store

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/anonex/anonex/ledger"
	"github.com/cockroachdb/pebble/v2"
)

// snapshot returns every key of the store but the undo records and the
// pending log, as a map, for comparing states.
func snapshot(t *testing.T, s *Store) map[string]string {
	t.Helper()
	out := map[string]string{}
	it, err := s.db.NewIter(&pebble.IterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	for ok := it.First(); ok; ok = it.Next() {
		if k := it.Key(); k[0] != pUndo && k[0] != pPending {
			out[string(k)] = string(it.Value())
		}
	}
	return out
}

func equalSnap(a, b map[string]string) string {
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return fmt.Sprintf("key %x: %x vs %x (present %v)", k, v, w, ok)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			return fmt.Sprintf("key %x only in the second", k)
		}
	}
	return ""
}

// TestUndoRestoresEveryStep folds random batches and Vault entries (state,
// tree, receipts, tx records, deposits, meta, pending drops), then undoes
// them newest first: after each undo the store equals, key for key, what
// it was before that step, and the step's settled transactions are pending
// again. Seeded and replayable: the seed is in the test name.
func TestUndoRestoresEveryStep(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 7))
			s, err := Open("", Options{InMemory: true})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			var snaps []map[string]string
			var settledPer [][]Pending
			accounts := make([]ledger.Address, 12)
			for i := range accounts {
				accounts[i] = ledger.Address{byte(i + 1)}
			}
			seq := uint64(0)
			for step := 0; step < 20; step++ {
				snaps = append(snaps, snapshot(t, s))
				var writes []ledger.KV
				for _, a := range accounts {
					if r.IntN(3) == 0 {
						v := make([]byte, 16)
						v[r.IntN(16)] = byte(r.IntN(256))
						writes = append(writes, ledger.KV{Key: ledger.StateKeyAccount(a), Value: v})
					}
				}
				tree := ledger.NewTree(s.Tree())
				root, err := tree.Update(writes)
				if err != nil {
					t.Fatal(err)
				}
				pos := Step{Block: uint64(10 + step), LogIndex: uint32(r.IntN(3)), BlockHash: ledger.Hash{byte(step), 0xbb}}
				if step%4 == 3 { // a Vault deposit
					d := &DepositRecord{Index: uint64(step), Account: accounts[0], Amount: "5", Status: "settled", EthTx: ledger.Hash{byte(step)}}
					err = s.Commit(Commit{Result: &ledger.FoldResult{StateWrites: writes, TreeWrites: tree.Writes(), StateRoot: root},
						Cursor: []byte(fmt.Sprint("c", step)), Deposit: d, Step: pos})
					settledPer = append(settledPer, nil)
				} else {
					id := ledger.Hash{byte(step), 0xcc}
					pend := Pending{ID: id, Sender: accounts[1], Arrived: int64(step), Raw: []byte{byte(step), 1, 2}}
					if r.IntN(2) == 0 { // known to us before it settled
						if err := s.AppendPending(pend); err != nil {
							t.Fatal(err)
						}
						snaps[len(snaps)-1] = snapshot(t, s)
					}
					res := &ledger.FoldResult{StateWrites: writes, TreeWrites: tree.Writes(), StateRoot: root,
						Receipts:      []ledger.Receipt{{TxID: id, Kind: ledger.KindTransfer, Status: ledger.StatusOK}},
						ReceiptHashes: []ledger.Hash{{byte(step), 0xdd}}}
					err = s.Commit(Commit{Result: res, Record: &BatchRecord{Seq: seq, StateRoot: root},
						Cursor: []byte(fmt.Sprint("c", step)), Drop: []ledger.Hash{id}, Step: pos, Settled: []Pending{pend},
						Meta: []ledger.KV{{Key: []byte("w/" + fmt.Sprint(step)), Value: []byte{1}}}})
					settledPer = append(settledPer, []Pending{pend})
					seq++
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			steps, err := s.Steps()
			if err != nil || len(steps) != 20 {
				t.Fatalf("steps: %d %v", len(steps), err)
			}
			// The state as of any horizon is the state after the last
			// step at or below it (steps are at blocks 10..29).
			now := snapshot(t, s)
			for _, horizon := range []uint64{9, 10, 17, 25, 29, 40} {
				want := now
				if i := int(horizon) - 10 + 1; i < len(snaps) {
					want = snaps[max(i, 0)]
				}
				fs, done, err := s.FinalState(horizon)
				if err != nil {
					t.Fatal(err)
				}
				for _, m := range []map[string]string{want, now} {
					for k := range m {
						if k[0] != pState {
							continue
						}
						got, err := fs.Get([]byte(k[1:]))
						if w, ok := want[k]; err != nil || (ok && string(got) != w) || (!ok && got != nil) {
							t.Fatalf("horizon %d: key %x is %x, want %x (%v)", horizon, k, got, w, err)
						}
					}
				}
				done()
			}
			for i := 19; i >= 0; i-- {
				st, restored, ok, err := s.UndoNewest()
				if err != nil || !ok {
					t.Fatalf("undo %d: %v %v", i, ok, err)
				}
				if st != steps[19-i] {
					t.Fatalf("undo %d undid %+v, want %+v", i, st, steps[19-i])
				}
				if d := equalSnap(snaps[i], snapshot(t, s)); d != "" {
					t.Fatalf("after undoing step %d: %s", i, d)
				}
				pend, _, _ := s.LoadPending()
				for _, want := range settledPer[i] {
					found := false
					for _, p := range pend {
						found = found || (p.ID == want.ID && bytes.Equal(p.Raw, want.Raw) && p.Sender == want.Sender)
					}
					if !found {
						t.Fatalf("after undoing step %d: %x is not pending again", i, want.ID)
					}
				}
				if len(restored) != len(settledPer[i]) {
					t.Fatalf("undo %d restored %d, want %d", i, len(restored), len(settledPer[i]))
				}
			}
			if _, _, ok, err := s.UndoNewest(); ok || err != nil {
				t.Fatalf("undo past the first step: %v %v", ok, err)
			}
			if h, _ := s.Head(); h.NextSeq != 0 || len(h.Cursor) != 0 {
				t.Fatalf("head after undoing everything: %+v", h)
			}
		})
	}
}

// TestUndoPrunedBelowDepth keeps undo data only for the last UndoDepth
// blocks.
func TestUndoPrunedBelowDepth(t *testing.T) {
	s, err := Open("", Options{InMemory: true, UndoDepth: 5})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for b := uint64(1); b <= 20; b++ {
		err := s.Commit(Commit{Record: &BatchRecord{Seq: b - 1}, Cursor: []byte{byte(b)},
			Step: Step{Block: b, BlockHash: ledger.Hash{byte(b)}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	steps, err := s.Steps()
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 6 || steps[0].Block != 20 || steps[5].Block != 15 {
		t.Fatalf("kept %d steps: %+v", len(steps), steps)
	}
}
