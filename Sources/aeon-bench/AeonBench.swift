import Aeon
import AeonCommandSupport
import ArgumentParser

/// `aeon-bench`: the benchmark suite and the crash tests, kept out of `aeonctl` so the tool
/// users ship links neither the benchmarks nor their SQLite peer.
@main
struct AeonBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aeon-bench",
        abstract: "Benchmark Aeon and test it against crashes. Build with -c release for meaningful figures.",
        discussion: """
            Exit status as aeonctl's: 0 success; 1 corrupt data or a failed check (a crash test \
            that lost a write); 2 usage error; 3 I/O error; 4 store locked; 5 not found.

            Environment: AEON_SIMD=scalar|avx2|avxvnni|avx512vnni|neon|neondotprod forces a SIMD level.
            """,
        version: "aeon-bench \(AeonRelease.version)",
        subcommands: [
            BenchKernelsCommand.self, BenchRecallCommand.self, BenchIngestCommand.self, BenchChurnCommand.self, BenchBlobsCommand.self,
            BenchCheckpointCommand.self, CrashTestCommand.self,
        ]
    )

    static func main() { mainMappingUsage() }
}
