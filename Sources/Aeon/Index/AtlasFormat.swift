// The layouts of Atlas's two paged files (docs/FORMAT.md, "Atlas"). The writer (AtlasBuilder)
// and the reader (Atlas) both derive every offset from these types, so they cannot disagree.

/// Rows of int8 codes are padded to a multiple of this, so each starts on a cache line.
let codeAlignment = 64

/// The file-specific header of a `.postings` file.
struct PostingsHeader: Equatable {
    static let magic = Array("AEONPOST".utf8)
    /// 2: layered generations (the layer list; directory entries name their layer).
    static let version: UInt32 = 2
    /// The most layers a generation may have (a base and its deltas); checkpoints fold far
    /// sooner (``AeonStore``), this bounds what a reader accepts.
    static let maximumLayers = 64

    var dimension: Int
    var metric: Metric
    var postingCount: Int
    var centroidFirstPage: Int
    var centroidPageCount: Int
    var directoryFirstPage: Int
    var directoryPageCount: Int
    var rowCount: Int
    var entryCount: Int
    var maxReplicas: Int
    var postingSizeLimit: Int
    var replicaEpsilon: Float
    var groupCount: Int
    /// The generations whose postings files hold this generation's posting pages, oldest
    /// first; the last is this file's own. A full generation lists only itself.
    var layers: [UInt64]
    /// Which layer's file holds the centroid section (an index into ``layers``): a checkpoint
    /// that changed no centroid keeps the section below instead of writing it again.
    var centroidLayer: Int = 0
    /// The file's format version (directory entries are 16 bytes in version 1, 40 after).
    var version: UInt32 = PostingsHeader.version

    var codeStride: Int { PagedFileLayout.align(dimension, codeAlignment) }
    var directoryEntrySize: Int { version == 1 ? 16 : PostingDirectoryEntry.size }
    var centroids: CentroidLayout { CentroidLayout(count: postingCount, groupCount: groupCount, dimension: dimension) }

    func encoded() -> [UInt8] {
        var w = BinaryWriter()
        w.append(UInt32(dimension))
        w.append(UInt32(codeStride))
        w.append(metric.rawValue)
        w.pad(to: 12)
        w.append(UInt32(postingCount))
        w.append(UInt32(centroidFirstPage))
        w.append(UInt32(centroidPageCount))
        w.append(UInt32(directoryFirstPage))
        w.append(UInt32(directoryPageCount))
        w.append(UInt64(rowCount))
        w.append(UInt64(entryCount))
        w.append(UInt32(maxReplicas))
        w.append(UInt32(postingSizeLimit))
        w.append(replicaEpsilon)
        w.append(UInt32(groupCount))
        w.append(UInt32(layers.count))
        w.append(UInt32(centroidLayer))
        for layer in layers { w.append(layer) }
        return w.bytes
    }

    /// Reads and checks the header of an opened postings file of generation `generation`.
    init(file: PagedFile, generation: UInt64) throws(AeonError) {
        var r = BinaryReader(file.fileHeader, path: file.path, baseOffset: UInt64(PagedFileLayout.commonHeaderSize))
        dimension = Int(try r.read(UInt32.self))
        let stride = Int(try r.read(UInt32.self))
        let metricValue = try r.read(UInt8.self)
        try r.skip(to: 12)
        postingCount = Int(try r.read(UInt32.self))
        centroidFirstPage = Int(try r.read(UInt32.self))
        centroidPageCount = Int(try r.read(UInt32.self))
        directoryFirstPage = Int(try r.read(UInt32.self))
        directoryPageCount = Int(try r.read(UInt32.self))
        let rows = try r.read(UInt64.self), entries = try r.read(UInt64.self)
        guard rows <= RecordsHeader.maximumRows, entries <= UInt64(UInt32.max) * UInt64(Self.maximumLayers + 1) else {
            throw AeonError(.corrupt, "postings header counts \(rows) rows and \(entries) entries", path: file.path, offset: 64)
        }
        rowCount = Int(rows)
        entryCount = Int(entries)
        maxReplicas = Int(try r.read(UInt32.self))
        postingSizeLimit = Int(try r.read(UInt32.self))
        replicaEpsilon = try r.readFloat()
        groupCount = Int(try r.read(UInt32.self))
        version = file.version
        if version == 1 {
            layers = [generation]
        } else {
            let count = Int(try r.read(UInt32.self))
            centroidLayer = Int(try r.read(UInt32.self))
            guard (1...Self.maximumLayers).contains(count) else {
                throw AeonError(.corrupt, "postings header lists \(count) layers", path: file.path, offset: 96)
            }
            var layers: [UInt64] = []
            for _ in 0..<count { layers.append(try r.read(UInt64.self)) }
            guard layers.last == generation, zip(layers, layers.dropFirst()).allSatisfy({ $0 < $1 }) else {
                throw AeonError(
                    .corrupt, "postings header's layers \(layers) do not rise to its own generation \(generation)", path: file.path, offset: 104)
            }
            self.layers = layers
            guard centroidLayer < count else {
                throw AeonError(.corrupt, "postings header's centroid layer \(centroidLayer) is not one of its \(count)", path: file.path, offset: 100)
            }
        }
        guard let metric = Metric(rawValue: metricValue) else {
            throw AeonError(.corrupt, "unknown metric \(metricValue)", path: file.path, offset: 40)
        }
        self.metric = metric
        let fits = { (first: Int, count: Int) in first >= 1 && count >= 0 && first + count <= file.pageCount }
        guard dimension >= 1, dimension <= Kernels.maximumDimension, stride == codeStride,
            centroidLayer != layers.count - 1 || fits(centroidFirstPage, centroidPageCount), fits(directoryFirstPage, directoryPageCount),
            postingCount == 0 ? groupCount == 0 : (1...postingCount).contains(groupCount),
            centroidPageCount == PagedFileLayout.pages(forBytes: centroids.byteCount),
            directoryPageCount == PagedFileLayout.pages(forBytes: postingCount * directoryEntrySize)
        else {
            throw AeonError(.corrupt, "postings header fields are inconsistent with each other or the file", path: file.path, offset: 32)
        }
    }

    init(
        dimension: Int, metric: Metric, postingCount: Int, centroidFirstPage: Int, centroidPageCount: Int,
        directoryFirstPage: Int, directoryPageCount: Int, rowCount: Int, entryCount: Int, groupCount: Int, layers: [UInt64],
        centroidLayer: Int, build: BuildParameters
    ) {
        self.layers = layers
        self.centroidLayer = centroidLayer
        self.dimension = dimension
        self.metric = metric
        self.postingCount = postingCount
        self.centroidFirstPage = centroidFirstPage
        self.centroidPageCount = centroidPageCount
        self.directoryFirstPage = directoryFirstPage
        self.directoryPageCount = directoryPageCount
        self.rowCount = rowCount
        self.entryCount = entryCount
        self.maxReplicas = build.maxReplicas
        self.postingSizeLimit = build.postingSizeLimit
        self.replicaEpsilon = build.replicaEpsilon
        self.groupCount = groupCount
    }
}

/// The centroid section: fp32 centroids, their int8 codes (for the routing scan), scales and
/// squared norms, then the routing groups: fp32 group centroids and each group's range of
/// postings (postings are numbered so that every group's are contiguous). Each sub-array is
/// 64-byte aligned.
struct CentroidLayout {
    let count: Int
    let groupCount: Int
    let dimension: Int

    var vectorStride: Int { PagedFileLayout.align(dimension * 4, codeAlignment) }
    var codeStride: Int { PagedFileLayout.align(dimension, codeAlignment) }
    var vectorsOffset: Int { 0 }
    var codesOffset: Int { count * vectorStride }
    var scalesOffset: Int { PagedFileLayout.align(codesOffset + count * codeStride, codeAlignment) }
    var normsOffset: Int { PagedFileLayout.align(scalesOffset + count * 4, codeAlignment) }
    var groupVectorsOffset: Int { PagedFileLayout.align(normsOffset + count * 4, codeAlignment) }
    var groupRangesOffset: Int { groupVectorsOffset + groupCount * vectorStride }
    var byteCount: Int { groupRangesOffset + groupCount * 8 }
}

/// Where a posting lives: 40 bytes per posting in the directory section (16 in version 1,
/// which has neither layers nor tails). A posting is its *head* (pages of one layer) plus,
/// optionally, a *tail*: the entries appended since the head was written, in pages of a later
/// layer, laid out like a posting of their own. A checkpoint that writes only what changed
/// writes a posting's new tail (its old tail's entries and the new ones), not its head.
struct PostingDirectoryEntry: Equatable {
    static let size = 40
    var firstPage: Int
    var pageCount: Int
    var count: Int
    var capacity: Int
    /// Which of the generation's layers holds the head's pages (an index into ``PostingsHeader/layers``).
    var layer: Int = 0
    /// The tail: its layer, pages, entries and capacity (all 0 when there is none).
    var tailLayer: Int = 0
    var tailFirstPage: Int = 0
    var tailPageCount: Int = 0
    var tailCount: Int = 0
    var tailCapacity: Int = 0

    /// Entries of head and tail.
    var totalCount: Int { count + tailCount }

    func encode(into w: inout BinaryWriter) {
        for field in [firstPage, pageCount, count, capacity, layer, tailLayer, tailFirstPage, tailPageCount, tailCount, tailCapacity] {
            w.append(UInt32(field))
        }
    }
}

/// A posting's bytes: `capacity` row numbers (u32), scales (f32), squared norms (f32), then the
/// int8 code rows (64-byte aligned, `codeStride` bytes each).
struct PostingLayout {
    let capacity: Int
    let codeStride: Int

    var rowsOffset: Int { 0 }
    var scalesOffset: Int { capacity * 4 }
    var normsOffset: Int { capacity * 8 }
    var codesOffset: Int { PagedFileLayout.align(capacity * 12, codeAlignment) }
    var byteCount: Int { codesOffset + capacity * codeStride }

    /// The most entries `pages` pages hold.
    static func capacity(pages: Int, codeStride: Int) -> Int {
        let bytes = pages * pageSize
        var c = bytes / (12 + codeStride)
        while c > 0 && PostingLayout(capacity: c, codeStride: codeStride).byteCount > bytes { c -= 1 }
        return c
    }
}

/// The file-specific header of a `.records` file.
struct RecordsHeader: Equatable {
    static let magic = Array("AEONRECS".utf8)
    /// 2: payloads live in the blob arena; the payload table holds their locations.
    /// 3: layered generations (the file's first row; the deletion bitmap).
    static let version: UInt32 = 3

    var dimension: Int
    var metric: Metric
    var rowCount: Int
    var vectorsFirstPage: Int
    var idsFirstPage: Int
    var idIndexFirstPage: Int
    var payloadTableFirstPage: Int
    /// This file's rows are `firstRow ..< firstRow + rowCount`; the rows before are the
    /// earlier layers'.
    var firstRow: Int = 0
    /// The page of the deletion bitmap over rows `0 ..< firstRow + rowCount`; 0 when the file
    /// has none (version 2: no row is deleted).
    var deletionFirstPage: Int = 0
    /// Entries of the id index: one per id with a row in this file (its latest), so fewer
    /// than ``rowCount`` when an id was written again since the layer below. Version 2: the
    /// row count.
    var idIndexCount: Int = 0

    /// Rows of every layer up to and including this one.
    var totalRows: Int { firstRow + rowCount }
    /// Bytes of the deletion bitmap: one bit per row, in little-endian 64-bit words.
    var deletionBytes: Int { (totalRows + 63) / 64 * 8 }

    var vectorStride: Int { PagedFileLayout.align(dimension * 4, codeAlignment) }
    /// The most rows a generation may number (row numbers are `u32`, and the online index
    /// numbers up to ``LiveRows/capacity`` more after them).
    static let maximumRows = UInt64(UInt32.max) - UInt64(LiveRows.capacity) - 1
    static let idIndexEntrySize = 16
    /// A ``BlobLocation`` (24 bytes), the payload's length (u32) and flags (u32; bit 0: has one).
    static let payloadEntrySize = 32

    func encoded() -> [UInt8] {
        var w = BinaryWriter()
        w.append(UInt32(dimension))
        w.append(UInt32(vectorStride))
        w.append(metric.rawValue)
        w.pad(to: 12)
        w.append(UInt64(rowCount))
        w.append(UInt32(vectorsFirstPage))
        w.append(UInt32(idsFirstPage))
        w.append(UInt32(idIndexFirstPage))
        w.append(UInt32(payloadTableFirstPage))
        w.append(UInt64(firstRow))
        w.append(UInt32(deletionFirstPage))
        w.append(UInt32(idIndexCount))
        return w.bytes
    }

    init(
        dimension: Int, metric: Metric, rowCount: Int, vectorsFirstPage: Int, idsFirstPage: Int, idIndexFirstPage: Int,
        payloadTableFirstPage: Int, firstRow: Int, deletionFirstPage: Int, idIndexCount: Int
    ) {
        self.idIndexCount = idIndexCount
        self.firstRow = firstRow
        self.deletionFirstPage = deletionFirstPage
        self.dimension = dimension
        self.metric = metric
        self.rowCount = rowCount
        self.vectorsFirstPage = vectorsFirstPage
        self.idsFirstPage = idsFirstPage
        self.idIndexFirstPage = idIndexFirstPage
        self.payloadTableFirstPage = payloadTableFirstPage
    }

    /// Reads and checks the header of an opened records file.
    init(file: PagedFile) throws(AeonError) {
        var r = BinaryReader(file.fileHeader, path: file.path, baseOffset: UInt64(PagedFileLayout.commonHeaderSize))
        dimension = Int(try r.read(UInt32.self))
        let stride = Int(try r.read(UInt32.self))
        let metricValue = try r.read(UInt8.self)
        try r.skip(to: 12)
        // Counts are bounded before any arithmetic on them: a corrupt header must not trap.
        let rows = try r.read(UInt64.self)
        vectorsFirstPage = Int(try r.read(UInt32.self))
        idsFirstPage = Int(try r.read(UInt32.self))
        idIndexFirstPage = Int(try r.read(UInt32.self))
        payloadTableFirstPage = Int(try r.read(UInt32.self))
        var first: UInt64 = 0
        if file.version >= 3 {
            first = try r.read(UInt64.self)
            deletionFirstPage = Int(try r.read(UInt32.self))
            idIndexCount = Int(try r.read(UInt32.self))
        }
        guard rows <= Self.maximumRows, first <= Self.maximumRows - rows else {
            throw AeonError(.corrupt, "records header counts \(first) + \(rows) rows (at most \(Self.maximumRows))", path: file.path, offset: 44)
        }
        rowCount = Int(rows)
        firstRow = Int(first)
        if file.version < 3 { idIndexCount = rowCount }
        guard let metric = Metric(rawValue: metricValue) else {
            throw AeonError(.corrupt, "unknown metric \(metricValue)", path: file.path, offset: 40)
        }
        self.metric = metric
        let end = file.pageCount * pageSize
        let sections: [(page: Int, bytes: Int)] = [
            (vectorsFirstPage, rowCount * vectorStride),
            (idsFirstPage, rowCount * 8), (idIndexFirstPage, idIndexCount * Self.idIndexEntrySize),
            (payloadTableFirstPage, rowCount * Self.payloadEntrySize),
        ] + (file.version >= 3 ? [(deletionFirstPage, deletionBytes)] : [])
        guard dimension >= 1, dimension <= Kernels.maximumDimension, stride == vectorStride, idIndexCount <= rowCount, sections.allSatisfy({ $0.page >= 1 && $0.page * pageSize + $0.bytes <= end })
        else {
            throw AeonError(.corrupt, "records header fields are inconsistent with each other or the file", path: file.path, offset: 32)
        }
        // Each section in pages of its own: two that share a page would read one's bytes as
        // the other's (ids from vectors, say) with every checksum intact.
        let placed = sections.filter { $0.bytes > 0 }.map { $0.page..<($0.page + PagedFileLayout.pages(forBytes: $0.bytes)) }
            .sorted { $0.lowerBound < $1.lowerBound }
        guard zip(placed, placed.dropFirst()).allSatisfy({ $0.upperBound <= $1.lowerBound }) else {
            throw AeonError(.corrupt, "records file sections overlap", path: file.path, offset: 44)
        }
    }
}
