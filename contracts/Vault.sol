// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @notice What the Vault reads of the Anchor: the hash of each batch.
interface IAnchor {
    function batchHash(uint64 seq) external view returns (bytes32);
}

/// @notice The part of ERC-20 the Vault uses.
interface IERC20 {
    function balanceOf(address owner) external view returns (uint256);
}

/// @title Vault: ETH and ERC-20 tokens bridged into the anonex ledger
/// @notice Deposits lock ETH or a listed token here and credit a device
/// account on the ledger: every node folds the `Deposit` events in chain
/// order, together with the Anchor's batches. A withdrawal is a `Withdraw`
/// transaction on the ledger that burns the amount; once the batch holding
/// its receipt is attested by `threshold` of the registered attesters, anyone
/// may present the receipt's Merkle proof here and the Vault pays the
/// withdrawal's recipient, exactly once.
///
/// Trust: the attesters. They sign a batch's (seq, data hash, state root,
/// receipts root) only once the batch is K blocks deep or finalized, after
/// folding it themselves; the Vault checks the data hash against the Anchor,
/// but it cannot re-execute the ledger, so `threshold` colluding attesters
/// could sign a false receipts root and pay out a burn that never happened.
/// Fraud proofs that remove this assumption are future work.
contract Vault {
    // ------------------------------------------------------------------
    // Constants shared with the ledger (ledger/bridge.go, ledger/eip712.go)
    // ------------------------------------------------------------------

    /// @notice The ledger's transaction kind number of Withdraw.
    uint8 public constant KIND_WITHDRAW = 7;

    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 private constant NAME_HASH = keccak256("anonex");
    bytes32 private constant VERSION_HASH = keccak256("1");

    /// @notice EIP-712 type of the ledger's Withdraw transaction.
    bytes32 public constant WITHDRAW_TYPEHASH =
        keccak256("Withdraw(address account,bytes32 asset,uint256 amount,address to,uint64 nonce)");

    /// @notice EIP-712 type the attesters sign (domain: this Vault).
    bytes32 public constant ATTESTATION_TYPEHASH =
        keccak256("Attestation(uint64 seq,bytes32 dataHash,bytes32 stateRoot,bytes32 receiptsRoot)");

    /// @dev secp256k1 n/2: signatures with a larger s are malleable copies.
    uint256 private constant HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;

    /// @notice Largest number of decimals the ledger accepts for an asset.
    uint8 public constant MAX_DECIMALS = 36;

    // ------------------------------------------------------------------
    // State
    // ------------------------------------------------------------------

    /// @notice The Anchor whose batches this Vault pays withdrawals from.
    IAnchor public immutable anchor;

    /// @notice Signatures of distinct attesters a batch needs.
    uint256 public immutable threshold;

    /// @notice May list tokens; nothing else.
    address public immutable governor;

    /// @notice Whether an address is a registered attester.
    mapping(address => bool) public isAttester;
    address[] private attesterList;

    /// @notice Index the next deposit receives (0, 1, 2, ...). The ledger
    /// credits deposits in this order and nothing else.
    uint64 public nextDeposit;

    /// @notice The ledger asset id of a listed token (address(0) is ETH);
    /// zero for a token not listed.
    mapping(address => bytes32) public assetOf;

    /// @notice The token of a listed asset id (address(0) for ETH).
    mapping(bytes32 => address) public tokenOf;

    /// @notice The roots of a batch attested by `threshold` attesters; zero
    /// for a batch not confirmed here yet.
    mapping(uint64 => bytes32) public receiptsRootOf;
    mapping(uint64 => bytes32) public stateRootOf;

    /// @notice Withdrawals paid, by the id of their ledger transaction.
    mapping(bytes32 => bool) public paid;

    bool private transient locked;

    // ------------------------------------------------------------------
    // Events
    // ------------------------------------------------------------------

    /// @notice A token can be deposited; the ledger creates its asset.
    event AssetListed(bytes32 indexed asset, address indexed token, string symbol, uint8 decimals);

    /// @notice Value arrived for a device account. `amount` is what the
    /// Vault received (a token that charges a fee on transfer credits less
    /// than was sent).
    event Deposit(uint64 indexed index, bytes32 indexed asset, address indexed account, uint256 amount, address from);

    /// @notice A batch's attestation reached the threshold.
    event BatchConfirmed(uint64 indexed seq, bytes32 dataHash, bytes32 stateRoot, bytes32 receiptsRoot);

    /// @notice A withdrawal was paid.
    event Withdrawal(bytes32 indexed id, bytes32 indexed asset, address indexed to, uint256 amount, uint64 seq);

    // ------------------------------------------------------------------
    // Errors
    // ------------------------------------------------------------------

    error BadAttesters();
    error NotGovernor();
    error AlreadyListed(address token);
    error NotListed(address token);
    error UnknownAsset(bytes32 asset);
    error BadSymbol(string symbol);
    error TooManyDecimals(uint8 decimals, uint8 max);
    error NotAContract(address token);
    error ZeroAccount();
    error ZeroAmount();
    error NothingReceived();
    error TokenCallFailed(address token);
    error Reentrant();
    error UnknownBatch(uint64 seq);
    error DataHashMismatch(uint64 seq, bytes32 anchored, bytes32 attested);
    error ConflictingAttestation(uint64 seq, bytes32 confirmedReceiptsRoot, bytes32 attestedReceiptsRoot);
    error BadSignature(uint256 index);
    error NotAttester(address signer);
    error SignersNotAscending(uint256 index);
    error BelowThreshold(uint256 signers, uint256 threshold);
    error BatchNotConfirmed(uint64 seq);
    error AlreadyPaid(bytes32 id);
    error BadProof();
    error PayoutFailed(address to);

    modifier nonReentrant() {
        if (locked) revert Reentrant();
        locked = true;
        _;
        locked = false;
    }

    /// @param anchor_ the Anchor contract
    /// @param attesters_ the attesters' addresses, distinct and non-zero
    /// @param threshold_ signatures a batch needs, 1 to attesters_.length
    /// @param governor_ the account that may list tokens
    constructor(address anchor_, address[] memory attesters_, uint256 threshold_, address governor_) {
        if (anchor_ == address(0) || threshold_ == 0 || threshold_ > attesters_.length) revert BadAttesters();
        for (uint256 i = 0; i < attesters_.length; i++) {
            address a = attesters_[i];
            if (a == address(0) || isAttester[a]) revert BadAttesters();
            isAttester[a] = true;
        }
        attesterList = attesters_;
        anchor = IAnchor(anchor_);
        threshold = threshold_;
        governor = governor_;
        _list(address(0), "ETH", 18);
    }

    /// @notice The registered attesters.
    function attesters() external view returns (address[] memory) {
        return attesterList;
    }

    // ------------------------------------------------------------------
    // Listing
    // ------------------------------------------------------------------

    /// @notice The ledger asset id of a token bridged through this Vault:
    /// keccak256("anonex.bridge" ‖ chainId ‖ vault ‖ token).
    function assetId(address token) public view returns (bytes32) {
        return keccak256(abi.encodePacked("anonex.bridge", block.chainid, address(this), token));
    }

    /// @notice List an ERC-20 token for deposits (governor only). The symbol
    /// follows the ledger's rule: 1-12 of A-Z 0-9 . - starting with a letter.
    function listToken(address token, string calldata symbol, uint8 decimals) external returns (bytes32) {
        if (msg.sender != governor) revert NotGovernor();
        if (token.code.length == 0) revert NotAContract(token);
        return _list(token, symbol, decimals);
    }

    function _list(address token, string memory symbol, uint8 decimals) private returns (bytes32 id) {
        if (assetOf[token] != bytes32(0)) revert AlreadyListed(token);
        if (!validSymbol(bytes(symbol))) revert BadSymbol(symbol);
        if (decimals > MAX_DECIMALS) revert TooManyDecimals(decimals, MAX_DECIMALS);
        id = assetId(token);
        assetOf[token] = id;
        tokenOf[id] = token;
        emit AssetListed(id, token, symbol, decimals);
    }

    function validSymbol(bytes memory s) private pure returns (bool) {
        if (s.length == 0 || s.length > 12 || s[0] < "A" || s[0] > "Z") return false;
        for (uint256 i = 1; i < s.length; i++) {
            bytes1 c = s[i];
            if (!((c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "." || c == "-")) return false;
        }
        return true;
    }

    // ------------------------------------------------------------------
    // Deposits
    // ------------------------------------------------------------------

    /// @notice Deposit the ETH sent to the ledger account `account`.
    function deposit(address account) external payable returns (uint64) {
        if (account == address(0)) revert ZeroAccount();
        if (msg.value == 0) revert ZeroAmount();
        return _deposit(assetOf[address(0)], account, msg.value);
    }

    /// @notice Deposit `amount` of a listed token (approved to this Vault
    /// beforehand) to the ledger account `account`.
    function depositToken(address token, address account, uint256 amount) external nonReentrant returns (uint64) {
        if (account == address(0)) revert ZeroAccount();
        if (amount == 0) revert ZeroAmount();
        bytes32 id = assetOf[token];
        if (id == bytes32(0) || token == address(0)) revert NotListed(token);
        uint256 before = IERC20(token).balanceOf(address(this));
        _call(token, abi.encodeWithSelector(0x23b872dd, msg.sender, address(this), amount)); // transferFrom
        uint256 received = IERC20(token).balanceOf(address(this)) - before;
        if (received == 0) revert NothingReceived();
        return _deposit(id, account, received);
    }

    function _deposit(bytes32 asset, address account, uint256 amount) private returns (uint64 index) {
        index = nextDeposit;
        nextDeposit = index + 1;
        emit Deposit(index, asset, account, amount, msg.sender);
    }

    // ------------------------------------------------------------------
    // Attestations
    // ------------------------------------------------------------------

    /// @notice The EIP-712 domain separator of attestations: name "anonex",
    /// version "1", this chain, this Vault.
    function attestationDomain() public view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, block.chainid, address(this)));
    }

    /// @notice The digest attesters sign for a batch.
    function attestationDigest(uint64 seq, bytes32 dataHash, bytes32 stateRoot, bytes32 receiptsRoot)
        public
        view
        returns (bytes32)
    {
        bytes32 s = keccak256(abi.encode(ATTESTATION_TYPEHASH, seq, dataHash, stateRoot, receiptsRoot));
        return keccak256(abi.encodePacked(hex"1901", attestationDomain(), s));
    }

    /// @notice Record a batch's roots once `threshold` attesters signed them.
    /// Anyone may call it. The data hash must be the Anchor's for `seq`.
    /// Signatures are 65 bytes (r ‖ s ‖ v, low s), their signers in strictly
    /// ascending order. Confirming the same roots again is a no-op.
    function confirmBatch(
        uint64 seq,
        bytes32 dataHash,
        bytes32 stateRoot,
        bytes32 receiptsRoot,
        bytes[] calldata signatures
    ) external {
        bytes32 anchored = anchor.batchHash(seq);
        if (anchored == bytes32(0)) revert UnknownBatch(seq);
        if (anchored != dataHash) revert DataHashMismatch(seq, anchored, dataHash);
        bytes32 confirmed = receiptsRootOf[seq];
        if (confirmed != bytes32(0)) {
            if (confirmed != receiptsRoot || stateRootOf[seq] != stateRoot) {
                revert ConflictingAttestation(seq, confirmed, receiptsRoot);
            }
            return;
        }
        bytes32 digest = attestationDigest(seq, dataHash, stateRoot, receiptsRoot);
        address last = address(0);
        for (uint256 i = 0; i < signatures.length; i++) {
            address signer = recover(digest, signatures[i], i);
            if (signer <= last) revert SignersNotAscending(i);
            if (!isAttester[signer]) revert NotAttester(signer);
            last = signer;
        }
        if (signatures.length < threshold) revert BelowThreshold(signatures.length, threshold);
        receiptsRootOf[seq] = receiptsRoot;
        stateRootOf[seq] = stateRoot;
        emit BatchConfirmed(seq, dataHash, stateRoot, receiptsRoot);
    }

    function recover(bytes32 digest, bytes calldata sig, uint256 index) private pure returns (address) {
        if (sig.length != 65) revert BadSignature(index);
        bytes32 r = bytes32(sig[0:32]);
        bytes32 s = bytes32(sig[32:64]);
        uint8 v = uint8(sig[64]);
        if (uint256(s) > HALF_N || (v != 27 && v != 28)) revert BadSignature(index);
        address signer = ecrecover(digest, v, r, s);
        if (signer == address(0)) revert BadSignature(index);
        return signer;
    }

    // ------------------------------------------------------------------
    // Withdrawals
    // ------------------------------------------------------------------

    /// @notice A Withdraw transaction of the ledger, field for field.
    struct WithdrawTx {
        address account;
        bytes32 asset;
        uint256 amount;
        address to;
        uint64 nonce;
    }

    /// @notice The ledger's EIP-712 domain separator: name "anonex", version
    /// "1", this chain, the Anchor.
    function ledgerDomain() public view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, block.chainid, address(anchor)));
    }

    /// @notice The ledger id of a Withdraw transaction (its EIP-712 digest).
    function withdrawalId(WithdrawTx calldata w) public view returns (bytes32) {
        bytes32 s = keccak256(abi.encode(WITHDRAW_TYPEHASH, w.account, w.asset, w.amount, w.to, w.nonce));
        return keccak256(abi.encodePacked(hex"1901", ledgerDomain(), s));
    }

    /// @notice Pay a withdrawal whose successful receipt is in confirmed batch
    /// `seq`: `proof` is the RFC 6962 audit path of the receipt at `index`
    /// among the batch's `size` receipts. Anyone may call it; the Vault pays
    /// `w.to`, once.
    function withdraw(WithdrawTx calldata w, uint64 seq, uint256 index, uint256 size, bytes32[] calldata proof)
        external
        nonReentrant
    {
        bytes32 root = receiptsRootOf[seq];
        if (root == bytes32(0)) revert BatchNotConfirmed(seq);
        bytes32 id = withdrawalId(w);
        if (paid[id]) revert AlreadyPaid(id);
        // The receipt of a successful Withdraw: keccak256(id ‖ kind ‖ sender
        // ‖ status 1 ‖ reason 0), as ledger.Receipt.Hash computes it.
        bytes32 receipt = keccak256(abi.encodePacked(id, KIND_WITHDRAW, w.account, uint8(1), uint8(0)));
        bytes32 leaf = keccak256(abi.encodePacked(uint8(0), receipt));
        if (!verifyInclusion(leaf, index, size, proof, root)) revert BadProof();
        address token = tokenOf[w.asset];
        if (assetOf[token] != w.asset) revert UnknownAsset(w.asset);
        paid[id] = true;
        emit Withdrawal(id, w.asset, w.to, w.amount, seq);
        if (token == address(0)) {
            (bool ok,) = w.to.call{value: w.amount}("");
            if (!ok) revert PayoutFailed(w.to);
        } else {
            _call(token, abi.encodeWithSelector(0xa9059cbb, w.to, w.amount)); // transfer
        }
    }

    /// @notice RFC 6962 (RFC 9162 §2.1.3.2) inclusion proof check with
    /// keccak256 as the hash: leaf is keccak256(0x00 ‖ data), nodes are
    /// keccak256(0x01 ‖ left ‖ right).
    function verifyInclusion(bytes32 leaf, uint256 index, uint256 size, bytes32[] calldata proof, bytes32 root)
        public
        pure
        returns (bool)
    {
        if (index >= size) return false;
        uint256 fn = index;
        uint256 sn = size - 1;
        bytes32 r = leaf;
        for (uint256 i = 0; i < proof.length; i++) {
            if (sn == 0) return false;
            if (fn & 1 == 1 || fn == sn) {
                r = keccak256(abi.encodePacked(uint8(1), proof[i], r));
                if (fn & 1 == 0) {
                    while (fn & 1 == 0 && fn != 0) {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            } else {
                r = keccak256(abi.encodePacked(uint8(1), r, proof[i]));
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && r == root;
    }

    /// @dev Calls a token and accepts both ERC-20 styles: a `true` return
    /// value or none at all.
    function _call(address token, bytes memory data) private {
        (bool ok, bytes memory ret) = token.call(data);
        if (!ok || (ret.length != 0 && (ret.length != 32 || abi.decode(ret, (uint256)) != 1))) {
            revert TokenCallFailed(token);
        }
    }
}
