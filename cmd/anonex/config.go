package main

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/naoina/toml"
	"github.com/naoina/toml/ast"
	"github.com/urfave/cli/v2"
)

// A configurable command (anonex node, anonex devnet) takes every one of
// its settings from a TOML file, from the environment or from its flags,
// by one rule, so there is no table of names to keep in step:
//
//   - every flag is a setting, except --config itself, --json and --help;
//   - its TOML key is the flag's name; a dot in the name is a table:
//     --eth-rpc is eth-rpc at the top, --log.level is level in [log];
//   - its environment variable (anonex node only) is ANONEX_ and the name
//     in capitals with - and . as _: ANONEX_ETH_RPC, ANONEX_LOG_LEVEL;
//   - precedence: flags > environment > file > defaults. A value from the
//     file counts as set, as a flag would (it overrides a --devnet
//     profile, for instance).
//
// A key the command does not take is refused with its name and line, and
// so is a value of the wrong TOML type. `anonex dumpconfig` prints the
// effective settings as a file that loads back to the same settings.

// configFlag is --config.
func configFlag(env bool) *cli.StringFlag {
	f := &cli.StringFlag{Name: "config", Usage: "read settings from the TOML `FILE` (flags and the environment override it; 'anonex dumpconfig' writes one)"}
	if env {
		f.EnvVars = []string{"ANONEX_CONFIG"}
	}
	return f
}

// envName is the environment variable of a setting.
func envName(flag string) string {
	return "ANONEX_" + strings.NewReplacer("-", "_", ".", "_").Replace(strings.ToUpper(flag))
}

// isSetting tells the flags that are settings.
func isSetting(f cli.Flag) bool {
	name := f.Names()[0]
	return name != "config" && name != "json" && name != "help"
}

// withEnv gives every setting among flags its environment variable.
func withEnv(flags []cli.Flag) []cli.Flag {
	for _, f := range flags {
		if !isSetting(f) {
			continue
		}
		env := []string{envName(f.Names()[0])}
		switch f := f.(type) {
		case *cli.StringFlag:
			f.EnvVars = env
		case *cli.BoolFlag:
			f.EnvVars = env
		case *cli.IntFlag:
			f.EnvVars = env
		case *cli.Uint64Flag:
			f.EnvVars = env
		case *cli.Float64Flag:
			f.EnvVars = env
		case *cli.DurationFlag:
			f.EnvVars = env
		case *cli.StringSliceFlag:
			f.EnvVars = env
		default:
			panic(fmt.Sprintf("config: flag --%s of type %T has no TOML form", f.Names()[0], f))
		}
	}
	return flags
}

// setAnywhere tells whether name was given to this command or, for a
// flag the app takes too (--devnet), before it.
func setAnywhere(c *cli.Context, name string) (*cli.Context, bool) {
	for _, cc := range c.Lineage() {
		if cc.IsSet(name) {
			return cc, true
		}
	}
	return nil, false
}

// loadConfig applies --config FILE to the settings among flags that no
// flag and no environment variable set.
func loadConfig(c *cli.Context, flags []cli.Flag) error {
	path := c.String("config")
	if path == "" {
		return nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("--config: %w", err)
	}
	if err := applyConfig(c, flags, b); err != nil {
		return fmt.Errorf("config %s, %w", path, err)
	}
	return nil
}

// applyConfig applies a TOML document to the settings among flags.
func applyConfig(c *cli.Context, flags []cli.Flag, doc []byte) error {
	tbl, err := toml.Parse(doc)
	if err != nil {
		var le *toml.LineError
		if !errors.As(err, &le) {
			return err
		}
		msg := le.Err.Error()
		// naoina/toml prints the first line of a repeated key in hex
		// ("%xd"): say it in decimal.
		msg = hexLine.ReplaceAllStringFunc(msg, func(m string) string {
			n, _ := strconv.ParseUint(hexLine.FindStringSubmatch(m)[1], 16, 64)
			return fmt.Sprintf("with line %d", n)
		})
		if strings.Contains(msg, "syntax") {
			msg += " (the parser reads TOML v0.4: a table as [name], no dotted keys)"
		}
		return fmt.Errorf("line %d: %s", le.Line, msg)
	}
	byName := map[string]cli.Flag{}
	var names []string
	for _, f := range flags {
		if isSetting(f) {
			byName[f.Names()[0]] = f
			names = append(names, f.Names()[0])
		}
	}
	// The file's keys, as flag names, with their lines, in line order.
	type entry struct {
		name string
		kv   *ast.KeyValue
	}
	var entries []entry
	var walk func(prefix string, t *ast.Table) error
	walk = func(prefix string, t *ast.Table) error {
		for key, v := range t.Fields {
			switch v := v.(type) {
			case *ast.KeyValue:
				entries = append(entries, entry{prefix + key, v})
			case *ast.Table:
				if prefix != "" || !tableOf(names, key) {
					return fmt.Errorf("line %d: unknown table [%s%s] ('anonex dumpconfig' prints every key)", v.Line, prefix, key)
				}
				if err := walk(key+".", v); err != nil {
					return err
				}
			case []*ast.Table:
				return fmt.Errorf("line %d: unknown table [[%s%s]] ('anonex dumpconfig' prints every key)", v[0].Line, prefix, key)
			}
		}
		return nil
	}
	if err := walk("", tbl); err != nil {
		return err
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].kv.Line < entries[j].kv.Line })
	for _, e := range entries {
		f, ok := byName[e.name]
		if !ok {
			return fmt.Errorf("line %d: unknown key %q ('anonex dumpconfig' prints every key)", e.kv.Line, e.name)
		}
		vals, err := flagValues(f, e.kv.Value)
		if err != nil {
			return fmt.Errorf("line %d: %s: %w", e.kv.Line, e.name, err)
		}
		if _, set := setAnywhere(c, e.name); set {
			continue // a flag or the environment said otherwise
		}
		for _, v := range vals {
			if err := c.Set(e.name, v); err != nil {
				return fmt.Errorf("line %d: %s: %w", e.kv.Line, e.name, err)
			}
		}
	}
	return nil
}

var hexLine = regexp.MustCompile(`with line ([0-9a-f]+)d\b`)

// tableOf tells whether some setting lives in table t ("log" for
// log.level).
func tableOf(names []string, t string) bool {
	return slices.ContainsFunc(names, func(n string) bool { return strings.HasPrefix(n, t+".") })
}

// flagValues checks a TOML value's type against the flag's and renders
// it as the flag's text (one text a string of an array).
func flagValues(f cli.Flag, v ast.Value) ([]string, error) {
	want := func(what string) error { return fmt.Errorf("wants %s, not %s", what, tomlKind(v)) }
	switch f.(type) {
	case *cli.StringFlag, *cli.DurationFlag:
		s, ok := v.(*ast.String)
		if !ok {
			return nil, want("a string")
		}
		return []string{s.Value}, nil
	case *cli.BoolFlag:
		b, ok := v.(*ast.Boolean)
		if !ok {
			return nil, want("true or false")
		}
		return []string{b.Value}, nil
	case *cli.IntFlag, *cli.Uint64Flag:
		i, ok := v.(*ast.Integer)
		if !ok {
			return nil, want("an integer")
		}
		return []string{i.Value}, nil
	case *cli.Float64Flag:
		switch n := v.(type) {
		case *ast.Float:
			return []string{n.Value}, nil
		case *ast.Integer:
			return []string{n.Value}, nil
		}
		return nil, want("a number")
	case *cli.StringSliceFlag:
		a, ok := v.(*ast.Array)
		if !ok {
			return nil, want("an array of strings")
		}
		out := []string{}
		for _, e := range a.Value {
			s, ok := e.(*ast.String)
			if !ok {
				return nil, want("an array of strings")
			}
			out = append(out, s.Value)
		}
		return out, nil
	}
	return nil, fmt.Errorf("no TOML form for %T", f)
}

func tomlKind(v ast.Value) string {
	switch v.(type) {
	case *ast.String:
		return "a string"
	case *ast.Integer:
		return "an integer"
	case *ast.Float:
		return "a float"
	case *ast.Boolean:
		return "a boolean"
	case *ast.Datetime:
		return "a date"
	case *ast.Array:
		return "an array"
	}
	return fmt.Sprintf("%T", v)
}

// dumpConfig writes the settings among flags as a TOML document: a set
// one as its key, an unset one commented out with its default, each under
// its flag's usage. Loaded with --config, it gives the same settings.
func dumpConfig(c *cli.Context, command string, env bool, flags []cli.Flag) string {
	var top, tables []cli.Flag
	for _, f := range flags {
		if !isSetting(f) {
			continue
		}
		if strings.Contains(f.Names()[0], ".") {
			tables = append(tables, f)
		} else {
			top = append(top, f)
		}
	}
	sort.SliceStable(tables, func(i, j int) bool {
		ti, _, _ := strings.Cut(tables[i].Names()[0], ".")
		tj, _, _ := strings.Cut(tables[j].Names()[0], ".")
		return ti < tj
	})
	var b strings.Builder
	fmt.Fprintf(&b, "# anonex %s settings, as 'anonex dumpconfig' printed them; load them with\n", command)
	fmt.Fprintf(&b, "# 'anonex %s --config FILE'. Each key is a flag of 'anonex %s' (a dot\n", command, command)
	b.WriteString("# in its name is a table: --log.level is level in [log]). A key commented\n")
	b.WriteString("# out is not set: the command takes the default shown.\n")
	if env {
		b.WriteString("# Precedence: flags > environment (ANONEX_<FLAG>, e.g. ANONEX_LOG_LEVEL) >\n# this file > defaults.\n")
	} else {
		b.WriteString("# Precedence: flags > this file > defaults.\n")
	}
	table := ""
	for _, f := range append(top, tables...) {
		name := f.Names()[0]
		key := name
		if t, k, ok := strings.Cut(name, "."); ok {
			key = k
			if t != table {
				fmt.Fprintf(&b, "\n[%s]\n", t)
				table = t
			}
		}
		b.WriteString("\n")
		if u := flagUsage(f); u != "" {
			fmt.Fprintf(&b, "# %s\n", u)
		}
		cc, set := setAnywhere(c, name)
		if !set {
			fmt.Fprintf(&b, "# %s = %s\n", key, tomlValue(c, f, false))
			continue
		}
		fmt.Fprintf(&b, "%s = %s\n", key, tomlValue(cc, f, true))
	}
	return b.String()
}

func flagUsage(f cli.Flag) string {
	if d, ok := f.(cli.DocGenerationFlag); ok {
		return strings.ReplaceAll(d.GetUsage(), "`", "")
	}
	return ""
}

// tomlValue renders a flag's value in c (its default when !set) as TOML.
func tomlValue(c *cli.Context, f cli.Flag, set bool) string {
	name := f.Names()[0]
	switch f := f.(type) {
	case *cli.StringFlag:
		if !set {
			return tomlString(f.Value)
		}
		return tomlString(c.String(name))
	case *cli.DurationFlag:
		d := f.Value
		if set {
			d = c.Duration(name)
		}
		return tomlString(d.String())
	case *cli.BoolFlag:
		v := f.Value
		if set {
			v = c.Bool(name)
		}
		return strconv.FormatBool(v)
	case *cli.IntFlag:
		v := f.Value
		if set {
			v = c.Int(name)
		}
		return strconv.Itoa(v)
	case *cli.Uint64Flag:
		v := f.Value
		if set {
			v = c.Uint64(name)
		}
		return strconv.FormatUint(v, 10)
	case *cli.Float64Flag:
		v := f.Value
		if set {
			v = c.Float64(name)
		}
		s := strconv.FormatFloat(v, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eEn") { // n: NaN, Inf
			s += ".0"
		}
		return s
	case *cli.StringSliceFlag:
		var vs []string
		if set {
			vs = c.StringSlice(name)
		} else if f.Value != nil {
			vs = f.Value.Value()
		}
		q := make([]string, len(vs))
		for i, v := range vs {
			q[i] = tomlString(v)
		}
		return "[" + strings.Join(q, ", ") + "]"
	}
	panic(fmt.Sprintf("config: flag --%s of type %T has no TOML form", name, f))
}

// tomlString is s as a TOML basic string.
func tomlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\u%04X`, utf8.RuneError) // not UTF-8: TOML cannot say it
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
		i += size
	}
	b.WriteByte('"')
	return b.String()
}

// dumpconfigCommand prints the effective settings of anonex node (or,
// with the devnet subcommand, of anonex devnet) as TOML.
func dumpconfigCommand() *cli.Command {
	nodeFlags := nodeFlags()
	devFlags := devnetFlags()
	return &cli.Command{
		Name:      "dumpconfig",
		Usage:     "print the settings of 'anonex node' (or 'anonex dumpconfig devnet': of the devnet) as a TOML config file",
		UsageText: "anonex dumpconfig [node flags]  |  anonex dumpconfig devnet [devnet flags]",
		Description: `Takes the same flags, environment (ANONEX_<FLAG>) and --config FILE as
'anonex node', and prints the settings they make as TOML: a set key as
itself, an unset one commented out with its default. The output loaded with
--config gives the same settings. Nothing is started.`,
		Flags:  nodeFlags,
		Before: func(c *cli.Context) error { return loadConfig(c, nodeFlags) },
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return fmt.Errorf("dumpconfig takes no arguments (got %q): it prints the settings the flags make", c.Args().First())
			}
			fmt.Print(dumpConfig(c, "node", true, nodeFlags))
			return nil
		},
		Subcommands: []*cli.Command{{
			Name:   "devnet",
			Usage:  "print the settings of 'anonex devnet' as a TOML config file",
			Flags:  devFlags,
			Before: func(c *cli.Context) error { return loadConfig(c, devFlags) },
			Action: func(c *cli.Context) error {
				fmt.Print(dumpConfig(c, "devnet", false, devFlags))
				return nil
			},
		}},
	}
}
