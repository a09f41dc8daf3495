import Dispatch
import Synchronization

/// An Aeon store: a directory holding the manifest, the lock, the write-ahead log and the
/// index generations.
///
/// One process at a time opens a store for writing (an exclusive `flock` on `LOCK`); others
/// get ``AeonError/Code/locked``. Every mutation is appended to the write-ahead log before it is
/// applied, and is visible to searches as soon as the call returns; with
/// ``Durability/synchronous`` (the default) it has also reached stable storage. Any number of
/// threads may search and write concurrently: concurrent writers share one log write and one
/// sync (group commit), and a search uses the index snapshot current when it started.
///
/// ```swift
/// let store = try AeonStore.open(at: "memories", options: StoreOptions(dimension: 384))
/// try store.upsert(Record(id: 1, vector: embedding, text: "the cat sat on the mat"))
/// let hits = try store.search(queryVector, k: 10)
/// try store.checkpoint()
/// ```
public final class AeonStore: Sendable {
    // Locks, in the order they are taken; none is taken while holding one later in the list:
    //
    //   maintenance  builds, checkpoints and garbage collection, one at a time
    //   gate         shared by writers; exclusive while a checkpoint snapshots or installs
    //   index        the online index, one writer (or split) applying at a time
    //   state        the published manifest, generation, delta and view (copied out, never held
    //                across I/O; the only lock a reader takes)
    //
    // Leaves, taken last and held for a copy: failure, contexts, blobAccountingIsExact,
    // unloggedLSN. The log's and the blob arena's own locks are taken under gate or maintenance,
    // never around any of these. Every piece of shared state lives inside its lock
    // (`Locked<Value>`) or is immutable after init.

    /// The store's directory.
    public let path: String
    /// The vector dimension.
    public let dimension: Int
    /// The similarity metric.
    public let metric: Metric
    /// Whether the store was opened read-only.
    public let isReadOnly: Bool
    /// The kernels every operation of this store uses.
    package let kernels: Kernels
    /// The SIMD level of the kernels every operation of this store uses.
    public var simdLevel: SIMDLevel { kernels.level }

    let io: any FileIO
    let defaultSearch: SearchParameters
    let buildParameters: BuildParameters
    let defaultDurability: Durability
    let checkpointThreshold: Int
    /// The write-ahead log (nil when read-only, or disabled for a benchmark).
    let wal: WriteAheadLog?
    /// LSNs for writes when the log is disabled (benchmarks only).
    let unloggedLSN: Locked<UInt64>?
    /// What replaying the log found on open.
    public let recovery: WALRecoveryReport
    /// The store's identity, chosen at creation and carried by every log and blob segment
    /// (`nil` for a store created before format version 2 of the manifest).
    public let identity: StoreIdentity?
    /// The payloads of checkpointed records (`blobs/`).
    let blobs: BlobArena
    let state: Locked<State>
    /// Whether the blob arena's live-byte accounting is exact: not after opening (every stored
    /// blob counts as live) until a checkpoint has told it which blobs live.
    let blobAccountingIsExact = Locked(false)
    /// Serialises builds, checkpoints and garbage collection; never held by readers or plain writers.
    let maintenance = Locked(())
    /// Writers pass it shared; a checkpoint holds it exclusively while it snapshots or swaps.
    let gate = WriteGate()
    /// Where postings past their limit are split, off the writers' path (one at a time).
    let splitter = DispatchQueue(label: "aeon.splits")
    /// Set when the online index could not be maintained (see ``fail(_:while:)``).
    let failure = Locked<AeonError?>(nil)
    let splitsScheduled = Atomic<Bool>(false)
    /// Whether the splitting queue is at work (the power-loss test reports cuts that land then).
    let splitsRunning = Atomic<Bool>(false)
    /// Search buffers not in use, so a query does not allocate its scratch space.
    let contexts = Locked<[SearchContext]>([])

    /// The index as writers change it (nil until the first write after a checkpoint); held
    /// by one writer at a time while it applies its records, never by readers.
    let index: Locked<LiveIndex?>

    struct State: ~Copyable {
        var manifest: Manifest
        var atlas: Atlas?
        var delta: Delta
        /// What searches read of the index being written to (nil: the generation alone).
        var live: LiveView?
        var lock: StoreLock?
        var closed = false
    }


    init(
        path: String, io: any FileIO, kernels: Kernels, options: StoreOptions, manifest: Manifest, atlas: Atlas?, delta: Delta,
        live: LiveIndex?, lock: StoreLock?, wal: WriteAheadLog?, recovery: WALRecoveryReport, blobs: BlobArena
    ) {
        self.path = path
        self.io = io
        self.kernels = kernels
        self.dimension = manifest.dimension
        self.metric = manifest.metric
        self.isReadOnly = options.readOnly
        self.defaultSearch = options.search
        self.buildParameters = options.build
        self.defaultDurability = options.durability
        self.checkpointThreshold = options.checkpointThreshold
        self.wal = wal
        self.unloggedLSN = wal == nil && !options.readOnly ? Locked(max(manifest.checkpointLSN, delta.lastLSN)) : nil
        self.recovery = recovery
        self.identity = manifest.identity
        self.blobs = blobs
        self.index = Locked(live)
        self.state = Locked(State(manifest: manifest, atlas: atlas, delta: delta, live: live?.view, lock: lock))
    }

    // MARK: state

    struct Snapshot {
        var manifest: Manifest
        var atlas: Atlas?
        var delta: Delta
        var live: LiveView?

        /// Records stored, pending writes included.
        var count: Int { Int(manifest.recordCount) - delta.hiddenBaseCount + delta.liveCount }
    }

    func snapshot() throws(AeonError) -> Snapshot {
        let result = state.withLock { state -> Result<Snapshot, AeonError> in
            state.closed
                ? .failure(AeonError(.closed, "the store is closed", path: path))
                : .success(Snapshot(manifest: state.manifest, atlas: state.atlas, delta: state.delta, live: state.live))
        }
        return try result.get()
    }

    /// What reads and writes need of the current state: the index (generation and online
    /// view), the record count, and the pending write of one id. Unlike ``snapshot()`` it does
    /// not hold on to the delta, which would make the next write copy it whole.
    struct Reading {
        var atlas: Atlas?
        var live: LiveView?
        var count: Int
        /// The pending write of the id asked about (its record, or nil for a delete).
        var pending: Delta.Entry?
    }

    func reading(pendingFor id: UInt64? = nil) throws(AeonError) -> Reading {
        let result = state.withLock { state -> Result<Reading, AeonError> in
            guard !state.closed else { return .failure(AeonError(.closed, "the store is closed", path: path)) }
            return .success(Reading(
                atlas: state.atlas, live: state.live,
                count: Int(state.manifest.recordCount) - state.delta.hiddenBaseCount + state.delta.liveCount,
                pending: id.flatMap { state.delta.entries[$0] }))
        }
        return try result.get()
    }

    /// The number of records.
    public var count: Int {
        state.withLock { Snapshot(manifest: $0.manifest, atlas: nil, delta: $0.delta).count }
    }

    /// Syncs the log, releases the writer lock and the index; later calls throw. Closing twice
    /// is harmless.
    public func close() throws(AeonError) {
        // No split applies to the index after this (one may be running: let it finish).
        index.withLock { $0 = nil }
        splitter.sync {}
        let lock = state.withLock { state -> StoreLock? in
            state.closed = true
            state.atlas = nil
            state.live = nil
            let lock = state.lock
            state.lock = nil
            return lock
        }
        defer { try? lock?.release() }
        try wal?.close()
        try blobs.close()
        try lock?.release()
    }
}
