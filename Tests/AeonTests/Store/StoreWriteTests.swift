import Dispatch
import Testing
@testable import Aeon
import AeonTestSupport

@Suite("store writes")
struct StoreWriteTests {
    static let data = ClusteredData(count: 1200, queries: 20, dimension: 16, clusters: 10, seed: 21)

    func open(_ dir: TemporaryDirectory, readOnly: Bool = false, threshold: Int = 0) throws -> AeonStore {
        try AeonStore.open(
            at: dir.child("s"), options: StoreOptions(dimension: 16, metric: .l2, readOnly: readOnly, checkpointThreshold: threshold))
    }

    @Test("upserts and deletes are visible at once, survive reopening, and survive a checkpoint")
    func writeReopenCheckpoint() throws {
        let dir = TemporaryDirectory()
        var store = try open(dir)
        try store.build(Array(Self.data.records.prefix(1000)))
        // New records, a replacement, and deletions.
        try store.upsert(Array(Self.data.records[1000..<1200]))
        let replaced = Record(id: ClusteredData.id(ofRow: 5), vector: Self.data.vectors[1100], text: "replaced")
        try store.upsert(replaced)
        try store.delete(id: ClusteredData.id(ofRow: 7))
        try store.delete(id: ClusteredData.id(ofRow: 1150))
        try store.delete(id: 999_999)  // absent: a no-op
        func check(_ store: AeonStore, _ when: String) throws {
            #expect(store.count == 1198, "\(when)")
            #expect(try store.get(id: ClusteredData.id(ofRow: 5)) == replaced, "\(when)")
            #expect(try store.get(id: ClusteredData.id(ofRow: 7)) == nil, "\(when)")
            #expect(try store.get(id: ClusteredData.id(ofRow: 1150)) == nil, "\(when)")
            let fresh = try #require(try store.get(id: ClusteredData.id(ofRow: 1199)), "\(when)")
            #expect(fresh.vector == Self.data.vectors[1199] && fresh.payload == Array("memory 1199".utf8), "\(when)")
            // The newest version is what search finds, and deleted ids never come back.
            let hits = try store.search(Self.data.vectors[1100], k: 5)
            #expect(hits.contains { $0.id == ClusteredData.id(ofRow: 5) }, "\(when)")
            let all = try store.search(Self.data.queries[0], k: 5000)
            #expect(all.count == 1198 && Set(all.map(\.id)).count == 1198, "\(when)")
            #expect(!all.contains { $0.id == ClusteredData.id(ofRow: 7) || $0.id == ClusteredData.id(ofRow: 1150) }, "\(when)")
        }
        try check(store, "live")
        try store.close()
        store = try open(dir)
        #expect(store.recovery.replayed == 204)
        try check(store, "after replay")
        try store.checkpoint()
        let stats = try store.statistics
        #expect(stats.pendingWrites == 0 && stats.indexedRecords == 1198 && stats.checkpointLSN == stats.lastLSN)
        try check(store, "after checkpoint")
        try store.close()
        store = try open(dir)
        #expect(store.recovery.replayed == 0)
        try check(store, "reopened after checkpoint")
        let readOnly = try open(dir, readOnly: true)
        try check(readOnly, "read-only")
    }

    @Test("a read-only open replays the log without changing it")
    func readOnlyReplay() throws {
        let dir = TemporaryDirectory()
        let writer = try open(dir)
        try writer.upsert(Array(Self.data.records.prefix(50)))
        let reader = try open(dir, readOnly: true)
        #expect(reader.count == 50)
        #expect(try reader.get(id: ClusteredData.id(ofRow: 3))?.vector == Self.data.vectors[3])
        #expect(throws: AeonError.self) { try reader.upsert(Self.data.records[60]) }
        #expect(throws: AeonError.self) { try reader.checkpoint() }
        try writer.close()
    }

    @Test("concurrent writers and a checkpoint in the middle lose nothing")
    func concurrentWritersAndCheckpoint() throws {
        let dir = TemporaryDirectory()
        let store = try open(dir)
        try store.build(Array(Self.data.records.prefix(200)))
        let records = Self.data.records
        DispatchQueue.concurrentPerform(iterations: 4) { thread in
            for i in stride(from: 200 + thread, to: 1200, by: 4) {
                try? store.upsert(records[i], durability: i % 3 == 0 ? .synchronous : .none)
                if thread == 0 && i == 600 { try? store.checkpoint() }
            }
        }
        #expect(store.count == 1200)
        try store.checkpoint()
        try store.close()
        let reopened = try open(dir)
        #expect(reopened.count == 1200)
        for row in stride(from: 0, to: 1200, by: 37) {
            #expect(try reopened.get(id: ClusteredData.id(ofRow: row))?.vector == Self.data.vectors[row])
        }
    }

    @Test("crossing the checkpoint threshold checkpoints automatically")
    func automaticCheckpoint() throws {
        let dir = TemporaryDirectory()
        let store = try open(dir, threshold: 100)
        for record in Self.data.records.prefix(250) { try store.upsert(record, durability: .none) }
        let stats = try store.statistics
        #expect(stats.indexedRecords >= 200 && stats.pendingWrites < 100)
        #expect(store.count == 250)
    }

    @Test("bad writes are typed errors and log nothing")
    func badWrites() throws {
        let dir = TemporaryDirectory()
        let store = try open(dir)
        #expect(throws: AeonError.self) { try store.upsert(Record(id: 1, vector: [1, 2, 3])) }
        var nan = Self.data.vectors[0]
        nan[3] = .nan
        #expect(throws: AeonError.self) { try store.upsert([Self.data.records[1], Record(id: 2, vector: nan)]) }
        #expect(store.count == 0, "a batch with one bad record writes none")
        #expect(try store.statistics.lastLSN == 0)
    }
}
