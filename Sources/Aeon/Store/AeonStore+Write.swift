import Dispatch

/// Writes: upserts and deletes through the log into the online index, and the splits they ask for.
extension AeonStore {
    func writable() throws(AeonError) -> WriteAheadLog? {
        guard !isReadOnly else { throw AeonError(.readOnly, "the store is open read-only", path: path) }
        if let failure = failure.withLock({ $0 }) { throw failure }
        return wal
    }

    /// Refuses every later write and checkpoint: the online index could not be brought back in
    /// line with what the log holds, so a checkpoint of it could leave logged writes out, and
    /// searches would miss them. Reads go on over the last consistent view; reopening replays
    /// the log.
    func fail(_ error: AeonError, while what: String) {
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
    func prepare(_ record: Record) throws(AeonError) -> [Float] {
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

    func write(_ records: [LogRecord], wal: WriteAheadLog?, durability: Durability) throws(AeonError) {
        let pending = try gate.withShared { () throws(AeonError) -> Int in
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
            let (pending, splitsWanted) = try index.withLock { (live) throws(AeonError) -> (Int, Bool) in
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
            return pending
        }
        // The write is durable and applied whatever happens next: an automatic checkpoint that
        // fails (the disk full, say) must not report it as failed. The next write retries; an
        // explicit checkpoint() surfaces the error.
        if checkpointThreshold > 0 && pending >= checkpointThreshold { try? checkpoint() }
    }

    /// After applying writes or a split to `live` failed halfway: rebuilds it from the delta
    /// (the log's contents since the checkpoint) and publishes it; when that fails too, keeps
    /// the last published view for readers and fails the store (``fail(_:while:)``).
    func rebuild(_ live: inout LiveIndex?, over atlas: Atlas?, after error: AeonError, while what: String) {
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
    func scheduleSplits() {
        guard !splitsScheduled.exchange(true, ordering: .acquiringAndReleasing) else { return }
        splitter.async { [weak self] in self?.runSplits() }
    }

    /// Plans each requested split on the published view without the index lock (2-means, the
    /// neighbours' screening: the costly part), then takes the lock only to apply it. A split
    /// whose posting changed meanwhile is dropped; the next write to it asks again.
    func runSplits() {
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
    func planInserts(_ records: [LogRecord], on view: LiveView?) -> [InsertPlan?] {
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
}
