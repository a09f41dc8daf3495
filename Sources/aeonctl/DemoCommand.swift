import Aeon
import AeonCommandSupport
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

        // Build from a quarter, write the rest online as an agent would (synchronous, small
        // batches), delete every tenth memory, checkpoint, and collect the deleted payloads.
        let records = base.enumerated().map { Record(id: UInt64($0.offset), vector: $0.element, text: String(texts[$0.offset])) }
        let half = records.count / 4
        let deleted = Set(stride(from: 0, to: records.count, by: 10).map { UInt64($0) })
        var buildSeconds = 0.0, writeSeconds = 0.0
        var splits = 0, merges = 0
        var garbage: GarbageCollectionReport? = nil
        let statistics = try reportingErrors { () throws(AeonError) -> StoreStatistics in
            let writer = try AeonStore.open(at: path, options: StoreOptions(dimension: dimension, metric: .cosine))
            let buildStart = clock.now
            try writer.build(Array(records[..<half]))
            buildSeconds = seconds(clock.now - buildStart)
            let writeStart = clock.now
            for first in stride(from: half, to: records.count, by: 50) {
                try writer.upsert(Array(records[first..<min(records.count, first + 50)]))
            }
            for id in deleted.sorted() { try writer.delete(id: id) }
            writeSeconds = seconds(clock.now - writeStart)
            (splits, merges) = (try writer.statistics.splits, try writer.statistics.merges)
            try writer.checkpoint()
            // A low ratio, so the demo's one segment is collected (only the deleted memories that were
            // checkpointed before have payloads there: a fortieth of it).
            garbage = try writer.collectGarbage(garbageRatio: 0.01)
            let statistics = try writer.statistics
            try writer.close()
            return statistics
        }

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
                // The exact neighbours among the memories not deleted (the truth lists 100 per query).
                let exact = truth[i].map { UInt64($0) }.filter { !deleted.contains($0) }
                if results.first?.id == exact.first { hits1 += 1 }
                let top = Set(exact.prefix(10))
                hits10 += Double(results.filter { top.contains($0.id) }.count) / 10
            }
        }
        let problems = try reportingErrors { try reader.verify() }
        // By nearest rank, as the benchmarks define it (p99 of 1,000 samples: the 990th smallest).
        func percentile(_ values: [Double], _ p: Double) -> Double {
            let sorted = values.sorted()
            return sorted[max(0, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
        }
        let p50 = percentile(warm, 0.5), p99 = percentile(warm, 0.99)
        let recall1 = hits1 / Double(queries.count), recall10 = hits10 / Double(queries.count)

        if json {
            print(
                "{\"records\":\(statistics.records),\"queries\":\(queries.count),\"postings\":\(statistics.postings),"
                    + "\"build_s\":\(buildSeconds),\"online_writes\":\(records.count - half + deleted.count),\"online_s\":\(writeSeconds),"
                    + "\"splits\":\(splits),\"merges\":\(merges),\"blob_bytes\":\(garbage?.fileBytesAfter ?? 0),"
                    + "\"open_ms\":\(openMilliseconds),\"recall1\":\(recall1),"
                    + "\"recall10\":\(recall10),\"p50_us\":\(p50),\"p99_us\":\(p99),"
                    + "\"cold_p50_us\":\(percentile(cold, 0.5)),\"cold_p99_us\":\(percentile(cold, 0.99)),\"verify_problems\":\(problems.count),"
                    + "\"simd_level\":\"\(reader.simdLevel)\"}")
            return
        }
        print("Aeon demo — \(statistics.records) WordNet definitions (\(dimension)-d MiniLM embeddings), SIMD \(reader.simdLevel)")
        print(String(format: "  built an index of the first %d in %.2f s", half, buildSeconds))
        let writes = records.count - half + deleted.count
        let rate = Double(writes) / writeSeconds
        print("  wrote the other \(records.count - half) online (synchronous, batches of 50) and deleted \(deleted.count): "
            + String(format: "%.0f", rate) + " writes/s, each durable before it returned; \(splits) postings split, \(merges) merged")
        if let garbage {
            print(String(format: "  checkpointed; collected the deleted payloads: blob files %.0f → %.0f KiB (live %.0f KiB), %d moved",
                         Double(garbage.fileBytesBefore) / 1024, Double(garbage.fileBytesAfter) / 1024, Double(garbage.liveBytes) / 1024,
                         garbage.blobsMoved))
        }
        print(String(format: "  %d memories: %d postings, replication %.2f, index %.1f MiB", statistics.records, statistics.postings,
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
        print("  verify: \(problems.isEmpty ? "every page and payload checksum matches" : "\(problems.count) problems")")
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
