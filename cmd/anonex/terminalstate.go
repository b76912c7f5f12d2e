package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/anonex/anonex/cardbridge/desk"
	"github.com/anonex/anonex/client"
	"github.com/anonex/anonex/ledger"
	"github.com/holiman/uint256"
	"github.com/urfave/cli/v2"
)

// terminalState is what a terminal keeps to take payments with the
// network down: the network's domain, the assets it prices in, its own
// configuration (payee, trusted issuers, floor limits) and the hot-list as
// last fetched. `anonex terminal setup` writes it; every `terminal pay`
// that reaches the node refreshes the network's part. It lives beside the
// record queue, in the terminal's directory, as terminal.json.
type terminalState struct {
	ChainID uint64            `json:"chain_id"`
	Anchor  ledger.Address    `json:"anchor"`
	Payee   string            `json:"payee,omitempty"`
	Trusted []string          `json:"trusted,omitempty"`
	Floor   map[string]string `json:"floor,omitempty"` // asset id → amount in the asset's units
	Assets  []stateAsset      `json:"assets,omitempty"`
	// HotList is the hot-list as last fetched (card → reason), and when.
	HotList   map[string]string `json:"hot_list,omitempty"`
	HotListAt time.Time         `json:"hot_list_at,omitzero"`
}

type stateAsset struct {
	ID       ledger.Hash `json:"id"`
	Symbol   string      `json:"symbol"`
	Decimals uint8       `json:"decimals"`
}

// terminalDir is the terminal's directory: --queue, the devnet's terminal,
// or ~/.anonex/terminal.
func terminalDir(c *cli.Context) string {
	dir := str(c, "queue")
	if dir == "" {
		if dev, _ := loadDevnet(c); dev != nil && dev.Terminal != nil {
			dir = dev.Terminal.Queue
		}
	}
	if dir == "" {
		home, _ := os.UserHomeDir()
		dir = filepath.Join(home, ".anonex", "terminal")
	}
	return dir
}

func statePath(dir string) string { return filepath.Join(dir, "terminal.json") }

// loadTerminalState reads the terminal's state (empty when it has none).
func loadTerminalState(dir string) (*terminalState, error) {
	st := &terminalState{}
	b, err := os.ReadFile(statePath(dir))
	if errors.Is(err, os.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, st); err != nil {
		return nil, fmt.Errorf("%s: %w", statePath(dir), err)
	}
	return st, nil
}

// save writes the state whole: a temporary file, synced, renamed over the
// old one, so a crash leaves the old state or the new.
func (s *terminalState) save(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "terminal.json.*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := errors.Join(f.Sync(), f.Close()); err != nil {
		return err
	}
	return os.Rename(f.Name(), statePath(dir))
}

// asset finds an asset by symbol or id.
func (s *terminalState) asset(q string) (stateAsset, bool) {
	for _, a := range s.Assets {
		if strings.EqualFold(a.Symbol, q) || strings.EqualFold(a.ID.Hex(), q) {
			return a, true
		}
	}
	return stateAsset{}, false
}

func (s *terminalState) putAsset(a stateAsset) {
	for i := range s.Assets {
		if s.Assets[i].ID == a.ID {
			s.Assets[i] = a
			return
		}
	}
	s.Assets = append(s.Assets, a)
}

// refresh brings the network's part of the state up to date from the
// node: the domain, the asset q (all assets when q is ""), the hot-list.
// An error means the node was not reached (or answered nonsense): the
// domain is what tells.
func (s *terminalState) refresh(ctx context.Context, n *client.Client, q string) error {
	dom, err := n.Domain(ctx)
	if err != nil {
		return err
	}
	s.ChainID, s.Anchor = dom.ChainID, dom.Contract
	if q == "" {
		as, _ := n.Assets(ctx)
		for _, a := range as {
			s.putAsset(stateAsset{ID: a.ID, Symbol: a.Symbol, Decimals: a.Decimals})
		}
	} else if a, err := n.Asset(ctx, q); err == nil {
		s.putAsset(stateAsset{ID: a.ID, Symbol: a.Symbol, Decimals: a.Decimals})
	}
	// A hot-list the node does not give keeps the one last fetched.
	if hl, err := n.HotList(ctx); err == nil {
		s.HotList = map[string]string{}
		for _, e := range hl {
			s.HotList[e.Card.Hex()] = e.Reason
		}
		s.HotListAt = time.Now().UTC()
	}
	return nil
}

// fromDevnet fills what the state lacks from devnet.json: the devnet is
// the terminal's configuration too (its chain, anchor and assets).
func (s *terminalState) fromDevnet(c *cli.Context) {
	dev, _ := loadDevnet(c)
	if dev == nil {
		return
	}
	if s.ChainID == 0 && dev.Contracts["anchor"] != "" {
		if a, err := ledger.ParseAddress(dev.Contracts["anchor"]); err == nil {
			s.ChainID, s.Anchor = dev.ChainID, a
		}
	}
	for _, a := range dev.Assets {
		id, err := ledger.ParseHash(a.ID)
		if err != nil {
			continue
		}
		if _, ok := s.asset(a.ID); !ok {
			s.putAsset(stateAsset{ID: id, Symbol: a.Symbol, Decimals: a.Decimals})
		}
	}
}

// terminalSetup resolves what `terminal pay` needs: online from the node
// (refreshing the terminal's state file), offline from that file and
// devnet.json. online reports whether the node answered.
type terminalSetup struct {
	dir    string
	state  *terminalState
	asset  stateAsset
	domain ledger.Domain
	online bool
}

// onlineTimeout bounds the look-ups that tell whether the node is there.
const onlineTimeout = 5 * time.Second

func resolveTerminal(ctx context.Context, c *cli.Context, n *client.Client, currency string) (*terminalSetup, error) {
	ts := &terminalSetup{dir: terminalDir(c)}
	st, err := loadTerminalState(ts.dir)
	if err != nil {
		return nil, err
	}
	ts.state = st
	rctx, cancel := context.WithTimeout(ctx, onlineTimeout)
	netErr := st.refresh(rctx, n, currency)
	cancel()
	ts.online = netErr == nil
	if ts.online {
		if err := st.save(ts.dir); err != nil {
			return nil, fmt.Errorf("saving the terminal's state: %w", err)
		}
		a, err := lookupAsset(ctx, n, currency)
		if err != nil {
			return nil, fmt.Errorf("--currency: %w", err)
		}
		ts.asset = stateAsset{ID: a.ID, Symbol: a.Symbol, Decimals: a.Decimals}
	} else {
		st.fromDevnet(c)
		a, ok := st.asset(currency)
		if !ok {
			return nil, fmt.Errorf("--currency %s: the network is unreachable (%v) and this terminal has no record of the asset: "+
				"run `anonex terminal setup` while online", currency, netErr)
		}
		if st.ChainID == 0 {
			return nil, fmt.Errorf("the network is unreachable (%v) and this terminal does not know its network: "+
				"run `anonex terminal setup` while online", netErr)
		}
		ts.asset = a
		notice(c, "notice: the network is unreachable (%v): offline payments only\n", netErr)
	}
	ts.domain = ledger.NewDomain(st.ChainID, st.Anchor)
	return ts, nil
}

// hotList is the state's hot-list in the terminal's form.
func (s *terminalState) hotList() map[ledger.Address]string {
	out := map[ledger.Address]string{}
	for k, v := range s.HotList {
		if a, err := ledger.ParseAddress(k); err == nil {
			out[a] = v
		}
	}
	return out
}

// terminalSetupCommand writes the terminal's state file while online.
func terminalSetupCommand() *cli.Command {
	return &cli.Command{
		Name: "setup",
		Usage: "configure this terminal and fetch what it needs to take payments with the network down " +
			"(domain, assets, hot-list), into terminal.json in its directory",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "payee", Usage: "the merchant account payments go to (default: the devnet's)"},
			&cli.StringSliceFlag{Name: "trusted", Usage: "trusted issuer `ADDRESS` (repeatable; default: the devnet's)"},
			&cli.StringFlag{Name: "currency", Value: "EUR", Usage: "the asset --floor is in (`SYMBOL|ID`)"},
			&cli.StringFlag{Name: "floor", Usage: "offline floor limit in the currency (default: the devnet's)"},
			queueFlag,
			nodeFlag, devnetFlag, jsonFlag,
		},
		Action: func(c *cli.Context) error {
			ctx, cancel := context.WithTimeout(c.Context, time.Minute)
			defer cancel()
			n, err := nodeClient(c)
			if err != nil {
				return err
			}
			dir := terminalDir(c)
			st, err := loadTerminalState(dir)
			if err != nil {
				return err
			}
			if err := st.refresh(ctx, n, ""); err != nil {
				return fmt.Errorf("setting up a terminal needs the network: %w", err)
			}
			payee, trusted, floor := c.String("payee"), c.StringSlice("trusted"), c.String("floor")
			a, ok := st.asset(c.String("currency"))
			if !ok {
				return fmt.Errorf("--currency: no asset %q", c.String("currency"))
			}
			if dev, _ := loadDevnet(c); dev != nil && dev.Terminal != nil {
				if payee == "" {
					payee = dev.Terminal.Payee
				}
				if len(trusted) == 0 {
					trusted = dev.Terminal.Trusted
				}
				if st.Floor == nil && !c.IsSet("floor") {
					st.Floor = dev.Terminal.Floor
				}
			}
			if payee != "" {
				if _, err := ledger.ParseAddress(payee); err != nil {
					return fmt.Errorf("--payee: %w", err)
				}
				st.Payee = payee
			}
			if len(trusted) > 0 {
				for _, t := range trusted {
					if _, err := ledger.ParseAddress(t); err != nil {
						return fmt.Errorf("--trusted: %w", err)
					}
				}
				st.Trusted = trusted
			}
			if floor != "" {
				f, err := ledger.ParseAmount(floor, a.Decimals)
				if err != nil {
					return fmt.Errorf("--floor: %w", err)
				}
				if st.Floor == nil {
					st.Floor = map[string]string{}
				}
				st.Floor[a.ID.Hex()] = ledger.FormatAmount(f, a.Decimals)
			}
			if st.Payee == "" || len(st.Trusted) == 0 {
				return errors.New("the terminal needs --payee and --trusted (or --devnet DIR)")
			}
			if err := st.save(dir); err != nil {
				return err
			}
			return output(c, st, func() {
				fmt.Printf("terminal set up in %s: payee %s, %d trusted issuers, %d assets, %d cards on the hot-list\n",
					statePath(dir), st.Payee, len(st.Trusted), len(st.Assets), len(st.HotList))
			})
		},
	}
}

// floorOf parses the floor limit of asset a from a state or devnet map.
func floorOf(m map[string]string, a stateAsset) (*uint256.Int, bool, error) {
	for k, v := range m {
		if strings.EqualFold(k, a.ID.Hex()) {
			f, err := ledger.ParseAmount(v, a.Decimals)
			return f, err == nil, err
		}
	}
	return nil, false, nil
}

// refreshState refreshes the state of a terminal that has one, after it
// reached the node (a flush): the next offline payment checks the newest
// hot-list.
func refreshState(ctx context.Context, n *client.Client, dir string) {
	st, err := loadTerminalState(dir)
	if err != nil || st.ChainID == 0 {
		return
	}
	if st.refresh(ctx, n, "") == nil {
		st.save(dir)
	}
}

// deskTerminal is the settings of the terminal a node started with
// --readers --terminal DIR runs for its web app: terminal.json in DIR as
// `anonex terminal setup` wrote it (read again at each payment, so a new
// setup needs no restart), and the record queue in DIR, the same one
// `anonex terminal pay --queue DIR` uses (the node opens it only while a
// payment or a queue call runs).
func deskTerminal(dir string) (func() (desk.TerminalSettings, error), error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	read := func() (desk.TerminalSettings, error) {
		st, err := loadTerminalState(abs)
		if err != nil {
			return desk.TerminalSettings{}, err
		}
		if st.Payee == "" || len(st.Trusted) == 0 {
			return desk.TerminalSettings{}, fmt.Errorf("%s has no payee or trusted issuers: run `anonex terminal setup --queue %s`", statePath(abs), abs)
		}
		set := desk.TerminalSettings{Queue: abs, Floor: map[ledger.Hash]string{}, HotList: st.hotList()}
		if set.Payee, err = ledger.ParseAddress(st.Payee); err != nil {
			return set, fmt.Errorf("%s: payee: %w", statePath(abs), err)
		}
		for _, t := range st.Trusted {
			a, err := ledger.ParseAddress(t)
			if err != nil {
				return set, fmt.Errorf("%s: trusted: %w", statePath(abs), err)
			}
			set.Trusted = append(set.Trusted, a)
		}
		for k, v := range st.Floor {
			id, err := ledger.ParseHash(k)
			if err != nil {
				return set, fmt.Errorf("%s: floor: %w", statePath(abs), err)
			}
			set.Floor[id] = v
		}
		return set, nil
	}
	// Refuse a directory that is no terminal's at start, not at the
	// first payment.
	if _, err := read(); err != nil {
		return nil, err
	}
	return read, nil
}
