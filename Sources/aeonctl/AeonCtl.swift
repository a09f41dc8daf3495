import Aeon
import AeonCommandSupport
import ArgumentParser
import Foundation

@main
struct AeonCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aeonctl",
        abstract: "Inspect, verify and maintain Aeon stores (benchmarks and crash tests: aeon-bench).",
        discussion: """
            Exit status: 0 success; 1 corrupt data (a damaged store, a malformed input file) or \
            a failed verification; 2 usage error (a bad argument, an AEON_SIMD level this CPU \
            lacks, an input with nothing to import or of the wrong dimension); 3 I/O error \
            (including a full disk); 4 store locked by another writer; 5 not found (the store, \
            record or input file named does not exist).

            Environment: AEON_SIMD=scalar|avx2|avxvnni|avx512vnni|neon|neondotprod forces a SIMD level.
            """,
        version: "aeonctl \(AeonRelease.version) (writes \(AeonRelease.formats))",
        subcommands: [
            DemoCommand.self, CreateCommand.self, ImportCommand.self, InfoCommand.self, SearchCommand.self, GetCommand.self, DeleteCommand.self,
            CheckpointCommand.self, CompactCommand.self, GCCommand.self, VerifyCommand.self, DumpCommand.self, SIMDCommand.self,
        ]
    )

    static func main() { mainMappingUsage() }
}
