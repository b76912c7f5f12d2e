package main

import (
	"context"
	"fmt"
	"math/big"
	"os"
	"slices"
	"time"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/chain"
	"github.com/anonex/anonex/chain/devchain"
	"github.com/anonex/anonex/client"
	"github.com/anonex/anonex/devnet"
	"github.com/anonex/anonex/ledger"
	"github.com/ethereum/go-ethereum/common"
	"github.com/holiman/uint256"
)

// benchBridge measures the gas of the Vault on the embedded chain, through
// a 3-node devnet (2 of 3 attesters): ETH and token deposits, the one
// confirmBatch a batch of withdrawals needs, and each withdrawal's payout.
// References: a plain ETH transfer and an ERC-20 transfer in the same run.
func benchBridge(ctx context.Context) error {
	d, err := devnet.Start(ctx, devnet.Config{Nodes: 3, HTTPAddr: "127.0.0.1:0", WSAddr: "127.0.0.1:0", NoMarket: true})
	if err != nil {
		return err
	}
	defer d.Close()
	eth, err := chain.Dial(ctx, d.Chain.HTTPURL())
	if err != nil {
		return err
	}
	defer eth.Close()
	v := chain.NewVault(eth, common.HexToAddress(d.Info.Contracts["vault"]))
	token := common.HexToAddress(d.Info.Contracts["token"])
	user, err := account.FromMnemonic(devchain.TestMnemonic, "", 101) // holder-1
	if err != nil {
		return err
	}
	t := v.Transactor(user.ToECDSA())

	plain, err := plainTransferGas(ctx, eth, devchain.TestKey(2))
	if err != nil {
		return err
	}
	r, err := t.Send(ctx, &token, mustPackTransfer(common.Address{0x42}, big.NewInt(1)), nil)
	if err != nil {
		return err
	}
	if _, err := t.Send(ctx, &token, mustPackTransfer(common.Address{0x42}, big.NewInt(1)), nil); err != nil {
		return err
	}
	r, err = t.Send(ctx, &token, mustPackTransfer(common.Address{0x42}, big.NewInt(1)), nil) // to a holder already
	if err != nil {
		return err
	}
	erc20 := r.GasUsed

	const rounds = 20
	var ethDep, tokDep []uint64
	for i := 0; i < rounds; i++ {
		dr, err := v.Deposit(ctx, t, user.Address(), big.NewInt(1e15))
		if err != nil {
			return err
		}
		ethDep = append(ethDep, dr.GasUsed)
		dr, err = v.DepositToken(ctx, t, token, user.Address(), big.NewInt(1e15))
		if err != nil {
			return err
		}
		tokDep = append(tokDep, dr.GasUsed)
	}

	// A batch of withdrawals: half ETH, half TOK, to an address that
	// already exists on Ethereum (the user's own), as most payouts do.
	nd := d.Nodes[0]
	cl := client.New(nd.APIURL(), "")
	dom := nd.Domain()
	acct, err := nd.Account(user.Address())
	if err != nil {
		return err
	}
	ethAsset, tokAsset := d.AssetID("ETH"), d.AssetID(devnet.TokenSymbol)
	var ids []ledger.Hash
	for i := 0; i < rounds; i++ {
		asset := ethAsset
		if i%2 == 1 {
			asset = tokAsset
		}
		w := &ledger.Withdraw{Account: user.Address(), Asset: asset, Amount: *uint256.NewInt(1e12), To: user.Address(), Nonce: acct.Nonce + uint64(i)}
		sig, err := user.Sign(dom.Digest(w.StructHash()))
		if err != nil {
			return err
		}
		res, err := nd.Submit(ctx, &ledger.Tx{Payload: w, Sig: ledger.Sig(sig)})
		if err != nil {
			return err
		}
		ids = append(ids, res.ID)
	}
	nd.Flush()
	var confirm uint64
	var payEth, payTok []uint64
	start := time.Now()
	for i, id := range ids {
		if _, err := cl.WaitTx(ctx, id); err != nil {
			return err
		}
		res, err := client.ClaimWithdrawal(ctx, cl, v, t, id, 10*time.Millisecond)
		if err != nil {
			return fmt.Errorf("claim %d: %w", i, err)
		}
		if res.ConfirmTx != nil {
			confirm += res.ConfirmGas
		}
		if i%2 == 0 {
			payEth = append(payEth, res.PayoutGas)
		} else {
			payTok = append(payTok, res.PayoutGas)
		}
	}
	fmt.Fprintf(os.Stderr, "   %d withdrawals burned, attested and paid in %s; confirmBatch gas in total %d\n", len(ids), time.Since(start).Round(time.Millisecond), confirm)
	med := func(xs []uint64) uint64 { s := slices.Clone(xs); slices.Sort(s); return s[len(s)/2] }
	ratio := func(a, b uint64) string { return fmt.Sprintf("%.2f×", float64(a)/float64(b)) }
	report(row{name: "gas per ETH deposit", value: fmt.Sprint(med(ethDep)), ref: "plain ETH transfer", refValue: fmt.Sprint(plain), ratio: ratio(med(ethDep), plain)})
	report(row{name: "gas per token deposit (after approve)", value: fmt.Sprint(med(tokDep)), ref: "ERC-20 transfer", refValue: fmt.Sprint(erc20), ratio: ratio(med(tokDep), erc20)})
	report(row{name: "gas per ETH withdrawal payout", value: fmt.Sprint(med(payEth)), ref: "plain ETH transfer", refValue: fmt.Sprint(plain), ratio: ratio(med(payEth), plain)})
	report(row{name: "gas per token withdrawal payout", value: fmt.Sprint(med(payTok)), ref: "ERC-20 transfer", refValue: fmt.Sprint(erc20), ratio: ratio(med(payTok), erc20)})
	report(row{name: "gas per confirmBatch (2 of 3)", value: fmt.Sprint(confirm), ref: "per withdrawal, 20 a batch", refValue: fmt.Sprint(confirm / uint64(len(ids)))})
	return nil
}

func mustPackTransfer(to common.Address, amount *big.Int) []byte {
	data := []byte{0xa9, 0x05, 0x9c, 0xbb} // transfer(address,uint256)
	data = append(data, common.LeftPadBytes(to[:], 32)...)
	return append(data, common.LeftPadBytes(amount.Bytes(), 32)...)
}
