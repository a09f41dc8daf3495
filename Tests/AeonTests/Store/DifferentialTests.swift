import Testing
@testable import Aeon
import AeonTestSupport

/// The store against a model that is obviously right (``DifferentialRun``), on seeded random
/// operation streams: upserts with payloads, deletes, gets, searches, checkpoints, folds,
/// reopens, compactions and garbage collections, in each metric.
@Suite("store against a model")
struct DifferentialTests {
    @Test("seeded operation streams: get agrees byte for byte, search returns live ids with exact scores, recall holds", arguments: 0..<6)
    func seeded(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed &* 0x9E37_79B9 &+ 17)
        // Mostly writes at first so that there is something to search, then everything.
        let bytes = (0..<4000).map { i -> UInt8 in
            let b = UInt8(truncatingIfNeeded: random.next())
            return i < 400 && i % 11 == 1 ? b % 3 : b
        }
        let dir = TemporaryDirectory()
        let report = DifferentialRun.run(bytes, directory: dir.child("s"))
        #expect(report.problems.isEmpty, "\(report.problems.joined(separator: "\n"))")
        #expect(report.operations > 200, "\(report.operations) operations")
        #expect(report.searched > 20)
        if report.wanted >= DifferentialRun.minimumWanted {
            #expect(report.recall >= DifferentialRun.recallFloor, "recall \(report.recall) over \(report.searched) searches")
        }
    }
}
