import Aeon
import AeonTestSupport
import Foundation
import Testing

/// End-to-end: the built `aeonctl` binary, run as a real process.
@Suite("aeonctl as a process")
struct AeonCtlProcessTests {
    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// A tool of this package (`aeonctl`, `aeon-bench`) built beside this test bundle.
    static func executable(_ tool: String) -> URL? {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<5 {
            let candidate = directory.appendingPathComponent(tool)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory.deleteLastPathComponent()
        }
        return nil
    }

    /// Runs `tool` (by default `aeonctl`) with `arguments` and waits for it.
    func run(_ arguments: [String], tool: String = "aeonctl", environment: [String: String] = [:]) throws -> Outcome {
        let process = Process()
        guard let executable = Self.executable(tool) else {
            Issue.record("\(tool) is not built beside the tests (\(CommandLine.arguments[0]))")
            throw CancellationError()
        }
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read before waiting, so a full pipe cannot block the child.
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }

    @Test("--version names the library version and the formats it writes")
    func version() throws {
        let outcome = try run(["--version"])
        #expect(outcome.status == 0)
        #expect(outcome.stdout == "aeonctl \(AeonRelease.version) (writes \(AeonRelease.formats))\n", "\(outcome.stdout)")
        #expect(outcome.stdout.contains("manifest v2") && outcome.stdout.contains("blobs v2"))
    }

    @Test("simd --json names the level in use and the supported ones")
    func simdJSON() throws {
        let outcome = try run(["simd", "--json"], environment: ["AEON_SIMD": "scalar"])
        #expect(outcome.status == 0)
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        #expect(object["simd_level"] as? String == "scalar")
        let supported = try #require(object["supported"] as? [String])
        #expect(supported.contains("scalar"))
        #expect(supported.contains(object["best"] as? String ?? "?"))
    }

    @Test("an unknown AEON_SIMD is one line on stderr and exit 2, not a crash")
    func badSIMDLevel() throws {
        let outcome = try run(["simd"], environment: ["AEON_SIMD": "sse9"])
        #expect(outcome.status == 2)
        #expect(outcome.stderr.hasPrefix("aeonctl: error: invalid argument: AEON_SIMD=sse9"))
        #expect(outcome.stderr.split(separator: "\n").count == 1)
        #expect(outcome.stdout.isEmpty)
    }

    @Test("a level from the other architecture is exit 2 with the supported levels listed")
    func otherArchitecture() throws {
        #if arch(x86_64)
        let foreign = "neondotprod"
        #else
        let foreign = "avx512vnni"
        #endif
        let outcome = try run(["kernels"], tool: "aeon-bench", environment: ["AEON_SIMD": foreign])
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("unsupported CPU"))
        #expect(outcome.stderr.contains("supported: scalar"))
    }

    @Test("usage errors exit 2")
    func usageErrors() throws {
        #expect(try run(["kernels", "--bogus"], tool: "aeon-bench").status == 2)
        #expect(try run(["kernels", "--dim", "0"], tool: "aeon-bench").status == 2)
        #expect(try run(["no-such-command"]).status == 2)
        let help = try run(["kernels", "--help"], tool: "aeon-bench")
        #expect(help.status == 0 && help.stdout.contains("Examples"))
    }

    @Test("bench kernels --json prints the documented keys")
    func benchJSON() throws {
        let outcome = try run(["kernels", "--dim", "96", "--scan-mib", "64", "--json"], tool: "aeon-bench")
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        for key in ["int8_dot_ns", "fp32_dot_ns", "scalar_int8_dot_ns"] {
            let byDim = try #require(object[key] as? [String: Double], "\(key)")
            #expect((byDim["96"] ?? 0) > 0, "\(key)")
        }
        #expect((object["scan_gbps"] as? Double ?? 0) > 0)
        #expect((object["stream_read_gbps"] as? Double ?? 0) > 0)
        #expect(object["simd_level"] as? String != nil)
    }
}
