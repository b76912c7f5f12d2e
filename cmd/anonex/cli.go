package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"

	"github.com/anonex/anonex/api"
	"github.com/urfave/cli/v2"
)

// How anonex reads its command line and prints its help and errors, on top
// of urfave/cli v2: flags after a command's arguments, required flags
// checked without a help page, errors as JSON under --json, and
// urfave/cli's own help layout.

// plainHelp gives the help pages urfave/cli's own layout back. go-ethereum,
// linked for the devnet's chain, changes urfave/cli's globals from its
// init (internal/flags): a flag printer of its own, a "MISC" category on
// the help flag and, on a terminal, colour codes in the app's template.
// Those gave every help page stray blank lines and a MISC section; main
// puts the plain ones back before it runs.
func plainHelp() {
	cli.FlagStringer = flagString
	for _, f := range []cli.Flag{cli.HelpFlag, cli.VersionFlag} {
		if bf, ok := f.(*cli.BoolFlag); ok {
			bf.Category = ""
		}
	}
	cli.AppHelpTemplate = appHelpTemplate
}

// appHelpTemplate is urfave/cli v2.27.7's AppHelpTemplate, which
// go-ethereum rewrites on a terminal (see plainHelp).
const appHelpTemplate = `NAME:
   {{template "helpNameTemplate" .}}

USAGE:
   {{if .UsageText}}{{wrap .UsageText 3}}{{else}}{{.HelpName}} {{if .VisibleFlags}}[global options]{{end}}{{if .Commands}} command [command options]{{end}}{{if .ArgsUsage}} {{.ArgsUsage}}{{else}}{{if .Args}} [arguments...]{{end}}{{end}}{{end}}{{if .Version}}{{if not .HideVersion}}

VERSION:
   {{.Version}}{{end}}{{end}}{{if .Description}}

DESCRIPTION:
   {{template "descriptionTemplate" .}}{{end}}
{{- if len .Authors}}

AUTHOR{{template "authorsTemplate" .}}{{end}}{{if .VisibleCommands}}

COMMANDS:{{template "visibleCommandCategoryTemplate" .}}{{end}}{{if .VisibleFlagCategories}}

GLOBAL OPTIONS:{{template "visibleFlagCategoryTemplate" .}}{{else if .VisibleFlags}}

GLOBAL OPTIONS:{{template "visibleFlagTemplate" .}}{{end}}{{if .Copyright}}

COPYRIGHT:
   {{template "copyrightTemplate" .}}{{end}}
`

// flagString is one flag's line of a help page, as urfave/cli prints it:
// "--name PLACEHOLDER<tab>usage (default: v) [$ENV]". The placeholder is
// the usage's `quoted` word, else "value" for a flag that takes one.
func flagString(f cli.Flag) string {
	df, ok := f.(cli.DocGenerationFlag)
	if !ok {
		return ""
	}
	usage := df.GetUsage()
	placeholder := ""
	if i := strings.IndexByte(usage, '`'); i >= 0 {
		if j := strings.IndexByte(usage[i+1:], '`'); j >= 0 {
			placeholder = usage[i+1 : i+1+j]
			usage = usage[:i] + placeholder + usage[i+2+j:]
		}
	}
	if df.TakesValue() && placeholder == "" {
		placeholder = "value"
	}
	var names []string
	for _, n := range f.Names() {
		prefix := "--"
		if len(n) == 1 {
			prefix = "-"
		}
		if placeholder != "" {
			n += " " + placeholder
		}
		names = append(names, prefix+n)
	}
	line := strings.Join(names, ", ")
	if sf, ok := f.(cli.DocGenerationSliceFlag); ok && sf.IsSliceFlag() {
		line += " [ " + line + " ]"
	}
	if _, isBool := f.(*cli.BoolFlag); !isBool {
		if d := df.GetDefaultText(); d != "" {
			usage += " (default: " + d + ")"
		}
	}
	line += "\t" + strings.TrimSpace(usage)
	if env := df.GetEnvVars(); len(env) > 0 {
		line += " [$" + strings.Join(env, ", $") + "]"
	}
	return line
}

// walkCommands calls fn on every command of the tree, depth first, with
// the names of the commands above it.
func walkCommands(cmds []*cli.Command, fn func(path []string, c *cli.Command)) {
	var walk func(path []string, cs []*cli.Command)
	walk = func(path []string, cs []*cli.Command) {
		for _, c := range cs {
			fn(path, c)
			walk(append(slices.Clip(path), c.Name), c.Subcommands)
		}
	}
	walk(nil, cmds)
}

// usageError is every command's OnUsageError: the error, and where the
// command's help is, without printing that help (it would go to stdout,
// where --json output goes).
func usageError(c *cli.Context, err error, _ bool) error {
	return fmt.Errorf("%w (see '%s --help')", err, helpName(c))
}

func helpName(c *cli.Context) string {
	if c.Command != nil && c.Command.HelpName != "" {
		return c.Command.HelpName
	}
	return c.App.Name
}

// checkRequired makes the command check its required flags itself, in
// Before: urfave/cli prints the whole help page to stdout on a missing
// one, which --json output would carry. Each such flag's help says
// "(required)".
func checkRequired(c *cli.Command) {
	var required []string
	for _, f := range c.Flags {
		rf, ok := f.(cli.RequiredFlag)
		if !ok || !rf.IsRequired() {
			continue
		}
		required = append(required, f.Names()[0])
		switch f := f.(type) {
		case *cli.StringFlag:
			f.Required, f.Usage = false, f.Usage+" (required)"
		case *cli.StringSliceFlag:
			f.Required, f.Usage = false, f.Usage+" (required)"
		default:
			panic(fmt.Sprintf("anonex: required flag --%s of type %T: add it to checkRequired", f.Names()[0], f))
		}
	}
	if len(required) == 0 {
		return
	}
	before := c.Before
	c.Before = func(ctx *cli.Context) error {
		var missing []string
		for _, name := range required {
			if !ctx.IsSet(name) {
				missing = append(missing, "--"+name)
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("missing %s (see '%s --help')", strings.Join(missing, ", "), helpName(ctx))
		}
		if before != nil {
			return before(ctx)
		}
		return nil
	}
}

// interspersed lets flags follow a command's arguments. urfave/cli v2
// stops reading flags at a command's first argument, so in
// "account export NAME --out F" the --out was an argument, silently
// ignored. interspersed finds the command the line names and moves that
// command's flags (each with its value) before its arguments; a word
// after "--" stays an argument, and a flag the command does not know is
// moved as it is (the command then refuses it). The command's own flag
// definitions say which flags take a value.
func interspersed(app *cli.App, args []string) []string {
	if len(args) == 0 {
		return args
	}
	out := []string{args[0]}
	flags, cmds := append(slices.Clip(app.Flags), cli.HelpFlag), app.Commands
	var fl, pos []string
	for i := 1; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			pos = append(pos, args[i:]...)
			i = len(args)
		case len(a) > 1 && a[0] == '-':
			fl = append(fl, a)
			name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
			if f := findFlag(flags, name); f != nil && takesValue(f) && !hasValue && i+1 < len(args) {
				i++
				fl = append(fl, args[i])
			}
		case len(pos) == 0 && findCommand(cmds, a) != nil:
			sub := findCommand(cmds, a)
			out = append(append(out, fl...), a)
			fl, flags, cmds = nil, append(slices.Clip(sub.Flags), cli.HelpFlag), sub.Subcommands
		default:
			pos = append(pos, a)
		}
	}
	return append(append(out, fl...), pos...)
}

func findFlag(flags []cli.Flag, name string) cli.Flag {
	for _, f := range flags {
		if slices.Contains(f.Names(), name) {
			return f
		}
	}
	return nil
}

func takesValue(f cli.Flag) bool {
	df, ok := f.(cli.DocGenerationFlag)
	return ok && df.TakesValue()
}

func findCommand(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	if name == "help" || name == "h" {
		return &cli.Command{Name: "help"}
	}
	return nil
}

// jsonWanted tells whether the command line asks for --json output.
func jsonWanted(args []string) bool {
	for _, a := range args[min(1, len(args)):] {
		if a == "--" {
			return false
		}
		name, v, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.HasPrefix(a, "-") && name == "json" {
			return !hasValue || v == "true" || v == "1"
		}
	}
	return false
}

// jsonError is how an error prints under --json: one object on stderr
// (stdout keeps what the command printed before it failed, if anything).
type jsonError struct {
	Message string `json:"message"`
	// Code is the node's error code (api.Code) when the node refused.
	Code       string          `json:"code,omitempty"`
	Hint       string          `json:"hint,omitempty"`
	Candidates []api.Candidate `json:"candidates,omitempty"`
	// Suggestions are the known names closest to a misspelt one.
	Suggestions []string `json:"suggestions,omitempty"`
	ExitCode    int      `json:"exit_code"`
}

// report prints err for people (with a hint) or, with asJSON, as a
// jsonError, and returns the process's exit code.
func report(w io.Writer, err error, asJSON bool) int {
	code := 1
	var ec cli.ExitCoder
	if errors.As(err, &ec) && ec.ExitCode() != 0 {
		code = ec.ExitCode()
	}
	h := hint(err)
	if !asJSON {
		fmt.Fprintln(w, "anonex:", err)
		if h != "" {
			fmt.Fprintln(w, "hint:", h)
		}
		return code
	}
	je := jsonError{Message: err.Error(), Hint: h, ExitCode: code}
	var ae *api.Error
	if errors.As(err, &ae) {
		je.Code, je.Candidates = string(ae.Code), ae.Candidates
	}
	var un *unknownNameError
	if errors.As(err, &un) {
		je.Suggestions = un.Suggestions
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(struct {
		Error jsonError `json:"error"`
	}{je})
	return code
}

// selfCommand is how to run this binary again from another shell, in any
// directory: "anonex" when that is what PATH finds, else its absolute path
// (make devnet runs bin/anonex, which no other directory has).
func selfCommand() string {
	exe, err := os.Executable()
	if err != nil {
		return "anonex"
	}
	if onPath, err := exec.LookPath("anonex"); err == nil {
		a, errA := os.Stat(onPath)
		b, errB := os.Stat(exe)
		if errA == nil && errB == nil && os.SameFile(a, b) {
			return "anonex"
		}
	}
	return shellQuote(exe)
}
