package node

import "github.com/anonex/anonex/ledger"

// OnBook reports whether an offer is on the node's book (funded or not).
func (n *Node) OnBook(id ledger.Hash) bool {
	_, ok := n.book.Get(id)
	return ok
}
