import Aeon
import AeonBenchmarks
import AeonCommandSupport
import ArgumentParser
import Foundation

/// `aeon-bench kernels`: kernel speed at every SIMD level, scan throughput against the
/// machine's streaming-read bandwidth.
struct BenchKernelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernels",
        abstract: "Measure the int8/fp32 kernels at every SIMD level and the posting-scan bandwidth.",
        discussion: """
            Prints ns per int8 and fp32 dot product at every SIMD level this CPU has (◀ marks the \
            level in use), for dims 384, 768 and 1536; the posting-scan throughput over a buffer far larger than the \
            caches; and, in the same run, the single-core streaming-read bandwidth. AEON_SIMD \
            chooses the level the headline figures are for (default: the best).

            Examples:
              swift run -c release aeon-bench kernels
              swift run -c release aeon-bench kernels --dim 768 --json
            """
    )

    @Option(name: .long, help: "Measure only this dimension.")
    var dim: Int?

    @Option(name: .customLong("scan-mib"), help: "MiB of codes the scan streams through.")
    var scanMebibytes = 512

    @Flag(name: .long, help: "Print one JSON object.")
    var json = false

    func validate() throws {
        if let dim, dim < 1 || dim > Kernels.maximumDimension {
            throw ValidationError("--dim must be in 1...\(Kernels.maximumDimension)")
        }
        if scanMebibytes < 64 { throw ValidationError("--scan-mib must be at least 64 (the scan must outgrow the caches)") }
    }

    func run() throws {
        let kernels = try reportingErrors { try Kernels.fromEnvironment() }
        #if DEBUG
        printNote("note: this is a debug build; benchmark figures need `swift run -c release`")
        #endif
        let benchmark = KernelBenchmark(
            dimensions: dim.map { [$0] } ?? [384, 768, 1536], levels: SIMDLevel.supported, bestLevel: kernels.level,
            scanBytes: scanMebibytes << 20)
        let report = try reportingErrors { try benchmark.run(progress: { if !json { printNote("  measuring \($0)…") } }) }
        if json {
            try printJSON(report)
        } else {
            printTable(report, dimensions: benchmark.dimensions)
        }
    }

    private func printTable(_ report: KernelBenchmark.Report, dimensions: [Int]) {
        func f(_ value: Double?, _ digits: Int = 1) -> String {
            guard let value else { return "-" }
            return String(format: "%.\(digits)f", value)
        }
        print("Aeon kernels — SIMD level \(report.simdLevel) (supported: \(SIMDLevel.supported.map(\.rawValue).joined(separator: ", ")))")
        print("")
        print("  int8/fp32 dot: ns per call, one query against \(report.storedVectors) stored vectors in turn")
        print("  (hot: the same pair repeated, all in L1)")
        print("")
        print("  dim  level          int8 dot  fp32 dot  int8 hot  fp32 hot  scan GB/s")
        for dim in dimensions {
            let key = String(dim)
            for level in SIMDLevel.supported.map(\.rawValue) where report.levels[level] != nil {
                let l = report.levels[level]
                let cells = [l?.int8DotNs[key], l?.fp32DotNs[key], l?.int8DotHotNs[key], l?.fp32DotHotNs[key]]
                print(
                    "  \(key.padding(5))\(level.padding(13))" + cells.map { f($0).leftPadding(10) }.joined()
                        + f(l?.scanGBps[key]).leftPadding(11) + (level == report.simdLevel ? "  ◀" : ""))
            }
        }
        print("")
        print("  posting scan (\(report.scanBytes >> 20) MiB of codes): \(f(report.scanGBps)) GB/s (lowest over dims)")
        print("  streaming read, 1 core (same run):  \(f(report.streamReadGBps)) GB/s → scan at \(f(100 * report.scanGBps / report.streamReadGBps, 0))%")
        print("  CRC32C (4 KiB blocks):              \(f(report.crc32cGBps)) GB/s")
        print("")
        for dim in dimensions {
            let key = String(dim)
            if let i8 = report.int8DotNs[key], let f32 = report.fp32DotNs[key], let s = report.scalarInt8DotNs[key] {
                let hot = (report.fp32DotHotNs[key] ?? 0) / (report.int8DotHotNs[key] ?? 1)
                print(
                    "  dim \(key): int8 dot \(f(f32 / i8, 2))× faster than fp32 (hot: \(f(hot, 2))×), "
                        + "\(f(s / i8, 1))× faster than scalar int8")
            }
        }
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String { count >= width ? self + " " : self + String(repeating: " ", count: width - count) }
    fileprivate func leftPadding(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
