package node

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/anonex/anonex/account/names"
	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/ledger/store"
)

// A backup of a node is a data dir a node starts from: the store as of one
// moment (a Pebble checkpoint, consistent while the node runs, which a copy
// of the store's files is not), and the node's own files beside it — the
// libp2p key (its peer id, which other nodes may bootstrap from) and the
// API token (which its clients hold). What is not in it comes back from
// the chain and the peers: the batches settled since, and the pending
// transactions they gossiped (a node hands its pending set to each peer
// that joins). See docs/operations.md.

// nodeFiles are the files of a data dir beside the store.
var nodeFiles = []string{"p2p.key", "api-token"}

// Backup writes a backup of the running node to dir, an absolute path
// that must not exist, and reads it back.
func (n *Node) Backup(dir string) (api.BackupResult, error) {
	if n.cfg.InMemory {
		return api.BackupResult{}, api.Errorf(api.CodeConflict, "this node keeps its store in memory: there is nothing on disk to back up")
	}
	return backup(n.store, n.cfg.DataDir, dir)
}

// BackupDataDir writes a backup of the data dir of a node that is not
// running to dir. A running node holds its store's lock: back it up
// through its API (Backup) instead.
func BackupDataDir(dataDir, dir string) (api.BackupResult, error) {
	if _, err := os.Stat(filepath.Join(dataDir, "ledger")); err != nil {
		return api.BackupResult{}, fmt.Errorf("%s holds no node store (no ledger/ in it): %w", dataDir, err)
	}
	st, err := store.Open(filepath.Join(dataDir, "ledger"), store.Options{AccountLabel: names.Name})
	if err != nil {
		return api.BackupResult{}, fmt.Errorf("%w (a running node holds its store: back it up through its API, 'anonex backup --node URL')", err)
	}
	defer st.Close()
	return backup(st, dataDir, dir)
}

// backup checkpoints st into dir/ledger, copies the node's files from
// dataDir, and opens the copy to report what it holds. A failed backup
// leaves no directory behind.
func backup(st *store.Store, dataDir, dir string) (res api.BackupResult, err error) {
	if !filepath.IsAbs(dir) {
		return res, api.Errorf(api.CodeMalformed, "backup dir %q: want an absolute path (it is on the node's machine)", dir)
	}
	dir = filepath.Clean(dir)
	if _, err := os.Lstat(dir); err == nil {
		return res, api.Errorf(api.CodeConflict, "backup dir %s exists: a backup never overwrites anything", dir)
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
		return res, api.Errorf(api.CodeMalformed, "backup dir: %v", err)
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		return res, api.Errorf(api.CodeMalformed, "backup dir: %v", err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	if err := st.Checkpoint(filepath.Join(dir, "ledger")); err != nil {
		return res, err
	}
	res.Dir, res.Files = dir, []string{}
	for _, f := range nodeFiles {
		ok, err := copyFile(filepath.Join(dataDir, f), filepath.Join(dir, f))
		if err != nil {
			return res, err
		}
		if ok {
			res.Files = append(res.Files, f)
		}
	}
	if err := syncDir(dir); err != nil {
		return res, err
	}
	// Read the backup back, as a restored node will.
	cp, err := store.Open(filepath.Join(dir, "ledger"), store.Options{})
	if err != nil {
		return res, fmt.Errorf("node: the backup does not open: %w", err)
	}
	defer cp.Close()
	if res.Format, err = cp.Format(); err != nil {
		return res, err
	}
	h, err := cp.Head()
	if err != nil {
		return res, err
	}
	res.SettledSeq, res.StateRoot = h.SettledSeq(), h.StateRoot
	pend, _, err := cp.LoadPending()
	if err != nil {
		return res, err
	}
	res.Pending = len(pend)
	return res, nil
}

// copyFile copies src to dst (created, mode 0600, synced); false when
// there is no src.
func copyFile(src, dst string) (bool, error) {
	in, err := os.Open(src)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return false, err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return false, err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return false, err
	}
	return true, out.Close()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
