package account

import "errors"

// Sentinel errors. Functions wrap them with the facts of the failure
// (fmt.Errorf("%w: ...")); test with errors.Is.
var (
	// ErrBadKey reports bytes that are not a secp256k1 private key
	// (wrong length, zero, or not below the group order).
	ErrBadKey = errors.New("account: invalid private key")
	// ErrBadSignature reports a signature that cannot be recovered: bad v,
	// high s, r or s out of range, or no public key for it.
	ErrBadSignature = errors.New("account: invalid signature")
	// ErrBadMnemonic reports a phrase that is not a valid English BIP-39
	// mnemonic (word count, unknown word, checksum).
	ErrBadMnemonic = errors.New("account: invalid mnemonic")
	// ErrDerivation reports a BIP-32 derivation that cannot proceed: an
	// index out of range or an invalid child key (probability < 2^-127).
	ErrDerivation = errors.New("account: key derivation failed")
	// ErrWrongPassword reports a keystore file whose MAC does not match
	// the password given.
	ErrWrongPassword = errors.New("account: wrong password")
	// ErrBadKeyFile reports a file that is not a usable V3 keystore file.
	ErrBadKeyFile = errors.New("account: invalid key file")
	// ErrNotFound reports a query that matches no account of a Store.
	ErrNotFound = errors.New("account: no such account")
	// ErrAmbiguous is matched (errors.Is) by every *AmbiguousError.
	ErrAmbiguous = errors.New("account: ambiguous account")
	// ErrExists reports an account or file that is already there.
	ErrExists = errors.New("account: already exists")
	// ErrBadQuery reports a query that cannot name an account (empty, a
	// too-short address prefix, a full address failing its checksum).
	ErrBadQuery = errors.New("account: invalid account query")
)
