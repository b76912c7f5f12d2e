package contracts

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/anonex/anonex/contracts/bindings"
	"github.com/anonex/anonex/contracts/internal/bindgen"
	"github.com/ethereum/go-ethereum/common/hexutil"
)

const installHint = "the contract staleness test needs node and npm (Debian: apt-get install nodejs npm)"

// needTool fails the test (never skips it) when a tool is missing.
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not found on PATH: %s", name, installHint)
	}
	return p
}

// ensureSolc installs solc-js with `npm ci` unless the pinned version is
// already in node_modules.
func ensureSolc(t *testing.T) {
	t.Helper()
	needTool(t, "node")
	needTool(t, "npm")
	var pkg struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	raw, err := os.ReadFile("package.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &pkg); err != nil {
		t.Fatal(err)
	}
	want := pkg.Dependencies["solc"]
	if want == "" {
		t.Fatal("package.json does not pin solc")
	}
	var installed struct {
		Version string `json:"version"`
	}
	if raw, err := os.ReadFile(filepath.Join("node_modules", "solc", "package.json")); err == nil {
		_ = json.Unmarshal(raw, &installed)
	}
	if installed.Version == want {
		return
	}
	t.Logf("solc-js %s not installed (found %q): running npm ci", want, installed.Version)
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("npm", "ci", "--prefix", dir, "--no-audit", "--no-fund")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm ci failed: %v\n%s\n%s", err, out, installHint)
	}
}

// readTree returns every file below dir by its slash-separated relative path.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		files[filepath.ToSlash(rel)] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestArtifactsAndBindingsFresh compiles the Solidity sources with the pinned
// solc-js into a temporary directory and regenerates the Go bindings in
// process; it fails when the committed build/ or bindings/ differ.
func TestArtifactsAndBindingsFresh(t *testing.T) {
	ensureSolc(t)
	out := t.TempDir()
	cmd := exec.Command("node", "compile.js", "--out", out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("node compile.js: %v\n%s", err, msg)
	}
	fresh := readTree(t, out)
	committed := readTree(t, "build")
	if len(fresh) == 0 {
		t.Fatal("compile.js wrote nothing")
	}
	for name, data := range fresh {
		old, ok := committed[name]
		switch {
		case !ok:
			t.Errorf("build/%s is missing: run contracts/gen.sh", name)
		case !bytes.Equal(old, data):
			t.Errorf("build/%s is stale: run contracts/gen.sh", name)
		}
	}
	for name := range committed {
		if _, ok := fresh[name]; !ok {
			t.Errorf("build/%s is not produced by compile.js any more: delete it", name)
		}
	}

	for _, b := range bindgen.Bindings {
		code, err := bindgen.GenerateFile(out, bindgen.Binding{Type: b.Type, Artifact: strings.TrimPrefix(b.Artifact, "build/"), Output: b.Output})
		if err != nil {
			t.Fatal(err)
		}
		old, err := os.ReadFile(b.Output)
		if err != nil {
			t.Fatalf("%s: %v: run contracts/gen.sh", b.Output, err)
		}
		if !bytes.Equal(old, code) {
			t.Errorf("%s is stale: run contracts/gen.sh", b.Output)
		}
	}
}

func TestEmbeddedArtifact(t *testing.T) {
	a := Anchor()
	if len(a.Bytecode) < 100 || len(a.DeployedBytecode) < 100 {
		t.Fatalf("bytecode too short: %d / %d bytes", len(a.Bytecode), len(a.DeployedBytecode))
	}
	if got := hexutil.Encode(AnchorBytecode()); got != bindings.AnchorMetaData.Bin {
		t.Fatal("embedded bytecode differs from the binding's")
	}
	parsed, err := bindings.AnchorMetaData.ParseABI()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"submit", "batchHash", "nextSeq", "MAX_BATCH_BYTES"} {
		if _, ok := parsed.Methods[name]; !ok {
			t.Errorf("ABI lacks method %s", name)
		}
	}
	if _, ok := parsed.Events["Batch"]; !ok {
		t.Error("ABI lacks event Batch")
	}
	if !json.Valid([]byte(AnchorABI())) {
		t.Error("AnchorABI is not JSON")
	}
	// The Go constant and the contract's constant must agree.
	src, err := os.ReadFile("Anchor.sol")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(src, []byte("MAX_BATCH_BYTES = "+strconv.Itoa(MaxBatchBytes)+";")) {
		t.Errorf("Anchor.sol's MAX_BATCH_BYTES differs from MaxBatchBytes = %d", MaxBatchBytes)
	}
}
