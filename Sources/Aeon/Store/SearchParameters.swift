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

    /// Knobs for one search.
    public init(nprobe: Int = 48, epsilon: Float = 0.6, oversample: Int = 4, rescore: Bool = true) {
        self.nprobe = nprobe
        self.epsilon = epsilon
        self.oversample = oversample
        self.rescore = rescore
    }

    /// The defaults.
    public static let `default` = SearchParameters()

    func validated() throws(AeonError) -> SearchParameters {
        guard nprobe >= 1 else { throw AeonError(.invalidArgument, "nprobe must be at least 1 (got \(nprobe))") }
        guard oversample >= 1 else { throw AeonError(.invalidArgument, "oversample must be at least 1 (got \(oversample))") }
        guard epsilon >= 0, !epsilon.isNaN else {
            throw AeonError(.invalidArgument, "epsilon must be ≥ 0 (got \(epsilon))")
        }
        return self
    }
}
