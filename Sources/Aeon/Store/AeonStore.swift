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
    private let unloggedLSN: Locked<UInt64>?
    /// What replaying the log found on open.
    public let recovery: WALRecoveryReport
    /// The store's identity, chosen at creation and carried by every log and blob segment
    /// (`nil` for a store created before format version 2 of the manifest).
    public let identity: StoreIdentity?
    /// The payloads of checkpointed records (`blobs/`).
    let blobs: BlobArena
    private let state: Locked<State>
    /// Whether the blob arena's live-byte accounting is exact: not after opening (every stored
    /// blob counts as live) until a checkpoint has told it which blobs live.
    private let blobAccountingIsExact = Locked(false)
    /// Serialises builds, checkpoints and garbage collection; never held by readers or plain writers.
    let maintenance = Locked(())
    /// Writers pass it shared; a checkpoint holds it exclusively while it snapshots or swaps.
    private let gate = WriteGate()
    /// Where postings past their limit are split, off the writers' path (one at a time).
    private let splitter = DispatchQueue(label: "aeon.splits")
    /// Set when the online index could not be maintained (see ``fail(_:while:)``).
    private let failure = Locked<AeonError?>(nil)
    private let splitsScheduled = Atomic<Bool>(false)
    /// Whether the splitting queue is at work (the power-loss test reports cuts that land then).
    private let splitsRunning = Atomic<Bool>(false)
    /// Search buffers not in use, so a query does not allocate its scratch space.
    private let contexts = Locked<[SearchContext]>([])

    /// The index as writers change it (nil until the first write after a checkpoint); held
    /// by one writer at a time while it applies its records, never by readers.
    private let index: Locked<LiveIndex?>

    private struct State: ~Copyable {
        var manifest: Manifest
        var atlas: Atlas?
        var delta: Delta
        /// What searches read of the index being written to (nil: the generation alone).
        var live: LiveView?
        var lock: StoreLock?
        var closed = false
    }

    static let lockFileName = "LOCK"
    static let walDirectoryName = "wal"
    static let blobDirectoryName = "blobs"

    private init(
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

    /// Opens the store at `path`, creating it (when allowed) if the directory is missing or
    /// empty, and replays the write-ahead log after the last checkpoint.
    ///
    /// Opening maps the current index files and checks their headers; it does not read the
    /// index, so it is fast for any size. Replaying costs time in proportion to the writes since
    /// the last checkpoint.
    ///
    /// - Throws: ``AeonError/Code/locked`` when another process has it open for writing;
    ///   ``AeonError/Code/dimensionMismatch`` or ``AeonError/Code/invalidArgument`` when
    ///   `options` disagree with the stored dimension or metric, or hold out-of-range build
    ///   parameters (writes maintain the index with them); ``AeonError/Code/notFound`` for
    ///   a missing store that may not be created, or a directory that holds something else;
    ///   ``AeonError/Code/corrupt`` for damaged files (strict recovery).
    public static func open(at path: String, options: StoreOptions = StoreOptions()) throws(AeonError) -> AeonStore {
        guard !path.isEmpty else { throw AeonError(.invalidArgument, "the store's path is empty") }
        let io = options.io
        let buildParameters = try options.build.validated()
        if let bytes = options.logDirectWriteBytes, bytes < 1 {
            throw AeonError(.invalidArgument, "logDirectWriteBytes is \(bytes); it must be at least 1 (or nil)", path: path)
        }
        let kernels: Kernels
        if let level = options.simdLevel {
            kernels = try Kernels(level: level)
        } else {
            kernels = try Kernels.fromEnvironment()
        }
        let found = io.exists(path)
        if found.exists && !found.isDirectory {
            throw AeonError(.invalidArgument, "not an Aeon store: a file, not a directory", path: path)
        }
        var manifest = found.exists ? try Manifest.read(io: io, directory: path) : nil
        if manifest == nil {
            let ignorable: Set<String> = [lockFileName, Manifest.fileName + ".tmp", walDirectoryName, blobDirectoryName]
            let entries = found.exists ? try io.list(path).filter { !ignorable.contains($0) } : []
            guard entries.isEmpty else {
                throw AeonError(.invalidArgument, "not an Aeon store: the directory has no MANIFEST but holds other files", path: path)
            }
            guard options.createIfMissing, !options.readOnly else {
                throw AeonError(.notFound, "no Aeon store here", path: path)
            }
            guard let dimension = options.dimension else {
                throw AeonError(.invalidArgument, "creating a store needs a dimension", path: path)
            }
            guard dimension >= 1, dimension <= Kernels.maximumDimension else {
                throw AeonError(.invalidArgument, "dimension \(dimension) is outside 1...\(Kernels.maximumDimension)", path: path)
            }
            try io.makeDirectory(path)
        }

        let lock: StoreLock? = options.readOnly ? nil : try StoreLock(io: io, directory: path)

        if manifest == nil {
            // Created under the lock; a racing creator would have lost the lock above.
            if let existing = try Manifest.read(io: io, directory: path) {
                manifest = existing
            } else {
                let fresh = Manifest(
                    dimension: options.dimension ?? 0, metric: options.metric ?? .cosine, generation: 0, recordCount: 0,
                    identity: .random())
                // The log (and its first segment) exists before the manifest does: a store with
                // an identity without a log has lost it. Leftovers of an interrupted creation go.
                try WriteAheadLog.create(io: io, directory: path + "/" + walDirectoryName, identity: fresh.identity!)
                let blobDirectory = path + "/" + blobDirectoryName
                if io.exists(blobDirectory).isDirectory {
                    for name in try io.list(blobDirectory) { try io.remove(blobDirectory + "/" + name) }
                }
                try fresh.write(io: io, directory: path)
                try io.syncDirectory(FilePaths.parent(of: path))
                manifest = fresh
            }
        }
        guard let manifest else { throw AeonError(.notFound, "no Aeon store here", path: path) }
        if let dimension = options.dimension, dimension != manifest.dimension {
            throw AeonError(.dimensionMismatch, "the store has dimension \(manifest.dimension), not \(dimension)", path: path)
        }
        if let metric = options.metric, metric != manifest.metric {
            throw AeonError(.invalidArgument, "the store's metric is \(manifest.metric), not \(metric)", path: path)
        }
        let blobs = try BlobArena.open(
            io: io, directory: path + "/" + blobDirectoryName, options: BlobArena.Options(readOnly: options.readOnly, identity: manifest.identity))
        let atlas = manifest.generation == 0 ? nil : try Atlas(io: io, directory: path, manifest: manifest, blobs: blobs)
        if lock != nil { try removeStaleFiles(io: io, directory: path, keeping: atlas?.layerGenerations ?? []) }

        // Replay the log after the checkpoint into the in-memory delta.
        var delta = Delta()
        let walPath = path + "/" + walDirectoryName
        let dimension = manifest.dimension
        // A record whose checksum holds but whose contents do not (written by someone else) is
        // damage like any other: strict recovery stops, salvage skips it and says so.
        var undecodable: [String] = []
        let apply = { (lsn: UInt64, bytes: [UInt8]) throws(AeonError) in
            let record: LogRecord
            do throws(AeonError) {
                record = try LogRecord.decode(bytes, lsn: lsn, dimension: dimension, metric: manifest.metric, path: walPath)
            } catch {
                guard options.recovery == .salvage else { throw error }
                undecodable.append("wal: LSN \(lsn): \(error.message); record skipped")
                return
            }
            delta.apply(record, lsn: lsn, inBase: try atlas?.row(id: record.id) != nil)
        }
        let wal: WriteAheadLog?
        var report: WALRecoveryReport
        if options.readOnly || options.writeAheadLogDisabled {
            wal = nil
            report = try WriteAheadLog.replay(
                io: io, directory: walPath, checkpoint: manifest.checkpointLSN, mode: options.recovery,
                identity: options.writeAheadLogDisabled ? nil : manifest.identity, apply)
        } else {
            let log = try WriteAheadLog(
                io: io, directory: walPath,
                options: WriteAheadLog.Options(recovery: options.recovery, directWriteBytes: options.logDirectWriteBytes, identity: manifest.identity),
                checkpoint: manifest.checkpointLSN, replay: apply)
            wal = log
            report = log.recovery
        }
        report.skipped += undecodable
        let live = try LiveIndex.replaying(
            delta, over: atlas, dimension: dimension, metric: manifest.metric, kernels: kernels, parameters: buildParameters)
        return AeonStore(
            path: path, io: io, kernels: kernels, options: options, manifest: manifest, atlas: atlas, delta: delta, live: live,
            lock: lock, wal: wal, recovery: report, blobs: blobs)
    }

    /// Index files of generations the current one does not stack on: leftovers of an
    /// interrupted build or of superseded ones.
    private static func removeStaleFiles(io: any FileIO, directory: String, keeping generations: [UInt64]) throws(AeonError) {
        let current = Set(generations.flatMap { [Atlas.postingsName($0), Atlas.recordsName($0)] })
        for name in try io.list(directory) where name.hasPrefix("atlas-") && !current.contains(name) {
            try io.remove(directory + "/" + name)
        }
        try io.remove(directory + "/" + Manifest.fileName + ".tmp")
    }

    // MARK: state

    private struct Snapshot {
        var manifest: Manifest
        var atlas: Atlas?
        var delta: Delta
        var live: LiveView?

        /// Records stored, pending writes included.
        var count: Int { Int(manifest.recordCount) - delta.hiddenBaseCount + delta.liveCount }
    }

    private func snapshot() throws(AeonError) -> Snapshot {
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
    private struct Reading {
        var atlas: Atlas?
        var live: LiveView?
        var count: Int
        /// The pending write of the id asked about (its record, or nil for a delete).
        var pending: Delta.Entry?
    }

    private func reading(pendingFor id: UInt64? = nil) throws(AeonError) -> Reading {
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

    // MARK: writing

    private func writable() throws(AeonError) -> WriteAheadLog? {
        guard !isReadOnly else { throw AeonError(.readOnly, "the store is open read-only", path: path) }
        if let failure = failure.withLock({ $0 }) { throw failure }
        return wal
    }

    /// Refuses every later write and checkpoint: the online index could not be brought back in
    /// line with what the log holds, so a checkpoint of it could leave logged writes out, and
    /// searches would miss them. Reads go on over the last consistent view; reopening replays
    /// the log.
    private func fail(_ error: AeonError, while what: String) {
        failure.withLock { failure in
            guard failure == nil else { return }
            failure = AeonError(
                .failed, "the index could not be maintained (\(what): \(error.code): \(error.message)); every acknowledged write is "
                    + "in the log: reopen the store", path: path)
        }
    }

    /// Inserts a record, or replaces the one with its id, with the store's durability.
    public func upsert(_ record: Record) throws(AeonError) {
        try upsert([record], durability: defaultDurability)
    }

    /// Inserts a record, or replaces the one with its id.
    public func upsert(_ record: Record, durability: Durability) throws(AeonError) {
        try upsert([record], durability: durability)
    }

    /// Inserts or replaces records with the store's durability.
    public func upsert(_ records: [Record]) throws(AeonError) {
        try upsert(records, durability: defaultDurability)
    }

    /// Inserts or replaces records, as one group commit: either call fails before any is
    /// applied, or all are logged (with consecutive LSNs) and then applied.
    ///
    /// - Throws: ``AeonError/Code/dimensionMismatch`` / ``AeonError/Code/invalidVector`` for a bad
    ///   vector (naming the record; nothing is written); I/O errors from the log (nothing applied).
    public func upsert(_ records: [Record], durability: Durability) throws(AeonError) {
        let wal = try writable()
        guard !records.isEmpty else { return }
        var log: [LogRecord] = []
        log.reserveCapacity(records.count)
        for record in records { log.append(.upsert(id: record.id, vector: try prepare(record), payload: record.payload)) }
        try write(log, wal: wal, durability: durability)
    }

    /// The record's vector as it is stored (checked; unit length for cosine), after checking
    /// its payload fits a record.
    private func prepare(_ record: Record) throws(AeonError) -> [Float] {
        if let payload = record.payload, payload.count > Int(UInt32.max) {
            throw AeonError(.invalidArgument, "record \(record.id): payload of \(payload.count) bytes exceeds 4 GiB")
        }
        return try VectorValidation.prepare(record.vector, dimension: dimension, metric: metric, what: "record \(record.id)")
    }

    /// Makes every write acknowledged so far durable (those made with ``Durability/none`` or
    /// ``Durability/batched(milliseconds:)`` included): returns once the log holding them is
    /// synced.
    ///
    /// - Throws: the log's I/O error, after which the store takes no more writes (reopen it).
    public func sync() throws(AeonError) {
        guard let wal = try writable() else { return }
        _ = try reading()
        try wal.sync()
    }

    /// Deletes the record with `id`, with the store's durability (a no-op, still logged, when
    /// there is none).
    public func delete(id: UInt64) throws(AeonError) {
        try delete(id: id, durability: defaultDurability)
    }

    /// Deletes the record with `id` (a no-op, still logged, when there is none).
    public func delete(id: UInt64, durability: Durability) throws(AeonError) {
        try write([.delete(id: id)], wal: try writable(), durability: durability)
    }

    private func write(_ records: [LogRecord], wal: WriteAheadLog?, durability: Durability) throws(AeonError) {
        gate.enterShared()
        var pending = 0
        do {
            defer { gate.leaveShared() }
            // The generation cannot change while the gate is held shared; the view may, and a
            // route planned on an older one is redone.
            let snap = try reading()
            // Refused before anything is logged: the online index holds so many rows between
            // checkpoints (only reachable with automatic checkpoints off).
            if let rows = snap.live?.rows, rows.appendedCount + records.count > LiveRows.capacity {
                throw AeonError(.noSpace, "\(LiveRows.capacity) writes since the last checkpoint fill the online index: checkpoint", path: path)
            }
            let view = snap.live
            let lsns: ClosedRange<UInt64>
            let plans: [InsertPlan?]
            // The log is written (and synced, if asked) while the vectors are routed: the index
            // is touched only once the records are logged. A large batch is logged on another
            // thread and routed here, where validating the vectors left them in the cache, so
            // the log's encoding and I/O leave the critical path. A small synchronous write is
            // logged here at once, its sync the critical path, and routed on another thread.
            if let wal, records.count >= Self.overlapBatch {
                let logging = Handoff { Result { () throws(AeonError) in try wal.append(records: records, durability: durability) } }
                logging.start()
                plans = planInserts(records, on: view)
                lsns = try logging.take().get()
            } else if let wal {
                let planning = durability == .synchronous ? Handoff { self.planInserts(records, on: view) } : nil
                planning?.start()
                lsns = try wal.append(records: records, durability: durability)
                plans = planning?.take() ?? planInserts(records, on: view)
            } else {
                lsns = unloggedLSN!.withLock { last in
                    defer { last += UInt64(records.count) }
                    return (last + 1)...(last + UInt64(records.count))
                }
                plans = planInserts(records, on: view)
            }
            let atlas = snap.atlas
            var inBase: [Bool] = []
            for record in records { inBase.append(try atlas?.row(id: record.id) != nil) }
            let splitsWanted: Bool
            (pending, splitsWanted) = try index.withLock { (live) throws(AeonError) -> (Int, Bool) in
                // One writer at a time from here: the index applies each id's writes in LSN
                // order, skipping any a later write has superseded in the delta already.
                // Writes since the checkpoint, superseded ones included: each holds memory (a row
                // of the online index) and log space until a checkpoint.
                let (accepted, count) = state.withLock { state in
                    let accepted = records.enumerated().map { i, record in
                        state.delta.apply(record, lsn: lsns.lowerBound + UInt64(i), inBase: inBase[i])
                    }
                    return (accepted, Int(clamping: lsns.upperBound - min(lsns.upperBound, state.manifest.checkpointLSN)))
                }
                do throws(AeonError) {
                    if live == nil {
                        live = try LiveIndex(atlas: atlas, dimension: dimension, metric: metric, kernels: kernels, parameters: buildParameters)
                    }
                    live!.deferSplits = true
                    for (i, record) in records.enumerated() where accepted[i] { try live!.apply(record, plan: plans[i]) }
                } catch {
                    // The records are logged and in the delta; an index that failed halfway (a
                    // damaged page) is rebuilt from the delta, so the two agree, if it can be.
                    rebuild(&live, over: atlas, after: error, while: "applying a write")
                    throw error
                }
                let view = live!.view
                state.withLock { $0.live = view }
                // Only now that the view holding their replacements is published.
                live!.retireReplacedRows()
                return (count, live!.hasSplitRequests)
            }
            if splitsWanted { scheduleSplits() }
        }
        // The write is durable and applied whatever happens next: an automatic checkpoint that
        // fails (the disk full, say) must not report it as failed. The next write retries; an
        // explicit checkpoint() surfaces the error.
        if checkpointThreshold > 0 && pending >= checkpointThreshold { try? checkpoint() }
    }

    /// After applying writes or a split to `live` failed halfway: rebuilds it from the delta
    /// (the log's contents since the checkpoint) and publishes it; when that fails too, keeps
    /// the last published view for readers and fails the store (``fail(_:while:)``).
    private func rebuild(_ live: inout LiveIndex?, over atlas: Atlas?, after error: AeonError, while what: String) {
        let delta = state.withLock { $0.delta }
        do {
            live = try LiveIndex.replaying(delta, over: atlas, dimension: dimension, metric: metric, kernels: kernels, parameters: buildParameters)
            let view = live?.view
            state.withLock { state in if !state.closed { state.live = view } }
        } catch let again {
            live = nil
            fail(again, while: what + " (after \(error.message))")
        }
    }

    /// Runs the splits writers asked for on the splitting queue, unless a run is already due.
    private func scheduleSplits() {
        guard !splitsScheduled.exchange(true, ordering: .acquiringAndReleasing) else { return }
        splitter.async { [weak self] in self?.runSplits() }
    }

    /// Plans each requested split on the published view without the index lock (2-means, the
    /// neighbours' screening: the costly part), then takes the lock only to apply it. A split
    /// whose posting changed meanwhile is dropped; the next write to it asks again.
    private func runSplits() {
        splitsScheduled.store(false, ordering: .releasing)
        splitsRunning.store(true, ordering: .relaxed)
        defer { splitsRunning.store(false, ordering: .relaxed) }
        let (index, requests) = self.index.withLock { live in (live, live?.takeSplitRequests() ?? []) }
        guard let index else { return }
        let context = borrowContext()
        defer { returnContext(context) }
        for request in requests {
            guard let view = self.index.withLock({ $0 === index ? index.view : nil }) else { return }
            let seed = buildParameters.seed &+ view.version &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(request.slot)
            guard
                let plan = try? view.planSplit(
                    slot: request.slot, centroid: request.centroid, splitLimit: index.splitLimit, iterations: buildParameters.iterations,
                    seed: seed, kernels: kernels, router: context.insertRouter(kernels: kernels), codes: context.queryCodes)
            else { continue }
            self.index.withLock { live in
                guard live === index else { return }
                do throws(AeonError) {
                    _ = try index.applySplit(plan)
                    let view = live?.view
                    state.withLock { state in if !state.closed { state.live = view } }
                } catch {
                    // As a failed write: an index that failed halfway is rebuilt from the delta.
                    rebuild(&live, over: index.atlas, after: error, while: "splitting a posting")
                }
            }
        }
        // Splits that applying these asked for (a moved entry filling a posting).
        if self.index.withLock({ $0 === index && index.hasSplitRequests }) { scheduleSplits() }
    }

    /// Whether a background split is being planned or applied right now.
    package var isSplitting: Bool { splitsRunning.load(ordering: .relaxed) }

    /// Batches at least this large are logged on another thread while this one routes them,
    /// whatever the durability: encoding, checksumming and writing a thousand 384-d records takes
    /// about a millisecond, which otherwise adds to their routing. Smaller ones are not worth a
    /// hop between threads unless they wait for a sync (then routed on the other thread).
    static let overlapBatch = 64

    /// The routes of the upserts among `records`, worked out on `view` outside the writer's
    /// lock (writers in parallel; a route the index has changed shape since is redone).
    private func planInserts(_ records: [LogRecord], on view: LiveView?) -> [InsertPlan?] {
        guard let view else { return [InsertPlan?](repeating: nil, count: records.count) }
        let context = borrowContext()
        defer { returnContext(context) }
        let router = context.insertRouter(kernels: kernels)
        return records.map { record in
            guard case .upsert(_, let vector, _) = record else { return nil }
            return vector.withUnsafeBufferPointer {
                view.plan($0.baseAddress!, parameters: buildParameters, router: router, codes: context.queryCodes, kernels: kernels)
            }
        }
    }

    /// Folds the pending writes into a new index generation and lets the log segments it
    /// covers go: writes a new generation (the checkpointed index minus deleted or replaced
    /// records, plus the pending ones), syncs it, switches the manifest atomically, then removes
    /// old log segments. Writers are held back only while it takes its snapshot and while it
    /// installs the result; searches never wait.
    public func checkpoint() throws(AeonError) {
        try checkpoint(recluster: false)
    }

    /// A checkpoint; with `full`, one that rewrites the whole index as a single generation
    /// (folding the layers that checkpoints writing only what changed have stacked) even when
    /// nothing is pending. ``checkpoint()`` folds by itself when the stack grows past
    /// ``maximumLayers`` layers, a quarter of the rows are deleted, or the deltas outgrow the
    /// full generation.
    public func checkpoint(full: Bool) throws(AeonError) {
        guard full else { return try checkpoint() }
        let result = maintenance.withLock { _ in
            Result { () throws(AeonError) in try checkpointHoldingMaintenance(recluster: false, force: true) }
        }
        try result.get()
    }

    /// ``checkpoint()``; with `recluster`, a fresh build (k-means) of every live record even
    /// when nothing is pending (``compact()``), instead of writing out the online index.
    func checkpoint(recluster: Bool) throws(AeonError) {
        let result = maintenance.withLock { _ in
            Result { () throws(AeonError) in try checkpointHoldingMaintenance(recluster: recluster) }
        }
        try result.get()
    }

    /// A checkpoint, with the maintenance lock held. Payloads of checkpointed records that
    /// `relocations` names move to their new locations (garbage collection publishes its copies
    /// this way: the manifest switch is the atomic commit point).
    func checkpointHoldingMaintenance(
        recluster: Bool, relocations: [BlobLocation: BlobLocation] = [:], force: Bool = false
    ) throws(AeonError) {
        let wal = try writable()
        // 1. A consistent snapshot: every logged write applied, none in flight.
        gate.enterExclusive()
        let taken = Result { () throws(AeonError) -> (Snapshot, UInt64, FrozenIndex?) in
            let snap = try snapshot()
            let frozen = recluster ? nil : try index.withLock { (live) throws(AeonError) -> FrozenIndex in
                if let live { return live.freeze() }
                return try LiveIndex(atlas: snap.atlas, dimension: dimension, metric: metric, kernels: kernels, parameters: buildParameters)
                    .freeze()
            }
            return (snap, wal?.lastLSN ?? snap.delta.lastLSN, frozen)
        }
        gate.leaveExclusive()
        let (snap, lsn, frozen) = try taken.get()
        guard force || recluster || !relocations.isEmpty || !snap.delta.isEmpty || snap.manifest.checkpointLSN < lsn else { return }
        // The log through `lsn` is durable before a manifest names it: written with `.none` or
        // `.batched`, it may still be in the page cache, and a manifest past the log's durable
        // end would let a power cut take the records between them, and leave the log to go on
        // after a gap.
        try wal?.sync()

        // 2. The new generation, while writers continue: a layer holding only what changed,
        // or (a fold) the whole index rewritten.
        let next: Manifest
        let accounting: BlobAccounting
        if let frozen, let atlas = snap.atlas, relocations.isEmpty, !force, shouldLayer(frozen, over: atlas) {
            let layer = try writeLayer(frozen, over: atlas, delta: snap.delta, previous: snap.manifest, checkpointLSN: lsn)
            next = layer.manifest
            accounting = .dead(layer.dead)
        } else {
            var contents: GenerationContents
            if let frozen {
                contents = try serialized(frozen, delta: snap.delta)
            } else {
                contents = try merged(snap)
            }
            defer { contents.data.deallocate() }
            for i in contents.payloads.indices {
                if let reference = contents.payloads[i], let moved = relocations[reference.location] { contents.payloads[i]!.location = moved }
            }
            next = try writeGeneration(&contents, previous: snap.manifest, checkpointLSN: lsn)
            accounting = .live(contents.payloads.compactMap { $0?.location })
        }

        // 3. Install it; replay the writes that arrived meanwhile onto it.
        gate.enterExclusive()
        let installed = Result { () throws(AeonError) -> Atlas in
            let current = try snapshot()
            let atlas = try Atlas(io: io, directory: path, manifest: next, blobs: blobs)
            current.atlas?.retirement.precede(atlas.retirement)
            let rest = try current.delta.remaining(after: lsn) { (id) throws(AeonError) in try atlas.row(id: id) != nil }
            let live = try LiveIndex.replaying(
                rest, over: atlas, dimension: dimension, metric: metric, kernels: kernels, parameters: buildParameters)
            index.withLock { $0 = live }
            state.withLock { state in
                state.manifest = next
                state.atlas = atlas
                state.delta = rest
                state.live = live?.view
            }
            return atlas
        }
        gate.leaveExclusive()
        let atlas: Atlas
        do {
            atlas = try installed.get()
        } catch {
            // The manifest names the new generation; memory still holds the old one, and the
            // writes since may not be in a rebuilt index: no more writes until a reopen.
            fail(error, while: "installing generation \(next.generation)")
            throw error
        }
        switch accounting {
        case .live(let locations):
            blobs.setLive(locations)
        case .dead(let locations) where blobAccountingIsExact.withLock({ $0 }):
            for location in locations { blobs.markDead(location) }
        case .dead:
            // The first checkpoint since opening counts every live payload once.
            var live: [BlobLocation] = []
            live.reserveCapacity(atlas.liveCount)
            for row in 0..<atlas.rowCount where !atlas.isDeleted(row) {
                if let reference = try atlas.payloadReference(row: row) { live.append(reference.location) }
            }
            blobs.setLive(live)
        }
        blobAccountingIsExact.withLock { $0 = true }
        try Self.removeStaleFiles(io: io, directory: path, keeping: atlas.layerGenerations)
        try wal?.rotate()
        try wal?.removeSegments(through: lsn)
    }

    /// What a checkpoint tells the blob arena: every live payload (a full generation), or the
    /// payloads that died since the last one (a layer).
    private enum BlobAccounting {
        case live([BlobLocation])
        case dead([BlobLocation])
    }

    /// What a new generation holds: its records (vectors prepared), their payloads — already in
    /// the blob arena, or (`pending`) to be appended to it — and, when the clustering is given
    /// rather than to be built, each posting's rows and centroid.
    private struct GenerationContents {
        var ids: [UInt64]
        var data: UnsafeMutablePointer<Float>
        var payloads: [PayloadReference?]
        /// Payload bytes of rows `index` not yet in the arena.
        var pending: [(index: Int, bytes: [UInt8])] = []
        var members: [[Int32]]?
        var centroids: [Float] = []

        mutating func add(id: UInt64, stored: PayloadReference?) {
            ids.append(id)
            payloads.append(stored)
        }

        mutating func add(id: UInt64, bytes: [UInt8]?) {
            if let bytes { pending.append((ids.count, bytes)) }
            ids.append(id)
            payloads.append(nil)
        }
    }

    /// The online index at a checkpoint's moment as a generation: the rows not deleted (the
    /// generation's, then those appended), numbered anew, and the postings as they are, without
    /// deleted rows; postings left empty go.
    private func serialized(_ frozen: FrozenIndex, delta: Delta) throws(AeonError) -> GenerationContents {
        let view = frozen.view, deleted = frozen.deleted, rows = view.rows
        let live = (0..<deleted.rows).filter { !deleted.isDeleted($0) }
        var renumbered = [Int32](repeating: -1, count: deleted.rows)
        var contents = GenerationContents(
            ids: [], data: .allocate(capacity: max(1, live.count * dimension)), payloads: [])
        contents.ids.reserveCapacity(live.count)
        contents.payloads.reserveCapacity(live.count)
        do throws(AeonError) {
            for row in live {
                renumbered[row] = Int32(contents.ids.count)
                if rows.isAppended(row) {
                    (contents.data + contents.ids.count * dimension).update(from: try view.vector(row: row), count: dimension)
                    let id = rows.id(row)
                    guard let record = delta.entries[id]?.record else {
                        throw AeonError(.corrupt, "row \(row) (id \(id)) is in the index but not among the pending writes", path: path)
                    }
                    contents.add(id: id, bytes: record.payload)
                } else {
                    let atlas = view.atlas!
                    let (id, vector) = try atlas.checkedLiveRow(row)
                    (contents.data + contents.ids.count * dimension).update(from: vector, count: dimension)
                    contents.add(id: id, stored: try atlas.payloadReference(row: row))
                }
            }
            var members: [[Int32]] = [], centroids: [Float] = []
            for part in frozen.postings {
                var member: [Int32] = []
                var seen = Set<Int32>()
                let take = { (row: UInt32) throws(AeonError) in
                    guard Int(row) < deleted.rows else {
                        throw AeonError(.corrupt, "a posting refers to row \(row) of \(deleted.rows)", path: self.path)
                    }
                    let new = renumbered[Int(row)]
                    if new >= 0, seen.insert(new).inserted { member.append(new) }
                }
                try view.forEachBasePart(of: part.posting) { (base) throws(AeonError) in for i in 0..<base.count { try take(base.rows[i]) } }
                for i in 0..<part.count { try take(part.posting.rows[i]) }
                guard !member.isEmpty else { continue }
                members.append(member)
                centroids.append(contentsOf: part.centroid)
            }
            contents.members = members
            contents.centroids = centroids
            return contents
        } catch {
            contents.data.deallocate()
            throw error
        }
    }

    /// The records of a snapshot as one contiguous batch, to be clustered afresh: the index's
    /// rows not hidden by the delta, then the delta's records (vectors already prepared).
    private func merged(_ snap: Snapshot) throws(AeonError) -> GenerationContents {
        let live = snap.delta.entries.values.compactMap(\.record).sorted { $0.id < $1.id }
        let capacity = (snap.atlas?.rowCount ?? 0) + live.count
        var contents = GenerationContents(ids: [], data: .allocate(capacity: max(1, capacity * dimension)), payloads: [])
        do throws(AeonError) {
            if let atlas = snap.atlas {
                for row in 0..<atlas.rowCount where !atlas.isDeleted(row) {
                    let (id, vector) = try atlas.checkedLiveRow(row)
                    if snap.delta.entries[id] != nil { continue }
                    (contents.data + contents.ids.count * dimension).update(from: vector, count: dimension)
                    contents.add(id: id, stored: try atlas.payloadReference(row: row))
                }
            }
            for record in live {
                (contents.data + contents.ids.count * dimension).update(from: record.vector, count: dimension)
                contents.add(id: record.id, bytes: record.payload)
            }
        } catch {
            contents.data.deallocate()
            throw error
        }
        return contents
    }

    /// Writes the next generation and switches the manifest to it (durably): the pending
    /// payloads go into the blob arena, which is synced before any file that points into it.
    /// Returns the new manifest; the caller installs the snapshot.
    private func writeGeneration(_ contents: inout GenerationContents, previous: Manifest, checkpointLSN: UInt64) throws(AeonError) -> Manifest {
        let parameters = try buildParameters.validated()
        try appendPayloads(contents.pending, into: &contents.payloads)
        contents.pending = []
        let next = Manifest(
            dimension: dimension, metric: metric, generation: try nextGeneration(after: previous),
            recordCount: UInt64(contents.ids.count), checkpointLSN: checkpointLSN, identity: previous.identity)
        let builder = AtlasBuilder(io: io, dimension: dimension, metric: metric, parameters: parameters, kernels: kernels)
        let contents = contents
        try writeFiles(of: next) { (postingsPath, recordsPath) throws(AeonError) in
            if let members = contents.members {
                try builder.write(
                    data: contents.data, ids: contents.ids, payloads: contents.payloads, members: members, centroids: contents.centroids,
                    postingsPath: postingsPath, recordsPath: recordsPath)
            } else {
                try builder.build(
                    data: contents.data, ids: contents.ids, payloads: contents.payloads, postingsPath: postingsPath, recordsPath: recordsPath)
            }
        }
        return next
    }

    /// Appends pending payloads (`index` into `payloads`) to the blob arena, records where they
    /// went, and syncs the arena: nothing may point into it before its bytes are durable.
    func appendPayloads(_ pending: [(index: Int, bytes: [UInt8])], into payloads: inout [PayloadReference?]) throws(AeonError) {
        if !pending.isEmpty {
            let locations = try blobs.append(batch: pending.map(\.bytes))
            for (item, location) in zip(pending, locations) {
                payloads[item.index] = PayloadReference(location: location, length: item.bytes.count)
            }
        }
        try blobs.sync()
    }

    /// The number of the next generation: past every generation on disk, not only the one in
    /// memory (a checkpoint whose manifest reached the disk but whose install failed left files
    /// that must not be overwritten).
    func nextGeneration(after previous: Manifest) throws(AeonError) -> UInt64 {
        let onDisk = try io.list(path).compactMap(Atlas.generation(ofFile:)).max() ?? 0
        return max(previous.generation, onDisk) + 1
    }

    /// Writes generation `next`'s two files with `write(postingsPath, recordsPath)`, syncs the
    /// directory, then replaces the manifest with `next`. On failure the files go, unless the
    /// manifest already names them (its rename done, a later sync failed: they are the store's
    /// contents, and reopening uses them).
    func writeFiles(of next: Manifest, _ write: (String, String) throws(AeonError) -> Void) throws(AeonError) {
        let postingsPath = path + "/" + Atlas.postingsName(next.generation)
        let recordsPath = path + "/" + Atlas.recordsName(next.generation)
        do {
            try write(postingsPath, recordsPath)
            try io.syncDirectory(path)
            try next.write(io: io, directory: path)
        } catch {
            if (try? Manifest.read(io: io, directory: path))??.generation != next.generation {
                try? io.remove(postingsPath)
                try? io.remove(recordsPath)
            }
            throw error
        }
    }

    /// Replaces the store's contents with `records` (bulk load): validates them, builds a new
    /// index generation from them alone (balanced k-means, boundary replicas, int8 codes), syncs
    /// it, and switches the manifest atomically; earlier writes, logged or checkpointed, are
    /// discarded. A crash at any point leaves the previous contents.
    ///
    /// - Throws: ``AeonError/Code/dimensionMismatch`` / ``AeonError/Code/invalidVector`` for a
    ///   bad vector (naming the record), ``AeonError/Code/invalidArgument`` for a duplicate id or
    ///   a read-only store, I/O errors from the disk. Nothing changes when it throws.
    public func build(_ records: [Record]) throws(AeonError) {
        let wal = try writable()
        _ = try buildParameters.validated()
        guard records.count < Int(UInt32.max) else {
            throw AeonError(.invalidArgument, "a build holds at most \(UInt32.max - 1) records")
        }
        var seen = Set<UInt64>(minimumCapacity: records.count)
        var contents = GenerationContents(ids: [], data: .allocate(capacity: max(1, records.count * dimension)), payloads: [])
        defer { contents.data.deallocate() }
        for (i, record) in records.enumerated() {
            guard seen.insert(record.id).inserted else {
                throw AeonError(.invalidArgument, "record \(i) repeats id \(record.id)")
            }
            (contents.data + i * dimension).update(from: try prepare(record), count: dimension)
            contents.add(id: record.id, bytes: record.payload)
        }
        let result = maintenance.withLock { _ in
            Result { () throws(AeonError) in
                // Writers wait for the whole bulk load: it supersedes everything they logged.
                gate.enterExclusive()
                defer { gate.leaveExclusive() }
                let snap = try snapshot()
                try wal?.sync()
                let lsn = wal?.lastLSN ?? snap.delta.lastLSN
                let next = try writeGeneration(&contents, previous: snap.manifest, checkpointLSN: lsn)
                let atlas = try Atlas(io: io, directory: path, manifest: next, blobs: blobs)
                snap.atlas?.retirement.precede(atlas.retirement)
                blobs.setLive(contents.payloads.lazy.compactMap { $0?.location })
                blobAccountingIsExact.withLock { $0 = true }
                index.withLock { $0 = nil }
                state.withLock { state in
                    state.manifest = next
                    state.atlas = atlas
                    state.delta = Delta()
                    state.live = nil
                }
                try Self.removeStaleFiles(io: io, directory: path, keeping: atlas.layerGenerations)
                try wal?.rotate()
                try wal?.removeSegments(through: lsn)
            }
        }
        try result.get()
    }

    // MARK: reading

    /// The `k` records most similar to `query`, best first, with exact scores.
    ///
    /// `k = 0` or an empty store give no results; `k` at or above ``count`` gives every record,
    /// exactly ranked. Writes are in the index as soon as they return.
    ///
    /// - Throws: ``AeonError/Code/dimensionMismatch`` / ``AeonError/Code/invalidVector`` for a
    ///   bad query; ``AeonError/Code/corrupt`` when a page it reads fails its checksum.
    public func search(_ query: [Float], k: Int = 10, parameters: SearchParameters? = nil) throws(AeonError) -> [SearchResult] {
        let context = borrowContext()
        defer { returnContext(context) }
        return try search(query, k: k, parameters: parameters, context: context)
    }

    /// ``search(_:k:parameters:)``, also reporting the work it did in `statistics`.
    public func search(
        _ query: [Float], k: Int = 10, parameters: SearchParameters? = nil, statistics: inout SearchStatistics
    ) throws(AeonError) -> [SearchResult] {
        let context = borrowContext()
        defer { returnContext(context) }
        let results = try search(query, k: k, parameters: parameters, context: context)
        statistics = context.statistics
        return results
    }

    private func borrowContext() -> SearchContext {
        contexts.withLock { $0.popLast() } ?? SearchContext()
    }

    private func returnContext(_ context: SearchContext) {
        contexts.withLock { pool in if pool.count < 2 * Parallel.coreCount + 2 { pool.append(context) } }
    }

    private func search(_ query: [Float], k: Int, parameters: SearchParameters?, context: SearchContext) throws(AeonError)
        -> [SearchResult]
    {
        guard k >= 0 else { throw AeonError(.invalidArgument, "k must be ≥ 0 (got \(k))") }
        let parameters = try (parameters ?? defaultSearch).validated()
        let prepared = try VectorValidation.prepare(query, dimension: dimension, metric: metric, what: "the query")
        let snap = try reading()
        context.statistics = SearchStatistics()
        guard k > 0 else { return [] }
        // No more results than records (and no overflow sizing candidates for a huge k).
        let k = min(k, max(1, snap.count))
        let kernels = self.kernels
        if let live = snap.live {
            let hits = try prepared.withUnsafeBufferPointer { (q) throws(AeonError) in
                try live.search(q, k: k, limit: snap.count, parameters: parameters, kernels: kernels, context: context)
            }
            // While an upsert is being applied, its old and new rows can both be visible: an id
            // once. (A linear check for the usual small k: no hash set per query.)
            var seen = hits.count > 64 ? Set<UInt64>(minimumCapacity: hits.count) : nil
            var results: [SearchResult] = []
            results.reserveCapacity(hits.count)
            for hit in hits {
                let id = try live.id(row: hit.row)
                let isNew = seen != nil ? seen!.insert(id).inserted : !results.contains { $0.id == id }
                if isNew { results.append(SearchResult(id: id, score: hit.score)) }
            }
            return results
        }
        guard let atlas = snap.atlas else { return [] }
        let hits = try prepared.withUnsafeBufferPointer { (q) throws(AeonError) in
            try atlas.search(q, k: k, parameters: parameters, kernels: kernels, context: context)
        }
        return try hits.map { (hit) throws(AeonError) in SearchResult(id: try atlas.id(row: hit.row), score: hit.score) }
    }

    /// Searches every query, spread over all cores; results in query order.
    public func search(batch queries: [[Float]], k: Int = 10, parameters: SearchParameters? = nil) throws(AeonError) -> [[SearchResult]] {
        var results = [Result<[SearchResult], AeonError>](repeating: .success([]), count: queries.count)
        results.withUnsafeMutableBufferPointer { out in
            let shared = UncheckedSendable(out)
            Parallel.forEachSlice(count: queries.count, threads: Parallel.coreCount) { range in
                let context = borrowContext()
                defer { returnContext(context) }
                for i in range {
                    shared.value[i] = Result { () throws(AeonError) in try search(queries[i], k: k, parameters: parameters, context: context) }
                }
            }
        }
        return try results.map { (result) throws(AeonError) in try result.get() }
    }

    /// The record with `id`, or `nil`. For cosine stores the vector comes back normalised.
    ///
    /// - Throws: ``AeonError/Code/corrupt`` naming the record when its vector's page or its
    ///   payload's blob fails its checksum.
    public func get(id: UInt64) throws(AeonError) -> Record? {
        let snap = try reading(pendingFor: id)
        if let entry = snap.pending { return entry.record }
        guard let atlas = snap.atlas, let row = try atlas.row(id: id) else { return nil }
        return try naming(id) { () throws(AeonError) in
            let vector = Array(UnsafeBufferPointer(start: try atlas.vector(row: row), count: dimension))
            // Finite per page on read; here also as the store writes it (norm, unit length), so
            // a forged vector is corrupt data, not a query the caller got wrong.
            if let problem = vector.withUnsafeBufferPointer({ VectorValidation.problem(withStored: $0, metric: metric) }) {
                throw AeonError(.corrupt, "its stored vector has \(problem)", path: atlas.records.path)
            }
            return Record(id: id, vector: vector, payload: try atlas.payload(row: row))
        }
    }

    /// Calls `body` with the payload of record `id` without copying it where it can: a
    /// checkpointed payload stored uncompressed is handed straight from the blob arena's
    /// mapping. The bytes are valid only inside `body`. `nil` when there is no such record or it
    /// has no payload.
    ///
    /// - Throws: ``AeonError/Code/corrupt`` naming the record when its blob fails its checks;
    ///   whatever `body` throws.
    public func withPayload<R>(id: UInt64, _ body: (UnsafeRawBufferPointer?) throws -> R) throws -> R {
        let snap = try reading(pendingFor: id)
        if let entry = snap.pending {
            guard let payload = entry.record?.payload else { return try body(nil) }
            return try payload.withUnsafeBytes { try body($0) }
        }
        guard let atlas = snap.atlas, let row = try atlas.row(id: id), let reference = try atlas.payloadReference(row: row) else {
            return try body(nil)
        }
        // The generation must outlive the read: releasing it could let a collection's
        // retirement delete the segment first.
        return try withExtendedLifetime(atlas) {
            do {
                return try blobs.withBlob(reference.location) { (bytes) throws in try body(bytes) }
            } catch let error as AeonError {
                throw Self.naming(id, error)
            }
        }
    }

    /// Where record `id`'s payload is stored: its blob's location in the arena, or `nil` while
    /// the record is pending (its payload is in the log until the next checkpoint). `nil` when
    /// there is no such record or it has no payload.
    package func payloadPlacement(id: UInt64) throws(AeonError) -> PayloadPlacement? {
        let snap = try reading(pendingFor: id)
        if let entry = snap.pending { return entry.record?.payload.map { PayloadPlacement(location: nil, length: $0.count) } }
        guard let atlas = snap.atlas, let row = try atlas.row(id: id), let reference = try atlas.payloadReference(row: row) else {
            return nil
        }
        return PayloadPlacement(location: reference.location, length: reference.length)
    }

    /// Runs `body`, adding the record's id to any error it throws.
    private func naming<R>(_ id: UInt64, _ body: () throws(AeonError) -> R) throws(AeonError) -> R {
        do {
            return try body()
        } catch {
            throw Self.naming(id, error)
        }
    }

    /// `error`, its message prefixed with the record's id.
    private static func naming(_ id: UInt64, _ error: AeonError) -> AeonError {
        AeonError(error.code, "record \(id): \(error.message)", path: error.path, offset: error.offset)
    }

    /// The current index snapshot, if any.
    func currentIndex() throws(AeonError) -> Atlas? { try reading().atlas }

    /// Reads every page of the current index and checks its checksum, then the index's structure
    /// (every record reachable from a posting, counts, the id index, payload bounds); returns one
    /// error per problem, naming the file and offset (empty when the store is clean). The log was
    /// replayed, and so checked, when the store opened; opened read-only, a torn or damaged log
    /// tail (which a writer's open would cut) is reported too.
    public func verify() throws(AeonError) -> [AeonError] {
        var problems: [AeonError] = []
        // A writer's open has already cut a torn tail (see `recovery`); a read-only open leaves it.
        if isReadOnly && recovery.tornBytes > 0 {
            problems.append(AeonError(
                .corrupt,
                "the log ends in \(recovery.tornBytes) bytes that are not a complete record (at \(recovery.tornAt ?? "?")): a write cut "
                    + "short by a crash, or damage to the last records; opening for writing cuts them",
                path: path + "/" + Self.walDirectoryName))
        }
        guard let atlas = try reading().atlas else { return problems }
        return problems + atlas.verify()
    }

    /// Facts about the current index.
    public var statistics: StoreStatistics {
        get throws(AeonError) {
            let snap = try snapshot()
            let (splits, merges) = index.withLock { ($0?.splits ?? 0, $0?.merges ?? 0) }
            return StoreStatistics(
                generation: snap.manifest.generation, records: snap.count, postings: snap.live?.postingCount ?? snap.atlas?.postingCount ?? 0,
                postingEntries: snap.live?.entryCount ?? snap.atlas?.postingsHeader.entryCount ?? 0,
                indexBytes: snap.atlas?.layers.reduce(0) { $0 + $1.postings.region.count + $1.records.region.count } ?? 0,
                indexedRecords: snap.atlas?.liveCount ?? 0, pendingWrites: snap.delta.entries.count,
                pendingDeletes: snap.delta.deletedBaseCount,
                checkpointLSN: snap.manifest.checkpointLSN, lastLSN: wal?.lastLSN ?? max(snap.delta.lastLSN, snap.manifest.checkpointLSN),
                splits: splits, merges: merges, layers: snap.atlas?.layers.count ?? 0,
                layerBytes: snap.atlas.map { $0.postings.region.count + $0.records.region.count } ?? 0)
        }
    }
}

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
