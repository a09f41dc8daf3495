import Aeon
import AeonBenchmarks
import AeonCommandSupport
import ArgumentParser
import Foundation

/// `aeon-bench recall`: recall@1/@k, QPS and latency percentiles against exact ground truth.
struct BenchRecallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recall",
        abstract: "Measure recall, QPS and latency of single-threaded search over a sweep of nprobe.",
        discussion: """
            Builds the store from --base in a child process (`aeonctl import`, so this process \
            never holds the base vectors and its memory figures are the engine's), or reuses \
            --store when it already holds that many records. Then: open time (median of 9 \
            opens), and for each nprobe, every query once on one thread after 50 warm-up \
            queries: recall@1, recall@k, QPS, p50 and p99 latency.

            Examples:
              swift run -c release aeon-bench recall --base ../shared/datasets/wn-minilm384/base.fvecs \\
                --query ../shared/datasets/wn-minilm384/query.fvecs --gt ../shared/datasets/wn-minilm384/gt.ivecs
              aeon-bench recall --base b.fvecs --query q.fvecs --gt g.ivecs --nprobe 16,32,64 --json
            """
    )

    @Option(name: .long, help: "Base vectors (.fvecs); ids are row numbers.")
    var base: String

    @Option(name: .long, help: "Query vectors (.fvecs).")
    var query: String

    @Option(name: .long, help: "Exact nearest neighbours of each query (.ivecs, best first).")
    var gt: String

    @Option(name: .long, help: "Neighbours per query.")
    var k = 10

    @Option(name: .long, help: "Use only the first N queries.")
    var nq: Int?

    @Option(name: .long, help: "Keep the store here (reused when it holds as many records as --base); default: a temporary directory.")
    var store: String?

    @Flag(name: .long, help: "Rebuild --store even if it could be reused.")
    var rebuild = false

    @Option(name: .long, help: "The metric: cosine, ip or l2.")
    var metric = "cosine"

    @Option(name: .long, parsing: .upToNextOption, help: "nprobe values to sweep (comma- or space-separated).")
    var nprobe: [String] = []

    @Option(name: .long, help: "Pruning ε for every point.")
    var epsilon: Float = SearchParameters.default.epsilon

    @Option(name: .long, help: "Oversampling for every point.")
    var oversample = SearchParameters.default.oversample

    @Option(name: .long, help: "Routing groups scanned per query (0: automatic).")
    var groupProbes = 0

    @Option(name: .long, help: "Before the sweep, upsert this many random records without checkpointing them (they go into the index online).")
    var pending = 0

    @Flag(name: .long, help: "Print one JSON object.")
    var json = false

    @OptionGroup var buildOptions: BuildOptions

    func validate() throws {
        guard k >= 1 else { throw ValidationError("--k must be ≥ 1") }
        guard Metric(name: metric) != nil else { throw ValidationError("unknown metric '\(metric)'") }
        guard oversample >= 1, epsilon >= 0 else { throw ValidationError("--oversample ≥ 1 and --epsilon ≥ 0") }
        guard probes != nil else { throw ValidationError("--nprobe takes positive integers") }
    }

    private var probes: [Int]? {
        let values = nprobe.flatMap { $0.split(separator: ",") }.map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard values.allSatisfy({ ($0 ?? 0) > 0 }) else { return nil }
        return values.compactMap { $0 }
    }

    func run() throws {
        let storePath = store ?? NSTemporaryDirectory() + "aeon-bench-recall-\(getpid())"
        defer { if store == nil { try? FileManager.default.removeItem(atPath: storePath) } }
        let baseCount = try reportingErrors { try TexMexFile.countVectors(base) }

        var buildSeconds: Double? = nil
        let existing = try? AeonStore.open(at: storePath, options: StoreOptions(readOnly: true))
        let reusable = !rebuild && existing?.count == baseCount
        try? existing?.close()
        if !reusable {
            if FileManager.default.fileExists(atPath: storePath) { try FileManager.default.removeItem(atPath: storePath) }
            if !json { printNote("building \(storePath) from \(base) (child process)…") }
            buildSeconds = try buildInChild(storePath)
        } else if !json {
            printNote("reusing \(storePath)")
        }

        if pending > 0 { try addPendingWrites(storePath) }
        let queries = try reportingErrors { try TexMexFile.readFloats(query, limit: nq) }
        let truth = try reportingErrors { try TexMexFile.readIntegers(gt, limit: queries.count) }
        guard truth.count == queries.count else {
            printError("\(gt) has \(truth.count) rows for \(queries.count) queries")
            throw ExitCode(ExitStatus.usage)
        }
        let sweep = probes.flatMap { $0.isEmpty ? nil : $0 }.map { list in
            list.map { SearchParameters(nprobe: $0, epsilon: epsilon, oversample: oversample, groupProbes: groupProbes) }
        } ?? RecallBenchmark.defaultSweep(epsilon: epsilon, oversample: oversample, groupProbes: groupProbes)
        let benchmark = RecallBenchmark(storePath: storePath, queries: queries, groundTruth: truth, k: k, sweep: sweep)
        let report = try reportingErrors { try benchmark.run(buildSeconds: buildSeconds, progress: { if !json { printNote("  " + $0) } }) }
        if json {
            try printJSON(report)
        } else {
            printSummary(report)
        }
    }

    /// Upserts `pending` random unit vectors (ids far above the base's) and leaves them in the log.
    private func addPendingWrites(_ storePath: String) throws {
        try reportingErrors {
            let store = try AeonStore.open(at: storePath, options: StoreOptions(checkpointThreshold: 0))
            var random = SplitMix64(seed: 42)
            let records = (0..<pending).map { i -> Record in
                var v = (0..<store.dimension).map { _ in Float(Int64(random.next() % 2_000_001) - 1_000_000) }
                let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
                v = v.map { $0 / norm }
                return Record(id: 1 << 40 + UInt64(i), vector: v)
            }
            try store.upsert(records, durability: .none)
            try store.close()
        }
        if !json { printNote("added \(pending) pending writes (not checkpointed)") }
    }

    /// Runs `aeonctl import` on the base file and returns its build time.
    private func buildInChild(_ storePath: String) throws -> Double {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Bundle.main.executablePath ?? CommandLine.arguments[0])
        process.arguments = ["import", storePath, base, "--metric", metric, "--json"] + buildOptions.arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let seconds = object["build_s"] as? Double
        else {
            printError("building the store failed (aeonctl import exited \(process.terminationStatus))")
            throw ExitCode(process.terminationStatus == 0 ? ExitStatus.io : process.terminationStatus)
        }
        return seconds
    }

    private func printSummary(_ r: RecallBenchmark.Report) {
        func mib(_ bytes: Int?) -> String { bytes.map { String(format: "%.1f MiB", Double($0) / 1048576) } ?? "n/a" }
        print("Aeon recall benchmark — \(r.records) records, \(r.queries) queries, k = \(r.k), SIMD \(r.simdLevel)")
        print("  build: \(r.buildS.map { String(format: "%.2f s", $0) } ?? "reused"), index \(mib(r.indexBytes)), "
            + "\(r.postings) postings, replication \(String(format: "%.2f", r.replication))")
        print("  open: \(String(format: "%.3f", r.openMs)) ms; anonymous memory added: \(mib(r.rssAfterOpenBytes)) after open, "
            + "\(mib(r.rssBytes)) after the sweep (mapped index pages resident: \(mib(r.rssFileBytes)))")
        print("")
        print("  nprobe   recall@1  recall@\(r.k)      QPS   p50 µs   p99 µs   probed  scanned")
        for p in r.points {
            print(String(
                format: "  %6d   %8.4f  %9.4f  %7.0f  %7.1f  %7.1f  %7.1f  %7.0f", p.nprobe, p.recall1, p.recall10, p.qps,
                p.p50Us, p.p99Us, p.postingsProbed, p.entriesScanned))
        }
    }
}
