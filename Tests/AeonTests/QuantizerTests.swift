import Testing
@testable import Aeon
import AeonTestSupport

@Suite("quantizer")
struct QuantizerTests {
    @Test("codes and scale are bit-identical to the reference, for every dimension 0...1100", arguments: SIMDLevel.supported)
    func matchesReference(level: SIMDLevel) throws {
        let kernels = try Kernels(level: level)
        var rng = SeededGenerator(seed: 5)
        for dim in 0...1100 {
            let magnitude = Float.random(in: 1e-3...1e3, using: &rng)
            let x = rng.floats(dim, in: -magnitude...magnitude)
            let mx = Misaligned(x, offset: 4 * (dim % 16))
            let codes = Misaligned([Int8](repeating: 0, count: dim), offset: dim % 64)
            let scale = kernels.quantize(mx.buffer, into: codes.mutableBuffer)
            let want = Reference.quantize(x)
            #expect(scale == want.scale, "scale level \(level) dim \(dim)")
            #expect(Array(codes.buffer) == want.codes, "codes level \(level) dim \(dim)")
        }
    }

    @Test("round trip error is at most half a step; codes stay in [-127, 127]", arguments: SIMDLevel.supported)
    func roundTrip(level: SIMDLevel) throws {
        let kernels = try Kernels(level: level)
        var rng = SeededGenerator(seed: 6)
        for dim in [1, 7, 8, 9, 16, 100, 384, 768, 1536] {
            for _ in 0..<20 {
                let x = rng.floats(dim, in: -10...10)
                let q = QuantizedVector(quantizing: x, kernels: kernels)
                #expect(q.codes.allSatisfy { $0 >= -127 && $0 <= 127 })
                #expect(q.codes.contains { abs($0) == 127 }, "the largest component maps to ±127")
                let back = q.dequantized(kernels: kernels)
                for (original, restored) in zip(x, back) {
                    #expect(abs(original - restored) <= q.maximumError * 1.0001 + 1e-7)
                }
            }
        }
    }

    @Test("zero, tiny and one-hot vectors", arguments: SIMDLevel.supported)
    func edgeCases(level: SIMDLevel) throws {
        let kernels = try Kernels(level: level)
        let zero = QuantizedVector(quantizing: [Float](repeating: 0, count: 100), kernels: kernels)
        #expect(zero.scale == 0 && zero.codes.allSatisfy { $0 == 0 })
        let tiny = QuantizedVector(quantizing: [Float](repeating: 1e-38, count: 40), kernels: kernels)
        #expect(tiny.scale == 0 && tiny.codes.allSatisfy { $0 == 0 }, "subnormal-scale vectors quantize to zero")
        var hot = [Float](repeating: 0, count: 65)
        hot[64] = -3
        let oneHot = QuantizedVector(quantizing: hot, kernels: kernels)
        #expect(oneHot.codes[64] == -127 && oneHot.codes[..<64].allSatisfy { $0 == 0 })
        #expect(oneHot.scale == Float(3) / 127)
    }

    @Test("the quantized dot product approximates the fp32 one")
    func approximateDot() {
        var rng = SeededGenerator(seed: 7)
        for _ in 0..<50 {
            let a = rng.floats(384), b = rng.floats(384)
            let qa = QuantizedVector(quantizing: a), qb = QuantizedVector(quantizing: b)
            let exact = Reference.dot(a, b)
            // Each product's error is bounded by the two half-steps; the sum by their total.
            let bound = zip(a, b).reduce(0.0) {
                $0 + Double(qa.maximumError) * abs(Double($1.1)) + Double(qb.maximumError) * abs(Double($1.0))
                    + Double(qa.maximumError * qb.maximumError)
            }
            #expect(abs(Double(qa.approximateDot(qb)) - exact) <= bound)
        }
    }
}
