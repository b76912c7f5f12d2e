package chain

import (
	"cmp"
	"context"
	"fmt"
	"math/big"
	"slices"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
)

// logSource is one kind of contract event the follower reads: the contract
// and the event's signature topic. The Anchor's Batch is the only source
// today; a Vault's Deposit joins the same ordered stream by adding a source
// (and a decoder) — one eth_getLogs query serves all of them.
type logSource struct {
	Address common.Address
	Topic   common.Hash
}

// fetchLogs returns the logs of every source in blocks [from, to] in chain
// order: by block number, then log index. Logs flagged as removed are
// dropped.
func fetchLogs(ctx context.Context, b FollowerBackend, sources []logSource, from, to uint64) ([]types.Log, error) {
	var (
		addrs  []common.Address
		topics []common.Hash
	)
	for _, s := range sources {
		if !slices.Contains(addrs, s.Address) {
			addrs = append(addrs, s.Address)
		}
		if !slices.Contains(topics, s.Topic) {
			topics = append(topics, s.Topic)
		}
	}
	logs, err := b.FilterLogs(ctx, ethereum.FilterQuery{
		FromBlock: new(big.Int).SetUint64(from),
		ToBlock:   new(big.Int).SetUint64(to),
		Addresses: addrs,
		Topics:    [][]common.Hash{topics},
	})
	if err != nil {
		return nil, fmt.Errorf("chain: eth_getLogs [%d, %d]: %w", from, to, err)
	}
	out := logs[:0]
	for _, l := range logs {
		if l.Removed || len(l.Topics) == 0 || l.BlockNumber < from || l.BlockNumber > to {
			continue
		}
		if slices.Contains(sources, logSource{Address: l.Address, Topic: l.Topics[0]}) {
			out = append(out, l)
		}
	}
	slices.SortStableFunc(out, func(a, b types.Log) int {
		if c := cmp.Compare(a.BlockNumber, b.BlockNumber); c != 0 {
			return c
		}
		return cmp.Compare(a.Index, b.Index)
	})
	return out, nil
}
