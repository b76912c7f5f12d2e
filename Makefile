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

.PHONY: build devnet test unit fuzz lint bench contracts deps clean

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

test: deps lint unit fuzz

lint:
	@bad=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$bad" ]; then echo "gofmt needed: $$bad"; exit 1; fi
	$(GO) vet ./...

unit:
	$(GO) test -count=1 -timeout 18m ./...

fuzz:
	@for t in $(FUZZ); do pkg=$${t%%:*}; fn=$${t##*:}; \
		echo "fuzz $$pkg $$fn ($(FUZZTIME))"; \
		out=$$($(GO) test -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) ./$$pkg 2>&1) || { echo "$$out"; exit 1; }; done

bench: deps build
	$(GO) run ./cmd/anonex-bench $(ARGS)

contracts:
	contracts/gen.sh

clean:
	rm -rf bin
