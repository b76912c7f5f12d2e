// Command anonex runs anonex nodes and the developer network, and signs and
// submits transactions with device accounts.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/api"
	"github.com/urfave/cli/v2"
)

func main() {
	app := &cli.App{
		Name:  "anonex",
		Usage: "pseudonymous peer-to-peer asset exchange settled on Ethereum",
		Flags: []cli.Flag{devnetFlag, jsonFlag},
		Commands: []*cli.Command{
			devnetCommand(),
			nodeCommand(),
			accountCommand(),
			transferCommand(),
			balanceCommand(),
			txCommand(),
			assetCommand(),
			cardCommand(),
			terminalCommand(),
			offerCommand(),
			depositCommand(),
			withdrawCommand(),
			allocateCommand(),
			convertCommand(),
			dumpconfigCommand(),
		},
		ExitErrHandler: func(*cli.Context, error) {},
	}
	if err := app.Run(os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "anonex:", err)
		if h := hint(err); h != "" {
			fmt.Fprintln(os.Stderr, "hint:", h)
		}
		var ec cli.ExitCoder
		if errors.As(err, &ec) {
			os.Exit(ec.ExitCode())
		}
		os.Exit(1)
	}
}

// hint turns well-known errors into the next thing to try.
func hint(err error) string {
	var ae *api.Error
	var amb *account.AmbiguousError
	switch {
	case errors.As(err, &amb):
		return "name the account by its full name or address"
	case errors.As(err, &ae):
		switch ae.Code {
		case api.CodeAmbiguous:
			return "pass the full address or asset id listed above"
		case api.CodeInsufficientFunds:
			return "check the balance with 'anonex balance ACCOUNT'"
		case api.CodeNonceTooLow:
			return "the nonce was used; run the command again to sign with the next one"
		case api.CodeBadSignature:
			return "the node is on another network: check --node and --devnet"
		}
	case errors.Is(err, account.ErrWrongPassword):
		return "check --password-file"
	case errors.Is(err, account.ErrNotFound):
		return "'anonex account list' shows the accounts of the keystore"
	}
	return ""
}
