/// Writes a ``PagedFile``: sections of pages appended in order, then the page-checksum table
/// and the header. The data is fsync'd before ``finish(fileHeader:)`` returns; the caller
/// publishes the file (manifest rename) only after that.
final class PagedFileWriter {
    private let file: StorageFile
    private let magic: [UInt8]
    private let version: UInt32
    private var buffer: [UInt8] = []
    /// Pages written to disk so far (page 0, the header, is written last).
    private var flushedPages = 1
    private var checksums: [UInt32] = [0]
    private static let flushBytes = 1 << 20

    var path: String { file.path }

    /// Creates (or truncates) `path`.
    init(io: any FileIO, path: String, magic: [UInt8], version: UInt32) throws(AeonError) {
        precondition(magic.count == 8, "PagedFileWriter: magic must be 8 bytes")
        self.file = try StorageFile(io: io, path: path, access: .readWrite, create: true, truncate: true)
        self.magic = magic
        self.version = version
        buffer.reserveCapacity(Self.flushBytes + pageSize)
    }

    /// The page the next appended byte lands in.
    var currentPage: Int { flushedPages + buffer.count / pageSize }

    /// The file offset of the next appended byte.
    var currentOffset: Int { flushedPages * pageSize + buffer.count }

    /// Appends bytes to the current section.
    func append(_ bytes: UnsafeRawBufferPointer) throws(AeonError) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= Self.flushBytes { try flushWholePages() }
    }

    func append(_ bytes: [UInt8]) throws(AeonError) {
        let result = bytes.withUnsafeBytes { b in Result { () throws(AeonError) in try append(b) } }
        try result.get()
    }

    /// Pads with zeros to a multiple of `alignment` bytes (a power of two ≤ the page size).
    func pad(to alignment: Int) throws(AeonError) {
        let target = PagedFileLayout.align(currentOffset, alignment)
        buffer.append(contentsOf: repeatElement(0, count: target - currentOffset))
        if buffer.count >= Self.flushBytes { try flushWholePages() }
    }

    /// Pads to the next page boundary and returns the page the next section starts on.
    @discardableResult
    func startSection() throws(AeonError) -> Int {
        try pad(to: pageSize)
        return currentPage
    }

    private func flushWholePages() throws(AeonError) {
        let whole = buffer.count / pageSize
        guard whole > 0 else { return }
        let bytes = whole * pageSize
        let result = buffer.withUnsafeBytes { raw in
            Result { () throws(AeonError) in
                for page in 0..<whole {
                    checksums.append(CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[(page * pageSize)..<((page + 1) * pageSize)])))
                }
                try file.write(UnsafeRawBufferPointer(rebasing: raw[0..<bytes]), at: UInt64(flushedPages * pageSize))
            }
        }
        try result.get()
        flushedPages += whole
        buffer.removeFirst(bytes)
    }

    /// Writes the checksum table and the header (common fields, then `fileHeader`, which must
    /// fit in bytes 32..<4092), syncs the file and closes it.
    func finish(fileHeader: [UInt8]) throws(AeonError) {
        precondition(fileHeader.count <= pageSize - 4 - PagedFileLayout.commonHeaderSize, "PagedFileWriter: header too large")
        try startSection()
        try flushWholePages()
        let tablePage = flushedPages
        // The table has an entry for every page, its own included (zero), so its size depends
        // on the total it is part of: iterate to the fixed point (one or two steps).
        var pagesForTable = 1
        while PagedFileLayout.pages(forBytes: (tablePage + pagesForTable) * 4) != pagesForTable {
            pagesForTable = PagedFileLayout.pages(forBytes: (tablePage + pagesForTable) * 4)
        }
        let total = tablePage + pagesForTable
        checksums.append(contentsOf: repeatElement(0, count: total - checksums.count))
        var table = BinaryWriter(capacity: pagesForTable * pageSize)
        for crc in checksums { table.append(crc) }
        // The table's checksum covers its whole pages, zero padding included.
        table.pad(to: pagesForTable * pageSize)
        let tableCRC = CRC32C.checksum(table.bytes)
        try file.write(table.bytes, at: UInt64(tablePage * pageSize))

        var header = BinaryWriter(capacity: pageSize)
        header.append(magic)
        header.append(version)
        header.append(UInt32(pageSize))
        header.append(UInt32(total))
        header.append(UInt32(tablePage))
        header.append(UInt32(pagesForTable))
        header.append(tableCRC)
        header.append(fileHeader)
        header.pad(to: pageSize - 4)
        header.append(CRC32C.checksum(header.bytes))
        try file.write(header.bytes, at: 0)
        try file.sync(metadata: true)
        try file.close()
    }
}
