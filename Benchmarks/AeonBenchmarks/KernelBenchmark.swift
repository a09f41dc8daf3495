import Aeon
import CAeonBenchSupport

/// `aeon-bench kernels`: the per-call cost of the int8 and fp32 kernels at every SIMD level
/// this CPU has, the posting-scan throughput over a buffer far larger than the caches, and in
/// the same run the machine's single-core streaming-read bandwidth to compare it with.
///
/// Dot products are timed in two regimes, both reported:
/// - *stored* (the headline): one fixed query against a set of ``storedVectors`` stored vectors
///   visited in turn, as a search or a rescoring pass uses them. The fp32 set (768-d: 192 KiB)
///   no longer fits L1 while the int8 one nearly does; that difference is int8's point.
/// - *hot*: the same pair again and again, all operands in L1: the pure instruction cost.
public struct KernelBenchmark: Sendable {
    /// The dimensions to measure.
    public var dimensions: [Int]
    /// The levels to measure (the best level first in reports).
    public var levels: [SIMDLevel]
    /// The best level: the one the headline figures are for.
    public var bestLevel: SIMDLevel
    /// Bytes of int8 codes the posting scan streams through; far larger than any cache.
    public var scanBytes: Int
    /// Rows per scan call, about one posting.
    public var rowsPerCall: Int
    /// Repetitions of each measurement; the median is reported.
    public var samples: Int

    /// A benchmark of `dimensions` at every supported level, the best one being `bestLevel`.
    public init(
        dimensions: [Int] = [384, 768, 1536], levels: [SIMDLevel] = SIMDLevel.supported,
        bestLevel: SIMDLevel = .best, scanBytes: Int = 512 << 20, rowsPerCall: Int = 1024, samples: Int = 15
    ) {
        precondition(dimensions.allSatisfy { $0 > 0 && $0 <= Kernels.maximumDimension }, "dimension out of range")
        precondition(levels.contains(.scalar) && levels.contains(bestLevel), "levels must include scalar and the best")
        self.dimensions = dimensions
        self.levels = levels
        self.bestLevel = bestLevel
        self.scanBytes = scanBytes
        self.rowsPerCall = rowsPerCall
        self.samples = samples
    }

    /// Stored vectors a query is compared with in the *stored* regime (a power of two).
    public static let storedVectors = 64

    /// One level's figures, keyed by dimension.
    public struct LevelFigures: Sendable, Codable {
        /// Nanoseconds per int8 dot, query against stored vectors.
        public var int8DotNs: [String: Double] = [:]
        /// Nanoseconds per fp32 dot, query against stored vectors.
        public var fp32DotNs: [String: Double] = [:]
        /// Nanoseconds per int8 dot, the same pair in L1.
        public var int8DotHotNs: [String: Double] = [:]
        /// Nanoseconds per fp32 dot, the same pair in L1.
        public var fp32DotHotNs: [String: Double] = [:]
        /// Posting-scan throughput, GB/s of codes.
        public var scanGBps: [String: Double] = [:]

        enum CodingKeys: String, CodingKey {
            case int8DotNs = "int8_dot_ns", fp32DotNs = "fp32_dot_ns", scanGBps = "scan_gbps"
            case int8DotHotNs = "int8_dot_hot_ns", fp32DotHotNs = "fp32_dot_hot_ns"
        }
    }

    /// Everything one run measured.
    public struct Report: Sendable, Codable {
        /// The best level, whose figures the headline keys hold.
        public var simdLevel: String
        /// Nanoseconds per int8 dot at the best level, keyed by dimension.
        public var int8DotNs: [String: Double]
        /// Nanoseconds per fp32 dot at the best level, keyed by dimension.
        public var fp32DotNs: [String: Double]
        /// Nanoseconds per int8 dot at the scalar level, keyed by dimension.
        public var scalarInt8DotNs: [String: Double]
        /// Nanoseconds per int8 dot at the best level, the same pair in L1, keyed by dimension.
        public var int8DotHotNs: [String: Double]
        /// Nanoseconds per fp32 dot at the best level, the same pair in L1, keyed by dimension.
        public var fp32DotHotNs: [String: Double]
        /// Stored vectors per query in the headline dot figures.
        public var storedVectors: Int
        /// The best level's posting-scan throughput (GB/s of codes): the lowest over the dimensions.
        public var scanGBps: Double
        /// Single-core streaming-read bandwidth of this machine (GB/s), measured in the same run.
        public var streamReadGBps: Double
        /// CRC32C throughput at the best level, GB/s over 4 KiB blocks in cache.
        public var crc32cGBps: Double
        /// Every level's figures.
        public var levels: [String: LevelFigures]
        /// Bytes of codes each scan measurement streamed.
        public var scanBytes: Int

        enum CodingKeys: String, CodingKey {
            case simdLevel = "simd_level", int8DotNs = "int8_dot_ns", fp32DotNs = "fp32_dot_ns"
            case scalarInt8DotNs = "scalar_int8_dot_ns", scanGBps = "scan_gbps", streamReadGBps = "stream_read_gbps"
            case crc32cGBps = "crc32c_gbps", levels, scanBytes = "scan_bytes"
            case int8DotHotNs = "int8_dot_hot_ns", fp32DotHotNs = "fp32_dot_hot_ns", storedVectors = "stored_vectors"
        }
    }

    /// Runs every measurement; `progress` hears what is being measured.
    public func run(progress: (String) -> Void = { _ in }) throws(AeonError) -> Report {
        var figures: [String: LevelFigures] = [:]
        let big = ScanBuffer(bytes: scanBytes)
        defer { big.deallocate() }

        progress("streaming read, \(scanBytes >> 20) MiB")
        let streamGBps = streamReadGBps(big)

        for level in levels {
            let kernels = try Kernels(level: level)
            var measured = LevelFigures()
            for dim in dimensions {
                progress("\(level) dim \(dim)")
                let key = String(dim)
                let int8 = int8DotNanoseconds(kernels, dimension: dim)
                let fp32 = fp32DotNanoseconds(kernels, dimension: dim)
                (measured.int8DotNs[key], measured.int8DotHotNs[key]) = (int8.stored, int8.hot)
                (measured.fp32DotNs[key], measured.fp32DotHotNs[key]) = (fp32.stored, fp32.hot)
                measured.scanGBps[key] = scanGBps(kernels, dimension: dim, buffer: big)
            }
            figures[level.rawValue] = measured
        }
        let best = figures[bestLevel.rawValue] ?? LevelFigures()
        return Report(
            simdLevel: bestLevel.rawValue,
            int8DotNs: best.int8DotNs,
            fp32DotNs: best.fp32DotNs,
            scalarInt8DotNs: figures[SIMDLevel.scalar.rawValue]?.int8DotNs ?? [:],
            int8DotHotNs: best.int8DotHotNs,
            fp32DotHotNs: best.fp32DotHotNs,
            storedVectors: Self.storedVectors,
            scanGBps: best.scanGBps.values.min() ?? 0,
            streamReadGBps: streamGBps,
            crc32cGBps: crc32cGBps(try Kernels(level: bestLevel)),
            levels: figures,
            scanBytes: scanBytes
        )
    }

    // MARK: measurements

    private func int8DotNanoseconds(_ kernels: Kernels, dimension: Int) -> (stored: Double, hot: Double) {
        var rng = SplitMix64(seed: UInt64(dimension))
        let query = AlignedVectors<Int8>.allocate(dimension) { rng.code() }
        let stored = AlignedVectors<Int8>.allocate(Self.storedVectors * dimension) { rng.code() }
        defer {
            query.deallocate()
            stored.deallocate()
        }
        let mask = Self.storedVectors - 1
        var sink: Int32 = 0
        let storedNs = Timing.nanosecondsPerCall(samples: samples) { n in
            for i in 0..<n { sink &+= kernels.dot(query, stored + (i & mask) * dimension, dimension: dimension) }
        }
        let hotNs = Timing.nanosecondsPerCall(samples: samples) { n in
            for _ in 0..<n { sink &+= kernels.dot(query, stored, dimension: dimension) }
        }
        aeon_bench_consume(UInt64(UInt32(bitPattern: sink)))
        return (storedNs, hotNs)
    }

    private func fp32DotNanoseconds(_ kernels: Kernels, dimension: Int) -> (stored: Double, hot: Double) {
        var rng = SplitMix64(seed: UInt64(dimension) + 1)
        let query = AlignedVectors<Float>.allocate(dimension) { rng.unitFloat() }
        let stored = AlignedVectors<Float>.allocate(Self.storedVectors * dimension) { rng.unitFloat() }
        defer {
            query.deallocate()
            stored.deallocate()
        }
        let mask = Self.storedVectors - 1
        var sink: Float = 0
        let storedNs = Timing.nanosecondsPerCall(samples: samples) { n in
            for i in 0..<n { sink += kernels.dot(query, stored + (i & mask) * dimension, dimension: dimension) }
        }
        let hotNs = Timing.nanosecondsPerCall(samples: samples) { n in
            for _ in 0..<n { sink += kernels.dot(query, stored, dimension: dimension) }
        }
        aeon_bench_consume(UInt64(sink.bitPattern))
        return (storedNs, hotNs)
    }

    /// The scan as a search runs it: one query against `rowsPerCall` contiguous rows per call,
    /// through the whole buffer.
    private func scanGBps(_ kernels: Kernels, dimension: Int, buffer: ScanBuffer) -> Double {
        let rows = buffer.bytes / dimension
        var rng = SplitMix64(seed: 99)
        let query = AlignedVectors<Int8>.allocate(dimension) { rng.code() }
        let scores = UnsafeMutablePointer<Int32>.allocate(capacity: rowsPerCall)
        defer {
            query.deallocate()
            scores.deallocate()
        }
        var sink: Int32 = 0
        let samples = kernels.level == .scalar ? 3 : 5
        let ns = Timing.medianNanoseconds(samples: samples) {
            var row = 0
            while row < rows {
                let count = min(rowsPerCall, rows - row)
                kernels.scan(
                    query: query, codes: buffer.base + row * dimension, dimension: dimension, stride: dimension,
                    count: count, scores: scores)
                sink &+= scores[0]
                row += count
            }
        }
        aeon_bench_consume(UInt64(UInt32(bitPattern: sink)))
        return Double(rows * dimension) / ns
    }

    private func streamReadGBps(_ buffer: ScanBuffer) -> Double {
        var sink: UInt64 = 0
        let ns = Timing.medianNanoseconds(samples: 7) {
            sink &+= aeon_bench_stream_read(buffer.base, buffer.bytes)
        }
        aeon_bench_consume(sink)
        return Double(buffer.bytes) / ns
    }

    private func crc32cGBps(_ kernels: Kernels) -> Double {
        let block = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 64)
        defer { block.deallocate() }
        for i in 0..<4096 { block[i] = UInt8(truncatingIfNeeded: i &* 31) }
        var sink: UInt32 = 0
        let ns = Timing.nanosecondsPerCall(samples: samples) { n in
            for _ in 0..<n { sink = kernels.crc32c(UnsafeRawBufferPointer(block), continuing: sink) }
        }
        aeon_bench_consume(UInt64(sink))
        return 4096 / ns
    }
}

/// Vector buffers 64-byte aligned, as rows are in Atlas pages (a misaligned 64-byte load
/// splits a cache line).
enum AlignedVectors<Element> {
    /// `count` elements made by `value`; free with `deallocate()`.
    static func allocate(_ count: Int, _ value: () -> Element) -> UnsafeMutablePointer<Element> {
        let p = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<Element>.stride, alignment: 64)
            .bindMemory(to: Element.self, capacity: max(count, 1))
        for i in 0..<count { (p + i).initialize(to: value()) }
        return p
    }
}

/// A large buffer of int8 codes, every page written so that reads really come from memory.
struct ScanBuffer {
    let base: UnsafeMutablePointer<Int8>
    let bytes: Int

    init(bytes: Int) {
        self.bytes = bytes
        base = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 4096).bindMemory(to: Int8.self, capacity: bytes)
        var rng = SplitMix64(seed: 7)
        let seedBytes = min(bytes, 1 << 20)
        for i in 0..<seedBytes { base[i] = rng.code() }
        var filled = seedBytes
        while filled < bytes {
            let n = min(seedBytes, bytes - filled)
            (base + filled).update(from: base, count: n)
            filled += n
        }
    }

    func deallocate() { base.deallocate() }
}

extension SplitMix64 {
    /// A symmetric int8 code in [-127, 127].
    mutating func code() -> Int8 { Int8(Int(next() % 255) - 127) }
    /// A float in [-1, 1).
    mutating func unitFloat() -> Float { Float(next() >> 40) / Float(1 << 24) * 2 - 1 }
}
