import Aeon

/// `aeon-bench recall`: recall and latency of single-threaded search against exact ground
/// truth, over a sweep of operating points, plus open time and resident memory.
public struct RecallBenchmark: Sendable {
    /// One operating point of the sweep.
    public struct Point: Sendable, Codable {
        public var nprobe: Int
        public var epsilon: Float
        public var oversample: Int
        public var recall1: Double
        public var recall10: Double
        public var qps: Double
        public var p50Us: Double
        public var p99Us: Double
        /// Mean postings probed per query.
        public var postingsProbed: Double
        /// Mean posting entries scanned per query (the memory traffic of a search).
        public var entriesScanned: Double

        enum CodingKeys: String, CodingKey {
            case nprobe, epsilon, oversample, recall1, recall10, qps, p50Us = "p50_us", p99Us = "p99_us"
            case postingsProbed = "postings_probed", entriesScanned = "entries_scanned"
        }
    }

    /// Everything one run measured.
    public struct Report: Sendable, Codable {
        public var buildS: Double?
        public var indexBytes: Int
        public var openMs: Double
        /// Anonymous resident memory the store added (after the sweep, minus before opening).
        public var rssBytes: Int?
        /// Anonymous resident memory the store added right after opening.
        public var rssAfterOpenBytes: Int?
        /// The harness's own anonymous memory (queries, ground truth) before the store opened.
        public var rssBaselineBytes: Int?
        /// File-backed resident memory after the sweep (mapped index pages; not counted above).
        public var rssFileBytes: Int?
        public var records: Int
        public var postings: Int
        public var replication: Double
        public var queries: Int
        public var k: Int
        public var simdLevel: String
        public var points: [Point]

        enum CodingKeys: String, CodingKey {
            case buildS = "build_s", indexBytes = "index_bytes", openMs = "open_ms", rssBytes = "rss_bytes"
            case rssAfterOpenBytes = "rss_after_open_bytes", rssBaselineBytes = "rss_baseline_bytes"
            case rssFileBytes = "rss_file_bytes", records, postings, replication, queries, k, simdLevel = "simd_level", points
        }
    }

    public var storePath: String
    public var queries: [[Float]]
    public var groundTruth: [[Int32]]
    public var k: Int
    public var sweep: [SearchParameters]

    /// A benchmark of the (already built) store at `storePath`.
    public init(storePath: String, queries: [[Float]], groundTruth: [[Int32]], k: Int, sweep: [SearchParameters]) {
        precondition(queries.count == groundTruth.count || groundTruth.count >= queries.count, "ground truth for every query")
        self.storePath = storePath
        self.queries = queries
        self.groundTruth = groundTruth
        self.k = k
        self.sweep = sweep
    }

    /// The default sweep: nprobe from 4 to 256 at the default pruning and oversampling.
    public static func defaultSweep(
        epsilon: Float = SearchParameters.default.epsilon, oversample: Int = SearchParameters.default.oversample, groupProbes: Int = 0
    ) -> [SearchParameters] {
        [4, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256].map {
            SearchParameters(nprobe: $0, epsilon: epsilon, oversample: oversample, groupProbes: groupProbes)
        }
    }

    public func run(buildSeconds: Double?, progress: (String) -> Void = { _ in }) throws(AeonError) -> Report {
        let baseline = ProcessMemory.current()

        // Open time: a fresh open (read-only) of an existing store, median of 9.
        var opens: [Double] = []
        let clock = ContinuousClock()
        for _ in 0..<9 {
            let start = clock.now
            let store = try AeonStore.open(at: storePath, options: StoreOptions(readOnly: true))
            opens.append(Timing.nanoseconds(clock.now - start) / 1e6)
            try store.close()
        }

        let store = try AeonStore.open(at: storePath, options: StoreOptions(readOnly: true))
        let afterOpen = ProcessMemory.current()
        let stats = try store.statistics
        var points: [Point] = []
        for parameters in sweep {
            // Warm up on the first 50 queries, as the peers' harness does.
            for query in queries.prefix(50) { _ = try store.search(query, k: k, parameters: parameters) }
            var latencies: [Double] = []
            latencies.reserveCapacity(queries.count)
            var hits1 = 0.0, hits10 = 0.0
            var work = SearchStatistics(), one = SearchStatistics()
            for (i, query) in queries.enumerated() {
                let start = clock.now
                let results = try store.search(query, k: k, parameters: parameters, statistics: &one)
                latencies.append(Timing.nanoseconds(clock.now - start) / 1e3)
                work += one
                let truth = groundTruth[i]
                if let first = results.first, !truth.isEmpty, first.id == UInt64(truth[0]) { hits1 += 1 }
                let top = Set(truth.prefix(k).map { UInt64($0) })
                hits10 += Double(results.prefix(k).filter { top.contains($0.id) }.count) / Double(k)
            }
            let point = Point(
                nprobe: parameters.nprobe, epsilon: parameters.epsilon, oversample: parameters.oversample,
                recall1: hits1 / Double(queries.count), recall10: hits10 / Double(queries.count),
                qps: Double(queries.count) / (latencies.reduce(0, +) / 1e6), p50Us: Timing.median(latencies),
                p99Us: Timing.percentile(latencies, 99),
                postingsProbed: Double(work.postingsProbed) / Double(queries.count),
                entriesScanned: Double(work.entriesScanned) / Double(queries.count))
            progress(
                "nprobe \(point.nprobe): recall@1 \(format(point.recall1)) recall@\(k) \(format(point.recall10)) "
                    + "QPS \(Int(point.qps)) p50 \(Int(point.p50Us)) µs p99 \(Int(point.p99Us)) µs, "
                    + "\(Int(point.postingsProbed)) postings / \(Int(point.entriesScanned)) entries scanned")
            points.append(point)
        }
        let after = ProcessMemory.current()
        try store.close()
        return Report(
            buildS: buildSeconds, indexBytes: stats.indexBytes, openMs: Timing.median(opens),
            rssBytes: after.flatMap { a in baseline.map { a.anonymousBytes - $0.anonymousBytes } },
            rssAfterOpenBytes: afterOpen.flatMap { a in baseline.map { a.anonymousBytes - $0.anonymousBytes } },
            rssBaselineBytes: baseline?.anonymousBytes, rssFileBytes: after?.fileBytes, records: stats.records,
            postings: stats.postings, replication: stats.replicationFactor, queries: queries.count, k: k,
            simdLevel: store.simdLevel.rawValue, points: points)
    }

    private func format(_ x: Double) -> String { "\((x * 10000).rounded() / 10000)" }
}
