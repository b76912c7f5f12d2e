// Package devchain runs an Ethereum development chain inside the process:
// go-ethereum itself, wired the way `geth --dev` wires it (node.New +
// eth.New + the filter API + catalyst.NewSimulatedBeacon +
// catalyst.RegisterSimulatedBeaconAPIs), serving JSON-RPC over HTTP and
// WebSocket on 127.0.0.1. It is what the devnet settles to and what tests
// of the chain side, the nodes and the commands start; like go-ethereum's
// ethclient/simulated, but a chain that mines by itself and that outside
// tools (ethers, geth attach) can talk to.
//
// # Contract
//
//   - Start returns once the JSON-RPC endpoints accept requests; Close
//     stops the chain and its goroutines and closes the database. Close is
//     idempotent and safe from a signal handler's goroutine.
//   - Loopback only: Config.HTTPAddr and WSAddr must name a loopback host.
//     Port 0 picks a free port; HTTPURL and WSURL report the bound one.
//   - Blocks: with Config.Period 0 a block is sealed as soon as a
//     transaction arrives (a watchdog heals go-ethereum's lost wake-ups),
//     and block timestamps then run ahead of the wall clock. FinalDepth
//     adds empty blocks after each block with transactions until it is that
//     deep. MineBlocks seals blocks on demand.
//   - Rules are today's mainnet's: go-ethereum's developer genesis with its
//     draft future fork (Bogota) turned off; chain id 1337 by default.
//   - Persistence (Config.DataDir): hash state scheme, no pruning, the
//     write-ahead log synced on every new head, so a SIGKILL loses at most
//     the block being written (LoseUnsynced turns the sync off, as a fault
//     seam). A reopened data dir keeps its genesis.
//   - Reorgs on demand (Reorg, ReorgInject): up to 64 blocks, period 0
//     only, never below the head a reopened chain started at
//     (ErrReorgBelowReopen).
//   - Accounts: TestMnemonic is the standard development mnemonic; TestKey
//     derives its keys and Prefund funds addresses in the genesis block.
//     DeployAnchor deploys the Anchor contract.
//
// The package is a leaf: it imports go-ethereum, the contracts' bindings
// and account, and nothing of a node (node, devnet, p2p, ledger/store,
// exchange, cardbridge, chain), so a test that needs a chain links only the
// chain. TestLeaf enforces it.
package devchain
