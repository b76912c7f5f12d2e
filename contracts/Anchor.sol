// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title Anchor: the ordered, permanent log of anonex settlement batches
/// @notice Anyone may post a batch. The contract gives each accepted batch the
/// next sequence number (0, 1, 2, ...), records the keccak256 hash of its bytes
/// and emits the bytes in a `Batch` event, so that every node can rebuild the
/// settled ledger from the chain alone with `eth_getLogs`. The order of the
/// events on the chain is the order in which batches settle.
/// @dev The batch bytes are opaque here (a compressed list of signed ledger
/// transactions, see docs/protocol.md). Nothing is validated beyond the length:
/// a batch of junk costs its poster gas and changes nothing in the ledger.
contract Anchor {
    /// @notice Largest accepted batch, in bytes. Geth's transaction pool
    /// refuses transactions over 128 KiB; this leaves room for the ABI
    /// encoding and the rest of the transaction.
    uint256 public constant MAX_BATCH_BYTES = 126000;

    /// @notice Sequence number the next accepted batch receives.
    uint64 public nextSeq;

    /// @notice keccak256 of the data of each accepted batch, by sequence
    /// number; zero for a sequence number not assigned yet. The Vault checks
    /// withdrawal attestations against it.
    mapping(uint64 => bytes32) public batchHash;

    /// @notice A batch was accepted.
    /// @param seq the sequence number assigned to the batch
    /// @param dataHash keccak256 of `data`, as stored in `batchHash[seq]`
    /// @param submitter the account that posted the batch (`msg.sender`)
    /// @param data the batch bytes, exactly as submitted
    event Batch(uint64 indexed seq, bytes32 dataHash, address indexed submitter, bytes data);

    /// @notice The batch has no bytes.
    error EmptyBatch();

    /// @notice The batch is longer than `MAX_BATCH_BYTES`.
    /// @param length the length of the rejected batch
    /// @param max the largest accepted length
    error BatchTooLarge(uint256 length, uint256 max);

    /// @notice Post a settlement batch.
    /// @param data the batch bytes: 1 to `MAX_BATCH_BYTES` bytes
    /// @return seq the sequence number assigned to the batch
    function submit(bytes calldata data) external returns (uint64 seq) {
        uint256 length = data.length;
        if (length == 0) revert EmptyBatch();
        if (length > MAX_BATCH_BYTES) revert BatchTooLarge(length, MAX_BATCH_BYTES);

        bytes32 dataHash = keccak256(data);
        seq = nextSeq;
        nextSeq = seq + 1;
        batchHash[seq] = dataHash;
        emit Batch(seq, dataHash, msg.sender, data);
    }
}
