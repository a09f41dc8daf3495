import Testing
@testable import Aeon
import AeonTestSupport

/// The int8 dot product and the posting scan, at every level this CPU has.
@Suite("int8 kernels")
struct KernelInt8Tests {
    @Test("dot product matches the reference for every dimension 0...1100, unaligned", arguments: SIMDLevel.supported)
    func dotEveryDimension(level: SIMDLevel) throws {
        let kernels = try Kernels(level: level)
        var rng = SeededGenerator(seed: 1)
        for dim in 0...1100 {
            let a = rng.codes(dim), b = rng.codes(dim)
            let ma = Misaligned(a, offset: dim % 64), mb = Misaligned(b, offset: (dim * 7 + 3) % 64)
            let got = kernels.dot(ma.buffer, mb.buffer)
            #expect(got == Reference.dot(a, b), "level \(level) dim \(dim)")
        }
    }

    @Test("extreme codes ±127 and zero vectors", arguments: SIMDLevel.supported)
    func dotExtremes(level: SIMDLevel) throws {
        let kernels = try Kernels(level: level)
        for dim in [1, 31, 32, 33, 63, 64, 65, 127, 128, 129, 384, 768, 1100, 1536, 4096] {
            let plus = [Int8](repeating: 127, count: dim), minus = [Int8](repeating: -127, count: dim)
            let alternating = (0..<dim).map { $0 % 2 == 0 ? Int8(127) : -127 }
            let zero = [Int8](repeating: 0, count: dim)
            plus.withUnsafeBufferPointer { p in
                minus.withUnsafeBufferPointer { m in
                    #expect(kernels.dot(p, p) == Int32(dim) * 16129)
                    #expect(kernels.dot(m, m) == Int32(dim) * 16129)
                    #expect(kernels.dot(p, m) == -Int32(dim) * 16129)
                }
            }
            alternating.withUnsafeBufferPointer { a in
                plus.withUnsafeBufferPointer { p in #expect(kernels.dot(a, p) == Reference.dot(alternating, plus)) }
                zero.withUnsafeBufferPointer { z in #expect(kernels.dot(a, z) == 0) }
            }
        }
    }

    @Test("the largest dimension does not overflow", arguments: SIMDLevel.supported)
    func dotMaximumDimension(level: SIMDLevel) throws {
        let kernels = try Kernels(level: level)
        let dim = Kernels.maximumDimension
        let plus = [Int8](repeating: 127, count: dim)
        let got = plus.withUnsafeBufferPointer { kernels.dot($0, $0) }
        #expect(got == Int32(dim) * 16129)
    }

    @Test("posting scan matches per-row dot products", arguments: SIMDLevel.supported)
    func scan(level: SIMDLevel) throws {
        let kernels = try Kernels(level: level)
        var rng = SeededGenerator(seed: 2)
        let dims = Array(1...130) + [191, 192, 193, 255, 256, 383, 384, 385, 767, 768, 769, 1100, 1536]
        for dim in dims {
            for padding in [0, 1, 64 - dim % 64] {
                let stride = dim + padding
                for count in [0, 1, 3, 4, 5, 8, 9, 17] {
                    let query = rng.codes(dim)
                    let codes = rng.codes(stride * count)
                    let mq = Misaligned(query, offset: (dim + count) % 64)
                    let mc = Misaligned(codes, offset: (dim * 3 + count) % 64)
                    var scores = [Int32](repeating: .min, count: count + 1)
                    scores.withUnsafeMutableBufferPointer {
                        kernels.scan(query: mq.buffer, codes: mc.buffer, stride: stride, scores: $0)
                    }
                    for row in 0..<count {
                        let want = Reference.dot(query, codes[(row * stride)..<(row * stride + dim)])
                        #expect(scores[row] == want, "level \(level) dim \(dim) stride \(stride) count \(count) row \(row)")
                    }
                    #expect(scores[count] == .min, "scan wrote past its rows")
                }
            }
        }
    }

    @Test("a scan of extreme codes is exact", arguments: SIMDLevel.supported)
    func scanExtremes(level: SIMDLevel) throws {
        let kernels = try Kernels(level: level)
        for dim in [1, 33, 64, 100, 384, 1100] {
            let query = (0..<dim).map { $0 % 3 == 0 ? Int8(-127) : 127 }
            let rows: [[Int8]] = [
                .init(repeating: 127, count: dim), .init(repeating: -127, count: dim),
                .init(repeating: 0, count: dim), query, query.map { -$0 },
            ]
            let codes = rows.flatMap { $0 }
            var scores = [Int32](repeating: 0, count: rows.count)
            query.withUnsafeBufferPointer { q in
                codes.withUnsafeBufferPointer { c in
                    scores.withUnsafeMutableBufferPointer { kernels.scan(query: q, codes: c, stride: dim, scores: $0) }
                }
            }
            #expect(scores == rows.map { Reference.dot(query, $0) }, "level \(level) dim \(dim)")
        }
    }
}
