import Aeon
import ArgumentParser
import Foundation

/// `aeonctl demo`: the README's main job, on the sample shipped with aeonctl.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Build a store from the bundled sample, search it, and report recall and latency.",
        discussion: """
            The sample (bundled with aeonctl, no network needed) is 4,000 WordNet definitions with \
            their sentence embeddings and 200 held-out queries with exact ground truth. The demo \
            builds a store, runs every query once on one thread, prints a few queries with their \
            best hits as text, and the measured recall@10 and latency percentiles.

            Examples:
              aeonctl demo
              aeonctl demo --store /tmp/memories --show 5
            """
    )

    @Option(name: .long, help: "Build the store here (kept); default: a temporary directory.")
    var store: String?

    @Option(name: .long, help: "Queries to print with their hits.")
    var show = 3

    @Flag(name: .long, help: "Print one JSON object with the measurements.")
    var json = false

    func run() throws {
        guard let sample = Bundle.module.url(forResource: "Sample", withExtension: nil)?.path else {
            printError("the bundled sample data is missing (reinstall aeonctl)")
            throw ExitCode(ExitStatus.io)
        }
        let clock = ContinuousClock()
        let base = try reportingErrors { try TexMexFile.readFloats(sample + "/base.fvecs") }
        let queries = try reportingErrors { try TexMexFile.readFloats(sample + "/query.fvecs") }
        let truth = try reportingErrors { try TexMexFile.readIntegers(sample + "/gt.ivecs") }
        let texts = try lines(sample + "/base.txt"), queryTexts = try lines(sample + "/query.txt")
        guard let dimension = base.first?.count, texts.count >= base.count, queryTexts.count >= queries.count,
            truth.count == queries.count
        else {
            printError("the bundled sample data is inconsistent")
            throw ExitCode(ExitStatus.corrupt)
        }

        let path = store ?? NSTemporaryDirectory() + "aeon-demo-\(getpid())"
        defer { if store == nil { try? FileManager.default.removeItem(atPath: path) } }
        if store == nil { try? FileManager.default.removeItem(atPath: path) }

        // Build.
        let records = base.enumerated().map { Record(id: UInt64($0.offset), vector: $0.element, text: String(texts[$0.offset])) }
        let buildStart = clock.now
        let statistics = try reportingErrors { () throws(AeonError) -> StoreStatistics in
            let writer = try AeonStore.open(at: path, options: StoreOptions(dimension: dimension, metric: .cosine))
            try writer.build(records)
            let statistics = try writer.statistics
            try writer.close()
            return statistics
        }
        let buildSeconds = seconds(clock.now - buildStart)

        // Reopen (as an application would) and search every query once.
        let openStart = clock.now
        let reader = try reportingErrors { try AeonStore.open(at: path, options: StoreOptions(readOnly: true)) }
        let openMilliseconds = seconds(clock.now - openStart) * 1000
        // Two passes: the first checksums each index page as it is first read; the second is warm.
        var cold: [Double] = [], warm: [Double] = [], hits1 = 0.0, hits10 = 0.0
        var answers: [[SearchResult]] = []
        for pass in 0..<2 {
            for (i, query) in queries.enumerated() {
                let start = clock.now
                let results = try reportingErrors { try reader.search(query, k: 10) }
                let micros = seconds(clock.now - start) * 1e6
                guard pass == 0 else {
                    warm.append(micros)
                    continue
                }
                cold.append(micros)
                answers.append(results)
                if results.first?.id == UInt64(truth[i][0]) { hits1 += 1 }
                let top = Set(truth[i].prefix(10).map { UInt64($0) })
                hits10 += Double(results.filter { top.contains($0.id) }.count) / 10
            }
        }
        let problems = try reportingErrors { try reader.verify() }
        func percentile(_ values: [Double], _ p: Double) -> Double {
            let sorted = values.sorted()
            return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
        }
        let p50 = percentile(warm, 0.5), p99 = percentile(warm, 0.99)
        let recall1 = hits1 / Double(queries.count), recall10 = hits10 / Double(queries.count)

        if json {
            print(
                "{\"records\":\(statistics.records),\"queries\":\(queries.count),\"postings\":\(statistics.postings),"
                    + "\"build_s\":\(buildSeconds),\"open_ms\":\(openMilliseconds),\"recall1\":\(recall1),"
                    + "\"recall10\":\(recall10),\"p50_us\":\(p50),\"p99_us\":\(p99),"
                    + "\"cold_p50_us\":\(percentile(cold, 0.5)),\"cold_p99_us\":\(percentile(cold, 0.99)),\"verify_problems\":\(problems.count),"
                    + "\"simd_level\":\"\(reader.kernels.level)\"}")
            return
        }
        print("Aeon demo — \(statistics.records) WordNet definitions (\(dimension)-d MiniLM embeddings), SIMD \(reader.kernels.level)")
        print(String(format: "  built in %.2f s: %d postings, replication %.2f, index %.1f MiB", buildSeconds, statistics.postings,
                     statistics.replicationFactor, Double(statistics.indexBytes) / 1048576))
        print(String(format: "  reopened in %.3f ms (maps the files, reads no index data)", openMilliseconds))
        print("")
        for i in Array(stride(from: 0, to: queries.count, by: max(1, queries.count / max(show, 1))).prefix(show)) {
            print("  query: \(queryTexts[i])")
            for hit in answers[i].prefix(3) {
                let text = try reportingErrors { try reader.get(id: hit.id) }.flatMap { $0.payload }.map { String(decoding: $0, as: UTF8.self) } ?? "?"
                print(String(format: "    %.3f  ", hit.score) + (text.count > 96 ? String(text.prefix(95)) + "…" : text))
            }
        }
        print("")
        print(String(format: "  %d queries, one thread: recall@1 %.3f, recall@10 %.3f (against exact ground truth)",
                     queries.count, recall1, recall10))
        print(String(format: "  latency: p50 %.0f µs, p99 %.0f µs (first pass, checksumming pages as they are first read: p50 %.0f, p99 %.0f)",
                     p50, p99, percentile(cold, 0.5), percentile(cold, 0.99)))
        print("  verify: \(problems.isEmpty ? "every page checksum matches" : "\(problems.count) problems")")
        try reader.close()
    }

    private func lines(_ path: String) throws -> [Substring] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            printError("cannot read \(path)")
            throw ExitCode(ExitStatus.io)
        }
        return text.split(separator: "\n", omittingEmptySubsequences: false)
    }
}
