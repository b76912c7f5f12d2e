package ledger

import (
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// Batch format, version 2 (see docs/protocol.md, "Batch format"):
//
//	batch   = 0x02 ‖ zstd(body)
//	body    = uvarint(nAssets) ‖ nAssets × asset id(32) ‖ uvarint(nTx) ‖ nTx × btx
//	btx     = uvarint(len) ‖ tx, len = the bytes of tx
//	tx      = (kind | (v−27)<<7) ‖ kind body in batch form ‖ r(32) ‖ s(32)
//
// In batch form an address is uvarint(0) ‖ 20 bytes, or uvarint(n+1) for the
// account numbered n in the settled state before the batch; an asset id is
// an index into the batch's asset table. Every signature is in the batch.
// The length lets a reader step over a kind it does not know: such a
// transaction is unusable (BatchTx.Err wraps ErrUnknownKind), the batch
// around it is not. Version 1 has no length (a kind it does not know makes
// the batch malformed) and its card kinds' bodies lack the fields protocol
// version 2 added.
const (
	// BatchVersion is the version byte of the batches this ledger builds;
	// it still reads version 1 (whose card transactions never verify).
	BatchVersion = 2
	// batchVersion1 is the format of protocol version 1: no length before
	// each transaction.
	batchVersion1 = 1
	// MaxBatchBytes is the most a batch may occupy on chain: the Anchor
	// contract's cap, under the tx pool's 128 KiB limit.
	MaxBatchBytes = 126000
	// MaxBatchRaw caps the decompressed body.
	MaxBatchRaw = 1 << 20
	// MaxBatchTxs caps the transactions in one batch.
	MaxBatchTxs = 4096
	// MaxBatchAssets caps the asset table.
	MaxBatchAssets = 1024
)

type batchRefs struct {
	assets   []Hash
	assetIdx map[Hash]uint64
	state    Reader
	numbers  map[Address]uint64
	count    uint64
	ioErr    error
}

func (r *batchRefs) assetIndex(id Hash) uint64 {
	if i, ok := r.assetIdx[id]; ok {
		return i
	}
	i := uint64(len(r.assets))
	r.assets = append(r.assets, id)
	r.assetIdx[id] = i
	return i
}

func (r *batchRefs) accountNumber(a Address) (uint64, bool) {
	if n, ok := r.numbers[a]; ok {
		return n, true
	}
	v, err := r.state.Get([]byte(accountKey(a)))
	if err != nil {
		return 0, false
	}
	acc := DecodeAccount(v)
	if !acc.Exists {
		return 0, false
	}
	r.numbers[a] = acc.Number
	return acc.Number, true
}

func (r *batchRefs) resolve(n uint64) (Address, error) {
	if n >= r.count {
		return Address{}, fmt.Errorf("account number %d not yet assigned (%d accounts)", n, r.count)
	}
	v, err := r.state.Get([]byte(numberKey(n)))
	if err != nil {
		// Not the batch's fault: the store failed. Fatal for the decode.
		r.ioErr = fmt.Errorf("%w: account number %d: %w", ErrState, n, err)
		return Address{}, r.ioErr
	}
	if len(v) != 20 {
		return Address{}, fmt.Errorf("account number %d has no address in the state", n)
	}
	var a Address
	copy(a[:], v)
	return a, nil
}

func counterOf(r Reader) (uint64, error) {
	v, err := r.Get([]byte(keyCounters))
	if err != nil {
		return 0, fmt.Errorf("%w: account count: %w", ErrState, err)
	}
	if len(v) != 8 {
		return 0, nil
	}
	return binary.BigEndian.Uint64(v), nil
}

// BatchBuilder accumulates transactions into one batch against the settled
// state the batch will most likely follow. Account numbers it uses stay
// valid whatever lands first, because numbers are never reassigned.
type BatchBuilder struct {
	refs batchRefs
	body []byte
	// tx is the scratch encoder of one transaction in batch form, before
	// its length is known.
	tx encoder
	n  int
}

// NewBatchBuilder starts a batch. settled must be the settled state.
func NewBatchBuilder(settled Reader) *BatchBuilder {
	b := &BatchBuilder{refs: batchRefs{assetIdx: map[Hash]uint64{}, state: settled, numbers: map[Address]uint64{}}}
	b.tx.refs = &b.refs
	return b
}

// Len is the number of transactions added.
func (b *BatchBuilder) Len() int { return b.n }

// RawSize is the size of the body so far, before compression.
func (b *BatchBuilder) RawSize() int { return len(b.body) + 32*len(b.refs.assets) + 8 }

// Add appends a transaction. It returns false, adding nothing, when the
// transaction would break a cap (count, raw size or asset table).
func (b *BatchBuilder) Add(tx *Tx) bool {
	if b.n >= MaxBatchTxs {
		return false
	}
	mark, nAssets := len(b.body), len(b.refs.assets)
	b.tx.buf = b.tx.buf[:0]
	b.tx.byte1(byte(tx.Payload.Kind()) | (tx.Sig[64]-27)<<7)
	tx.Payload.encode(&b.tx)
	b.tx.buf = append(b.tx.buf, tx.Sig[:64]...)
	b.body = binary.AppendUvarint(b.body, uint64(len(b.tx.buf)))
	b.body = append(b.body, b.tx.buf...)
	if b.RawSize() > MaxBatchRaw || len(b.refs.assets) > MaxBatchAssets {
		b.body = b.body[:mark]
		for _, id := range b.refs.assets[nAssets:] {
			delete(b.refs.assetIdx, id)
		}
		b.refs.assets = b.refs.assets[:nAssets]
		return false
	}
	b.n++
	return true
}

// Bytes returns the batch: version byte and compressed body.
func (b *BatchBuilder) Bytes() []byte {
	raw := make([]byte, 0, b.RawSize())
	raw = binary.AppendUvarint(raw, uint64(len(b.refs.assets)))
	for _, id := range b.refs.assets {
		raw = append(raw, id[:]...)
	}
	raw = binary.AppendUvarint(raw, uint64(b.n))
	raw = append(raw, b.body...)
	return append([]byte{BatchVersion}, zstdEncoder().EncodeAll(raw, nil)...)
}

// BatchTx is one transaction read from a batch. Err is set, and Tx may be
// nil, when the transaction cannot be taken — an account number not yet
// given, or (format 2) a kind this version does not know, which the
// transaction's length lets the decoder step over; the batch around it
// still applies.
type BatchTx struct {
	Tx  *Tx
	Err error
}

// DecodeBatch parses a batch against the settled state that precedes it.
// An error wrapping ErrState means the store failed (retry later); any
// other error means the whole batch is malformed and changes nothing.
func DecodeBatch(data []byte, settled Reader) ([]BatchTx, error) {
	if len(data) == 0 || len(data) > MaxBatchBytes {
		return nil, fmt.Errorf("%w: %d bytes on chain, cap %d", ErrBatchTooBig, len(data), MaxBatchBytes)
	}
	if data[0] != BatchVersion && data[0] != batchVersion1 {
		return nil, fmt.Errorf("%w: %d", ErrBatchVersion, data[0])
	}
	raw, err := zstdDecoder().DecodeAll(data[1:], make([]byte, 0, 4*len(data)))
	if err != nil {
		return nil, fmt.Errorf("%w: batch body: %v", ErrDecode, err)
	}
	if len(raw) > MaxBatchRaw {
		return nil, fmt.Errorf("%w: %d bytes decompressed, cap %d", ErrBatchTooBig, len(raw), MaxBatchRaw)
	}
	count, err := counterOf(settled)
	if err != nil {
		return nil, err
	}
	refs := &batchRefs{state: settled, count: count}
	v1 := data[0] == batchVersion1
	d := decoder{buf: raw, refs: refs, v1: v1}
	na := d.uvarint("asset count")
	if na > MaxBatchAssets {
		return nil, fmt.Errorf("%w: %d assets, cap %d", ErrBatchTooBig, na, MaxBatchAssets)
	}
	for i := uint64(0); i < na && d.err == nil; i++ {
		refs.assets = append(refs.assets, d.bytes32("asset id"))
	}
	n := d.uvarint("tx count")
	if n > MaxBatchTxs {
		return nil, fmt.Errorf("%w: %d transactions, cap %d", ErrBatchTooBig, n, MaxBatchTxs)
	}
	out := make([]BatchTx, 0, n)
	for i := uint64(0); i < n && d.err == nil; i++ {
		var bt BatchTx
		if v1 {
			bt, err = decodeBatchTx(&d, i)
		} else {
			bt, err = decodeSizedBatchTx(&d, i)
		}
		if err != nil {
			return nil, err
		}
		if d.err == nil {
			out = append(out, bt)
		}
	}
	if refs.ioErr != nil {
		return nil, refs.ioErr
	}
	if d.err != nil {
		return nil, d.err
	}
	if d.off != len(raw) {
		return nil, fmt.Errorf("%w: %d trailing bytes in batch", ErrDecode, len(raw)-d.off)
	}
	return out, nil
}

// decodeSizedBatchTx reads one format 2 transaction: its length, then the
// transaction, which must fill exactly that length. A kind this version
// does not know is stepped over.
func decodeSizedBatchTx(d *decoder, i uint64) (BatchTx, error) {
	l := d.uvarint("tx length")
	if d.err != nil {
		return BatchTx{}, nil
	}
	if l > uint64(len(d.buf)-d.off) {
		d.fail("tx %d: length %d, %d bytes left", i, l, len(d.buf)-d.off)
		return BatchTx{}, nil
	}
	end := d.off + int(l)
	sub := decoder{buf: d.buf[:end], off: d.off, refs: d.refs}
	d.off = end
	kv := sub.byte1("kind")
	if sub.err != nil {
		d.err = sub.err
		return BatchTx{}, nil
	}
	spec := specOf(Kind(kv & 0x7f))
	if spec == nil {
		return BatchTx{Err: fmt.Errorf("%w: tx %d: kind %d (%d bytes stepped over)", ErrUnknownKind, i, kv&0x7f, l)}, nil
	}
	tx := &Tx{Payload: spec.decode(&sub)}
	copy(tx.Sig[:64], sub.take(64, "signature"))
	tx.Sig[64] = 27 + kv>>7
	switch {
	case sub.err != nil:
		d.err = sub.err
	case sub.off != end:
		d.fail("tx %d: %d bytes of its length left unread", i, end-sub.off)
	}
	return BatchTx{Tx: tx, Err: sub.unresolved}, nil
}

// decodeBatchTx reads one format 1 transaction, which carries no length:
// a kind this version does not know makes the batch malformed.
func decodeBatchTx(d *decoder, i uint64) (BatchTx, error) {
	kv := d.byte1("kind")
	if d.err != nil {
		return BatchTx{}, nil
	}
	spec := specOf(Kind(kv & 0x7f))
	if spec == nil {
		return BatchTx{}, fmt.Errorf("%w: tx %d: %d", ErrUnknownKind, i, kv&0x7f)
	}
	d.unresolved = nil
	tx := &Tx{Payload: spec.decode(d)}
	copy(tx.Sig[:64], d.take(64, "signature"))
	tx.Sig[64] = 27 + kv>>7
	return BatchTx{Tx: tx, Err: d.unresolved}, nil
}

var (
	zencOnce, zdecOnce sync.Once
	zenc               *zstd.Encoder
	zdec               *zstd.Decoder
)

func zstdEncoder() *zstd.Encoder {
	zencOnce.Do(func() {
		zenc, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedBetterCompression), zstd.WithEncoderConcurrency(1))
	})
	return zenc
}

func zstdDecoder() *zstd.Decoder {
	zdecOnce.Do(func() {
		zdec, _ = zstd.NewReader(nil, zstd.WithDecoderMaxMemory(MaxBatchRaw), zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(MaxBatchRaw))
	})
	return zdec
}
