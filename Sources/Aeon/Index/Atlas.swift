import Synchronization

/// One immutable generation of the index: the memory-mapped `.postings` and `.records` files.
///
/// Opening maps both files and checks their headers and page-checksum tables, nothing more,
/// so it takes the same time for any size; every page is checksummed the first time a search
/// or a lookup reads it (``PagedFile``). A snapshot is never modified; a build writes a new
/// generation and the store swaps snapshots, so searches in flight keep theirs.
final class Atlas: @unchecked Sendable {
    // Immutable after init: the mapped files are read-only and verified through atomics.
    let postings: PagedFile
    let records: PagedFile
    let postingsHeader: PostingsHeader
    let recordsHeader: RecordsHeader
    let generation: UInt64
    /// Where the payloads live.
    let blobs: BlobArena
    /// Every search reads the whole centroid section: remember once it has been verified.
    private let centroidsVerified = Atomic<Bool>(false)
    /// Clean-up to run once no reader holds this generation or an older one.
    let retirement = RetirementToken()

    var dimension: Int { postingsHeader.dimension }
    var metric: Metric { postingsHeader.metric }
    var rowCount: Int { recordsHeader.rowCount }
    var postingCount: Int { postingsHeader.postingCount }

    static func postingsName(_ generation: UInt64) -> String { "atlas-" + hex(generation) + ".postings" }
    static func recordsName(_ generation: UInt64) -> String { "atlas-" + hex(generation) + ".records" }
    /// The generation an index file's name gives (`atlas-<16 hex digits>.postings|records`).
    static func generation(ofFile name: String) -> UInt64? {
        guard name.hasPrefix("atlas-"), name.hasSuffix(".postings") || name.hasSuffix(".records") else { return nil }
        let digits = name.dropFirst(6).prefix { $0 != "." }
        guard digits.count == 16 else { return nil }
        return UInt64(digits, radix: 16)
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 16 - digits.count)) + digits
    }

    init(io: any FileIO, directory: String, manifest: Manifest, blobs: BlobArena) throws(AeonError) {
        let generation = manifest.generation
        let postings = try PagedFile(
            io: io, path: directory + "/" + Self.postingsName(generation), magic: PostingsHeader.magic,
            supportedVersion: PostingsHeader.version)
        let records = try PagedFile(
            io: io, path: directory + "/" + Self.recordsName(generation), magic: RecordsHeader.magic,
            supportedVersion: RecordsHeader.version)
        let ph = try PostingsHeader(file: postings)
        let rh = try RecordsHeader(file: records)
        guard ph.dimension == manifest.dimension, rh.dimension == manifest.dimension, ph.metric == manifest.metric,
            rh.metric == manifest.metric
        else {
            throw AeonError(
                .corrupt, "index files disagree with the manifest about dimension or metric", path: postings.path)
        }
        guard ph.rowCount == rh.rowCount, UInt64(rh.rowCount) == manifest.recordCount else {
            throw AeonError(
                .corrupt, "index files hold \(ph.rowCount) / \(rh.rowCount) rows; the manifest says \(manifest.recordCount)",
                path: records.path)
        }
        self.postings = postings
        self.records = records
        self.postingsHeader = ph
        self.recordsHeader = rh
        self.generation = generation
        self.blobs = blobs
    }

    /// Deletes blob segments `generations` once no reader holds this generation or an older
    /// one (queued then, and deleted off the releasing thread, which may be a search).
    func retireBlobSegments(_ generations: [UInt64]) {
        guard !generations.isEmpty else { return }
        let blobs = self.blobs
        retirement.onRetirement { blobs.retireLater(segments: generations) }
    }

    // MARK: postings

    /// The routing table and the fp32 centroids (pointer, row stride in floats).
    func centroids() throws(AeonError) -> (table: CentroidTable, vectors: UnsafePointer<Float>, vectorStride: Int) {
        let layout = postingsHeader.centroids
        let first = postingsHeader.centroidFirstPage
        let pages = first..<(first + postingsHeader.centroidPageCount)
        let base = postings.region.base + first * pageSize
        let groups = CentroidGroups(
            count: layout.groupCount, vectors: (base + layout.groupVectorsOffset).assumingMemoryBound(to: Float.self),
            vectorStride: layout.vectorStride / 4, ranges: (base + layout.groupRangesOffset).assumingMemoryBound(to: UInt32.self))
        if !centroidsVerified.load(ordering: .relaxed) {
            _ = try postings.pages(pages)
            // The groups must tile the postings in order: the router trusts these ranges.
            var next = 0
            for g in 0..<groups.count {
                let range = groups.range(g)
                guard range.lowerBound == next, !range.isEmpty else {
                    throw AeonError(.corrupt, "routing group \(g) does not continue at posting \(next)", path: postings.path)
                }
                next = range.upperBound
            }
            guard next == layout.count else {
                throw AeonError(.corrupt, "routing groups cover \(next) of \(layout.count) postings", path: postings.path)
            }
            centroidsVerified.store(true, ordering: .relaxed)
        }
        let table = CentroidTable(
            count: layout.count, dimension: layout.dimension,
            codes: (base + layout.codesOffset).assumingMemoryBound(to: Int8.self), codeStride: layout.codeStride,
            scales: (base + layout.scalesOffset).assumingMemoryBound(to: Float.self),
            squaredNorms: (base + layout.normsOffset).assumingMemoryBound(to: Float.self), groups: groups)
        return (table, (base + layout.vectorsOffset).assumingMemoryBound(to: Float.self), layout.vectorStride / 4)
    }

    /// Posting `p`'s directory entry, checked against the file.
    func directoryEntry(_ p: Int) throws(AeonError) -> PostingDirectoryEntry {
        precondition(p >= 0 && p < postingCount, "Atlas: posting \(p) out of range")
        let offset = postingsHeader.directoryFirstPage * pageSize + p * PostingDirectoryEntry.size
        let raw = try postings.bytes(offset..<(offset + PostingDirectoryEntry.size))
        var r = BinaryReader(raw, path: postings.path, baseOffset: UInt64(offset))
        let entry = PostingDirectoryEntry(
            firstPage: Int(try r.read(UInt32.self)), pageCount: Int(try r.read(UInt32.self)),
            count: Int(try r.read(UInt32.self)), capacity: Int(try r.read(UInt32.self)))
        let dataStart = postingsHeader.directoryFirstPage + postingsHeader.directoryPageCount
        guard entry.firstPage >= dataStart, entry.pageCount >= 1, entry.firstPage + entry.pageCount <= postings.pageCount,
            entry.capacity == PostingLayout.capacity(pages: entry.pageCount, codeStride: postingsHeader.codeStride),
            entry.count <= entry.capacity
        else {
            throw AeonError(.corrupt, "directory entry of posting \(p) is out of bounds", path: postings.path, offset: UInt64(offset))
        }
        return entry
    }

    /// A posting's rows, scales, squared norms and codes.
    struct PostingView {
        let count: Int
        let rows: UnsafePointer<UInt32>
        let scales: UnsafePointer<Float>
        let squaredNorms: UnsafePointer<Float>
        let codes: UnsafePointer<Int8>
    }

    func posting(_ p: Int) throws(AeonError) -> PostingView {
        let entry = try directoryEntry(p)
        let bytes = try postings.pages(entry.firstPage..<(entry.firstPage + entry.pageCount))
        let layout = PostingLayout(capacity: entry.capacity, codeStride: postingsHeader.codeStride)
        let base = bytes.baseAddress!
        return PostingView(
            count: entry.count, rows: (base + layout.rowsOffset).assumingMemoryBound(to: UInt32.self),
            scales: (base + layout.scalesOffset).assumingMemoryBound(to: Float.self),
            squaredNorms: (base + layout.normsOffset).assumingMemoryBound(to: Float.self),
            codes: (base + layout.codesOffset).assumingMemoryBound(to: Int8.self))
    }

    // MARK: records

    private func checkRow(_ row: Int, _ what: String) throws(AeonError) {
        guard row >= 0, row < rowCount else {
            throw AeonError(.corrupt, "\(what) refers to row \(row) of \(rowCount)", path: postings.path)
        }
    }

    /// Row `row`'s full-precision vector.
    func vector(row: Int) throws(AeonError) -> UnsafePointer<Float> {
        try checkRow(row, "a posting")
        let offset = recordsHeader.vectorsFirstPage * pageSize + row * recordsHeader.vectorStride
        return try records.bytes(offset..<(offset + dimension * 4)).baseAddress!.assumingMemoryBound(to: Float.self)
    }

    /// Row `row`'s id.
    func id(row: Int) throws(AeonError) -> UInt64 {
        let offset = recordsHeader.idsFirstPage * pageSize + row * 8
        return try records.bytes(offset..<(offset + 8)).loadUnaligned(as: UInt64.self).littleEndian
    }

    /// The row holding `id`, by binary search of the sorted id index; `nil` if absent.
    func row(id: UInt64) throws(AeonError) -> Int? {
        let base = recordsHeader.idIndexFirstPage * pageSize
        let size = RecordsHeader.idIndexEntrySize
        var low = 0, high = rowCount
        while low < high {
            let mid = (low + high) / 2
            let entry = try records.bytes((base + mid * size)..<(base + (mid + 1) * size))
            let found = entry.loadUnaligned(as: UInt64.self).littleEndian
            if found == id {
                let row = Int(entry.loadUnaligned(fromByteOffset: 8, as: UInt32.self).littleEndian)
                try checkRow(row, "the id index")
                return row
            }
            if found < id { low = mid + 1 } else { high = mid }
        }
        return nil
    }

    /// Where row `row`'s payload lies; `nil` when it has none.
    func payloadReference(row: Int) throws(AeonError) -> PayloadReference? {
        try checkRow(row, "a payload lookup")
        let base = recordsHeader.payloadTableFirstPage * pageSize + row * RecordsHeader.payloadEntrySize
        let entry = try records.bytes(base..<(base + RecordsHeader.payloadEntrySize))
        var reader = BinaryReader(entry, path: records.path, baseOffset: UInt64(base))
        let location = try BlobLocation(from: &reader)
        let length = Int(try reader.read(UInt32.self))
        let flags = try reader.read(UInt32.self)
        return flags & 1 == 0 ? nil : PayloadReference(location: location, length: length)
    }

    /// Row `row`'s payload, copied out; `nil` when it has none.
    ///
    /// - Throws: ``AeonError/Code/corrupt`` naming the row when the blob fails its checks.
    func payload(row: Int) throws(AeonError) -> [UInt8]? {
        guard let reference = try payloadReference(row: row) else { return nil }
        let bytes: [UInt8]
        do {
            bytes = try blobs.read(reference.location)
        } catch {
            throw AeonError(error.code, "payload of row \(row): \(error.message)", path: error.path, offset: error.offset)
        }
        guard bytes.count == reference.length else {
            throw AeonError(
                .corrupt, "payload of row \(row) is \(bytes.count) bytes; the records file says \(reference.length)", path: records.path)
        }
        return bytes
    }

    /// Every page of both files checked against its checksum (one error per bad page), then,
    /// when the pages are sound, the structure: every directory entry in bounds, every row
    /// reachable from some posting and each at most once per posting, the entry count, the id
    /// index sorted, unique and consistent with the ids, every payload readable from the blob
    /// arena with its checksum intact.
    func verify() -> [AeonError] {
        var problems = postings.checkAllPages() + records.checkAllPages()
        guard problems.isEmpty else { return problems }
        do throws(AeonError) {
            _ = try centroids()
            var reached = [Bool](repeating: false, count: rowCount)
            var entries = 0
            for p in 0..<postingCount {
                let posting = try self.posting(p)
                entries += posting.count
                var seen = Set<UInt32>()
                for i in 0..<posting.count {
                    let row = Int(posting.rows[i])
                    guard row < rowCount, seen.insert(posting.rows[i]).inserted else {
                        problems.append(AeonError(
                            .corrupt, "posting \(p) entry \(i) holds row \(row) (rows: \(rowCount); repeated: \(row < rowCount))",
                            path: postings.path, offset: UInt64(((try? directoryEntry(p))?.firstPage ?? 0) * pageSize)))
                        continue
                    }
                    reached[row] = true
                }
            }
            if entries != postingsHeader.entryCount {
                problems.append(AeonError(
                    .corrupt, "postings hold \(entries) entries; the header says \(postingsHeader.entryCount)", path: postings.path, offset: 72))
            }
            if let lost = reached.firstIndex(of: false) {
                problems.append(AeonError(
                    .corrupt, "\(reached.filter { !$0 }.count) rows are in no posting (the first: row \(lost))", path: postings.path))
            }
            var previous: UInt64? = nil
            let indexBase = recordsHeader.idIndexFirstPage * pageSize
            for i in 0..<rowCount {
                let entry = try records.bytes((indexBase + i * 16)..<(indexBase + i * 16 + 16))
                let id = entry.loadUnaligned(as: UInt64.self).littleEndian
                let row = Int(entry.loadUnaligned(fromByteOffset: 8, as: UInt32.self).littleEndian)
                if let previous, id <= previous {
                    problems.append(AeonError(.corrupt, "id index is not sorted and unique at entry \(i)", path: records.path, offset: UInt64(indexBase + i * 16)))
                    break
                }
                let holds = row < rowCount ? try self.id(row: row) : nil
                if holds != id {
                    problems.append(AeonError(.corrupt, "id index entry \(i) (id \(id)) points at row \(row), which holds another id", path: records.path, offset: UInt64(indexBase + i * 16)))
                    break
                }
                previous = id
            }
            // Every payload read back from the blob arena and checked, each bad one reported by record.
            for row in 0..<rowCount {
                do throws(AeonError) {
                    _ = try payload(row: row)
                } catch {
                    let id = (try? self.id(row: row)).map { "record \($0)" } ?? "row \(row)"
                    problems.append(AeonError(error.code, "\(id): \(error.message)", path: error.path, offset: error.offset))
                }
            }
        } catch {
            problems.append(error)
        }
        return problems
    }
}
