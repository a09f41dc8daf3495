/// The log's on-disk framing (docs/FORMAT.md, "Write-ahead log").
enum WALFormat {
    static let magic = Array("AEONWAL1".utf8)
    /// The version of segments written without direct writes, which older readers read too.
    static let version: UInt32 = 1
    /// The version of segments written with direct writes on: they may hold padding fragments.
    static let paddedVersion: UInt32 = 2
    /// The version of segments of a store with an identity: a 48-byte header carrying it;
    /// padding fragments allowed.
    static let identifiedVersion: UInt32 = 3
    /// Bytes of the segment header of versions 1 and 2.
    static let segmentHeaderSize = 32
    /// Bytes of the segment header of version 3.
    static let identifiedHeaderSize = 48

    /// Bytes of the header of a segment of `version`.
    static func headerSize(version: UInt32) -> Int {
        version == identifiedVersion ? identifiedHeaderSize : segmentHeaderSize
    }

    /// Whether segments of `version` may hold padding fragments.
    static func allowsPadding(_ version: UInt32) -> Bool { version == paddedVersion || version == identifiedVersion }

    /// A parsed segment header.
    struct SegmentHeader: Equatable {
        var sequence: UInt64
        var firstLSN: UInt64
        var version: UInt32
        var identity: StoreIdentity?
        /// Where the first fragment starts.
        var size: Int { WALFormat.headerSize(version: version) }
    }
    /// Fragments never cross a block boundary; every block starts with a fragment header.
    static let blockSize = 32 * 1024
    /// Bytes of a fragment header.
    static let fragmentHeaderSize = 16

    /// How a fragment relates to its record.
    enum FragmentType: UInt8 {
        case full = 1, first = 2, middle = 3, last = 4
        /// Between records, no part of one: fills up to a page boundary so that a write that
        /// bypasses the page cache starts or ends on one (segments of version 2 only).
        case padding = 5
    }

    /// Set on the first fragment of a write when everything before it in the log had been made
    /// durable before the write began. Recovery uses it to tell a torn tail (unsynced data,
    /// possibly written back out of order) from damage to data that had been synced.
    static let afterSyncFlag: UInt8 = 1

    /// A segment header: version 3 (48 bytes) when `identity` is given, else `version` (1 or
    /// 2, 32 bytes).
    static func segmentHeader(sequence: UInt64, firstLSN: UInt64, version: UInt32 = version, identity: StoreIdentity? = nil) -> [UInt8] {
        let version = identity == nil ? version : identifiedVersion
        let size = headerSize(version: version)
        var w = BinaryWriter(capacity: size)
        w.append(magic)
        w.append(version)
        w.append(UInt32(0))  // checksum, filled below
        w.append(sequence)
        w.append(firstLSN)
        identity?.write(to: &w)
        var bytes = w.bytes
        let crc = CRC32C.checksum(Array(bytes[0..<12]) + Array(bytes[16..<size]))
        withUnsafeBytes(of: crc.littleEndian) { bytes.replaceSubrange(12..<16, with: $0) }
        return bytes
    }

    /// LSNs are in 1…2^62: at a million writes a second the log would take 146,000 years to
    /// reach the bound, and arithmetic on any LSN read from disk (`+ 1`, `- 1`) cannot overflow.
    /// A header or fragment naming an LSN outside it is damage, whatever its checksum says.
    static let largestLSN: UInt64 = 1 << 62

    /// A segment's header, or `nil` when `raw` does not start with a valid one.
    static func parseSegmentHeader(_ raw: UnsafeRawBufferPointer) -> SegmentHeader? {
        guard raw.count >= segmentHeaderSize, Array(raw[0..<8]) == magic else { return nil }
        let version = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
        guard version == Self.version || version == paddedVersion || version == identifiedVersion else { return nil }
        let size = headerSize(version: version)
        guard raw.count >= size else { return nil }
        var crc = CRC32C()
        crc.update(UnsafeRawBufferPointer(rebasing: raw[0..<12]))
        crc.update(UnsafeRawBufferPointer(rebasing: raw[16..<size]))
        guard crc.value == UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 12, as: UInt32.self)) else { return nil }
        let firstLSN = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
        // A segment may start just past the last LSN (after a checkpoint at it), holding none.
        guard (1...(largestLSN + 1)).contains(firstLSN) else { return nil }
        return SegmentHeader(
            sequence: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self)),
            firstLSN: firstLSN, version: version,
            identity: version == identifiedVersion ? StoreIdentity(loading: raw, at: 32) : nil)
    }

    /// A fragment read back, when its header and checksum are valid.
    struct Fragment {
        var type: FragmentType
        var flags: UInt8
        var lsn: UInt64
        var body: UnsafeRawBufferPointer
        var size: Int { fragmentHeaderSize + body.count }
    }

    /// The fragment at `offset` of a segment's bytes, or `nil` when there is no valid one.
    static func fragment(in bytes: UnsafeRawBufferPointer, at offset: Int) -> Fragment? {
        let room = blockSize - offset % blockSize
        guard room >= fragmentHeaderSize, offset + fragmentHeaderSize <= bytes.count else { return nil }
        let length = Int(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt16.self)))
        guard let type = FragmentType(rawValue: bytes[offset + 6]), length <= room - fragmentHeaderSize,
            offset + fragmentHeaderSize + length <= bytes.count
        else { return nil }
        let stored = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
        let body = UnsafeRawBufferPointer(rebasing: bytes[(offset + fragmentHeaderSize)..<(offset + fragmentHeaderSize + length)])
        var crc = CRC32C()
        crc.update(UnsafeRawBufferPointer(rebasing: bytes[(offset + 4)..<(offset + fragmentHeaderSize)]))
        crc.update(body)
        guard crc.value == stored else { return nil }
        let lsn = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self))
        // Padding fragments carry no LSN of their own.
        guard type == .padding || (1...largestLSN).contains(lsn) else { return nil }
        return Fragment(type: type, flags: bytes[offset + 7], lsn: lsn, body: body)
    }
}
