/// How recovery treats damage that is not a torn tail.
public enum WALRecoveryMode: Sendable, Hashable {
    /// A damaged record followed by intact, durable ones is an error naming the segment and
    /// offset; nothing is replayed past it.
    case strict
    /// Damaged regions are skipped (resuming at the next block boundary) and reported; every
    /// intact record is replayed.
    case salvage
}

/// What recovery found.
public struct WALRecoveryReport: Sendable, Hashable {
    /// The LSN the next appended record gets.
    public var nextLSN: UInt64
    /// Records replayed (those after the checkpoint LSN).
    public var replayed: Int
    /// Bytes cut off the end of the log: zero fill the writer left ahead of its last record,
    /// and any torn tail.
    public var truncatedBytes: Int
    /// Of those, the bytes from the cut to the last non-zero byte: the remains of a write a crash
    /// cut short, or damage to the last records (indistinguishable when nothing durable follows).
    /// Zero after a clean shutdown or a process crash.
    public var tornBytes = 0
    /// Where the torn tail starts, as "segment @ offset", when there is one.
    public var tornAt: String?
    /// Damaged regions skipped in salvage mode, as "segment @ offset: what".
    public var skipped: [String]
}

/// Reads every segment in order, replays the records, and decides where appending continues.
struct WALRecovery {
    let io: any FileIO
    let directory: String
    let mode: WALRecoveryMode
    /// Replay only: cut nothing, remove nothing (for read-only opens).
    var readOnly = false
    /// The store's identity: every segment must carry it, segments are created whole (under a
    /// temporary name, renamed once their header is durable), and a store with one always has
    /// a log. `nil` for logs of stores made before identities.
    var identity: StoreIdentity? = nil

    struct Outcome {
        var report: WALRecoveryReport
        /// Segments that remain, in order: (sequence, first LSN).
        var segments: [(sequence: UInt64, firstLSN: UInt64)]
        /// Where appending continues: the last segment's valid length (nil: no segment left).
        var tailLength: Int?
        /// The last segment's format version (whether direct writes may pad it).
        var tailVersion: UInt32?
        /// The LSN of the last record in the log (the last segment's first LSN − 1 when it holds
        /// none): below `report.nextLSN − 1` when a checkpoint covers the log's end.
        var tailEndLSN: UInt64
    }

    func run(afterLSN checkpoint: UInt64, replay: (UInt64, [UInt8]) throws(AeonError) -> Void) throws(AeonError) -> Outcome {
        let listing = try io.list(directory)
        let names = listing.compactMap { name in StoreFileNames.sequence(ofLogSegment: name).map { ($0, name) } }
            .sorted { $0.0 < $1.0 }
        if !readOnly {
            // Segments whose creation a crash interrupted before their rename: never used.
            var removed = false
            for name in listing where name.hasSuffix(StoreFileNames.temporarySuffix) {
                try io.remove(directory + "/" + name)
                removed = true
            }
            if removed { try io.syncDirectory(directory) }
        }
        var report = WALRecoveryReport(nextLSN: checkpoint + 1, replayed: 0, truncatedBytes: 0, skipped: [])
        var kept: [(sequence: UInt64, firstLSN: UInt64)] = []
        var tailLength: Int? = nil
        var tailVersion: UInt32? = nil
        var tailEndLSN: UInt64 = 0
        var expected: UInt64? = nil  // the LSN the next record must have (strict continuity)
        var index = 0
        segments: while index < names.count {
            let (sequence, name) = names[index]
            let path = directory + "/" + name
            let file = try StorageFile(io: io, path: path, access: readOnly ? .readOnly : .readWrite)
            let size = Int(try file.size)
            let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(size, 1), alignment: 8)
            defer { storage.deallocate() }
            let bytes = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(storage)[0..<size])
            try file.read(into: UnsafeMutableRawBufferPointer(rebasing: storage[0..<size]), at: 0)
            let isLast = index == names.count - 1
            let header = WALFormat.parseSegmentHeader(bytes)
            if let identity, let header, header.sequence == sequence, header.identity != identity {
                // Another store's segment (or one from before this store had an identity).
                let what = "WAL segment belongs to " + (header.identity.map { "store \($0)" } ?? "a store without an identity")
                    + ", not to this store (\(identity))"
                if mode == .strict { throw AeonError(.corrupt, what, path: path, offset: 32) }
                report.skipped.append("\(name) @ 32: \(what); segment skipped")
                try file.close()
                index += 1
                continue
            }
            guard let header, header.sequence == sequence else {
                // A store with an identity renames a segment into place only once its header is
                // durable: a damaged one is damage, never a torn creation.
                if identity == nil, isLast, bytes.allSatisfy({ $0 == 0 }) || bytes.count < WALFormat.segmentHeaderSize {
                    // Created, but its header never reached the disk: nothing was acknowledged in it.
                    try file.close()
                    if !readOnly { try io.remove(path) }
                    report.truncatedBytes += bytes.count
                    break segments
                }
                if mode == .strict {
                    throw AeonError(.corrupt, "WAL segment header is damaged", path: path, offset: 0)
                }
                report.skipped.append("\(name) @ 0: damaged segment header; segment skipped")
                try file.close()
                index += 1
                continue
            }
            // LSNs missing before a segment are damage, unless the checkpoint covers them: a
            // segment started after the log's end was lost, or LSNs were consumed by failed
            // appends, both before the checkpoint recorded them.
            let first = expected ?? min(header.firstLSN, checkpoint + 1)
            if header.firstLSN != first && !(header.firstLSN > first && header.firstLSN - 1 <= checkpoint) {
                let what = header.firstLSN > first
                    ? "log records \(first)…\(header.firstLSN - 1) are missing (the checkpoint covers \(checkpoint))"
                    : "WAL segment starts at LSN \(header.firstLSN), expected \(first)"
                if mode == .strict { throw AeonError(.corrupt, what, path: path, offset: 24) }
                report.skipped.append("\(name) @ 24: \(what)")
            }
            expected = header.firstLSN
            kept.append((sequence, header.firstLSN))

            var end = bytes.count
            var stop = false
            let raw = bytes
            parse: do {
                var offset = header.size
                var assembling: (lsn: UInt64, start: Int, body: [UInt8])? = nil
                func deliver(_ lsn: UInt64, _ body: [UInt8]) throws(AeonError) {
                    if lsn > checkpoint {
                        try replay(lsn, body)
                        report.replayed += 1
                    }
                    expected = lsn + 1
                    report.nextLSN = max(report.nextLSN, lsn + 1)
                }
                while offset < raw.count {
                    let room = WALFormat.blockSize - offset % WALFormat.blockSize
                    if room < WALFormat.fragmentHeaderSize {
                        offset += room
                        continue
                    }
                    var bad = true
                    if let f = WALFormat.fragment(in: raw, at: offset) {
                        let continuity = mode == .salvage ? f.lsn >= (expected ?? 0) : f.lsn == expected
                        switch f.type {
                        case .full where assembling == nil && continuity:
                            try deliver(f.lsn, Array(f.body))
                            bad = false
                        case .first where assembling == nil && continuity:
                            assembling = (f.lsn, offset, Array(f.body))
                            bad = false
                        case .middle where assembling?.lsn == f.lsn:
                            assembling?.body.append(contentsOf: f.body)
                            bad = false
                        case .padding where assembling == nil && WALFormat.allowsPadding(header.version):
                            bad = false
                        case .last where assembling?.lsn == f.lsn:
                            if var record = assembling {
                                record.body.append(contentsOf: f.body)
                                try deliver(record.lsn, record.body)
                            }
                            assembling = nil
                            bad = false
                        default:
                            bad = true
                        }
                        if !bad {
                            offset += f.size
                            continue
                        }
                    }
                    // The first damaged or missing fragment. Cut back to the start of the record
                    // it belongs to, then decide: torn tail, or damage to durable data?
                    let damage = assembling?.start ?? offset
                    assembling = nil
                    let durableAfter = Self.durableDataFollows(raw, after: offset) || names[(index + 1)...].contains { later in
                        (try? segmentHasValidHeader(later.1)) ?? false
                    }
                    if !durableAfter {
                        end = damage
                        stop = true
                        break parse
                    }
                    if mode == .strict {
                        throw AeonError(
                            .corrupt, "WAL record at offset \(damage) is damaged and intact durable records follow it",
                            path: path, offset: UInt64(damage))
                    }
                    // Resume at the next valid fragment in the block (where the damaged one's
                    // length field leads, else the first found byte by byte: a damaged length
                    // must not cost the records after it); otherwise at the next block, which
                    // starts with a header.
                    var resume = (offset / WALFormat.blockSize + 1) * WALFormat.blockSize
                    if offset + WALFormat.fragmentHeaderSize <= raw.count {
                        let claimed = Int(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 4, as: UInt16.self)))
                        let next = offset + WALFormat.fragmentHeaderSize + claimed
                        if next < resume, WALFormat.fragment(in: raw, at: next) != nil {
                            resume = next
                        } else if let found = Self.nextFragment(raw, after: offset, before: min(resume, raw.count)) {
                            resume = found
                        }
                    }
                    report.skipped.append("\(name) @ \(damage): damaged record skipped up to offset \(resume)")
                    offset = resume
                }
                if let partial = assembling {
                    // The log ends inside a record: a torn tail.
                    end = partial.start
                    stop = true
                }
            }
            if end < bytes.count {
                report.truncatedBytes += bytes.count - end
                // The zero fill ahead of the last record is expected; anything else is a torn tail.
                var last = bytes.count
                while last - 8 >= end && bytes.loadUnaligned(fromByteOffset: last - 8, as: UInt64.self) == 0 { last -= 8 }
                while last > end && bytes[last - 1] == 0 { last -= 1 }
                if last > end {
                    report.tornBytes += last - end
                    report.tornAt = report.tornAt ?? "\(name) @ \(end)"
                }
                if !readOnly {
                    try file.resize(to: UInt64(end))
                    try file.sync(metadata: true)
                }
            }
            try file.close()
            tailLength = end
            tailVersion = header.version
            tailEndLSN = (expected ?? header.firstLSN) - 1
            if stop {
                // Anything after a torn tail was never durable: later segments hold no valid data.
                if !readOnly {
                    for (_, later) in names[(index + 1)...] {
                        try io.remove(directory + "/" + later)
                    }
                    try io.syncDirectory(directory)
                }
                break segments
            }
            index += 1
        }
        if identity != nil && kept.isEmpty {
            // A store with an identity creates its first segment before its manifest and never
            // removes the last one: a log with none was lost or removed.
            let what = "the log has no segment: wal/ was removed or emptied, and every write since the checkpoint (LSN \(checkpoint)) with it"
            if mode == .strict { throw AeonError(.corrupt, what, path: directory) }
            report.skipped.append("wal: " + what)
        }
        // Every kept segment set `tailLength` to its valid end as it was read; the last one's is
        // where appending continues (a later segment removed or skipped never set it).
        return Outcome(
            report: report, segments: kept, tailLength: kept.isEmpty ? nil : tailLength, tailVersion: tailVersion, tailEndLSN: tailEndLSN)
    }

    private func segmentHasValidHeader(_ name: String) throws(AeonError) -> Bool {
        let file = try StorageFile(io: io, path: directory + "/" + name, access: .readOnly)
        defer { try? file.close() }
        let size = try file.size
        guard size >= UInt64(WALFormat.segmentHeaderSize) else { return false }
        let header = try file.read(count: Int(min(size, UInt64(WALFormat.identifiedHeaderSize))), at: 0)
        return header.withUnsafeBytes { WALFormat.parseSegmentHeader($0) } != nil
    }

    /// The offset of the first valid fragment after `offset` and before `end` for which
    /// `accepts` holds, probed byte by byte (a checksum only where a header's type is plausible).
    static func nextFragment(
        _ raw: UnsafeRawBufferPointer, after offset: Int, before end: Int, where accepts: (WALFormat.Fragment) -> Bool = { _ in true }
    ) -> Int? {
        var probe = offset + 1
        while probe + WALFormat.fragmentHeaderSize <= end {
            if raw[probe + 6] != 0, let f = WALFormat.fragment(in: raw, at: probe), accepts(f) { return probe }
            probe += 1
        }
        return nil
    }

    /// Whether a valid fragment written after a sync follows the damage at `offset`: proof that
    /// what precedes it had been made durable, so the damage is not a torn write. Looks at the
    /// fragment at `offset` itself (intact but out of place, as after an LSN gap), at every byte
    /// offset after it within its block (a damaged length field must not hide the intact records
    /// behind it) and at every later block, which always begins with a fragment header.
    static func durableDataFollows(_ raw: UnsafeRawBufferPointer, after offset: Int) -> Bool {
        let flagged = { (f: WALFormat.Fragment) in f.flags & WALFormat.afterSyncFlag != 0 }
        if let f = WALFormat.fragment(in: raw, at: offset), flagged(f) { return true }
        let blockEnd = min(raw.count, (offset / WALFormat.blockSize + 1) * WALFormat.blockSize)
        if nextFragment(raw, after: offset, before: blockEnd, where: flagged) != nil { return true }
        func walk(from start: Int) -> Bool {
            var position = start
            while WALFormat.blockSize - position % WALFormat.blockSize >= WALFormat.fragmentHeaderSize,
                let f = WALFormat.fragment(in: raw, at: position)
            {
                if flagged(f) { return true }
                position += f.size
            }
            return false
        }
        var block = (offset / WALFormat.blockSize + 1) * WALFormat.blockSize
        while block < raw.count {
            if walk(from: block) { return true }
            block += WALFormat.blockSize
        }
        return false
    }
}
