package main

import (
	"bytes"
	"encoding/json"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/anonex/anonex/api"
	"github.com/urfave/cli/v2"
)

// everyCommand is the command line of every command of the tree, with the
// command itself.
func everyCommand(app *cli.App) map[string]*cli.Command {
	out := map[string]*cli.Command{}
	walkCommands(app.Commands, func(path []string, c *cli.Command) {
		out[strings.Join(append(slices.Clip(path), c.Name), " ")] = c
	})
	return out
}

// TestEveryFlagIsDescribed walks every command and flag: each command has
// a usage line and each flag a description, so no help page has a bare
// flag.
func TestEveryFlagIsDescribed(t *testing.T) {
	plainHelp()
	app := newApp()
	for _, f := range app.Flags {
		if f.(cli.DocGenerationFlag).GetUsage() == "" {
			t.Errorf("anonex --%s has no description", f.Names()[0])
		}
	}
	cmds := everyCommand(app)
	if len(cmds) < 40 {
		t.Fatalf("walked %d commands, the tree has more", len(cmds))
	}
	for line, c := range cmds {
		if c.Usage == "" {
			t.Errorf("anonex %s has no usage line", line)
		}
		for _, f := range c.Flags {
			if strings.TrimSuffix(f.(cli.DocGenerationFlag).GetUsage(), " (required)") == "" {
				t.Errorf("anonex %s --%s has no description", line, f.Names()[0])
			}
		}
	}
}

// TestHelpPages renders the help page of the app and of every command, as
// `anonex CMD --help` prints it: urfave/cli's layout (no "MISC" section
// from go-ethereum's flag helpers), no two blank lines in a row, no line
// of spaces, no trailing spaces, no backquote left of a placeholder, and
// every flag of the command listed.
func TestHelpPages(t *testing.T) {
	plainHelp()
	check := func(args []string, c *cli.Command) {
		app := newApp()
		var out bytes.Buffer
		app.Writer = &out
		if err := app.Run(append([]string{"anonex"}, append(args, "--help")...)); err != nil {
			t.Errorf("anonex %s --help: %v", strings.Join(args, " "), err)
			return
		}
		page := out.String()
		name := "anonex " + strings.Join(args, " ")
		if !strings.HasPrefix(page, "NAME:\n") {
			t.Errorf("%s --help:\n%s", name, page)
		}
		for _, bad := range []string{"MISC", "\n\n\n", "`", " \n", "\t"} {
			if strings.Contains(page, bad) {
				t.Errorf("%s --help has %q:\n%s", name, bad, page)
			}
		}
		for i, line := range strings.Split(page, "\n") {
			if line != "" && strings.TrimSpace(line) == "" {
				t.Errorf("%s --help line %d is blanks", name, i+1)
			}
		}
		if c != nil {
			for _, f := range c.Flags {
				if !strings.Contains(page, "--"+f.Names()[0]) {
					t.Errorf("%s --help does not list --%s:\n%s", name, f.Names()[0], page)
				}
			}
		}
	}
	check(nil, nil)
	for line, c := range everyCommand(newApp()) {
		check(strings.Fields(line), c)
	}
}

// TestFlagsAfterArguments: a command's flags may follow its arguments
// (urfave/cli v2 alone stops at the first argument), for every command
// that takes arguments; "--" ends the flags; values that look like
// arguments stay with their flag.
func TestFlagsAfterArguments(t *testing.T) {
	app := newApp()
	for _, tc := range []struct{ in, want string }{
		{"anonex account export truly-loop --out key.json", "anonex account export --out key.json truly-loop"},
		{"anonex --devnet /tmp/dn balance holder-1 --json", "anonex --devnet /tmp/dn balance --json holder-1"},
		{"anonex balance holder-1 --node=http://x --json", "anonex balance --node=http://x --json holder-1"},
		{"anonex tx status 0xabc --wait settled --timeout 5s", "anonex tx status --wait settled --timeout 5s 0xabc"},
		{"anonex offer book GOLD/EUR --devnet d", "anonex offer book --devnet d GOLD/EUR"},
		{"anonex account import k.json --light --keystore ks", "anonex account import --light --keystore ks k.json"},
		{"anonex account show -- --odd-name --json", "anonex account show -- --odd-name --json"},
		{"anonex terminal redeem --auth - --json", "anonex terminal redeem --auth - --json"},
		{"anonex help card", "anonex help card"},
	} {
		if got := strings.Join(interspersed(app, strings.Fields(tc.in)), " "); got != tc.want {
			t.Errorf("%s\n got %s\nwant %s", tc.in, got, tc.want)
		}
	}
	// Every command that takes arguments reads a flag given after them as
	// it reads one given before.
	for line, c := range everyCommand(newApp()) {
		if c.ArgsUsage == "" || c.Action == nil {
			continue
		}
		for _, f := range c.Flags {
			sf, ok := f.(*cli.StringFlag)
			if !ok {
				continue
			}
			var got string
			app := newApp()
			cmd := everyCommand(app)[line]
			cmd.Before, cmd.Action = nil, func(ctx *cli.Context) error {
				got = ctx.String(sf.Name) + "|" + ctx.Args().First()
				return nil
			}
			args := append(append([]string{"anonex"}, strings.Fields(line)...), "ARG", "--"+sf.Name, "VALUE")
			if err := app.Run(interspersed(app, args)); err != nil || got != "VALUE|ARG" {
				t.Errorf("%s: got %q, %v; want --%s VALUE and the argument ARG", strings.Join(args, " "), got, err, sf.Name)
			}
		}
	}
}

// TestGlobalNodeFlag: --node and --token go wherever --devnet goes, before
// the command too, and every command that reads --devnet to find a node
// also takes --node.
func TestGlobalNodeFlag(t *testing.T) {
	app := newApp()
	for _, name := range []string{"devnet", "node", "token", "json"} {
		if findFlag(app.Flags, name) == nil {
			t.Errorf("no global --%s", name)
		}
	}
	// Commands that read --devnet for something else than a node.
	noNode := map[string]bool{"devnet": true, "node": true, "account new": true, "account list": true,
		"account show": true, "account import": true, "account export": true,
		"dumpconfig": true, // anonex node's flags, printed
		// the devnet's admin endpoint, from devnet.json
		"devnet snapshot": true, "devnet snapshots": true, "devnet revert": true}
	for line, c := range everyCommand(app) {
		if findFlag(c.Flags, "devnet") != nil && !noNode[line] && findFlag(c.Flags, "node") == nil {
			t.Errorf("anonex %s takes --devnet but not --node", line)
		}
	}
}

// TestErrorsAsJSON: with --json an error prints as one JSON object with
// the message, the node's code, the hint and the suggestions; without, as
// text with the hint.
func TestErrorsAsJSON(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want bool
	}{
		{[]string{"anonex", "balance", "x", "--json"}, true},
		{[]string{"anonex", "--json=false", "balance"}, false},
		{[]string{"anonex", "-json", "balance"}, true},
		{[]string{"anonex", "account", "show", "--", "--json"}, false},
		{[]string{"anonex", "balance", "x"}, false},
	} {
		if got := jsonWanted(tc.args); got != tc.want {
			t.Errorf("%v: json %v, want %v", tc.args, got, tc.want)
		}
	}
	err := &unknownNameError{Query: "holdr-1", Suggestions: []string{"holder-1"},
		Err: api.Errorf(api.CodeInsufficientFunds, "no money")}
	var out bytes.Buffer
	if code := report(&out, err, true); code != 1 {
		t.Errorf("exit code %d", code)
	}
	var got struct{ Error jsonError }
	if jerr := json.Unmarshal(out.Bytes(), &got); jerr != nil {
		t.Fatalf("not JSON: %v\n%s", jerr, out.String())
	}
	if got.Error.Code != "insufficient_funds" || got.Error.Hint == "" || !slices.Equal(got.Error.Suggestions, []string{"holder-1"}) ||
		!strings.Contains(got.Error.Message, "did you mean holder-1?") {
		t.Errorf("JSON error: %+v", got.Error)
	}
	out.Reset()
	if code := report(&out, cli.Exit("declined", 2), false); code != 2 || out.String() != "anonex: declined\n" {
		t.Errorf("text error: %d %q", code, out.String())
	}
	// A usage error is an error like any other: no help page on stdout.
	app := newApp()
	var stdout bytes.Buffer
	app.Writer = &stdout
	uerr := app.Run([]string{"anonex", "transfer", "--from", "a"})
	if uerr == nil || !strings.Contains(uerr.Error(), "missing --to, --asset, --amount") || stdout.Len() != 0 {
		t.Errorf("missing flags: %v; stdout %q", uerr, stdout.String())
	}
	uerr = app.Run([]string{"anonex", "balance", "--bogus"})
	if uerr == nil || !strings.Contains(uerr.Error(), "anonex balance --help") || stdout.Len() != 0 {
		t.Errorf("unknown flag: %v; stdout %q", uerr, stdout.String())
	}
}

// TestSuggest: a misspelt name finds the names a few keystrokes away, and
// nothing far.
func TestSuggest(t *testing.T) {
	known := []string{"holder-1", "holder-2", "merchant", "EUR", "GOLD", "GIFT", "door-require-7e60195"}
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"holdr-1", []string{"holder-1"}},
		{"holder-4", []string{"holder-1", "holder-2"}},
		{"merchnat", []string{"merchant"}},
		{"gold", []string{"GOLD"}},
		{"GLD", []string{"GOLD"}},
		{"door-requir-7e60195", []string{"door-require-7e60195"}},
		{"banana", nil},
		{"X", nil},
	} {
		if got := suggest(tc.q, known); !slices.Equal(got, tc.want) {
			t.Errorf("suggest(%q) = %v, want %v", tc.q, got, tc.want)
		}
	}
}

// TestBusyPortHint: a devnet whose chain port is taken (another devnet
// running) says how to take free ports.
func TestBusyPortHint(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	out, err := anonex("devnet", "--datadir", t.TempDir(), "--http-port", port, "--ws-port", "0", "--cards", "0", "--nodes", "1").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "address already in use") ||
		!strings.Contains(string(out), "hint: another process holds the port") || !strings.Contains(string(out), "--http-port 0 --ws-port 0") {
		t.Fatalf("devnet on a busy port: %v\n%s", err, out)
	}
}
