import Aeon
import Foundation
import Synchronization

/// Exact ground truth, and recall@10 with latency percentiles measured against it: what the
/// benchmarks that compare one store with another share.
struct SearchQuality {
    let queries: [[Float]]
    let metric: Metric

    /// Each query's exact 10 nearest ids among `records` (by the metric), on every core.
    func exactTopTen(_ records: [Record]) throws(AeonError) -> [[UInt64]] {
        let kernels = try Kernels.fromEnvironment()
        let dimension = records.first?.vector.count ?? 0
        let normalise = metric == .cosine
        func prepared(_ v: [Float]) -> [Float] {
            guard normalise else { return v }
            let norm = v.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
            return v.map { $0 / norm }
        }
        let data = records.flatMap { prepared($0.vector) }
        let ids = records.map(\.id)
        let metric = self.metric
        let prepQueries = queries.map(prepared)
        let results = Mutex<[[UInt64]]>(Array(repeating: [], count: queries.count))
        data.withUnsafeBufferPointer { d in
            let shared = UncheckedBox(d)
            DispatchQueue.concurrentPerform(iterations: ProcessInfo.processInfo.activeProcessorCount) { worker in
                let workers = ProcessInfo.processInfo.activeProcessorCount
                var scores = [Float](repeating: 0, count: ids.count)
                for q in stride(from: worker, to: prepQueries.count, by: workers) {
                    prepQueries[q].withUnsafeBufferPointer { query in
                        for row in 0..<ids.count {
                            let v = shared.value.baseAddress! + row * dimension
                            scores[row] = metric == .l2
                                ? -kernels.squaredL2(query.baseAddress!, v, dimension: dimension)
                                : kernels.dot(query.baseAddress!, v, dimension: dimension)
                        }
                    }
                    // The best 10 by insertion: one pass, no sort of every score.
                    var top: [Int] = []
                    for row in scores.indices {
                        if top.count == 10, scores[row] <= scores[top[9]] { continue }
                        var at = top.count
                        while at > 0, scores[row] > scores[top[at - 1]] { at -= 1 }
                        top.insert(row, at: at)
                        if top.count > 10 { top.removeLast() }
                    }
                    let found = top.map { ids[$0] }
                    results.withLock { $0[q] = found }
                }
            }
        }
        return results.withLock { $0 }
    }

    /// Recall@10 and latency percentiles at the default settings, one thread, each query once
    /// after 50 warm-up queries.
    func measure(_ store: AeonStore, truth: [[UInt64]]) throws(AeonError) -> (recall: Double, p50: Double, p99: Double) {
        let clock = ContinuousClock()
        for query in queries.prefix(50) { _ = try store.search(query, k: 10) }
        var latencies: [Double] = []
        var hits = 0.0
        for (i, query) in queries.enumerated() {
            let start = clock.now
            let results = try store.search(query, k: 10)
            latencies.append(Timing.nanoseconds(clock.now - start) / 1e3)
            let top = Set(truth[i])
            hits += Double(results.filter { top.contains($0.id) }.count) / 10
        }
        return (hits / Double(queries.count), Timing.median(latencies), Timing.percentile(latencies, 99))
    }

}

private struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
