import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The write-ahead log: segment files of checksummed, framed records, each with a log
/// sequence number (LSN), appended with group commit.
///
/// Concurrent appenders share one write and one `fdatasync`: each queues its records under a
/// lock; one of them (the leader) writes everything queued so far in one `pwrite`, syncs once if
/// any waiter asked for ``Durability/synchronous``, and wakes the rest. After any write or sync
/// error the log refuses further appends (an `fsync` failure may have dropped the dirty pages;
/// only recovery from what is on disk is safe): reopen it.
///
/// Format in docs/FORMAT.md ("Write-ahead log"); recovery in `WriteAheadLog+Recovery.swift`.
package final class WriteAheadLog: @unchecked Sendable {
    /// Tuning.
    package struct Options: Sendable, Hashable {
        /// A segment is closed and a new one started once it reaches this size.
        package var segmentBytes: Int
        /// How damage is treated on open.
        package var recovery: WALRecoveryMode
        /// The longest a write waits for a window's sync in progress so that it can carry the
        /// after-sync flag: writes go on beside such a sync while a flagged write is more
        /// recent than this (docs/FORMAT.md, "After-sync flag").
        package var afterSyncFlagInterval: Duration
        /// A write round at least this large bypasses the page cache (`O_DIRECT`, where the
        /// file system offers it), page-aligned with padding fragments; `nil` (the default):
        /// never. The log is read back only after a crash, so caching it spends memory; a
        /// direct write, though, waits for the device.
        package var directWriteBytes: Int?
        /// The store's identity: new segments carry it (format version 3), recovery refuses
        /// segments without it, and a log without segments is an error. `nil`: a log of a store
        /// made before identities (versions 1 and 2).
        package var identity: StoreIdentity?

        /// Options.
        package init(
            segmentBytes: Int = 64 << 20, recovery: WALRecoveryMode = .strict, afterSyncFlagInterval: Duration = .milliseconds(100),
            directWriteBytes: Int? = nil, identity: StoreIdentity? = nil
        ) {
            self.segmentBytes = segmentBytes
            self.recovery = recovery
            self.afterSyncFlagInterval = afterSyncFlagInterval
            self.directWriteBytes = directWriteBytes
            self.identity = identity
        }
    }

    let io: any FileIO
    let directory: String
    let options: Options

    // Everything below is guarded by `lock`, except what the leader owns while `leading` is set:
    // `file` and the segment bookkeeping are touched only by the leader.
    private let lock = ConditionLock()
    private var file: StorageFile?
    /// The current segment opened for direct writes, once a round wants one.
    private var directFile: StorageFile?
    /// No direct writes to the current segment: its file system offers none, or its format
    /// version (1, written with direct writes off) has no padding fragments.
    private var directUnavailable = false
    private var segments: [(sequence: UInt64, firstLSN: UInt64)]
    private var fileOffset: Int
    /// The file is written (with zeros) up to here: appends below it change no file metadata,
    /// so their `fdatasync` flushes data only instead of also committing a size change.
    private var zeroedEnd = 0
    /// Bytes of the current segment's header.
    private var headerSize = WALFormat.segmentHeaderSize
    /// The disk was too full to zero-fill ahead in the current segment.
    private var zeroFillUnavailable = false
    /// How far ahead of the write position the segment is zero-filled.
    static let zeroFillAhead = 1 << 20
    /// Appended batches not yet written, kept as their appenders handed them: the leader
    /// frames them straight into `writeBuffer`.
    private var pending: [(firstLSN: UInt64, records: any WALRecordBatch)] = []
    /// The leader's: the bytes of the round it writes.
    private let writeBuffer = WALWriteBuffer()
    /// A round is framed and written in chunks of about this many bytes.
    static let chunkBytes = 128 << 10
    /// A buffer bigger than this (a record larger than a chunk) is freed after its round.
    static let retainedBufferBytes = 4 << 20
    private var nextLSN: UInt64
    private var writtenLSN: UInt64
    private var durableLSN: UInt64
    private var syncWantedLSN: UInt64
    private var leading = false
    private var failure: AeonError?
    private var closed = false
    private var batchSyncPending = false
    /// A window's sync of what is written runs without leading a round, so appends arriving
    /// meanwhile write theirs instead of waiting for the `fdatasync`; while it runs, the file
    /// is neither switched nor closed.
    private var backgroundSyncing = false
    /// When a write last carried the after-sync flag (see ``writeRound()``).
    private var lastAfterSyncFlag = ContinuousClock.now

    /// What recovery found when the log was opened.
    package let recovery: WALRecoveryReport

    /// Opens (or creates) the log in `directory`, replaying every intact record with an LSN
    /// above `checkpoint` into `replay`, in LSN order, before returning.
    ///
    /// - Throws: ``AeonError/Code/corrupt`` (strict mode) when a damaged record is followed by
    ///   durable ones, naming the segment and offset; I/O errors.
    package init(
        io: any FileIO = SystemFileIO(), directory: String, options: Options = Options(), checkpoint: UInt64 = 0,
        replay: (UInt64, [UInt8]) throws(AeonError) -> Void = { _, _ in }
    ) throws(AeonError) {
        precondition(options.segmentBytes >= WALFormat.blockSize, "WAL segments must hold at least one block")
        precondition((options.directWriteBytes ?? 1) > 0, "WAL: direct writes from \(options.directWriteBytes ?? 0) bytes")
        self.io = io
        self.directory = directory
        self.options = options
        try io.makeDirectoryDurably(directory)
        let outcome = try WALRecovery(io: io, directory: directory, mode: options.recovery, identity: options.identity)
            .run(afterLSN: checkpoint, replay: replay)
        recovery = outcome.report
        segments = outcome.segments
        nextLSN = outcome.report.nextLSN
        writtenLSN = nextLSN - 1
        durableLSN = nextLSN - 1
        syncWantedLSN = nextLSN - 1
        if let last = segments.last, let length = outcome.tailLength, outcome.tailEndLSN + 1 == nextLSN {
            let tail = try StorageFile(io: io, path: directory + "/" + StoreFileNames.logSegment(last.sequence), access: .readWrite)
            // The tail may hold records a process that wrote with `.none` or `.batched` left in
            // the page cache only: make them durable before anything written after them claims
            // (with the after-sync flag) that everything before it is.
            try tail.sync(metadata: true)
            file = tail
            fileOffset = length
            zeroedEnd = length
            // Appends continue in this segment; direct writes only once the next one is started.
            directUnavailable = !WALFormat.allowsPadding(outcome.tailVersion ?? WALFormat.version)
            headerSize = WALFormat.headerSize(version: outcome.tailVersion ?? WALFormat.version)
        } else {
            // No segment yet, or a checkpoint covers the log's end (its records were lost, or
            // LSNs were consumed by appends that failed): the first write starts a segment at
            // the next LSN, so the log never has a gap that recovery would read as damage.
            file = nil
            fileOffset = 0
        }
    }

    deinit { try? file?.close() }

    /// Replays the log in `directory` without opening it for writing: nothing is cut or removed
    /// (a read-only view of what a writer would recover). A missing directory replays nothing.
    package static func replay(
        io: any FileIO = SystemFileIO(), directory: String, checkpoint: UInt64, mode: WALRecoveryMode = .strict,
        identity: StoreIdentity? = nil, _ replay: (UInt64, [UInt8]) throws(AeonError) -> Void
    ) throws(AeonError) -> WALRecoveryReport {
        guard io.exists(directory).isDirectory else {
            if identity != nil {
                let what = "the log is missing: every write since the checkpoint (LSN \(checkpoint)) with it"
                if mode == .strict { throw AeonError(.corrupt, what, path: directory) }
                return WALRecoveryReport(nextLSN: checkpoint + 1, replayed: 0, truncatedBytes: 0, skipped: ["wal: " + what])
            }
            return WALRecoveryReport(nextLSN: checkpoint + 1, replayed: 0, truncatedBytes: 0, skipped: [])
        }
        return try WALRecovery(io: io, directory: directory, mode: mode, readOnly: true, identity: identity)
            .run(afterLSN: checkpoint, replay: replay).report
    }

    /// Creates the log of a new store: its directory and its first segment (starting at LSN 1),
    /// durably, before the store's manifest exists, so that a store with an identity always has
    /// a log. Removes anything an interrupted creation left in the directory.
    static func create(io: any FileIO, directory: String, identity: StoreIdentity) throws(AeonError) {
        try io.makeDirectoryDurably(directory)
        for name in try io.list(directory) { try io.remove(directory + "/" + name) }
        let file = try createSegment(io: io, directory: directory, sequence: 1, header: WALFormat.segmentHeader(sequence: 1, firstLSN: 1, identity: identity))
        try file.close()
    }

    /// Creates segment `sequence` holding `header` and makes it durable: written under a
    /// temporary name, synced, renamed into place, and the directory synced, so that a segment
    /// found under its own name always has its header (a crash leaves only a temporary file,
    /// which recovery removes).
    private static func createSegment(io: any FileIO, directory: String, sequence: UInt64, header: [UInt8]) throws(AeonError) -> StorageFile {
        let path = directory + "/" + StoreFileNames.logSegment(sequence)
        let temporary = path + StoreFileNames.temporarySuffix
        let file = try StorageFile(io: io, path: temporary, access: .readWrite, create: true, truncate: true)
        try file.write(header, at: 0)
        try file.sync(metadata: true)
        try file.close()
        try io.rename(temporary, to: path)
        try io.syncDirectory(directory)
        // Opened again under its own name: every later error and direct open names the segment.
        return try StorageFile(io: io, path: path, access: .readWrite)
    }

    /// The LSN of the last record appended (0 before any).
    package var lastLSN: UInt64 { lock.withLock { nextLSN - 1 } }

    /// The last LSN known to be on stable storage.
    package var lastDurableLSN: UInt64 { lock.withLock { durableLSN } }

    /// Appends one record; returns its LSN once it is as safe as `durability` asks.
    @discardableResult
    package func append(_ payload: [UInt8], durability: Durability) throws(AeonError) -> UInt64 {
        try append(batch: [payload], durability: durability).lowerBound
    }

    /// Appends records with consecutive LSNs; returns them once they are as safe as asked.
    @discardableResult
    package func append(batch payloads: [[UInt8]], durability: Durability) throws(AeonError) -> ClosedRange<UInt64> {
        try append(records: payloads, durability: durability)
    }

    /// Appends records with consecutive LSNs, encoded by the round's leader straight into its
    /// write buffer; returns their LSNs once they are as safe as asked.
    func append(records: some WALRecordBatch, durability: Durability) throws(AeonError) -> ClosedRange<UInt64> {
        precondition(records.count > 0, "WAL: empty batch")
        lock.lock()
        defer { lock.unlock() }
        try usable()
        let first = nextLSN
        // LSNs past the bound would be read back as damage: refuse before acknowledging. (Only
        // a store whose manifest or log says it is near 2^62 gets here; none reaches it by use.)
        guard UInt64(records.count) <= WALFormat.largestLSN - min(WALFormat.largestLSN, first - 1) else {
            throw AeonError(.corrupt, "the log has reached the largest LSN (\(WALFormat.largestLSN)); no record can be appended", path: directory)
        }
        pending.append((first, records))
        nextLSN += UInt64(records.count)
        let last = nextLSN - 1
        if durability == .synchronous { syncWantedLSN = max(syncWantedLSN, last) }
        try waitUntil { durability == .synchronous ? durableLSN >= last : writtenLSN >= last }
        if case .batched(let milliseconds) = durability { scheduleBatchSync(afterMilliseconds: milliseconds) }
        return first...last
    }

    /// Makes every appended record durable.
    package func sync() throws(AeonError) {
        lock.lock()
        defer { lock.unlock() }
        try usable()
        try syncAppended()
    }

    /// Asks for, and waits until, every record appended so far is durable (with the lock held).
    /// The target is fixed when called: appends that arrive meanwhile move `nextLSN` but not
    /// the sync wanted, and waiting for them too would spin for ever.
    private func syncAppended() throws(AeonError) {
        let target = nextLSN - 1
        syncWantedLSN = max(syncWantedLSN, target)
        try waitUntil { durableLSN >= target }
    }

    /// Removes segments whose records all have LSNs ≤ `lsn` (covered by a checkpoint). The
    /// segment being appended to is kept; call ``rotate()`` first to let it go too.
    package func removeSegments(through lsn: UInt64) throws(AeonError) {
        lock.lock()
        defer { lock.unlock() }
        try lead { () throws(AeonError) in
            var removed = false
            while let oldest = lock.withLock({ segments.count > 1 && segments[1].firstLSN <= lsn + 1 ? segments[0] : nil }) {
                try io.remove(directory + "/" + StoreFileNames.logSegment(oldest.sequence))
                lock.withLock { _ = segments.removeFirst() }
                removed = true
            }
            if removed { try io.syncDirectory(directory) }
        }
    }

    /// Syncs the current segment and starts a new one with the next LSN.
    package func rotate() throws(AeonError) {
        lock.lock()
        defer { lock.unlock() }
        try usable()
        // Records appended meanwhile are synced by the switch below.
        try syncAppended()
        try lead { () throws(AeonError) in
            // As leader nothing else writes: flush what arrived meanwhile, then switch.
            try writeRound()
            let first = lock.withLock { writtenLSN + 1 }
            try startSegment(firstLSN: first)
        }
    }

    /// Syncs and closes the log. Closing twice is harmless.
    package func close() throws(AeonError) {
        lock.lock()
        defer { lock.unlock() }
        guard !closed else { return }
        if failure == nil { try syncAppended() }
        closed = true
        while leading || backgroundSyncing { lock.wait() }
        try directFile?.close()
        directFile = nil
        try file?.close()
        file = nil
        lock.broadcast()
    }

    // MARK: group commit (all called with `lock` held)

    private func usable() throws(AeonError) {
        if let failure { throw failure }
        if closed { throw AeonError(.closed, "the write-ahead log is closed", path: directory) }
    }

    /// Leads write rounds or waits for the leader until `done` holds.
    private func waitUntil(_ done: () -> Bool) throws(AeonError) {
        // The failure first: a sync may have returned success after another consumed the error
        // that dropped these records' pages (see `syncFile`).
        while true {
            if let failure { throw failure }
            if done() { return }
            if leading {
                lock.wait()
            } else {
                try lead { () throws(AeonError) in try writeRound() }
            }
        }
    }

    /// Runs `body` as the leader, with the lock released during it.
    private func lead(_ body: () throws(AeonError) -> Void) throws(AeonError) {
        while leading { lock.wait() }
        try usable()
        leading = true
        lock.unlock()
        var error: AeonError?
        do { try body() } catch let e { error = e }
        lock.lock()
        leading = false
        if let error {
            if failure == nil { failure = error }
            // The records still queued are never written: their appenders get the failure, and
            // the LSNs go back, so that nothing (a checkpoint) can claim them.
            pending.removeAll()
            nextLSN = writtenLSN + 1
        }
        lock.broadcast()
        if let error { throw error }
    }

    /// One round: write everything pending in one call, then sync if anyone waits for it.
    /// Runs without the lock; reads and updates shared state only in short locked sections.
    private func writeRound() throws(AeonError) {
        lock.lock()
        // A write made while a window's sync runs cannot carry the after-sync flag, which lets
        // recovery tell damaged durable records from a torn tail. So that writes that never
        // pause still carry it now and then: once the last flag is older than the interval the
        // options give, a round waits for that sync, syncs what was written since, and flags
        // its write.
        var overdue = false
        if backgroundSyncing && ContinuousClock.now - lastAfterSyncFlag > options.afterSyncFlagInterval {
            while backgroundSyncing { lock.wait() }
            overdue = true
        }
        let batch = pending
        pending.removeAll(keepingCapacity: true)
        var allDurable = writtenLSN == durableLSN
        let syncing = syncWantedLSN > durableLSN
        let written = writtenLSN
        lock.unlock()

        if overdue, !allDurable, !batch.isEmpty {
            // As the leader nothing else writes meanwhile: everything before this round is durable.
            try syncFile(through: written)
            allDurable = true
        }

        if let first = batch.first, let last = batch.last {
            if file == nil || fileOffset >= options.segmentBytes {
                try startSegment(firstLSN: first.firstLSN)
            }
            let flags = allDurable || fileOffset == headerSize ? WALFormat.afterSyncFlag : 0
            if flags != 0 { lock.withLock { lastAfterSyncFlag = ContinuousClock.now } }
            let roundStart = fileOffset
            do {
                try write(batch, flags: flags, syncing: syncing)
            } catch {
                // Whole records of the round's earlier chunks may be in the file: cut them off, so
                // that a write reported as failed does not come back on recovery (as far as the
                // file lets us; the log refuses appends from here on either way).
                try? file?.resize(to: UInt64(roundStart))
                throw error
            }
            writeBuffer.trim(toAtMost: Self.retainedBufferBytes)
            fileOffset = writeBuffer.fileOffset
            lock.withLock { writtenLSN = last.firstLSN + UInt64(last.records.count) - 1 }
        }
        let (target, needed) = lock.withLock { (writtenLSN, syncWantedLSN > durableLSN) }
        if needed { try syncFile(through: target) }
    }

    /// The leader's sync of the current segment, making the records through `target` durable.
    ///
    /// Linux reports a writeback error to one `fsync` of a descriptor only: had a window's sync
    /// (``syncWritten()``) run beside this one, it could take the error for pages of records this
    /// sync covers, and this one return success. So the syncs never overlap (a window's sync does
    /// not start while a leader leads, and this one waits for one that runs), and a failure any
    /// sync reported stops this one from advancing what is durable.
    private func syncFile(through target: UInt64) throws(AeonError) {
        lock.withLock { while backgroundSyncing { lock.wait() } }
        try file?.sync()
        lock.lock()
        defer { lock.unlock() }
        if let failure { throw failure }
        durableLSN = max(durableLSN, target)
    }

    /// Frames `batch` and writes it at `fileOffset`, a chunk at a time: the buffer stays in the
    /// core's cache instead of streaming a whole batch (1.6 MB per thousand 384-d vectors)
    /// through it before the kernel copies it again. `flags` go on the round's first fragment.
    private func write(_ batch: [(firstLSN: UInt64, records: any WALRecordBatch)], flags: UInt8, syncing: Bool) throws(AeonError) {
        writeBuffer.reset(at: fileOffset)
        let direct = try directFile(forRoundOf: batch) != nil
        var recordFlags = flags
        if direct && fileOffset % directIOAlignment != 0 {
            // The page the last write ended in stays as the page cache has it: pad it out and
            // start this round on the next one. A padding fragment is then the round's first
            // fragment and carries the flag: it follows the data synced before, whereas the
            // records, written around the cache, may reach the disk before it does. (Zeros at a
            // block's end, recovery never reads.)
            if writeBuffer.pad(toMultipleOf: directIOAlignment, flags: flags) { recordFlags = 0 }
            try writeChunk(zeroFilling: false, direct: false)
        }
        var chunks = 0
        for (i, queued) in batch.enumerated() {
            var next = 0
            while next < queued.records.count {
                next = queued.records.frame(
                    into: writeBuffer, firstLSN: queued.firstLSN, flags: i == 0 ? recordFlags : 0, from: next, limit: Self.chunkBytes)
                if writeBuffer.count >= Self.chunkBytes {
                    try writeChunk(zeroFilling: false, direct: direct)
                    chunks += 1
                }
            }
        }
        if direct { writeBuffer.pad(toMultipleOf: directIOAlignment, flags: 0) }
        if writeBuffer.count > 0 {
            // Small synchronous commits: extend the file with zeros well past this write, once
            // per megabyte, so the syncs in between flush data only (recovery reads a zero tail
            // as the end of the log). Large or unsynced writes gain nothing from it.
            try writeChunk(zeroFilling: syncing && chunks == 0 && writeBuffer.count < Self.zeroFillAhead / 8, direct: direct)
        }
    }

    /// The current segment opened for direct writes, when a round of `batch` should bypass the
    /// page cache and the file system lets it.
    private func directFile(forRoundOf batch: [(firstLSN: UInt64, records: any WALRecordBatch)]) throws(AeonError) -> StorageFile? {
        guard let threshold = options.directWriteBytes, !directUnavailable, let file,
            batch.reduce(0, { $0 + $1.records.walByteCount }) >= threshold
        else { return nil }
        if directFile == nil {
            directFile = try StorageFile.direct(io: io, path: file.path)
            directUnavailable = directFile == nil
        }
        return directFile
    }

    /// Writes what the buffer holds at its place in the file and empties it for what follows;
    /// with `zeroFilling`, first extends the file with zeros a megabyte past it. With `direct`,
    /// only whole pages go, around the page cache (the buffer starts on one); the rest stays.
    private func writeChunk(zeroFilling: Bool, direct: Bool) throws(AeonError) {
        if direct, let directFile {
            let pages = writeBuffer.count - writeBuffer.count % directIOAlignment
            guard pages > 0 else { return }
            let bytes = UnsafeRawBufferPointer(rebasing: writeBuffer.bytes[0..<pages])
            do {
                try directFile.write(bytes, at: UInt64(writeBuffer.fileOffset))
            } catch where error.errno == EINVAL {
                // The file system took the direct open but not the write (it wants another
                // alignment): this segment goes through the page cache from here on.
                try? directFile.close()
                self.directFile = nil
                directUnavailable = true
                try file!.write(bytes, at: UInt64(writeBuffer.fileOffset))
            }
            zeroedEnd = max(zeroedEnd, writeBuffer.fileOffset + pages)
            writeBuffer.removeFirst(pages)
            return
        }
        let end = writeBuffer.endOffset
        if zeroFilling && !zeroFillUnavailable && end > zeroedEnd {
            let target = PagedFileLayout.align(end, Self.zeroFillAhead) + Self.zeroFillAhead
            let start = max(zeroedEnd, writeBuffer.fileOffset)
            do {
                try file!.write([UInt8](repeating: 0, count: target - start), at: UInt64(start))
                zeroedEnd = target
            } catch where error.code == .noSpace {
                // The disk cannot spare a megabyte ahead: give back what the fill took and
                // append plainly (each sync then commits a size change too) in this segment.
                try file!.resize(to: UInt64(start))
                zeroFillUnavailable = true
            }
        }
        try file!.write(writeBuffer.bytes, at: UInt64(writeBuffer.fileOffset))
        zeroedEnd = max(zeroedEnd, end)
        writeBuffer.reset(at: end)
    }

    /// Closes the current segment (cut back to its last record and synced, so recovery may
    /// take a later segment as proof that everything before it was durable), then creates the
    /// next segment file with its header and makes its directory entry durable.
    private func startSegment(firstLSN: UInt64) throws(AeonError) {
        // A window's sync may be at work on the current file: let it finish first.
        lock.withLock { while backgroundSyncing { lock.wait() } }
        try directFile?.close()
        directFile = nil
        directUnavailable = options.directWriteBytes == nil
        if let old = file {
            if zeroedEnd > fileOffset { try old.resize(to: UInt64(fileOffset)) }
            try old.sync(metadata: true)
            lock.withLock { durableLSN = writtenLSN }
        }
        // Sequence numbers come from file names: a name past the bound is damage, not a number
        // to add to.
        let last = segments.last?.sequence ?? 0
        guard last < WALFormat.largestLSN else {
            throw AeonError(.corrupt, "WAL segment sequence \(last) is past the largest possible", path: directory)
        }
        let sequence = last + 1
        // A store with an identity writes version 3; without one, version 1 unless direct writes
        // may pad it, so that readers before them can read it.
        let version = options.directWriteBytes == nil ? WALFormat.version : WALFormat.paddedVersion
        let header = WALFormat.segmentHeader(sequence: sequence, firstLSN: firstLSN, version: version, identity: options.identity)
        let next = try Self.createSegment(io: io, directory: directory, sequence: sequence, header: header)
        try file?.close()
        file = next
        headerSize = header.count
        fileOffset = header.count
        zeroedEnd = header.count
        zeroFillUnavailable = false
        lock.withLock { segments.append((sequence, firstLSN)) }
    }

    /// For ``Durability/batched(milliseconds:)``: one sync, at most `milliseconds` from now.
    private func scheduleBatchSync(afterMilliseconds milliseconds: Int) {
        guard !batchSyncPending else { return }
        batchSyncPending = true
        let delay = min(max(0, milliseconds), 3_600_000)
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(delay)) { [weak self] in
            guard let self else { return }
            self.lock.withLock { self.batchSyncPending = false }
            self.syncWritten()
        }
    }

    /// Makes the records written so far durable without leading a write round: a leader may
    /// write (`pwrite` beside the `fdatasync`) meanwhile. Waits for a leader already at work
    /// (it may be switching the file) and for another such sync, then syncs if anything
    /// written is not yet durable. A failure fails the log, as in a round.
    private func syncWritten() {
        lock.lock()
        defer { lock.unlock() }
        while leading || backgroundSyncing { lock.wait() }
        guard failure == nil, !closed, let file, durableLSN < writtenLSN else { return }
        let target = writtenLSN
        backgroundSyncing = true
        lock.unlock()
        var error: AeonError?
        do { try file.sync() } catch let e { error = e }
        lock.lock()
        backgroundSyncing = false
        if let error {
            if failure == nil { failure = error }
        } else {
            durableLSN = max(durableLSN, target)
        }
        lock.broadcast()
    }
}
