import Foundation
import Testing
@testable import Aeon
import AeonTestSupport

/// Stores written by earlier versions of the format stay readable and writable.
@Suite("format compatibility")
struct FormatCompatibilityTests {
    /// A store written by the code of commit 8581321 (postings v1, records v2): 300 records of
    /// 8 dimensions (ids 1000…1299, payloads "memory i"), then ids 1005 and 1006 deleted and a
    /// checkpoint.
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/store-v1").path

    func copy(to dir: TemporaryDirectory) throws -> String {
        let path = dir.child("s")
        try FileManager.default.copyItem(atPath: Self.fixture, toPath: path)
        return path
    }

    func check(_ store: AeonStore, extra: [Record], deleted: Set<UInt64>, _ when: String) throws {
        #expect(store.count == 298 + extra.count - deleted.subtracting([1005, 1006]).count, "\(when)")
        for i in stride(from: 0, to: 300, by: 7) {
            let id = UInt64(1000 + i)
            let record = try store.get(id: id)
            if deleted.contains(id) || id == 1005 || id == 1006 {
                #expect(record == nil, "\(when): id \(id)")
            } else {
                #expect(record?.payload == Array("memory \(i)".utf8), "\(when): id \(id)")
                let hit = try store.search(try #require(record).vector, k: 1).first
                #expect(hit?.id == id || hit?.score == 0, "\(when): id \(id)")
            }
        }
        for id: UInt64 in [1005, 1006] { #expect(try store.get(id: id) == nil, "\(when): id \(id), deleted before the fixture's checkpoint") }
        for record in extra { #expect(try store.get(id: record.id) == record, "\(when)") }
        #expect(try store.verify().isEmpty, "\(when)")
    }

    @Test("a new store's files are of the versions AeonRelease.formats names")
    func newStoreVersions() throws {
        let dir = TemporaryDirectory()
        let store = try AeonStore.open(at: dir.child("s"), options: StoreOptions(dimension: 8, metric: .l2))
        try store.build((0..<50).map { i in Record(id: UInt64(i), vector: (0..<8).map { Float(($0 * 3 + i) % 7) }, text: "r \(i)") })
        try store.upsert(Record(id: 99, vector: [Float](repeating: 1, count: 8), text: "pending"))
        #expect(try store.describe().formatVersions == AeonRelease.formats)
        try store.close()
        // Read back from the files, not from this process's memory.
        #expect(try AeonStore.open(at: dir.child("s"), options: StoreOptions(readOnly: true)).describe().formatVersions == AeonRelease.formats)
    }

    @Test("a store of postings v1 and records v2 opens, verifies, takes a layer over its old files, and folds")
    func version1() throws {
        let dir = TemporaryDirectory()
        let path = try copy(to: dir)
        #expect(try AeonStore.open(at: path, options: StoreOptions(readOnly: true)).currentIndex()?.postings.version == 1)
        // describe() reports the files' versions, not this build's.
        let versions = try AeonStore.open(at: path, options: StoreOptions(readOnly: true)).describe().formatVersions
        #expect(versions.manifest == 1 && versions.postings == 1, "\(versions)")
        var store = try AeonStore.open(at: path)
        try check(store, extra: [], deleted: [], "as written")

        // A layer over the old files: new records, a replacement, deletions.
        let extra = (0..<20).map { i in
            let vector: [Float] = (0..<8).map { (d: Int) -> Float in Float((d * 7 + i) % 5) * 0.3 }
            return Record(id: UInt64(5000 + i), vector: vector, text: "new \(i)")
        }
        try store.upsert(extra)
        let deleted: Set<UInt64> = [1014, 1021]
        for id in deleted { try store.delete(id: id) }
        try store.checkpoint()
        let layered = try #require(try store.currentIndex())
        #expect(layered.layers.count == 2 && layered.layers[0].postings.version == 1 && layered.postings.version == PostingsHeader.version)
        try check(store, extra: extra, deleted: deleted, "layered over version 1")
        try store.close()
        store = try AeonStore.open(at: path)
        try check(store, extra: extra, deleted: deleted, "reopened")

        // A fold rewrites it all in the current version.
        try store.checkpoint(full: true)
        let folded = try #require(try store.currentIndex())
        #expect(folded.layers.count == 1 && folded.records.version == RecordsHeader.version)
        try check(store, extra: extra, deleted: deleted, "folded")
    }
}
