import Testing
@testable import Aeon
import AeonTestSupport

@Suite("LZ4")
struct LZ4Tests {
    @Test("text compresses and round-trips byte for byte")
    func roundTrip() throws {
        let text = Array(String(repeating: "entity, something: that which is perceived or known to have its own distinct existence; ", count: 200).utf8)
        let compressed = try #require(try LZ4.compress(text))
        #expect(compressed.count < text.count / 4)
        #expect(try LZ4.decompress(compressed, originalCount: text.count) == text)
        #expect(!LZ4.libraryVersion.isEmpty)
    }

    @Test("incompressible and empty inputs are not compressed")
    func incompressible() throws {
        var rng = SeededGenerator(seed: 10)
        let noise = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &rng) }
        #expect(try LZ4.compress(noise) == nil)
        #expect(try LZ4.compress([]) == nil)
        #expect(try LZ4.compress([42]) == nil)
    }

    @Test("a damaged block is a typed compression error, never garbage")
    func damaged() throws {
        let text = Array(String(repeating: "abcdefgh", count: 512).utf8)
        let compressed = try #require(try LZ4.compress(text))
        #expect(throws: AeonError.self) { _ = try LZ4.decompress(compressed, originalCount: text.count + 1) }
        #expect(throws: AeonError.self) { _ = try LZ4.decompress(Array(compressed.dropLast(3)), originalCount: text.count) }
        #expect(throws: AeonError.self) { _ = try LZ4.decompress([0xFF, 0xFF, 0xFF], originalCount: 100) }
    }
}
