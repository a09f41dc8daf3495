/// Per-query knobs. The defaults reach recall@10 ≥ 0.95 on the shared sentence-embedding data
/// set (docs/BENCHMARKS.md) without tuning.
public struct SearchParameters: Sendable, Hashable {
    /// Postings (clusters) to probe at most.
    public var nprobe: Int
    /// Query-aware pruning (SPANN): a posting is skipped when its centroid is farther than
    /// `(1 + epsilon) ×` the nearest centroid's distance. `.infinity` disables pruning.
    public var epsilon: Float
    /// Candidates kept from the int8 scan for fp32 rescoring: `k × oversample`.
    public var oversample: Int
    /// Rescore candidates with the full-precision vectors (exact scores, exact order).
    public var rescore: Bool
    /// Routing groups whose centroids are scanned (the first level of routing); 0 chooses
    /// `max(8, nprobe / 2)`, which keeps the router's recall of the nearest postings close to a
    /// full scan of the centroid table on the shared data set (docs/BENCHMARKS.md).
    public var groupProbes: Int

    /// Knobs for one search.
    public init(nprobe: Int = 56, epsilon: Float = 0.3, oversample: Int = 2, rescore: Bool = true, groupProbes: Int = 0) {
        self.nprobe = nprobe
        self.epsilon = epsilon
        self.oversample = oversample
        self.rescore = rescore
        self.groupProbes = groupProbes
    }

    /// The defaults.
    public static let `default` = SearchParameters()

    func validated() throws(AeonError) -> SearchParameters {
        guard nprobe >= 1 else { throw AeonError(.invalidArgument, "nprobe must be at least 1 (got \(nprobe))") }
        guard (1...1024).contains(oversample) else {
            throw AeonError(.invalidArgument, "oversample must be in 1...1024 (got \(oversample))")
        }
        guard groupProbes >= 0 else { throw AeonError(.invalidArgument, "groupProbes must be ≥ 0 (got \(groupProbes))") }
        guard epsilon >= 0, !epsilon.isNaN else {
            throw AeonError(.invalidArgument, "epsilon must be ≥ 0 (got \(epsilon))")
        }
        return self
    }
}
