#!/usr/bin/env bash
# gen.sh regenerates the committed contract artifacts and Go bindings:
#   1. installs solc-js (pinned in package.json) unless already installed,
#   2. compiles the Solidity sources into build/*.json (compile.js),
#   3. writes the abigen v2 bindings into bindings/*.go (internal/gen).
# Needs node and npm (Debian: apt-get install nodejs npm) and Go.
# Run from anywhere; `make contracts` calls it.
set -euo pipefail

dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$dir"

for tool in node npm go; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "gen.sh: $tool not found; install it (Debian: apt-get install nodejs npm; Go from go.dev)" >&2
		exit 1
	fi
done

want="$(node -p "require('./package.json').dependencies.solc")"
have="$(node -p "try { require('./node_modules/solc/package.json').version } catch (e) { '' }")"
if [ "$have" != "$want" ]; then
	npm ci --prefix "$dir" --no-audit --no-fund
fi
node compile.js
go run ./internal/gen -dir .
