/// Which postings a vector goes into: its nearest, then boundary replicas by SPANN's RNG rule.
/// The build and online inserts both use it, so an index written to online keeps the shape of
/// a fresh build.
struct ReplicaRule {
    let maxReplicas: Int
    let epsilon: Float
    let rngFactorSquared: Float

    init(_ parameters: BuildParameters) {
        maxReplicas = parameters.maxReplicas
        epsilon = parameters.replicaEpsilon
        rngFactorSquared = parameters.rngFactor * parameters.rngFactor
    }

    /// Candidates worth routing a vector to.
    var candidateCount: Int { max(16, maxReplicas * 4) }

    /// From `near` (candidate postings with squared distances, nearest first), the chosen ones
    /// into `chosen`: the nearest always; each next candidate within `(1 + ε)` of the nearest
    /// distance unless an already chosen c′ has `rngFactor · dist(c, c′) < dist(x, c)`.
    func choose(
        _ near: [(posting: Int32, distance: Float)], centroid: (Int32) -> UnsafePointer<Float>, dimension: Int, kernels: Kernels,
        into chosen: inout [(posting: Int32, distance: Float)]
    ) {
        chosen.removeAll(keepingCapacity: true)
        guard let nearest = near.first else { return }
        let bound = nearest.distance * (1 + epsilon) * (1 + epsilon)
        for candidate in near where chosen.count < maxReplicas {
            if !chosen.isEmpty {
                if candidate.distance > bound { break }
                let c = centroid(candidate.posting)
                let blocked = chosen.contains { other in
                    rngFactorSquared * kernels.squaredL2(c, centroid(other.posting), dimension: dimension) < candidate.distance
                }
                if blocked { continue }
            }
            chosen.append(candidate)
        }
    }
}
