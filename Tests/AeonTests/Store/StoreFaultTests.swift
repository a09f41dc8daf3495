import Testing
@testable import Aeon

#if canImport(Glibc)
import Glibc
#endif

/// Faults injected behind the I/O seam reach the caller as typed errors; what was acknowledged
/// before survives, and the store opens again.
@Suite("store faults")
struct StoreFaultTests {
    static let data = ClusteredData(count: 400, queries: 1, dimension: 8, clusters: 4, seed: 31)

    @Test("a fault during upserts or a checkpoint is a typed error and loses nothing acknowledged", arguments: [
        (FaultyFileIO.Fault.writeError(errno: EIO), false), (.writeError(errno: ENOSPC), false), (.shortWrite, false),
        (.syncError, false), (.writeError(errno: ENOSPC), true), (.syncError, true),
    ])
    func faults(fault: FaultyFileIO.Fault, duringCheckpoint: Bool) throws {
        let dir = TemporaryDirectory()
        let io = FaultyFileIO()
        let options = StoreOptions(dimension: 8, metric: .l2, io: io, checkpointThreshold: 0)
        let store = try AeonStore.open(at: dir.child("s"), options: options)
        var acknowledged: [Record] = []
        for record in Self.data.records.prefix(100) {
            try store.upsert(record)
            acknowledged.append(record)
        }
        io.arm(fault, at: duringCheckpoint ? 2 : 5)
        var failure: AeonError?
        if duringCheckpoint {
            do { try store.checkpoint() } catch { failure = error }
        } else {
            for record in Self.data.records[100...] {
                do {
                    try store.upsert(record)
                    acknowledged.append(record)
                } catch {
                    failure = error
                    break
                }
            }
        }
        let error = try #require(failure, "the injected fault surfaced")
        #expect([.io, .noSpace].contains(error.code), "\(error)")
        try? store.close()

        let reopened = try AeonStore.open(at: dir.child("s"), options: StoreOptions(dimension: 8, metric: .l2))
        for record in acknowledged { #expect(try reopened.get(id: record.id) == record) }
        #expect(reopened.count >= acknowledged.count)
        // And it keeps working.
        try reopened.upsert(Self.data.records[399])
        try reopened.checkpoint()
        #expect(try reopened.verify().isEmpty)
    }
}
