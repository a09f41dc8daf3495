import Testing

@testable import Aeon

/// The fixed headers of the manifest, log segments and blob segments, tested directly: they
/// round-trip, sit at the offsets docs/FORMAT.md gives, and no single flipped bit gets through.
@Suite("header formats")
struct HeaderFormatTests {
    static let identity = StoreIdentity.random()

    func load<T: FixedWidthInteger>(_ bytes: [UInt8], _ offset: Int, as: T.Type) -> T {
        bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
    }

    @Test("the manifest round-trips with and without an identity, at the documented offsets")
    func manifest() throws {
        for identity in [nil, Self.identity] {
            let manifest = Manifest(
                dimension: 384, metric: .innerProduct, generation: 0x1234, recordCount: 117_659, checkpointLSN: 1 << 40, identity: identity)
            let bytes = manifest.encoded()
            #expect(bytes.count == (identity == nil ? 56 : 72))
            #expect(Array(bytes[0..<8]) == Array("AEONMNFT".utf8))
            #expect(load(bytes, 8, as: UInt32.self) == (identity == nil ? 1 : 2))
            #expect(load(bytes, 12, as: UInt32.self) == UInt32(bytes.count))
            #expect(load(bytes, 16, as: UInt32.self) == 384)
            #expect(load(bytes, 24, as: UInt64.self) == 0x1234 && load(bytes, 32, as: UInt64.self) == 117_659)
            #expect(load(bytes, 40, as: UInt64.self) == 1 << 40)
            #expect(try Manifest.decode(bytes, path: "m") == manifest)
        }
    }

    @Test("a flipped bit anywhere in a manifest is refused")
    func manifestBitFlips() {
        let bytes = Manifest(dimension: 8, metric: .l2, generation: 3, recordCount: 10, checkpointLSN: 5, identity: Self.identity).encoded()
        for bit in 0..<(bytes.count * 8) {
            var damaged = bytes
            damaged[bit / 8] ^= 1 << (bit % 8)
            #expect(throws: AeonError.self, "bit \(bit)") { try Manifest.decode(damaged, path: "m") }
        }
    }

    @Test("log segment headers round-trip in every version, and no flipped bit gets through")
    func logSegmentHeader() {
        for (version, identity) in [(WALFormat.version, nil), (WALFormat.paddedVersion, nil), (WALFormat.identifiedVersion, Self.identity)] {
            let bytes = WALFormat.segmentHeader(sequence: 7, firstLSN: 42, version: version, identity: identity)
            let header = bytes.withUnsafeBytes { WALFormat.parseSegmentHeader($0) }
            #expect(header == WALFormat.SegmentHeader(sequence: 7, firstLSN: 42, version: version, identity: identity))
            #expect(bytes.count == WALFormat.headerSize(version: version))
            for bit in 0..<(bytes.count * 8) {
                var damaged = bytes
                damaged[bit / 8] ^= 1 << (bit % 8)
                let parsed = damaged.withUnsafeBytes { WALFormat.parseSegmentHeader($0) }
                #expect(parsed == nil || parsed == header, "bit \(bit) of version \(version) gave \(String(describing: parsed))")
                #expect(parsed == nil || bit / 8 >= bytes.count, "bit \(bit) of version \(version) went unnoticed")
            }
        }
        // An LSN outside 1…2^62 + 1 is damage, checksum or not.
        for lsn: UInt64 in [0, WALFormat.largestLSN + 2, .max] {
            let bytes = WALFormat.segmentHeader(sequence: 1, firstLSN: lsn, identity: Self.identity)
            #expect(bytes.withUnsafeBytes { WALFormat.parseSegmentHeader($0) } == nil, "LSN \(lsn)")
        }
    }

    @Test("blob segment headers round-trip in both versions, and no flipped bit gets through")
    func blobSegmentHeader() {
        for identity in [nil, Self.identity] {
            let bytes = BlobFormat.segmentHeader(generation: 9, identity: identity)
            let header = bytes.withUnsafeBytes { BlobFormat.parseSegmentHeader($0) }
            #expect(header == BlobFormat.SegmentHeader(generation: 9, size: bytes.count, identity: identity))
            for bit in 0..<(bytes.count * 8) {
                var damaged = bytes
                damaged[bit / 8] ^= 1 << (bit % 8)
                #expect(damaged.withUnsafeBytes { BlobFormat.parseSegmentHeader($0) } == nil, "bit \(bit)")
            }
        }
    }
}
