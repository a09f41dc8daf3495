import Aeon
import ArgumentParser

/// The build knobs, shared by `import` and `bench recall`.
struct BuildOptions: ParsableArguments {
    @Option(name: .long, help: "Most vectors per cluster before replicas (build).")
    var postingSize = BuildParameters.default.postingSizeLimit

    @Option(name: .long, help: "Most postings a vector is stored in (build).")
    var replicas = BuildParameters.default.maxReplicas

    @Option(name: .long, help: "Replica closure: within (1 + ε) × the nearest centroid distance (build).")
    var replicaEpsilon = BuildParameters.default.replicaEpsilon

    @Option(name: .long, help: "RNG rule factor; larger admits more replicas (build).")
    var rngFactor = BuildParameters.default.rngFactor

    @Option(name: .long, help: "k-means iterations (build).")
    var iterations = BuildParameters.default.iterations

    /// Bad knobs are refused before any input is read (not after a long import's reading).
    func validate() throws {
        do {
            _ = try parameters.validated()
        } catch {
            throw ValidationError(error.message)
        }
    }

    var parameters: BuildParameters {
        var p = BuildParameters.default
        p.postingSizeLimit = postingSize
        p.maxReplicas = replicas
        p.replicaEpsilon = replicaEpsilon
        p.rngFactor = rngFactor
        p.iterations = iterations
        return p
    }

    /// The same options as command-line arguments, for a child `aeonctl import`.
    var arguments: [String] {
        ["--posting-size", "\(postingSize)", "--replicas", "\(replicas)", "--replica-epsilon", "\(replicaEpsilon)",
         "--rng-factor", "\(rngFactor)", "--iterations", "\(iterations)"]
    }
}
