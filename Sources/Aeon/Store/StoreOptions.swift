/// How to open (or create) a store.
public struct StoreOptions: Sendable {
    /// The vector dimension. Required to create a store; when opening an existing one it must
    /// match (or be `nil` to accept the stored value).
    public var dimension: Int?
    /// The similarity metric. Defaults to ``Metric/cosine`` on creation; when opening an
    /// existing store it must match (or be `nil`).
    public var metric: Metric?
    /// Open without the writer lock; every mutating call fails.
    public var readOnly: Bool
    /// Create the store when the directory does not exist or is empty.
    public var createIfMissing: Bool
    /// How builds cluster the data.
    public var build: BuildParameters
    /// The search knobs used when a call does not pass its own.
    public var search: SearchParameters
    /// Force a kernel level; `nil` honours `AEON_SIMD`, else the best level.
    public var simdLevel: SIMDLevel?
    /// The file layer: the real one, unless a test injects faults (the seam is not public).
    package var io: any FileIO = SystemFileIO()
    /// How safe a write is when `upsert`/`delete` return, unless the call says otherwise.
    public var durability: Durability
    /// How the WAL treats damage found on open (``WALRecoveryMode/salvage`` to skip it).
    public var recovery: WALRecoveryMode
    /// A write that leaves this many writes logged since the last checkpoint checkpoints the
    /// store (0: never automatically). Pending writes are in the index already (searches do not
    /// slow down); they cost memory (every write, superseded ones too, holds a row until a
    /// checkpoint) and log space, and replaying them on open costs about as long as writing them
    /// did. A checkpoint writes the whole index out (about a second
    /// for 10⁵ 384-d records, docs/BENCHMARKS.md), so the default spreads that over many writes.
    /// A failed automatic checkpoint does not fail the write that triggered it (the write is
    /// already durable); the next write tries again, and an explicit `checkpoint()` reports the
    /// error.
    public var checkpointThreshold: Int
    /// Writes to the log of at least this many bytes at once bypass the page cache where the
    /// file system allows it (`O_DIRECT` on Linux; 262,144 bytes is a batch of about 160 384-d
    /// vectors). The log is read back only after a crash, so caching it spends memory a small
    /// device may want for the index; but a direct write waits for the device, and on the
    /// machine of docs/BENCHMARKS.md it was no faster. `nil` (the default): every write goes
    /// through the page cache.
    public var logDirectWriteBytes: Int? = nil
    /// Benchmarks only: apply writes without logging them (a crash loses everything since the
    /// last checkpoint). Measures what the log costs; never for data anyone wants back.
    package var writeAheadLogDisabled = false

    /// Options; every field has a default except `dimension`, which creation needs.
    public init(
        dimension: Int? = nil, metric: Metric? = nil, readOnly: Bool = false, createIfMissing: Bool = true,
        build: BuildParameters = .default, search: SearchParameters = .default, simdLevel: SIMDLevel? = nil,
        durability: Durability = .synchronous, recovery: WALRecoveryMode = .strict, checkpointThreshold: Int = 16_384
    ) {
        self.dimension = dimension
        self.metric = metric
        self.readOnly = readOnly
        self.createIfMissing = createIfMissing
        self.build = build
        self.search = search
        self.simdLevel = simdLevel
        self.durability = durability
        self.recovery = recovery
        self.checkpointThreshold = checkpointThreshold
    }

    /// Options over another file layer (the tests' fault injection and power-loss harness).
    package init(
        dimension: Int? = nil, metric: Metric? = nil, readOnly: Bool = false, createIfMissing: Bool = true,
        build: BuildParameters = .default, search: SearchParameters = .default, simdLevel: SIMDLevel? = nil,
        io: any FileIO, durability: Durability = .synchronous, recovery: WALRecoveryMode = .strict, checkpointThreshold: Int = 16_384
    ) {
        self.init(
            dimension: dimension, metric: metric, readOnly: readOnly, createIfMissing: createIfMissing, build: build, search: search,
            simdLevel: simdLevel, durability: durability, recovery: recovery, checkpointThreshold: checkpointThreshold)
        self.io = io
    }
}
