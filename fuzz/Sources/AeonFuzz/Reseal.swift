@testable import Aeon

/// Recomputes the checksums of a mutated file, as an attacker would: the fuzzer's mutations
/// then reach the code behind each checksum instead of stopping at it. Each function leaves
/// bytes it cannot make sense of as they are (the checksum then fails, which is fine too).
enum Reseal {
    static func load<T: FixedWidthInteger>(_: T.Type, _ bytes: [UInt8], _ offset: Int) -> T {
        bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
    }

    static func store<T: FixedWidthInteger>(_ value: T, _ bytes: inout [UInt8], at offset: Int) {
        withUnsafeBytes(of: value.littleEndian) { bytes.replaceSubrange(offset..<(offset + $0.count), with: $0) }
    }

    static func crc(_ bytes: [UInt8], _ ranges: Range<Int>...) -> UInt32 {
        var crc = CRC32C()
        bytes.withUnsafeBytes { raw in
            for range in ranges { crc.update(UnsafeRawBufferPointer(rebasing: raw[range])) }
        }
        return crc.value
    }

    /// MANIFEST: its CRC in the last four bytes.
    static func manifest(_ bytes: inout [UInt8]) {
        guard bytes.count == Manifest.size || bytes.count == Manifest.sizeWithoutIdentity else { return }
        store(crc(bytes, 0..<(bytes.count - 4)), &bytes, at: bytes.count - 4)
    }

    /// A paged file (`.postings`, `.records`): every page's entry in the checksum table, the
    /// table's checksum and the header's.
    static func pagedFile(_ bytes: inout [UInt8]) {
        guard bytes.count >= 2 * pageSize, bytes.count % pageSize == 0 else { return }
        let pages = bytes.count / pageSize
        let tablePage = Int(load(UInt32.self, bytes, 20)), tablePages = Int(load(UInt32.self, bytes, 24))
        if tablePage >= 1, tablePages >= 1, tablePage + tablePages <= pages, tablePages * pageSize >= pages * 4 {
            for page in 1..<pages where page < tablePage || page >= tablePage + tablePages {
                store(crc(bytes, (page * pageSize)..<((page + 1) * pageSize)), &bytes, at: tablePage * pageSize + page * 4)
            }
            store(crc(bytes, (tablePage * pageSize)..<((tablePage + tablePages) * pageSize)), &bytes, at: 28)
        }
        store(crc(bytes, 0..<(pageSize - 4)), &bytes, at: pageSize - 4)
    }

    /// A log segment: its header's checksum, then every fragment's, block by block.
    static func logSegment(_ bytes: inout [UInt8]) {
        guard bytes.count >= WALFormat.segmentHeaderSize else { return }
        let version = load(UInt32.self, bytes, 8)
        let headerSize = WALFormat.headerSize(version: version)
        guard bytes.count >= headerSize else { return }
        store(crc(bytes, 0..<12, 16..<headerSize), &bytes, at: 12)
        var block = 0
        while block * WALFormat.blockSize < bytes.count {
            let end = min((block + 1) * WALFormat.blockSize, bytes.count)
            var offset = block == 0 ? headerSize : block * WALFormat.blockSize
            while offset + WALFormat.fragmentHeaderSize <= end {
                let length = Int(load(UInt16.self, bytes, offset + 4))
                let bodyEnd = offset + WALFormat.fragmentHeaderSize + length
                guard bodyEnd <= end else { break }
                store(crc(bytes, (offset + 4)..<bodyEnd), &bytes, at: offset)
                offset = bodyEnd
            }
            block += 1
        }
    }

    /// A blob segment: its header's checksum, then every record's; returns the records'
    /// locations (as a reader would hold them) for a segment of generation `generation`.
    static func blobSegment(_ bytes: inout [UInt8], generation: UInt64) -> [BlobLocation] {
        guard bytes.count >= BlobFormat.segmentHeaderSize else { return [] }
        let size = load(UInt32.self, bytes, 8) == BlobFormat.identifiedVersion ? BlobFormat.identifiedHeaderSize : BlobFormat.segmentHeaderSize
        guard bytes.count >= size else { return [] }
        store(crc(bytes, 0..<(size - 4)), &bytes, at: size - 4)
        var locations: [BlobLocation] = []
        var offset = size
        while offset + BlobFormat.recordHeaderSize <= bytes.count {
            let stored = load(UInt64.self, bytes, offset + 8)
            guard stored <= UInt64(bytes.count - offset - BlobFormat.recordHeaderSize) else { break }
            let end = offset + BlobFormat.recordHeaderSize + Int(stored)
            let checksum = crc(bytes, (offset + 4)..<end)
            store(checksum, &bytes, at: offset)
            let framed = BlobFormat.framedLength(storedCount: Int(stored))
            locations.append(BlobLocation(segment: generation, offset: UInt64(offset), length: UInt32(framed), checksum: checksum))
            offset += framed
        }
        return locations
    }
}
