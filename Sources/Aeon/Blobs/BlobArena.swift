/// The append-only arena that holds payloads (the text of each memory): segment files of
/// checksummed blob records, read zero-copy through memory mappings.
///
/// The store appends the payloads of pending writes at checkpoint time, calls ``sync()``, then
/// publishes an index generation whose records carry ``BlobLocation``s. Only the newest segment
/// (the *active* one) receives appends; a new one starts when a record would take it past
/// ``Options/segmentSize``. Garbage collection (``collect(live:garbageRatio:)``) copies the live
/// records out of mostly-dead segments; ``retire(segments:)`` deletes those once the store has
/// durably published the new locations, and a reader still inside ``withBlob(_:_:)`` keeps its
/// segment's mapping alive until it returns.
///
/// Writers (append, sync, collect, retire, close) are serialised by one lock; readers take a
/// second lock only to look up a segment, never across I/O. After a failed write or sync the
/// arena refuses further writes (an `fsync` failure may have dropped dirty pages; only what
/// reopening finds on disk is trustworthy): reopen it. Reads keep working.
///
/// Format in docs/FORMAT.md ("Blob arena segments"); reads in `BlobArena+Read.swift`, garbage
/// collection in `BlobArena+Collect.swift`.
package final class BlobArena: Sendable {
    /// Tuning.
    package struct Options: Sendable, Hashable {
        /// A new segment starts when a record would take the active one past this many bytes. A
        /// record larger than that gets a segment of its own.
        package var segmentSize: Int
        /// Payloads longer than this are LZ4-compressed when that saves at least 1/16 of them.
        package var compressionThreshold: Int
        /// Open for reading only: nothing on disk changes (no tail is cut, no torn segment
        /// removed, no directory made), and writes throw ``AeonError/Code/invalidArgument``.
        /// Another process may be appending meanwhile; this arena reads what the files held
        /// when it opened.
        package var readOnly: Bool
        /// The store's identity: new segments carry it (format version 2) and every segment
        /// must (another store's segment is ``AeonError/Code/corrupt``). `nil` for the arenas of
        /// stores made before identities (version 1 segments only).
        package var identity: StoreIdentity?

        /// Options.
        package init(segmentSize: Int = 64 << 20, compressionThreshold: Int = 128, readOnly: Bool = false, identity: StoreIdentity? = nil) {
            self.segmentSize = segmentSize
            self.compressionThreshold = compressionThreshold
            self.readOnly = readOnly
            self.identity = identity
        }
    }

    /// One segment's bytes, for accounting and garbage collection.
    package struct SegmentStatistics: Sendable, Hashable {
        /// The segment's generation.
        package var generation: UInt64
        /// Bytes in the file: the header and every record, live or dead.
        package var fileBytes: Int
        /// Bytes of live records (framed lengths), as last reported through ``BlobArena/setLive(_:)``
        /// and ``BlobArena/markDead(_:)``; until then every record counts as live.
        package var liveBytes: Int
        /// Whether appends go to this segment.
        package var isActive: Bool
    }

    let io: any FileIO
    /// The directory holding the segment files.
    package let directory: String
    /// The options the arena was opened with.
    package let options: Options
    let writer: Locked<WriterState>
    let table: Locked<TableState>
    /// Segments ``retireLater(segments:)`` queued.
    let queuedRetirements = Locked<[UInt64]>([])

    /// What the writer owns; guarded by `writer`.
    struct WriterState {
        /// The segment appends go to (nil until the first append of an empty arena, and after
        /// garbage collection sealed a mostly-dead active segment).
        var active: BlobSegment?
        var activeFile: StorageFile?
        var activeEnd = 0
        var activeUnsynced = false
        /// Earlier segments written since the last sync, closed once synced.
        var sealed: [StorageFile] = []
        var directoryUnsynced = false
        var nextGeneration: UInt64
        var failure: AeonError?
        var closed = false
    }

    /// What readers look up; guarded by `table`, taken after `writer` when both are held.
    struct TableState {
        var segments: [UInt64: BlobSegment]
        var activeGeneration: UInt64?
        var closed = false
    }

    private init(io: any FileIO, directory: String, options: Options, writer: sending WriterState, table: sending TableState) {
        self.io = io
        self.directory = directory
        self.options = options
        self.writer = Locked(writer)
        self.table = Locked(table)
    }

    /// Opens the arena in `directory`, creating the directory if needed.
    ///
    /// Checks every segment's header. Appends continue in the newest segment after its last intact
    /// record: a tail torn by a crash (never synced, so never referenced) is cut off, and a segment
    /// whose creation was torn is removed.
    ///
    /// - Throws: ``AeonError/Code/corrupt`` for a damaged segment header, naming the file; I/O errors.
    package static func open(io: any FileIO = SystemFileIO(), directory: String, options: Options = Options())
        throws(AeonError) -> BlobArena
    {
        precondition(options.segmentSize >= pageSize, "BlobArena: segment size \(options.segmentSize) below \(pageSize)")
        precondition(options.compressionThreshold >= 0, "BlobArena: negative compression threshold")
        let existing = io.exists(directory)
        if existing.exists && !existing.isDirectory {
            throw AeonError(.alreadyExists, "a file is in the way of the blob directory", path: directory)
        }
        if options.readOnly {
            var writer = WriterState(nextGeneration: 0)
            writer.failure = AeonError(.readOnly, "the blob arena is open read-only", path: directory)
            var segments: [UInt64: BlobSegment] = [:]
            let generations = existing.exists ? try io.list(directory).compactMap(StoreFileNames.generation(ofBlobSegment:)) : []
            for generation in generations {
                // Torn creations hold nothing referenced: skip them.
                guard let opened = try BlobSegment.open(
                    io: io, directory: directory, generation: generation, asNewest: false, segmentSize: options.segmentSize,
                    identity: options.identity)
                else { continue }
                segments[generation] = opened.segment
            }
            return BlobArena(io: io, directory: directory, options: options, writer: writer, table: TableState(segments: segments))
        }
        if !existing.exists {
            try io.makeDirectory(directory)
            try io.syncDirectory(FilePaths.parent(of: directory))
        }
        let generations = try io.list(directory).compactMap(StoreFileNames.generation(ofBlobSegment:)).sorted()
        if let last = generations.last, last >= BlobFormat.largestGeneration {
            throw AeonError(
                .corrupt, "blob segment generation \(last) is past the largest possible",
                path: BlobSegment.path(directory: directory, generation: last))
        }
        var writer = WriterState(nextGeneration: (generations.last ?? 0) + 1)
        var segments: [UInt64: BlobSegment] = [:]
        for generation in generations.reversed() {
            let asNewest = writer.active == nil && segments.isEmpty
            guard let opened = try BlobSegment.open(
                io: io, directory: directory, generation: generation, asNewest: asNewest, segmentSize: options.segmentSize,
                identity: options.identity)
            else {
                // A torn creation; when it was the newest, the next older segment becomes the newest.
                // Removed only when it holds nothing at all: a segment whose header was lost with
                // records behind it may hold referenced blobs, so it is set aside, never deleted
                // (reads of its blobs then report them missing; the bytes stay for recovery).
                let path = BlobSegment.path(directory: directory, generation: generation)
                if try Self.isAllZeros(io: io, path: path) {
                    try io.remove(path)
                } else {
                    try io.rename(path, to: path + StoreFileNames.setAsideSuffix)
                }
                writer.directoryUnsynced = true
                continue
            }
            segments[generation] = opened.segment
            if asNewest {
                writer.active = opened.segment
                writer.activeFile = opened.file
                writer.activeEnd = opened.segment.end
                writer.activeUnsynced = opened.truncated
            }
        }
        let table = TableState(segments: segments, activeGeneration: writer.active?.generation)
        return BlobArena(io: io, directory: directory, options: options, writer: writer, table: table)
    }

    // MARK: appending

    /// Appends one payload (any length, including 0) and returns where it lies. It is durable only
    /// after ``sync()``.
    ///
    /// - Throws: ``AeonError/Code/invalidArgument`` for a payload of 4 GiB or more; I/O errors
    ///   (``AeonError/Code/noSpace`` when the disk is full), after which the arena refuses writes.
    package func append(_ bytes: UnsafeRawBufferPointer) throws(AeonError) -> BlobLocation {
        try append(batch: CollectionOfOne(bytes))[0]
    }

    /// Appends one payload; see ``append(_:)-(UnsafeRawBufferPointer)``.
    package func append(_ bytes: [UInt8]) throws(AeonError) -> BlobLocation {
        let result = bytes.withUnsafeBytes { raw in Result { () throws(AeonError) in try append(raw) } }
        return try result.get()
    }

    /// Appends payloads in order, with one write per segment they land in; returns their locations.
    package func append(batch payloads: [[UInt8]]) throws(AeonError) -> [BlobLocation] {
        try checkSizes(payloads.lazy.map(\.count))
        let frames = BlobFrames(payloadCounts: payloads.lazy.map(\.count))
        for payload in payloads { payload.withUnsafeBytes { frames.add($0, compressionThreshold: options.compressionThreshold) } }
        return try withWriter { w throws(AeonError) in try write(frames.records, &w) }
    }

    /// Appends payloads given as raw buffers, in order; returns their locations.
    package func append(batch payloads: some Collection<UnsafeRawBufferPointer>) throws(AeonError) -> [BlobLocation] {
        try checkSizes(payloads.lazy.map(\.count))
        let frames = BlobFrames(payloadCounts: payloads.lazy.map(\.count))
        for payload in payloads { frames.add(payload, compressionThreshold: options.compressionThreshold) }
        return try withWriter { w throws(AeonError) in try write(frames.records, &w) }
    }

    private func checkSizes(_ counts: some Sequence<Int>) throws(AeonError) {
        for count in counts where !BlobFrames.accepts(count: count) {
            throw AeonError(.invalidArgument, "a blob of \(count) bytes exceeds the arena's limit of 4 GiB", path: directory)
        }
    }

    /// Runs `body` under the writer lock once the arena is open and has not failed.
    func withWriter<R: Sendable>(_ body: (inout WriterState) throws(AeonError) -> R) throws(AeonError) -> R {
        try writer.withLock { w throws(AeonError) -> R in
            if let failure = w.failure { throw failure }
            if w.closed { throw AeonError(.closed, "the blob arena is closed", path: directory) }
            return try body(&w)
        }
    }

    /// Writes framed records back to back into the active segment, starting new segments as
    /// needed, and publishes them to readers. Records adjacent in memory go in one write.
    func write(_ records: [(bytes: UnsafeRawBufferPointer, checksum: UInt32)], _ w: inout WriterState) throws(AeonError)
        -> [BlobLocation]
    {
        var locations: [BlobLocation] = []
        locations.reserveCapacity(records.count)
        do {
            var next = 0
            while next < records.count {
                if w.active == nil || !fits(records[next].bytes.count, in: w.active!, at: w.activeEnd) {
                    try startSegment(fitting: records[next].bytes.count, &w)
                }
                let segment = w.active!
                let start = w.activeEnd
                var end = start
                var last = next
                // The run: records that follow each other in memory and fit in this segment.
                repeat {
                    locations.append(
                        BlobLocation(
                            segment: segment.generation, offset: UInt64(end), length: UInt32(records[last].bytes.count),
                            checksum: records[last].checksum))
                    end += records[last].bytes.count
                    last += 1
                } while last < records.count && Self.adjacent(records[last - 1].bytes, records[last].bytes)
                    && fits(records[last].bytes.count, in: segment, at: end)
                let run = UnsafeRawBufferPointer(start: records[next].bytes.baseAddress, count: end - start)
                try w.activeFile!.write(run, at: UInt64(start))
                w.activeUnsynced = true
                w.activeEnd = end
                table.withLock { _ in
                    segment.end = end
                    segment.liveBytes += end - start
                }
                next = last
            }
        } catch {
            w.failure = error
            throw error
        }
        return locations
    }

    /// Whether `second` starts where `first` ends in memory (so both go in one write).
    private static func adjacent(_ first: UnsafeRawBufferPointer, _ second: UnsafeRawBufferPointer) -> Bool {
        guard let end = first.baseAddress.map({ $0 + first.count }) else { return false }
        return second.baseAddress == end
    }

    /// Whether a record of `length` bytes may go at `end` of `segment`: within the segment size,
    /// or alone in a segment made large enough for it.
    private func fits(_ length: Int, in segment: BlobSegment, at end: Int) -> Bool {
        guard length <= segment.capacity - end else { return false }
        return end == segment.headerSize || length <= options.segmentSize - end
    }

    /// Whether every byte of the file at `path` is zero (read in bounded chunks).
    private static func isAllZeros(io: any FileIO, path: String) throws(AeonError) -> Bool {
        let file = try StorageFile(io: io, path: path, access: .readOnly)
        defer { try? file.close() }
        let size = try file.size
        var offset: UInt64 = 0
        while offset < size {
            let count = Int(min(UInt64(1 << 20), size - offset))
            guard try file.read(count: count, at: offset).allSatisfy({ $0 == 0 }) else { return false }
            offset += UInt64(count)
        }
        return true
    }

    /// Creates the next segment, large enough for a record of `length` bytes, and makes it active.
    private func startSegment(fitting length: Int, _ w: inout WriterState) throws(AeonError) {
        let generation = w.nextGeneration
        w.nextGeneration += 1
        let capacity = PagedFileLayout.align(max(options.segmentSize, BlobFormat.identifiedHeaderSize + length), pageSize)
        let created = try BlobSegment.create(
            io: io, directory: directory, generation: generation, capacity: capacity, identity: options.identity)
        try seal(&w)
        w.active = created.segment
        w.activeFile = created.file
        w.activeEnd = created.segment.end
        w.activeUnsynced = true
        w.directoryUnsynced = true
        table.withLock { t in
            t.segments[generation] = created.segment
            t.activeGeneration = generation
        }
    }

    /// Stops appending to the active segment; its descriptor waits for the next sync if it has
    /// unsynced writes.
    func seal(_ w: inout WriterState) throws(AeonError) {
        guard w.active != nil else { return }
        if let file = w.activeFile {
            if w.activeUnsynced { w.sealed.append(file) } else { try file.close() }
        }
        w.active = nil
        w.activeFile = nil
        w.activeEnd = 0
        w.activeUnsynced = false
        table.withLock { $0.activeGeneration = nil }
    }

    // MARK: durability

    /// Makes every blob appended so far durable: `fdatasync`s each segment written since the last
    /// sync and `fsync`s the directory after segment files were created or removed.
    ///
    /// - Throws: I/O errors, after which the arena refuses writes.
    package func sync() throws(AeonError) {
        try withWriter { w throws(AeonError) in try syncWritten(&w) }
    }

    func syncWritten(_ w: inout WriterState) throws(AeonError) {
        do {
            while let file = w.sealed.first {
                try file.sync()
                w.sealed.removeFirst()
                try file.close()
            }
            if w.activeUnsynced, let file = w.activeFile {
                try file.sync()
                w.activeUnsynced = false
            }
            if w.directoryUnsynced {
                try io.syncDirectory(directory)
                w.directoryUnsynced = false
            }
        } catch {
            w.failure = error
            throw error
        }
    }

    /// Syncs what was written (unless a write or sync already failed) and closes the arena.
    /// Readers inside ``withBlob(_:_:)`` finish undisturbed; later calls throw
    /// ``AeonError/Code/invalidArgument``. Closing twice is harmless.
    package func close() throws(AeonError) {
        try writer.withLock { w throws(AeonError) in
            guard !w.closed else { return }
            var failure: AeonError?
            if w.failure == nil {
                do throws(AeonError) { try syncWritten(&w) } catch { failure = error }
            }
            w.closed = true
            for file in w.sealed + (w.activeFile.map { [$0] } ?? []) {
                do throws(AeonError) { try file.close() } catch { failure = failure ?? error }
            }
            w.sealed = []
            w.active = nil
            w.activeFile = nil
            table.withLock { t in
                t.closed = true
                t.segments = [:]
                t.activeGeneration = nil
            }
            if let failure { throw failure }
        }
    }

    // MARK: accounting

    /// Replaces the live-byte accounting: exactly `locations` are live (each listed once); every
    /// other record is dead. Locations in segments the arena does not hold are ignored.
    package func setLive(_ locations: some Sequence<BlobLocation>) {
        var bytes: [UInt64: Int] = [:]
        for location in locations { bytes[location.segment, default: 0] += Int(location.length) }
        table.withLock { t in
            for (generation, segment) in t.segments { segment.liveBytes = bytes[generation] ?? 0 }
        }
    }

    /// Counts a blob as dead (an overwritten or deleted payload). Call it once per blob.
    package func markDead(_ location: BlobLocation) {
        table.withLock { t in
            guard let segment = t.segments[location.segment] else { return }
            segment.liveBytes = max(0, segment.liveBytes - Int(location.length))
        }
    }

    /// Every segment's bytes, oldest first.
    package var statistics: [SegmentStatistics] {
        table.withLock { t in
            t.segments.values.sorted { $0.generation < $1.generation }.map {
                SegmentStatistics(
                    generation: $0.generation, fileBytes: $0.end, liveBytes: $0.liveBytes, isActive: $0.generation == t.activeGeneration)
            }
        }
    }
}
