package ledger

import (
	"encoding/binary"

	"github.com/holiman/uint256"
)

// DomainName and DomainVersion are the fixed EIP-712 domain strings.
const (
	DomainName    = "anonex"
	DomainVersion = "1"
)

const domainType = "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"

var (
	domainTypeHash = Keccak256([]byte(domainType))
	nameHash       = Keccak256([]byte(DomainName))
	versionHash    = Keccak256([]byte(DomainVersion))
)

// Domain is the EIP-712 domain of one anonex network: {name "anonex",
// version "1", chainId, verifyingContract = the Anchor contract}. A
// signature made for one network never verifies on another.
type Domain struct {
	ChainID  uint64
	Contract Address
	sep      Hash
}

// NewDomain returns the domain with its separator computed once.
func NewDomain(chainID uint64, anchor Address) Domain {
	d := Domain{ChainID: chainID, Contract: anchor}
	var w structWriter
	w.hash(domainTypeHash)
	w.hash(nameHash)
	w.hash(versionHash)
	w.uint64(chainID)
	w.address(anchor)
	d.sep = w.sum()
	return d
}

// Separator is the EIP-712 domain separator (hashStruct of the domain).
func (d Domain) Separator() Hash {
	if d.sep.IsZero() {
		return NewDomain(d.ChainID, d.Contract).sep
	}
	return d.sep
}

// Digest returns keccak256("\x19\x01" ‖ domainSeparator ‖ structHash): the
// message a wallet signs, and the transaction id.
func (d Domain) Digest(structHash Hash) Hash {
	sep := d.Separator()
	var buf [66]byte
	buf[0], buf[1] = 0x19, 0x01
	copy(buf[2:34], sep[:])
	copy(buf[34:], structHash[:])
	return Keccak256(buf[:])
}

// structWriter builds the EIP-712 encodeData of a struct directly, one
// 32-byte word per field, with no reflection (go-ethereum's generic
// apitypes path costs ~13 µs a struct; this costs one keccak).
type structWriter struct {
	buf [16 * 32]byte
	n   int
}

func (w *structWriter) word() []byte {
	b := w.buf[w.n : w.n+32]
	w.n += 32
	return b
}

func (w *structWriter) hash(h Hash) { copy(w.word(), h[:]) }

func (w *structWriter) address(a Address) {
	b := w.word()
	clear(b[:12])
	copy(b[12:], a[:])
}

func (w *structWriter) uint64(v uint64) {
	b := w.word()
	clear(b[:24])
	binary.BigEndian.PutUint64(b[24:], v)
}

func (w *structWriter) uint256(v *uint256.Int) {
	b := v.Bytes32()
	copy(w.word(), b[:])
}

func (w *structWriter) string(s string) { w.hash(Keccak256([]byte(s))) }

func (w *structWriter) sum() Hash { return Keccak256(w.buf[:w.n]) }

// TypedField is one member of an EIP-712 struct type, as served to wallets.
type TypedField struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// DomainFields is the EIP712Domain type as wallets expect it.
var DomainFields = []TypedField{
	{"name", "string"}, {"version", "string"}, {"chainId", "uint256"}, {"verifyingContract", "address"},
}

// encodeType renders "Name(type1 name1,type2 name2)".
func encodeType(name string, fields []TypedField) string {
	s := name + "("
	for i, f := range fields {
		if i > 0 {
			s += ","
		}
		s += f.Type + " " + f.Name
	}
	return s + ")"
}
