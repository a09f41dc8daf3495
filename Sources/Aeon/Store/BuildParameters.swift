/// How Atlas clusters a batch into postings. The defaults were chosen on the shared
/// sentence-embedding data set (docs/BENCHMARKS.md: entries scanned per query at a given recall).
public struct BuildParameters: Sendable, Hashable {
    /// The most vectors a cluster holds before boundary replicas are added; the balanced
    /// hierarchical k-means splits any cluster larger than this.
    public var postingSizeLimit: Int
    /// A vector is stored in at most this many postings: its nearest, plus boundary replicas
    /// chosen by SPANN's RNG rule.
    public var maxReplicas: Int
    /// A replica posting must be within `(1 + replicaEpsilon) ×` the distance to the nearest
    /// centroid.
    public var replicaEpsilon: Float
    /// SPANN's RNG rule with SPTAG's factor: a candidate posting c is skipped when an already
    /// chosen c′ has `rngFactor × dist(c, c′) < dist(x, c)`. 1 is the strict rule; larger
    /// values admit more replicas (in high dimensions a vector is farther from every centroid
    /// than neighbouring centroids are from each other, so the strict rule admits almost none).
    public var rngFactor: Float
    /// Replicas never grow a posting beyond `postingSizeLimit × replicaGrowth`; the farthest
    /// replicas are dropped first (a vector's nearest posting always keeps it).
    public var replicaGrowth: Float
    /// Lloyd iterations per k-means.
    public var iterations: Int
    /// Branching factor of the hierarchical k-means.
    public var branching: Int
    /// Seed of the k-means initialisation: the same data and seed give the same index.
    public var seed: UInt64
    /// Threads to use; 0 means one per core.
    public var threads: Int

    /// Build parameters.
    public init(
        postingSizeLimit: Int = 32, maxReplicas: Int = 4, replicaEpsilon: Float = 0.3, rngFactor: Float = 1.5,
        replicaGrowth: Float = 2.5, iterations: Int = 8, branching: Int = 16, seed: UInt64 = 0x4145_4F4E, threads: Int = 0
    ) {
        self.postingSizeLimit = postingSizeLimit
        self.maxReplicas = maxReplicas
        self.replicaEpsilon = replicaEpsilon
        self.rngFactor = rngFactor
        self.replicaGrowth = replicaGrowth
        self.iterations = iterations
        self.branching = branching
        self.seed = seed
        self.threads = threads
    }

    /// The defaults.
    public static let `default` = BuildParameters()

    /// The parameters, once checked: what ``AeonStore/open(at:options:)`` and builds check, for
    /// a caller (a command line) that wants to refuse bad ones before any work.
    ///
    /// - Throws: ``AeonError/Code/invalidArgument`` naming the first parameter out of range.
    public func validated() throws(AeonError) -> BuildParameters {
        guard (2...65_536).contains(postingSizeLimit) else { throw AeonError(.invalidArgument, "postingSizeLimit must be in 2...65536") }
        guard (1...8).contains(maxReplicas) else { throw AeonError(.invalidArgument, "maxReplicas must be in 1...8") }
        guard replicaEpsilon >= 0, replicaEpsilon.isFinite, (1...64).contains(replicaGrowth), rngFactor > 0, rngFactor.isFinite else {
            throw AeonError(.invalidArgument, "replicaEpsilon must be finite and ≥ 0, replicaGrowth in 1...64, rngFactor finite and > 0")
        }
        guard (1...1000).contains(iterations), (2...256).contains(branching), (0...1024).contains(threads) else {
            throw AeonError(.invalidArgument, "iterations must be in 1...1000, branching in 2...256, threads in 0...1024")
        }
        return self
    }
}
