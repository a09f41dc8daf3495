import Synchronization

/// One immutable generation of the index: memory-mapped `.postings` and `.records` files.
///
/// A generation is a stack of *layers*: a full generation is one layer; a checkpoint that
/// writes only what changed adds a layer on top of its parent's (the rows added since, the
/// postings rewritten since, the whole deletion bitmap, centroids and directory), and its
/// directory names, for each posting, the layer whose file holds its pages. Rows are numbered
/// across the layers: each records file holds the rows after its parent's.
///
/// Opening maps the files and checks their headers and page-checksum tables, nothing more
/// (and reads the deletion bitmap), so it takes nearly the same time for any size; every page
/// is checksummed the first time a search or a lookup reads it (``PagedFile``). A snapshot is
/// never modified; a checkpoint writes a new generation and the store swaps snapshots, so
/// searches in flight keep theirs.
final class Atlas: @unchecked Sendable {
    /// One generation's files, as a layer of this one.
    struct Layer {
        let generation: UInt64
        let postings: PagedFile
        let records: PagedFile
        let recordsHeader: RecordsHeader
    }

    // Immutable after init: the mapped files are read-only and verified through atomics.
    /// This generation's own files (the top layer).
    let postings: PagedFile
    let records: PagedFile
    let postingsHeader: PostingsHeader
    let recordsHeader: RecordsHeader
    let generation: UInt64
    /// Oldest first; the last is this generation's own files.
    let layers: [Layer]
    /// Deleted rows, one bit each (empty when none is).
    private let deletedBits: [UInt64]
    /// How many rows are deleted.
    let deletedCount: Int
    /// Where the payloads live.
    let blobs: BlobArena
    /// Every search reads the whole centroid section: remember once it has been verified.
    private let centroidsVerified = Atomic<Bool>(false)
    /// Clean-up to run once no reader holds this generation or an older one.
    let retirement = RetirementToken()

    var dimension: Int { postingsHeader.dimension }
    var metric: Metric { postingsHeader.metric }
    /// Rows of every layer, deleted ones included (row numbers run `0 ..< rowCount`).
    var rowCount: Int { recordsHeader.totalRows }
    /// Rows not deleted: the generation's records.
    var liveCount: Int { rowCount - deletedCount }
    var postingCount: Int { postingsHeader.postingCount }
    /// The generations whose files this one reads, oldest first.
    var layerGenerations: [UInt64] { layers.map(\.generation) }
    /// Posting entries of the whole index (replicas counted).
    var entryCount: Int { postingsHeader.entryCount }
    /// Bytes of every layer's two files.
    var fileBytes: Int { layers.reduce(0) { $0 + $1.postings.region.count + $1.records.region.count } }
    /// Bytes of this generation's own two files (the top layer).
    var topLayerBytes: Int { postings.region.count + records.region.count }

    /// Entries of each posting, in posting order.
    func postingSizes() throws(AeonError) -> [Int] {
        var sizes: [Int] = []
        sizes.reserveCapacity(postingCount)
        for p in 0..<postingCount { sizes.append(try directoryEntry(p).totalCount) }
        return sizes
    }

    init(io: any FileIO, directory: String, manifest: Manifest, blobs: BlobArena) throws(AeonError) {
        let generation = manifest.generation
        // A file the manifest names and that is not there is damage to the store, not a
        // missing input: `corrupt`, like any other damage.
        let file = { (name: String, magic: [UInt8], version: UInt32) throws(AeonError) -> PagedFile in
            do throws(AeonError) {
                return try PagedFile(io: io, path: directory + "/" + name, magic: magic, supportedVersion: version)
            } catch {
                guard error.code == .notFound else { throw error }
                throw AeonError(.corrupt, "the index file \(name) named by the manifest is missing", path: directory + "/" + name)
            }
        }
        let open = { (generation: UInt64) throws(AeonError) -> (PagedFile, PagedFile) in
            let postings = try file(StoreFileNames.postings(generation), PostingsHeader.magic, PostingsHeader.version)
            let records = try file(StoreFileNames.records(generation), RecordsHeader.magic, RecordsHeader.version)
            return (postings, records)
        }
        let (postings, records) = try open(generation)
        let ph = try PostingsHeader(file: postings, generation: generation)
        var layers: [Layer] = []
        for layer in ph.layers.dropLast() {
            let (p, r) = try open(layer)
            let lower = try PostingsHeader(file: p, generation: layer)
            guard lower.dimension == ph.dimension, lower.metric == ph.metric else {
                throw AeonError(.corrupt, "a layer disagrees with the one above about dimension or metric", path: p.path)
            }
            layers.append(Layer(generation: layer, postings: p, records: r, recordsHeader: try RecordsHeader(file: r)))
        }
        let rh = try RecordsHeader(file: records)
        layers.append(Layer(generation: generation, postings: postings, records: records, recordsHeader: rh))
        var expectedFirst = 0
        for layer in layers {
            let h = layer.recordsHeader
            guard h.dimension == manifest.dimension, h.metric == manifest.metric else {
                throw AeonError(.corrupt, "index file disagrees with the manifest about dimension or metric", path: layer.records.path)
            }
            guard h.firstRow == expectedFirst else {
                throw AeonError(
                    .corrupt, "records layer starts at row \(h.firstRow); the layer below ends at \(expectedFirst)", path: layer.records.path)
            }
            expectedFirst = h.totalRows
        }
        let centroidFile = layers[ph.centroidLayer].postings
        guard ph.centroidFirstPage >= 1, ph.centroidFirstPage + ph.centroidPageCount <= centroidFile.pageCount else {
            throw AeonError(.corrupt, "the centroid section lies outside \(centroidFile.path)", path: postings.path, offset: 48)
        }
        guard ph.dimension == manifest.dimension, ph.metric == manifest.metric else {
            throw AeonError(.corrupt, "index files disagree with the manifest about dimension or metric", path: postings.path)
        }
        // The deletion bitmap, checked page by page like any other.
        var bits: [UInt64] = []
        var deleted = 0
        if rh.deletionFirstPage > 0 {
            let offset = rh.deletionFirstPage * pageSize
            let raw = try records.bytes(offset..<(offset + rh.deletionBytes))
            bits = (0..<(rh.deletionBytes / 8)).map { raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self).littleEndian }
            deleted = bits.reduce(0) { $0 + $1.nonzeroBitCount }
            let tail = rh.totalRows % 64
            if tail != 0, let last = bits.last, last >> UInt64(tail) != 0 {
                throw AeonError(.corrupt, "the deletion bitmap marks rows past the last", path: records.path, offset: UInt64(offset))
            }
            if deleted == 0 { bits = [] }
        }
        guard ph.rowCount == rh.totalRows, UInt64(rh.totalRows - deleted) == manifest.recordCount else {
            throw AeonError(
                .corrupt,
                "index files hold \(ph.rowCount) / \(rh.totalRows) rows (\(deleted) deleted); the manifest says \(manifest.recordCount) records",
                path: records.path)
        }
        self.postings = postings
        self.records = records
        self.postingsHeader = ph
        self.recordsHeader = rh
        self.generation = generation
        self.layers = layers
        self.deletedBits = bits
        self.deletedCount = deleted
        self.blobs = blobs
    }

    /// Whether row `row` is deleted (replaced or removed by a write this generation includes).
    @inline(__always)
    func isDeleted(_ row: Int) -> Bool {
        // A row past the bitmap (a corrupt posting entry) is reported by the read that follows.
        let word = row >> 6
        return word < deletedBits.count && deletedBits[word] & (1 << UInt64(row & 63)) != 0
    }

    /// The deletion bitmap, 64 rows a word (empty when no row is deleted).
    var deletionWords: [UInt64] { deletedBits }

    /// Whether any row is deleted.
    var hasDeletions: Bool { deletedCount > 0 }

    /// The layer holding row `row` (checked by the caller to be below ``rowCount``).
    @inline(__always)
    func layer(ofRow row: Int) -> Layer {
        // Most rows are the bottom layer's.
        for layer in layers where row < layer.recordsHeader.totalRows { return layer }
        preconditionFailure("Atlas: row \(row) of \(rowCount)")
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
        let file = layers[postingsHeader.centroidLayer].postings
        let base = file.region.base + first * pageSize
        let groups = CentroidGroups(
            count: layout.groupCount, vectors: (base + layout.groupVectorsOffset).assumingMemoryBound(to: Float.self),
            vectorStride: layout.vectorStride / 4, ranges: (base + layout.groupRangesOffset).assumingMemoryBound(to: UInt32.self))
        if !centroidsVerified.load(ordering: .relaxed) {
            _ = try file.pages(pages)
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

    /// Posting `p`'s directory entry, checked against the files whose pages it names.
    func directoryEntry(_ p: Int) throws(AeonError) -> PostingDirectoryEntry {
        precondition(p >= 0 && p < postingCount, "Atlas: posting \(p) out of range")
        let size = postingsHeader.directoryEntrySize
        let offset = postingsHeader.directoryFirstPage * pageSize + p * size
        let raw = try postings.bytes(offset..<(offset + size))
        var r = BinaryReader(raw, path: postings.path, baseOffset: UInt64(offset))
        var fields: [Int] = []
        for _ in 0..<(size / 4) { fields.append(Int(try r.read(UInt32.self))) }
        var entry = PostingDirectoryEntry(firstPage: fields[0], pageCount: fields[1], count: fields[2], capacity: fields[3])
        if size > 16 {
            entry.layer = fields[4]
            entry.tailLayer = fields[5]
            entry.tailFirstPage = fields[6]
            entry.tailPageCount = fields[7]
            entry.tailCount = fields[8]
            entry.tailCapacity = fields[9]
        }
        let stride = postingsHeader.codeStride
        let fits = { (layer: Int, first: Int, pages: Int, count: Int, capacity: Int) -> Bool in
            // A layer's own posting pages follow its directory; older layers' were checked when written.
            let dataStart = layer == self.layers.count - 1 ? self.postingsHeader.directoryFirstPage + self.postingsHeader.directoryPageCount : 1
            return layer < self.layers.count && first >= dataStart && pages >= 1 && first + pages <= self.layers[layer].postings.pageCount
                && capacity == PostingLayout.capacity(pages: pages, codeStride: stride) && count <= capacity
        }
        let noTail = entry.tailLayer == 0 && entry.tailFirstPage == 0 && entry.tailPageCount == 0 && entry.tailCount == 0
            && entry.tailCapacity == 0
        guard fits(entry.layer, entry.firstPage, entry.pageCount, entry.count, entry.capacity),
            noTail || (entry.tailLayer > entry.layer && entry.tailCount > 0
                && fits(entry.tailLayer, entry.tailFirstPage, entry.tailPageCount, entry.tailCount, entry.tailCapacity))
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

    /// Posting `p`'s head, and its tail if it has one.
    func posting(_ p: Int) throws(AeonError) -> (head: PostingView, tail: PostingView?) {
        let entry = try directoryEntry(p)
        let head = try view(layer: entry.layer, firstPage: entry.firstPage, pageCount: entry.pageCount, count: entry.count, capacity: entry.capacity)
        guard entry.tailCount > 0 else { return (head, nil) }
        let tail = try view(
            layer: entry.tailLayer, firstPage: entry.tailFirstPage, pageCount: entry.tailPageCount, count: entry.tailCount,
            capacity: entry.tailCapacity)
        return (head, tail)
    }

    private func view(layer: Int, firstPage: Int, pageCount: Int, count: Int, capacity: Int) throws(AeonError) -> PostingView {
        let layout = PostingLayout(capacity: capacity, codeStride: postingsHeader.codeStride)
        let file = layers[layer].postings
        let rowCount = self.rowCount
        let dimension = self.dimension
        // The checksum says the pages are as written, not that what was written makes sense:
        // a row number past the rows would be read as memory outside them, a NaN scale would
        // poison every score. Checked once per posting, at its first read.
        let bytes = try file.pages(firstPage..<(firstPage + pageCount)) { (bytes) throws(AeonError) in
            let base = bytes.baseAddress!
            for i in 0..<count {
                let row = Int(base.loadUnaligned(fromByteOffset: layout.rowsOffset + 4 * i, as: UInt32.self).littleEndian)
                let scale = base.loadUnaligned(fromByteOffset: layout.scalesOffset + 4 * i, as: Float.self)
                let norm = base.loadUnaligned(fromByteOffset: layout.normsOffset + 4 * i, as: Float.self)
                guard row < rowCount, scale.isFinite, scale >= 0, norm.isFinite, norm >= 0 else {
                    throw AeonError(
                        .corrupt, "posting entry \(i) at page \(firstPage) names row \(row) of \(rowCount), scale \(scale), squared norm \(norm)",
                        path: file.path, offset: UInt64(firstPage * pageSize))
                }
                // Codes lie in [-127, 127]: the AVX2 kernels' sign trick cannot multiply -128.
                let codes = UnsafeRawBufferPointer(start: base + layout.codesOffset + i * layout.codeStride, count: dimension)
                guard !codes.contains(0x80) else {
                    throw AeonError(
                        .corrupt, "posting entry \(i) at page \(firstPage) holds the code -128", path: file.path,
                        offset: UInt64(firstPage * pageSize))
                }
            }
        }
        let base = bytes.baseAddress!
        return PostingView(
            count: count, rows: (base + layout.rowsOffset).assumingMemoryBound(to: UInt32.self),
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
        let layer = layer(ofRow: row)
        let h = layer.recordsHeader
        let offset = h.vectorsFirstPage * pageSize + (row - h.firstRow) * h.vectorStride
        // A NaN read back would rank silently wrong: each page of vectors is checked once.
        let file = layer.records
        return try file.bytes(offset..<(offset + dimension * 4)) { (page, number) throws(AeonError) in
            guard VectorValidation.allFinite(page) else {
                throw AeonError(.corrupt, "a stored vector holds a non-finite value in page \(number)", path: file.path, offset: UInt64(number * pageSize))
            }
        }.baseAddress!.assumingMemoryBound(to: Float.self)
    }

    /// A live row's id and vector, checked as a rebuild must before it carries them into a new
    /// generation: the vector as the store writes them (norm bound, unit length for cosine),
    /// and the id index agreeing that this row holds that id. A checksum cannot vouch for either,
    /// and a fold or compaction would otherwise make a forgery permanent and `verify` clean.
    func checkedLiveRow(_ row: Int) throws(AeonError) -> (id: UInt64, vector: UnsafePointer<Float>) {
        let vector = try self.vector(row: row)
        if let problem = VectorValidation.problem(withStored: UnsafeBufferPointer(start: vector, count: dimension), metric: metric) {
            throw AeonError(.corrupt, "row \(row) holds a vector with \(problem)", path: layer(ofRow: row).records.path)
        }
        let id = try self.id(row: row)
        guard try self.row(id: id) == row else {
            throw AeonError(.corrupt, "row \(row) holds id \(id), which the id index does not place there", path: layer(ofRow: row).records.path)
        }
        return (id, vector)
    }

    /// Row `row`'s id.
    func id(row: Int) throws(AeonError) -> UInt64 {
        try checkRow(row, "an id lookup")
        let layer = layer(ofRow: row)
        let offset = layer.recordsHeader.idsFirstPage * pageSize + (row - layer.recordsHeader.firstRow) * 8
        return try layer.records.bytes(offset..<(offset + 8)).loadUnaligned(as: UInt64.self).littleEndian
    }

    /// The live row holding `id`; `nil` if absent or deleted. Each layer's id index is sorted;
    /// the newest layer that lists the id has its latest row (a later write of an id deletes
    /// its earlier rows), so the search goes from the top down and stops at the first hit.
    func row(id: UInt64) throws(AeonError) -> Int? {
        for layer in layers.reversed() {
            if let row = try Self.row(id: id, in: layer) {
                try checkRow(row, "the id index")
                return isDeleted(row) ? nil : row
            }
        }
        return nil
    }

    private static func row(id: UInt64, in layer: Layer) throws(AeonError) -> Int? {
        let base = layer.recordsHeader.idIndexFirstPage * pageSize
        let size = RecordsHeader.idIndexEntrySize
        var low = 0, high = layer.recordsHeader.idIndexCount
        while low < high {
            let mid = (low + high) / 2
            let entry = try layer.records.bytes((base + mid * size)..<(base + (mid + 1) * size))
            let found = entry.loadUnaligned(as: UInt64.self).littleEndian
            if found == id { return Int(entry.loadUnaligned(fromByteOffset: 8, as: UInt32.self).littleEndian) }
            if found < id { low = mid + 1 } else { high = mid }
        }
        return nil
    }

    /// Where row `row`'s payload lies; `nil` when it has none.
    func payloadReference(row: Int) throws(AeonError) -> PayloadReference? {
        try checkRow(row, "a payload lookup")
        let layer = layer(ofRow: row)
        let h = layer.recordsHeader
        let base = h.payloadTableFirstPage * pageSize + (row - h.firstRow) * RecordsHeader.payloadEntrySize
        let entry = try layer.records.bytes(base..<(base + RecordsHeader.payloadEntrySize))
        var reader = BinaryReader(entry, path: layer.records.path, baseOffset: UInt64(base))
        let location = try BlobLocation(from: &reader)
        let length = Int(try reader.read(UInt32.self))
        let flags = try reader.read(UInt32.self)
        // A row without a payload is all zeros: anything else there is damage, not "no payload".
        guard flags <= 1, flags == 1 || (length == 0 && location == BlobLocation(segment: 0, offset: 0, length: 0, checksum: 0)) else {
            throw AeonError(
                .corrupt, "row \(row)'s payload entry has flags \(flags) with location \(location) and length \(length)",
                path: layer.records.path, offset: UInt64(base))
        }
        return flags == 0 ? nil : PayloadReference(location: location, length: length)
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

    /// Every page of every layer's files checked against its checksum (one error per bad page),
    /// then, when the pages are sound, the structure: every directory entry in bounds, every
    /// live row reachable from some posting and each row at most once per posting, the entry
    /// count, each layer's id index sorted, unique and consistent with its ids, every live
    /// row's payload readable from the blob arena with its checksum intact.
    func verify() -> [AeonError] {
        var problems = layers.flatMap { $0.postings.checkAllPages() + $0.records.checkAllPages() }
        guard problems.isEmpty else { return problems }
        do throws(AeonError) {
            _ = try centroids()
            var reached = [Bool](repeating: false, count: rowCount)
            var entries = 0
            for p in 0..<postingCount {
                let (head, tail) = try self.posting(p)
                var seen = Set<UInt32>()
                for (part, posting) in [head, tail].enumerated() {
                    guard let posting else { continue }
                    entries += posting.count
                    for i in 0..<posting.count {
                        let row = Int(posting.rows[i])
                        guard row < rowCount, seen.insert(posting.rows[i]).inserted else {
                            problems.append(AeonError(
                                .corrupt,
                                "posting \(p) \(part == 0 ? "head" : "tail") entry \(i) holds row \(row) (rows: \(rowCount); repeated: \(row < rowCount))",
                                path: postings.path))
                            continue
                        }
                        reached[row] = true
                    }
                }
            }
            if entries != postingsHeader.entryCount {
                problems.append(AeonError(
                    .corrupt, "postings hold \(entries) entries; the header says \(postingsHeader.entryCount)", path: postings.path, offset: 72))
            }
            let lost = (0..<rowCount).filter { !reached[$0] && !isDeleted($0) }
            if let first = lost.first {
                problems.append(AeonError(.corrupt, "\(lost.count) live rows are in no posting (the first: row \(first))", path: postings.path))
            }
            for layer in layers {
                let h = layer.recordsHeader
                var previous: UInt64? = nil
                let indexBase = h.idIndexFirstPage * pageSize
                for i in 0..<h.idIndexCount {
                    let entry = try layer.records.bytes((indexBase + i * 16)..<(indexBase + i * 16 + 16))
                    let id = entry.loadUnaligned(as: UInt64.self).littleEndian
                    let row = Int(entry.loadUnaligned(fromByteOffset: 8, as: UInt32.self).littleEndian)
                    if let previous, id <= previous {
                        problems.append(AeonError(
                            .corrupt, "id index is not sorted and unique at entry \(i)", path: layer.records.path, offset: UInt64(indexBase + i * 16)))
                        break
                    }
                    let holds = h.firstRow <= row && row < h.totalRows ? try self.id(row: row) : nil
                    if holds != id {
                        problems.append(AeonError(
                            .corrupt, "id index entry \(i) (id \(id)) points at row \(row), which is not this layer's row of that id",
                            path: layer.records.path, offset: UInt64(indexBase + i * 16)))
                        break
                    }
                    previous = id
                }
            }
            // Every live row is what its id finds (no id has two live rows, none is unlisted).
            for row in 0..<rowCount where !isDeleted(row) {
                let id = try self.id(row: row)
                if try self.row(id: id) != row {
                    problems.append(AeonError(.corrupt, "live row \(row) (id \(id)) is not the row its id finds", path: records.path))
                    break
                }
            }
            // Every stored vector as the store writes them: finite, within the norm bound, unit
            // length in a cosine store (one report per layer: a forged file has many).
            for layer in layers {
                let h = layer.recordsHeader
                for row in h.firstRow..<h.totalRows {
                    let vector = UnsafeBufferPointer(start: try self.vector(row: row), count: dimension)
                    if let problem = VectorValidation.problem(withStored: vector, metric: metric) {
                        problems.append(AeonError(
                            .corrupt, "row \(row) holds a vector with \(problem)", path: layer.records.path,
                            offset: UInt64(h.vectorsFirstPage * pageSize + (row - h.firstRow) * h.vectorStride)))
                        break
                    }
                }
            }
            // Every live payload read back from the blob arena and checked, each bad one reported
            // by record (deleted rows' blobs may already be collected); no two live records share
            // one (garbage collection would count it twice, and a delete would reclaim both).
            var owners: [BlobLocation: Int] = [:]
            for row in 0..<rowCount where !isDeleted(row) {
                do throws(AeonError) {
                    if let reference = try payloadReference(row: row) {
                        if let other = owners.updateValue(row, forKey: reference.location) {
                            problems.append(AeonError(
                                .corrupt, "rows \(other) and \(row) name the same payload (\(reference.location))", path: records.path))
                        }
                    }
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
