import Aeon
import AeonCommandSupport
import ArgumentParser

/// `aeonctl simd`: which SIMD levels this CPU has and which one Aeon will use.
struct SIMDCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simd",
        abstract: "Print the SIMD level Aeon uses on this CPU and the levels it supports.",
        discussion: """
            Examples:
              aeonctl simd
              AEON_SIMD=avx2 aeonctl simd --json
            """
    )

    @Flag(name: .long, help: "Print one JSON object.")
    var json = false

    func run() throws {
        let kernels = try reportingErrors { try Kernels.fromEnvironment() }
        let supported = SIMDLevel.supported.map(\.rawValue)
        if json {
            let list = supported.map { "\"\($0)\"" }.joined(separator: ",")
            print(
                "{\"simd_level\":\"\(kernels.level)\",\"best\":\"\(SIMDLevel.best)\",\"supported\":[\(list)],"
                    + "\"crc32c_hardware\":\(kernels.level.hasHardwareCRC32C),\"lz4\":\"\(LZ4.libraryVersion)\"}")
        } else {
            print("SIMD level: \(kernels.level)\(kernels.level == .best ? "" : " (forced; best is \(SIMDLevel.best))")")
            print("supported:  \(supported.joined(separator: ", "))")
            print("CRC32C:     \(kernels.level.hasHardwareCRC32C ? "hardware" : "software")")
            print("liblz4:     \(LZ4.libraryVersion)")
        }
    }
}
