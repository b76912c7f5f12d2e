# anonex — the two commands of the README do all set-up:
#   make devnet   build and run the developer network on the embedded defaults
#   make test     install what the tests need, then run them all
SHELL := /bin/bash
GO    ?= go
BIN   := bin/anonex
# Fuzz targets of the pure decoders, run briefly by `make test`.
FUZZTIME ?= 4s
FUZZ := ledger:FuzzDecodeTx ledger:FuzzTxJSON ledger:FuzzDecodeBatch ledger:FuzzParseAmount ledger:FuzzDecodeOffer \
        account/names:FuzzValid account:FuzzParseMnemonic account:FuzzRecover account:FuzzParseHeader \
        cardbridge/cardproto:FuzzMessages cardbridge/apdu:FuzzParseCommand cardbridge/apdu:FuzzParseResponse \
        cardbridge/apdu:FuzzParseTLV cardbridge/apdu:FuzzReassembler exchange/alloc:FuzzAllocate

export CGO_ENABLED := 1

# Packages whose code runs goroutines, tested again under the race
# detector by `make test` (cardbridge/terminal has no tests of its own:
# cardbridge/pcsctest runs it). Left to `unit`: TestGossipPerformance
# measures throughput, which under -race measures the detector; and
# TestReorgDetected and TestReorgRollsBackAndRefolds, whose reorgs of the embedded chain can trip a data race
# inside go-ethereum v1.17.10 itself (StateDB.setError, called from the
# parallel trie updates of the miner's payload build; seen 1 run in 2).
RACE := ./ledger/store ./p2p ./chain ./node ./node/pool ./cardbridge/vcard ./cardbridge/pcsctest

.PHONY: build devnet test unit race fuzz lint bench chaos contracts web deps clean

build:
	$(GO) build -o $(BIN) ./cmd/anonex

deps:
	@.ci/deps

devnet: deps build
	@if ! pgrep -x pcscd >/dev/null; then \
		if [ "$$(id -u)" = 0 ]; then echo "devnet: starting pcscd (the PC/SC daemon the cards go through)"; pcscd; \
			for i in $$(seq 50); do [ -S /run/pcscd/pcscd.comm ] && break; sleep 0.1; done; \
		else echo "devnet: pcscd is not running; start it with: sudo pcscd   (the devnet falls back to in-process cards)"; fi; \
	fi
	$(BIN) devnet $(ARGS)

test: deps lint unit race fuzz

lint:
	@bad=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$bad" ]; then echo "gofmt needed: $$bad"; exit 1; fi
	$(GO) vet ./...
	@$(GO) mod tidy -diff >/dev/null 2>&1 || { echo "go.mod/go.sum are not tidy: run go mod tidy"; $(GO) mod tidy -diff; exit 1; }

# Browser tests keep their screenshots in artifacts/ (not committed).
unit:
	ANONEX_ARTIFACTS=$(CURDIR)/artifacts $(GO) test -count=1 -timeout 18m ./...

race:
	$(GO) test -race -count=1 -timeout 20m -skip '^(TestGossipPerformance|TestReorgDetected|TestReorgRollsBackAndRefolds)$$' $(RACE)

# Go's fuzzing engine sometimes ends a run with "context deadline exceeded"
# and no failing input when the machine is loaded (its workers miss the
# fuzztime deadline); such a run is tried once more. A real failure names a
# failing input (testdata/fuzz/...) and fails at once.
fuzz:
	@for t in $(FUZZ); do pkg=$${t%%:*}; fn=$${t##*:}; \
		echo "fuzz $$pkg $$fn ($(FUZZTIME))"; \
		for try in 1 2; do \
			out=$$($(GO) test -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) ./$$pkg 2>&1) && break; \
			if [ $$try = 1 ] && echo "$$out" | grep -q 'context deadline exceeded' && ! echo "$$out" | grep -q 'Failing input'; then \
				echo "  (engine timeout without a failing input; once more)"; continue; fi; \
			echo "$$out"; exit 1; \
		done; done

# The crash loops of a whole devnet and of one node process, at full size
# (50 SIGKILLs each), and the chaos checker (300 operations: transfers,
# fills, card payments offline and online through pcscd, deposits and
# withdrawals, while the chain reorganizes and restarts and nodes are
# killed; it starts pcscd as root when none runs); make test runs small
# ones. A failure prints its seed: ANONEX_CHAOS_SEED=N make chaos replays it.
CHAOS_KILLS ?= 50
CHAOS_OPS ?= 300
chaos: deps
	ANONEX_CHAOS_KILLS=$(CHAOS_KILLS) $(GO) test -count=1 -timeout 60m -run 'CrashLoop' -v ./cmd/anonex/
	ANONEX_CHAOS_OPS=$(CHAOS_OPS) $(GO) test -count=1 -timeout 30m -run 'TestChaosChecker' -v ./devnet/

bench: deps build
	$(GO) run ./cmd/anonex-bench $(ARGS)

contracts:
	contracts/gen.sh

# Rebuild the web app's bundle (web/dist/app.js, committed and embedded)
# from web/src with the pinned esbuild; a test fails when it is stale.
web: deps
	cd web && node build.mjs

clean:
	rm -rf bin
