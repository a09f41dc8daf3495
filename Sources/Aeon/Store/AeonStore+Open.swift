/// Opening a store: creating it, checking it, replaying its log.
extension AeonStore {
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
            let ignorable: Set<String> = [StoreFileNames.lock, StoreFileNames.manifestTemporary, StoreFileNames.logDirectory, StoreFileNames.blobDirectory]
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
                try WriteAheadLog.create(io: io, directory: path + "/" + StoreFileNames.logDirectory, identity: fresh.identity!)
                let blobDirectory = path + "/" + StoreFileNames.blobDirectory
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
            io: io, directory: path + "/" + StoreFileNames.blobDirectory, options: BlobArena.Options(readOnly: options.readOnly, identity: manifest.identity))
        let atlas = manifest.generation == 0 ? nil : try Atlas(io: io, directory: path, manifest: manifest, blobs: blobs)
        if lock != nil { try removeStaleFiles(io: io, directory: path, keeping: atlas?.layerGenerations ?? []) }

        // Replay the log after the checkpoint into the in-memory delta.
        var delta = Delta()
        let walPath = path + "/" + StoreFileNames.logDirectory
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
    static func removeStaleFiles(io: any FileIO, directory: String, keeping generations: [UInt64]) throws(AeonError) {
        let current = Set(generations.flatMap { [StoreFileNames.postings($0), StoreFileNames.records($0)] })
        for name in try io.list(directory) where StoreFileNames.isIndexFile(name) && !current.contains(name) {
            try io.remove(directory + "/" + name)
        }
        try io.remove(directory + "/" + StoreFileNames.manifestTemporary)
    }
}
