@testable import Aeon

/// Operation streams from the fuzzer, run against the store and the model
/// (``DifferentialRun``, the interpreter the test suite's seeded test also runs).
enum DifferentialFuzz {
    static func run(_ input: [UInt8]) {
        let directory = Scratch.directory("differential")
        let report = DifferentialRun.run(input, directory: directory + "/s")
        if !report.problems.isEmpty { finding(report.problems.joined(separator: "\n")) }
    }

    static func seeds() -> [[UInt8]] {
        var state: UInt64 = 2026
        return (0..<4).map { _ in
            (0..<600).map { _ in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return UInt8(truncatingIfNeeded: state >> 33)
            }
        }
    }
}
