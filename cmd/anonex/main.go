// Command anonex runs anonex nodes and the developer network, and signs and
// submits transactions with device accounts.
package main

import (
	"errors"
	"os"
	"syscall"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/api"
	"github.com/urfave/cli/v2"
)

func main() {
	plainHelp()
	app := newApp()
	args := interspersed(app, os.Args)
	if err := app.Run(args); err != nil {
		os.Exit(report(os.Stderr, err, jsonWanted(args)))
	}
}

// newApp is the whole command tree. Every command reports a usage error
// (an unknown flag, a missing value) as an error of its own, which main
// prints like any other — as JSON with --json — instead of urfave/cli's
// help page on stdout.
func newApp() *cli.App {
	app := &cli.App{
		Name:  "anonex",
		Usage: "pseudonymous peer-to-peer asset exchange settled on Ethereum",
		Flags: []cli.Flag{devnetFlag, nodeFlag, tokenFlag, jsonFlag},
		Commands: []*cli.Command{
			devnetCommand(),
			nodeCommand(),
			deployCommand(),
			backupCommand(),
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
			kioskCommand(),
			venueCommand(),
			faucetCommand(),
		},
		ExitErrHandler: func(*cli.Context, error) {},
		OnUsageError:   usageError,
	}
	walkCommands(app.Commands, func(_ []string, c *cli.Command) {
		c.OnUsageError = usageError
		checkRequired(c)
	})
	return app
}

// hint turns well-known errors into the next thing to try.
func hint(err error) string {
	var ae *api.Error
	var amb *account.AmbiguousError
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return "another process holds the port (a devnet or a node already running?): " +
			"'anonex devnet --http-port 0 --ws-port 0' takes free ports, 'anonex node --api 127.0.0.1:0' a free API port"
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
