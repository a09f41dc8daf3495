import Aeon
import AeonBenchmarks
import AeonCommandSupport
import ArgumentParser
import Foundation

/// `aeon-bench ingest`: write throughput per durability mode; synchronous commits per second
/// with 1 and 8 writers beside SQLite.
struct BenchIngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Measure ingest per durability mode and synchronous commits/s beside SQLite.",
        discussion: """
            vectors_per_s: 384-d vectors with 100-byte payloads upserted in batches of 1000 (and \
            of 1) into a fresh store, per durability mode and with the log off (wal_off). \
            commits_per_s: single-record synchronous upserts from 1 and 8 threads, and SQLite \
            (journal_mode=WAL, synchronous=FULL, one connection per thread) inserting rows of \
            the same size, in a directory on the same disk. cpu_us_per_vector: the process's \
            CPU time per vector in batches of 1000, all threads. batched_direct: batched with \
            the log's large writes bypassing the page cache (direct I/O). The batched and log-off \
            stores are also fed alternately, batch by batch, for a ratio that the machine's \
            drift in speed affects less. Every measurement is repeated \
            --rounds times, interleaved (Aeon and SQLite alternate who goes first); each figure \
            is the median of its rounds, and each ratio is taken within a round.

            Examples:
              swift run -c release aeon-bench ingest
              swift run -c release aeon-bench ingest --dir /var/tmp --json
            """
    )

    @Option(name: .long, help: "Where the stores and databases go (default: the temporary directory).")
    var dir: String?

    @Option(name: .long, help: "Vectors per mode (batches of 1000).")
    var vectors = 50_000

    @Option(name: .long, help: "Commits per writer-count measurement.")
    var commits = 3000

    @Option(name: .long, help: "Rounds of every measurement (medians reported).")
    var rounds = 5

    @Flag(name: .long, help: "Print one JSON object.")
    var json = false

    func validate() throws {
        guard rounds >= 1, vectors >= 1000, commits >= 8 else { throw ValidationError("--rounds ≥ 1, --vectors ≥ 1000, --commits ≥ 8") }
    }

    func run() throws {
        let directory = dir ?? NSTemporaryDirectory() + "aeon-bench-ingest-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { if dir == nil { try? FileManager.default.removeItem(atPath: directory) } }
        let benchmark = IngestBenchmark(directory: directory, vectors: vectors, commits: commits, rounds: rounds)
        let report = try reportingErrors { try benchmark.run(progress: { if !json { printNote("  measuring \($0)…") } }) }
        if json {
            try printJSON(report)
            return
        }
        print("Aeon ingest — \(report.dimension)-d vectors, \(report.payloadBytes)-byte payloads; SQLite \(report.sqliteVersion)")
        print("")
        print("  mode            vectors/s, batches of 1000   CPU µs/vector   vectors/s, batches of 1")
        for mode in ["wal_off", "none", "batched", "batched_direct", "synchronous"] {
            let name = mode + String(repeating: " ", count: max(0, 14 - mode.count))
            print("  " + name + String(format: "%28.0f %15.2f %25.0f", report.vectorsPerS[mode] ?? 0,
                report.cpuMicrosecondsPerVector[mode] ?? 0, report.vectorsPerSBatch1[mode] ?? 0))
        }
        if let ratio = report.medianRatios["batched_over_wal_off"], let cpu = report.medianRatios["batched_cpu_over_wal_off"],
            let paired = report.medianRatios["paired_batched_over_wal_off"]
        {
            print(String(format: "  batched costs %.1f%% over no log in throughput, %.1f%% in CPU time; fed batch by batch in turn, %.1f%%",
                (1 / ratio - 1) * 100, (cpu - 1) * 100, (1 / paired - 1) * 100))
            print("  (medians of per-round ratios)")
        }
        print("")
        print("  synchronous commits/s     Aeon     SQLite")
        for writers in [1, 8] {
            print(String(format: "  %d writer(s)           %8.0f   %8.0f", writers, report.commitsPerS["aeon_\(writers)"] ?? 0,
                         report.commitsPerS["sqlite_\(writers)"] ?? 0) + String(format: "   (Aeon/SQLite, median of rounds: %.2f×)",
                report.medianRatios["commits_\(writers)"] ?? 0))
        }
        print("  medians of \(report.rounds) interleaved rounds")
    }
}
