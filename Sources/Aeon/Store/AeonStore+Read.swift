/// Reads: searches, records and payloads by id, verification, statistics.
extension AeonStore {
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

    func borrowContext() -> SearchContext {
        contexts.withLock { $0.popLast() } ?? SearchContext()
    }

    func returnContext(_ context: SearchContext) {
        contexts.withLock { pool in if pool.count < 2 * Parallel.coreCount + 2 { pool.append(context) } }
    }

    func search(_ query: [Float], k: Int, parameters: SearchParameters?, context: SearchContext) throws(AeonError)
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
    func naming<R>(_ id: UInt64, _ body: () throws(AeonError) -> R) throws(AeonError) -> R {
        do {
            return try body()
        } catch {
            throw Self.naming(id, error)
        }
    }

    /// `error`, its message prefixed with the record's id.
    static func naming(_ id: UInt64, _ error: AeonError) -> AeonError {
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
                path: path + "/" + StoreFileNames.logDirectory))
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
                postingEntries: snap.live?.entryCount ?? snap.atlas?.entryCount ?? 0,
                indexBytes: snap.atlas?.fileBytes ?? 0,
                indexedRecords: snap.atlas?.liveCount ?? 0, pendingWrites: snap.delta.entries.count,
                pendingDeletes: snap.delta.deletedBaseCount,
                checkpointLSN: snap.manifest.checkpointLSN, lastLSN: wal?.lastLSN ?? max(snap.delta.lastLSN, snap.manifest.checkpointLSN),
                splits: splits, merges: merges, layers: snap.atlas?.layers.count ?? 0,
                layerBytes: snap.atlas?.topLayerBytes ?? 0)
        }
    }
}
