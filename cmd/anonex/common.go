package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/cardbridge/cardproto"
	"github.com/anonex/anonex/client"
	"github.com/anonex/anonex/devnet"
	"github.com/anonex/anonex/ledger"
	"github.com/holiman/uint256"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"
)

// Flags shared by the commands that talk to a node or use keys.
var (
	nodeFlag     = &cli.StringFlag{Name: "node", Usage: "node API `URL` (default: node 0 of --devnet)", EnvVars: []string{"ANONEX_NODE"}}
	tokenFlag    = &cli.StringFlag{Name: "token", Usage: "node API token for authorized calls", EnvVars: []string{"ANONEX_TOKEN"}}
	keystoreFlag = &cli.StringFlag{Name: "keystore", Usage: "keystore `FILE` or DIR (default: the devnet's, else ~/.anonex/keystore)"}
	passFlag     = &cli.StringFlag{Name: "password-file", Usage: "read the keystore password from `FILE`"}
	timeoutFlag  = &cli.DurationFlag{Name: "timeout", Value: 60 * time.Second, Usage: "give up waiting after this long"}
)

func loadDevnet(c *cli.Context) (*devnet.Info, error) {
	dir := str(c, "devnet")
	if dir == "" {
		return nil, nil
	}
	b, err := os.ReadFile(filepath.Join(dir, "devnet.json"))
	if err != nil {
		return nil, fmt.Errorf("reading the devnet description: %w (is 'anonex devnet --datadir %s' running?)", err, dir)
	}
	var info devnet.Info
	if err := json.Unmarshal(b, &info); err != nil {
		return nil, fmt.Errorf("%s/devnet.json: %w", dir, err)
	}
	return &info, nil
}

func nodeClient(c *cli.Context) (*client.Client, error) {
	url, token := str(c, "node"), str(c, "token")
	if url == "" || token == "" {
		info, err := loadDevnet(c)
		if err != nil {
			return nil, err
		}
		if info != nil && len(info.Nodes) > 0 {
			if url == "" {
				url = info.Nodes[0].API
			}
			if token == "" {
				for _, n := range info.Nodes {
					if n.API == url {
						token = n.APIToken
					}
				}
			}
		}
	}
	if url == "" {
		return nil, errors.New("no node to talk to: pass --node URL or --devnet DIR")
	}
	return client.New(url, token), nil
}

// keySource finds and unlocks device keys: a keystore file or directory,
// or the devnet's keystores.
type keySource struct {
	file  string
	store *account.Store
	dev   *devnet.Info
	pass  string
}

func openKeys(c *cli.Context) (*keySource, error) {
	ks := &keySource{}
	dev, err := loadDevnet(c)
	if err != nil {
		return nil, err
	}
	ks.dev = dev
	if f := str(c, "password-file"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("password file: %w", err)
		}
		ks.pass = strings.TrimRight(string(b), "\r\n")
	}
	path := str(c, "keystore")
	switch {
	case path != "":
		st, err := os.Stat(path)
		if errors.Is(err, os.ErrNotExist) {
			// A new keystore directory.
			if err := os.MkdirAll(path, 0o700); err != nil {
				return nil, fmt.Errorf("keystore: %w", err)
			}
		} else if err != nil {
			return nil, fmt.Errorf("keystore: %w", err)
		} else if !st.IsDir() {
			ks.file = path
			return ks, nil
		}
	case dev != nil:
		path = filepath.Join(dev.DataDir, "keystore")
	default:
		path = defaultKeystore()
	}
	ks.store, err = account.OpenStore(path)
	return ks, err
}

// optionalKeys opens the key source when there is one: commands that only
// resolve names use it when they can and do without it otherwise.
func optionalKeys(c *cli.Context) *keySource {
	ks, err := openKeys(c)
	if err != nil {
		return nil
	}
	return ks
}

func defaultKeystore() string {
	home, err := os.UserHomeDir()
	if err != nil {
		home = "."
	}
	return filepath.Join(home, ".anonex", "keystore")
}

// find resolves a local account by name or address; a name that names
// none comes with the closest names of the keystore and the devnet.
func (ks *keySource) find(q string) (account.Entry, error) {
	if ks.file != "" {
		return account.Entry{Path: ks.file}, nil
	}
	e, err := ks.store.Find(ks.devnetRole(q))
	if err != nil {
		return e, unknownAccount(context.Background(), q, err, ks, nil)
	}
	return e, nil
}

// devnetRole maps a devnet demo role ("holder-1") to its address.
func (ks *keySource) devnetRole(q string) string {
	if ks != nil && ks.dev != nil {
		for _, a := range ks.dev.Accounts {
			if a.Role == q {
				return a.Address
			}
		}
	}
	return q
}

// unlock opens the key of a local account.
func (ks *keySource) unlock(q string) (*account.Key, error) {
	e, err := ks.find(q)
	if err != nil {
		return nil, err
	}
	pass, err := ks.password(e)
	if err != nil {
		return nil, err
	}
	k, err := account.LoadKeyFile(e.Path, pass)
	if err != nil {
		return nil, err
	}
	if ks.file != "" && q != "" && !matchesAccount(k, q) {
		return nil, fmt.Errorf("keystore file %s holds %s (%s), not %q", ks.file, k.Name(), k.Address().Hex(), q)
	}
	return k, nil
}

func matchesAccount(k *account.Key, q string) bool {
	return strings.EqualFold(q, k.Address().Hex()) || q == k.Name() || strings.HasPrefix(k.Name(), q)
}

func (ks *keySource) password(e account.Entry) (string, error) {
	if ks.pass != "" {
		return ks.pass, nil
	}
	if ks.dev != nil {
		for _, a := range ks.dev.Accounts {
			if strings.EqualFold(a.Address, e.Address.Hex()) || a.Keystore == e.Path {
				return a.Password, nil
			}
		}
	}
	if p := os.Getenv("ANONEX_PASSWORD"); p != "" {
		return p, nil
	}
	return readSecret(fmt.Sprintf("password for %s: ", e.Name), "password (use --password-file)")
}

// stdinLines reads stdin for every prompt of the process: one reader, so
// that lines piped for two prompts are not lost in the first one's buffer.
var stdinLines = bufio.NewReader(os.Stdin)

// stdinIsTerminal tells whether the prompts read from a terminal.
func stdinIsTerminal() bool { return term.IsTerminal(int(os.Stdin.Fd())) }

// prompt asks a question whose answer may show (a confirmation) and reads
// a line.
func prompt(msg string) (string, error) {
	fmt.Fprint(os.Stderr, msg)
	line, err := stdinLines.ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("no answer on stdin: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// readSecret asks for a password or a PIN. From a terminal it reads with
// echo off (and turns echo back on if interrupted); from anything else
// (a pipe, a script, a test) it reads a line as is. what names the secret
// in errors.
func readSecret(msg, what string) (string, error) {
	fmt.Fprint(os.Stderr, msg)
	if !stdinIsTerminal() {
		line, err := stdinLines.ReadString('\n')
		if err != nil && line == "" {
			return "", fmt.Errorf("no %s given on stdin: %w", what, err)
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	fd := int(os.Stdin.Fd())
	if st, err := term.GetState(fd); err == nil {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		done := make(chan struct{})
		defer func() { signal.Stop(sig); close(done) }()
		go func() {
			select {
			case <-sig:
				term.Restore(fd, st)
				fmt.Fprintln(os.Stderr)
				os.Exit(130)
			case <-done:
			}
		}()
	}
	b, err := term.ReadPassword(fd)
	fmt.Fprintln(os.Stderr)
	if err != nil {
		return "", fmt.Errorf("reading the %s: %w", what, err)
	}
	return string(b), nil
}

func checkPIN(pin string) error { return cardproto.CheckPIN(pin) }

// readPIN asks for a card's PIN and refuses a malformed one before it
// reaches the card; from a terminal it asks again (three times at most).
func readPIN(msg string) (string, error) {
	for try := 1; ; try++ {
		pin, err := readSecret(msg, "PIN")
		if err != nil {
			return "", err
		}
		err = checkPIN(pin)
		if err == nil {
			return pin, nil
		}
		if !stdinIsTerminal() || try == 3 {
			return "", err
		}
		fmt.Fprintf(os.Stderr, "%v; again:\n", err)
	}
}

// sign signs a payload for the node's domain.
func sign(k *account.Key, p ledger.Payload, dom ledger.Domain) (*ledger.Tx, error) {
	sig, err := k.Sign(dom.Digest(p.StructHash()))
	if err != nil {
		return nil, err
	}
	return &ledger.Tx{Payload: p, Sig: ledger.Sig(sig)}, nil
}

// output prints v as JSON with --json, else calls human.
func output(c *cli.Context, v any, human func()) error {
	if isSet(c, "json") {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	human()
	return nil
}

// Global flags may be given before or after the command name:
// "anonex --devnet D transfer" and "anonex transfer --devnet D" are the same.
var (
	devnetFlag = &cli.StringFlag{Name: "devnet", Usage: "use the devnet whose devnet.json is in `DIR` (node URL, token, keystores)", EnvVars: []string{"ANONEX_DEVNET"}}
	jsonFlag   = &cli.BoolFlag{Name: "json", Usage: "machine-readable output"}
)

func str(c *cli.Context, name string) string {
	for _, cc := range c.Lineage() {
		if cc.IsSet(name) {
			return cc.String(name)
		}
	}
	return c.String(name)
}

func isSet(c *cli.Context, name string) bool {
	for _, cc := range c.Lineage() {
		if cc.IsSet(name) {
			return cc.Bool(name)
		}
	}
	return false
}

// assetAmount resolves the asset named by flag assetFlag on the node and
// parses --amount in its units.
func assetAmount(ctx context.Context, c *cli.Context, n *client.Client, assetFlag string) (api.AssetInfo, *uint256.Int, error) {
	asset, err := lookupAsset(ctx, n, c.String(assetFlag))
	if err != nil {
		return asset, nil, fmt.Errorf("--%s: %w", assetFlag, err)
	}
	amount, err := ledger.ParseAmount(c.String("amount"), asset.Decimals)
	if err != nil {
		return asset, nil, fmt.Errorf("--amount: %w", err)
	}
	return asset, amount, nil
}

// nonceAndDomain fetches what a signer needs from the node: its next
// nonce and the network's EIP-712 domain.
func nonceAndDomain(ctx context.Context, n *client.Client, a ledger.Address) (uint64, ledger.Domain, error) {
	me, err := n.Account(ctx, a.Hex())
	if err != nil {
		return 0, ledger.Domain{}, err
	}
	dom, err := n.Domain(ctx)
	return me.Nonce, dom, err
}

// unlockKeyFile opens a key file with --password-file (or a prompt).
func unlockKeyFile(c *cli.Context, path string) (*account.Key, error) {
	ks := &keySource{file: path}
	if f := c.String("password-file"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		ks.pass = trimNL(string(b))
	}
	return ks.unlock("")
}

// optionalNode is the node client when the flags name one, else nil: for
// commands that only show names and amounts with it.
func optionalNode(c *cli.Context) *client.Client {
	n, err := nodeClient(c)
	if err != nil {
		return nil
	}
	return n
}

// notice tells a person something on stderr beside a command's output;
// under --json, where stderr carries only the error, it says nothing.
func notice(c *cli.Context, format string, args ...any) {
	if !isSet(c, "json") {
		fmt.Fprintf(os.Stderr, format, args...)
	}
}
