import Testing
@testable import Aeon
import AeonTestSupport

/// fp32 dot product and squared L2 at every level this CPU has. SIMD levels sum in another
/// order than the reference, so results agree to a rounding bound, not bit for bit.
@Suite("fp32 kernels")
struct KernelFloatTests {
    @Test("dot product and squared L2 for every dimension 0...1100, unaligned", arguments: SIMDLevel.supported)
    func everyDimension(level: SIMDLevel) throws {
        let kernels = try Kernels(level: level)
        var rng = SeededGenerator(seed: 3)
        for dim in 0...1100 {
            let a = rng.floats(dim), b = rng.floats(dim)
            let ma = Misaligned(a, offset: 4 * (dim % 16)), mb = Misaligned(b, offset: 4 * ((dim + 5) % 16))
            let bound = 2e-6 * (Reference.magnitude(a, b) + 1)
            let dot = Double(kernels.dot(ma.buffer, mb.buffer))
            #expect(abs(dot - Reference.dot(a, b)) <= bound, "dot level \(level) dim \(dim)")
            let l2 = Reference.squaredL2(a, b)
            let got = Double(kernels.squaredL2(ma.buffer, mb.buffer))
            #expect(abs(got - l2) <= 2e-6 * (l2 + 1), "l2 level \(level) dim \(dim)")
        }
    }

    @Test("zero vectors and identical vectors", arguments: SIMDLevel.supported)
    func specialValues(level: SIMDLevel) throws {
        let kernels = try Kernels(level: level)
        var rng = SeededGenerator(seed: 4)
        for dim in [1, 15, 16, 17, 63, 64, 65, 384, 768, 1536] {
            let a = rng.floats(dim), zero = [Float](repeating: 0, count: dim)
            a.withUnsafeBufferPointer { pa in
                zero.withUnsafeBufferPointer { pz in
                    #expect(kernels.dot(pa, pz) == 0)
                    #expect(kernels.squaredL2(pa, pa) == 0)
                    #expect(abs(Double(kernels.squaredL2(pa, pz)) - Reference.dot(a, a)) <= 1e-5 * Double(dim))
                }
            }
        }
    }
}
