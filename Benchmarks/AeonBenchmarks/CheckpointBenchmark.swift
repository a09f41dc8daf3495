import Aeon
import Foundation

/// `aeon-bench checkpoint`: what a checkpoint costs after a number of writes, written as a
/// layer (only what changed) beside a full rewrite of the same index, one after the other on
/// the same store.
public struct CheckpointBenchmark: Sendable {
    /// One number of writes: the layered checkpoint after them, then a full one.
    public struct Point: Sendable, Codable {
        public var writes: Int
        public var layeredS: Double
        public var layeredBytes: Int
        public var fullS: Double
        public var fullBytes: Int

        enum CodingKeys: String, CodingKey {
            case writes, layeredS = "layered_s", layeredBytes = "layered_bytes", fullS = "full_s", fullBytes = "full_bytes"
        }
    }

    /// Everything one run measured.
    public struct Report: Sendable, Codable {
        public var records: Int
        public var dimension: Int
        public var buildS: Double
        public var points: [Point]
        /// With queries: after the last writes, the index as layers and then folded, against
        /// exact ground truth of every record (the same postings either way).
        public var recall10Layered: Double?
        public var recall10Full: Double?
        public var p50UsLayered: Double?
        public var p50UsFull: Double?
        public var p99UsLayered: Double?
        public var p99UsFull: Double?
        public var simdLevel: String

        enum CodingKeys: String, CodingKey {
            case records, dimension, buildS = "build_s", points, simdLevel = "simd_level"
            case recall10Layered = "recall10_layered", recall10Full = "recall10_full", p50UsLayered = "p50_us_layered"
            case p50UsFull = "p50_us_full", p99UsLayered = "p99_us_layered", p99UsFull = "p99_us_full"
        }
    }

    public var base: [[Float]]
    public var queries: [[Float]]
    public var writes: [Int]
    public var directory: String
    public var metric: Metric

    /// Builds the vectors of `base` not needed for the writes, then for each count in `writes`
    /// upserts that many new vectors (durability none, batches of 1000) and checkpoints twice.
    /// With `queries`, the last point also measures search over the layers and over the fold.
    public init(base: [[Float]], queries: [[Float]] = [], writes: [Int], directory: String, metric: Metric = .cosine) {
        precondition(writes.reduce(0, +) < base.count, "CheckpointBenchmark: more writes than vectors")
        self.base = base
        self.queries = queries
        self.writes = writes
        self.directory = directory
        self.metric = metric
    }

    public func run(progress: (String) -> Void = { _ in }) throws(AeonError) -> Report {
        let clock = ContinuousClock()
        let dimension = base.first?.count ?? 0
        let records = base.enumerated().map { Record(id: UInt64($0.offset), vector: $0.element) }
        let built = base.count - writes.reduce(0, +)
        let store = try AeonStore.open(
            at: directory + "/store", options: StoreOptions(dimension: dimension, metric: metric, checkpointThreshold: 0))
        var start = clock.now
        try store.build(Array(records[..<built]))
        let buildSeconds = seconds(clock.now - start)
        progress("built \(built) in \(format(buildSeconds)) s (\(try store.statistics.indexBytes) index bytes)")
        var next = built
        var points: [Point] = []
        let quality = SearchQuality(queries: queries, metric: metric)
        var layeredQuality: (recall: Double, p50: Double, p99: Double)?
        var fullQuality: (recall: Double, p50: Double, p99: Double)?
        for (i, count) in writes.enumerated() {
            for first in stride(from: next, to: next + count, by: 1000) {
                try store.upsert(Array(records[first..<min(next + count, first + 1000)]), durability: .none)
            }
            next += count
            start = clock.now
            try store.checkpoint()
            let layered = seconds(clock.now - start)
            let layer = try store.statistics
            let truth = i == writes.count - 1 && !queries.isEmpty ? try quality.exactTopTen(Array(records[..<next])) : nil
            if let truth { layeredQuality = try quality.measure(store, truth: truth) }
            start = clock.now
            try store.checkpoint(full: true)
            let full = seconds(clock.now - start)
            let whole = try store.statistics
            if let truth { fullQuality = try quality.measure(store, truth: truth) }
            progress(
                "\(count) writes: layered \(format(layered)) s, \(layer.layerBytes) B (layer \(layer.layers)); "
                    + "full \(format(full)) s, \(whole.layerBytes) B")
            points.append(Point(writes: count, layeredS: layered, layeredBytes: layer.layerBytes, fullS: full, fullBytes: whole.layerBytes))
        }
        if let layeredQuality, let fullQuality {
            progress(
                "recall@10 layered \(format(layeredQuality.recall)) (p50 \(format(layeredQuality.p50)) µs, p99 \(format(layeredQuality.p99)) µs), "
                    + "full \(format(fullQuality.recall)) (p50 \(format(fullQuality.p50)) µs, p99 \(format(fullQuality.p99)) µs)")
        }
        return Report(
            records: next, dimension: dimension, buildS: buildSeconds, points: points, recall10Layered: layeredQuality?.recall,
            recall10Full: fullQuality?.recall, p50UsLayered: layeredQuality?.p50, p50UsFull: fullQuality?.p50, p99UsLayered: layeredQuality?.p99,
            p99UsFull: fullQuality?.p99, simdLevel: store.simdLevel.rawValue)
    }

    private func seconds(_ duration: Duration) -> Double { Timing.nanoseconds(duration) / 1e9 }
    private func format(_ x: Double) -> String { String(format: "%.4g", x) }
}
