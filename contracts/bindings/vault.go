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

// VaultWithdrawTx is an auto generated low-level Go binding around an user-defined struct.
type VaultWithdrawTx struct {
	Account common.Address
	Asset   [32]byte
	Amount  *big.Int
	To      common.Address
	Nonce   uint64
}

// VaultMetaData contains all meta data concerning the Vault contract.
var VaultMetaData = bind.MetaData{
	ABI: "[{\"inputs\":[{\"internalType\":\"address\",\"name\":\"anchor_\",\"type\":\"address\"},{\"internalType\":\"address[]\",\"name\":\"attesters_\",\"type\":\"address[]\"},{\"internalType\":\"uint256\",\"name\":\"threshold_\",\"type\":\"uint256\"},{\"internalType\":\"address\",\"name\":\"governor_\",\"type\":\"address\"}],\"stateMutability\":\"nonpayable\",\"type\":\"constructor\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"token\",\"type\":\"address\"}],\"name\":\"AlreadyListed\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"id\",\"type\":\"bytes32\"}],\"name\":\"AlreadyPaid\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"BadAttesters\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"BadProof\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"index\",\"type\":\"uint256\"}],\"name\":\"BadSignature\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"string\",\"name\":\"symbol\",\"type\":\"string\"}],\"name\":\"BadSymbol\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint64\",\"name\":\"seq\",\"type\":\"uint64\"}],\"name\":\"BatchNotConfirmed\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"signers\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"threshold\",\"type\":\"uint256\"}],\"name\":\"BelowThreshold\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint64\",\"name\":\"seq\",\"type\":\"uint64\"},{\"internalType\":\"bytes32\",\"name\":\"confirmedReceiptsRoot\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"attestedReceiptsRoot\",\"type\":\"bytes32\"}],\"name\":\"ConflictingAttestation\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint64\",\"name\":\"seq\",\"type\":\"uint64\"},{\"internalType\":\"bytes32\",\"name\":\"anchored\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"attested\",\"type\":\"bytes32\"}],\"name\":\"DataHashMismatch\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"token\",\"type\":\"address\"}],\"name\":\"NotAContract\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"signer\",\"type\":\"address\"}],\"name\":\"NotAttester\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"NotGovernor\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"token\",\"type\":\"address\"}],\"name\":\"NotListed\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"NothingReceived\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"to\",\"type\":\"address\"}],\"name\":\"PayoutFailed\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"Reentrant\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"index\",\"type\":\"uint256\"}],\"name\":\"SignersNotAscending\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"token\",\"type\":\"address\"}],\"name\":\"TokenCallFailed\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint8\",\"name\":\"decimals\",\"type\":\"uint8\"},{\"internalType\":\"uint8\",\"name\":\"max\",\"type\":\"uint8\"}],\"name\":\"TooManyDecimals\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"asset\",\"type\":\"bytes32\"}],\"name\":\"UnknownAsset\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint64\",\"name\":\"seq\",\"type\":\"uint64\"}],\"name\":\"UnknownBatch\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"ZeroAccount\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"ZeroAmount\",\"type\":\"error\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"asset\",\"type\":\"bytes32\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"token\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"string\",\"name\":\"symbol\",\"type\":\"string\"},{\"indexed\":false,\"internalType\":\"uint8\",\"name\":\"decimals\",\"type\":\"uint8\"}],\"name\":\"AssetListed\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"uint64\",\"name\":\"seq\",\"type\":\"uint64\"},{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"dataHash\",\"type\":\"bytes32\"},{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"stateRoot\",\"type\":\"bytes32\"},{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"receiptsRoot\",\"type\":\"bytes32\"}],\"name\":\"BatchConfirmed\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"uint64\",\"name\":\"index\",\"type\":\"uint64\"},{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"asset\",\"type\":\"bytes32\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"account\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"},{\"indexed\":false,\"internalType\":\"address\",\"name\":\"from\",\"type\":\"address\"}],\"name\":\"Deposit\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"id\",\"type\":\"bytes32\"},{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"asset\",\"type\":\"bytes32\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"to\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"},{\"indexed\":false,\"internalType\":\"uint64\",\"name\":\"seq\",\"type\":\"uint64\"}],\"name\":\"Withdrawal\",\"type\":\"event\"},{\"inputs\":[],\"name\":\"ATTESTATION_TYPEHASH\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"KIND_WITHDRAW\",\"outputs\":[{\"internalType\":\"uint8\",\"name\":\"\",\"type\":\"uint8\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"MAX_DECIMALS\",\"outputs\":[{\"internalType\":\"uint8\",\"name\":\"\",\"type\":\"uint8\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"WITHDRAW_TYPEHASH\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"anchor\",\"outputs\":[{\"internalType\":\"contractIAnchor\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"token\",\"type\":\"address\"}],\"name\":\"assetId\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"name\":\"assetOf\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint64\",\"name\":\"seq\",\"type\":\"uint64\"},{\"internalType\":\"bytes32\",\"name\":\"dataHash\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"stateRoot\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"receiptsRoot\",\"type\":\"bytes32\"}],\"name\":\"attestationDigest\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"attestationDomain\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"attesters\",\"outputs\":[{\"internalType\":\"address[]\",\"name\":\"\",\"type\":\"address[]\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint64\",\"name\":\"seq\",\"type\":\"uint64\"},{\"internalType\":\"bytes32\",\"name\":\"dataHash\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"stateRoot\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"receiptsRoot\",\"type\":\"bytes32\"},{\"internalType\":\"bytes[]\",\"name\":\"signatures\",\"type\":\"bytes[]\"}],\"name\":\"confirmBatch\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"account\",\"type\":\"address\"}],\"name\":\"deposit\",\"outputs\":[{\"internalType\":\"uint64\",\"name\":\"\",\"type\":\"uint64\"}],\"stateMutability\":\"payable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"token\",\"type\":\"address\"},{\"internalType\":\"address\",\"name\":\"account\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"}],\"name\":\"depositToken\",\"outputs\":[{\"internalType\":\"uint64\",\"name\":\"\",\"type\":\"uint64\"}],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"governor\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"name\":\"isAttester\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"ledgerDomain\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"token\",\"type\":\"address\"},{\"internalType\":\"string\",\"name\":\"symbol\",\"type\":\"string\"},{\"internalType\":\"uint8\",\"name\":\"decimals\",\"type\":\"uint8\"}],\"name\":\"listToken\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"nextDeposit\",\"outputs\":[{\"internalType\":\"uint64\",\"name\":\"\",\"type\":\"uint64\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"name\":\"paid\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint64\",\"name\":\"\",\"type\":\"uint64\"}],\"name\":\"receiptsRootOf\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint64\",\"name\":\"\",\"type\":\"uint64\"}],\"name\":\"stateRootOf\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"threshold\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"name\":\"tokenOf\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"leaf\",\"type\":\"bytes32\"},{\"internalType\":\"uint256\",\"name\":\"index\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"size\",\"type\":\"uint256\"},{\"internalType\":\"bytes32[]\",\"name\":\"proof\",\"type\":\"bytes32[]\"},{\"internalType\":\"bytes32\",\"name\":\"root\",\"type\":\"bytes32\"}],\"name\":\"verifyInclusion\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"pure\",\"type\":\"function\"},{\"inputs\":[{\"components\":[{\"internalType\":\"address\",\"name\":\"account\",\"type\":\"address\"},{\"internalType\":\"bytes32\",\"name\":\"asset\",\"type\":\"bytes32\"},{\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"},{\"internalType\":\"address\",\"name\":\"to\",\"type\":\"address\"},{\"internalType\":\"uint64\",\"name\":\"nonce\",\"type\":\"uint64\"}],\"internalType\":\"structVault.WithdrawTx\",\"name\":\"w\",\"type\":\"tuple\"},{\"internalType\":\"uint64\",\"name\":\"seq\",\"type\":\"uint64\"},{\"internalType\":\"uint256\",\"name\":\"index\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"size\",\"type\":\"uint256\"},{\"internalType\":\"bytes32[]\",\"name\":\"proof\",\"type\":\"bytes32[]\"}],\"name\":\"withdraw\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"components\":[{\"internalType\":\"address\",\"name\":\"account\",\"type\":\"address\"},{\"internalType\":\"bytes32\",\"name\":\"asset\",\"type\":\"bytes32\"},{\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"},{\"internalType\":\"address\",\"name\":\"to\",\"type\":\"address\"},{\"internalType\":\"uint64\",\"name\":\"nonce\",\"type\":\"uint64\"}],\"internalType\":\"structVault.WithdrawTx\",\"name\":\"w\",\"type\":\"tuple\"}],\"name\":\"withdrawalId\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"}]",
	ID:  "Vault",
	Bin: "0x60e060405234801561000f575f5ffd5b5060405161260738038061260783398101604081905261002e91610464565b6001600160a01b0384161580610042575081155b8061004d5750825182115b1561006b5760405163ed1247af60e01b815260040160405180910390fd5b5f5b8351811015610112575f8482815181106100895761008961055c565b602002602001015190505f6001600160a01b0316816001600160a01b031614806100ca57506001600160a01b0381165f9081526020819052604090205460ff165b156100e85760405163ed1247af60e01b815260040160405180910390fd5b6001600160a01b03165f908152602081905260409020805460ff191660019081179091550161006d565b50600161011f8482610570565b506001600160a01b0380851660805260a0839052811660c05260408051808201909152600381526208aa8960eb1b602082015261015f905f906012610169565b5050505050610684565b6001600160a01b0383165f90815260036020526040812054156101af576040516319cd459560e01b81526001600160a01b03851660048201526024015b60405180910390fd5b6101b8836102e9565b6101d757826040516345e422cd60e11b81526004016101a69190610647565b602460ff83161115610207576040516364971cad60e11b815260ff831660048201526024818101526044016101a6565b61026b846040516c616e6f6e65782e62726964676560981b602082015246602d8201526001600160601b031930606090811b8216604d84015283901b1660618201525f90607501604051602081830303815290604052805190602001209050919050565b6001600160a01b0385165f81815260036020908152604080832085905584835260049091529081902080546001600160a01b03191683179055519192509082907fb222c786f4f4b702b262ed8552745e72525472abedcab852ad038858e42fb843906102da9087908790610660565b60405180910390a39392505050565b5f81515f14806102fa5750600c8251115b806103285750604160f81b825f815181106103175761031761055c565b01602001516001600160f81b031916105b806103565750602d60f91b825f815181106103455761034561055c565b01602001516001600160f81b031916115b1561036257505f919050565b60015b825181101561042c575f8382815181106103815761038161055c565b01602001516001600160f81b0319169050604160f81b81108015906103b45750602d60f91b6001600160f81b0319821611155b806103e65750600360fc1b6001600160f81b03198216108015906103e65750603960f81b6001600160f81b0319821611155b806103fe5750601760f91b6001600160f81b03198216145b806104165750602d60f81b6001600160f81b03198216145b61042357505f9392505050565b50600101610365565b50600192915050565b80516001600160a01b038116811461044b575f5ffd5b919050565b634e487b7160e01b5f52604160045260245ffd5b5f5f5f5f60808587031215610477575f5ffd5b61048085610435565b60208601519094506001600160401b0381111561049b575f5ffd5b8501601f810187136104ab575f5ffd5b80516001600160401b038111156104c4576104c4610450565b604051600582901b90603f8201601f191681016001600160401b03811182821017156104f2576104f2610450565b60405291825260208184018101929081018a84111561050f575f5ffd5b6020850194505b838510156105355761052785610435565b815260209485019401610516565b5060408901519096509450610551925050606087019050610435565b905092959194509250565b634e487b7160e01b5f52603260045260245ffd5b81516001600160401b0381111561058957610589610450565b680100000000000000008111156105a2576105a2610450565b8154818355808210156105d657825f528160205f20018282035f5b818110156105d2575f838201556001016105bd565b5050505b50602083016105ea835f9081526020902090565b5f5b838110156106115782516001600160a01b0316818301556020909201916001016105ec565b505050505050565b5f81518084528060208401602086015e5f602082860101526020601f19601f83011685010191505092915050565b602081525f6106596020830184610619565b9392505050565b604081525f6106726040830185610619565b905060ff831660208301529392505050565b60805160a05160c051611f366106d15f395f818161022001526106b801525f818161028a01528181610d0d0152610d4901525f81816104da01528181610a800152610ae60152611f365ff3fe60806040526004361061017a575f3560e01c8063add89bb2116100cd578063d3fb73b411610087578063f340fa0111610062578063f340fa011461052f578063faa9cabb14610542578063fb0f97a814610556578063fd3f60df14610575575f5ffd5b8063d3fb73b4146104c9578063f2189b6b146104fc578063f2d92dec1461051b575f5ffd5b8063add89bb2146103d5578063b6ebe53914610413578063bae667bc14610441578063c080fb0614610475578063c22ddb5114610494578063d3f35fc9146104a8575f5ffd5b806352e76280116101385780637814c77e116101135780637814c77e14610329578063931f403014610354578063a8cabcd51461037f578063ad200775146103b6575f5ffd5b806352e76280146102ac57806371f96211146102cb57806376c5d758146102f6575f5ffd5b8062cfe24f1461017e5780630417cf8e146101a857806307090c1f146101ce5780630c340a241461020f5780633ab7ff2c1461025a57806342cde4e814610279575b5f5ffd5b348015610189575f5ffd5b50610192610594565b60405161019f9190611a23565b60405180910390f35b3480156101b3575f5ffd5b506101bc602481565b60405160ff909116815260200161019f565b3480156101d9575f5ffd5b506102017fe8b1e859030b690f51fc2f113ca6331bad501ad4a511aad94d385310111629c481565b60405190815260200161019f565b34801561021a575f5ffd5b506102427f000000000000000000000000000000000000000000000000000000000000000081565b6040516001600160a01b03909116815260200161019f565b348015610265575f5ffd5b50610201610274366004611a89565b6105f4565b348015610284575f5ffd5b506102017f000000000000000000000000000000000000000000000000000000000000000081565b3480156102b7575f5ffd5b506102016102c6366004611ad5565b6106ac565b3480156102d6575f5ffd5b506102016102e5366004611b69565b60036020525f908152604090205481565b348015610301575f5ffd5b506102017fc01a1d08330deeb7bb48acd37539a0f5fb2d27f2d52f0c0f5637e31e7ae797e981565b348015610334575f5ffd5b50610201610343366004611b89565b60056020525f908152604090205481565b34801561035f575f5ffd5b5061020161036e366004611b89565b60066020525f908152604090205481565b34801561038a575f5ffd5b5060025461039e906001600160401b031681565b6040516001600160401b03909116815260200161019f565b3480156103c1575f5ffd5b506102016103d0366004611bb8565b61077a565b3480156103e0575f5ffd5b506104036103ef366004611bd2565b60076020525f908152604090205460ff1681565b604051901515815260200161019f565b34801561041e575f5ffd5b5061040361042d366004611b69565b5f6020819052908152604090205460ff1681565b34801561044c575f5ffd5b5061024261045b366004611bd2565b60046020525f90815260409020546001600160a01b031681565b348015610480575f5ffd5b5061040361048f366004611c30565b610876565b34801561049f575f5ffd5b506102016109f8565b3480156104b3575f5ffd5b506104c76104c2366004611c93565b610ac6565b005b3480156104d4575f5ffd5b506102427f000000000000000000000000000000000000000000000000000000000000000081565b348015610507575f5ffd5b506104c7610516366004611cfe565b610de8565b348015610526575f5ffd5b50610201611172565b61039e61053d366004611b69565b611200565b34801561054d575f5ffd5b506101bc600781565b348015610561575f5ffd5b5061039e610570366004611d55565b611283565b348015610580575f5ffd5b5061020161058f366004611b69565b61149d565b606060018054806020026020016040519081016040528092919081815260200182805480156105ea57602002820191905f5260205f20905b81546001600160a01b031681526001909101906020018083116105cc575b5050505050905090565b604080517fe8b1e859030b690f51fc2f113ca6331bad501ad4a511aad94d385310111629c460208201526001600160401b03861691810191909152606081018490526080810183905260a081018290525f90819060c00160405160208183030381529060405280519060200120905061066b611172565b60405161190160f01b602082015260228101919091526042810182905260620160405160208183030381529060405280519060200120915050949350505050565b5f336001600160a01b037f000000000000000000000000000000000000000000000000000000000000000016146106f657604051633b8d9d7560e21b815260040160405180910390fd5b846001600160a01b03163b5f03610730576040516322a2d07b60e21b81526001600160a01b03861660048201526024015b60405180910390fd5b6107718585858080601f0160208091040260200160405190810160405280939291908181526020018383808284375f92019190915250879250611502915050565b95945050505050565b5f807fc01a1d08330deeb7bb48acd37539a0f5fb2d27f2d52f0c0f5637e31e7ae797e96107aa6020850185611b69565b602085013560408601356107c46080880160608901611b69565b6107d460a0890160808a01611b89565b6040805160208101979097526001600160a01b03958616908701526060860193909352608085019190915290911660a08301526001600160401b031660c082015260e0016040516020818303038152906040528051906020012090506108386109f8565b60405161190160f01b602082015260228101919091526042810182905260620160405160208183030381529060405280519060200120915050919050565b5f84861061088557505f6109ee565b855f610892600188611da3565b9050885f5b868110156109da57825f036108b2575f9450505050506109ee565b83600116600114806108c357508284145b156109635760018888838181106108dc576108dc611db6565b90506020020135836040516020016109169392919060f89390931b6001600160f81b03191683526001830191909152602182015260410190565b604051602081830303815290604052805190602001209150836001165f0361095e575b6001841615801561094957508315155b1561095e57600193841c939290921c91610939565b6109ca565b60018289898481811061097857610978611db6565b905060200201356040516020016109b19392919060f89390931b6001600160f81b03191683526001830191909152602182015260410190565b6040516020818303038152906040528051906020012091505b600193841c9392831c9201610897565b50811580156109e857508481145b93505050505b9695505050505050565b604080517f8b73c3c69bb8fe3d512ecc4cf759cc79239f7b179b0ffacaa9a75d522b39400f60208201527f45c36a5750b83953f36791d91ca8fefb5b2c6899770d15f8c46dd247d00f6713918101919091527fc89efdaa54c0f20c7adf612882df0950f5a951637e0307cdcb4c672f298b8bc660608201524660808201526001600160a01b037f00000000000000000000000000000000000000000000000000000000000000001660a08201525f9060c0015b60405160208183030381529060405280519060200120905090565b6040516307fbd61760e31b81526001600160401b03871660048201525f907f00000000000000000000000000000000000000000000000000000000000000006001600160a01b031690633fdeb0b890602401602060405180830381865afa158015610b33573d5f5f3e3d5ffd5b505050506040513d601f19601f82011682018060405250810190610b579190611dca565b905080610b82576040516329323fff60e01b81526001600160401b0388166004820152602401610727565b858114610bbb5760405163c061bdbd60e01b81526001600160401b03881660048201526024810182905260448101879052606401610727565b6001600160401b0387165f908152600560205260409020548015610c3d578481141580610bff57506001600160401b0388165f908152600660205260409020548614155b15610c3657604051635f25610160e11b81526001600160401b03891660048201526024810182905260448101869052606401610727565b5050610de0565b5f610c4a898989896105f4565b90505f805b85811015610d0a575f610c8684898985818110610c6e57610c6e611db6565b9050602002810190610c809190611de1565b85611622565b9050826001600160a01b0316816001600160a01b031611610cbd5760405163590a84f760e01b815260048101839052602401610727565b6001600160a01b0381165f9081526020819052604090205460ff16610d00576040516314817f2f60e01b81526001600160a01b0382166004820152602401610727565b9150600101610c4f565b507f0000000000000000000000000000000000000000000000000000000000000000851015610d75576040516322c1720560e21b8152600481018690527f00000000000000000000000000000000000000000000000000000000000000006024820152604401610727565b6001600160401b038a165f8181526005602090815260408083208b905560068252918290208b905581518c81529081018b90529081018990527f39f95893bf4cd108a5bec6fb1fdf8290fb7b0fdea4f6a416313519e7ce9c764b9060600160405180910390a2505050505b505050505050565b60ff5f5c1615610e0b5760405163769dd35360e11b815260040160405180910390fd5b60015f805c60ff19168217905d506001600160401b0385165f9081526005602052604090205480610e5a5760405163a3dbb27360e01b81526001600160401b0387166004820152602401610727565b5f610e648861077a565b5f8181526007602052604090205490915060ff1615610e9957604051637a5bb50760e11b815260048101829052602401610727565b5f816007610eaa60208c018c611b69565b60408051602081019490945260f89290921b6001600160f81b0319169183019190915260601b6bffffffffffffffffffffffff19166041820152600160f81b60558201525f605682015260570160408051601f198184030181529082905280516020918201205f91830182905260218301819052925090604101604051602081830303815290604052805190602001209050610f4a818989898989610876565b610f6757604051637ca55c7760e01b815260040160405180910390fd5b6020808b01355f818152600483526040808220546001600160a01b0316808352600390945290205414610fb35760405163082cdf1f60e11b815260208c01356004820152602401610727565b5f848152600760205260409020805460ff19166001179055610fdb60808c0160608d01611b69565b6001600160a01b03168b60200135857fcffd019c986f6ec0a1e45569744f6d0c42d621e3bc7f4de50e64df6b6d6299f18e604001358e6040516110319291909182526001600160401b0316602082015260400190565b60405180910390a46001600160a01b0381166110ec575f61105860808d0160608e01611b69565b6001600160a01b03168c604001356040515f6040518083038185875af1925050503d805f81146110a3576040519150601f19603f3d011682016040523d82523d5f602084013e6110a8565b606091505b50509050806110e6576110c160808d0160608e01611b69565b604051637582a07960e01b81526001600160a01b039091166004820152602401610727565b50611159565b6111598163a9059cbb8d60600160208101906111089190611b69565b604080516001600160a01b0390921660248301528f013560448201526064015b6040516020818303038152906040529060e01b6020820180516001600160e01b03838183161783525050505061178f565b505f93505050815c60ff19169050815d50505050505050565b604080517f8b73c3c69bb8fe3d512ecc4cf759cc79239f7b179b0ffacaa9a75d522b39400f60208201527f45c36a5750b83953f36791d91ca8fefb5b2c6899770d15f8c46dd247d00f6713918101919091527fc89efdaa54c0f20c7adf612882df0950f5a951637e0307cdcb4c672f298b8bc660608201524660808201523060a08201525f9060c001610aab565b5f6001600160a01b0382166112285760405163bfcf3c0b60e01b815260040160405180910390fd5b345f0361124857604051631f2a200560e01b815260040160405180910390fd5b5f805260036020527f3617319a054d772f909f7c479a2cebe5066e836a939412e32403c99029b92eff5461127d908334611853565b92915050565b5f60ff815c16156112a75760405163769dd35360e11b815260040160405180910390fd5b60015f805c60ff19168217905d506001600160a01b0383166112dc5760405163bfcf3c0b60e01b815260040160405180910390fd5b815f036112fc57604051631f2a200560e01b815260040160405180910390fd5b6001600160a01b0384165f9081526003602052604090205480158061132857506001600160a01b038516155b1561135157604051635d35c42960e01b81526001600160a01b0386166004820152602401610727565b6040516370a0823160e01b81523060048201525f906001600160a01b038716906370a0823190602401602060405180830381865afa158015611395573d5f5f3e3d5ffd5b505050506040513d601f19601f820116820180604052508101906113b99190611dca565b604051336024820152306044820152606481018690529091506113e69087906323b872dd90608401611128565b6040516370a0823160e01b81523060048201525f9082906001600160a01b038916906370a0823190602401602060405180830381865afa15801561142c573d5f5f3e3d5ffd5b505050506040513d601f19601f820116820180604052508101906114509190611dca565b61145a9190611da3565b9050805f0361147c5760405163b5c74a2760e01b815260040160405180910390fd5b611487838783611853565b93505050505f60ff19815c16815d509392505050565b6040516c616e6f6e65782e62726964676560981b602082015246602d8201526bffffffffffffffffffffffff1930606090811b8216604d84015283901b1660618201525f90607501604051602081830303815290604052805190602001209050919050565b6001600160a01b0383165f9081526003602052604081205415611543576040516319cd459560e01b81526001600160a01b0385166004820152602401610727565b61154c836118d7565b61156b57826040516345e422cd60e11b81526004016107279190611e51565b602460ff8316111561159b576040516364971cad60e11b815260ff83166004820152602481810152604401610727565b6115a48461149d565b6001600160a01b0385165f81815260036020908152604080832085905584835260049091529081902080546001600160a01b03191683179055519192509082907fb222c786f4f4b702b262ed8552745e72525472abedcab852ad038858e42fb843906116139087908790611e63565b60405180910390a39392505050565b5f604183146116475760405163a1c9731960e01b815260048101839052602401610727565b5f6116556020828688611e87565b61165e91611eae565b90505f61166f604060208789611e87565b61167891611eae565b90505f8686604081811061168e5761168e611db6565b919091013560f81c9150507f7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a08211806116da57508060ff16601b141580156116da57508060ff16601c14155b156116fb5760405163a1c9731960e01b815260048101869052602401610727565b604080515f808252602082018084528b905260ff841692820192909252606081018590526080810184905260019060a0016020604051602081039080840390855afa15801561174c573d5f5f3e3d5ffd5b5050604051601f1901519150506001600160a01b0381166117835760405163a1c9731960e01b815260048101879052602401610727565b98975050505050505050565b5f5f836001600160a01b0316836040516117a99190611ecb565b5f604051808303815f865af19150503d805f81146117e2576040519150601f19603f3d011682016040523d82523d5f602084013e6117e7565b606091505b5091509150811580611824575080511580159061182457508051602014158061182457508080602001905181019061181f9190611dca565b600114155b1561184d57604051633fb2da6d60e21b81526001600160a01b0385166004820152602401610727565b50505050565b6002546001600160401b031661186a816001611ee1565b6002805467ffffffffffffffff19166001600160401b03928316179055604080518481523360208201526001600160a01b038616928792908516917fe91896996bfd2f7d67b2c11b30722667da7603d298c2c26e6f8ae0706065e42a910160405180910390a49392505050565b5f81515f14806118e85750600c8251115b806119165750604160f81b825f8151811061190557611905611db6565b01602001516001600160f81b031916105b806119445750602d60f91b825f8151811061193357611933611db6565b01602001516001600160f81b031916115b1561195057505f919050565b60015b8251811015611a1a575f83828151811061196f5761196f611db6565b01602001516001600160f81b0319169050604160f81b81108015906119a25750602d60f91b6001600160f81b0319821611155b806119d45750600360fc1b6001600160f81b03198216108015906119d45750603960f81b6001600160f81b0319821611155b806119ec5750601760f91b6001600160f81b03198216145b80611a045750602d60f81b6001600160f81b03198216145b611a1157505f9392505050565b50600101611953565b50600192915050565b602080825282518282018190525f918401906040840190835b81811015611a635783516001600160a01b0316835260209384019390920191600101611a3c565b509095945050505050565b80356001600160401b0381168114611a84575f5ffd5b919050565b5f5f5f5f60808587031215611a9c575f5ffd5b611aa585611a6e565b966020860135965060408601359560600135945092505050565b80356001600160a01b0381168114611a84575f5ffd5b5f5f5f5f60608587031215611ae8575f5ffd5b611af185611abf565b935060208501356001600160401b03811115611b0b575f5ffd5b8501601f81018713611b1b575f5ffd5b80356001600160401b03811115611b30575f5ffd5b876020828401011115611b41575f5ffd5b60209190910193509150604085013560ff81168114611b5e575f5ffd5b939692955090935050565b5f60208284031215611b79575f5ffd5b611b8282611abf565b9392505050565b5f60208284031215611b99575f5ffd5b611b8282611a6e565b5f60a08284031215611bb2575f5ffd5b50919050565b5f60a08284031215611bc8575f5ffd5b611b828383611ba2565b5f60208284031215611be2575f5ffd5b5035919050565b5f5f83601f840112611bf9575f5ffd5b5081356001600160401b03811115611c0f575f5ffd5b6020830191508360208260051b8501011115611c29575f5ffd5b9250929050565b5f5f5f5f5f5f60a08789031215611c45575f5ffd5b86359550602087013594506040870135935060608701356001600160401b03811115611c6f575f5ffd5b611c7b89828a01611be9565b979a9699509497949695608090950135949350505050565b5f5f5f5f5f5f60a08789031215611ca8575f5ffd5b611cb187611a6e565b955060208701359450604087013593506060870135925060808701356001600160401b03811115611ce0575f5ffd5b611cec89828a01611be9565b979a9699509497509295939492505050565b5f5f5f5f5f5f6101208789031215611d14575f5ffd5b611d1e8888611ba2565b9550611d2c60a08801611a6e565b945060c0870135935060e087013592506101008701356001600160401b03811115611ce0575f5ffd5b5f5f5f60608486031215611d67575f5ffd5b611d7084611abf565b9250611d7e60208501611abf565b929592945050506040919091013590565b634e487b7160e01b5f52601160045260245ffd5b8181038181111561127d5761127d611d8f565b634e487b7160e01b5f52603260045260245ffd5b5f60208284031215611dda575f5ffd5b5051919050565b5f5f8335601e19843603018112611df6575f5ffd5b8301803591506001600160401b03821115611e0f575f5ffd5b602001915036819003821315611c29575f5ffd5b5f81518084528060208401602086015e5f602082860101526020601f19601f83011685010191505092915050565b602081525f611b826020830184611e23565b604081525f611e756040830185611e23565b905060ff831660208301529392505050565b5f5f85851115611e95575f5ffd5b83861115611ea1575f5ffd5b5050820193919092039150565b8035602083101561127d575f19602084900360031b1b1692915050565b5f82518060208501845e5f920191825250919050565b6001600160401b03818116838216019081111561127d5761127d611d8f56fea264697066735822122059bc5be6d2165716920d2ce9db74d78680a6a2a7325020100ed2fa7f875a03c364736f6c63430008250033",
}

// Vault is an auto generated Go binding around an Ethereum contract.
type Vault struct {
	abi abi.ABI
}

// GetABI returns the ABI associated with this contract binding.
func (c *Vault) GetABI() abi.ABI {
	return c.abi
}

// NewVault creates a new instance of Vault.
func NewVault() *Vault {
	parsed, err := VaultMetaData.ParseABI()
	if err != nil {
		panic(errors.New("invalid ABI: " + err.Error()))
	}
	return &Vault{abi: *parsed}
}

// Instance creates a wrapper for a deployed contract instance at the given address.
// Use this to create the instance object passed to abigen v2 library functions Call, Transact, etc.
func (c *Vault) Instance(backend bind.ContractBackend, addr common.Address) *bind.BoundContract {
	return bind.NewBoundContract(addr, c.abi, backend, backend, backend)
}

// PackConstructor is the Go binding used to pack the parameters required for
// contract deployment.
//
// Solidity: constructor(address anchor_, address[] attesters_, uint256 threshold_, address governor_) returns()
func (vault *Vault) PackConstructor(anchor_ common.Address, attesters_ []common.Address, threshold_ *big.Int, governor_ common.Address) []byte {
	enc, err := vault.abi.Pack("", anchor_, attesters_, threshold_, governor_)
	if err != nil {
		panic(err)
	}
	return enc
}

// PackATTESTATIONTYPEHASH is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x07090c1f.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function ATTESTATION_TYPEHASH() view returns(bytes32)
func (vault *Vault) PackATTESTATIONTYPEHASH() []byte {
	enc, err := vault.abi.Pack("ATTESTATION_TYPEHASH")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackATTESTATIONTYPEHASH is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x07090c1f.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function ATTESTATION_TYPEHASH() view returns(bytes32)
func (vault *Vault) TryPackATTESTATIONTYPEHASH() ([]byte, error) {
	return vault.abi.Pack("ATTESTATION_TYPEHASH")
}

// UnpackATTESTATIONTYPEHASH is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x07090c1f.
//
// Solidity: function ATTESTATION_TYPEHASH() view returns(bytes32)
func (vault *Vault) UnpackATTESTATIONTYPEHASH(data []byte) ([32]byte, error) {
	out, err := vault.abi.Unpack("ATTESTATION_TYPEHASH", data)
	if err != nil {
		return *new([32]byte), err
	}
	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)
	return out0, nil
}

// PackKINDWITHDRAW is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xfaa9cabb.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function KIND_WITHDRAW() view returns(uint8)
func (vault *Vault) PackKINDWITHDRAW() []byte {
	enc, err := vault.abi.Pack("KIND_WITHDRAW")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackKINDWITHDRAW is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xfaa9cabb.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function KIND_WITHDRAW() view returns(uint8)
func (vault *Vault) TryPackKINDWITHDRAW() ([]byte, error) {
	return vault.abi.Pack("KIND_WITHDRAW")
}

// UnpackKINDWITHDRAW is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xfaa9cabb.
//
// Solidity: function KIND_WITHDRAW() view returns(uint8)
func (vault *Vault) UnpackKINDWITHDRAW(data []byte) (uint8, error) {
	out, err := vault.abi.Unpack("KIND_WITHDRAW", data)
	if err != nil {
		return *new(uint8), err
	}
	out0 := *abi.ConvertType(out[0], new(uint8)).(*uint8)
	return out0, nil
}

// PackMAXDECIMALS is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x0417cf8e.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function MAX_DECIMALS() view returns(uint8)
func (vault *Vault) PackMAXDECIMALS() []byte {
	enc, err := vault.abi.Pack("MAX_DECIMALS")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackMAXDECIMALS is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x0417cf8e.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function MAX_DECIMALS() view returns(uint8)
func (vault *Vault) TryPackMAXDECIMALS() ([]byte, error) {
	return vault.abi.Pack("MAX_DECIMALS")
}

// UnpackMAXDECIMALS is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x0417cf8e.
//
// Solidity: function MAX_DECIMALS() view returns(uint8)
func (vault *Vault) UnpackMAXDECIMALS(data []byte) (uint8, error) {
	out, err := vault.abi.Unpack("MAX_DECIMALS", data)
	if err != nil {
		return *new(uint8), err
	}
	out0 := *abi.ConvertType(out[0], new(uint8)).(*uint8)
	return out0, nil
}

// PackWITHDRAWTYPEHASH is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x76c5d758.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function WITHDRAW_TYPEHASH() view returns(bytes32)
func (vault *Vault) PackWITHDRAWTYPEHASH() []byte {
	enc, err := vault.abi.Pack("WITHDRAW_TYPEHASH")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackWITHDRAWTYPEHASH is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x76c5d758.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function WITHDRAW_TYPEHASH() view returns(bytes32)
func (vault *Vault) TryPackWITHDRAWTYPEHASH() ([]byte, error) {
	return vault.abi.Pack("WITHDRAW_TYPEHASH")
}

// UnpackWITHDRAWTYPEHASH is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x76c5d758.
//
// Solidity: function WITHDRAW_TYPEHASH() view returns(bytes32)
func (vault *Vault) UnpackWITHDRAWTYPEHASH(data []byte) ([32]byte, error) {
	out, err := vault.abi.Unpack("WITHDRAW_TYPEHASH", data)
	if err != nil {
		return *new([32]byte), err
	}
	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)
	return out0, nil
}

// PackAnchor is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xd3fb73b4.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function anchor() view returns(address)
func (vault *Vault) PackAnchor() []byte {
	enc, err := vault.abi.Pack("anchor")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackAnchor is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xd3fb73b4.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function anchor() view returns(address)
func (vault *Vault) TryPackAnchor() ([]byte, error) {
	return vault.abi.Pack("anchor")
}

// UnpackAnchor is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xd3fb73b4.
//
// Solidity: function anchor() view returns(address)
func (vault *Vault) UnpackAnchor(data []byte) (common.Address, error) {
	out, err := vault.abi.Unpack("anchor", data)
	if err != nil {
		return *new(common.Address), err
	}
	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)
	return out0, nil
}

// PackAssetId is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xfd3f60df.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function assetId(address token) view returns(bytes32)
func (vault *Vault) PackAssetId(token common.Address) []byte {
	enc, err := vault.abi.Pack("assetId", token)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackAssetId is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xfd3f60df.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function assetId(address token) view returns(bytes32)
func (vault *Vault) TryPackAssetId(token common.Address) ([]byte, error) {
	return vault.abi.Pack("assetId", token)
}

// UnpackAssetId is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xfd3f60df.
//
// Solidity: function assetId(address token) view returns(bytes32)
func (vault *Vault) UnpackAssetId(data []byte) ([32]byte, error) {
	out, err := vault.abi.Unpack("assetId", data)
	if err != nil {
		return *new([32]byte), err
	}
	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)
	return out0, nil
}

// PackAssetOf is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x71f96211.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function assetOf(address ) view returns(bytes32)
func (vault *Vault) PackAssetOf(arg0 common.Address) []byte {
	enc, err := vault.abi.Pack("assetOf", arg0)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackAssetOf is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x71f96211.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function assetOf(address ) view returns(bytes32)
func (vault *Vault) TryPackAssetOf(arg0 common.Address) ([]byte, error) {
	return vault.abi.Pack("assetOf", arg0)
}

// UnpackAssetOf is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x71f96211.
//
// Solidity: function assetOf(address ) view returns(bytes32)
func (vault *Vault) UnpackAssetOf(data []byte) ([32]byte, error) {
	out, err := vault.abi.Unpack("assetOf", data)
	if err != nil {
		return *new([32]byte), err
	}
	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)
	return out0, nil
}

// PackAttestationDigest is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x3ab7ff2c.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function attestationDigest(uint64 seq, bytes32 dataHash, bytes32 stateRoot, bytes32 receiptsRoot) view returns(bytes32)
func (vault *Vault) PackAttestationDigest(seq uint64, dataHash [32]byte, stateRoot [32]byte, receiptsRoot [32]byte) []byte {
	enc, err := vault.abi.Pack("attestationDigest", seq, dataHash, stateRoot, receiptsRoot)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackAttestationDigest is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x3ab7ff2c.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function attestationDigest(uint64 seq, bytes32 dataHash, bytes32 stateRoot, bytes32 receiptsRoot) view returns(bytes32)
func (vault *Vault) TryPackAttestationDigest(seq uint64, dataHash [32]byte, stateRoot [32]byte, receiptsRoot [32]byte) ([]byte, error) {
	return vault.abi.Pack("attestationDigest", seq, dataHash, stateRoot, receiptsRoot)
}

// UnpackAttestationDigest is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x3ab7ff2c.
//
// Solidity: function attestationDigest(uint64 seq, bytes32 dataHash, bytes32 stateRoot, bytes32 receiptsRoot) view returns(bytes32)
func (vault *Vault) UnpackAttestationDigest(data []byte) ([32]byte, error) {
	out, err := vault.abi.Unpack("attestationDigest", data)
	if err != nil {
		return *new([32]byte), err
	}
	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)
	return out0, nil
}

// PackAttestationDomain is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf2d92dec.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function attestationDomain() view returns(bytes32)
func (vault *Vault) PackAttestationDomain() []byte {
	enc, err := vault.abi.Pack("attestationDomain")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackAttestationDomain is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf2d92dec.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function attestationDomain() view returns(bytes32)
func (vault *Vault) TryPackAttestationDomain() ([]byte, error) {
	return vault.abi.Pack("attestationDomain")
}

// UnpackAttestationDomain is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xf2d92dec.
//
// Solidity: function attestationDomain() view returns(bytes32)
func (vault *Vault) UnpackAttestationDomain(data []byte) ([32]byte, error) {
	out, err := vault.abi.Unpack("attestationDomain", data)
	if err != nil {
		return *new([32]byte), err
	}
	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)
	return out0, nil
}

// PackAttesters is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x00cfe24f.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function attesters() view returns(address[])
func (vault *Vault) PackAttesters() []byte {
	enc, err := vault.abi.Pack("attesters")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackAttesters is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x00cfe24f.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function attesters() view returns(address[])
func (vault *Vault) TryPackAttesters() ([]byte, error) {
	return vault.abi.Pack("attesters")
}

// UnpackAttesters is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x00cfe24f.
//
// Solidity: function attesters() view returns(address[])
func (vault *Vault) UnpackAttesters(data []byte) ([]common.Address, error) {
	out, err := vault.abi.Unpack("attesters", data)
	if err != nil {
		return *new([]common.Address), err
	}
	out0 := *abi.ConvertType(out[0], new([]common.Address)).(*[]common.Address)
	return out0, nil
}

// PackConfirmBatch is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xd3f35fc9.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function confirmBatch(uint64 seq, bytes32 dataHash, bytes32 stateRoot, bytes32 receiptsRoot, bytes[] signatures) returns()
func (vault *Vault) PackConfirmBatch(seq uint64, dataHash [32]byte, stateRoot [32]byte, receiptsRoot [32]byte, signatures [][]byte) []byte {
	enc, err := vault.abi.Pack("confirmBatch", seq, dataHash, stateRoot, receiptsRoot, signatures)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackConfirmBatch is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xd3f35fc9.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function confirmBatch(uint64 seq, bytes32 dataHash, bytes32 stateRoot, bytes32 receiptsRoot, bytes[] signatures) returns()
func (vault *Vault) TryPackConfirmBatch(seq uint64, dataHash [32]byte, stateRoot [32]byte, receiptsRoot [32]byte, signatures [][]byte) ([]byte, error) {
	return vault.abi.Pack("confirmBatch", seq, dataHash, stateRoot, receiptsRoot, signatures)
}

// PackDeposit is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf340fa01.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function deposit(address account) payable returns(uint64)
func (vault *Vault) PackDeposit(account common.Address) []byte {
	enc, err := vault.abi.Pack("deposit", account)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackDeposit is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf340fa01.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function deposit(address account) payable returns(uint64)
func (vault *Vault) TryPackDeposit(account common.Address) ([]byte, error) {
	return vault.abi.Pack("deposit", account)
}

// UnpackDeposit is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xf340fa01.
//
// Solidity: function deposit(address account) payable returns(uint64)
func (vault *Vault) UnpackDeposit(data []byte) (uint64, error) {
	out, err := vault.abi.Unpack("deposit", data)
	if err != nil {
		return *new(uint64), err
	}
	out0 := *abi.ConvertType(out[0], new(uint64)).(*uint64)
	return out0, nil
}

// PackDepositToken is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xfb0f97a8.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function depositToken(address token, address account, uint256 amount) returns(uint64)
func (vault *Vault) PackDepositToken(token common.Address, account common.Address, amount *big.Int) []byte {
	enc, err := vault.abi.Pack("depositToken", token, account, amount)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackDepositToken is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xfb0f97a8.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function depositToken(address token, address account, uint256 amount) returns(uint64)
func (vault *Vault) TryPackDepositToken(token common.Address, account common.Address, amount *big.Int) ([]byte, error) {
	return vault.abi.Pack("depositToken", token, account, amount)
}

// UnpackDepositToken is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xfb0f97a8.
//
// Solidity: function depositToken(address token, address account, uint256 amount) returns(uint64)
func (vault *Vault) UnpackDepositToken(data []byte) (uint64, error) {
	out, err := vault.abi.Unpack("depositToken", data)
	if err != nil {
		return *new(uint64), err
	}
	out0 := *abi.ConvertType(out[0], new(uint64)).(*uint64)
	return out0, nil
}

// PackGovernor is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x0c340a24.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function governor() view returns(address)
func (vault *Vault) PackGovernor() []byte {
	enc, err := vault.abi.Pack("governor")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackGovernor is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x0c340a24.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function governor() view returns(address)
func (vault *Vault) TryPackGovernor() ([]byte, error) {
	return vault.abi.Pack("governor")
}

// UnpackGovernor is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x0c340a24.
//
// Solidity: function governor() view returns(address)
func (vault *Vault) UnpackGovernor(data []byte) (common.Address, error) {
	out, err := vault.abi.Unpack("governor", data)
	if err != nil {
		return *new(common.Address), err
	}
	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)
	return out0, nil
}

// PackIsAttester is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xb6ebe539.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function isAttester(address ) view returns(bool)
func (vault *Vault) PackIsAttester(arg0 common.Address) []byte {
	enc, err := vault.abi.Pack("isAttester", arg0)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackIsAttester is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xb6ebe539.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function isAttester(address ) view returns(bool)
func (vault *Vault) TryPackIsAttester(arg0 common.Address) ([]byte, error) {
	return vault.abi.Pack("isAttester", arg0)
}

// UnpackIsAttester is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xb6ebe539.
//
// Solidity: function isAttester(address ) view returns(bool)
func (vault *Vault) UnpackIsAttester(data []byte) (bool, error) {
	out, err := vault.abi.Unpack("isAttester", data)
	if err != nil {
		return *new(bool), err
	}
	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)
	return out0, nil
}

// PackLedgerDomain is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xc22ddb51.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function ledgerDomain() view returns(bytes32)
func (vault *Vault) PackLedgerDomain() []byte {
	enc, err := vault.abi.Pack("ledgerDomain")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackLedgerDomain is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xc22ddb51.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function ledgerDomain() view returns(bytes32)
func (vault *Vault) TryPackLedgerDomain() ([]byte, error) {
	return vault.abi.Pack("ledgerDomain")
}

// UnpackLedgerDomain is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xc22ddb51.
//
// Solidity: function ledgerDomain() view returns(bytes32)
func (vault *Vault) UnpackLedgerDomain(data []byte) ([32]byte, error) {
	out, err := vault.abi.Unpack("ledgerDomain", data)
	if err != nil {
		return *new([32]byte), err
	}
	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)
	return out0, nil
}

// PackListToken is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x52e76280.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function listToken(address token, string symbol, uint8 decimals) returns(bytes32)
func (vault *Vault) PackListToken(token common.Address, symbol string, decimals uint8) []byte {
	enc, err := vault.abi.Pack("listToken", token, symbol, decimals)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackListToken is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x52e76280.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function listToken(address token, string symbol, uint8 decimals) returns(bytes32)
func (vault *Vault) TryPackListToken(token common.Address, symbol string, decimals uint8) ([]byte, error) {
	return vault.abi.Pack("listToken", token, symbol, decimals)
}

// UnpackListToken is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x52e76280.
//
// Solidity: function listToken(address token, string symbol, uint8 decimals) returns(bytes32)
func (vault *Vault) UnpackListToken(data []byte) ([32]byte, error) {
	out, err := vault.abi.Unpack("listToken", data)
	if err != nil {
		return *new([32]byte), err
	}
	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)
	return out0, nil
}

// PackNextDeposit is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xa8cabcd5.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function nextDeposit() view returns(uint64)
func (vault *Vault) PackNextDeposit() []byte {
	enc, err := vault.abi.Pack("nextDeposit")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackNextDeposit is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xa8cabcd5.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function nextDeposit() view returns(uint64)
func (vault *Vault) TryPackNextDeposit() ([]byte, error) {
	return vault.abi.Pack("nextDeposit")
}

// UnpackNextDeposit is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xa8cabcd5.
//
// Solidity: function nextDeposit() view returns(uint64)
func (vault *Vault) UnpackNextDeposit(data []byte) (uint64, error) {
	out, err := vault.abi.Unpack("nextDeposit", data)
	if err != nil {
		return *new(uint64), err
	}
	out0 := *abi.ConvertType(out[0], new(uint64)).(*uint64)
	return out0, nil
}

// PackPaid is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xadd89bb2.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function paid(bytes32 ) view returns(bool)
func (vault *Vault) PackPaid(arg0 [32]byte) []byte {
	enc, err := vault.abi.Pack("paid", arg0)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackPaid is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xadd89bb2.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function paid(bytes32 ) view returns(bool)
func (vault *Vault) TryPackPaid(arg0 [32]byte) ([]byte, error) {
	return vault.abi.Pack("paid", arg0)
}

// UnpackPaid is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xadd89bb2.
//
// Solidity: function paid(bytes32 ) view returns(bool)
func (vault *Vault) UnpackPaid(data []byte) (bool, error) {
	out, err := vault.abi.Unpack("paid", data)
	if err != nil {
		return *new(bool), err
	}
	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)
	return out0, nil
}

// PackReceiptsRootOf is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x7814c77e.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function receiptsRootOf(uint64 ) view returns(bytes32)
func (vault *Vault) PackReceiptsRootOf(arg0 uint64) []byte {
	enc, err := vault.abi.Pack("receiptsRootOf", arg0)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackReceiptsRootOf is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x7814c77e.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function receiptsRootOf(uint64 ) view returns(bytes32)
func (vault *Vault) TryPackReceiptsRootOf(arg0 uint64) ([]byte, error) {
	return vault.abi.Pack("receiptsRootOf", arg0)
}

// UnpackReceiptsRootOf is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x7814c77e.
//
// Solidity: function receiptsRootOf(uint64 ) view returns(bytes32)
func (vault *Vault) UnpackReceiptsRootOf(data []byte) ([32]byte, error) {
	out, err := vault.abi.Unpack("receiptsRootOf", data)
	if err != nil {
		return *new([32]byte), err
	}
	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)
	return out0, nil
}

// PackStateRootOf is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x931f4030.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function stateRootOf(uint64 ) view returns(bytes32)
func (vault *Vault) PackStateRootOf(arg0 uint64) []byte {
	enc, err := vault.abi.Pack("stateRootOf", arg0)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackStateRootOf is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x931f4030.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function stateRootOf(uint64 ) view returns(bytes32)
func (vault *Vault) TryPackStateRootOf(arg0 uint64) ([]byte, error) {
	return vault.abi.Pack("stateRootOf", arg0)
}

// UnpackStateRootOf is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x931f4030.
//
// Solidity: function stateRootOf(uint64 ) view returns(bytes32)
func (vault *Vault) UnpackStateRootOf(data []byte) ([32]byte, error) {
	out, err := vault.abi.Unpack("stateRootOf", data)
	if err != nil {
		return *new([32]byte), err
	}
	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)
	return out0, nil
}

// PackThreshold is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x42cde4e8.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function threshold() view returns(uint256)
func (vault *Vault) PackThreshold() []byte {
	enc, err := vault.abi.Pack("threshold")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackThreshold is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x42cde4e8.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function threshold() view returns(uint256)
func (vault *Vault) TryPackThreshold() ([]byte, error) {
	return vault.abi.Pack("threshold")
}

// UnpackThreshold is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x42cde4e8.
//
// Solidity: function threshold() view returns(uint256)
func (vault *Vault) UnpackThreshold(data []byte) (*big.Int, error) {
	out, err := vault.abi.Unpack("threshold", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// PackTokenOf is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xbae667bc.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function tokenOf(bytes32 ) view returns(address)
func (vault *Vault) PackTokenOf(arg0 [32]byte) []byte {
	enc, err := vault.abi.Pack("tokenOf", arg0)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackTokenOf is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xbae667bc.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function tokenOf(bytes32 ) view returns(address)
func (vault *Vault) TryPackTokenOf(arg0 [32]byte) ([]byte, error) {
	return vault.abi.Pack("tokenOf", arg0)
}

// UnpackTokenOf is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xbae667bc.
//
// Solidity: function tokenOf(bytes32 ) view returns(address)
func (vault *Vault) UnpackTokenOf(data []byte) (common.Address, error) {
	out, err := vault.abi.Unpack("tokenOf", data)
	if err != nil {
		return *new(common.Address), err
	}
	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)
	return out0, nil
}

// PackVerifyInclusion is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xc080fb06.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function verifyInclusion(bytes32 leaf, uint256 index, uint256 size, bytes32[] proof, bytes32 root) pure returns(bool)
func (vault *Vault) PackVerifyInclusion(leaf [32]byte, index *big.Int, size *big.Int, proof [][32]byte, root [32]byte) []byte {
	enc, err := vault.abi.Pack("verifyInclusion", leaf, index, size, proof, root)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackVerifyInclusion is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xc080fb06.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function verifyInclusion(bytes32 leaf, uint256 index, uint256 size, bytes32[] proof, bytes32 root) pure returns(bool)
func (vault *Vault) TryPackVerifyInclusion(leaf [32]byte, index *big.Int, size *big.Int, proof [][32]byte, root [32]byte) ([]byte, error) {
	return vault.abi.Pack("verifyInclusion", leaf, index, size, proof, root)
}

// UnpackVerifyInclusion is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xc080fb06.
//
// Solidity: function verifyInclusion(bytes32 leaf, uint256 index, uint256 size, bytes32[] proof, bytes32 root) pure returns(bool)
func (vault *Vault) UnpackVerifyInclusion(data []byte) (bool, error) {
	out, err := vault.abi.Unpack("verifyInclusion", data)
	if err != nil {
		return *new(bool), err
	}
	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)
	return out0, nil
}

// PackWithdraw is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf2189b6b.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function withdraw((address,bytes32,uint256,address,uint64) w, uint64 seq, uint256 index, uint256 size, bytes32[] proof) returns()
func (vault *Vault) PackWithdraw(w VaultWithdrawTx, seq uint64, index *big.Int, size *big.Int, proof [][32]byte) []byte {
	enc, err := vault.abi.Pack("withdraw", w, seq, index, size, proof)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackWithdraw is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf2189b6b.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function withdraw((address,bytes32,uint256,address,uint64) w, uint64 seq, uint256 index, uint256 size, bytes32[] proof) returns()
func (vault *Vault) TryPackWithdraw(w VaultWithdrawTx, seq uint64, index *big.Int, size *big.Int, proof [][32]byte) ([]byte, error) {
	return vault.abi.Pack("withdraw", w, seq, index, size, proof)
}

// PackWithdrawalId is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xad200775.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function withdrawalId((address,bytes32,uint256,address,uint64) w) view returns(bytes32)
func (vault *Vault) PackWithdrawalId(w VaultWithdrawTx) []byte {
	enc, err := vault.abi.Pack("withdrawalId", w)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackWithdrawalId is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xad200775.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function withdrawalId((address,bytes32,uint256,address,uint64) w) view returns(bytes32)
func (vault *Vault) TryPackWithdrawalId(w VaultWithdrawTx) ([]byte, error) {
	return vault.abi.Pack("withdrawalId", w)
}

// UnpackWithdrawalId is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xad200775.
//
// Solidity: function withdrawalId((address,bytes32,uint256,address,uint64) w) view returns(bytes32)
func (vault *Vault) UnpackWithdrawalId(data []byte) ([32]byte, error) {
	out, err := vault.abi.Unpack("withdrawalId", data)
	if err != nil {
		return *new([32]byte), err
	}
	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)
	return out0, nil
}

// VaultAssetListed represents a AssetListed event raised by the Vault contract.
type VaultAssetListed struct {
	Asset    [32]byte
	Token    common.Address
	Symbol   string
	Decimals uint8
	Raw      *types.Log // Blockchain specific contextual infos
}

const VaultAssetListedEventName = "AssetListed"

// ContractEventName returns the user-defined event name.
func (VaultAssetListed) ContractEventName() string {
	return VaultAssetListedEventName
}

// UnpackAssetListedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event AssetListed(bytes32 indexed asset, address indexed token, string symbol, uint8 decimals)
func (vault *Vault) UnpackAssetListedEvent(log *types.Log) (*VaultAssetListed, error) {
	event := "AssetListed"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != vault.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(VaultAssetListed)
	if len(log.Data) > 0 {
		if err := vault.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range vault.abi.Events[event].Inputs {
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

// VaultBatchConfirmed represents a BatchConfirmed event raised by the Vault contract.
type VaultBatchConfirmed struct {
	Seq          uint64
	DataHash     [32]byte
	StateRoot    [32]byte
	ReceiptsRoot [32]byte
	Raw          *types.Log // Blockchain specific contextual infos
}

const VaultBatchConfirmedEventName = "BatchConfirmed"

// ContractEventName returns the user-defined event name.
func (VaultBatchConfirmed) ContractEventName() string {
	return VaultBatchConfirmedEventName
}

// UnpackBatchConfirmedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event BatchConfirmed(uint64 indexed seq, bytes32 dataHash, bytes32 stateRoot, bytes32 receiptsRoot)
func (vault *Vault) UnpackBatchConfirmedEvent(log *types.Log) (*VaultBatchConfirmed, error) {
	event := "BatchConfirmed"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != vault.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(VaultBatchConfirmed)
	if len(log.Data) > 0 {
		if err := vault.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range vault.abi.Events[event].Inputs {
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

// VaultDeposit represents a Deposit event raised by the Vault contract.
type VaultDeposit struct {
	Index   uint64
	Asset   [32]byte
	Account common.Address
	Amount  *big.Int
	From    common.Address
	Raw     *types.Log // Blockchain specific contextual infos
}

const VaultDepositEventName = "Deposit"

// ContractEventName returns the user-defined event name.
func (VaultDeposit) ContractEventName() string {
	return VaultDepositEventName
}

// UnpackDepositEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event Deposit(uint64 indexed index, bytes32 indexed asset, address indexed account, uint256 amount, address from)
func (vault *Vault) UnpackDepositEvent(log *types.Log) (*VaultDeposit, error) {
	event := "Deposit"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != vault.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(VaultDeposit)
	if len(log.Data) > 0 {
		if err := vault.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range vault.abi.Events[event].Inputs {
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

// VaultWithdrawal represents a Withdrawal event raised by the Vault contract.
type VaultWithdrawal struct {
	Id     [32]byte
	Asset  [32]byte
	To     common.Address
	Amount *big.Int
	Seq    uint64
	Raw    *types.Log // Blockchain specific contextual infos
}

const VaultWithdrawalEventName = "Withdrawal"

// ContractEventName returns the user-defined event name.
func (VaultWithdrawal) ContractEventName() string {
	return VaultWithdrawalEventName
}

// UnpackWithdrawalEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event Withdrawal(bytes32 indexed id, bytes32 indexed asset, address indexed to, uint256 amount, uint64 seq)
func (vault *Vault) UnpackWithdrawalEvent(log *types.Log) (*VaultWithdrawal, error) {
	event := "Withdrawal"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != vault.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(VaultWithdrawal)
	if len(log.Data) > 0 {
		if err := vault.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range vault.abi.Events[event].Inputs {
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
func (vault *Vault) UnpackError(raw []byte) (any, error) {
	if bytes.Equal(raw[:4], vault.abi.Errors["AlreadyListed"].ID.Bytes()[:4]) {
		return vault.UnpackAlreadyListedError(raw[4:])
	}
	if bytes.Equal(raw[:4], vault.abi.Errors["AlreadyPaid"].ID.Bytes()[:4]) {
		return vault.UnpackAlreadyPaidError(raw[4:])
	}
	if bytes.Equal(raw[:4], vault.abi.Errors["BadAttesters"].ID.Bytes()[:4]) {
		return vault.UnpackBadAttestersError(raw[4:])
	}
	if bytes.Equal(raw[:4], vault.abi.Errors["BadProof"].ID.Bytes()[:4]) {
		return vault.UnpackBadProofError(raw[4:])
	}
	if bytes.Equal(raw[:4], vault.abi.Errors["BadSignature"].ID.Bytes()[:4]) {
		return vault.UnpackBadSignatureError(raw[4:])
	}
	if bytes.Equal(raw[:4], vault.abi.Errors["BadSymbol"].ID.Bytes()[:4]) {
		return vault.UnpackBadSymbolError(raw[4:])
	}
	if bytes.Equal(raw[:4], vault.abi.Errors["BatchNotConfirmed"].ID.Bytes()[:4]) {
		return vault.UnpackBatchNotConfirmedError(raw[4:])
	}
	if bytes.Equal(raw[:4], vault.abi.Errors["BelowThreshold"].ID.Bytes()[:4]) {
		return vault.UnpackBelowThresholdError(raw[4:])
	}
	if bytes.Equal(raw[:4], vault.abi.Errors["ConflictingAttestation"].ID.Bytes()[:4]) {
		return vault.UnpackConflictingAttestationError(raw[4:])
	}
	if bytes.Equal(raw[:4], vault.abi.Errors["DataHashMismatch"].ID.Bytes()[:4]) {
		return vault.UnpackDataHashMismatchError(raw[4:])
	}
	if bytes.Equal(raw[:4], vault.abi.Errors["NotAContract"].ID.Bytes()[:4]) {
		return vault.UnpackNotAContractError(raw[4:])
	}
	if bytes.Equal(raw[:4], vault.abi.Errors["NotAttester"].ID.Bytes()[:4]) {
		return vault.UnpackNotAttesterError(raw[4:])
	}
	if bytes.Equal(raw[:4], vault.abi.Errors["NotGovernor"].ID.Bytes()[:4]) {
		return vault.UnpackNotGovernorError(raw[4:])
	}
	if bytes.Equal(raw[:4], vault.abi.Errors["NotListed"].ID.Bytes()[:4]) {
		return vault.UnpackNotListedError(raw[4:])
	}
	if bytes.Equal(raw[:4], vault.abi.Errors["NothingReceived"].ID.Bytes()[:4]) {
		return vault.UnpackNothingReceivedError(raw[4:])
	}
	if bytes.Equal(raw[:4], vault.abi.Errors["PayoutFailed"].ID.Bytes()[:4]) {
		return vault.UnpackPayoutFailedError(raw[4:])
	}
	if bytes.Equal(raw[:4], vault.abi.Errors["Reentrant"].ID.Bytes()[:4]) {
		return vault.UnpackReentrantError(raw[4:])
	}
	if bytes.Equal(raw[:4], vault.abi.Errors["SignersNotAscending"].ID.Bytes()[:4]) {
		return vault.UnpackSignersNotAscendingError(raw[4:])
	}
	if bytes.Equal(raw[:4], vault.abi.Errors["TokenCallFailed"].ID.Bytes()[:4]) {
		return vault.UnpackTokenCallFailedError(raw[4:])
	}
	if bytes.Equal(raw[:4], vault.abi.Errors["TooManyDecimals"].ID.Bytes()[:4]) {
		return vault.UnpackTooManyDecimalsError(raw[4:])
	}
	if bytes.Equal(raw[:4], vault.abi.Errors["UnknownAsset"].ID.Bytes()[:4]) {
		return vault.UnpackUnknownAssetError(raw[4:])
	}
	if bytes.Equal(raw[:4], vault.abi.Errors["UnknownBatch"].ID.Bytes()[:4]) {
		return vault.UnpackUnknownBatchError(raw[4:])
	}
	if bytes.Equal(raw[:4], vault.abi.Errors["ZeroAccount"].ID.Bytes()[:4]) {
		return vault.UnpackZeroAccountError(raw[4:])
	}
	if bytes.Equal(raw[:4], vault.abi.Errors["ZeroAmount"].ID.Bytes()[:4]) {
		return vault.UnpackZeroAmountError(raw[4:])
	}
	return nil, errors.New("Unknown error")
}

// VaultAlreadyListed represents a AlreadyListed error raised by the Vault contract.
type VaultAlreadyListed struct {
	Token common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error AlreadyListed(address token)
func VaultAlreadyListedErrorID() common.Hash {
	return common.HexToHash("0x19cd45959170cfb6a7c442727f0974f504e3b1bf4faaf155537ac5fdd0223fdb")
}

// UnpackAlreadyListedError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error AlreadyListed(address token)
func (vault *Vault) UnpackAlreadyListedError(raw []byte) (*VaultAlreadyListed, error) {
	out := new(VaultAlreadyListed)
	if err := vault.abi.UnpackIntoInterface(out, "AlreadyListed", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// VaultAlreadyPaid represents a AlreadyPaid error raised by the Vault contract.
type VaultAlreadyPaid struct {
	Id [32]byte
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error AlreadyPaid(bytes32 id)
func VaultAlreadyPaidErrorID() common.Hash {
	return common.HexToHash("0xf4b76a0e190620c3521e4dfff16272055d2f85fe92a49677762cbf7ede84fc06")
}

// UnpackAlreadyPaidError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error AlreadyPaid(bytes32 id)
func (vault *Vault) UnpackAlreadyPaidError(raw []byte) (*VaultAlreadyPaid, error) {
	out := new(VaultAlreadyPaid)
	if err := vault.abi.UnpackIntoInterface(out, "AlreadyPaid", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// VaultBadAttesters represents a BadAttesters error raised by the Vault contract.
type VaultBadAttesters struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error BadAttesters()
func VaultBadAttestersErrorID() common.Hash {
	return common.HexToHash("0xed1247af146994a4a6fc9692ad517e8e5e609413e8bf64f296fdaab3dde782ce")
}

// UnpackBadAttestersError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error BadAttesters()
func (vault *Vault) UnpackBadAttestersError(raw []byte) (*VaultBadAttesters, error) {
	out := new(VaultBadAttesters)
	if err := vault.abi.UnpackIntoInterface(out, "BadAttesters", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// VaultBadProof represents a BadProof error raised by the Vault contract.
type VaultBadProof struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error BadProof()
func VaultBadProofErrorID() common.Hash {
	return common.HexToHash("0x7ca55c774976027f27f73629387ed99a2044a8721aec39c3c2717944b08c423a")
}

// UnpackBadProofError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error BadProof()
func (vault *Vault) UnpackBadProofError(raw []byte) (*VaultBadProof, error) {
	out := new(VaultBadProof)
	if err := vault.abi.UnpackIntoInterface(out, "BadProof", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// VaultBadSignature represents a BadSignature error raised by the Vault contract.
type VaultBadSignature struct {
	Index *big.Int
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error BadSignature(uint256 index)
func VaultBadSignatureErrorID() common.Hash {
	return common.HexToHash("0xa1c973190ea39240abfd4da3039e0d94cea4d1e689acfee87f4e7dbabee0f307")
}

// UnpackBadSignatureError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error BadSignature(uint256 index)
func (vault *Vault) UnpackBadSignatureError(raw []byte) (*VaultBadSignature, error) {
	out := new(VaultBadSignature)
	if err := vault.abi.UnpackIntoInterface(out, "BadSignature", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// VaultBadSymbol represents a BadSymbol error raised by the Vault contract.
type VaultBadSymbol struct {
	Symbol string
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error BadSymbol(string symbol)
func VaultBadSymbolErrorID() common.Hash {
	return common.HexToHash("0x8bc8459a36d178d1a0873160612d6a94d84c21285f89bcbdcd56b68febe6b097")
}

// UnpackBadSymbolError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error BadSymbol(string symbol)
func (vault *Vault) UnpackBadSymbolError(raw []byte) (*VaultBadSymbol, error) {
	out := new(VaultBadSymbol)
	if err := vault.abi.UnpackIntoInterface(out, "BadSymbol", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// VaultBatchNotConfirmed represents a BatchNotConfirmed error raised by the Vault contract.
type VaultBatchNotConfirmed struct {
	Seq uint64
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error BatchNotConfirmed(uint64 seq)
func VaultBatchNotConfirmedErrorID() common.Hash {
	return common.HexToHash("0xa3dbb273bc602332967e08d321ef166488ee191ef90fe290f37509a6c7b6973f")
}

// UnpackBatchNotConfirmedError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error BatchNotConfirmed(uint64 seq)
func (vault *Vault) UnpackBatchNotConfirmedError(raw []byte) (*VaultBatchNotConfirmed, error) {
	out := new(VaultBatchNotConfirmed)
	if err := vault.abi.UnpackIntoInterface(out, "BatchNotConfirmed", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// VaultBelowThreshold represents a BelowThreshold error raised by the Vault contract.
type VaultBelowThreshold struct {
	Signers   *big.Int
	Threshold *big.Int
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error BelowThreshold(uint256 signers, uint256 threshold)
func VaultBelowThresholdErrorID() common.Hash {
	return common.HexToHash("0x8b05c814296d98f4f07b3bc12cb7a432374a44716d3cdbb2055265f66227d36f")
}

// UnpackBelowThresholdError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error BelowThreshold(uint256 signers, uint256 threshold)
func (vault *Vault) UnpackBelowThresholdError(raw []byte) (*VaultBelowThreshold, error) {
	out := new(VaultBelowThreshold)
	if err := vault.abi.UnpackIntoInterface(out, "BelowThreshold", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// VaultConflictingAttestation represents a ConflictingAttestation error raised by the Vault contract.
type VaultConflictingAttestation struct {
	Seq                   uint64
	ConfirmedReceiptsRoot [32]byte
	AttestedReceiptsRoot  [32]byte
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error ConflictingAttestation(uint64 seq, bytes32 confirmedReceiptsRoot, bytes32 attestedReceiptsRoot)
func VaultConflictingAttestationErrorID() common.Hash {
	return common.HexToHash("0xbe4ac202c20011ad1cf8d0d8e73d0763d1df7fe75571c9c0a5bf744acee90301")
}

// UnpackConflictingAttestationError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error ConflictingAttestation(uint64 seq, bytes32 confirmedReceiptsRoot, bytes32 attestedReceiptsRoot)
func (vault *Vault) UnpackConflictingAttestationError(raw []byte) (*VaultConflictingAttestation, error) {
	out := new(VaultConflictingAttestation)
	if err := vault.abi.UnpackIntoInterface(out, "ConflictingAttestation", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// VaultDataHashMismatch represents a DataHashMismatch error raised by the Vault contract.
type VaultDataHashMismatch struct {
	Seq      uint64
	Anchored [32]byte
	Attested [32]byte
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error DataHashMismatch(uint64 seq, bytes32 anchored, bytes32 attested)
func VaultDataHashMismatchErrorID() common.Hash {
	return common.HexToHash("0xc061bdbd43eb052fb844cbacb332ac465f8cc6dc22e20d3e6c242cc16ce386ba")
}

// UnpackDataHashMismatchError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error DataHashMismatch(uint64 seq, bytes32 anchored, bytes32 attested)
func (vault *Vault) UnpackDataHashMismatchError(raw []byte) (*VaultDataHashMismatch, error) {
	out := new(VaultDataHashMismatch)
	if err := vault.abi.UnpackIntoInterface(out, "DataHashMismatch", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// VaultNotAContract represents a NotAContract error raised by the Vault contract.
type VaultNotAContract struct {
	Token common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error NotAContract(address token)
func VaultNotAContractErrorID() common.Hash {
	return common.HexToHash("0x8a8b41ec6b8382733436ac0321a506b0d1e41dc29c8650d1fd1ff17e726ab809")
}

// UnpackNotAContractError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error NotAContract(address token)
func (vault *Vault) UnpackNotAContractError(raw []byte) (*VaultNotAContract, error) {
	out := new(VaultNotAContract)
	if err := vault.abi.UnpackIntoInterface(out, "NotAContract", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// VaultNotAttester represents a NotAttester error raised by the Vault contract.
type VaultNotAttester struct {
	Signer common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error NotAttester(address signer)
func VaultNotAttesterErrorID() common.Hash {
	return common.HexToHash("0x14817f2f584570953b41dcf787fe5799176797b67ea0429f314f3bca83b3274a")
}

// UnpackNotAttesterError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error NotAttester(address signer)
func (vault *Vault) UnpackNotAttesterError(raw []byte) (*VaultNotAttester, error) {
	out := new(VaultNotAttester)
	if err := vault.abi.UnpackIntoInterface(out, "NotAttester", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// VaultNotGovernor represents a NotGovernor error raised by the Vault contract.
type VaultNotGovernor struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error NotGovernor()
func VaultNotGovernorErrorID() common.Hash {
	return common.HexToHash("0xee3675d4180520bc89452d81739291867ac001c59ca3986e58aecd7ce4021b69")
}

// UnpackNotGovernorError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error NotGovernor()
func (vault *Vault) UnpackNotGovernorError(raw []byte) (*VaultNotGovernor, error) {
	out := new(VaultNotGovernor)
	if err := vault.abi.UnpackIntoInterface(out, "NotGovernor", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// VaultNotListed represents a NotListed error raised by the Vault contract.
type VaultNotListed struct {
	Token common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error NotListed(address token)
func VaultNotListedErrorID() common.Hash {
	return common.HexToHash("0x5d35c42925f643c6c2edbae62e0ff8799b4b08d376fc0a31da9a4b2972aa653e")
}

// UnpackNotListedError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error NotListed(address token)
func (vault *Vault) UnpackNotListedError(raw []byte) (*VaultNotListed, error) {
	out := new(VaultNotListed)
	if err := vault.abi.UnpackIntoInterface(out, "NotListed", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// VaultNothingReceived represents a NothingReceived error raised by the Vault contract.
type VaultNothingReceived struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error NothingReceived()
func VaultNothingReceivedErrorID() common.Hash {
	return common.HexToHash("0xb5c74a275db6c4a09f1d71a73712216ab6d7a1b83d11690eaf97fa848e234537")
}

// UnpackNothingReceivedError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error NothingReceived()
func (vault *Vault) UnpackNothingReceivedError(raw []byte) (*VaultNothingReceived, error) {
	out := new(VaultNothingReceived)
	if err := vault.abi.UnpackIntoInterface(out, "NothingReceived", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// VaultPayoutFailed represents a PayoutFailed error raised by the Vault contract.
type VaultPayoutFailed struct {
	To common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error PayoutFailed(address to)
func VaultPayoutFailedErrorID() common.Hash {
	return common.HexToHash("0x7582a0795e55fb70d1ed7238b6619e7a129b552dc5d4f1e923dbd2b12b2b68b5")
}

// UnpackPayoutFailedError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error PayoutFailed(address to)
func (vault *Vault) UnpackPayoutFailedError(raw []byte) (*VaultPayoutFailed, error) {
	out := new(VaultPayoutFailed)
	if err := vault.abi.UnpackIntoInterface(out, "PayoutFailed", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// VaultReentrant represents a Reentrant error raised by the Vault contract.
type VaultReentrant struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error Reentrant()
func VaultReentrantErrorID() common.Hash {
	return common.HexToHash("0xed3ba6a62877a99990a32617b4e001f2c85c7886f010c9b166e8438fd38bcb40")
}

// UnpackReentrantError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error Reentrant()
func (vault *Vault) UnpackReentrantError(raw []byte) (*VaultReentrant, error) {
	out := new(VaultReentrant)
	if err := vault.abi.UnpackIntoInterface(out, "Reentrant", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// VaultSignersNotAscending represents a SignersNotAscending error raised by the Vault contract.
type VaultSignersNotAscending struct {
	Index *big.Int
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error SignersNotAscending(uint256 index)
func VaultSignersNotAscendingErrorID() common.Hash {
	return common.HexToHash("0x590a84f76cadfc6716aaea24107af9134f0cd4c66edbe9af3ffe914656b566fa")
}

// UnpackSignersNotAscendingError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error SignersNotAscending(uint256 index)
func (vault *Vault) UnpackSignersNotAscendingError(raw []byte) (*VaultSignersNotAscending, error) {
	out := new(VaultSignersNotAscending)
	if err := vault.abi.UnpackIntoInterface(out, "SignersNotAscending", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// VaultTokenCallFailed represents a TokenCallFailed error raised by the Vault contract.
type VaultTokenCallFailed struct {
	Token common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error TokenCallFailed(address token)
func VaultTokenCallFailedErrorID() common.Hash {
	return common.HexToHash("0xfecb69b4f00b9203b60da5ed901012a39c115c782cd06a41cb7715ca2556cd47")
}

// UnpackTokenCallFailedError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error TokenCallFailed(address token)
func (vault *Vault) UnpackTokenCallFailedError(raw []byte) (*VaultTokenCallFailed, error) {
	out := new(VaultTokenCallFailed)
	if err := vault.abi.UnpackIntoInterface(out, "TokenCallFailed", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// VaultTooManyDecimals represents a TooManyDecimals error raised by the Vault contract.
type VaultTooManyDecimals struct {
	Decimals uint8
	Max      uint8
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error TooManyDecimals(uint8 decimals, uint8 max)
func VaultTooManyDecimalsErrorID() common.Hash {
	return common.HexToHash("0xc92e395a39b4584403d268614fe0402ebe1a9091ff9b8e6306d28b38e658c0c0")
}

// UnpackTooManyDecimalsError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error TooManyDecimals(uint8 decimals, uint8 max)
func (vault *Vault) UnpackTooManyDecimalsError(raw []byte) (*VaultTooManyDecimals, error) {
	out := new(VaultTooManyDecimals)
	if err := vault.abi.UnpackIntoInterface(out, "TooManyDecimals", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// VaultUnknownAsset represents a UnknownAsset error raised by the Vault contract.
type VaultUnknownAsset struct {
	Asset [32]byte
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error UnknownAsset(bytes32 asset)
func VaultUnknownAssetErrorID() common.Hash {
	return common.HexToHash("0x1059be3ed9f1c1f061f09edf206f56e7c80b74fd01671cbec1b3788a1f49417e")
}

// UnpackUnknownAssetError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error UnknownAsset(bytes32 asset)
func (vault *Vault) UnpackUnknownAssetError(raw []byte) (*VaultUnknownAsset, error) {
	out := new(VaultUnknownAsset)
	if err := vault.abi.UnpackIntoInterface(out, "UnknownAsset", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// VaultUnknownBatch represents a UnknownBatch error raised by the Vault contract.
type VaultUnknownBatch struct {
	Seq uint64
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error UnknownBatch(uint64 seq)
func VaultUnknownBatchErrorID() common.Hash {
	return common.HexToHash("0x29323ffff0d2ae0465a5a02be95b40fbdb0fc0656d05f820f3904c4580a7b0c1")
}

// UnpackUnknownBatchError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error UnknownBatch(uint64 seq)
func (vault *Vault) UnpackUnknownBatchError(raw []byte) (*VaultUnknownBatch, error) {
	out := new(VaultUnknownBatch)
	if err := vault.abi.UnpackIntoInterface(out, "UnknownBatch", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// VaultZeroAccount represents a ZeroAccount error raised by the Vault contract.
type VaultZeroAccount struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error ZeroAccount()
func VaultZeroAccountErrorID() common.Hash {
	return common.HexToHash("0xbfcf3c0bb32fe792f677ae14b5f44b9695700b5b4a64cfda8a7f506371f2d39f")
}

// UnpackZeroAccountError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error ZeroAccount()
func (vault *Vault) UnpackZeroAccountError(raw []byte) (*VaultZeroAccount, error) {
	out := new(VaultZeroAccount)
	if err := vault.abi.UnpackIntoInterface(out, "ZeroAccount", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// VaultZeroAmount represents a ZeroAmount error raised by the Vault contract.
type VaultZeroAmount struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error ZeroAmount()
func VaultZeroAmountErrorID() common.Hash {
	return common.HexToHash("0x1f2a2005cb66a8e145327e8814e243a0996aec9bfe1e15a495778b1236dbd485")
}

// UnpackZeroAmountError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error ZeroAmount()
func (vault *Vault) UnpackZeroAmountError(raw []byte) (*VaultZeroAmount, error) {
	out := new(VaultZeroAmount)
	if err := vault.abi.UnpackIntoInterface(out, "ZeroAmount", raw); err != nil {
		return nil, err
	}
	return out, nil
}
