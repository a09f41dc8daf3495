import Testing

@testable import Aeon

@Suite("replica rule")
struct ReplicaRuleTests {
    /// Centroids on a line, 2-d: posting p at (positions[p], 0).
    func choose(_ near: [(posting: Int32, distance: Float)], positions: [Float], _ parameters: BuildParameters)
        -> [Int32]
    {
        let centroids: [Float] = positions.flatMap { [$0, Float(0)] }
        var chosen: [(posting: Int32, distance: Float)] = []
        centroids.withUnsafeBufferPointer { c in
            ReplicaRule(parameters).choose(near, centroid: { c.baseAddress! + Int($0) * 2 }, dimension: 2, kernels: .best, into: &chosen)
        }
        return chosen.map(\.posting)
    }

    @Test("the nearest posting always; none from no candidates")
    func nearestAlways() {
        let far = BuildParameters(maxReplicas: 4, replicaEpsilon: 0)
        #expect(choose([(3, 10), (1, 10.5)], positions: [0, 5, 9, 20], far) == [3])
        #expect(choose([], positions: [0], far).isEmpty)
    }

    @Test("a candidate beyond (1 + ε)² of the nearest distance is not a replica")
    func epsilonBound() {
        let parameters = BuildParameters(maxReplicas: 4, replicaEpsilon: 0.1, rngFactor: 1)
        // Squared distances: 1.0 nearest; bound 1.21.
        let near: [(posting: Int32, distance: Float)] = [(0, 1.0), (1, 1.2), (2, 1.22)]
        #expect(choose(near, positions: [0, 100, 200], parameters) == [0, 1])
    }

    @Test("the RNG rule: a candidate closer to a chosen centroid than to the vector is blocked")
    func rngRule() {
        // Posting 1 sits next to posting 0 (squared distance 0.01); posting 2 far from both.
        let parameters = BuildParameters(maxReplicas: 4, replicaEpsilon: 1, rngFactor: 1)
        let near: [(posting: Int32, distance: Float)] = [(0, 1.0), (1, 1.1), (2, 1.2)]
        #expect(choose(near, positions: [0, 0.1, 50], parameters) == [0, 2])
        // A larger factor lets the close one through (100² · 0.01 > 1.1).
        #expect(choose(near, positions: [0, 0.1, 50], BuildParameters(maxReplicas: 4, replicaEpsilon: 1, rngFactor: 100)) == [0, 1, 2])
    }

    @Test("at most maxReplicas postings")
    func capped() {
        let parameters = BuildParameters(maxReplicas: 2, replicaEpsilon: 10, rngFactor: 1)
        let near: [(posting: Int32, distance: Float)] = (0..<6).map { (Int32($0), 1 + Float($0) / 100) }
        #expect(choose(near, positions: (0..<6).map { Float($0) * 10 }, parameters) == [0, 1])
    }
}
