import Synchronization

/// An Aeon store: a directory holding the manifest, the lock, and the index generations.
///
/// One process at a time opens a store for writing (an exclusive `flock` on `LOCK`); others
/// get ``AeonError/Code/locked``. Any number of threads may search concurrently, including
/// while a build runs: a search uses the index snapshot current when it started.
///
/// ```swift
/// let store = try AeonStore.open(at: "memories", options: StoreOptions(dimension: 384))
/// try store.build(records)
/// let hits = try store.search(queryVector, k: 10)
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
    public let kernels: Kernels

    let io: any FileIO
    let defaultSearch: SearchParameters
    let buildParameters: BuildParameters
    private let state: Mutex<State>
    /// Serialises builds; never held by readers.
    private let writer = Mutex(())
    /// Search buffers not in use, so a query does not allocate its scratch space.
    private let contexts = Mutex<[SearchContext]>([])

    private struct State: ~Copyable {
        var manifest: Manifest
        var atlas: Atlas?
        var lock: StoreLock?
        var closed = false
    }

    static let lockFileName = "LOCK"

    private init(
        path: String, io: any FileIO, kernels: Kernels, options: StoreOptions, manifest: Manifest, atlas: Atlas?, lock: StoreLock?
    ) {
        self.path = path
        self.io = io
        self.kernels = kernels
        self.dimension = manifest.dimension
        self.metric = manifest.metric
        self.isReadOnly = options.readOnly
        self.defaultSearch = options.search
        self.buildParameters = options.build
        self.state = Mutex(State(manifest: manifest, atlas: atlas, lock: lock))
    }

    /// Opens the store at `path`, creating it (when allowed) if the directory is missing or empty.
    ///
    /// Opening maps the current index files and checks their headers; it does not read the
    /// index, so it is fast for any size.
    ///
    /// - Throws: ``AeonError/Code/locked`` when another process has it open for writing;
    ///   ``AeonError/Code/dimensionMismatch`` or ``AeonError/Code/invalidArgument`` when
    ///   `options` disagree with the stored dimension or metric; ``AeonError/Code/notFound`` for
    ///   a missing store that may not be created, or a directory that holds something else;
    ///   ``AeonError/Code/corrupt`` for damaged files.
    public static func open(at path: String, options: StoreOptions = StoreOptions()) throws(AeonError) -> AeonStore {
        let io = options.io
        let kernels: Kernels
        if let level = options.simdLevel {
            kernels = try Kernels(level: level)
        } else {
            kernels = try Kernels.fromEnvironment()
        }
        let found = io.exists(path)
        if found.exists && !found.isDirectory {
            throw AeonError(.notFound, "not an Aeon store: a file, not a directory", path: path)
        }
        var manifest = found.exists ? try Manifest.read(io: io, directory: path) : nil
        if manifest == nil {
            let entries = found.exists ? try io.list(path).filter { $0 != lockFileName && $0 != Manifest.fileName + ".tmp" } : []
            guard entries.isEmpty else {
                throw AeonError(.notFound, "not an Aeon store: the directory has no MANIFEST but holds other files", path: path)
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
                let fresh = Manifest(dimension: options.dimension ?? 0, metric: options.metric ?? .cosine, generation: 0, recordCount: 0)
                try fresh.write(io: io, directory: path)
                try io.syncDirectory(parentDirectory(of: path))
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
        let atlas = manifest.generation == 0 ? nil : try Atlas(io: io, directory: path, manifest: manifest)
        if lock != nil { try removeStaleFiles(io: io, directory: path, keeping: manifest.generation) }
        return AeonStore(path: path, io: io, kernels: kernels, options: options, manifest: manifest, atlas: atlas, lock: lock)
    }

    private static func parentDirectory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// Index files of other generations: leftovers of an interrupted build or of a superseded one.
    private static func removeStaleFiles(io: any FileIO, directory: String, keeping generation: UInt64) throws(AeonError) {
        let current: Set<String> = generation == 0 ? [] : [Atlas.postingsName(generation), Atlas.recordsName(generation)]
        for name in try io.list(directory) where name.hasPrefix("atlas-") && !current.contains(name) {
            try io.remove(directory + "/" + name)
        }
        try io.remove(directory + "/" + Manifest.fileName + ".tmp")
    }

    // MARK: state

    private func snapshot() throws(AeonError) -> (manifest: Manifest, atlas: Atlas?) {
        let result = state.withLock { state -> Result<(Manifest, Atlas?), AeonError> in
            state.closed ? .failure(AeonError(.invalidArgument, "the store is closed", path: path)) : .success((state.manifest, state.atlas))
        }
        return try result.get()
    }

    /// The number of records.
    public var count: Int {
        state.withLock { Int($0.manifest.recordCount) }
    }

    /// Releases the writer lock and the index; later calls throw. Closing twice is harmless.
    public func close() throws(AeonError) {
        let lock = state.withLock { state -> StoreLock? in
            state.closed = true
            state.atlas = nil
            let lock = state.lock
            state.lock = nil
            return lock
        }
        try lock?.release()
    }

    // MARK: building

    /// Replaces the store's contents with `records`: validates them, builds a new index
    /// generation (balanced k-means, boundary replicas, int8 codes), syncs it, and switches the
    /// manifest to it atomically. A crash at any point leaves the previous contents.
    ///
    /// - Throws: ``AeonError/Code/dimensionMismatch`` / ``AeonError/Code/invalidVector`` for a
    ///   bad vector (naming the record), ``AeonError/Code/invalidArgument`` for a duplicate id or
    ///   a read-only store, I/O errors from the disk. Nothing changes when it throws.
    public func build(_ records: [Record]) throws(AeonError) {
        guard !isReadOnly else { throw AeonError(.invalidArgument, "the store is open read-only", path: path) }
        let parameters = try buildParameters.validated()
        guard records.count < Int(UInt32.max) else {
            throw AeonError(.invalidArgument, "a build holds at most \(UInt32.max - 1) records")
        }
        let result = writer.withLock { _ in Result { () throws(AeonError) in try buildLocked(records, parameters: parameters) } }
        try result.get()
    }

    private func buildLocked(_ records: [Record], parameters: BuildParameters) throws(AeonError) {
        let (manifest, _) = try snapshot()
        var seen = Set<UInt64>(minimumCapacity: records.count)
        let data = UnsafeMutablePointer<Float>.allocate(capacity: max(1, records.count * dimension))
        defer { data.deallocate() }
        for (i, record) in records.enumerated() {
            guard seen.insert(record.id).inserted else {
                throw AeonError(.invalidArgument, "record \(i) repeats id \(record.id)")
            }
            if let payload = record.payload, payload.count > Int(UInt32.max) {
                throw AeonError(.invalidArgument, "record \(record.id): payload of \(payload.count) bytes exceeds 4 GiB")
            }
            let vector = try VectorValidation.prepare(record.vector, dimension: dimension, metric: metric, what: "record \(record.id)")
            (data + i * dimension).update(from: vector, count: dimension)
        }

        let next = Manifest(dimension: dimension, metric: metric, generation: manifest.generation + 1, recordCount: UInt64(records.count))
        let builder = AtlasBuilder(io: io, dimension: dimension, metric: metric, parameters: parameters, kernels: kernels)
        let postingsPath = path + "/" + Atlas.postingsName(next.generation)
        let recordsPath = path + "/" + Atlas.recordsName(next.generation)
        do {
            _ = try builder.build(
                data: data, ids: records.map(\.id), payloads: records.map(\.payload), postingsPath: postingsPath, recordsPath: recordsPath)
            try io.syncDirectory(path)
            try next.write(io: io, directory: path)
        } catch {
            try? io.remove(postingsPath)
            try? io.remove(recordsPath)
            throw error
        }
        let atlas = try Atlas(io: io, directory: path, manifest: next)
        state.withLock { state in
            state.manifest = next
            state.atlas = atlas
        }
        // Searches that still hold the old snapshot keep its mappings; unlinking is safe.
        try Self.removeStaleFiles(io: io, directory: path, keeping: next.generation)
    }

    // MARK: reading

    /// The `k` records most similar to `query`, best first, with exact scores.
    ///
    /// `k = 0` or an empty store give no results; `k` at or above ``count`` gives every record,
    /// exactly ranked.
    ///
    /// - Throws: ``AeonError/Code/dimensionMismatch`` / ``AeonError/Code/invalidVector`` for a
    ///   bad query; ``AeonError/Code/corrupt`` when a page it reads fails its checksum.
    public func search(_ query: [Float], k: Int = 10, parameters: SearchParameters? = nil) throws(AeonError) -> [SearchResult] {
        let context = borrowContext()
        defer { returnContext(context) }
        return try search(query, k: k, parameters: parameters, context: context)
    }

    private func borrowContext() -> SearchContext {
        contexts.withLock { $0.popLast() } ?? SearchContext()
    }

    private func returnContext(_ context: SearchContext) {
        contexts.withLock { pool in if pool.count < 2 * Parallel.coreCount + 2 { pool.append(context) } }
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

    private func search(_ query: [Float], k: Int, parameters: SearchParameters?, context: SearchContext) throws(AeonError)
        -> [SearchResult]
    {
        guard k >= 0 else { throw AeonError(.invalidArgument, "k must be ≥ 0 (got \(k))") }
        let parameters = try (parameters ?? defaultSearch).validated()
        let prepared = try VectorValidation.prepare(query, dimension: dimension, metric: metric, what: "the query")
        guard let atlas = try snapshot().atlas else { return [] }
        let kernels = self.kernels
        let hits = try prepared.withUnsafeBufferPointer { (q) throws(AeonError) in
            try atlas.search(q, k: k, parameters: parameters, kernels: kernels, context: context)
        }
        var results: [SearchResult] = []
        results.reserveCapacity(hits.count)
        for hit in hits { results.append(SearchResult(id: try atlas.id(row: hit.row), score: hit.score)) }
        return results
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
    public func get(id: UInt64) throws(AeonError) -> Record? {
        guard let atlas = try snapshot().atlas, let row = try atlas.row(id: id) else { return nil }
        let vector = Array(UnsafeBufferPointer(start: try atlas.vector(row: row), count: dimension))
        return Record(id: id, vector: vector, payload: try atlas.payload(row: row))
    }

    /// Reads every page of the current index and checks its checksum; returns one error per
    /// damaged page (empty when the store is clean).
    public func verify() throws(AeonError) -> [AeonError] {
        guard let atlas = try snapshot().atlas else { return [] }
        return atlas.checkAllPages()
    }

    /// Facts about the current index.
    public var statistics: StoreStatistics {
        get throws(AeonError) {
            let (manifest, atlas) = try snapshot()
            return StoreStatistics(
                generation: manifest.generation, records: Int(manifest.recordCount), postings: atlas?.postingCount ?? 0,
                postingEntries: atlas?.postingsHeader.entryCount ?? 0,
                indexBytes: (atlas?.postings.region.count ?? 0) + (atlas?.records.region.count ?? 0))
        }
    }
}

/// Facts about a store's current index.
public struct StoreStatistics: Sendable, Hashable {
    /// The index generation (0: never built).
    public var generation: UInt64
    /// Records stored.
    public var records: Int
    /// Postings (clusters).
    public var postings: Int
    /// Entries over all postings: records plus their boundary replicas.
    public var postingEntries: Int
    /// Bytes of the index files on disk.
    public var indexBytes: Int
    /// Average number of postings a record is stored in.
    public var replicationFactor: Double { records == 0 ? 0 : Double(postingEntries) / Double(records) }
}
