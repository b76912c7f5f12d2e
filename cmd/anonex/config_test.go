package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/client"
	"github.com/anonex/anonex/devnet"
)

// runEnv runs anonex with extra environment variables (KEY=VALUE) and
// returns stdout, stderr and the error.
func runEnv(env []string, args ...string) (string, string, error) {
	var out, errb bytes.Buffer
	cmd := anonex(args...)
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), err
}

func dump(t *testing.T, env []string, args ...string) string {
	t.Helper()
	out, errs, err := runEnv(env, append([]string{"dumpconfig"}, args...)...)
	if err != nil {
		t.Fatalf("anonex dumpconfig %s: %v\n%s", strings.Join(args, " "), err, errs)
	}
	return out
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// keyLine is the line of key (set, not commented out) in a dump.
func keyLine(dump, key string) string {
	for _, l := range strings.Split(dump, "\n") {
		if strings.HasPrefix(l, key+" = ") {
			return l
		}
	}
	return ""
}

// TestDumpConfigRoundTrip: what dumpconfig prints, loaded with --config,
// prints again unchanged — every kind of setting, strings TOML must
// escape, arrays, a table — and the settings set are keys while the rest
// are commented out with their defaults.
func TestDumpConfigRoundTrip(t *testing.T) {
	args := []string{"--datadir", "/tmp/a \"quoted\" \\ dir\twith tab, ünïcode and \x01",
		"--eth-rpc", "http://127.0.0.1:1", "--anchor", "0x00000000000000000000000000000000000000a1", "--no-vault",
		"--confirmations", "0", "--poll", "250ms", "--bootstrap", "/ip4/127.0.0.1/tcp/1/p2p/a", "--bootstrap", "/ip4/127.0.0.1/tcp/2/p2p/b",
		"--settle", "--settle-max-bumps", "7", "--settle-max-fee", "12.5", "--log.format", "json", "--metrics.addr", "127.0.0.1:9100"}
	first := dump(t, nil, args...)
	for key, want := range map[string]string{
		"datadir":        `datadir = "/tmp/a \"quoted\" \\ dir\twith tab, ünïcode and \u0001"`,
		"confirmations":  "confirmations = 0",
		"poll":           `poll = "250ms"`,
		"bootstrap":      `bootstrap = ["/ip4/127.0.0.1/tcp/1/p2p/a", "/ip4/127.0.0.1/tcp/2/p2p/b"]`,
		"settle":         "settle = true",
		"settle-max-fee": "settle-max-fee = 12.5",
		"no-vault":       "no-vault = true",
	} {
		if got := keyLine(first, key); got != want {
			t.Errorf("%s: %q, want %q", key, got, want)
		}
	}
	for _, unset := range []string{`# network = "devnet"`, `# finalized = false`, `# batch-age = "200ms"`, `# level = "info"`, `# p2p-listen = []`} {
		if !strings.Contains(first, "\n"+unset+"\n") {
			t.Errorf("no %q in the dump", unset)
		}
	}
	if !strings.Contains(first, "[log]\n") || !strings.Contains(first, "\nformat = \"json\"\n") || !strings.Contains(first, "[metrics]\n") {
		t.Errorf("the [log] and [metrics] tables:\n%s", first)
	}
	file := writeFile(t, "node.toml", first)
	if again := dump(t, nil, "--config", file); again != first {
		t.Fatalf("loaded back, the settings differ:\n--- first\n%s\n--- again\n%s", first, again)
	}
	// The devnet's settings too.
	devFirst := dump(t, nil, "devnet", "--nodes", "2", "--block-time", "1s", "--datadir", "/tmp/dn", "--log.level", "debug")
	if keyLine(devFirst, "nodes") != "nodes = 2" || keyLine(devFirst, "block-time") != `block-time = "1s"` {
		t.Fatalf("devnet dump:\n%s", devFirst)
	}
	devFile := writeFile(t, "devnet.toml", devFirst)
	if again := dump(t, nil, "devnet", "--config", devFile); again != devFirst {
		t.Fatalf("devnet settings loaded back differ:\n--- first\n%s\n--- again\n%s", devFirst, again)
	}
}

// TestConfigPrecedence: flags > environment > file > defaults, for a key
// at the top and one in a table, and for --devnet given before the
// command name.
func TestConfigPrecedence(t *testing.T) {
	file := writeFile(t, "node.toml", "network = \"from-file\"\npoll = \"5s\"\ndevnet = \"/from/file\"\n\n[log]\nlevel = \"debug\"\nformat = \"json\"\n")
	d := dump(t, nil, "--config", file)
	for _, want := range []string{`network = "from-file"`, `poll = "5s"`, `level = "debug"`, `format = "json"`, `devnet = "/from/file"`} {
		if !strings.Contains(d, "\n"+want+"\n") {
			t.Errorf("file alone: no %q in\n%s", want, d)
		}
	}
	env := []string{"ANONEX_NETWORK=from-env", "ANONEX_LOG_LEVEL=warn", "ANONEX_BATCH_AGE=1s"}
	d = dump(t, env, "--config", file, "--log.level", "error", "--poll", "7s")
	for _, want := range []string{`network = "from-env"`, `poll = "7s"`, `level = "error"`, `format = "json"`, `batch-age = "1s"`} {
		if !strings.Contains(d, "\n"+want+"\n") {
			t.Errorf("flags > env > file: no %q in\n%s", want, d)
		}
	}
	// The config file itself from the environment, and --devnet given to
	// anonex before the command: still a flag, so it wins over the file.
	out, errs, err := runEnv([]string{"ANONEX_CONFIG=" + file}, "--devnet", "/from/flag", "dumpconfig")
	if err != nil {
		t.Fatalf("%v: %s", err, errs)
	}
	if keyLine(out, "devnet") != `devnet = "/from/flag"` || keyLine(out, "network") != `network = "from-file"` {
		t.Fatalf("ANONEX_CONFIG with --devnet before the command:\n%s", out)
	}
}

// TestConfigRefusesWhatItDoesNotKnow: an unknown key, an unknown table, a
// value of the wrong type and bad syntax are refused with the key and its
// line, by dumpconfig and by node alike, before anything starts.
func TestConfigRefusesWhatItDoesNotKnow(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		want      []string
	}{
		{"misspelt key in a table", "datadir = \"x\"\n\n[log]\nlevle = \"debug\"\n", []string{"line 4", `unknown key "log.levle"`}},
		{"unknown key", "# a comment\nnetwrok = \"x\"\n", []string{"line 2", `unknown key "netwrok"`}},
		{"unknown table", "[settle]\nkeystore = \"k\"\n", []string{"line 1", "unknown table [settle]"}},
		{"a string for a number", "settle-max-bumps = \"7\"\n", []string{"line 1", "settle-max-bumps", "wants an integer, not a string"}},
		{"a number for a string", "api = 8080\n", []string{"line 1", "api", "wants a string"}},
		{"not a duration", "poll = \"soon\"\n", []string{"line 1", "poll"}},
		{"repeated key", "\n\napi = \"a\"\napi = \"b\"\n", []string{"line 4", "in conflict with line 3"}},
		{"bad syntax", "datadir = \"x\"\napi = = \"y\"\n", []string{"line 2", "TOML"}},
	} {
		file := writeFile(t, "bad.toml", tc.doc)
		for _, args := range [][]string{{"dumpconfig", "--config", file}, {"node", "--config", file, "--datadir", t.TempDir()}} {
			_, errs, err := runEnv(nil, args...)
			if err == nil {
				t.Errorf("%s: anonex %s accepted it", tc.name, args[0])
				continue
			}
			for _, w := range append(tc.want, file) {
				if !strings.Contains(errs, w) {
					t.Errorf("%s: anonex %s: %q does not say %q", tc.name, args[0], errs, w)
				}
			}
		}
	}
}

// TestNodeFromConfigLogsJSON runs anonex node from a config file alone
// (the environment raising its log level) next to a devnet, with a
// settlement key, an issuer key and a password file, and checks that it
// took the file's settings (API and metrics addresses, the devnet's
// state), that every line it logs is a JSON object with time, level and
// message, that the environment's level won over the file's, and that no
// line carries the API token, the password or a private key.
func TestNodeFromConfigLogsJSON(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	d := startDevnet(t, ctx, devnet.Config{Nodes: 1, NoMarket: true})
	var err error
	// The demo keys, under a password no log line could carry by chance
	// (the demo password is "devnet", also the network's name).
	settler, issuer := d.Info.Accounts[1], d.Info.Accounts[2]
	password := "pw-" + hex.EncodeToString([]byte(t.Name() + time.Now().String()))[:24]
	pass := writeFile(t, "password", password+"\n")
	var secrets []string
	keystore := map[string]string{}
	for _, a := range []devnet.AccountInfo{settler, issuer} {
		k, err := account.LoadKeyFile(a.Keystore, a.Password)
		if err != nil {
			t.Fatal(err)
		}
		secrets = append(secrets, hex.EncodeToString(k.Bytes()))
		enc, err := account.EncryptKey(k, password, true)
		if err != nil {
			t.Fatal(err)
		}
		keystore[a.Address] = writeFile(t, "key.json", string(enc))
	}
	secrets = append(secrets, password)

	dir := filepath.Join(t.TempDir(), "node")
	apiPort, metricsPort := freePort(t), freePort(t)
	conf := writeFile(t, "node.toml", fmt.Sprintf(`devnet = %q
datadir = %q
api = "127.0.0.1:%d"
poll = "20ms"
settle = true
settle-keystore = %q
issuer = %q
password-file = %q

[log]
format = "json"
level = "info"

[metrics]
addr = "127.0.0.1:%d"
`, d.Dir, dir, apiPort, keystore[settler.Address], keystore[issuer.Address], pass, metricsPort))
	cmd := anonex("node", "--config", conf)
	cmd.Env = append(cmd.Env, "ANONEX_LOG_LEVEL=debug")
	var logs bytes.Buffer
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			cmd.Process.Signal(syscall.SIGTERM)
			cmd.Wait()
		}
	}
	defer stop()

	want := settledHead(t, d.Nodes[0])
	cl := client.New(fmt.Sprintf("http://127.0.0.1:%d", apiPort), "")
	var st api.NodeStatus
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		c, cancel := context.WithTimeout(ctx, time.Second)
		st, err = cl.Status(c)
		cancel()
		if err == nil && st.SettledSeq != nil && *st.SettledSeq >= want.NextSeq-1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the node of the config file is not at the devnet's state: %+v %v\n%s", st, err, logs.String())
		}
	}
	if st.Settler == "" || !strings.EqualFold(st.Settler, settler.Address) {
		t.Errorf("settler %q, the config file's key is %s", st.Settler, settler.Address)
	}
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", metricsPort))
	if err != nil {
		t.Fatalf("metrics.addr of the config file: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte("\nanonex_settled_seq ")) {
		t.Fatalf("GET /metrics on metrics.addr: %s\n%.500s", resp.Status, body)
	}
	token, err := os.ReadFile(filepath.Join(dir, "api-token"))
	if err != nil || len(token) == 0 {
		t.Fatalf("api token: %v", err)
	}
	secrets = append(secrets, string(token))
	stop()

	lines := strings.Split(strings.TrimRight(logs.String(), "\n"), "\n")
	if len(lines) < 5 {
		t.Fatalf("only %d log lines:\n%s", len(lines), logs.String())
	}
	levels := map[string]int{}
	for i, l := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("log line %d is not JSON (%v): %s", i+1, err, l)
		}
		level, _ := rec["level"].(string)
		if _, ok := rec["time"].(string); !ok || level == "" || rec["msg"] == nil {
			t.Errorf("log line %d lacks time, level or msg: %s", i+1, l)
		}
		levels[level]++
		for _, s := range secrets {
			if strings.Contains(strings.ToLower(l), strings.ToLower(s)) {
				t.Errorf("log line %d carries a secret: %s", i+1, l)
			}
		}
	}
	if levels["DEBUG"] == 0 {
		t.Errorf("no DEBUG line: ANONEX_LOG_LEVEL=debug did not win over the file's info (%v)", levels)
	}
}
