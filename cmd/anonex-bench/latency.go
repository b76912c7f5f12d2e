package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/chain/devchain"
	"github.com/anonex/anonex/client"
	"github.com/anonex/anonex/devnet"
	"github.com/anonex/anonex/ledger"
)

// benchDevnet times `devnet.Start` (chain, Anchor, 3 connected nodes, demo
// accounts settled) three times.
func benchDevnet(ctx context.Context) error {
	var ts []time.Duration
	for i := 0; i < 3; i++ {
		start := time.Now()
		d, err := devnet.Start(ctx, devnet.Config{HTTPAddr: "127.0.0.1:0", WSAddr: "127.0.0.1:0"})
		if err != nil {
			return err
		}
		ts = append(ts, time.Since(start))
		d.Close()
	}
	med := percentile(ts, 0.5)
	report(row{name: "devnet start to ready (chain, Anchor, 3 nodes connected, demo settled), median of 3",
		value: ms(med), ref: "goal", refValue: "3000 ms", ratio: fmt.Sprintf("%.2f", med.Seconds()/3), goal: "<= 3 s", verdict: met(med <= 3*time.Second)})
	return nil
}

// sseWatch records when each tx id first reaches a status on a node.
type sseWatch struct {
	mu   sync.Mutex
	seen map[string]time.Time
}

func watch(ctx context.Context, base string, status api.TxStatus) (*sseWatch, error) {
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/v1/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	w := &sseWatch{seen: map[string]time.Time{}}
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			line := sc.Text()
			if !strings.HasPrefix(line, "data: ") {
				continue
			}
			now := time.Now()
			var e api.Event
			if json.Unmarshal([]byte(line[6:]), &e) != nil || e.ID == nil || e.Status != string(status) {
				continue
			}
			w.mu.Lock()
			if _, ok := w.seen[e.ID.Hex()]; !ok {
				w.seen[e.ID.Hex()] = now
			}
			w.mu.Unlock()
		}
	}()
	return w, nil
}

func (w *sseWatch) wait(id ledger.Hash, timeout time.Duration) (time.Time, bool) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		w.mu.Lock()
		t, ok := w.seen[id.Hex()]
		w.mu.Unlock()
		if ok {
			return t, true
		}
		time.Sleep(200 * time.Microsecond)
	}
	return time.Time{}, false
}

// benchLatency submits transfers over HTTP to node 1 one at a time and
// times, from the submit call, (a) the pending event on node 2 (gossip) and
// (b) the settled event on node 1. References: an HTTP round trip to the
// node, and a plain ETH transfer's inclusion on the chain.
func benchLatency(ctx context.Context) error {
	d, err := devnet.Start(ctx, devnet.Config{HTTPAddr: "127.0.0.1:0", WSAddr: "127.0.0.1:0"})
	if err != nil {
		return err
	}
	defer d.Close()
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pending, err := watch(wctx, d.Nodes[2].APIURL(), api.TxPending)
	if err != nil {
		return err
	}
	settled, err := watch(wctx, d.Nodes[1].APIURL(), api.TxSettled)
	if err != nil {
		return err
	}
	time.Sleep(50 * time.Millisecond) // both streams open
	cl := client.New(d.Nodes[1].APIURL(), "")
	dom := d.Nodes[1].Domain()
	from, to := keyAt(9001), keyAt(9002)
	// Fund the sender from the devnet issuer.
	issuerKey, err := devnetKey(d, "issuer")
	if err != nil {
		return err
	}
	eur, _ := ledger.ParseHash(d.Info.Assets[0].ID)
	me, _ := cl.Account(ctx, issuerKey.Address().Hex())
	fund := &ledger.Transfer{From: issuerKey.Address(), To: from.Address(), Asset: eur, Nonce: me.Nonce}
	fund.Amount.SetUint64(1_000_000)
	if err := submitSigned(ctx, cl, issuerKey, fund, dom, true); err != nil {
		return err
	}
	var rtt, toPending, toSettled []time.Duration
	const n = 200
	for i := 0; i < n; i++ {
		t0 := time.Now()
		if _, err := cl.Status(ctx); err != nil {
			return err
		}
		rtt = append(rtt, time.Since(t0))
		t := &ledger.Transfer{From: from.Address(), To: to.Address(), Asset: eur, Nonce: uint64(i)}
		t.Amount.SetUint64(uint64(1 + i))
		sig, err := from.Sign(dom.Digest(t.StructHash()))
		if err != nil {
			return err
		}
		start := time.Now()
		res, err := cl.Submit(ctx, &ledger.Tx{Payload: t, Sig: ledger.Sig(sig)})
		if err != nil {
			return err
		}
		pt, ok := pending.wait(res.ID, 10*time.Second)
		if !ok {
			return fmt.Errorf("tx %d never pending on node 2", i)
		}
		toPending = append(toPending, pt.Sub(start))
		if i%10 == 0 { // settle every tenth one end to end, unhurried
			st, ok := settled.wait(res.ID, 30*time.Second)
			if !ok {
				return fmt.Errorf("tx %d never settled", i)
			}
			toSettled = append(toSettled, st.Sub(start))
		}
	}
	eth, err := ethInclusion(ctx, d)
	if err != nil {
		return err
	}
	report(row{name: "submit -> pending on another node, p50 / p99", value: ms(percentile(toPending, .5)) + " / " + ms(percentile(toPending, .99)),
		ref: "HTTP round trip to a node, p50 / p99", refValue: ms(percentile(rtt, .5)) + " / " + ms(percentile(rtt, .99)),
		ratio: fmt.Sprintf("%.1f", float64(percentile(toPending, .5))/float64(percentile(rtt, .5)))})
	report(row{name: fmt.Sprintf("submit -> settled (batch age %s), p50 / p99", "50ms"), value: ms(percentile(toSettled, .5)) + " / " + ms(percentile(toSettled, .99)),
		ref: "plain ETH transfer inclusion, p50", refValue: ms(eth),
		ratio: fmt.Sprintf("%.1f", float64(percentile(toSettled, .5))/float64(eth))})
	return nil
}

func ethInclusion(ctx context.Context, d *devnet.Devnet) (time.Duration, error) {
	eth, err := dialChain(ctx, d)
	if err != nil {
		return 0, err
	}
	defer eth.Close()
	var ts []time.Duration
	for i := 0; i < 20; i++ {
		start := time.Now()
		if _, err := plainTransferGas(ctx, eth, devchain.TestKey(3)); err != nil {
			return 0, err
		}
		ts = append(ts, time.Since(start))
	}
	return percentile(ts, .5), nil
}
