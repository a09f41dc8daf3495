/// Checkpoints and bulk builds: a new index generation written, installed, and the log it covers let go.
extension AeonStore {
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
        let taken = gate.withExclusive { Result { () throws(AeonError) -> (Snapshot, UInt64, FrozenIndex?) in
            let snap = try snapshot()
            let frozen = recluster ? nil : try index.withLock { (live) throws(AeonError) -> FrozenIndex in
                if let live { return live.freeze() }
                return try LiveIndex(atlas: snap.atlas, dimension: dimension, metric: metric, kernels: kernels, parameters: buildParameters)
                    .freeze()
            }
            return (snap, wal?.lastLSN ?? snap.delta.lastLSN, frozen)
        } }
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
        let writer = try generationWriter()
        if let frozen, let atlas = snap.atlas, relocations.isEmpty, !force, writer.shouldLayer(frozen, over: atlas) {
            let layer = try writer.writeLayer(frozen, over: atlas, delta: snap.delta, previous: snap.manifest, checkpointLSN: lsn)
            next = layer.manifest
            accounting = .dead(layer.dead)
        } else {
            var contents: GenerationContents
            if let frozen {
                contents = try writer.serialized(frozen, delta: snap.delta)
            } else {
                contents = try writer.merged(snap.atlas, delta: snap.delta)
            }
            for i in contents.payloads.indices {
                if let reference = contents.payloads[i], let moved = relocations[reference.location] { contents.payloads[i]!.location = moved }
            }
            next = try writer.write(&contents, previous: snap.manifest, checkpointLSN: lsn)
            accounting = .live(contents.payloads.compactMap { $0?.location })
        }

        // 3. Install it; replay the writes that arrived meanwhile onto it.
        let installed = gate.withExclusive { Result { () throws(AeonError) -> Atlas in
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
        } }
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
    enum BlobAccounting {
        case live([BlobLocation])
        case dead([BlobLocation])
    }

    /// What writes this store's index generations.
    func generationWriter() throws(AeonError) -> GenerationWriter {
        GenerationWriter(
            io: io, directory: path, dimension: dimension, metric: metric, parameters: try buildParameters.validated(), kernels: kernels,
            blobs: blobs)
    }

    /// Layers a generation may stack (a full generation and its deltas) before a checkpoint
    /// folds them into one: every id lookup searches the layers' id indexes from the top.
    public static let maximumLayers = GenerationWriter.maximumLayers

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
        let writer = try generationWriter()
        var contents = GenerationContents(ids: [], data: VectorBuffer(rows: records.count, dimension: dimension), payloads: [])
        for (i, record) in records.enumerated() {
            guard seen.insert(record.id).inserted else {
                throw AeonError(.invalidArgument, "record \(i) repeats id \(record.id)")
            }
            (contents.data.base + i * dimension).update(from: try prepare(record), count: dimension)
            contents.add(id: record.id, bytes: record.payload)
        }
        let result = maintenance.withLock { _ in
            Result { () throws(AeonError) in
                // Writers wait for the whole bulk load: it supersedes everything they logged.
                try gate.withExclusive { () throws(AeonError) in
                    let snap = try snapshot()
                    try wal?.sync()
                    let lsn = wal?.lastLSN ?? snap.delta.lastLSN
                    let next = try writer.write(&contents, previous: snap.manifest, checkpointLSN: lsn)
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
        }
        try result.get()
    }
}
