import Testing
@testable import Aeon
import AeonTestSupport

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

    @Test("an online index that cannot be rebuilt fails the store: later writes get .failed, reads go on, nothing acknowledged is lost")
    func failedStore() throws {
        let dir = TemporaryDirectory()
        let path = dir.child("s")
        let options = StoreOptions(dimension: 8, metric: .l2, checkpointThreshold: 0)
        var store = try AeonStore.open(at: path, options: options)
        try store.build(Array(Self.data.records.prefix(300)))
        try store.close()

        store = try AeonStore.open(at: path, options: options)
        var acknowledged: [Record] = []
        // Damage every posting page past the header while the store has them mapped (in place:
        // truncating a mapped file is outside the contract). Each page's checksum is checked
        // at its first touch, so the next write that reaches one fails, and so does the rebuild
        // of the online index from the log.
        let postings = path + "/" + (try SystemFileIO().list(path).first { $0.hasPrefix("atlas-") && $0.contains("post") }!)
        let original = FileBytes.read(postings)
        for page in 1..<(original.count / 4096) { FileBytes.patch(postings, at: page * 4096 + 100, [original[page * 4096 + 100] ^ 0x5A]) }

        var first: AeonError?
        var maybe: [Record] = []  // logged, though the call reported an error
        for record in Self.data.records[300..<390] {
            do {
                try store.upsert(record)
                acknowledged.append(record)
            } catch {
                first = error
                maybe.append(record)
                break
            }
        }
        let error = try #require(first, "a write reached a damaged page")
        #expect(error.code == .corrupt, "\(error)")
        // From now on the store refuses writes and checkpoints with a typed error.
        let next = Self.data.records[399]
        #expect(#expect(throws: AeonError.self) { try store.upsert(next) }?.code == .failed)
        #expect(#expect(throws: AeonError.self) { try store.delete(id: Self.data.records[0].id) }?.code == .failed)
        #expect(#expect(throws: AeonError.self) { try store.checkpoint() }?.code == .failed)
        // Reads go on.
        for record in Self.data.records.prefix(5) + acknowledged.suffix(5) { #expect(try store.get(id: record.id) == record) }
        try store.close()

        // The index is damaged, so opening it is refused; once it is repaired every acknowledged
        // write is there, from the log.
        #expect(throws: AeonError.self) {
            let reopened = try AeonStore.open(at: path, options: options)
            _ = try reopened.search(Self.data.queries[0], k: 10, parameters: SearchParameters(nprobe: 100_000, epsilon: .infinity, oversample: 1))
        }
        FileBytes.patch(postings, at: 0, original)
        let reopened = try AeonStore.open(at: path, options: options)
        for record in Self.data.records.prefix(300) + acknowledged + maybe { #expect(try reopened.get(id: record.id) == record) }
        #expect(try reopened.get(id: next.id) == nil, "the refused write was never logged")
        try reopened.upsert(next)
        try reopened.checkpoint()
        #expect(try reopened.verify().isEmpty)
        try reopened.close()
    }
}
