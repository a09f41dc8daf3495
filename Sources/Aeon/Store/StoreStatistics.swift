/// Facts about a store.
public struct StoreStatistics: Sendable, Hashable {
    /// The index generation (0: never built).
    public var generation: UInt64
    /// Records stored, pending writes included.
    public var records: Int
    /// Postings (clusters), online splits and merges included.
    public var postings: Int
    /// Entries over all postings: indexed records plus their boundary replicas.
    public var postingEntries: Int
    /// Bytes of the index files on disk (every layer's).
    public var indexBytes: Int
    /// Records in the index generation (checkpointed).
    public var indexedRecords: Int
    /// Ids written since the checkpoint (in the log and in memory).
    public var pendingWrites: Int
    /// Indexed records deleted since the checkpoint (the index still holds them until the next
    /// checkpoint or compaction drops them).
    public var pendingDeletes: Int
    /// The last log record the index includes.
    public var checkpointLSN: UInt64
    /// The last log record written.
    public var lastLSN: UInt64
    /// Postings split by writes since the checkpoint.
    public var splits: Int = 0
    /// Postings merged away by deletes since the checkpoint.
    public var merges: Int = 0
    /// Layers of the index generation: 1 for a full generation, one more for each checkpoint
    /// that wrote only what changed since (0: never built).
    public var layers: Int = 0
    /// Bytes of the top layer's two files: what the last checkpoint wrote to the index.
    public var layerBytes: Int = 0
    /// Average number of postings an indexed record is stored in.
    public var replicationFactor: Double { records == 0 ? 0 : Double(postingEntries) / Double(records) }
}
