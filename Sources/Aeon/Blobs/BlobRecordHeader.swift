/// The 24-byte header in front of every blob's stored bytes (docs/FORMAT.md, "Blob arena
/// segments"): checksum, flags, stored length, original length.
struct BlobRecordHeader: Equatable {
    /// CRC32C of header bytes 4 ..< 24 followed by the stored bytes.
    var checksum: UInt32
    /// Bit 0: the stored bytes are an LZ4 block. Other bits are zero.
    var flags: UInt32
    /// Bytes stored after the header (before padding).
    var storedCount: UInt64
    /// Bytes of the payload once decompressed (equal to `storedCount` when stored raw).
    var originalCount: UInt64

    var isCompressed: Bool { flags & BlobFormat.compressedFlag != 0 }

    /// Reads the header at the start of `raw` (at least 24 bytes).
    init(loading raw: UnsafeRawBufferPointer) {
        precondition(raw.count >= BlobFormat.recordHeaderSize, "BlobRecordHeader: short buffer")
        checksum = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt32.self))
        flags = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        storedCount = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        originalCount = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
    }

    /// A header for `stored` bytes, with its checksum computed over them.
    init(flags: UInt32, stored: UnsafeRawBufferPointer, originalCount: Int) {
        self.flags = flags
        self.storedCount = UInt64(stored.count)
        self.originalCount = UInt64(originalCount)
        self.checksum = 0
        self.checksum = computeChecksum(stored: stored)
    }

    /// Writes the 24 bytes to the start of `raw`.
    func store(to raw: UnsafeMutableRawBufferPointer) {
        precondition(raw.count >= BlobFormat.recordHeaderSize, "BlobRecordHeader: short buffer")
        raw.storeBytes(of: checksum.littleEndian, toByteOffset: 0, as: UInt32.self)
        raw.storeBytes(of: flags.littleEndian, toByteOffset: 4, as: UInt32.self)
        raw.storeBytes(of: storedCount.littleEndian, toByteOffset: 8, as: UInt64.self)
        raw.storeBytes(of: originalCount.littleEndian, toByteOffset: 16, as: UInt64.self)
    }

    /// The checksum these fields and `stored` should carry.
    func computeChecksum(stored: UnsafeRawBufferPointer) -> UInt32 {
        withUnsafeTemporaryAllocation(byteCount: BlobFormat.recordHeaderSize, alignment: 8) { raw in
            store(to: raw)
            var crc = CRC32C()
            crc.update(UnsafeRawBufferPointer(rebasing: raw[4..<BlobFormat.recordHeaderSize]))
            crc.update(stored)
            return crc.value
        }
    }

    /// The framed length these fields imply, when they are self-consistent: known flags, a raw
    /// record's lengths equal, a compressed one's non-empty and expanding no more than LZ4 can,
    /// within the limits.
    var framedLength: Int? {
        guard flags & ~BlobFormat.compressedFlag == 0,
            storedCount <= UInt64(BlobFormat.maximumFramedLength - BlobFormat.recordHeaderSize)
        else { return nil }
        if isCompressed {
            // An LZ4 block expands at most about 255-fold (each byte of a length extension adds
            // 255): a larger claim is damage, and must not size an allocation.
            guard storedCount > 0, originalCount > storedCount, originalCount <= UInt64(LZ4.maximumInputSize),
                originalCount <= storedCount * 256 + 64
            else { return nil }
        } else {
            guard originalCount == storedCount else { return nil }
        }
        return BlobFormat.framedLength(storedCount: Int(storedCount))
    }
}
