package chain

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/rpc"
)

// Client is a JSON-RPC connection to an Ethereum node. It is safe for
// concurrent use.
type Client struct {
	rpc  *rpc.Client
	eth  *ethclient.Client
	subs bool // the transport carries subscriptions (ws, ipc, in-process)

	mu      sync.Mutex
	chainID uint64 // cached; 0 = unknown
}

// Dial connects to an Ethereum JSON-RPC endpoint: http://, https://, ws://,
// wss:// or the path of an IPC socket.
func Dial(ctx context.Context, endpoint string) (*Client, error) {
	subs := true
	switch u, err := url.Parse(endpoint); {
	case endpoint == "":
		return nil, fmt.Errorf("%w: empty", ErrBadURL)
	case err == nil && (u.Scheme == "http" || u.Scheme == "https"):
		subs = false
	case err == nil && (u.Scheme == "ws" || u.Scheme == "wss"):
	case err == nil && u.Scheme == "" && (strings.HasPrefix(endpoint, "/") || strings.HasSuffix(endpoint, ".ipc")):
	default:
		return nil, fmt.Errorf("%w: %q (want http(s)://, ws(s):// or an IPC path)", ErrBadURL, endpoint)
	}
	rc, err := rpc.DialContext(ctx, endpoint)
	if err != nil {
		return nil, fmt.Errorf("chain: dial %s: %w", endpoint, err)
	}
	return &Client{rpc: rc, eth: ethclient.NewClient(rc), subs: subs}, nil
}

// NewClient wraps an existing RPC client, e.g. the in-process one of the
// embedded dev chain. Closing the Client closes rc.
func NewClient(rc *rpc.Client) *Client {
	return &Client{rpc: rc, eth: ethclient.NewClient(rc), subs: rc.SupportsSubscriptions()}
}

// Close closes the connection.
func (c *Client) Close() { c.rpc.Close() }

// RPC returns the underlying RPC client.
func (c *Client) RPC() *rpc.Client { return c.rpc }

// Eth returns the go-ethereum client over the same connection.
func (c *Client) Eth() *ethclient.Client { return c.eth }

// SupportsSubscriptions tells whether the transport carries subscriptions
// (WebSocket, IPC, in-process); over HTTP the follower polls.
func (c *Client) SupportsSubscriptions() bool { return c.subs }

// ChainID returns the chain id (cached after the first call).
func (c *Client) ChainID(ctx context.Context) (uint64, error) {
	c.mu.Lock()
	id := c.chainID
	c.mu.Unlock()
	if id != 0 {
		return id, nil
	}
	big, err := c.eth.ChainID(ctx)
	if err != nil {
		return 0, fmt.Errorf("chain: eth_chainId: %w", err)
	}
	if !big.IsUint64() || big.Sign() == 0 {
		return 0, fmt.Errorf("chain: unusable chain id %v", big)
	}
	c.mu.Lock()
	c.chainID = big.Uint64()
	c.mu.Unlock()
	return big.Uint64(), nil
}

// BlockNumber returns the number of the head block.
func (c *Client) BlockNumber(ctx context.Context) (uint64, error) {
	n, err := c.eth.BlockNumber(ctx)
	if err != nil {
		return 0, fmt.Errorf("chain: eth_blockNumber: %w", err)
	}
	return n, nil
}

// BlockInfo is the part of a block header that this package uses. Hash is the
// hash the node reports, never one recomputed locally (a header field added
// by a future fork would change a local computation, not the node's).
type BlockInfo struct {
	Number     uint64
	Hash       common.Hash
	ParentHash common.Hash
	Time       uint64
	BaseFee    *big.Int // nil before London
}

// UnmarshalJSON decodes a block or header object of the JSON-RPC API.
func (b *BlockInfo) UnmarshalJSON(data []byte) error {
	var raw struct {
		Number     *hexutil.Uint64 `json:"number"`
		Hash       *common.Hash    `json:"hash"`
		ParentHash common.Hash     `json:"parentHash"`
		Time       hexutil.Uint64  `json:"timestamp"`
		BaseFee    *hexutil.Big    `json:"baseFeePerGas"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	if raw.Number == nil || raw.Hash == nil {
		return errors.New("chain: block without number or hash")
	}
	*b = BlockInfo{Number: uint64(*raw.Number), Hash: *raw.Hash, ParentHash: raw.ParentHash, Time: uint64(raw.Time)}
	if raw.BaseFee != nil {
		b.BaseFee = raw.BaseFee.ToInt()
	}
	return nil
}

// Block returns the header of block number n, or of the block a tag names
// (rpc.LatestBlockNumber, rpc.FinalizedBlockNumber, rpc.SafeBlockNumber).
// It returns an error wrapping ethereum.NotFound when there is no such block.
func (c *Client) Block(ctx context.Context, n rpc.BlockNumber) (BlockInfo, error) {
	var raw json.RawMessage
	if err := c.rpc.CallContext(ctx, &raw, "eth_getBlockByNumber", n, false); err != nil {
		return BlockInfo{}, fmt.Errorf("chain: eth_getBlockByNumber(%v): %w", n, err)
	}
	if len(raw) == 0 || string(raw) == "null" {
		return BlockInfo{}, fmt.Errorf("chain: block %v: %w", n, ethereum.NotFound)
	}
	var b BlockInfo
	if err := json.Unmarshal(raw, &b); err != nil {
		return BlockInfo{}, fmt.Errorf("chain: block %v: %w", n, err)
	}
	return b, nil
}

// FilterLogs runs eth_getLogs.
func (c *Client) FilterLogs(ctx context.Context, q ethereum.FilterQuery) ([]types.Log, error) {
	return c.eth.FilterLogs(ctx, q)
}

// SubscribeNewHeads delivers the header of every new head block. It fails
// with rpc.ErrNotificationsUnsupported over HTTP.
func (c *Client) SubscribeNewHeads(ctx context.Context, ch chan<- BlockInfo) (ethereum.Subscription, error) {
	if !c.subs {
		return nil, rpc.ErrNotificationsUnsupported
	}
	return c.rpc.EthSubscribe(ctx, ch, "newHeads")
}

// PendingNonceAt returns the account's next nonce, counting pool transactions.
func (c *Client) PendingNonceAt(ctx context.Context, account common.Address) (uint64, error) {
	return c.eth.PendingNonceAt(ctx, account)
}

// NonceAt returns the account's nonce at a block (nil = latest): the number
// of its mined transactions.
func (c *Client) NonceAt(ctx context.Context, account common.Address, block *big.Int) (uint64, error) {
	return c.eth.NonceAt(ctx, account, block)
}

// SuggestGasTipCap returns the node's suggested priority fee.
func (c *Client) SuggestGasTipCap(ctx context.Context) (*big.Int, error) {
	return c.eth.SuggestGasTipCap(ctx)
}

// EstimateGas runs eth_estimateGas.
func (c *Client) EstimateGas(ctx context.Context, msg ethereum.CallMsg) (uint64, error) {
	return c.eth.EstimateGas(ctx, msg)
}

// CallContract runs eth_call at a block (nil = latest).
func (c *Client) CallContract(ctx context.Context, msg ethereum.CallMsg, block *big.Int) ([]byte, error) {
	return c.eth.CallContract(ctx, msg, block)
}

// SendTransaction runs eth_sendRawTransaction.
func (c *Client) SendTransaction(ctx context.Context, tx *types.Transaction) error {
	return c.eth.SendTransaction(ctx, tx)
}

// SendTransactionSync runs eth_sendRawTransactionSync: it returns the receipt
// once the transaction is mined, or fails after timeout (0 = the node's
// default).
func (c *Client) SendTransactionSync(ctx context.Context, tx *types.Transaction, timeout time.Duration) (*types.Receipt, error) {
	var t *time.Duration
	if timeout > 0 {
		t = &timeout
	}
	return c.eth.SendTransactionSync(ctx, tx, t)
}

// TransactionReceipt returns the receipt of a mined transaction, or an error
// wrapping ethereum.NotFound.
func (c *Client) TransactionReceipt(ctx context.Context, hash common.Hash) (*types.Receipt, error) {
	return c.eth.TransactionReceipt(ctx, hash)
}
