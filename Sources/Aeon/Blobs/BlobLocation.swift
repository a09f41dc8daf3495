/// Where a blob lives in a ``BlobArena``: enough to read it, to check that the record found
/// there is the one that was written, and to account its bytes.
///
/// The store keeps one in each record that has a payload, in the fixed 24-byte encoding of
/// ``encode(into:)`` (docs/FORMAT.md, "Blob arena segments"). Generation 0 never names a
/// segment, so 24 zero bytes can stand for "no blob".
package struct BlobLocation: Sendable, Hashable, CustomStringConvertible {
    /// The generation of the segment file (`blobs-<generation>.seg`).
    package var segment: UInt64
    /// The byte offset of the record's header within the segment file (a multiple of 8).
    package var offset: UInt64
    /// The framed length: record header, stored bytes and padding (a multiple of 8).
    package var length: UInt32
    /// The record's CRC32C. A read compares it with the record's own, so a location never
    /// returns another blob that happens to sit at the same offset (say, after a damaged tail
    /// was cut and overwritten). Garbage collection copies records unchanged, so it survives
    /// relocation.
    package var checksum: UInt32

    /// Bytes of the binary encoding.
    package static let encodedSize = 24

    /// A location.
    package init(segment: UInt64, offset: UInt64, length: UInt32, checksum: UInt32) {
        self.segment = segment
        self.offset = offset
        self.length = length
        self.checksum = checksum
    }

    /// Decodes the 24 bytes at the start of `buffer` (which must hold at least that many).
    ///
    /// Any 24 bytes decode; whether they name a real blob is checked when it is read.
    package init(decoding buffer: UnsafeRawBufferPointer) {
        precondition(buffer.count >= Self.encodedSize, "BlobLocation: \(buffer.count) bytes, need \(Self.encodedSize)")
        segment = UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        offset = UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        length = UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: 16, as: UInt32.self))
        checksum = UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: 20, as: UInt32.self))
    }

    /// Writes the 24-byte encoding to the start of `buffer` (which must hold at least that many):
    /// segment `u64`, offset `u64`, length `u32`, checksum `u32`, little-endian.
    package func encode(into buffer: UnsafeMutableRawBufferPointer) {
        precondition(buffer.count >= Self.encodedSize, "BlobLocation: \(buffer.count) bytes, need \(Self.encodedSize)")
        buffer.storeBytes(of: segment.littleEndian, toByteOffset: 0, as: UInt64.self)
        buffer.storeBytes(of: offset.littleEndian, toByteOffset: 8, as: UInt64.self)
        buffer.storeBytes(of: length.littleEndian, toByteOffset: 16, as: UInt32.self)
        buffer.storeBytes(of: checksum.littleEndian, toByteOffset: 20, as: UInt32.self)
    }

    /// The 24-byte encoding.
    package var encoded: [UInt8] {
        var bytes = [UInt8](repeating: 0, count: Self.encodedSize)
        bytes.withUnsafeMutableBytes { encode(into: $0) }
        return bytes
    }

    /// Appends the 24-byte encoding to a header or table being written.
    func encode(into writer: inout BinaryWriter) {
        writer.append(segment)
        writer.append(offset)
        writer.append(length)
        writer.append(checksum)
    }

    /// Reads a 24-byte encoding from a header or table; a short buffer is ``AeonError/Code/corrupt``.
    init(from reader: inout BinaryReader) throws(AeonError) {
        self.init(decoding: try reader.readBytes(Self.encodedSize))
    }

    /// "segment:offset+length".
    package var description: String { "\(segment):\(offset)+\(length)" }
}
