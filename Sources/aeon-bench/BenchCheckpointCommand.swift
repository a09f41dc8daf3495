import Aeon
import AeonBenchmarks
import AeonCommandSupport
import ArgumentParser
import Foundation

/// `aeon-bench checkpoint`: a checkpoint that writes only what changed, beside a full one.
struct BenchCheckpointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Measure checkpoints written as a layer (only what changed) beside full rewrites.",
        discussion: """
            Builds an index of --base minus the vectors the writes need, then for each count of \
            --writes upserts that many new vectors (durability none) and checkpoints: first as \
            the store does by default (a layer holding only the new rows and the postings that \
            took entries), then a full rewrite of the same index (checkpoint(full: true)). \
            Prints the seconds and index bytes each wrote.

            Example:
              swift run -c release aeon-bench checkpoint --base ../shared/datasets/wn-minilm384/base.fvecs \\
                --query ../shared/datasets/wn-minilm384/query.fvecs --json
            """
    )

    @Option(name: .long, help: "Base vectors (.fvecs); ids are row numbers.")
    var base: String

    @Option(name: .long, help: "Use only the first N base vectors.")
    var nb: Int?

    @Option(name: .long, help: "Query vectors (.fvecs): also measure recall@10 and latency over the layers and over the fold.")
    var query: String?

    @Option(name: .long, help: "Use only the first N queries.")
    var nq = 1000

    @Option(name: .long, parsing: .upToNextOption, help: "Writes before each pair of checkpoints.")
    var writes: [Int] = [100, 1000, 16384]

    @Option(name: .long, help: "The metric: cosine, ip or l2.")
    var metric = "cosine"

    @Option(name: .long, help: "Directory for the store (default: a temporary directory, removed afterwards).")
    var dir: String?

    @Flag(name: .long, help: "Print one JSON object.")
    var json = false

    func validate() throws {
        guard Metric(name: metric) != nil else { throw ValidationError("unknown metric '\(metric)'") }
        guard !writes.isEmpty, writes.allSatisfy({ $0 >= 1 }) else { throw ValidationError("--writes takes counts ≥ 1") }
    }

    func run() throws {
        try withBenchmarkDirectory(dir, name: "checkpoint") { directory in
            let vectors = try reportingErrors { try TexMexFile.readFloats(base, limit: nb) }
            guard writes.reduce(0, +) < vectors.count else {
                throw ValidationError("the writes (\(writes.reduce(0, +))) need more vectors than --base has (\(vectors.count))")
            }
            let queries = try query.map { path in try reportingErrors { try TexMexFile.readFloats(path, limit: nq) } } ?? []
            let benchmark = CheckpointBenchmark(
                base: vectors, queries: queries, writes: writes, directory: directory, metric: Metric(name: metric)!)
            let report = try reportingErrors { try benchmark.run(progress: { if !json { printNote($0) } }) }
            if json {
                try printJSON(report)
            } else {
                print("Aeon checkpoint benchmark — \(report.records) records of \(report.dimension) dims, SIMD \(report.simdLevel)")
                for point in report.points {
                    print(String(
                        format: "  %6d writes: layered %.3f s, %.1f MB; full %.3f s, %.1f MB (%.1f× faster, %.1f× fewer bytes)", point.writes,
                        point.layeredS, Double(point.layeredBytes) / 1e6, point.fullS, Double(point.fullBytes) / 1e6, point.fullS / point.layeredS,
                        Double(point.fullBytes) / Double(point.layeredBytes)))
                }
                if let layered = report.recall10Layered, let full = report.recall10Full {
                    print(String(
                        format: "  after the last writes: recall@10 layered %.4f, full %.4f; p50 µs %.1f / %.1f; p99 µs %.1f / %.1f", layered, full,
                        report.p50UsLayered ?? 0, report.p50UsFull ?? 0, report.p99UsLayered ?? 0, report.p99UsFull ?? 0))
                }
            }
        }
    }
}
