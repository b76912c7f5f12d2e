package ledger

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"
)

// The state root is a compact sparse Merkle tree over keccak256(state key):
// a binary trie in which a subtree holding one leaf is that leaf, so the
// depth is about log2(n) and an update touches O(changes × log n) nodes.
// The shape depends only on the set of leaves, never on the order of
// updates, so every node reaches the same root.
//
//	empty    = 0x00…00
//	leaf     = keccak256(0x00 ‖ leafKey ‖ keccak256(value))
//	internal = keccak256(0x01 ‖ left ‖ right)
//
// Nodes are stored by position: uint16(depth) ‖ the first depth bits of the
// path, so an update overwrites in place and leaves no garbage.

// TreeNodes reads stored tree nodes by position key.
type TreeNodes interface {
	Get(key []byte) ([]byte, error)
}

// Tree updates the state root over a node store. Its writes are collected
// for the caller to commit atomically with the state.
type Tree struct {
	nodes  TreeNodes
	writes map[string][]byte
	err    error
}

// NewTree opens the tree stored in nodes.
func NewTree(nodes TreeNodes) *Tree {
	return &Tree{nodes: nodes, writes: map[string][]byte{}}
}

type nodeKind uint8

const (
	nodeEmpty nodeKind = iota
	nodeLeaf
	nodeInternal
)

type tnode struct {
	kind   nodeKind
	a, b   Hash // leaf: key, value hash; internal: left, right
	hash   Hash
	depth  int
	stored bool
}

func leafHash(key, vh Hash) Hash { return Keccak256([]byte{0}, key[:], vh[:]) }

func posKey(depth int, path Hash) string {
	n := (depth + 7) / 8
	k := make([]byte, 2+n)
	binary.BigEndian.PutUint16(k, uint16(depth))
	copy(k[2:], path[:n])
	if r := depth % 8; r != 0 {
		k[len(k)-1] &= byte(0xff << (8 - r))
	}
	return string(k)
}

func bit(h Hash, i int) int { return int(h[i/8]>>(7-i%8)) & 1 }

func setBit(h Hash, i int) Hash {
	h[i/8] |= 1 << (7 - i%8)
	return h
}

func (t *Tree) load(depth int, path Hash) tnode {
	k := posKey(depth, path)
	v, ok := t.writes[k]
	if !ok {
		var err error
		v, err = t.nodes.Get([]byte(k))
		if err != nil && t.err == nil {
			t.err = fmt.Errorf("%w: tree read: %w", ErrState, err)
		}
	}
	n := tnode{depth: depth}
	if len(v) != 65 {
		return n
	}
	n.stored = true
	copy(n.a[:], v[1:33])
	copy(n.b[:], v[33:])
	if v[0] == 0 {
		n.kind, n.hash = nodeLeaf, leafHash(n.a, n.b)
	} else {
		n.kind, n.hash = nodeInternal, Keccak256([]byte{1}, n.a[:], n.b[:])
	}
	return n
}

func (t *Tree) store(depth int, path Hash, n tnode) {
	v := make([]byte, 65)
	if n.kind == nodeInternal {
		v[0] = 1
	}
	copy(v[1:33], n.a[:])
	copy(v[33:], n.b[:])
	t.writes[posKey(depth, path)] = v
}

func (t *Tree) remove(depth int, path Hash) { t.writes[posKey(depth, path)] = nil }

type leafUpdate struct {
	key, vh Hash // vh zero: delete
}

// Root returns the current root hash.
func (t *Tree) Root() (Hash, error) {
	n := t.load(0, Hash{})
	return n.hash, t.err
}

// Update applies state writes (a nil value deletes) and returns the new root.
func (t *Tree) Update(kvs []KV) (Hash, error) {
	ups := make([]leafUpdate, 0, len(kvs))
	for _, kv := range kvs {
		u := leafUpdate{key: Keccak256(kv.Key)}
		if kv.Value != nil {
			u.vh = Keccak256(kv.Value)
		}
		ups = append(ups, u)
	}
	sort.Slice(ups, func(i, j int) bool { return bytes.Compare(ups[i].key[:], ups[j].key[:]) < 0 })
	n := t.update(0, Hash{}, ups)
	return n.hash, t.err
}

// Writes returns the node writes of every Update so far (nil deletes).
func (t *Tree) Writes() []KV {
	out := make([]KV, 0, len(t.writes))
	for k, v := range t.writes {
		out = append(out, KV{Key: []byte(k), Value: v})
	}
	sort.Slice(out, func(i, j int) bool { return bytes.Compare(out[i].Key, out[j].Key) < 0 })
	return out
}

func splitAt(ups []leafUpdate, depth int) int {
	return sort.Search(len(ups), func(i int) bool { return bit(ups[i].key, depth) == 1 })
}

func (t *Tree) update(depth int, path Hash, ups []leafUpdate) tnode {
	cur := t.load(depth, path)
	if cur.kind != nodeInternal {
		leaves := make([]leafUpdate, 0, len(ups)+1)
		if cur.kind == nodeLeaf {
			i := sort.Search(len(ups), func(i int) bool { return bytes.Compare(ups[i].key[:], cur.a[:]) >= 0 })
			if i == len(ups) || ups[i].key != cur.a {
				leaves = append(leaves, leafUpdate{cur.a, cur.b})
			}
		}
		for _, u := range ups {
			if !u.vh.IsZero() {
				leaves = append(leaves, u)
			}
		}
		sort.Slice(leaves, func(i, j int) bool { return bytes.Compare(leaves[i].key[:], leaves[j].key[:]) < 0 })
		n := t.build(depth, path, leaves)
		if n.kind == nodeEmpty && cur.stored {
			t.remove(depth, path)
		}
		return n
	}
	s := splitAt(ups, depth)
	rpath := setBit(path, depth)
	var l, r tnode
	if s > 0 {
		l = t.update(depth+1, path, ups[:s])
	} else {
		l = tnode{kind: nodeInternal, hash: cur.a, depth: depth + 1} // unchanged; kind resolved below if needed
	}
	if s < len(ups) {
		r = t.update(depth+1, rpath, ups[s:])
	} else {
		r = tnode{kind: nodeInternal, hash: cur.b, depth: depth + 1}
	}
	return t.combine(depth, path, l, r, s > 0, s < len(ups))
}

// combine stores the node at a position from its two children, collapsing a
// lone leaf upward so the shape stays canonical.
func (t *Tree) combine(depth int, path Hash, l, r tnode, lFresh, rFresh bool) tnode {
	rpath := setBit(path, depth)
	if l.hash.IsZero() && r.hash.IsZero() {
		t.remove(depth, path)
		return tnode{depth: depth}
	}
	if l.hash.IsZero() || r.hash.IsZero() {
		child, cpath, fresh := r, rpath, rFresh
		if r.hash.IsZero() {
			child, cpath, fresh = l, path, lFresh
		}
		if !fresh {
			child = t.load(depth+1, cpath)
		}
		if child.kind == nodeLeaf {
			t.remove(depth+1, cpath)
			n := tnode{kind: nodeLeaf, a: child.a, b: child.b, hash: child.hash, depth: depth}
			t.store(depth, path, n)
			return n
		}
	}
	n := tnode{kind: nodeInternal, a: l.hash, b: r.hash, depth: depth}
	n.hash = Keccak256([]byte{1}, n.a[:], n.b[:])
	t.store(depth, path, n)
	return n
}

// build stores a fresh subtree for leaves at a position that held at most
// one leaf before.
func (t *Tree) build(depth int, path Hash, leaves []leafUpdate) tnode {
	switch len(leaves) {
	case 0:
		return tnode{depth: depth}
	case 1:
		n := tnode{kind: nodeLeaf, a: leaves[0].key, b: leaves[0].vh, depth: depth}
		n.hash = leafHash(n.a, n.b)
		t.store(depth, path, n)
		return n
	}
	if depth >= 256 {
		t.err = fmt.Errorf("ledger: tree: duplicate leaf key %x", leaves[0].key)
		return tnode{depth: depth}
	}
	s := splitAt(leaves, depth)
	l := t.build(depth+1, path, leaves[:s])
	r := t.build(depth+1, setBit(path, depth), leaves[s:])
	n := tnode{kind: nodeInternal, a: l.hash, b: r.hash, depth: depth}
	n.hash = Keccak256([]byte{1}, n.a[:], n.b[:])
	t.store(depth, path, n)
	return n
}

// Proof shows that a state key holds a value, or holds nothing, under a
// root. Siblings run from the root down to the position where the walk
// ended; Leaf is the leaf found there, if any (for an absence proof it is
// another key's leaf sharing the path).
type Proof struct {
	Siblings []Hash `json:"siblings"`
	LeafKey  *Hash  `json:"leaf_key,omitempty"`
	LeafVH   *Hash  `json:"leaf_value_hash,omitempty"`
}

// Prove walks to the position of a state key.
func (t *Tree) Prove(stateKey []byte) (Proof, error) {
	key := Keccak256(stateKey)
	p := Proof{Siblings: []Hash{}} // a list in JSON even when empty, never null
	path := Hash{}
	for depth := 0; depth <= 256; depth++ {
		n := t.load(depth, path)
		if t.err != nil {
			return Proof{}, t.err
		}
		switch n.kind {
		case nodeEmpty:
			return p, nil
		case nodeLeaf:
			k, vh := n.a, n.b
			p.LeafKey, p.LeafVH = &k, &vh
			return p, nil
		}
		if bit(key, depth) == 0 {
			p.Siblings = append(p.Siblings, n.b)
		} else {
			p.Siblings = append(p.Siblings, n.a)
			path = setBit(path, depth)
		}
	}
	return Proof{}, fmt.Errorf("ledger: tree deeper than 256 levels")
}

// VerifyProof checks a proof that stateKey holds value under root; an
// empty value claims the key is absent (the state never stores one). It needs no store: a light wallet checks
// its balance against an anchored root with it.
func VerifyProof(root Hash, stateKey, value []byte, p Proof) bool {
	key := Keccak256(stateKey)
	if len(p.Siblings) > 256 || (p.LeafKey == nil) != (p.LeafVH == nil) {
		return false
	}
	var h Hash
	switch {
	case len(value) > 0:
		if p.LeafKey == nil || *p.LeafKey != key || *p.LeafVH != Keccak256(value) {
			return false
		}
		h = leafHash(key, *p.LeafVH)
	case p.LeafKey != nil:
		if *p.LeafKey == key {
			return false
		}
		for i := range p.Siblings {
			if bit(*p.LeafKey, i) != bit(key, i) {
				return false
			}
		}
		h = leafHash(*p.LeafKey, *p.LeafVH)
	}
	for i := len(p.Siblings) - 1; i >= 0; i-- {
		s := p.Siblings[i]
		if bit(key, i) == 0 {
			h = Keccak256([]byte{1}, h[:], s[:])
		} else {
			h = Keccak256([]byte{1}, s[:], h[:])
		}
	}
	return h == root
}
