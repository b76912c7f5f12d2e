package devnet

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/anonex/anonex/cardbridge/applet"
	"github.com/anonex/anonex/cardbridge/pcsc"
	"github.com/anonex/anonex/cardbridge/terminal/queue"
	"github.com/anonex/anonex/cardbridge/vcard"
	"github.com/anonex/anonex/chain/devchain"
)

// A snapshot is the whole devnet at one moment, to come back to with
// Revert, as anvil's evm_snapshot and evm_revert but for every part at
// once: the chain (its head block), every node's store (a Pebble
// checkpoint: ledger, pending transactions, offers, venues, the issuer's
// records), every card's memory and the devnet terminal's directory (its
// queue remembers each card's counter). It lives in the devnet's directory,
// snapshots/<id>, while the devnet process runs.
//
// Taking one reads the cards first, then checkpoints the nodes, then marks
// the chain once it is quiet, so nothing is ahead of what it follows: a
// card is never ahead of the ledgers, a ledger never ahead of the chain
// (a node checkpointed behind the head folds the blocks up to it again
// after a revert, as after a crash).
//
// A revert stops the market maker, the pausers (the command's kiosk) and
// every node, rewinds the chain (devchain.Chain.Rewind), puts each node's
// checkpoint in place of its store and each card's memory back, and starts
// it all again: nodes on the same API addresses, tokens and peer ids. As
// evm_revert, it uses the snapshot up, and drops every later one (their
// blocks are gone from the chain).

// SnapshotInfo describes a snapshot.
type SnapshotInfo struct {
	ID    string        `json:"id"`
	Taken time.Time     `json:"taken"`
	Chain devchain.Mark `json:"chain"`
	// Settled is each node's settled batch count (its next batch
	// sequence number) when the snapshot was taken.
	Settled []uint64 `json:"settled"`
	// Cards is the number of card memories the snapshot holds.
	Cards int `json:"cards"`
}

// RevertInfo is what Revert reports.
type RevertInfo struct {
	Snapshot SnapshotInfo `json:"snapshot"`
	// Dropped are the later snapshots the revert removed.
	Dropped []string `json:"dropped,omitempty"`
	Millis  int64    `json:"ms"`
}

// ErrUnknownSnapshot: Revert was given an id that names no snapshot of
// this devnet (never taken, already used by a revert, dropped by a revert
// to an earlier one, or taken before the devnet restarted).
var ErrUnknownSnapshot = errors.New("devnet: no such snapshot")

// ErrNodeDown: a snapshot needs every node running (StartNode it first).
var ErrNodeDown = errors.New("devnet: a node is stopped")

// CardAttachedError refuses a snapshot or revert while a program outside
// the devnet is attached to a card: through pcscd it holds a connection to
// the card's reader (a terminal paying, a kiosk showing it, pcsc_scan,
// opensc-tool); an in-process card's state file is open in it (anonex
// terminal with the devnet's state file). The card's memory may change
// under that program at any moment, and a program holding a session would
// carry on with a card whose memory changed under it: the devnet does not
// touch the card then.
type CardAttachedError struct {
	Card   int
	Reader string // the PC/SC reader, "" for an in-process card
	State  string // the card's state file
	Err    error
}

func (e *CardAttachedError) Error() string {
	if e.Reader != "" {
		return fmt.Sprintf("devnet: card %d is attached: another program is connected to it in reader %q "+
			"(a terminal, a kiosk, pcsc_scan, opensc-tool…); finish or stop that program and try again (%v)", e.Card, e.Reader, e.Err)
	}
	return fmt.Sprintf("devnet: card %d is attached: its state file %s is open in another program (anonex terminal, a virtual card); "+
		"finish or stop that program and try again", e.Card, e.State)
}

func (e *CardAttachedError) Unwrap() error { return e.Err }

// snapshots is the devnet's snapshot book.
type snapshots struct {
	// mu serialises Snapshot, Revert and Close.
	mu   sync.Mutex
	next uint64
	live []SnapshotInfo // in the order taken
	gone map[string]string
	// pausers are called around every snapshot and revert (see OnPause).
	pausers []func() (resume func())
}

// snapDir is where the devnet keeps its snapshots.
func (d *Devnet) snapDir() string { return filepath.Join(d.Dir, "snapshots") }

// loadSnapshots prepares the snapshot book at start: snapshots a previous
// run of a persisted devnet left are removed (they cannot be reverted to:
// see Revert) but remembered, so reverting to one says why it fails, and
// ids are never given twice.
func (d *Devnet) loadSnapshots() error {
	d.snaps.gone = map[string]string{}
	d.snaps.next = 1
	dir := d.snapDir()
	if b, err := os.ReadFile(filepath.Join(dir, "next-id")); err == nil {
		if n, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64); err == nil && n > 0 {
			d.snaps.next = n
		}
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if _, err := strconv.ParseUint(e.Name(), 10, 64); err == nil {
			d.snaps.gone[e.Name()] = "it was taken before the devnet restarted: snapshots last as long as the devnet process " +
				"(a reopened chain cannot be rewound below the head it reopened at)"
		}
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// OnPause registers pause, called before every snapshot and revert; the
// function it returns is called after. The command's kiosk registers its
// stop and restart so its reader is free and it reads the reverted card
// afresh.
func (d *Devnet) OnPause(pause func() (resume func())) {
	d.snaps.mu.Lock()
	defer d.snaps.mu.Unlock()
	d.snaps.pausers = append(d.snaps.pausers, pause)
}

func (d *Devnet) pause() (resume func()) {
	var resumes []func()
	for _, p := range d.snaps.pausers {
		resumes = append(resumes, p())
	}
	return func() {
		for i := len(resumes) - 1; i >= 0; i-- {
			resumes[i]()
		}
	}
}

// Snapshots lists the live snapshots, oldest first.
func (d *Devnet) Snapshots() []SnapshotInfo {
	d.snaps.mu.Lock()
	defer d.snaps.mu.Unlock()
	return slices.Clone(d.snaps.live)
}

// Snapshot takes a snapshot of the whole devnet and returns it. It
// refuses while a node is stopped (ErrNodeDown) or a card is attached
// (*CardAttachedError); ctx bounds the wait for a quiet chain.
func (d *Devnet) Snapshot(ctx context.Context) (SnapshotInfo, error) {
	d.snaps.mu.Lock()
	defer d.snaps.mu.Unlock()
	if d.Chain == nil {
		return SnapshotInfo{}, errors.New("devnet: closed")
	}
	for i := range d.Nodes {
		if d.NodeDown(i) {
			return SnapshotInfo{}, fmt.Errorf("%w: node %d; start it before taking a snapshot", ErrNodeDown, i)
		}
	}
	defer d.pause()()
	hold, err := d.holdCards()
	if err != nil {
		return SnapshotInfo{}, err
	}
	defer hold.release()
	id := strconv.FormatUint(d.snaps.next, 10)
	tmp := filepath.Join(d.snapDir(), id+".tmp")
	if err := os.RemoveAll(tmp); err != nil {
		return SnapshotInfo{}, err
	}
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		return SnapshotInfo{}, err
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(tmp)
		}
	}()
	info := SnapshotInfo{ID: id, Taken: time.Now().UTC(), Cards: len(d.Info.Cards)}
	// Cards first, then the nodes, then the chain: each is then at or
	// behind what it follows.
	for i, c := range d.Info.Cards {
		b, err := os.ReadFile(c.State)
		if err != nil {
			return SnapshotInfo{}, fmt.Errorf("devnet: snapshot card %d: %w", i, err)
		}
		if err := os.WriteFile(filepath.Join(tmp, fmt.Sprintf("card-%d.state", i)), b, 0o600); err != nil {
			return SnapshotInfo{}, err
		}
	}
	if err := hold.snapshotTerminal(tmp); err != nil {
		return SnapshotInfo{}, fmt.Errorf("devnet: snapshot the terminal: %w", err)
	}
	for i, n := range d.Nodes {
		if err := n.Store().Checkpoint(filepath.Join(tmp, fmt.Sprintf("node-%d", i))); err != nil {
			return SnapshotInfo{}, fmt.Errorf("devnet: snapshot node %d: %w", i, err)
		}
		st, err := n.Status()
		if err != nil {
			return SnapshotInfo{}, err
		}
		settled := uint64(0)
		if st.SettledSeq != nil {
			settled = *st.SettledSeq + 1
		}
		info.Settled = append(info.Settled, settled)
	}
	mctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if info.Chain, err = d.Chain.Mark(mctx); err != nil {
		return SnapshotInfo{}, err
	}
	b, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return SnapshotInfo{}, err
	}
	if err := os.WriteFile(filepath.Join(tmp, "snapshot.json"), append(b, '\n'), 0o600); err != nil {
		return SnapshotInfo{}, err
	}
	if err := os.Rename(tmp, filepath.Join(d.snapDir(), id)); err != nil {
		return SnapshotInfo{}, err
	}
	ok = true
	d.snaps.next++
	if err := os.WriteFile(filepath.Join(d.snapDir(), "next-id"), []byte(strconv.FormatUint(d.snaps.next, 10)+"\n"), 0o600); err != nil {
		d.log.Warn("devnet: recording the next snapshot id", "err", err)
	}
	d.snaps.live = append(d.snaps.live, info)
	d.log.Info("devnet snapshot taken", "id", id, "block", info.Chain.Number)
	return info, nil
}

// Revert brings the whole devnet back to snapshot id (see SnapshotInfo)
// and uses it up, with every later snapshot. It refuses an id it does not
// hold (ErrUnknownSnapshot, with the reason when it once held it) and an
// attached card (*CardAttachedError), changing nothing then. ctx bounds
// the wait for a quiet chain and the nodes' restart.
func (d *Devnet) Revert(ctx context.Context, id string) (RevertInfo, error) {
	began := time.Now()
	d.snaps.mu.Lock()
	defer d.snaps.mu.Unlock()
	if d.Chain == nil {
		return RevertInfo{}, errors.New("devnet: closed")
	}
	at := slices.IndexFunc(d.snaps.live, func(s SnapshotInfo) bool { return s.ID == id })
	if at < 0 {
		if why, ok := d.snaps.gone[id]; ok {
			return RevertInfo{}, fmt.Errorf("%w: snapshot %s is gone: %s", ErrUnknownSnapshot, id, why)
		}
		return RevertInfo{}, fmt.Errorf("%w: %q (list them with `anonex devnet snapshots`)", ErrUnknownSnapshot, id)
	}
	snap := d.snaps.live[at]
	dir := filepath.Join(d.snapDir(), id)
	if snap.Chain.Number < d.Chain.ReopenedAt() {
		return RevertInfo{}, fmt.Errorf("%w: snapshot %s is below the head the chain reopened at", ErrUnknownSnapshot, id)
	}
	cards := make([][]byte, snap.Cards)
	for i := range cards {
		b, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("card-%d.state", i)))
		if err != nil {
			return RevertInfo{}, fmt.Errorf("devnet: snapshot %s: %w", id, err)
		}
		cards[i] = b
	}
	resume := d.pause()
	defer resume()
	hold, err := d.holdCards()
	if err != nil {
		return RevertInfo{}, err
	}
	defer hold.release()

	// From here on the devnet is taken apart; it is put back together
	// whatever fails, with what could be restored.
	market := d.stopMarket != nil
	if market {
		d.stopMarket()
		d.stopMarket = nil
	}
	for i := range d.Nodes {
		if !d.NodeDown(i) {
			if err := d.StopNode(i); err != nil {
				d.log.Warn("devnet revert: stopping node", "node", i, "err", err)
			}
		}
	}
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var errs []error
	if err := d.Chain.Rewind(rctx, snap.Chain); err != nil {
		// Nothing else was changed: the devnet comes back as it was.
		errs = append(errs, err)
	} else {
		for i := range d.Nodes {
			if err := d.restoreStore(i, filepath.Join(dir, fmt.Sprintf("node-%d", i))); err != nil {
				errs = append(errs, fmt.Errorf("devnet: revert node %d: %w", i, err))
			}
		}
		if err := hold.restore(ctx, d, cards); err != nil {
			errs = append(errs, err)
		}
		if err := hold.restoreTerminal(dir); err != nil {
			errs = append(errs, fmt.Errorf("devnet: revert the terminal: %w", err))
		}
	}
	for i := range d.Nodes {
		if err := d.StartNode(rctx, i); err != nil {
			errs = append(errs, err)
		}
	}
	if err := d.waitConnected(rctx); err != nil {
		errs = append(errs, err)
	}
	d.refreshNodeInfo()
	if market {
		if err := d.startMarket(rctx, d.mmKey); err != nil {
			errs = append(errs, fmt.Errorf("devnet: restart the market maker: %w", err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return RevertInfo{}, fmt.Errorf("devnet: revert to snapshot %s: %w", id, err)
	}
	out := RevertInfo{Snapshot: snap}
	for _, s := range d.snaps.live[at:] {
		if s.ID != id {
			out.Dropped = append(out.Dropped, s.ID)
			d.snaps.gone[s.ID] = fmt.Sprintf("it was taken after snapshot %s, which the devnet was reverted to", id)
		} else {
			d.snaps.gone[s.ID] = "the devnet was reverted to it (a revert uses its snapshot up: take a new one)"
		}
		if err := os.RemoveAll(filepath.Join(d.snapDir(), s.ID)); err != nil {
			d.log.Warn("devnet revert: removing a used snapshot", "id", s.ID, "err", err)
		}
	}
	d.snaps.live = d.snaps.live[:at]
	out.Millis = time.Since(began).Milliseconds()
	d.log.Info("devnet reverted", "snapshot", id, "block", snap.Chain.Number, "took", time.Since(began))
	return out, nil
}

// restoreStore puts the checkpoint cp in place of stopped node i's store.
func (d *Devnet) restoreStore(i int, cp string) error {
	ledgerDir := filepath.Join(d.nodeCfgs[i].DataDir, "ledger")
	old := ledgerDir + ".reverted"
	if err := os.RemoveAll(old); err != nil {
		return err
	}
	if err := os.Rename(ledgerDir, old); err != nil {
		return err
	}
	if err := os.Rename(cp, ledgerDir); err != nil {
		// Put the store back as it was.
		return errors.Join(err, os.Rename(old, ledgerDir))
	}
	return os.RemoveAll(old)
}

// refreshNodeInfo updates devnet.json's node entries after nodes
// restarted (their gossip listen addresses are new) and rewrites it.
func (d *Devnet) refreshNodeInfo() {
	for i, n := range d.Nodes {
		if i < len(d.Info.Nodes) && !d.NodeDown(i) {
			d.Info.Nodes[i].Multiaddrs = n.Multiaddrs()
		}
	}
	if err := d.writeInfo(); err != nil {
		d.log.Warn("devnet: rewriting devnet.json", "err", err)
	}
}

// cardHold is the devnet's hold on its cards during a snapshot or revert:
// an exclusive PC/SC connection to each card in a reader, the locked state
// file of each in-process card. While it is held no other program can
// attach to a card.
type cardHold struct {
	pc      *pcsc.Context
	handles []*pcsc.Card
	files   map[int]*applet.FileMedium
	// terms are the devnet's terminals' queues, open: the devnet's
	// terminal (Info.Terminal.Queue) and the one node 0 runs for the web
	// app (webTerminalDir). Their counters must follow the cards (a
	// terminal that saw a higher counter declines a reverted card as a
	// clone).
	terms []heldQueue
}

// heldQueue is a terminal's queue held during a snapshot or revert: its
// directory, where the snapshot keeps it (name), and the queue when the
// directory exists.
type heldQueue struct {
	dir, name string
	q         *queue.Queue
}

// ErrTerminalAttached: the devnet's terminal directory is open in an
// `anonex terminal` process, or the web terminal's in a payment.
var ErrTerminalAttached = errors.New("devnet: the devnet's terminal is in use")

// holdTerminal opens the devnet's terminals' queues, when there are.
func (h *cardHold) holdTerminal(d *Devnet) error {
	if d.Info.Terminal == nil || d.Info.Terminal.Queue == "" {
		return nil
	}
	for _, t := range []heldQueue{{dir: d.Info.Terminal.Queue, name: "terminal"}, {dir: d.webTerminalDir(), name: "web-terminal"}} {
		if _, err := os.Stat(t.dir); errors.Is(err, os.ErrNotExist) {
			h.terms = append(h.terms, t) // no such terminal ran yet
			continue
		}
		q, err := queue.Open(t.dir)
		if err != nil {
			if errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EACCES) || strings.Contains(err.Error(), "lock") {
				return fmt.Errorf("%w: %s is open in another program (anonex terminal) or a payment of the web terminal; finish or stop it and try again: %w",
					ErrTerminalAttached, t.dir, err)
			}
			return err
		}
		t.q = q
		h.terms = append(h.terms, t)
	}
	return nil
}

// snapshotTerminal keeps each terminal's queue and its terminal.json in
// dir/terminal and dir/web-terminal (nothing of a terminal that never ran).
func (h *cardHold) snapshotTerminal(dir string) error {
	for _, t := range h.terms {
		if t.q == nil {
			continue
		}
		to := filepath.Join(dir, t.name)
		if err := t.q.Checkpoint(to); err != nil {
			return err
		}
		b, err := os.ReadFile(filepath.Join(t.dir, "terminal.json"))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(to, "terminal.json"), b, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// restoreTerminal puts each terminal's directory back as the snapshot in
// dir kept it: none when that terminal had not run then.
func (h *cardHold) restoreTerminal(dir string) error {
	var errs []error
	for i := range h.terms {
		t := &h.terms[i]
		if t.q != nil {
			t.q.Close()
			t.q = nil
		}
		old := t.dir + ".reverted"
		if err := os.RemoveAll(old); err != nil {
			errs = append(errs, err)
			continue
		}
		if err := os.Rename(t.dir, old); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		if err := os.Rename(filepath.Join(dir, t.name), t.dir); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, errors.Join(err, os.Rename(old, t.dir)))
			continue
		}
		errs = append(errs, os.RemoveAll(old))
	}
	return errors.Join(errs...)
}

// holdCards takes the hold, or fails with *CardAttachedError naming the
// first card a program is attached to.
func (d *Devnet) holdCards() (*cardHold, error) {
	h := &cardHold{files: map[int]*applet.FileMedium{}}
	ok := false
	defer func() {
		if !ok {
			h.release()
		}
	}()
	if err := h.holdTerminal(d); err != nil {
		return nil, err
	}
	for i, c := range d.Info.Cards {
		if c.Transport != "pcsc" {
			m, err := applet.OpenFileMedium(c.State)
			if errors.Is(err, applet.ErrMediumInUse) {
				return nil, &CardAttachedError{Card: i, State: c.State, Err: err}
			}
			if err != nil {
				return nil, err
			}
			h.files[i] = m
			continue
		}
		if h.pc == nil {
			pc, err := pcsc.Open()
			if err != nil {
				return nil, fmt.Errorf("devnet: the cards' readers: %w", err)
			}
			h.pc = pc
		}
		if i < len(d.cards) && !d.cards[i].slot.Inserted() {
			continue // out of its reader: nobody can be attached to it
		}
		card, err := h.pc.ConnectExclusive(c.Reader)
		switch {
		case errors.Is(err, pcsc.ErrSharing):
			return nil, &CardAttachedError{Card: i, Reader: c.Reader, State: c.State, Err: err}
		case errors.Is(err, pcsc.ErrNoCard), errors.Is(err, pcsc.ErrCardRemoved):
			// Being inserted or pulled by the devnet itself: not attached.
		case err != nil:
			return nil, fmt.Errorf("devnet: card %d in %s: %w", i, c.Reader, err)
		default:
			h.handles = append(h.handles, card)
		}
	}
	ok = true
	return h, nil
}

// restore writes the cards' memories back: an in-process card's into its
// locked state file; a card in a reader is pulled, its memory written
// back, and inserted again as a card fresh from that memory (a program
// that connects afterwards sees a new card session), and restore waits
// for pcscd to see it back.
func (h *cardHold) restore(ctx context.Context, d *Devnet, cards [][]byte) error {
	var errs []error
	for i, m := range h.files {
		if i < len(cards) {
			errs = append(errs, writeMemory(m, cards[i]))
		}
	}
	// Let the readers go: the cards are pulled next.
	for _, c := range h.handles {
		c.Close()
	}
	h.handles = nil
	var back []int
	for i, dc := range d.cards {
		if i >= len(cards) || dc.slot == nil {
			continue
		}
		inserted := dc.slot.Inserted()
		if inserted {
			if err := dc.slot.Remove(); err != nil && !errors.Is(err, vcard.ErrSlotEmpty) {
				errs = append(errs, err)
			}
		}
		select {
		case <-dc.slot.Done(): // its last command has returned
		case <-ctx.Done():
			return ctx.Err()
		}
		if err := writeMemory(dc.medium, cards[i]); err != nil {
			errs = append(errs, fmt.Errorf("devnet: card %d: %w", i, err))
			continue
		}
		card, err := applet.New(dc.medium, rand.Reader)
		if err != nil {
			errs = append(errs, fmt.Errorf("devnet: card %d: %w", i, err))
			continue
		}
		dc.card = card
		if inserted {
			back = append(back, i)
		}
	}
	if len(back) > 0 && h.pc != nil {
		// pcscd polls presence every ~400 ms: wait for it to see each card
		// gone before it comes back, so it is a new card session.
		for _, i := range back {
			wctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			h.pc.WaitRemoved(wctx, d.Info.Cards[i].Reader)
			cancel()
			if err := d.cards[i].slot.InsertContext(ctx, d.cards[i].card); err != nil {
				errs = append(errs, fmt.Errorf("devnet: card %d back into its reader: %w", i, err))
				continue
			}
			wctx, cancel = context.WithTimeout(ctx, 5*time.Second)
			err := h.pc.WaitCard(wctx, d.Info.Cards[i].Reader)
			cancel()
			if err != nil {
				errs = append(errs, fmt.Errorf("devnet: card %d back into its reader: %w", i, err))
			}
		}
	}
	return errors.Join(errs...)
}

// writeMemory replaces a card's whole memory with b.
func writeMemory(m *applet.FileMedium, b []byte) error {
	if err := m.Truncate(0); err != nil {
		return err
	}
	if _, err := m.WriteAt(b, 0); err != nil {
		return err
	}
	return m.Sync()
}

func (h *cardHold) release() {
	for _, c := range h.handles {
		c.Close()
	}
	h.handles = nil
	for _, m := range h.files {
		m.Close()
	}
	h.files = nil
	for i := range h.terms {
		if h.terms[i].q != nil {
			h.terms[i].q.Close()
			h.terms[i].q = nil
		}
	}
	if h.pc != nil {
		h.pc.Release()
		h.pc = nil
	}
}
