// zstdcheck.mjs DIR: decompresses every DIR/*.zst with zstd.mjs and
// requires the output to equal DIR/*.raw (ledger/golden_test.go writes
// them with the Go encoder). Exits non-zero on any difference.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { decompress } from "./zstd.mjs";

const dir = process.argv[2];
let ok = 0;
const bad = [];
for (const f of readdirSync(dir).filter((f) => f.endsWith(".zst")).sort()) {
  const raw = readFileSync(join(dir, f.replace(/\.zst$/, ".raw")));
  try {
    const out = decompress(readFileSync(join(dir, f)), { maxWindow: 1 << 20, maxOutput: 1 << 20 });
    if (Buffer.compare(Buffer.from(out), raw) === 0) ok++;
    else bad.push(`${f}: ${out.length} bytes out, want ${raw.length}`);
  } catch (e) {
    bad.push(`${f}: ${e.message}`);
  }
}
for (const b of bad) console.error("FAIL " + b);
console.log(`zstd.mjs: ${ok} frames read, ${bad.length} wrong`);
process.exit(bad.length || ok === 0 ? 1 : 0);
