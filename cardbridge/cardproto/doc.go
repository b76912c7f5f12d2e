// Package cardproto is the anonex card applet's message layer: the TLV
// bodies of every command and response in docs/card-protocol.md, encoded
// and parsed in one place for both sides — the applet and the terminals and
// wallets that talk to it. It does no IO.
package cardproto
