import Aeon
import AeonCommandSupport
import ArgumentParser
import Foundation

/// `aeonctl create`.
struct CreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create an empty store.",
        discussion: """
            Examples:
              aeonctl create memories --dimension 384
              aeonctl create vectors --dimension 768 --metric l2
            """
    )

    @Argument(help: "The store directory (must not exist, or be empty).") var store: String
    @Option(name: .long, help: "The vector dimension.") var dimension: Int
    @Option(name: .long, help: "The metric: cosine, ip or l2.") var metric = "cosine"

    func validate() throws {
        guard Metric(name: metric) != nil else { throw ValidationError("unknown metric '\(metric)' (cosine, ip, l2)") }
        guard dimension >= 1, dimension <= Kernels.maximumDimension else {
            throw ValidationError("--dimension must be in 1...\(Kernels.maximumDimension)")
        }
    }

    func run() throws {
        if FileManager.default.fileExists(atPath: store + "/MANIFEST") {
            printError("a store already exists at \(store)")
            throw ExitCode(ExitStatus.usage)
        }
        try reportingErrors {
            let s = try AeonStore.open(at: store, options: StoreOptions(dimension: dimension, metric: Metric(name: metric)))
            try s.close()
        }
        print("created \(store): \(dimension)-d, metric \(metric)")
    }
}
