import Aeon
import Foundation

/// `aeonctl bench checkpoint`: what a checkpoint costs after a number of writes, written as a
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
        public var simdLevel: String

        enum CodingKeys: String, CodingKey {
            case records, dimension, buildS = "build_s", points, simdLevel = "simd_level"
        }
    }

    public var base: [[Float]]
    public var writes: [Int]
    public var directory: String
    public var metric: Metric

    /// Builds the vectors of `base` not needed for the writes, then for each count in `writes`
    /// upserts that many new vectors (durability none, batches of 1000) and checkpoints twice.
    public init(base: [[Float]], writes: [Int], directory: String, metric: Metric = .cosine) {
        precondition(writes.reduce(0, +) < base.count, "CheckpointBenchmark: more writes than vectors")
        self.base = base
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
        for count in writes {
            for first in stride(from: next, to: next + count, by: 1000) {
                try store.upsert(Array(records[first..<min(next + count, first + 1000)]), durability: .none)
            }
            next += count
            start = clock.now
            try store.checkpoint()
            let layered = seconds(clock.now - start)
            let layer = try store.statistics
            start = clock.now
            try store.checkpoint(full: true)
            let full = seconds(clock.now - start)
            let whole = try store.statistics
            progress(
                "\(count) writes: layered \(format(layered)) s, \(layer.layerBytes) B (layer \(layer.layers)); "
                    + "full \(format(full)) s, \(whole.layerBytes) B")
            points.append(Point(writes: count, layeredS: layered, layeredBytes: layer.layerBytes, fullS: full, fullBytes: whole.layerBytes))
        }
        return Report(records: next, dimension: dimension, buildS: buildSeconds, points: points, simdLevel: store.kernels.level.rawValue)
    }

    private func seconds(_ duration: Duration) -> Double { Timing.nanoseconds(duration) / 1e9 }
    private func format(_ x: Double) -> String { String(format: "%.4g", x) }
}
