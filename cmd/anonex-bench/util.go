package main

import (
	"context"
	"fmt"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/chain"
	"github.com/anonex/anonex/client"
	"github.com/anonex/anonex/devnet"
	"github.com/anonex/anonex/ledger"
)

func devnetKey(d *devnet.Devnet, role string) (*account.Key, error) {
	for _, a := range d.Info.Accounts {
		if a.Role == role {
			return account.LoadKeyFile(a.Keystore, a.Password)
		}
	}
	return nil, fmt.Errorf("no devnet account %q", role)
}

func submitSigned(ctx context.Context, cl *client.Client, k *account.Key, p ledger.Payload, dom ledger.Domain, wait bool) error {
	sig, err := k.Sign(dom.Digest(p.StructHash()))
	if err != nil {
		return err
	}
	res, err := cl.Submit(ctx, &ledger.Tx{Payload: p, Sig: ledger.Sig(sig)})
	if err != nil || !wait {
		return err
	}
	info, err := cl.WaitTx(ctx, res.ID)
	if err == nil && info.Status != api.TxSettled {
		err = fmt.Errorf("tx %s %s: %s", res.ID, info.Status, info.Reason)
	}
	return err
}

func dialChain(ctx context.Context, d *devnet.Devnet) (*chain.Client, error) {
	return chain.Dial(ctx, d.Chain.WSURL())
}
