/// The arena's on-disk framing (docs/FORMAT.md, "Blob arena segments").
enum BlobFormat {
    static let magic = Array("AEONBLOB".utf8)
    static let version: UInt32 = 1
    /// Segments of a store with an identity: a 48-byte header carrying it.
    static let identifiedVersion: UInt32 = 2
    /// Bytes of the segment header at the start of each segment file of version 1; the first
    /// record follows.
    static let segmentHeaderSize = 32
    /// Bytes of the segment header of version 2.
    static let identifiedHeaderSize = 48
    /// Bytes of a record header.
    static let recordHeaderSize = 24
    /// Records start at, and are padded to, multiples of this.
    static let alignment = 8
    /// Record flag: the stored bytes are an LZ4 block.
    static let compressedFlag: UInt32 = 1
    /// The largest framed record: a ``BlobLocation`` holds its length in 32 bits.
    static let maximumFramedLength = Int(UInt32.max) & ~(alignment - 1)

    /// Segment generations are in 1…2^62; a file named past it is damage (nothing of ours
    /// writes one), never a number to add to.
    static let largestGeneration: UInt64 = 1 << 62

    /// The framed length of a record that stores `storedCount` bytes.
    static func framedLength(storedCount: Int) -> Int {
        PagedFileLayout.align(recordHeaderSize + storedCount, alignment)
    }

    /// A segment header: version 2 (48 bytes) with `identity`, else version 1 (32 bytes).
    static func segmentHeader(generation: UInt64, identity: StoreIdentity? = nil) -> [UInt8] {
        let size = identity == nil ? segmentHeaderSize : identifiedHeaderSize
        var w = BinaryWriter(capacity: size)
        w.append(magic)
        w.append(identity == nil ? version : identifiedVersion)
        w.append(UInt32(size))
        w.append(generation)
        w.append(UInt32(0))
        identity?.write(to: &w)
        w.append(CRC32C.checksum(w.bytes))
        return w.bytes
    }

    /// A parsed segment header.
    struct SegmentHeader: Equatable {
        var generation: UInt64
        /// Where the first record starts.
        var size: Int
        var identity: StoreIdentity?
    }

    /// The header at the start of `raw` (which holds at least its first 32 bytes), or `nil`
    /// when it is not a valid one; `raw` shorter than a version-2 header's 48 bytes gives nil
    /// for one.
    static func parseSegmentHeader(_ raw: UnsafeRawBufferPointer) -> SegmentHeader? {
        guard raw.count >= segmentHeaderSize, raw[0..<8].elementsEqual(magic) else { return nil }
        let version = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
        let size = version == Self.version ? segmentHeaderSize : version == identifiedVersion ? identifiedHeaderSize : 0
        guard size > 0, raw.count >= size,
            UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 12, as: UInt32.self)) == UInt32(size),
            CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<(size - 4)]))
                == UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: size - 4, as: UInt32.self))
        else { return nil }
        return SegmentHeader(
            generation: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self)), size: size,
            identity: version == identifiedVersion ? StoreIdentity(loading: raw, at: 28) : nil)
    }
}
