@testable import Aeon
import AeonTestSupport

/// Rewrites bytes of a store's files and recomputes every checksum over them, as an attacker
/// (or a buggy tool) would: what the engine then refuses, it refuses for meaning, not checksum.
enum Forger {
    /// Applies `mutate` to page `page` of a paged file (`.postings` / `.records`), then reseals
    /// the page's entry in the checksum table, the table's checksum and the header's.
    static func rewrite(pagedFile path: String, page: Int, _ mutate: (inout [UInt8]) -> Void) {
        var bytes = FileBytes.read(path)
        var slice = Array(bytes[(page * 4096)..<((page + 1) * 4096)])
        mutate(&slice)
        bytes.replaceSubrange((page * 4096)..<((page + 1) * 4096), with: slice)
        let tablePage = Int(load(UInt32.self, bytes, 20))
        let tablePages = Int(load(UInt32.self, bytes, 24))
        if page != 0 {
            store(CRC32C.checksum(slice), into: &bytes, at: tablePage * 4096 + page * 4)
        }
        let table = Array(bytes[(tablePage * 4096)..<((tablePage + tablePages) * 4096)])
        store(CRC32C.checksum(table), into: &bytes, at: 28)
        store(CRC32C.checksum(Array(bytes[0..<4092])), into: &bytes, at: 4092)
        FileBytes.write(path, bytes)
    }

    /// Applies `mutate` to a manifest and reseals its checksum.
    static func rewrite(manifest path: String, _ mutate: (inout [UInt8]) -> Void) {
        var bytes = FileBytes.read(path)
        mutate(&bytes)
        store(CRC32C.checksum(Array(bytes[0..<(bytes.count - 4)])), into: &bytes, at: bytes.count - 4)
        FileBytes.write(path, bytes)
    }

    /// Reseals a log segment header (version 3, 48 bytes): its CRC at 12 covers bytes 0..<12
    /// and 16..<48.
    static func resealLogHeader(_ bytes: inout [UInt8]) {
        var crc = CRC32C()
        bytes.withUnsafeBytes { raw in
            crc.update(UnsafeRawBufferPointer(rebasing: raw[0..<12]))
            crc.update(UnsafeRawBufferPointer(rebasing: raw[16..<WALFormat.headerSize(version: WALFormat.identifiedVersion)]))
        }
        store(crc.value, into: &bytes, at: 12)
    }

    static func load<T: FixedWidthInteger>(_: T.Type, _ bytes: [UInt8], _ offset: Int) -> T {
        bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
    }

    static func store<T: FixedWidthInteger>(_ value: T, into bytes: inout [UInt8], at offset: Int) {
        withUnsafeBytes(of: value.littleEndian) { bytes.replaceSubrange(offset..<(offset + $0.count), with: $0) }
    }
}
