import Testing
@testable import Aeon
import AeonTestSupport

/// Store files forged with valid checksums (issue 13): every number read from disk is checked
/// before use, so each forgery is a typed `corrupt` error, never a crash or a wrong answer.
@Suite("hostile store files")
struct HostileFileTests {
    static let data = ClusteredData(count: 400, queries: 2, dimension: 8, clusters: 4, seed: 77)
    static let everything = SearchParameters(nprobe: 100_000, epsilon: .infinity, oversample: 1)

    private func options(readOnly: Bool = false) -> StoreOptions {
        StoreOptions(dimension: 8, metric: .l2, readOnly: readOnly, checkpointThreshold: 0)
    }

    private func makeStore(_ path: String) throws {
        let store = try AeonStore.open(at: path, options: options())
        try store.build(Self.data.records)
        try store.close()
    }

    /// Where posting 0's head lies: the postings file, its first page, and its layout.
    private func postingZero(_ path: String) throws -> (file: String, page: Int, layout: PostingLayout, firstID: UInt64) {
        let store = try AeonStore.open(at: path, options: options(readOnly: true))
        defer { try? store.close() }
        let atlas = try #require(try store.currentIndex())
        let entry = try atlas.directoryEntry(0)
        let layout = PostingLayout(capacity: entry.capacity, codeStride: atlas.postingsHeader.codeStride)
        let firstRow = Int(try atlas.posting(0).head.rows[0])
        return (atlas.layers[entry.layer].postings.path, entry.firstPage, layout, try atlas.id(row: firstRow))
    }

    @Test("a posting entry naming a row past the rows, a NaN scale or a -128 code: search, delete and upsert fail cleanly; verify names it",
        arguments: ["row 0xFFFFFFFF", "row just past the end", "NaN scale", "infinite norm", "code -128"])
    func forgedPostingEntry(forgery: String) throws {
        let dir = TemporaryDirectory()
        let path = dir.child("s")
        try makeStore(path)
        let posting = try postingZero(path)
        Forger.rewrite(pagedFile: posting.file, page: posting.page) { page in
            switch forgery {
            case "row 0xFFFFFFFF": Forger.store(UInt32.max, into: &page, at: posting.layout.rowsOffset)
            case "row just past the end": Forger.store(UInt32(Self.data.records.count), into: &page, at: posting.layout.rowsOffset)
            case "NaN scale": Forger.store(Float.nan.bitPattern, into: &page, at: posting.layout.scalesOffset)
            case "infinite norm": Forger.store(Float.infinity.bitPattern, into: &page, at: posting.layout.normsOffset)
            default: page[posting.layout.codesOffset] = 0x80
            }
        }

        let reader = try AeonStore.open(at: path, options: options(readOnly: true))
        #expect(errorCode { _ = try reader.search(Self.data.queries[0], k: 10, parameters: Self.everything) } == .corrupt)
        let problems = try reader.verify()
        #expect(!problems.isEmpty, "verify missed the forged entry")
        #expect(problems.allSatisfy { $0.code == .corrupt })
        try reader.close()

        // A writer: the delete of the record in that posting and an upsert near it fail with a
        // typed error (or succeed), and the store is not lost: it opens again.
        let writer = try AeonStore.open(at: path, options: options())
        let deleted = errorCode { try writer.delete(id: posting.firstID) }
        #expect(deleted == nil || deleted == .corrupt || deleted == .failed)
        let upserted = errorCode { try writer.upsert(Record(id: 1, vector: Self.data.records[0].vector)) }
        #expect(upserted == nil || upserted == .corrupt || upserted == .failed)
        #expect(errorCode { _ = try writer.search(Self.data.queries[0], k: 10, parameters: Self.everything) } == .corrupt)
        try writer.close()
        let reopened = errorCode { try AeonStore.open(at: path, options: options(readOnly: true)).close() }
        #expect(reopened == nil || reopened == .corrupt)
    }

    @Test("a manifest with a checkpoint LSN of 2^64 − 1, a huge record count or generation (checksum valid) is corrupt for every open",
        arguments: [40, 32, 24])
    func forgedManifest(offset: Int) throws {
        let dir = TemporaryDirectory()
        let path = dir.child("s")
        try makeStore(path)
        Forger.rewrite(manifest: path + "/MANIFEST") { bytes in Forger.store(UInt64.max, into: &bytes, at: offset) }
        #expect(errorCode { _ = try AeonStore.open(at: path, options: options()) } == .corrupt)
        #expect(errorCode { _ = try AeonStore.open(at: path, options: options(readOnly: true)) } == .corrupt)
        #expect(errorCode { _ = try Manifest.read(io: SystemFileIO(), directory: path) } == .corrupt)
    }

    @Test("a log segment header or record naming an LSN past 2^62 (checksums valid) is damage, not arithmetic")
    func forgedLogLSN() throws {
        let dir = TemporaryDirectory()
        let wal = dir.child("wal")
        try WriteAheadLog.create(io: SystemFileIO(), directory: wal, identity: .random())
        let name = try #require(try SystemFileIO().list(wal).first { $0.hasSuffix(".log") })
        var bytes = FileBytes.read(wal + "/" + name)
        // The header's first LSN (offset 24), resealed.
        Forger.store(UInt64.max, into: &bytes, at: 24)
        Forger.resealLogHeader(&bytes)
        #expect(bytes.withUnsafeBytes { WALFormat.parseSegmentHeader($0) } == nil)
        // The same header with its own LSN parses: the bound, not the forging, refused it.
        Forger.store(UInt64(1), into: &bytes, at: 24)
        Forger.resealLogHeader(&bytes)
        #expect(bytes.withUnsafeBytes { WALFormat.parseSegmentHeader($0) }?.firstLSN == 1)
    }

    @Test("a stored vector forged to NaN (checksums valid): search and get are corrupt, verify names it")
    func forgedStoredVector() throws {
        let dir = TemporaryDirectory()
        let path = dir.child("s")
        try makeStore(path)
        let (file, page) = try {
            let store = try AeonStore.open(at: path, options: options(readOnly: true))
            defer { try? store.close() }
            let atlas = try #require(try store.currentIndex())
            return (atlas.records.path, atlas.recordsHeader.vectorsFirstPage)
        }()
        // Row 0's first component.
        Forger.rewrite(pagedFile: file, page: page) { bytes in Forger.store(Float.nan.bitPattern, into: &bytes, at: 0) }
        let store = try AeonStore.open(at: path, options: options(readOnly: true))
        #expect(errorCode { _ = try store.get(id: ClusteredData.id(ofRow: 0)) } == .corrupt)
        #expect(errorCode { _ = try store.search(Self.data.queries[0], k: Self.data.records.count) } == .corrupt)
        #expect(try store.verify().contains { $0.code == .corrupt })
        try store.close()
    }

    @Test("verify finds vectors too large for float32 scores, non-unit vectors in a cosine store, and two records sharing a payload")
    func verifyChecksMeaning() throws {
        for forgery in ["huge", "non-unit", "shared payload"] {
            let dir = TemporaryDirectory()
            let path = dir.child("s")
            let metric: Metric = forgery == "non-unit" ? .cosine : .l2
            let store = try AeonStore.open(at: path, options: StoreOptions(dimension: 8, metric: metric, checkpointThreshold: 0))
            try store.build(Self.data.records.map { Record(id: $0.id, vector: $0.vector, payload: Array("p\($0.id)".utf8)) })
            #expect(try store.verify().isEmpty)
            let atlas = try #require(try store.currentIndex())
            let h = atlas.recordsHeader
            try store.close()
            switch forgery {
            case "huge", "non-unit":
                let scale: Float = forgery == "huge" ? 1e37 : 2
                Forger.rewrite(pagedFile: atlas.records.path, page: h.vectorsFirstPage) { bytes in
                    for i in 0..<8 {
                        let x = Float(bitPattern: Forger.load(UInt32.self, bytes, 4 * i))
                        Forger.store((x * scale).bitPattern, into: &bytes, at: 4 * i)
                    }
                }
            default:
                // Row 1's payload entry (32 bytes) made a copy of row 0's.
                Forger.rewrite(pagedFile: atlas.records.path, page: h.payloadTableFirstPage) { bytes in
                    bytes.replaceSubrange(32..<64, with: bytes[0..<32])
                }
            }
            let reopened = try AeonStore.open(at: path, options: StoreOptions(readOnly: true))
            let problems = try reopened.verify()
            #expect(problems.contains { $0.code == .corrupt }, "\(forgery): \(problems)")
            try reopened.close()
        }
    }

    @Test("a log record holding a NaN vector (its checksum valid) makes the open corrupt, not an index of NaN")
    func forgedLogRecord() throws {
        let dir = TemporaryDirectory()
        let path = dir.child("s")
        try makeStore(path)
        let manifest = try #require(try Manifest.read(io: SystemFileIO(), directory: path))
        let log = try WriteAheadLog(
            directory: path + "/wal", options: WriteAheadLog.Options(identity: manifest.identity), checkpoint: manifest.checkpointLSN)
        var vector = Self.data.records[0].vector
        vector[3] = .nan
        _ = try log.append(records: [LogRecord.upsert(id: Self.data.records[0].id, vector: vector, payload: nil)], durability: .synchronous)
        try log.close()
        #expect(errorCode { _ = try AeonStore.open(at: path, options: options()) } == .corrupt)
        #expect(errorCode { _ = try AeonStore.open(at: path, options: options(readOnly: true)) } == .corrupt)
        // Salvage skips it, says so, and keeps the rest: the record it would have replaced as built.
        var salvage = options(readOnly: true)
        salvage.recovery = .salvage
        let store = try AeonStore.open(at: path, options: salvage)
        #expect(store.recovery.skipped.contains { $0.contains("record skipped") }, "\(store.recovery.skipped)")
        #expect(try store.get(id: Self.data.records[0].id) == Self.data.records[0])
        #expect(store.count == Self.data.records.count)
        try store.close()
    }

    @Test("a log segment named with sequence 2^64 − 1 (found by fuzzing): appending past it is corrupt, not an overflow")
    func logSequenceAtTheEnd() throws {
        let dir = TemporaryDirectory()
        let wal = dir.child("wal")
        let identity = StoreIdentity.random()
        try WriteAheadLog.create(io: SystemFileIO(), directory: wal, identity: identity)
        let name = try #require(try SystemFileIO().list(wal).first)
        var bytes = FileBytes.read(wal + "/" + name)
        Forger.store(UInt64.max, into: &bytes, at: 16)
        Forger.resealLogHeader(&bytes)
        try SystemFileIO().remove(wal + "/" + name)
        FileBytes.write(wal + "/" + StoreFileNames.logSegment(.max), bytes)
        #expect(StoreFileNames.sequence(ofLogSegment: "wal-+000000000000001.log") == nil)
        let log = try WriteAheadLog(directory: wal, options: WriteAheadLog.Options(segmentBytes: WALFormat.blockSize, identity: identity))
        // Fill the segment so that the log must start the next one.
        let outcome = errorCode { for _ in 0..<40 { _ = try log.append(records: [[UInt8](repeating: 7, count: 2000)], durability: .none) } }
        #expect(outcome == .corrupt)
        try? log.close()
    }

    @Test("a compressed blob claiming far more than LZ4 can expand to (found by fuzzing) is corrupt before any allocation")
    func blobExpansionClaim() throws {
        let dir = TemporaryDirectory()
        let arena = try BlobArena.open(directory: dir.child("blobs"))
        let payload = Array(String(repeating: "compressible ", count: 200).utf8)
        let location = try arena.append(payload)
        try arena.close()
        let path = dir.child("blobs") + "/" + StoreFileNames.blobSegment(location.segment)
        var bytes = FileBytes.read(path)
        let offset = Int(location.offset)
        #expect(Forger.load(UInt32.self, bytes, offset + 4) == BlobFormat.compressedFlag, "the payload was stored compressed")
        // Original length 2 GiB − 1 from a few dozen stored bytes, the record's checksum resealed.
        Forger.store(UInt64(0x7E00_0000), into: &bytes, at: offset + 16)
        let stored = Int(Forger.load(UInt64.self, bytes, offset + 8))
        let checksum = CRC32C.checksum(Array(bytes[(offset + 4)..<(offset + 24 + stored)]))
        Forger.store(checksum, into: &bytes, at: offset)
        FileBytes.write(path, bytes)
        let reader = try BlobArena.open(directory: dir.child("blobs"), options: BlobArena.Options(readOnly: true))
        let forged = BlobLocation(segment: location.segment, offset: location.offset, length: location.length, checksum: checksum)
        // Refused by the header check (before sizing a buffer), not by the decompressor after.
        let error = #expect(throws: AeonError.self) { try reader.read(forged) }
        #expect(error?.code == .corrupt)
        #expect(error?.message.contains("does not match the location") == true, "\(error?.message ?? "")")
        try reader.close()
    }

    /// A store with payloads, built, and `deletes` synchronous deletes in its log.
    private func storeWithLog(_ path: String, deletes: Int = 5) throws {
        let store = try AeonStore.open(at: path, options: options())
        try store.build(Self.data.records.map { Record(id: $0.id, vector: $0.vector, payload: Array("p\($0.id)".utf8)) })
        for record in Self.data.records.prefix(deletes) { try store.delete(id: record.id) }
        try store.close()
    }

    @Test("a stray blob segment named with generation 2^64 − 1 makes writes corrupt, not a trap (review finding)")
    func blobGenerationAtTheEnd() throws {
        let dir = TemporaryDirectory()
        let path = dir.child("s")
        try storeWithLog(path, deletes: 0)
        FileBytes.write(path + "/blobs/" + StoreFileNames.blobSegment(.max), [])
        #expect(errorCode { _ = try AeonStore.open(at: path, options: options()) } == .corrupt)
        let reader = try AeonStore.open(at: path, options: options(readOnly: true))
        #expect(try reader.get(id: Self.data.records[1].id)?.payload == Array("p\(Self.data.records[1].id)".utf8))
        try reader.close()
    }

    @Test("a blob segment whose header was zeroed, with records behind it, is set aside, never deleted (review finding)")
    func zeroedBlobHeader() throws {
        let dir = TemporaryDirectory()
        let path = dir.child("s")
        try storeWithLog(path, deletes: 0)
        let name = try #require(try SystemFileIO().list(path + "/blobs").first)
        var bytes = FileBytes.read(path + "/blobs/" + name)
        for i in 0..<BlobFormat.identifiedHeaderSize { bytes[i] = 0 }
        FileBytes.write(path + "/blobs/" + name, bytes)
        // A writer's open: the blobs are unreadable (reported), but their bytes are all kept.
        if let store = try? AeonStore.open(at: path, options: options()) {
            #expect(errorCode { _ = try store.get(id: Self.data.records[1].id) } == .corrupt)
            try store.close()
        }
        let kept = try SystemFileIO().list(path + "/blobs")
        #expect(kept.contains(name + StoreFileNames.setAsideSuffix) || kept.contains(name), "\(kept)")
        let keptName = kept.contains(name) ? name : name + StoreFileNames.setAsideSuffix
        #expect(FileBytes.read(path + "/blobs/" + keptName) == bytes, "every byte is still there")
    }

    @Test("one flipped bit in a log fragment's length field, synced records behind it: corrupt, never a torn tail that a writer cuts (review finding)")
    func flippedLogLength() throws {
        let dir = TemporaryDirectory()
        let path = dir.child("s")
        try storeWithLog(path)
        let segments = try SystemFileIO().list(path + "/wal").sorted()
        let last = path + "/wal/" + segments.last!
        var bytes = FileBytes.read(last)
        bytes[WALFormat.identifiedHeaderSize + 5] ^= 0x01  // the first fragment's length, high byte
        FileBytes.write(last, bytes)
        #expect(errorCode { _ = try AeonStore.open(at: path, options: options()) } == .corrupt)
        #expect(errorCode { _ = try AeonStore.open(at: path, options: options(readOnly: true)) } == .corrupt)
        #expect(FileBytes.read(last) == bytes, "nothing was cut")
        // Salvage skips only the damaged record: the later acknowledged deletes hold.
        var salvage = options(readOnly: true)
        salvage.recovery = .salvage
        let store = try AeonStore.open(at: path, options: salvage)
        for record in Self.data.records[1..<5] { #expect(try store.get(id: record.id) == nil) }
        try store.close()
    }

    @Test("a checkpoint LSN at the bound: appends past it are refused before they are acknowledged; nothing acknowledged is lost (review finding)")
    func checkpointAtTheBound() throws {
        let dir = TemporaryDirectory()
        let path = dir.child("s")
        try storeWithLog(path, deletes: 0)
        Forger.rewrite(manifest: path + "/MANIFEST") { bytes in Forger.store(WALFormat.largestLSN - 1, into: &bytes, at: 40) }
        var store = try AeonStore.open(at: path, options: options())
        try store.delete(id: Self.data.records[0].id)  // LSN 2^62, the last
        #expect(errorCode { try store.delete(id: Self.data.records[1].id) } == .corrupt)
        try store.close()
        store = try AeonStore.open(at: path, options: options())
        #expect(try store.get(id: Self.data.records[0].id) == nil, "the acknowledged delete held")
        #expect(try store.get(id: Self.data.records[1].id) != nil, "the refused one was not applied")
        try store.checkpoint()
        try store.close()
        store = try AeonStore.open(at: path, options: options())
        #expect(store.count == Self.data.records.count - 1)
        #expect(errorCode { try store.delete(id: Self.data.records[1].id) } == .corrupt)
        try store.close()
    }

    @Test("records-file forgeries the review found: overlapping sections, a payload entry with flags 0 but a location, a huge stored vector, an id the index disagrees with",
        arguments: ["overlap", "payload flags", "huge vector", "id"])
    func forgedRecordsFile(forgery: String) throws {
        let dir = TemporaryDirectory()
        let path = dir.child("s")
        try storeWithLog(path, deletes: 0)
        let (file, header) = try {
            let store = try AeonStore.open(at: path, options: options(readOnly: true))
            defer { try? store.close() }
            let atlas = try #require(try store.currentIndex())
            return (atlas.records.path, atlas.recordsHeader)
        }()
        let victim = Self.data.records[0]
        switch forgery {
        case "overlap":
            // The ids section moved onto the vectors' first page.
            Forger.rewrite(pagedFile: file, page: 0) { bytes in Forger.store(UInt32(header.vectorsFirstPage), into: &bytes, at: 56) }
        case "payload flags":
            // Row 0 says "no payload" (flags 0) yet names a location: not the all-zero entry.
            Forger.rewrite(pagedFile: file, page: header.payloadTableFirstPage) { bytes in Forger.store(UInt32(0), into: &bytes, at: 28) }
        case "huge vector":
            Forger.rewrite(pagedFile: file, page: header.vectorsFirstPage) { bytes in Forger.store(Float(1e30).bitPattern, into: &bytes, at: 0) }
        default:
            Forger.rewrite(pagedFile: file, page: header.idsFirstPage) { bytes in Forger.store(UInt64(99_999), into: &bytes, at: 0) }
        }
        // Opening may refuse at once; if not, reading the row is corrupt, and a compaction
        // refuses to carry it into a new generation (which verify would then call clean).
        guard let store = try? AeonStore.open(at: path, options: options()) else {
            #expect(forgery == "overlap")
            #expect(errorCode { _ = try AeonStore.open(at: path, options: options(readOnly: true)) } == .corrupt)
            return
        }
        #expect(forgery != "overlap", "overlapping sections were accepted")
        if forgery != "id" {
            #expect(errorCode { _ = try store.get(id: victim.id) } == .corrupt)
        }
        #expect(errorCode { _ = try store.compact() } == .corrupt)
        #expect(try store.verify().contains { $0.code == .corrupt })
        try? store.close()
    }
}
