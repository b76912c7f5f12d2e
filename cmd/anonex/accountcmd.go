package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/anonex/anonex/account"
	"github.com/urfave/cli/v2"
)

func accountCommand() *cli.Command {
	light := &cli.BoolFlag{Name: "light", Usage: "light scrypt parameters (fast, weak: devnet only)"}
	return &cli.Command{
		Name:  "account",
		Usage: "device accounts: pseudonymous secp256k1 keys in V3 keystore files",
		Subcommands: withFlags([]cli.Flag{keystoreFlag, passFlag, devnetFlag, jsonFlag}, []*cli.Command{
			accountNewCommand(light),
			accountListCommand(),
			accountShowCommand(),
			accountImportCommand(light),
			accountExportCommand(),
		}),
	}
}

// withFlags adds shared flags to every subcommand.
func withFlags(flags []cli.Flag, cmds []*cli.Command) []*cli.Command {
	for _, c := range cmds {
		c.Flags = append(c.Flags, flags...)
	}
	return cmds
}

// newPassword takes the password for a new key file: --password-file,
// ANONEX_PASSWORD, or a prompt. Typed at a terminal it does not show and
// is asked twice: a typo would lock the key away for good.
func newPassword(ks *keySource) (string, error) {
	if ks.pass != "" {
		return ks.pass, nil
	}
	if p := os.Getenv("ANONEX_PASSWORD"); p != "" {
		return p, nil
	}
	p, err := readSecret("password for the new key file: ", "password (use --password-file)")
	if err != nil {
		return "", err
	}
	if p == "" {
		return "", fmt.Errorf("refusing an empty password")
	}
	if stdinIsTerminal() {
		again, err := readSecret("the same password again: ", "password")
		if err != nil {
			return "", err
		}
		if again != p {
			return "", fmt.Errorf("the two passwords differ: no key file was written")
		}
	}
	return p, nil
}

// accountNewCommand is `anonex account new`: make a key from a fresh BIP-39 mnemonic (m/44'/60'/0'/0/0) and store it.
func accountNewCommand(light *cli.BoolFlag) *cli.Command {
	return &cli.Command{
		Name:  "new",
		Usage: "make a key from a fresh BIP-39 mnemonic (m/44'/60'/0'/0/0) and store it",
		Flags: []cli.Flag{light, &cli.IntFlag{Name: "words", Value: 12, Usage: "mnemonic length, 12 or 24"}},
		Action: func(c *cli.Context) error {
			ks, err := openKeys(c)
			if err != nil {
				return err
			}
			if ks.store == nil {
				return fmt.Errorf("--keystore must be a directory for 'account new'")
			}
			mn, err := account.NewMnemonic(nil, c.Int("words"))
			if err != nil {
				return err
			}
			k, err := account.FromMnemonic(mn, "", 0)
			if err != nil {
				return err
			}
			pass, err := newPassword(ks)
			if err != nil {
				return err
			}
			e, err := ks.store.Create(k, pass, c.Bool("light"))
			if err != nil {
				return err
			}
			out := map[string]string{"name": e.Name, "address": e.Address.Hex(), "keystore": e.Path, "mnemonic": mn}
			return output(c, out, func() {
				fmt.Printf("created %s\n  address  %s\n  keystore %s\n\nBackup mnemonic (m/44'/60'/0'/0/0) — write it down, it is shown once:\n  %s\n",
					e.Name, e.Address.Hex(), e.Path, mn)
			})
		},
	}
}

// accountListCommand is `anonex account list`: list the accounts of the keystore.
func accountListCommand() *cli.Command {
	return &cli.Command{
		Name:  "list",
		Usage: "list the accounts of the keystore",
		Action: func(c *cli.Context) error {
			ks, err := openKeys(c)
			if err != nil {
				return err
			}
			if ks.store == nil {
				return fmt.Errorf("--keystore must be a directory for 'account list'")
			}
			es, err := ks.store.List()
			if err != nil {
				return err
			}
			type row struct{ Name, Address, Keystore string }
			rows := []row{}
			for _, e := range es {
				rows = append(rows, row{e.Name, e.Address.Hex(), e.Path})
			}
			return output(c, rows, func() {
				if len(rows) == 0 {
					fmt.Printf("no accounts in %s ('anonex account new' makes one)\n", ks.store.Dir())
				}
				for _, r := range rows {
					fmt.Printf("%-24s %s  %s\n", r.Name, r.Address, r.Keystore)
				}
			})
		},
	}
}

// accountShowCommand is `anonex account show`: show one account.
func accountShowCommand() *cli.Command {
	return &cli.Command{
		Name:      "show",
		Usage:     "show one account",
		ArgsUsage: "NAME|ADDRESS",
		Action: func(c *cli.Context) error {
			ks, err := openKeys(c)
			if err != nil {
				return err
			}
			e, err := ks.find(c.Args().First())
			if err != nil {
				return err
			}
			out := map[string]string{"name": e.Name, "address": e.Address.Hex(), "keystore": e.Path}
			return output(c, out, func() { fmt.Printf("%s\n  address  %s\n  keystore %s\n", e.Name, e.Address.Hex(), e.Path) })
		},
	}
}

// accountImportCommand is `anonex account import`: import geth V3 keystore files (one, several, or every file of a directory), or a key from a mnemonic (--mnemonic-file, --index).
func accountImportCommand(light *cli.BoolFlag) *cli.Command {
	return &cli.Command{
		Name:      "import",
		Usage:     "import geth V3 keystore files (several, or every file of a directory: a bulk import), or a key from a mnemonic (--mnemonic-file, --index)",
		ArgsUsage: "[KEYFILE|DIR ...]",
		Flags: []cli.Flag{light,
			&cli.StringFlag{Name: "mnemonic-file", Usage: "read a BIP-39 mnemonic from `FILE`"},
			&cli.UintFlag{Name: "index", Usage: "account index i of m/44'/60'/0'/0/i"},
			&cli.StringFlag{Name: "source-password-file", Usage: "password of the imported keyfiles (default: --password-file)"}},
		Action: func(c *cli.Context) error {
			ks, err := openKeys(c)
			if err != nil {
				return err
			}
			if ks.store == nil {
				return fmt.Errorf("--keystore must be a directory for 'account import'")
			}
			if f := c.String("mnemonic-file"); f != "" {
				pass, err := newPassword(ks)
				if err != nil {
					return err
				}
				b, err := os.ReadFile(f)
				if err != nil {
					return err
				}
				k, err := account.FromMnemonic(trimNL(string(b)), "", uint32(c.Uint("index")))
				if err != nil {
					return err
				}
				e, err := ks.store.Create(k, pass, c.Bool("light"))
				if err != nil {
					return err
				}
				out := map[string]string{"name": e.Name, "address": e.Address.Hex(), "keystore": e.Path}
				return output(c, out, func() { fmt.Printf("imported %s (%s)\n  keystore %s\n", e.Name, e.Address.Hex(), e.Path) })
			}
			srcs, err := keyFiles(c.Args().Slice())
			if err != nil {
				return err
			}
			if len(srcs) == 0 {
				return fmt.Errorf("give a keyfile (or several, or a directory) to import, or --mnemonic-file")
			}
			pass, err := newPassword(ks)
			if err != nil {
				return err
			}
			srcPass := pass
			if f := c.String("source-password-file"); f != "" {
				b, err := os.ReadFile(f)
				if err != nil {
					return err
				}
				srcPass = trimNL(string(b))
			}
			type imported struct {
				File     string `json:"file"`
				Name     string `json:"name,omitempty"`
				Address  string `json:"address,omitempty"`
				Keystore string `json:"keystore,omitempty"`
				Error    string `json:"error,omitempty"`
			}
			// Each key file costs a scrypt decryption and one more to store
			// it: a bulk import takes a while, shown on a terminal.
			var outs []imported
			var failed []error
			p := startProgress(c, "importing", len(srcs))
			for i, src := range srcs {
				p.set(i, "")
				e, err := ks.store.Import(src, srcPass, pass, c.Bool("light"))
				if err != nil {
					outs = append(outs, imported{File: src, Error: err.Error()})
					failed = append(failed, fmt.Errorf("%s: %w", src, err))
					continue
				}
				outs = append(outs, imported{File: src, Name: e.Name, Address: e.Address.Hex(), Keystore: e.Path})
			}
			p.stop()
			if len(srcs) == 1 && len(failed) == 1 {
				return failed[0]
			}
			var v any = outs
			if len(srcs) == 1 {
				v = map[string]string{"name": outs[0].Name, "address": outs[0].Address, "keystore": outs[0].Keystore}
			}
			if err := output(c, v, func() {
				for _, o := range outs {
					if o.Error == "" {
						fmt.Printf("imported %s (%s)\n  keystore %s\n", o.Name, o.Address, o.Keystore)
					}
				}
			}); err != nil {
				return err
			}
			if len(failed) > 0 {
				return fmt.Errorf("imported %d of %d key files: %w", len(srcs)-len(failed), len(srcs), errors.Join(failed...))
			}
			return nil
		},
	}
}

// keyFiles expands the arguments of a bulk import: files as they are, a
// directory into its regular files (not hidden ones), in name order.
func keyFiles(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			out = append(out, a)
			continue
		}
		des, err := os.ReadDir(a)
		if err != nil {
			return nil, err
		}
		for _, de := range des {
			if de.Type().IsRegular() && !strings.HasPrefix(de.Name(), ".") {
				out = append(out, filepath.Join(a, de.Name()))
			}
		}
	}
	return out, nil
}

// accountExportCommand is `anonex account export`: write an account's V3 keystore file (geth reads it) to --out.
func accountExportCommand() *cli.Command {
	return &cli.Command{
		Name:      "export",
		Usage:     "write an account's V3 keystore file (geth reads it) to --out",
		ArgsUsage: "NAME|ADDRESS",
		Flags:     []cli.Flag{&cli.StringFlag{Name: "out", Required: true, Usage: "destination `FILE` (never overwritten)"}},
		Action: func(c *cli.Context) error {
			ks, err := openKeys(c)
			if err != nil {
				return err
			}
			if ks.store == nil {
				return fmt.Errorf("--keystore must be a directory for 'account export'")
			}
			e, err := ks.find(c.Args().First())
			if err != nil {
				return err
			}
			pass, err := ks.password(e)
			if err != nil {
				return err
			}
			if err := ks.store.Export(e.Address.Hex(), pass, c.String("out")); err != nil {
				return err
			}
			return output(c, map[string]string{"name": e.Name, "address": e.Address.Hex(), "file": c.String("out")},
				func() { fmt.Printf("exported %s to %s\n", e.Name, c.String("out")) })
		},
	}
}
