package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/anonex/anonex/devnet"
	"github.com/anonex/anonex/ledger"
	"github.com/anonex/anonex/ledger/store"
	"github.com/anonex/anonex/node"
)

// benchRecovery measures coming back: a node n transactions behind,
// restarted, folding them from the chain (beside the live ingest rate of
// the same transactions on the node that took them), and a depth-3 reorg
// (from the replacement chain's head to the settled root again).
func benchRecovery(ctx context.Context, n int) error {
	d, err := devnet.Start(ctx, devnet.Config{Nodes: 1, NoMarket: true, HTTPAddr: "127.0.0.1:0", WSAddr: "127.0.0.1:0"})
	if err != nil {
		return err
	}
	defer d.Close()
	live := d.Nodes[0]
	anchor, _ := ledger.ParseAddress(d.Info.Contracts["anchor"])
	vault, _ := ledger.ParseAddress(d.Info.Contracts["vault"])
	dir, err := os.MkdirTemp("", "anonex-bench-catchup-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cfg := node.Config{DataDir: dir, EthRPC: d.Chain.WSURL(), Anchor: anchor, Vault: vault, PollInterval: 20 * time.Millisecond,
		FinalDepth: devnet.FinalDepth}
	behind, err := startNode(ctx, cfg)
	if err != nil {
		return err
	}
	if err := waitRoot(ctx, behind, live, time.Minute); err != nil {
		behind.Close()
		return err
	}
	behind.Close()

	// n transfers among funded accounts, straight into the live node's
	// pipeline (no gossip: the stopped node never sees them pending).
	p := newPopulation(live.Domain(), min(2000, max(100, n/10)), n)
	if err := ingestAll(live, p.setup, benchChunk); err != nil {
		return err
	}
	start := time.Now()
	if err := ingestAll(live, p.traffic, benchChunk); err != nil {
		return err
	}
	ingest := float64(len(p.traffic)) / time.Since(start).Seconds()
	live.Flush()
	wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if err := waitPoolEmpty(wctx, live); err != nil {
		return err
	}

	start = time.Now()
	behind, err = startNode(ctx, cfg)
	if err != nil {
		return err
	}
	defer behind.Close()
	if err := waitRoot(ctx, behind, live, 5*time.Minute); err != nil {
		return err
	}
	took := time.Since(start)
	txs := len(p.setup) + len(p.traffic)
	rate := float64(txs) / took.Seconds()
	report(row{name: fmt.Sprintf("catch-up: a node %d txs behind, restarted, to the chain's settled root", txs),
		value: fmt.Sprintf("%.0f tx/s (%s)", rate, ms(took)), ref: "live ingest of the same txs, same run", refValue: fmt.Sprintf("%.0f tx/s", ingest),
		ratio: fmt.Sprintf("%.2f", rate/ingest), goal: ">= 0.8", verdict: met(rate/ingest >= 0.8)})

	// A depth-3 reorg below both nodes' folded batches: the replacement
	// blocks carry the same Anchor submissions, so the root comes back.
	events, stop, ok := behind.Subscribe()
	if !ok {
		return fmt.Errorf("cannot subscribe to events")
	}
	defer stop()
	head, _ := d.Chain.Head()
	before, err := settledHeads(behind)
	if err != nil {
		return err
	}
	rootBefore := before[0].StateRoot
	// Timed from the start of the chain's reorg: the replacement blocks can
	// be folded before Reorg returns.
	newHead := time.Now()
	if err := d.Chain.Reorg(ctx, head-2); err != nil {
		return err
	}
	chainSide := time.Since(newHead)
	deadline := time.After(time.Minute)
	for rolled := false; !rolled; {
		select {
		case ev := <-events:
			rolled = ev.Type == "reorg"
		case <-deadline:
			return fmt.Errorf("no rollback within a minute of a depth-3 reorg")
		}
	}
	for {
		hs, err := settledHeads(behind, live)
		if err != nil {
			return err
		}
		if hs[0].StateRoot == rootBefore && hs[1].StateRoot == rootBefore {
			break
		}
		if time.Since(newHead) > time.Minute {
			return fmt.Errorf("the settled root did not come back within a minute of a depth-3 reorg")
		}
		time.Sleep(time.Millisecond)
	}
	reorg := time.Since(newHead)
	report(row{name: "depth-3 reorg: from the chain's reorg to the settled root again on both nodes (rollback + refold)", value: ms(reorg),
		ref: "the chain's own reorg (set head back, mine 3 blocks)", refValue: ms(chainSide),
		ratio: fmt.Sprintf("%.2f", reorg.Seconds()/chainSide.Seconds())})
	return nil
}

func startNode(ctx context.Context, cfg node.Config) (*node.Node, error) {
	n, err := node.New(cfg)
	if err != nil {
		return nil, err
	}
	if err := n.Start(ctx); err != nil {
		n.Close()
		return nil, err
	}
	return n, nil
}

// waitRoot waits until a has folded as far as b, to the same root.
func waitRoot(ctx context.Context, a, b *node.Node, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		hs, err := settledHeads(a, b)
		if err != nil {
			return err
		}
		ha, hb := hs[0], hs[1]
		if ha.NextSeq == hb.NextSeq && ha.StateRoot == hb.StateRoot {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("node at seq %d root %s, the other at %d %s", ha.NextSeq, ha.StateRoot, hb.NextSeq, hb.StateRoot)
		}
		time.Sleep(time.Millisecond)
	}
}

// settledHeads reads each node's settled head from its store.
func settledHeads(nodes ...*node.Node) ([]store.Head, error) {
	hs := make([]store.Head, len(nodes))
	for i, n := range nodes {
		h, err := n.Store().Head()
		if err != nil {
			return nil, fmt.Errorf("settled head: %w", err)
		}
		hs[i] = h
	}
	return hs, nil
}
