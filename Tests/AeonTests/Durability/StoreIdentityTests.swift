import Testing
@testable import Aeon
import AeonTestSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A store knows its own log and blob segments (issue 12, defect 4): a missing, emptied or
/// foreign log is damage, never an empty log, and salvage is the explicit way past it.
@Suite("store identity")
struct StoreIdentityTests {
    static let data = ClusteredData(count: 60, queries: 1, dimension: 8, clusters: 4, seed: 41)

    private func options(readOnly: Bool = false, recovery: WALRecoveryMode = .strict) -> StoreOptions {
        StoreOptions(dimension: 8, metric: .l2, readOnly: readOnly, recovery: recovery, checkpointThreshold: 0)
    }

    /// A store with 40 records checkpointed (with payloads, so it has a blob segment) and 20
    /// more only in the log.
    private func makeStore(_ path: String) throws {
        let store = try AeonStore.open(at: path, options: options())
        let records = Self.data.records.map { Record(id: $0.id, vector: $0.vector, payload: Array("payload \($0.id)".utf8)) }
        try store.upsert(Array(records.prefix(40)))
        try store.checkpoint()
        try store.upsert(Array(records[40...]))
        try store.close()
    }

    private func files(in directory: String) throws -> [String: [UInt8]] {
        var result: [String: [UInt8]] = [:]
        for name in try SystemFileIO().list(directory) { result[name] = FileBytes.read(directory + "/" + name) }
        return result
    }

    private func removeAll(in directory: String) throws {
        for name in try SystemFileIO().list(directory) { try SystemFileIO().remove(directory + "/" + name) }
    }

    @Test("every log and blob segment carries the manifest's identity, and each new store has its own")
    func identitiesMatch() throws {
        let dir = TemporaryDirectory()
        try makeStore(dir.child("a"))
        try makeStore(dir.child("b"))
        let a = try #require(try Manifest.read(io: SystemFileIO(), directory: dir.child("a"))?.identity)
        let b = try #require(try Manifest.read(io: SystemFileIO(), directory: dir.child("b"))?.identity)
        #expect(a != b)
        let opened = try AeonStore.open(at: dir.child("a"), options: options(readOnly: true))
        #expect(opened.identity == a)
        let versions = try opened.describe().formatVersions
        #expect(versions.manifest == 2 && versions.log == 3, "\(versions)")
        try opened.close()
        for (name, bytes) in try files(in: dir.child("a") + "/wal") {
            let header = bytes.withUnsafeBytes { WALFormat.parseSegmentHeader($0) }
            #expect(header?.identity == a, "\(name)")
        }
        let blobs = try files(in: dir.child("a") + "/blobs")
        #expect(!blobs.isEmpty)
        for (name, bytes) in blobs {
            let header = bytes.withUnsafeBytes { BlobFormat.parseSegmentHeader($0) }
            #expect(header?.identity == a, "\(name)")
        }
    }

    @Test("a removed wal/ is damage for a writer and a reader; salvage opens with the checkpointed records and says what it skipped")
    func removedLog() throws {
        let dir = TemporaryDirectory()
        let path = dir.child("s")
        try makeStore(path)
        let saved = try files(in: path + "/wal")
        try removeAll(in: path + "/wal")
        #expect(rmdir(path + "/wal") == 0)

        #expect(errorCode { _ = try AeonStore.open(at: path, options: options()) } == .corrupt)
        #expect(errorCode { _ = try AeonStore.open(at: path, options: options(readOnly: true)) } == .corrupt)
        let salvaged = try AeonStore.open(at: path, options: options(readOnly: true, recovery: .salvage))
        #expect(salvaged.count == 40)
        #expect(!salvaged.recovery.skipped.isEmpty)
        try salvaged.close()

        // Putting the log back makes the store whole again.
        try SystemFileIO().makeDirectory(path + "/wal")
        for (name, bytes) in saved { FileBytes.write(path + "/wal/" + name, bytes) }
        let store = try AeonStore.open(at: path, options: options())
        #expect(store.count == 60)
        #expect(try store.verify().isEmpty)
        try store.close()
    }

    @Test("an emptied wal/ or a log segment cut to nothing is damage, not an empty log")
    func emptiedLog() throws {
        let dir = TemporaryDirectory()
        let path = dir.child("s")
        try makeStore(path)
        let saved = try files(in: path + "/wal")
        try removeAll(in: path + "/wal")
        #expect(errorCode { _ = try AeonStore.open(at: path, options: options()) } == .corrupt)

        for (name, bytes) in saved { FileBytes.write(path + "/wal/" + name, bytes) }
        let last = try #require(saved.keys.sorted().last)
        FileBytes.write(path + "/wal/" + last, [])
        #expect(errorCode { _ = try AeonStore.open(at: path, options: options()) } == .corrupt)
        #expect(errorCode { _ = try AeonStore.open(at: path, options: options(readOnly: true)) } == .corrupt)
        let salvaged = try AeonStore.open(at: path, options: options(readOnly: true, recovery: .salvage))
        #expect(salvaged.count == 40)
        #expect(!salvaged.recovery.skipped.isEmpty)
        try salvaged.close()
    }

    @Test("another store's log segment copied in is refused, and the store opens again once its own is back")
    func foreignLogSegment() throws {
        let dir = TemporaryDirectory()
        let path = dir.child("s")
        try makeStore(path)
        try makeStore(dir.child("other"))
        let own = try files(in: path + "/wal")
        let foreign = try files(in: dir.child("other") + "/wal")
        // The other store's segments under this store's names: same sequence numbers, same LSNs.
        try removeAll(in: path + "/wal")
        for (name, bytes) in foreign { FileBytes.write(path + "/wal/" + name, bytes) }

        #expect(errorCode { _ = try AeonStore.open(at: path, options: options()) } == .corrupt)
        #expect(errorCode { _ = try AeonStore.open(at: path, options: options(readOnly: true)) } == .corrupt)
        let salvaged = try AeonStore.open(at: path, options: options(readOnly: true, recovery: .salvage))
        #expect(salvaged.count == 40, "none of the other store's records appear")
        #expect(!salvaged.recovery.skipped.isEmpty)
        try salvaged.close()

        try removeAll(in: path + "/wal")
        for (name, bytes) in own { FileBytes.write(path + "/wal/" + name, bytes) }
        let store = try AeonStore.open(at: path, options: options())
        #expect(store.count == 60)
        try store.close()
    }

    @Test("another store's blob segment copied in is refused, and the store opens again once its own is back")
    func foreignBlobSegment() throws {
        let dir = TemporaryDirectory()
        let path = dir.child("s")
        try makeStore(path)
        try makeStore(dir.child("other"))
        let own = try files(in: path + "/blobs")
        let foreign = try files(in: dir.child("other") + "/blobs")
        #expect(Set(own.keys) == Set(foreign.keys))
        for (name, bytes) in foreign { FileBytes.write(path + "/blobs/" + name, bytes) }

        #expect(errorCode { _ = try AeonStore.open(at: path, options: options()) } == .corrupt)
        #expect(errorCode { _ = try AeonStore.open(at: path, options: options(readOnly: true)) } == .corrupt)

        for (name, bytes) in own { FileBytes.write(path + "/blobs/" + name, bytes) }
        let store = try AeonStore.open(at: path, options: options())
        #expect(store.count == 60)
        #expect(try store.get(id: Self.data.records[3].id)?.payload == Array("payload \(Self.data.records[3].id)".utf8))
        #expect(try store.verify().isEmpty)
        try store.close()
    }

    @Test("an interrupted creation (a log and a blob segment of an identity no manifest names) does not stop a new creation")
    func interruptedCreation() throws {
        let dir = TemporaryDirectory()
        let path = dir.child("s")
        // What a creation cut before its manifest leaves: wal/ with a segment, and a blob
        // segment, of an identity that never reached a manifest.
        try SystemFileIO().makeDirectory(path)
        let orphan = StoreIdentity.random()
        try WriteAheadLog.create(io: SystemFileIO(), directory: path + "/wal", identity: orphan)
        let arena = try BlobArena.open(io: SystemFileIO(), directory: path + "/blobs", options: BlobArena.Options(identity: orphan))
        _ = try arena.append(Array("left over".utf8))
        try arena.close()

        let store = try AeonStore.open(at: path, options: options())
        let records = Self.data.records.prefix(10).map { Record(id: $0.id, vector: $0.vector, payload: [1, 2, 3]) }
        try store.upsert(Array(records))
        try store.checkpoint()
        try store.close()
        let identity = try #require(try Manifest.read(io: SystemFileIO(), directory: path)?.identity)
        #expect(identity != orphan)
        for (name, bytes) in try files(in: path + "/wal") {
            #expect(bytes.withUnsafeBytes { WALFormat.parseSegmentHeader($0) }?.identity == identity, "\(name)")
        }
        for (name, bytes) in try files(in: path + "/blobs") {
            #expect(bytes.withUnsafeBytes { BlobFormat.parseSegmentHeader($0) }?.identity == identity, "\(name)")
        }
        let reopened = try AeonStore.open(at: path, options: options())
        #expect(reopened.count == 10)
        #expect(try reopened.get(id: records[0].id)?.payload == [1, 2, 3])
        try reopened.close()
    }
}
