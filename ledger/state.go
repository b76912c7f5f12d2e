package ledger

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"

	"github.com/holiman/uint256"
)

// Reader is the settled state as a key-value map: Get returns nil, nil for
// an absent key. The ledger defines every key and value encoding; a store
// only keeps bytes. Returned slices are not modified by the ledger.
type Reader interface {
	Get(key []byte) ([]byte, error)
}

// Key prefixes of the state. Every key is part of the state root.
const (
	prefixAccount = 'a' // 'a' ‖ address → nonce(8) ‖ number(8)
	prefixBalance = 'b' // 'b' ‖ address ‖ asset id → big-endian amount, no leading zeros
	prefixAsset   = 's' // 's' ‖ asset id → asset record
	prefixNumber  = 'n' // 'n' ‖ number(8) → address
	keyCounters   = "#" // account count(8)
)

// KV is one state write; a nil Value deletes the key.
type KV struct {
	Key   []byte
	Value []byte
}

// Overlay is a write set over a Reader: the view Apply works on. It caches
// what it reads from the base. The pending
// view of a node is an Overlay over its settled state; a settled batch is
// folded in a fresh Overlay whose writes are then committed. Reads that
// fail in the base make the overlay's Err non-nil; Apply reports it.
type Overlay struct {
	base    Reader
	writes  map[string][]byte
	cache   map[string][]byte // base reads, absent keys included
	journal []undo
	err     error
}

type undo struct {
	key  string
	prev []byte
	had  bool
}

// NewOverlay starts an empty write set over base.
func NewOverlay(base Reader) *Overlay {
	return &Overlay{base: base, writes: make(map[string][]byte), cache: make(map[string][]byte)}
}

// Err returns the first error the base reader returned.
func (o *Overlay) Err() error { return o.err }

// Get reads a key through the overlay.
func (o *Overlay) Get(key []byte) ([]byte, error) {
	v := o.get(string(key))
	return v, o.err
}

// skey is a state key built on the stack, so a read that hits the write
// set or the cache allocates nothing.
type skey struct {
	b [61]byte
	n int
}

func (k *skey) add(p ...byte) *skey {
	k.n += copy(k.b[k.n:], p)
	return k
}

// getk reads a key built in an skey.
func (o *Overlay) getk(k *skey) []byte {
	if v, ok := o.writes[string(k.b[:k.n])]; ok {
		return v
	}
	if v, ok := o.cache[string(k.b[:k.n])]; ok {
		return v
	}
	return o.get(string(k.b[:k.n]))
}

func (o *Overlay) get(key string) []byte {
	if v, ok := o.writes[key]; ok {
		return v
	}
	if v, ok := o.cache[key]; ok {
		return v
	}
	v, err := o.base.Get([]byte(key))
	if err != nil {
		if o.err == nil {
			o.err = fmt.Errorf("%w: read: %w", ErrState, err)
		}
		return v
	}
	// The base only changes under an overlay by settling transactions the
	// overlay itself applied (their keys are in writes), so a cached base
	// value stays right; an overlay over a different base is a new one.
	o.cache[key] = v
	return v
}

func (o *Overlay) put(key string, v []byte) {
	prev, had := o.writes[key]
	o.journal = append(o.journal, undo{key, prev, had})
	o.writes[key] = v
}

func (o *Overlay) snapshot() int { return len(o.journal) }

// Snapshot marks the current writes; Revert undoes every write since.
func (o *Overlay) Snapshot() int { return o.snapshot() }

// Revert undoes the writes made since a Snapshot.
func (o *Overlay) Revert(snap int) { o.revert(snap) }

// Forget drops the undo journal: earlier snapshots become invalid. A
// long-lived overlay (a node's pending view) calls it after each accepted
// transaction so the journal does not grow without bound.
func (o *Overlay) Forget() { o.journal = o.journal[:0] }

func (o *Overlay) revert(to int) {
	for i := len(o.journal) - 1; i >= to; i-- {
		u := o.journal[i]
		if u.had {
			o.writes[u.key] = u.prev
		} else {
			delete(o.writes, u.key)
		}
	}
	o.journal = o.journal[:to]
}

// Writes returns the write set sorted by key.
func (o *Overlay) Writes() []KV {
	out := make([]KV, 0, len(o.writes))
	for k, v := range o.writes {
		out = append(out, KV{Key: []byte(k), Value: v})
	}
	sort.Slice(out, func(i, j int) bool { return bytes.Compare(out[i].Key, out[j].Key) < 0 })
	return out
}

// Len is the number of keys written.
func (o *Overlay) Len() int { return len(o.writes) }

// Account is the per-account record.
type Account struct {
	// Nonce is the next nonce the account must use.
	Nonce uint64
	// Number is the account's sequence number in the settled state, given
	// when the account is first touched; batches refer to known accounts by
	// it to save 19 bytes an address.
	Number uint64
	// Exists is false for an account the state has never touched.
	Exists bool
}

func accountKey(a Address) string { return string(append([]byte{prefixAccount}, a[:]...)) }

func balanceKey(a Address, asset Hash) string {
	k := make([]byte, 0, 53)
	k = append(k, prefixBalance)
	k = append(k, a[:]...)
	k = append(k, asset[:]...)
	return string(k)
}

func numberKey(n uint64) string {
	k := make([]byte, 9)
	k[0] = prefixNumber
	binary.BigEndian.PutUint64(k[1:], n)
	return string(k)
}

// Account reads an account record.
func (o *Overlay) Account(a Address) Account {
	var k skey
	k.add(prefixAccount).add(a[:]...)
	return DecodeAccount(o.getk(&k))
}

func (o *Overlay) setAccount(a Address, acc Account) {
	v := make([]byte, 16)
	binary.BigEndian.PutUint64(v, acc.Nonce)
	binary.BigEndian.PutUint64(v[8:], acc.Number)
	o.put(accountKey(a), v)
}

// touch creates the account record if it does not exist, giving it the next
// account number.
func (o *Overlay) touch(a Address) Account {
	acc := o.Account(a)
	if acc.Exists {
		return acc
	}
	n := o.AccountCount()
	acc = Account{Number: n, Exists: true}
	o.setAccount(a, acc)
	o.put(numberKey(n), append([]byte(nil), a[:]...))
	var c [8]byte
	binary.BigEndian.PutUint64(c[:], n+1)
	o.put(keyCounters, c[:])
	return acc
}

// AccountCount is the number of accounts the state has numbered.
func (o *Overlay) AccountCount() uint64 {
	v := o.get(keyCounters)
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

// AccountByNumber maps an account number back to its address.
func (o *Overlay) AccountByNumber(n uint64) (Address, bool) {
	return addressByNumber(o, n)
}

func addressByNumber(o *Overlay, n uint64) (Address, bool) {
	var a Address
	v := o.get(numberKey(n))
	if len(v) != 20 {
		return a, false
	}
	copy(a[:], v)
	return a, true
}

// Balance reads an account's balance of an asset (zero when absent).
func (o *Overlay) Balance(a Address, asset Hash) *uint256.Int {
	var k skey
	k.add(prefixBalance).add(a[:]...).add(asset[:]...)
	return new(uint256.Int).SetBytes(o.getk(&k))
}

func (o *Overlay) setBalance(a Address, asset Hash, v *uint256.Int) {
	if v.IsZero() {
		o.put(balanceKey(a, asset), nil)
		return
	}
	b := v.Bytes32()
	n := 32 - (v.BitLen()+7)/8
	o.put(balanceKey(a, asset), append([]byte(nil), b[n:]...))
}

// move transfers amount between two accounts, creating the recipient.
func (o *Overlay) move(from, to Address, asset Hash, amount *uint256.Int) Reason {
	bal := o.Balance(from, asset)
	if bal.Lt(amount) {
		return ReasonInsufficientFunds
	}
	dst, overflow := new(uint256.Int).AddOverflow(o.Balance(to, asset), amount)
	if overflow {
		return ReasonBalanceOverflow
	}
	o.setBalance(from, asset, bal.Sub(bal, amount))
	o.touch(to)
	o.setBalance(to, asset, dst)
	if _, isCard := o.Card(to); isCard {
		o.addCardCredit(to, asset, amount)
	}
	return ReasonNone
}

// Asset is an issued asset. Its identity is ID, never Symbol.
type Asset struct {
	ID       Hash        `json:"id"`
	Issuer   Address     `json:"issuer"`
	Symbol   string      `json:"symbol"`
	Decimals uint8       `json:"decimals"`
	Supply   uint256.Int `json:"-"`
	Currency uint16      `json:"currency,omitempty"`
	Metadata Hash        `json:"metadata"`
	// Token is set for an asset bridged from Ethereum through the Vault
	// (Issuer): the ERC-20 contract, or the zero address for ETH.
	Token *Address `json:"token,omitempty"`
}

func assetKey(id Hash) string { return string(append([]byte{prefixAsset}, id[:]...)) }

// hasAsset reports whether an asset exists, without decoding it.
func (o *Overlay) hasAsset(id Hash) bool {
	var k skey
	k.add(prefixAsset).add(id[:]...)
	return o.getk(&k) != nil
}

// Asset reads an asset record.
func (o *Overlay) Asset(id Hash) (*Asset, bool) {
	return decodeAsset(id, o.get(assetKey(id)))
}

func (o *Overlay) setAsset(id Hash, a *Asset) {
	e := encoder{}
	e.bytes32(a.Metadata)
	e.buf = append(e.buf, a.Issuer[:]...)
	e.byte1(a.Decimals)
	e.uint16(a.Currency)
	e.amount(&a.Supply)
	e.str(a.Symbol)
	if a.Token != nil {
		e.byte1(1)
		e.buf = append(e.buf, a.Token[:]...)
	}
	o.put(assetKey(id), e.buf)
}

func decodeAsset(id Hash, v []byte) (*Asset, bool) {
	if v == nil {
		return nil, false
	}
	d := decoder{buf: v}
	a := &Asset{ID: id}
	a.Metadata = d.bytes32("metadata")
	copy(a.Issuer[:], d.take(20, "issuer"))
	a.Decimals = d.byte1("decimals")
	a.Currency = d.uint16("currency")
	a.Supply = *d.amount("supply")
	a.Symbol = d.str("symbol", MaxSymbolLen)
	if d.off < len(d.buf) { // bridged: 0x01 ‖ token
		if d.byte1("bridge flag") != 1 {
			return nil, false
		}
		var t Address
		copy(t[:], d.take(20, "token"))
		a.Token = &t
	}
	if d.err != nil {
		return nil, false
	}
	return a, true
}

// ParseStateKey tells what a state key holds, for stores that index
// accounts and assets ("account", "balance", "asset", "number", "counters").
func ParseStateKey(k []byte) (kind string, addr Address, asset Hash) {
	if len(k) == 0 {
		return "", addr, asset
	}
	switch {
	case k[0] == prefixAccount && len(k) == 21:
		copy(addr[:], k[1:])
		return "account", addr, asset
	case k[0] == prefixBalance && len(k) == 53:
		copy(addr[:], k[1:21])
		copy(asset[:], k[21:])
		return "balance", addr, asset
	case k[0] == prefixAsset && len(k) == 33:
		copy(asset[:], k[1:])
		return "asset", addr, asset
	case k[0] == prefixNumber:
		return "number", addr, asset
	case k[0] == prefixCard && len(k) == 21:
		copy(addr[:], k[1:])
		return "card", addr, asset
	case k[0] == prefixCredited && len(k) == 53:
		copy(addr[:], k[1:21])
		copy(asset[:], k[21:])
		return "credited", addr, asset
	case k[0] == prefixCounter && len(k) == 29:
		copy(addr[:], k[1:21])
		return "counter", addr, asset
	case string(k) == keyCounters:
		return "counters", addr, asset
	}
	return "", addr, asset
}

// StateKeyAccount, StateKeyBalance and StateKeyAsset give the raw keys a
// store or a proof request needs.
func StateKeyAccount(a Address) []byte          { return []byte(accountKey(a)) }
func StateKeyBalance(a Address, id Hash) []byte { return []byte(balanceKey(a, id)) }
func StateKeyAsset(id Hash) []byte              { return []byte(assetKey(id)) }

// DecodeAccount and DecodeAsset read values a store hands back.
func DecodeAccount(v []byte) Account {
	if len(v) != 16 {
		return Account{}
	}
	return Account{Nonce: binary.BigEndian.Uint64(v), Number: binary.BigEndian.Uint64(v[8:]), Exists: true}
}

func DecodeAsset(id Hash, v []byte) (*Asset, bool) { return decodeAsset(id, v) }

// PendingBalances lists the balances this overlay itself wrote for an
// account (an asset absent here is unchanged from the base).
func (o *Overlay) PendingBalances(a Address) map[Hash]*uint256.Int {
	out := map[Hash]*uint256.Int{}
	prefix := string(append([]byte{prefixBalance}, a[:]...))
	for k, v := range o.writes {
		if len(k) == 53 && k[:21] == prefix {
			var id Hash
			copy(id[:], k[21:])
			out[id] = new(uint256.Int).SetBytes(v)
		}
	}
	return out
}

// PendingAssets lists the assets this overlay itself created.
func (o *Overlay) PendingAssets() []*Asset {
	var out []*Asset
	for k, v := range o.writes {
		if len(k) == 33 && k[0] == prefixAsset {
			var id Hash
			copy(id[:], k[1:])
			if a, ok := decodeAsset(id, v); ok {
				out = append(out, a)
			}
		}
	}
	return out
}

// PendingAccounts lists the accounts this overlay itself wrote.
func (o *Overlay) PendingAccounts() []Address {
	var out []Address
	for k := range o.writes {
		if len(k) == 21 && k[0] == prefixAccount {
			var a Address
			copy(a[:], k[1:])
			out = append(out, a)
		}
	}
	return out
}
