import Aeon
import Foundation
import Synchronization

/// `aeon-bench churn`: how good the index stays under online writes. Builds an index from
/// the first half of the base, inserts the second half and deletes a random quarter of all
/// online (no checkpoint in between), and compares recall@10 and latency at the default search
/// settings with a fresh build of the same final set, against exact ground truth of that set.
public struct ChurnBenchmark: Sendable {
    /// Everything one run measured.
    public struct Report: Sendable, Codable {
        public var records: Int
        public var queries: Int
        public var inserted: Int
        public var deleted: Int
        public var recall10Fresh: Double
        public var recall10Churned: Double
        /// After a checkpoint wrote the churned index out (no re-clustering).
        public var recall10Checkpointed: Double
        public var p50UsFresh: Double
        public var p50UsChurned: Double
        public var p50UsCheckpointed: Double
        public var p99UsFresh: Double
        public var p99UsChurned: Double
        public var p99UsCheckpointed: Double
        public var postingsFresh: Int
        public var postingsChurned: Int
        public var splits: Int
        public var merges: Int
        /// Online inserts per second (batches of 1000, durability none: the index's cost).
        public var insertsPerS: Double
        public var deletesPerS: Double
        public var buildHalfS: Double
        public var buildFreshS: Double
        public var checkpointS: Double
        public var simdLevel: String

        enum CodingKeys: String, CodingKey {
            case records, queries, inserted, deleted
            case recall10Fresh = "recall10_fresh", recall10Churned = "recall10_churned", recall10Checkpointed = "recall10_checkpointed"
            case p50UsFresh = "p50_us_fresh", p50UsChurned = "p50_us_churned", p50UsCheckpointed = "p50_us_checkpointed"
            case p99UsFresh = "p99_us_fresh", p99UsChurned = "p99_us_churned", p99UsCheckpointed = "p99_us_checkpointed"
            case postingsFresh = "postings_fresh", postingsChurned = "postings_churned", splits, merges
            case insertsPerS = "inserts_per_s", deletesPerS = "deletes_per_s", buildHalfS = "build_half_s", buildFreshS = "build_fresh_s"
            case checkpointS = "checkpoint_s", simdLevel = "simd_level"
        }
    }

    public var base: [[Float]]
    public var queries: [[Float]]
    public var directory: String
    public var metric: Metric
    public var deleteFraction: Double
    public var seed: UInt64

    /// A benchmark of `base` (ids are row numbers) with stores under `directory`.
    public init(base: [[Float]], queries: [[Float]], directory: String, metric: Metric = .cosine, deleteFraction: Double = 0.25, seed: UInt64 = 7) {
        self.base = base
        self.queries = queries
        self.directory = directory
        self.metric = metric
        self.deleteFraction = deleteFraction
        self.seed = seed
    }

    public func run(progress: (String) -> Void = { _ in }) throws(AeonError) -> Report {
        let clock = ContinuousClock()
        let dimension = base.first?.count ?? 0
        let half = base.count / 2
        let options = StoreOptions(dimension: dimension, metric: metric, checkpointThreshold: 0)
        let records = base.enumerated().map { Record(id: UInt64($0.offset), vector: $0.element) }

        // Churn: build half, insert the rest, delete a random quarter of all.
        let churned = try AeonStore.open(at: directory + "/churned", options: options)
        var start = clock.now
        try churned.build(Array(records[..<half]))
        let buildHalf = seconds(clock.now - start)
        progress("built the first \(half) in \(format(buildHalf)) s")
        start = clock.now
        for first in stride(from: half, to: records.count, by: 1000) {
            try churned.upsert(Array(records[first..<min(records.count, first + 1000)]), durability: .none)
        }
        let insertSeconds = seconds(clock.now - start)
        var random = SplitMix64(seed: seed)
        var deleted = Set<UInt64>()
        for record in records where Double(random.next() >> 11) / Double(1 << 53) < deleteFraction { deleted.insert(record.id) }
        start = clock.now
        for id in deleted.sorted() { try churned.delete(id: id, durability: .none) }
        let deleteSeconds = seconds(clock.now - start)
        let stats = try churned.statistics
        progress(
            "inserted \(records.count - half) online (\(Int(Double(records.count - half) / insertSeconds))/s), deleted \(deleted.count) "
                + "(\(Int(Double(deleted.count) / deleteSeconds))/s): \(stats.splits) splits, \(stats.merges) merges, \(stats.postings) postings, \(stats.postingEntries) entries")

        // The same final set, built fresh.
        let final = records.filter { !deleted.contains($0.id) }
        let fresh = try AeonStore.open(at: directory + "/fresh", options: options)
        start = clock.now
        try fresh.build(final)
        let buildFresh = seconds(clock.now - start)
        progress("built the final \(final.count) fresh in \(format(buildFresh)) s (\(try fresh.statistics.postings) postings, \(try fresh.statistics.postingEntries) entries); computing exact ground truth…")
        let quality = SearchQuality(queries: queries, metric: metric)
        let truth = try quality.exactTopTen(final)

        let freshPoint = try quality.measure(fresh, truth: truth)
        progress("fresh:   recall@10 \(format(freshPoint.recall)) p50 \(format(freshPoint.p50)) µs p99 \(format(freshPoint.p99)) µs")
        let churnedPoint = try quality.measure(churned, truth: truth)
        progress("churned: recall@10 \(format(churnedPoint.recall)) p50 \(format(churnedPoint.p50)) µs p99 \(format(churnedPoint.p99)) µs")
        start = clock.now
        try churned.checkpoint()
        let checkpointSeconds = seconds(clock.now - start)
        let checkpointed = try quality.measure(churned, truth: truth)
        progress(
            "checkpoint \(format(checkpointSeconds)) s; then recall@10 \(format(checkpointed.recall)) p50 \(format(checkpointed.p50)) µs "
                + "p99 \(format(checkpointed.p99)) µs")
        let report = Report(
            records: final.count, queries: queries.count, inserted: records.count - half, deleted: deleted.count,
            recall10Fresh: freshPoint.recall, recall10Churned: churnedPoint.recall, recall10Checkpointed: checkpointed.recall,
            p50UsFresh: freshPoint.p50, p50UsChurned: churnedPoint.p50, p50UsCheckpointed: checkpointed.p50,
            p99UsFresh: freshPoint.p99, p99UsChurned: churnedPoint.p99, p99UsCheckpointed: checkpointed.p99,
            postingsFresh: try fresh.statistics.postings, postingsChurned: stats.postings, splits: stats.splits, merges: stats.merges,
            insertsPerS: Double(records.count - half) / insertSeconds, deletesPerS: Double(deleted.count) / deleteSeconds,
            buildHalfS: buildHalf, buildFreshS: buildFresh, checkpointS: checkpointSeconds, simdLevel: fresh.simdLevel.rawValue)
        try fresh.close()
        try churned.close()
        return report
    }

    private func seconds(_ duration: Duration) -> Double { Timing.nanoseconds(duration) / 1e9 }
    private func format(_ x: Double) -> String { String(format: "%.4g", x) }
}

/// A value handed to worker threads that only read it.
