// Package names derives the anonymized display name of a device account.
//
// A name is a pure function of the 20-byte address and nothing else:
//
//	h    = keccak256(address bytes)          (the 20 raw bytes, not the hex)
//	name = w1 "-" w2 "-" x
//	w1   = bip39.EnglishWordList[h bits 0..10]    (most significant first)
//	w2   = bip39.EnglishWordList[h bits 11..21]
//	x    = h bits 22..49 as 7 lower-case hex digits
//
// for example "truly-loop-43985c7", the name of
// 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266. A name carries 50 bits of the
// address hash: it is for display and lookup only, never an identity (two
// addresses share a name with probability 2^-50; lookups must still fail
// when more than one account matches). Names reveal nothing the address
// does not.
//
// The package is pure: it imports the standard library, the ledger package
// and the BIP-39 word list, and never go-ethereum (a test enforces this).
package names
