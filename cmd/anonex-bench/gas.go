package main

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"math/big"
	"os"
	"time"

	"github.com/anonex/anonex/chain"
	"github.com/anonex/anonex/chain/devchain"
	"github.com/anonex/anonex/devnet"
	"github.com/anonex/anonex/ledger"
	"github.com/anonex/anonex/ledger/store"
	"github.com/anonex/anonex/node"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/holiman/uint256"
)

// benchGas posts real batches of transfers to the Anchor on the embedded
// chain and reads the gas from the receipts. Senders and recipients are
// distinct accounts with random amounts (the worst case for compression);
// "known" means the accounts already have account numbers in the settled
// state, "new" that every recipient is a fresh address.
func benchGas(ctx context.Context) error {
	d, err := devnet.Start(ctx, devnet.Config{Nodes: 1, HTTPAddr: "127.0.0.1:0", WSAddr: "127.0.0.1:0"})
	if err != nil {
		return err
	}
	defer d.Close()
	nd := d.Nodes[0]
	dom := nd.Domain()
	eth, err := chain.Dial(ctx, d.Chain.WSURL())
	if err != nil {
		return err
	}
	defer eth.Close()
	sub, err := chain.NewSubmitter(chain.SubmitterConfig{Client: eth, Anchor: common.Address(dom.Contract), Key: devchain.TestKey(1)})
	if err != nil {
		return err
	}
	// Reference: a plain ETH transfer.
	plain, err := plainTransferGas(ctx, eth, devchain.TestKey(2))
	if err != nil {
		return err
	}
	// Fund 2,000 accounts through the node so they get account numbers.
	const accounts = 2000
	p := newPopulation(dom, accounts, 0)
	for lo := 0; lo < len(p.setup); lo += 500 {
		for i, err := range nd.IngestRaw(p.setup[lo:min(lo+500, len(p.setup))]) {
			if err != nil {
				return fmt.Errorf("funding tx %d: %w", lo+i, err)
			}
		}
	}
	nd.Flush()
	if err := waitPoolEmpty(ctx, nd); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "  %d funded accounts settled\n", accounts)
	nonces := make([]uint64, accounts)
	for _, newRecipients := range []bool{false, true} {
		for _, size := range []int{100, 500, 1000, 1500} {
			b := ledger.NewBatchBuilder(nd.Store().State())
			for i := 0; i < size; i++ {
				from := i % accounts
				ti := (from + 1 + i*7) % accounts
				if ti == from {
					ti = (from + 1) % accounts
				}
				to := p.keys[ti].Address()
				if newRecipients {
					to = keyAt(1_000_000 + size*10 + i).Address()
				}
				t := &ledger.Transfer{From: p.keys[from].Address(), To: to, Asset: p.asset, Nonce: nonces[from]}
				t.Amount = *uint256.NewInt(uint64(1 + (i*7919)%99991))
				sig, err := p.keys[from].Sign(dom.Digest(t.StructHash()))
				if err != nil {
					return err
				}
				if !b.Add(&ledger.Tx{Payload: t, Sig: ledger.Sig(sig)}) {
					return fmt.Errorf("batch cap reached at %d", i)
				}
			}
			data := b.Bytes()
			if len(data) > ledger.MaxBatchBytes {
				kind := "known"
				if newRecipients {
					kind = "new"
				}
				report(row{name: fmt.Sprintf("batch of %d transfers (%s recipients)", size, kind),
					value: fmt.Sprintf("%d bytes: over the %d-byte cap", len(data), ledger.MaxBatchBytes)})
				continue
			}
			res, err := sub.Submit(ctx, data)
			if err != nil {
				return fmt.Errorf("submit %d: %w", size, err)
			}
			for i := 0; i < size; i++ {
				nonces[i%accounts]++
			}
			// Every transfer of the batch must settle with a receipt.
			rec, err := waitBatch(ctx, nd, res.Seq)
			if err != nil {
				return err
			}
			if rec.Receipts != size || rec.Junk != "" {
				return fmt.Errorf("batch %d of %d transfers settled %d receipts (%d skipped, %d invalid, junk %q)",
					res.Seq, size, rec.Receipts, rec.Skipped, rec.Invalid, rec.Junk)
			}
			per := float64(res.GasUsed) / float64(size)
			kind := "known"
			if newRecipients {
				kind = "new"
			}
			report(row{name: fmt.Sprintf("gas per settled transfer, %d a batch, %s recipients (%d B/tx on L1)", size, kind, len(data)/size),
				value: fmt.Sprintf("%.0f gas", per), ref: "plain ETH transfer", refValue: fmt.Sprintf("%d gas", plain),
				ratio: fmt.Sprintf("1/%.1f", float64(plain)/per), goal: "<= 1/5 at 1,000", verdict: gasVerdict(size, per, plain)})
		}
	}
	return waitPoolEmpty(ctx, nd)
}

func gasVerdict(size int, per float64, plain uint64) string {
	if size != 1000 {
		return ""
	}
	return met(per <= float64(plain)/5)
}

// plainTransferGas sends 1 wei between two accounts and returns its gas.
func plainTransferGas(ctx context.Context, eth *chain.Client, key *ecdsa.PrivateKey) (uint64, error) {
	from := crypto.PubkeyToAddress(key.PublicKey)
	nonce, err := eth.PendingNonceAt(ctx, from)
	if err != nil {
		return 0, err
	}
	chainID, err := eth.ChainID(ctx)
	if err != nil {
		return 0, err
	}
	tip, err := eth.SuggestGasTipCap(ctx)
	if err != nil {
		return 0, err
	}
	to := common.Address{0x42}
	tx := types.NewTx(&types.DynamicFeeTx{ChainID: new(big.Int).SetUint64(chainID), Nonce: nonce, GasTipCap: tip,
		GasFeeCap: new(big.Int).Add(tip, big.NewInt(100e9)), Gas: 21000, To: &to, Value: big.NewInt(1)})
	signed, err := types.SignTx(tx, types.LatestSignerForChainID(tx.ChainId()), key)
	if err != nil {
		return 0, err
	}
	r, err := eth.SendTransactionSync(ctx, signed, 10*time.Second)
	if err != nil {
		return 0, err
	}
	return r.GasUsed, nil
}

func waitPoolEmpty(ctx context.Context, nd *node.Node) error {
	for nd.Pool().Len() > 0 {
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d txs still pending: %w", nd.Pool().Len(), ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
	return nil
}

// waitBatch waits until the node folded batch seq and returns its record.
func waitBatch(ctx context.Context, nd *node.Node, seq uint64) (store.BatchRecord, error) {
	for {
		rec, ok, err := nd.Store().Batch(seq)
		if err != nil || ok {
			return rec, err
		}
		select {
		case <-ctx.Done():
			return rec, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}
