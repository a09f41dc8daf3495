@testable import Aeon
import AeonTestSupport

/// Vectors drawn around random centres (a Gaussian-ish mixture), with exact ground truth.
struct ClusteredData {
    let dimension: Int
    let vectors: [[Float]]
    let queries: [[Float]]

    init(count: Int, queries queryCount: Int, dimension: Int, clusters: Int, spread: Float = 0.35, seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        func gaussian() -> Float {
            // Irwin–Hall: the sum of 4 uniforms is close enough to normal for test data.
            (0..<4).reduce(Float(0)) { acc, _ in acc + Float.random(in: -1...1, using: &rng) } * 0.866
        }
        let centres = (0..<clusters).map { _ in (0..<dimension).map { _ in gaussian() } }
        func point() -> [Float] {
            let centre = centres[Int.random(in: 0..<clusters, using: &rng)]
            return centre.map { $0 + spread * gaussian() }
        }
        self.dimension = dimension
        self.vectors = (0..<count).map { _ in point() }
        self.queries = (0..<queryCount).map { _ in point() }
    }

    var records: [Record] {
        vectors.enumerated().map { Record(id: UInt64($0.offset) * 7 + 1000, vector: $0.element, text: "memory \($0.offset)") }
    }

    static func id(ofRow row: Int) -> UInt64 { UInt64(row) * 7 + 1000 }

    /// The exact top `k` ids of `query` under `metric`, with scores.
    func exact(_ query: [Float], k: Int, metric: Metric) -> [(id: UInt64, score: Float)] {
        func normalised(_ v: [Float]) -> [Float] {
            let n = v.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
            return v.map { Float(Double($0) / n) }
        }
        let q = metric == .cosine ? normalised(query) : query
        let scored = vectors.enumerated().map { row, v -> (id: UInt64, score: Float) in
            let x = metric == .cosine ? normalised(v) : v
            let score: Double
            switch metric {
            case .cosine, .innerProduct: score = Reference.dot(q, x)
            case .l2: score = -Reference.squaredL2(q, x)
            }
            return (Self.id(ofRow: row), Float(score))
        }
        return Array(scored.sorted { $0.score > $1.score }.prefix(k))
    }

    /// Mean recall@k of `search` over the queries.
    func recall(k: Int, metric: Metric, search: ([Float]) throws -> [SearchResult]) rethrows -> Double {
        var total = 0.0
        for query in queries {
            let truth = Set(exact(query, k: k, metric: metric).map(\.id))
            let found = try search(query).prefix(k).map(\.id)
            total += Double(found.filter { truth.contains($0) }.count) / Double(k)
        }
        return total / Double(queries.count)
    }
}
