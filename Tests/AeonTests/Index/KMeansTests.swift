import Testing

@testable import Aeon
import AeonTestSupport

@Suite("k-means")
struct KMeansTests {
    /// `clusters` tight groups of `size` points around far-apart centres, interleaved.
    func separated(clusters: Int, size: Int, dimension: Int, seed: UInt64) -> (data: [Float], truth: [Int]) {
        var random = SeededGenerator(seed: seed)
        var data: [Float] = [], truth: [Int] = []
        for i in 0..<(clusters * size) {
            let c = i % clusters
            for d in 0..<dimension { data.append(Float(d == c % dimension ? 100 * (c / dimension + 1) : 0) + Float(random.next() % 100) / 1000) }
            truth.append(c)
        }
        return (data, truth)
    }

    @Test("well separated groups come back exactly, each centroid at its group's mean", arguments: [1, 2])
    func recoversGroups(threads: Int) {
        let (data, truth) = separated(clusters: 6, size: 50, dimension: 8, seed: 11)
        var random = SeededGenerator(seed: 5)
        let (centroids, assignment) = data.withUnsafeBufferPointer { d in
            KMeans(data: d.baseAddress!, dimension: 8, kernels: .best, threads: threads)
                .cluster(rows: (0..<Int32(truth.count)).map { $0 }, k: 6, iterations: 20, random: &random)
        }
        #expect(centroids.count == 6 * 8)
        // The same partition, whatever the labels.
        var label: [Int: Int32] = [:]
        for (i, group) in truth.enumerated() {
            if let known = label[group] { #expect(assignment[i] == known) } else { label[group] = assignment[i] }
        }
        #expect(Set(label.values).count == 6)
        for (group, cluster) in label {
            let members = truth.indices.filter { truth[$0] == group }
            for d in 0..<8 {
                let mean = members.map { data[$0 * 8 + d] }.reduce(0, +) / Float(members.count)
                #expect(abs(centroids[Int(cluster) * 8 + d] - mean) < 1e-3)
            }
        }
    }

    @Test("the same seed gives the same clustering; more groups than rows gives one per row")
    func deterministic() {
        let (data, truth) = separated(clusters: 4, size: 30, dimension: 4, seed: 3)
        let rows = (0..<Int32(truth.count)).map { $0 }
        let run = { (seed: UInt64, k: Int, rows: [Int32]) -> ([Float], [Int32]) in
            var random = SeededGenerator(seed: seed)
            return data.withUnsafeBufferPointer { d in
                KMeans(data: d.baseAddress!, dimension: 4, kernels: .best, threads: 2).cluster(rows: rows, k: k, iterations: 5, random: &random)
            }
        }
        let a = run(9, 4, rows), b = run(9, 4, rows)
        #expect(a.0 == b.0 && a.1 == b.1)
        let few = run(1, 10, [0, 1, 2])
        #expect(few.0.count == 3 * 4 && Set(few.1).count == 3)
    }
}
