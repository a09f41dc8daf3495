/// Read-only views of a store's internals, for `aeonctl dump` and for debugging.
extension AeonStore {
    /// Where a record's payload is stored (``payloadPlacement(id:)``).
    package struct PayloadPlacement: Sendable, Hashable {
        /// Its blob in the arena; `nil` while the record is pending (the payload is in the log).
        package var location: BlobLocation?
        /// The payload's length in bytes.
        package var length: Int
    }

    /// One entry of a posting.
    package struct PostingEntry: Sendable, Hashable {
        /// The row of the records file and its id.
        package var row: Int
        package var id: UInt64
        /// The int8 codes' scale and the fp32 vector's squared norm.
        package var scale: Float
        package var squaredNorm: Float
        /// The first codes (up to 16).
        package var codes: [Int8]
    }

    /// A posting's location and entries (its head's, then its tail's).
    package struct PostingDump: Sendable, Hashable {
        package var posting: Int
        /// The head: its pages, in the postings file of generation `generation`.
        package var generation: UInt64
        package var firstPage: Int
        package var pageCount: Int
        package var capacity: Int
        /// The tail, if any: its generation and pages (nil: none).
        package var tail: (generation: UInt64, firstPage: Int, pageCount: Int)?
        package var entries: [PostingEntry]

        package static func == (a: PostingDump, b: PostingDump) -> Bool {
            a.posting == b.posting && a.generation == b.generation && a.firstPage == b.firstPage && a.pageCount == b.pageCount
                && a.capacity == b.capacity && a.tail?.generation == b.tail?.generation && a.tail?.firstPage == b.tail?.firstPage
                && a.tail?.pageCount == b.tail?.pageCount && a.entries == b.entries
        }

        package func hash(into hasher: inout Hasher) {
            hasher.combine(posting)
            hasher.combine(generation)
            hasher.combine(firstPage)
            hasher.combine(entries)
        }
    }

    /// The postings in the current index.
    package var postingCount: Int {
        get throws(AeonError) { try currentIndex()?.postingCount ?? 0 }
    }

    /// Posting `posting` of the current index, entry by entry.
    package func dumpPosting(_ posting: Int) throws(AeonError) -> PostingDump {
        guard let atlas = try currentIndex(), posting >= 0, posting < atlas.postingCount else {
            throw AeonError(.invalidArgument, "no posting \(posting) (the index has \(try currentIndex()?.postingCount ?? 0))", path: path)
        }
        let entry = try atlas.directoryEntry(posting)
        let (head, tail) = try atlas.posting(posting)
        var entries: [PostingEntry] = []
        for view in [head, tail] {
            guard let view else { continue }
            for i in 0..<view.count {
                let row = Int(view.rows[i])
                entries.append(PostingEntry(
                    row: row, id: try atlas.id(row: row), scale: view.scales[i], squaredNorm: view.squaredNorms[i],
                    codes: Array(UnsafeBufferPointer(start: view.codes + i * atlas.postingsHeader.codeStride, count: min(16, dimension)))))
            }
        }
        let generations = atlas.layerGenerations
        return PostingDump(
            posting: posting, generation: generations[entry.layer], firstPage: entry.firstPage, pageCount: entry.pageCount,
            capacity: entry.capacity,
            tail: entry.tailCount > 0 ? (generations[entry.tailLayer], entry.tailFirstPage, entry.tailPageCount) : nil, entries: entries)
    }

    /// Which index file ``page(_:of:)`` reads.
    package enum IndexFile: String, Sendable, CaseIterable {
        case postings, records
    }

    /// A raw 4 KiB page of an index file, and whether it matches its stored checksum.
    package func page(_ page: Int, of file: IndexFile) throws(AeonError) -> (bytes: [UInt8], checksumMatches: Bool, path: String) {
        guard let atlas = try currentIndex() else { throw AeonError(.invalidArgument, "the store has no index yet", path: path) }
        let paged = file == .postings ? atlas.postings : atlas.records
        guard page >= 0, page < paged.pageCount else {
            throw AeonError(.invalidArgument, "no page \(page) (\(file.rawValue) has \(paged.pageCount))", path: paged.path)
        }
        let bytes = Array(paged.region.bytes((page * pageSize)..<((page + 1) * pageSize)))
        var matches = true
        if page > 0 {
            do { try paged.check(page: page) } catch { matches = false }
        }
        return (bytes, matches, paged.path)
    }

    /// One record of the write-ahead log.
    package struct LogEntry: Sendable, Hashable {
        package var lsn: UInt64
        /// "upsert" or "delete".
        package var kind: String
        package var id: UInt64
        /// Payload bytes of an upsert (nil: none).
        package var payloadBytes: Int?
        /// Whether the index already includes it (LSN ≤ the checkpoint LSN).
        package var checkpointed: Bool
    }

    /// The records in the write-ahead log's files, oldest first (read-only; nothing is cut).
    package func logEntries(limit: Int = .max) throws(AeonError) -> [LogEntry] {
        let checkpoint = try statistics.checkpointLSN
        let directory = path + "/" + StoreFileNames.logDirectory
        var entries: [LogEntry] = []
        let dimension = self.dimension
        _ = try WriteAheadLog.replay(io: io, directory: directory, checkpoint: 0, mode: .salvage) { (lsn, bytes) throws(AeonError) in
            guard entries.count < limit else { return }
            switch try LogRecord.decode(bytes, lsn: lsn, dimension: dimension, metric: metric, path: directory) {
            case .upsert(let id, _, let payload):
                entries.append(LogEntry(lsn: lsn, kind: "upsert", id: id, payloadBytes: payload?.count, checkpointed: lsn <= checkpoint))
            case .delete(let id):
                entries.append(LogEntry(lsn: lsn, kind: "delete", id: id, payloadBytes: nil, checkpointed: lsn <= checkpoint))
            }
        }
        return entries
    }
}
