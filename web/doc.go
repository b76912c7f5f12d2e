// Package web is the node's web app, served by every node at / beside its
// API: the Network, Wallet and Market pages, in one page that talks only
// to the node that served it (its /v1 API and its /v1/events stream).
//
//   - Everything the browser loads is in the binary: static/ (the page and
//     its style sheet) as written, dist/app.js as built from src/ by
//     esbuild (build.mjs, pinned in package.json, with the ethers and
//     qrcode-generator it bundles). dist/ is committed; a test rebuilds it
//     from the sources and fails when it is stale.
//   - Nothing is fetched from elsewhere at run time: the Content-Security-
//     Policy lets the page load and connect to its own origin only.
//   - Keys stay in the page: a keystore file the user opens is decrypted
//     in the browser (ethers.Wallet.fromEncryptedJson), the key is held in
//     the page's memory only (never stored, never sent), and every write is
//     a transaction or offer signed there with the EIP-712 types the node
//     serves (GET /v1/eip712?type=T), submitted as docs/protocol.md's JSON
//     form.
//
// Handler serves the files; package node mounts it (route.Mux.App) on
// every GET path the API does not take. web imports nothing of node.
package web
