import Testing
@testable import Aeon

/// `AEON_SIMD` forces a level; a wrong one is a typed error.
@Suite("SIMD dispatch")
struct KernelsEnvironmentTests {
    @Test("each supported level can be forced through AEON_SIMD", arguments: SIMDLevel.supported)
    func forcesLevel(level: SIMDLevel) throws {
        let kernels = try Kernels.fromEnvironment(["AEON_SIMD": level.rawValue])
        #expect(kernels.level == level)
        let upper = try Kernels.fromEnvironment(["AEON_SIMD": level.rawValue.uppercased()])
        #expect(upper.level == level)
    }

    @Test("unset or empty means the best level")
    func defaultsToBest() throws {
        #expect(try Kernels.fromEnvironment([:]).level == SIMDLevel.best)
        #expect(try Kernels.fromEnvironment(["AEON_SIMD": ""]).level == SIMDLevel.best)
        #expect(SIMDLevel.supported.contains(.scalar))
        #expect(SIMDLevel.supported.contains(SIMDLevel.best))
    }

    @Test("an unknown name is an invalid argument")
    func unknownName() {
        #expect {
            _ = try Kernels.fromEnvironment(["AEON_SIMD": "sse9"])
        } throws: { error in
            (error as? AeonError)?.code == .invalidArgument && "\(error)".contains("sse9")
        }
    }

    @Test("a level the CPU lacks is an unsupported-CPU error, not a crash")
    func unsupportedLevel() throws {
        let missing = SIMDLevel.allCases.filter { !$0.isSupported }
        try #require(!missing.isEmpty, "every CPU lacks the other architecture's levels")
        for level in missing {
            #expect(throws: AeonError.self) { _ = try Kernels(level: level) }
            #expect {
                _ = try Kernels.fromEnvironment(["AEON_SIMD": level.rawValue])
            } throws: { error in
                (error as? AeonError)?.code == .unsupportedCPU && "\(error)".contains(level.rawValue)
            }
        }
    }

    @Test("level names round-trip and are unique")
    func names() {
        for level in SIMDLevel.allCases { #expect(SIMDLevel(rawValue: level.rawValue) == level) }
        #expect(Set(SIMDLevel.allCases.map(\.rawValue)).count == SIMDLevel.allCases.count)
        #expect(SIMDLevel(rawValue: "avx3") == nil)
    }
}
