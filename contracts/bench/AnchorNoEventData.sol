// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title AnchorNoEventData: a measuring variant of Anchor, never deployed
/// @notice Identical to Anchor except that the `Batch` event leaves the batch
/// bytes out (followers would have to read them from the transaction input).
/// It exists only so that the gas table in README.md can be reproduced
/// (devnet test TestAnchorGasTable).
contract AnchorNoEventData {
    /// @notice Same limit as Anchor.
    uint256 public constant MAX_BATCH_BYTES = 126000;

    /// @notice Sequence number the next accepted batch receives.
    uint64 public nextSeq;

    /// @notice keccak256 of the data of each accepted batch.
    mapping(uint64 => bytes32) public batchHash;

    /// @notice A batch was accepted (without its bytes).
    event Batch(uint64 indexed seq, bytes32 dataHash, address indexed submitter);

    /// @notice The batch has no bytes.
    error EmptyBatch();

    /// @notice The batch is longer than `MAX_BATCH_BYTES`.
    error BatchTooLarge(uint256 length, uint256 max);

    /// @notice Post a settlement batch.
    /// @param data the batch bytes
    /// @return seq the sequence number assigned to the batch
    function submit(bytes calldata data) external returns (uint64 seq) {
        uint256 length = data.length;
        if (length == 0) revert EmptyBatch();
        if (length > MAX_BATCH_BYTES) revert BatchTooLarge(length, MAX_BATCH_BYTES);

        bytes32 dataHash = keccak256(data);
        seq = nextSeq;
        nextSeq = seq + 1;
        batchHash[seq] = dataHash;
        emit Batch(seq, dataHash, msg.sender);
    }
}
