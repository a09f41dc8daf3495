import CAeonKernels

/// An instruction-set level of Aeon's kernels.
///
/// Each level's kernels are compiled into every build (with per-function target attributes)
/// and chosen at run time, so one binary runs on every CPU of its architecture. Force a level
/// with the `AEON_SIMD` environment variable, or ``StoreOptions/simdLevel``.
public struct SIMDLevel: RawRepresentable, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// The level's short, stable name: the value `AEON_SIMD` accepts.
    public let rawValue: String

    /// Creates a level from its name; `nil` if no level has that name.
    public init?(rawValue: String) {
        guard Self.allCases.contains(where: { $0.rawValue == rawValue }) else { return nil }
        self.rawValue = rawValue
    }

    private init(_ name: String) { self.rawValue = name }

    /// Portable C with no vector instructions: the reference and the last resort.
    public static let scalar = SIMDLevel("scalar")
    /// x86-64 AVX2 + FMA (Haswell, Zen 1 and later).
    public static let avx2 = SIMDLevel("avx2")
    /// x86-64 AVX2 + AVX-VNNI: 256-bit `vpdpbusd` (Alder Lake, Zen 5).
    public static let avxVNNI = SIMDLevel("avxvnni")
    /// x86-64 AVX-512 F/BW + VNNI: 512-bit `vpdpbusd` (Ice Lake, Zen 4 and later).
    public static let avx512VNNI = SIMDLevel("avx512vnni")
    /// arm64 Advanced SIMD.
    public static let neon = SIMDLevel("neon")
    /// arm64 Advanced SIMD with the dot-product extension (`sdot`; Apple M1, Graviton 2 and later).
    public static let neonDotProduct = SIMDLevel("neondotprod")

    /// Every level, in the order of the C enumeration.
    public static let allCases: [SIMDLevel] = [.scalar, .avx2, .avxVNNI, .avx512VNNI, .neon, .neonDotProduct]

    /// The levels the running CPU supports, slowest first.
    public static let supported: [SIMDLevel] = allCases.filter(\.isSupported)

    /// The fastest level the running CPU supports.
    public static let best: SIMDLevel = {
        let best = aeon_simd_best()
        return allCases.first { $0.cLevel == best } ?? .scalar
    }()

    /// Whether the running CPU and operating system support this level.
    public var isSupported: Bool { aeon_simd_supported(cLevel) != 0 }

    /// Whether CRC32C runs on a hardware instruction at this level.
    public var hasHardwareCRC32C: Bool { aeon_crc32c_is_hardware(cLevel) != 0 }

    public var description: String { rawValue }

    /// The level's value in the C kernels.
    var cLevel: aeon_simd_level {
        let index = Self.allCases.firstIndex(of: self) ?? 0
        return aeon_simd_level(rawValue: UInt32(index))
    }
}
