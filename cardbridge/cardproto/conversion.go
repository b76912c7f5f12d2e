package cardproto

import (
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"io"

	"github.com/anonex/anonex/account"
	"github.com/anonex/anonex/ledger"
	"github.com/holiman/uint256"
)

// Conversion at payment time (docs/card-protocol.md, CONVERT): the
// terminal asks the card to pay a fiat amount; the card answers with a
// conversion request, signed, whose purse list is sealed to its owner's
// wallet key; the wallet answers with an approval it signs; the card then
// signs its record for the approved crypto amount, paying its owner.

// INSConvert is CONVERT; P1 is the phase.
const (
	INSConvert       = 0x5C
	ConvertRequestP1 = 1
	ConvertApproveP1 = 2
)

// TxPurchase is the only transaction type of this version.
const TxPurchase = 0

// ConvertRequest is CONVERT phase 1's body.
type ConvertRequest struct {
	Type       byte
	Fiat       ledger.Hash
	FiatAmount uint256.Int
	Payee      ledger.Address
	Challenge  ledger.Hash
}

// Bytes encodes the body.
func (r *ConvertRequest) Bytes() []byte {
	var e enc
	e.put(0x9D, []byte{r.Type}).put(0x90, r.Fiat[:]).put(0x91, mustAmount(&r.FiatAmount)).put(0x98, r.Payee[:]).put(0x99, r.Challenge[:])
	return e.buf
}

// ParseConvertRequest reads the body.
func ParseConvertRequest(b []byte) (ConvertRequest, error) {
	d := parse(b)
	r := ConvertRequest{Type: d.byte1(0x9D, "type"), Fiat: d.hash(0x90, "fiat asset"), FiatAmount: d.amount(0x91, "fiat amount"),
		Payee: d.address(0x98, "payee"), Challenge: d.hash(0x99, "challenge")}
	return r, d.err
}

// ConvertRequestResponse is the card's conversion request: its nonce, the
// sealed purse list and its signature of ConversionRequest.
type ConvertRequestResponse struct {
	Nonce  ledger.Hash
	Sealed []byte
	Sig    ledger.Sig
}

// Bytes encodes the response.
func (r *ConvertRequestResponse) Bytes() []byte {
	var e enc
	e.put(0x9E, r.Nonce[:]).put(0x8E, r.Sealed).put(0x96, r.Sig[:])
	return e.buf
}

// ParseConvertRequestResponse reads it.
func ParseConvertRequestResponse(b []byte) (ConvertRequestResponse, error) {
	d := parse(b)
	r := ConvertRequestResponse{Nonce: d.hash(0x9E, "nonce"), Sealed: d.raw(0x8E, "sealed"), Sig: d.sig(0x96, "signature")}
	return r, d.err
}

// ConvertApproval is CONVERT phase 2's body: the owner's approval.
type ConvertApproval struct {
	Nonce     ledger.Hash
	Asset     ledger.Hash
	Amount    uint256.Int
	Collector ledger.Address
	Sig       ledger.Sig // the owner's, over ConversionApproval
}

// Bytes encodes the body.
func (a *ConvertApproval) Bytes() []byte {
	var e enc
	e.put(0x9E, a.Nonce[:]).put(0x90, a.Asset[:]).put(0x91, mustAmount(&a.Amount)).put(0x98, a.Collector[:]).put(0x96, a.Sig[:])
	return e.buf
}

// ParseConvertApproval reads the body.
func ParseConvertApproval(b []byte) (ConvertApproval, error) {
	d := parse(b)
	a := ConvertApproval{Nonce: d.hash(0x9E, "nonce"), Asset: d.hash(0x90, "asset"), Amount: d.amount(0x91, "amount"),
		Collector: d.address(0x98, "collector"), Sig: d.sig(0x96, "signature")}
	return a, d.err
}

// PurseOffer is one purse in a sealed conversion request: an asset and
// what the card can spend of it (T − D).
type PurseOffer struct {
	Asset     ledger.Hash
	Available uint256.Int
}

// EncodePurseOffers is the sealed plaintext: n × (asset(32) ‖ available(16)).
func EncodePurseOffers(ps []PurseOffer) []byte {
	var out []byte
	for i := range ps {
		out = append(out, ps[i].Asset[:]...)
		out = append(out, mustAmount(&ps[i].Available)...)
	}
	return out
}

// DecodePurseOffers reads the sealed plaintext.
func DecodePurseOffers(b []byte) ([]PurseOffer, error) {
	if len(b)%48 != 0 {
		return nil, malformed("purse list of %d bytes", len(b))
	}
	out := make([]PurseOffer, len(b)/48)
	for i := range out {
		copy(out[i].Asset[:], b[48*i:])
		out[i].Available.SetBytes(b[48*i+32 : 48*i+48])
	}
	return out, nil
}

// Sealing: ECIES on secp256k1. An ephemeral key e; the cipher key is
// keccak256("anonex-seal" ‖ ECDH(e, P) ‖ E) with E the ephemeral public
// key; AES-256-GCM with a random 12-byte nonce and the caller's associated
// data. Sealed = E (65) ‖ nonce (12) ‖ ciphertext ‖ tag (16).
const sealOverhead = 65 + 12 + 16

// ErrSeal reports a sealed box that does not open.
var ErrSeal = errors.New("cardproto: sealed data does not open")

func sealKey(shared, ephPub []byte) []byte {
	k := ledger.Keccak256([]byte("anonex-seal"), shared, ephPub)
	return k[:]
}

// Seal encrypts plaintext to a public key (65 bytes uncompressed).
func Seal(rand io.Reader, to []byte, plaintext, aad []byte) ([]byte, error) {
	eph, err := account.Generate(rand)
	if err != nil {
		return nil, err
	}
	defer eph.Zero()
	shared, err := eph.SharedSecret(to)
	if err != nil {
		return nil, err
	}
	ephPub := eph.PublicKey()
	block, _ := aes.NewCipher(sealKey(shared, ephPub))
	gcm, _ := cipher.NewGCM(block)
	nonce := make([]byte, gcm.NonceSize())
	if _, err := io.ReadFull(rand, nonce); err != nil {
		return nil, err
	}
	out := append(append([]byte(nil), ephPub...), nonce...)
	return gcm.Seal(out, nonce, plaintext, aad), nil
}

// Open decrypts what Seal made for k's public key.
func Open(k *account.Key, sealed, aad []byte) ([]byte, error) {
	if len(sealed) < sealOverhead {
		return nil, ErrSeal
	}
	ephPub, nonce, ct := sealed[:65], sealed[65:77], sealed[77:]
	shared, err := k.SharedSecret(ephPub)
	if err != nil {
		return nil, ErrSeal
	}
	block, _ := aes.NewCipher(sealKey(shared, ephPub))
	gcm, _ := cipher.NewGCM(block)
	pt, err := gcm.Open(nil, nonce, ct, aad)
	if err != nil {
		return nil, ErrSeal
	}
	return pt, nil
}
