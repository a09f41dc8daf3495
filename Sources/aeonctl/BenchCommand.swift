import ArgumentParser

/// `aeonctl bench`: the benchmark suite.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run a benchmark. Build with -c release for meaningful figures.",
        subcommands: [BenchKernelsCommand.self, BenchRecallCommand.self, BenchIngestCommand.self, BenchChurnCommand.self, BenchBlobsCommand.self, BenchCheckpointCommand.self]
    )
}
