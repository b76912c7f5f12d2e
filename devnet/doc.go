// Package devnet runs the whole local network in one process: the
// embedded Ethereum dev chain (chain/devchain), the Anchor, the Vault and
// its test token, the nodes (three by default), the demo device accounts
// with their keystores, balances and bridge deposits, virtual cards when
// asked for (through pcscd when it runs) and a market maker. `anonex devnet` and the end-to-end
// tests start it; it writes devnet.json for other tools.
//
//   - Start returns once the demo balances are settled on every node;
//     Close stops everything and, for a devnet without a data dir, removes
//     its temporary directory.
//   - With Config.DataDir the chain, the nodes' stores and the keystores
//     persist; Start on the same directory reopens them and seeds nothing
//     twice.
//   - Every key comes from the test mnemonic (devchain.TestMnemonic):
//     Ethereum accounts 0-9 (0 deploys, 1-3 attest, SettlerEthAccount
//     settles for node 0), the demo device accounts from index 100. Devnet
//     only: never for value.
//   - Node 0 settles, issues and holds the demo holders' wallet keys;
//     blocks are final FinalDepth deep, reached within milliseconds.
//   - StopNode and StartNode stop and restart one node in process (the
//     chaos checker's node kill); PullCard and ReinsertCard take a card
//     out of its reader and put one back.
//
// The chain alone, without nodes, is chain/devchain.
package devnet
