// build.mjs bundles the web app's script: src/main.js and what it imports
// (ethers, qrcode-generator; pinned in package.json and package-lock.json)
// into one file with esbuild:
//
//   node build.mjs             writes dist/app.js (commit it)
//   node build.mjs --out DIR   writes DIR/app.js (the staleness test)
//
// The output depends only on the sources and the pinned versions, so a
// rebuild of unchanged sources gives the same bytes.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import { dirname, join, resolve } from "node:path";

const here = dirname(fileURLToPath(import.meta.url));
const i = process.argv.indexOf("--out");
const out = i > 0 ? resolve(process.argv[i + 1]) : join(here, "dist");

await build({
  absWorkingDir: here,
  entryPoints: ["src/main.js"],
  outfile: join(out, "app.js"),
  bundle: true,
  format: "iife",
  platform: "browser",
  target: ["chrome109", "firefox115", "safari16"],
  minify: true,
  legalComments: "eof",
  charset: "utf8",
  logLevel: "warning",
});
