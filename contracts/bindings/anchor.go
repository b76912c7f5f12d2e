// Code generated via abigen V2 - DO NOT EDIT.
// This file is a generated binding and any manual changes will be lost.

package bindings

import (
	"bytes"
	"errors"
	"math/big"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
)

// Reference imports to suppress errors if they are not otherwise used.
var (
	_ = bytes.Equal
	_ = errors.New
	_ = big.NewInt
	_ = common.Big1
	_ = types.BloomLookup
	_ = abi.ConvertType
)

// AnchorMetaData contains all meta data concerning the Anchor contract.
var AnchorMetaData = bind.MetaData{
	ABI: "[{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"length\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"max\",\"type\":\"uint256\"}],\"name\":\"BatchTooLarge\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"EmptyBatch\",\"type\":\"error\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"uint64\",\"name\":\"seq\",\"type\":\"uint64\"},{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"dataHash\",\"type\":\"bytes32\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"submitter\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"bytes\",\"name\":\"data\",\"type\":\"bytes\"}],\"name\":\"Batch\",\"type\":\"event\"},{\"inputs\":[],\"name\":\"MAX_BATCH_BYTES\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint64\",\"name\":\"\",\"type\":\"uint64\"}],\"name\":\"batchHash\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"nextSeq\",\"outputs\":[{\"internalType\":\"uint64\",\"name\":\"\",\"type\":\"uint64\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes\",\"name\":\"data\",\"type\":\"bytes\"}],\"name\":\"submit\",\"outputs\":[{\"internalType\":\"uint64\",\"name\":\"seq\",\"type\":\"uint64\"}],\"stateMutability\":\"nonpayable\",\"type\":\"function\"}]",
	ID:  "Anchor",
	Bin: "0x6080604052348015600e575f5ffd5b506103138061001c5f395ff3fe608060405234801561000f575f5ffd5b506004361061004a575f3560e01c80633fdeb0b81461004e57806357ebaceb14610080578063ef7fa71b1461008a578063fb6320d0146100b6575b5f5ffd5b61006d61005c3660046101cb565b60016020525f908152604090205481565b6040519081526020015b60405180910390f35b61006d6201ec3081565b61009d6100983660046101f9565b6100c9565b60405167ffffffffffffffff9091168152602001610077565b5f5461009d9067ffffffffffffffff1681565b5f818082036100eb5760405163c2e5347d60e01b815260040160405180910390fd5b6201ec3081111561011f5760405163bb1cb70b60e01b8152600481018290526201ec30602482015260440160405180910390fd5b5f8484604051610130929190610267565b6040519081900390205f5467ffffffffffffffff1693509050610154836001610276565b5f805467ffffffffffffffff191667ffffffffffffffff928316178155908416808252600160205260409182902083905590513391907f10a0ea74b0b71d60d42dc7a06a8728a76aafbc409aa73490b50ca752a72096c1906101bb9085908a908a906102a8565b60405180910390a3505092915050565b5f602082840312156101db575f5ffd5b813567ffffffffffffffff811681146101f2575f5ffd5b9392505050565b5f5f6020838503121561020a575f5ffd5b823567ffffffffffffffff811115610220575f5ffd5b8301601f81018513610230575f5ffd5b803567ffffffffffffffff811115610246575f5ffd5b856020828401011115610257575f5ffd5b6020919091019590945092505050565b818382375f9101908152919050565b67ffffffffffffffff81811683821601908111156102a257634e487b7160e01b5f52601160045260245ffd5b92915050565b83815260406020820152816040820152818360608301375f818301606090810191909152601f909201601f191601019291505056fea2646970667358221220a111a1b401271699d8597208e16a0a9b17c1c8d70de05fa45e8f3f018d78403364736f6c63430008250033",
}

// Anchor is an auto generated Go binding around an Ethereum contract.
type Anchor struct {
	abi abi.ABI
}

// GetABI returns the ABI associated with this contract binding.
func (c *Anchor) GetABI() abi.ABI {
	return c.abi
}

// NewAnchor creates a new instance of Anchor.
func NewAnchor() *Anchor {
	parsed, err := AnchorMetaData.ParseABI()
	if err != nil {
		panic(errors.New("invalid ABI: " + err.Error()))
	}
	return &Anchor{abi: *parsed}
}

// Instance creates a wrapper for a deployed contract instance at the given address.
// Use this to create the instance object passed to abigen v2 library functions Call, Transact, etc.
func (c *Anchor) Instance(backend bind.ContractBackend, addr common.Address) *bind.BoundContract {
	return bind.NewBoundContract(addr, c.abi, backend, backend, backend)
}

// PackMAXBATCHBYTES is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x57ebaceb.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function MAX_BATCH_BYTES() view returns(uint256)
func (anchor *Anchor) PackMAXBATCHBYTES() []byte {
	enc, err := anchor.abi.Pack("MAX_BATCH_BYTES")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackMAXBATCHBYTES is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x57ebaceb.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function MAX_BATCH_BYTES() view returns(uint256)
func (anchor *Anchor) TryPackMAXBATCHBYTES() ([]byte, error) {
	return anchor.abi.Pack("MAX_BATCH_BYTES")
}

// UnpackMAXBATCHBYTES is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x57ebaceb.
//
// Solidity: function MAX_BATCH_BYTES() view returns(uint256)
func (anchor *Anchor) UnpackMAXBATCHBYTES(data []byte) (*big.Int, error) {
	out, err := anchor.abi.Unpack("MAX_BATCH_BYTES", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// PackBatchHash is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x3fdeb0b8.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function batchHash(uint64 ) view returns(bytes32)
func (anchor *Anchor) PackBatchHash(arg0 uint64) []byte {
	enc, err := anchor.abi.Pack("batchHash", arg0)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackBatchHash is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x3fdeb0b8.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function batchHash(uint64 ) view returns(bytes32)
func (anchor *Anchor) TryPackBatchHash(arg0 uint64) ([]byte, error) {
	return anchor.abi.Pack("batchHash", arg0)
}

// UnpackBatchHash is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x3fdeb0b8.
//
// Solidity: function batchHash(uint64 ) view returns(bytes32)
func (anchor *Anchor) UnpackBatchHash(data []byte) ([32]byte, error) {
	out, err := anchor.abi.Unpack("batchHash", data)
	if err != nil {
		return *new([32]byte), err
	}
	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)
	return out0, nil
}

// PackNextSeq is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xfb6320d0.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function nextSeq() view returns(uint64)
func (anchor *Anchor) PackNextSeq() []byte {
	enc, err := anchor.abi.Pack("nextSeq")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackNextSeq is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xfb6320d0.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function nextSeq() view returns(uint64)
func (anchor *Anchor) TryPackNextSeq() ([]byte, error) {
	return anchor.abi.Pack("nextSeq")
}

// UnpackNextSeq is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xfb6320d0.
//
// Solidity: function nextSeq() view returns(uint64)
func (anchor *Anchor) UnpackNextSeq(data []byte) (uint64, error) {
	out, err := anchor.abi.Unpack("nextSeq", data)
	if err != nil {
		return *new(uint64), err
	}
	out0 := *abi.ConvertType(out[0], new(uint64)).(*uint64)
	return out0, nil
}

// PackSubmit is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xef7fa71b.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function submit(bytes data) returns(uint64 seq)
func (anchor *Anchor) PackSubmit(data []byte) []byte {
	enc, err := anchor.abi.Pack("submit", data)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackSubmit is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xef7fa71b.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function submit(bytes data) returns(uint64 seq)
func (anchor *Anchor) TryPackSubmit(data []byte) ([]byte, error) {
	return anchor.abi.Pack("submit", data)
}

// UnpackSubmit is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xef7fa71b.
//
// Solidity: function submit(bytes data) returns(uint64 seq)
func (anchor *Anchor) UnpackSubmit(data []byte) (uint64, error) {
	out, err := anchor.abi.Unpack("submit", data)
	if err != nil {
		return *new(uint64), err
	}
	out0 := *abi.ConvertType(out[0], new(uint64)).(*uint64)
	return out0, nil
}

// AnchorBatch represents a Batch event raised by the Anchor contract.
type AnchorBatch struct {
	Seq       uint64
	DataHash  [32]byte
	Submitter common.Address
	Data      []byte
	Raw       *types.Log // Blockchain specific contextual infos
}

const AnchorBatchEventName = "Batch"

// ContractEventName returns the user-defined event name.
func (AnchorBatch) ContractEventName() string {
	return AnchorBatchEventName
}

// UnpackBatchEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event Batch(uint64 indexed seq, bytes32 dataHash, address indexed submitter, bytes data)
func (anchor *Anchor) UnpackBatchEvent(log *types.Log) (*AnchorBatch, error) {
	event := "Batch"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != anchor.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(AnchorBatch)
	if len(log.Data) > 0 {
		if err := anchor.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range anchor.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// UnpackError attempts to decode the provided error data using user-defined
// error definitions.
func (anchor *Anchor) UnpackError(raw []byte) (any, error) {
	if bytes.Equal(raw[:4], anchor.abi.Errors["BatchTooLarge"].ID.Bytes()[:4]) {
		return anchor.UnpackBatchTooLargeError(raw[4:])
	}
	if bytes.Equal(raw[:4], anchor.abi.Errors["EmptyBatch"].ID.Bytes()[:4]) {
		return anchor.UnpackEmptyBatchError(raw[4:])
	}
	return nil, errors.New("Unknown error")
}

// AnchorBatchTooLarge represents a BatchTooLarge error raised by the Anchor contract.
type AnchorBatchTooLarge struct {
	Length *big.Int
	Max    *big.Int
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error BatchTooLarge(uint256 length, uint256 max)
func AnchorBatchTooLargeErrorID() common.Hash {
	return common.HexToHash("0xbb1cb70bcc2ddbaabd8d251943ebb6b48ae10b9f78ce35a6f00b43eac7ae64f1")
}

// UnpackBatchTooLargeError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error BatchTooLarge(uint256 length, uint256 max)
func (anchor *Anchor) UnpackBatchTooLargeError(raw []byte) (*AnchorBatchTooLarge, error) {
	out := new(AnchorBatchTooLarge)
	if err := anchor.abi.UnpackIntoInterface(out, "BatchTooLarge", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// AnchorEmptyBatch represents a EmptyBatch error raised by the Anchor contract.
type AnchorEmptyBatch struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error EmptyBatch()
func AnchorEmptyBatchErrorID() common.Hash {
	return common.HexToHash("0xc2e5347df6cf8d1bf68f8a9651642312bd381b900d857d97cd665976180d6ae0")
}

// UnpackEmptyBatchError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error EmptyBatch()
func (anchor *Anchor) UnpackEmptyBatchError(raw []byte) (*AnchorEmptyBatch, error) {
	out := new(AnchorEmptyBatch)
	if err := anchor.abi.UnpackIntoInterface(out, "EmptyBatch", raw); err != nil {
		return nil, err
	}
	return out, nil
}
