import Aeon
import AeonBenchmarks
import AeonCommandSupport
import ArgumentParser
import Foundation

/// `aeon-bench churn`: recall and latency after online inserts and deletes, beside a fresh
/// build of the same final set.
struct BenchChurnCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "churn",
        abstract: "Measure recall@10 and p99 latency after online churn, beside a fresh build.",
        discussion: """
            Builds an index from the first half of --base, inserts the second half online \
            (batches of 1000) and deletes a random quarter of all records online, with no \
            checkpoint in between; builds the same final set fresh; computes exact ground truth \
            for that set; then measures recall@10 and p50/p99 latency at the default search \
            settings on one thread, for the fresh index, the churned one, and the churned one \
            after a checkpoint has written it out.

            Example:
              swift run -c release aeon-bench churn --base ../shared/datasets/wn-minilm384/base.fvecs \\
                --query ../shared/datasets/wn-minilm384/query.fvecs --nq 1000 --json
            """
    )

    @Option(name: .long, help: "Base vectors (.fvecs); ids are row numbers.")
    var base: String

    @Option(name: .long, help: "Query vectors (.fvecs).")
    var query: String

    @Option(name: .long, help: "Use only the first N queries.")
    var nq = 1000

    @Option(name: .long, help: "Use only the first N base vectors.")
    var nb: Int?

    @Option(name: .long, help: "The metric: cosine, ip or l2.")
    var metric = "cosine"

    @Option(name: .long, help: "Directory for the two stores (default: a temporary directory, removed afterwards).")
    var dir: String?

    @Flag(name: .long, help: "Print one JSON object.")
    var json = false

    func validate() throws {
        guard Metric(name: metric) != nil else { throw ValidationError("unknown metric '\(metric)'") }
        guard nq >= 1, (nb ?? 2) >= 2 else { throw ValidationError("--nq ≥ 1 and --nb ≥ 2") }
    }

    func run() throws {
        try withBenchmarkDirectory(dir, name: "churn") { directory in
            let vectors = try reportingErrors { try TexMexFile.readFloats(base, limit: nb) }
            let queries = try reportingErrors { try TexMexFile.readFloats(query, limit: nq) }
            let benchmark = ChurnBenchmark(base: vectors, queries: queries, directory: directory, metric: Metric(name: metric)!)
            let report = try reportingErrors { try benchmark.run(progress: { if !json { printNote($0) } }) }
            if json {
                try printJSON(report)
            } else {
                print("Aeon churn benchmark — \(report.records) records after churn, \(report.queries) queries, SIMD \(report.simdLevel)")
                print(String(format: "  recall@10: fresh %.4f, churned %.4f (Δ %+.4f), after checkpoint %.4f", report.recall10Fresh,
                    report.recall10Churned, report.recall10Churned - report.recall10Fresh, report.recall10Checkpointed))
                print(String(format: "  p99 µs:    fresh %.1f, churned %.1f (×%.2f), after checkpoint %.1f", report.p99UsFresh,
                    report.p99UsChurned, report.p99UsChurned / report.p99UsFresh, report.p99UsCheckpointed))
                print(String(format: "  p50 µs:    fresh %.1f, churned %.1f, after checkpoint %.1f", report.p50UsFresh, report.p50UsChurned,
                    report.p50UsCheckpointed))
                print("  postings: fresh \(report.postingsFresh), churned \(report.postingsChurned) (\(report.splits) splits, \(report.merges) merges)")
                print(String(format: "  online: %.0f inserts/s, %.0f deletes/s; checkpoint %.2f s; fresh build %.2f s", report.insertsPerS,
                    report.deletesPerS, report.checkpointS, report.buildFreshS))
            }
        }
    }
}
