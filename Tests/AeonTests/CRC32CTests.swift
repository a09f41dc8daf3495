import Testing
@testable import Aeon
import AeonTestSupport

@Suite("CRC32C")
struct CRC32CTests {
    /// RFC 3720 (iSCSI) appendix B.4, and the customary "123456789" check value.
    static let published: [(bytes: [UInt8], crc: UInt32)] = [
        (Array("123456789".utf8), 0xE306_9283),
        ([UInt8](repeating: 0, count: 32), 0x8A91_36AA),
        ([UInt8](repeating: 0xFF, count: 32), 0x62A8_AB43),
        ((0..<32).map { UInt8($0) }, 0x46DD_794E),
        ((0..<32).map { UInt8(31 - $0) }, 0x113F_DB5C),
        (
            [
                0x01, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18,
                0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            ], 0xD996_3A56
        ),
        ([], 0),
    ]

    @Test("published test vectors, at every level", arguments: SIMDLevel.supported)
    func publishedVectors(level: SIMDLevel) throws {
        let kernels = try Kernels(level: level)
        for (bytes, crc) in Self.published {
            #expect(bytes.withUnsafeBytes { kernels.crc32c($0) } == crc, "level \(level), \(bytes.count) bytes")
        }
    }

    @Test("every level agrees with the scalar one for lengths 0...1600 and beyond, at every alignment", arguments: SIMDLevel.supported)
    func agreesWithScalar(level: SIMDLevel) throws {
        let kernels = try Kernels(level: level), scalar = try Kernels(level: .scalar)
        var rng = SeededGenerator(seed: 8)
        let bytes = (0..<9000).map { _ in UInt8.random(in: 0...255, using: &rng) }
        // The hardware paths interleave three lanes of 256 bytes: every length up to two such
        // runs and a tail, then page and block sizes around whole runs.
        let lengths = Array(0...1600) + [2303, 2304, 2305, 4095, 4096, 4097, 8191, 8192, 8900]
        bytes.withUnsafeBytes { all in
            for length in lengths {
                let slice = UnsafeRawBufferPointer(rebasing: all[(length % 61)..<(length % 61 + length)])
                #expect(kernels.crc32c(slice) == scalar.crc32c(slice), "level \(level) length \(length)")
                // Continuing a checksum that is under way.
                let seed = UInt32(truncatingIfNeeded: length &* 0x9E37_79B9)
                #expect(kernels.crc32c(slice, continuing: seed) == scalar.crc32c(slice, continuing: seed), "level \(level) length \(length), continued")
            }
        }
    }

    @Test("incremental updates equal the one-shot checksum")
    func incremental() {
        var rng = SeededGenerator(seed: 9)
        let bytes = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let whole = CRC32C.checksum(bytes)
        for split in [0, 1, 7, 8, 9, 100, 4095, 4096] {
            var crc = CRC32C()
            crc.update(bytes[..<split])
            crc.update(bytes[split...])
            #expect(crc.value == whole)
        }
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
    }

    @Test("a flipped bit changes the checksum")
    func detectsFlips() {
        var bytes = [UInt8](repeating: 0xA5, count: 4096)
        let original = CRC32C.checksum(bytes)
        for bit in Swift.stride(from: 0, to: 4096 * 8, by: 997) {
            bytes[bit / 8] ^= 1 << UInt8(bit % 8)
            #expect(CRC32C.checksum(bytes) != original)
            bytes[bit / 8] ^= 1 << UInt8(bit % 8)
        }
    }
}
