import Synchronization

/// The page size of every Aeon paged file.
let pageSize = 4096

/// A read-only, memory-mapped file of 4 KiB pages with a checksum for every page.
///
/// Layout (docs/FORMAT.md, "Paged files"): page 0 is the header (common fields, then the
/// file's own fields, its CRC32C in the last four bytes); a table of one CRC32C per page sits
/// in pages of its own, with its checksum in the header. Opening verifies the header and the
/// table only, so it costs the same for any file size; every other page is verified the first
/// time it is read and remembered in a lock-free bitmap, so a flipped byte is reported
/// (``AeonError/Code/corrupt``, with the file and offset) before its data is used, and the scan
/// pays the checksum once per page, not once per query.
final class PagedFile: @unchecked Sendable {
    // All stored properties are immutable after init except the bitmap words, which are atomics.
    let region: MappedRegion
    let pageCount: Int
    let version: UInt32
    private let crcTablePage: Int
    /// Pages whose checksum has been verified.
    private let verified: AtomicBitmap
    /// Sections (by their first page) or pages whose contents a reader has also checked for
    /// meaning (see ``pages(_:validating:)`` and ``bytes(_:validatingPages:)``; a file uses one
    /// or the other for any one section).
    private let validated: AtomicBitmap

    var path: String { region.path }

    /// The file-specific header fields: bytes 32..<4092 of page 0.
    var fileHeader: UnsafeRawBufferPointer { region.bytes(PagedFileLayout.commonHeaderSize..<(pageSize - 4)) }

    /// Maps and checks `path`: magic, header checksum, version, size, page-checksum table.
    init(io: any FileIO, path: String, magic: [UInt8], supportedVersion: UInt32) throws(AeonError) {
        precondition(magic.count == 8, "PagedFile: magic must be 8 bytes")
        let region = try MappedRegion(io: io, path: path)
        guard region.count >= pageSize else {
            throw AeonError(.corrupt, "file of \(region.count) bytes is shorter than its header page", path: path)
        }
        let header = region.bytes(0..<pageSize)
        guard Array(header[0..<8]) == magic else {
            throw AeonError(
                .corrupt, "not an Aeon \(String(decoding: magic, as: UTF8.self)) file (bad magic)", path: path, offset: 0)
        }
        let storedCRC = header.loadUnaligned(fromByteOffset: pageSize - 4, as: UInt32.self).littleEndian
        guard CRC32C.checksum(UnsafeRawBufferPointer(rebasing: header[0..<(pageSize - 4)])) == storedCRC else {
            throw AeonError(.corrupt, "header checksum mismatch", path: path, offset: 0)
        }
        var reader = BinaryReader(header, path: path)
        _ = try reader.readBytes(8)
        let version = try reader.read(UInt32.self)
        let recordedPageSize = try reader.read(UInt32.self)
        let pageCount = Int(try reader.read(UInt32.self))
        let tablePage = Int(try reader.read(UInt32.self))
        let tablePages = Int(try reader.read(UInt32.self))
        let tableCRC = try reader.read(UInt32.self)
        guard version >= 1, version <= supportedVersion else {
            throw AeonError(
                .corrupt, "format version \(version) is not supported (this build reads up to \(supportedVersion))",
                path: path, offset: 8)
        }
        guard recordedPageSize == UInt32(pageSize) else {
            throw AeonError(.corrupt, "page size \(recordedPageSize), expected \(pageSize)", path: path, offset: 12)
        }
        guard pageCount >= 2, pageCount * pageSize == region.count else {
            throw AeonError(
                .corrupt, "header says \(pageCount) pages but the file has \(region.count) bytes (truncated or extended)",
                path: path, offset: 16)
        }
        guard tablePage >= 1, tablePages == PagedFileLayout.pages(forBytes: pageCount * 4),
            tablePage + tablePages <= pageCount
        else {
            throw AeonError(.corrupt, "page-checksum table at page \(tablePage) (+\(tablePages)) is out of place", path: path, offset: 20)
        }
        let table = region.bytes((tablePage * pageSize)..<((tablePage + tablePages) * pageSize))
        guard CRC32C.checksum(table) == tableCRC else {
            throw AeonError(.corrupt, "page-checksum table checksum mismatch", path: path, offset: UInt64(tablePage * pageSize))
        }

        self.region = region
        self.pageCount = pageCount
        self.version = version
        self.crcTablePage = tablePage
        self.verified = AtomicBitmap(count: pageCount)
        self.validated = AtomicBitmap(count: pageCount)
        // The header and the table are verified already.
        verified.insert(0)
        for page in tablePage..<(tablePage + tablePages) { verified.insert(page) }
    }

    private func storedChecksum(_ page: Int) -> UInt32 {
        region.base.loadUnaligned(fromByteOffset: crcTablePage * pageSize + page * 4, as: UInt32.self).littleEndian
    }

    /// Checks one page against its stored checksum (again, even if verified before).
    func check(page: Int) throws(AeonError) {
        let bytes = region.bytes((page * pageSize)..<((page + 1) * pageSize))
        guard CRC32C.checksum(bytes) == storedChecksum(page) else {
            throw AeonError(.corrupt, "page \(page) checksum mismatch", path: path, offset: UInt64(page * pageSize))
        }
    }

    /// The bytes of pages `pages`, each verified (once per process) before it is handed out.
    func pages(_ pages: Range<Int>) throws(AeonError) -> UnsafeRawBufferPointer {
        guard pages.lowerBound >= 0, pages.upperBound <= pageCount else {
            throw AeonError(
                .corrupt, "pages \(pages) lie outside the file's \(pageCount) pages", path: path,
                offset: UInt64(max(0, pages.lowerBound) * pageSize))
        }
        for page in pages where !verified.contains(page) {
            try check(page: page)
            verified.insert(page)
        }
        return region.bytes((pages.lowerBound * pageSize)..<(pages.upperBound * pageSize))
    }

    /// The bytes of pages `pages`, verified, and checked by `check` the first time a reader asks
    /// for the section starting at `pages.lowerBound`: for values a checksum cannot vouch for
    /// (a row number in bounds, a finite scale), checked once rather than on every read.
    func pages(_ pages: Range<Int>, validating check: (UnsafeRawBufferPointer) throws(AeonError) -> Void) throws(AeonError)
        -> UnsafeRawBufferPointer
    {
        let bytes = try self.pages(pages)
        if !validated.contains(pages.lowerBound) {
            try check(bytes)
            validated.insert(pages.lowerBound)
        }
        return bytes
    }

    /// The bytes at `range` (byte offsets in the file), after verifying the pages they span.
    func bytes(_ range: Range<Int>) throws(AeonError) -> UnsafeRawBufferPointer {
        guard range.lowerBound >= 0, range.upperBound <= region.count else {
            throw AeonError(.corrupt, "bytes \(range) lie outside the file", path: path, offset: UInt64(max(0, range.lowerBound)))
        }
        guard !range.isEmpty else { return UnsafeRawBufferPointer(start: region.base, count: 0) }
        _ = try pages((range.lowerBound / pageSize)..<((range.upperBound + pageSize - 1) / pageSize))
        return region.bytes(range)
    }

    /// ``bytes(_:)``, with each page `range` spans checked by `check` (given the whole page) the
    /// first time a reader asks for it: for sections of fixed-size values that a checksum cannot
    /// vouch for (a float that must be finite), checked once per page rather than on every read.
    func bytes(_ range: Range<Int>, validatingPages check: (UnsafeRawBufferPointer, Int) throws(AeonError) -> Void) throws(AeonError)
        -> UnsafeRawBufferPointer
    {
        let bytes = try self.bytes(range)
        guard !range.isEmpty else { return bytes }
        for page in (range.lowerBound / pageSize)..<((range.upperBound + pageSize - 1) / pageSize) where !validated.contains(page) {
            try check(region.bytes((page * pageSize)..<((page + 1) * pageSize)), page)
            validated.insert(page)
        }
        return bytes
    }

    /// Checks every page; returns one error per bad page (for `verify`).
    func checkAllPages() -> [AeonError] {
        var problems: [AeonError] = []
        for page in 1..<pageCount where page < crcTablePage || page >= crcTablePage + PagedFileLayout.pages(forBytes: pageCount * 4) {
            do { try check(page: page) } catch { problems.append(error) }
        }
        return problems
    }
}

/// Sizes shared by the paged-file reader and writer.
enum PagedFileLayout {
    /// Bytes of the common header fields at the start of page 0.
    static let commonHeaderSize = 32

    /// Whole pages needed for `bytes` bytes.
    static func pages(forBytes bytes: Int) -> Int { (bytes + pageSize - 1) / pageSize }

    /// `value` rounded up to a multiple of `alignment` (a power of two).
    static func align(_ value: Int, _ alignment: Int) -> Int { (value + alignment - 1) & ~(alignment - 1) }
}
