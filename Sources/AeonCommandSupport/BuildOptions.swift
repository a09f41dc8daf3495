import Aeon
import ArgumentParser

/// The build knobs, shared by `import` and `bench recall`.
package struct BuildOptions: ParsableArguments {
    package init() {}

    @Option(name: .long, help: "Most vectors per cluster before replicas (build).")
    package var postingSize = BuildParameters.default.postingSizeLimit

    @Option(name: .long, help: "Most postings a vector is stored in (build).")
    package var replicas = BuildParameters.default.maxReplicas

    @Option(name: .long, help: "Replica closure: within (1 + ε) × the nearest centroid distance (build).")
    package var replicaEpsilon = BuildParameters.default.replicaEpsilon

    @Option(name: .long, help: "RNG rule factor; larger admits more replicas (build).")
    package var rngFactor = BuildParameters.default.rngFactor

    @Option(name: .long, help: "k-means iterations (build).")
    package var iterations = BuildParameters.default.iterations

    /// Bad knobs are refused before any input is read (not after a long import's reading).
    package func validate() throws {
        do {
            _ = try parameters.validated()
        } catch {
            throw ValidationError(error.message)
        }
    }

    package var parameters: BuildParameters {
        var p = BuildParameters.default
        p.postingSizeLimit = postingSize
        p.maxReplicas = replicas
        p.replicaEpsilon = replicaEpsilon
        p.rngFactor = rngFactor
        p.iterations = iterations
        return p
    }

    /// The same options as command-line arguments, for a child `aeonctl import`.
    package var arguments: [String] {
        ["--posting-size", "\(postingSize)", "--replicas", "\(replicas)", "--replica-epsilon", "\(replicaEpsilon)",
         "--rng-factor", "\(rngFactor)", "--iterations", "\(iterations)"]
    }
}
