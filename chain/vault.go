package chain

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math/big"

	"github.com/anonex/anonex/contracts/bindings"
	"github.com/anonex/anonex/ledger"
	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
)

// Vault talks to a deployed Vault contract (contracts/Vault.sol).
type Vault struct {
	Address common.Address
	client  SubmitterBackend
	b       *bindings.Vault
	token   *bindings.TestToken // the ERC-20 subset: approve, balanceOf
}

// NewVault binds the Vault at addr.
func NewVault(client SubmitterBackend, addr common.Address) *Vault {
	return &Vault{Address: addr, client: client, b: bindings.NewVault(), token: bindings.NewTestToken()}
}

// ABIs are the ABIs whose errors Vault calls may revert with.
func (v *Vault) ABIs() []abi.ABI { return []abi.ABI{v.b.GetABI(), v.token.GetABI()} }

// Transactor returns a Transactor for key that decodes the Vault's errors.
func (v *Vault) Transactor(key *ecdsa.PrivateKey) *Transactor {
	return NewTransactor(v.client, key, v.ABIs()...)
}

// DeployVault deploys a Vault for anchor with the given attesters and
// threshold; governor may list tokens.
func DeployVault(ctx context.Context, t *Transactor, anchor common.Address, attesters []common.Address, threshold int, governor common.Address) (Deployed, error) {
	code, err := hexutil.Decode(bindings.VaultMetaData.Bin)
	if err != nil {
		return Deployed{}, err
	}
	args := bindings.NewVault().PackConstructor(anchor, attesters, big.NewInt(int64(threshold)), governor)
	r, err := t.Send(ctx, nil, append(code, args...), nil)
	if err != nil {
		return Deployed{}, fmt.Errorf("chain: deploy vault: %w", err)
	}
	return deployed(r), nil
}

// DeployTestToken deploys the devnet's test ERC-20 (the Transactor's
// account may mint it).
func DeployTestToken(ctx context.Context, t *Transactor, name, symbol string, decimals uint8) (common.Address, error) {
	code, err := hexutil.Decode(bindings.TestTokenMetaData.Bin)
	if err != nil {
		return common.Address{}, err
	}
	args := bindings.NewTestToken().PackConstructor(name, symbol, decimals)
	r, err := t.Send(ctx, nil, append(code, args...), nil)
	if err != nil {
		return common.Address{}, fmt.Errorf("chain: deploy test token: %w", err)
	}
	return r.ContractAddress, nil
}

// MintTestToken mints amount of a TestToken to `to` (minter only).
func MintTestToken(ctx context.Context, t *Transactor, token, to common.Address, amount *big.Int) error {
	_, err := t.Send(ctx, &token, bindings.NewTestToken().PackMint(to, amount), nil)
	return err
}

// TokenBalance reads an ERC-20 balance.
func TokenBalance(ctx context.Context, client SubmitterBackend, token, owner common.Address) (*big.Int, error) {
	tt := bindings.NewTestToken()
	out, err := Call(ctx, client, token, tt.PackBalanceOf(owner))
	if err != nil {
		return nil, err
	}
	return tt.UnpackBalanceOf(out)
}

// ListToken lists an ERC-20 token for deposits (the governor only).
func (v *Vault) ListToken(ctx context.Context, t *Transactor, token common.Address, symbol string, decimals uint8) error {
	_, err := t.Send(ctx, &v.Address, v.b.PackListToken(token, symbol, decimals), nil)
	return err
}

// DepositResult describes an accepted deposit.
type DepositResult struct {
	Index   uint64
	Asset   ledger.Hash
	Amount  *big.Int // what the Vault received
	TxHash  common.Hash
	Block   uint64
	GasUsed uint64 // of the deposit transaction (not the approval)
}

// Deposit sends wei to the Vault for the ledger account `account`.
func (v *Vault) Deposit(ctx context.Context, t *Transactor, account ledger.Address, wei *big.Int) (*DepositResult, error) {
	if account.IsZero() {
		return nil, fmt.Errorf("chain: deposit to the zero account")
	}
	r, err := t.Send(ctx, &v.Address, v.b.PackDeposit(common.Address(account)), wei)
	if err != nil {
		return nil, err
	}
	return v.depositResult(r)
}

// DepositToken approves the Vault for amount (when the allowance is short)
// and deposits it for `account`.
func (v *Vault) DepositToken(ctx context.Context, t *Transactor, token common.Address, account ledger.Address, amount *big.Int) (*DepositResult, error) {
	if account.IsZero() {
		return nil, fmt.Errorf("chain: deposit to the zero account")
	}
	out, err := Call(ctx, v.client, token, v.token.PackAllowance(t.From(), v.Address), v.ABIs()...)
	if err != nil {
		return nil, err
	}
	allowed, err := v.token.UnpackAllowance(out)
	if err != nil {
		return nil, err
	}
	if allowed.Cmp(amount) < 0 {
		if _, err := t.Send(ctx, &token, v.token.PackApprove(v.Address, amount), nil); err != nil {
			return nil, fmt.Errorf("chain: approve the vault: %w", err)
		}
	}
	r, err := t.Send(ctx, &v.Address, v.b.PackDepositToken(token, common.Address(account), amount), nil)
	if err != nil {
		return nil, err
	}
	return v.depositResult(r)
}

func (v *Vault) depositResult(r *types.Receipt) (*DepositResult, error) {
	for _, l := range r.Logs {
		if l.Address != v.Address {
			continue
		}
		if e, err := v.b.UnpackDepositEvent(l); err == nil {
			return &DepositResult{Index: e.Index, Asset: e.Asset, Amount: e.Amount, TxHash: r.TxHash,
				Block: r.BlockNumber.Uint64(), GasUsed: r.GasUsed}, nil
		}
	}
	return nil, fmt.Errorf("chain: no Deposit event in transaction %s", r.TxHash)
}

// Attesters reads the registered attesters and the threshold.
func (v *Vault) Attesters(ctx context.Context) ([]common.Address, int, error) {
	out, err := Call(ctx, v.client, v.Address, v.b.PackAttesters(), v.ABIs()...)
	if err != nil {
		return nil, 0, err
	}
	as, err := v.b.UnpackAttesters(out)
	if err != nil {
		return nil, 0, err
	}
	out, err = Call(ctx, v.client, v.Address, v.b.PackThreshold(), v.ABIs()...)
	if err != nil {
		return nil, 0, err
	}
	th, err := v.b.UnpackThreshold(out)
	if err != nil {
		return nil, 0, err
	}
	if !th.IsInt64() || th.Int64() > int64(len(as)) {
		return nil, 0, errors.New("chain: vault threshold out of range")
	}
	return as, int(th.Int64()), nil
}

// Anchor reads the Anchor contract the Vault checks attestations against.
func (v *Vault) Anchor(ctx context.Context) (common.Address, error) {
	out, err := Call(ctx, v.client, v.Address, v.b.PackAnchor(), v.ABIs()...)
	if err != nil {
		return common.Address{}, err
	}
	return v.b.UnpackAnchor(out)
}

// Paid reports whether the withdrawal with ledger id `id` was paid.
func (v *Vault) Paid(ctx context.Context, id ledger.Hash) (bool, error) {
	out, err := Call(ctx, v.client, v.Address, v.b.PackPaid(id), v.ABIs()...)
	if err != nil {
		return false, err
	}
	return v.b.UnpackPaid(out)
}

// Confirmed returns the receipts root the Vault recorded for batch seq
// (zero when none yet).
func (v *Vault) Confirmed(ctx context.Context, seq uint64) (ledger.Hash, error) {
	out, err := Call(ctx, v.client, v.Address, v.b.PackReceiptsRootOf(seq), v.ABIs()...)
	if err != nil {
		return ledger.Hash{}, err
	}
	return v.b.UnpackReceiptsRootOf(out)
}

// ConfirmBatch records an attestation signed by enough attesters.
// Signatures must come in ascending order of their signers.
func (v *Vault) ConfirmBatch(ctx context.Context, t *Transactor, a ledger.Attestation, sigs []ledger.Sig) (*types.Receipt, error) {
	raw := make([][]byte, len(sigs))
	for i := range sigs {
		raw[i] = sigs[i][:]
	}
	return t.Send(ctx, &v.Address, v.b.PackConfirmBatch(a.Seq, a.DataHash, a.StateRoot, a.ReceiptsRoot, raw), nil)
}

// WithdrawTx is the Vault's view of a ledger Withdraw.
func WithdrawTx(w *ledger.Withdraw) bindings.VaultWithdrawTx {
	return bindings.VaultWithdrawTx{Account: common.Address(w.Account), Asset: w.Asset, Amount: w.Amount.ToBig(),
		To: common.Address(w.To), Nonce: w.Nonce}
}

// Withdraw claims a withdrawal from a confirmed batch with the receipt's
// audit path.
func (v *Vault) Withdraw(ctx context.Context, t *Transactor, w *ledger.Withdraw, seq uint64, index, size uint64, proof []ledger.Hash) (*types.Receipt, error) {
	p := make([][32]byte, len(proof))
	for i := range proof {
		p[i] = proof[i]
	}
	return t.Send(ctx, &v.Address, v.b.PackWithdraw(WithdrawTx(w), seq, new(big.Int).SetUint64(index), new(big.Int).SetUint64(size), p), nil)
}

// WithdrawalID asks the Vault for a Withdraw's ledger id (tests check it
// against the ledger's).
func (v *Vault) WithdrawalID(ctx context.Context, w *ledger.Withdraw) (ledger.Hash, error) {
	out, err := Call(ctx, v.client, v.Address, v.b.PackWithdrawalId(WithdrawTx(w)), v.ABIs()...)
	if err != nil {
		return ledger.Hash{}, err
	}
	return v.b.UnpackWithdrawalId(out)
}

// AttestationDigest asks the Vault for the digest attesters sign.
func (v *Vault) AttestationDigest(ctx context.Context, a ledger.Attestation) (ledger.Hash, error) {
	out, err := Call(ctx, v.client, v.Address, v.b.PackAttestationDigest(a.Seq, a.DataHash, a.StateRoot, a.ReceiptsRoot), v.ABIs()...)
	if err != nil {
		return ledger.Hash{}, err
	}
	return v.b.UnpackAttestationDigest(out)
}

// AssetID asks the Vault for a token's ledger asset id.
func (v *Vault) AssetID(ctx context.Context, token common.Address) (ledger.Hash, error) {
	out, err := Call(ctx, v.client, v.Address, v.b.PackAssetId(token), v.ABIs()...)
	if err != nil {
		return ledger.Hash{}, err
	}
	return v.b.UnpackAssetId(out)
}
