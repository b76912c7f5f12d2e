#!/usr/bin/env node
// SPDX-License-Identifier: MIT
//
// compile.js compiles the anonex Solidity sources with solc-js (the npm
// package pinned in package.json) through the standard JSON interface and
// writes one artifact per contract:
//
//   build/Anchor.json                   {"abi", "bytecode", "deployedBytecode"}
//   build/Vault.json, build/TestToken.json
//                                       (interfaces get no artifact)
//   build/bench/AnchorNoEventData.json  measuring variant (gas table only)
//
// Usage: node compile.js [--out DIR]      (DIR defaults to ./build)
//
// The output is deterministic: keys sorted, two-space indentation, a final
// newline. contracts_test.go compiles into a temporary directory and fails
// when the committed artifacts differ.
'use strict';

const fs = require('fs');
const path = require('path');

const SOLC_VERSION = '0.8.37';
const EVM_VERSION = 'cancun';

// Each source and where its artifacts go, relative to the output directory.
const SOURCES = [
  { file: 'Anchor.sol', outDir: '.' },
  { file: 'Vault.sol', outDir: '.' },
  { file: 'TestToken.sol', outDir: '.' },
  { file: 'bench/AnchorNoEventData.sol', outDir: 'bench' },
];

function parseArgs(argv) {
  let out = path.join(__dirname, 'build');
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--out') {
      if (i + 1 >= argv.length) throw new Error('--out needs a directory');
      out = path.resolve(argv[++i]);
    } else if (a.startsWith('--out=')) {
      out = path.resolve(a.slice('--out='.length));
    } else if (a === '-h' || a === '--help') {
      process.stdout.write('usage: node compile.js [--out DIR]\n');
      process.exit(0);
    } else {
      throw new Error('unknown argument ' + JSON.stringify(a));
    }
  }
  return { out };
}

// sortKeys returns a copy of v with every object's keys in sorted order.
function sortKeys(v) {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') {
    const o = {};
    for (const k of Object.keys(v).sort()) o[k] = sortKeys(v[k]);
    return o;
  }
  return v;
}

function main() {
  const { out } = parseArgs(process.argv.slice(2));

  let solc;
  try {
    solc = require('solc');
  } catch (e) {
    throw new Error('solc-js is not installed: run `npm ci --prefix contracts` (' + e.message + ')');
  }
  const version = solc.version();
  if (!version.startsWith(SOLC_VERSION + '+')) {
    throw new Error('solc-js ' + version + ' found, ' + SOLC_VERSION + ' required: run `npm ci --prefix contracts`');
  }

  const sources = {};
  for (const s of SOURCES) {
    // Normalise line endings so a CRLF checkout compiles to the same bytes.
    const text = fs.readFileSync(path.join(__dirname, s.file), 'utf8').replace(/\r\n/g, '\n');
    sources[s.file] = { content: text };
  }
  const input = {
    language: 'Solidity',
    sources,
    settings: {
      evmVersion: EVM_VERSION,
      optimizer: { enabled: true, runs: 200 },
      outputSelection: {
        '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] },
      },
    },
  };

  const output = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (output.errors || []).filter((e) => e.severity === 'error');
  for (const e of output.errors || []) {
    process.stderr.write((e.formattedMessage || e.message) + '\n');
  }
  if (errors.length > 0) {
    throw new Error('compilation failed with ' + errors.length + ' error(s)');
  }

  for (const s of SOURCES) {
    const contracts = output.contracts[s.file] || {};
    const names = Object.keys(contracts).sort();
    if (names.length === 0) throw new Error('no contract in ' + s.file);
    const dir = path.join(out, s.outDir);
    fs.mkdirSync(dir, { recursive: true });
    for (const name of names) {
      const c = contracts[name];
      if (c.evm.bytecode.object === '') continue; // an interface: nothing to deploy or bind
      const artifact = sortKeys({
        abi: c.abi,
        bytecode: '0x' + c.evm.bytecode.object,
        deployedBytecode: '0x' + c.evm.deployedBytecode.object,
      });
      const file = path.join(dir, name + '.json');
      fs.writeFileSync(file, JSON.stringify(artifact, null, 2) + '\n');
      process.stdout.write('wrote ' + path.relative(process.cwd(), file) + '\n');
    }
  }
}

try {
  main();
} catch (e) {
  process.stderr.write('compile.js: ' + e.message + '\n');
  process.exit(1);
}
