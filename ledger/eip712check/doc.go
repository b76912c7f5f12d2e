// Package eip712check cross-checks the ledger's EIP-712 hashing against go-ethereum's signer/core/apitypes; it holds tests only, so the ledger's own builds never link go-ethereum.
package eip712check
