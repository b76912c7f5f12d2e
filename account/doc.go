// Package account holds device accounts: pseudonymous secp256k1 keys.
//
// Contract:
//   - A Key is a secp256k1 private key (btcec/v2). Its Address is the
//     Ethereum address of the key (last 20 bytes of keccak256 of X||Y), so
//     on-chain ecrecover checks it; its Name is names.Name(Address), a label
//     for display and lookup only.
//   - Key.Sign returns r||s||v with low s and v ∈ {27, 28}: byte for byte
//     what ethers.js signTypedData (or go-ethereum crypto.Sign, v+27) gives
//     for the same digest, since all use RFC 6979 nonces. Recover is the
//     pure-Go reference recovery; it rejects high s and any v but 27/28/0/1.
//   - Backups are BIP-39 mnemonics (English) derived along BIP-44
//     m/44'/60'/0'/0/index, the path of MetaMask, ethers, hardhat and anvil.
//   - Keys rest in Ethereum V3 keystore files (scrypt, aes-128-ctr), which
//     geth, ethers and MetaMask read and write. A Store is a directory of
//     them with geth's file names; lookups by address, name, name prefix or
//     address prefix fail with *AmbiguousError rather than guess.
//
// Nothing but keys and addresses is ever stored, and nothing is logged:
// errors name addresses, paths and word positions, never passwords,
// mnemonic words or key bytes.
package account
