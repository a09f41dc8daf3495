import Synchronization
import Testing
@testable import Aeon
import AeonTestSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One test per acknowledged write that a review found could vanish (issue 12). Each fails on
/// the code before its fix.
@Suite("durability regressions")
struct DurabilityRegressionTests {
    static let data = ClusteredData(count: 200, queries: 1, dimension: 8, clusters: 4, seed: 12)

    private func replayAll(_ directory: String, checkpoint: UInt64 = 0) throws -> [UInt64: [UInt8]] {
        var records: [UInt64: [UInt8]] = [:]
        _ = try WriteAheadLog.replay(directory: directory, checkpoint: checkpoint) { (lsn, bytes) throws(AeonError) in records[lsn] = bytes }
        return records
    }

    private func code(_ body: () throws(AeonError) -> Void) -> AeonError.Code? {
        do {
            try body()
            return nil
        } catch {
            return error.code
        }
    }

    private func files(in directory: String) throws -> [String: [UInt8]] {
        var result: [String: [UInt8]] = [:]
        for name in try SystemFileIO().list(directory) { result[name] = FileBytes.read(directory + "/" + name) }
        return result
    }

    @Test("a checkpoint over unsynced log records, its log cut back to its last sync: later writes survive, later opens work")
    func checkpointOverUnsyncedLog() throws {
        let dir = TemporaryDirectory()
        let path = dir.child("s")
        let options = StoreOptions(dimension: 8, metric: .l2, checkpointThreshold: 0)
        var store = try AeonStore.open(at: path, options: options)
        for record in Self.data.records.prefix(20) { try store.upsert(record) }
        try store.delete(id: Self.data.records[0].id)
        try store.delete(id: Self.data.records[1].id)
        try store.close()
        // The log as of its last sync (the 22 synchronous writes).
        let saved = try files(in: path + "/wal")

        store = try AeonStore.open(at: path, options: options)
        try store.upsert(Array(Self.data.records[20..<60]), durability: .none)
        try store.checkpoint()
        try store.close()
        // A power cut that kept the manifest but not the unsynced log: put the old log back.
        for name in try SystemFileIO().list(path + "/wal") { try SystemFileIO().remove(path + "/wal/" + name) }
        for (name, bytes) in saved { FileBytes.write(path + "/wal/" + name, bytes) }

        store = try AeonStore.open(at: path, options: options)
        #expect(store.count == 58)
        let victim = Self.data.records[30].id
        try store.delete(id: victim)
        try store.close()
        store = try AeonStore.open(at: path, options: options)
        #expect(try store.get(id: victim) == nil, "the acknowledged delete survived")
        #expect(store.recovery.tornBytes == 0)
        #expect(try store.verify().isEmpty)
        try store.delete(id: Self.data.records[31].id)
        try store.delete(id: Self.data.records[32].id)
        try store.close()
        store = try AeonStore.open(at: path, options: options)
        #expect(store.count == 55)
        try store.close()
    }

    @Test("a synchronous write is not acknowledged when a window's sync beside it took the EIO")
    func fsyncgate() throws {
        let dir = TemporaryDirectory()
        let io = FaultyFileIO()
        let log = try WriteAheadLog(io: io, directory: dir.child("wal"))
        try log.append([1], durability: .synchronous)
        io.holdSyncs()
        // Schedules a window's sync at once, which waits inside the file layer.
        try log.append([2], durability: .batched(milliseconds: 0))
        while io.syncsWaiting == 0 { usleep(1000) }
        // Every sync but this thread's fails: the window's takes the error.
        io.arm(.syncErrorOffThread(FaultyFileIO.currentThread), at: 1)
        Threads.spawn {
            usleep(50_000)
            io.releaseSyncs()
        }
        #expect(throws: AeonError.self, "the write whose pages the failed sync may have dropped is refused") {
            try log.append([3], durability: .synchronous)
        }
        #expect(io.fired)
        #expect(throws: AeonError.self) { try log.append([4], durability: .none) }
    }

    @Test("a writer's open makes a tail left in the page cache durable")
    func tailSyncedAtOpen() throws {
        let dir = TemporaryDirectory()
        let root = dir.child("root")
        try SystemFileIO().makeDirectory(root)
        let io = try PowerLossFileIO(root: root)
        do {
            let log = try WriteAheadLog(io: io, directory: root + "/wal")
            try log.append([1], durability: .synchronous)
            try log.append([2], durability: .none)
            try log.append([3], durability: .batched(milliseconds: 3_600_000))
            // The process ends here without syncing (its descriptor closes).
        }
        let reopened = try WriteAheadLog(io: io, directory: root + "/wal")
        #expect(reopened.lastLSN == 3)
        var random = SplitMix64(seed: 1)
        try io.cut().materialize(at: dir.child("image"), random: &random)
        #expect(try replayAll(dir.child("image") + "/wal") == [1: [1], 2: [2], 3: [3]])
    }

    @Test("a store's log directory is created durably: a power cut right after a synchronous write keeps it")
    func logDirectoryDurable() throws {
        let dir = TemporaryDirectory()
        let root = dir.child("root")
        try SystemFileIO().makeDirectory(root)
        let io = try PowerLossFileIO(root: root)
        let store = try AeonStore.open(at: root + "/s", options: StoreOptions(dimension: 8, metric: .l2, io: io))
        try store.upsert(Self.data.records[0])
        var random = SplitMix64(seed: 1)
        try io.cut().materialize(at: dir.child("image"), random: &random)
        let reopened = try AeonStore.open(at: dir.child("image") + "/s", options: StoreOptions(dimension: 8, metric: .l2))
        #expect(try reopened.get(id: Self.data.records[0].id) == Self.data.records[0])
    }

    @Test("a log that cannot zero-fill ahead on a nearly full disk appends plainly")
    func zeroFillOnFullDisk() throws {
        let dir = TemporaryDirectory()
        let io = FaultyFileIO()
        let log = try WriteAheadLog(io: io, directory: dir.child("wal"))
        // Write 1 is the new segment's header, write 2 the megabyte of zeros ahead of the record.
        io.arm(.writeError(errno: ENOSPC), at: 2)
        try log.append([7, 7, 7], durability: .synchronous)
        #expect(io.fired)
        try log.append([8], durability: .synchronous)
        try log.close()
        #expect(try replayAll(dir.child("wal")) == [1: [7, 7, 7], 2: [8]])
    }

    @Test("a failed write gives its LSNs back: a checkpoint after it names no LSN that was never written")
    func failedAppendConsumesNoLSN() throws {
        let dir = TemporaryDirectory()
        let io = FaultyFileIO()
        let log = try WriteAheadLog(io: io, directory: dir.child("wal"))
        try log.append([1], durability: .synchronous)
        io.arm(.writeError(errno: EIO), at: 1)
        #expect(throws: AeonError.self) { try log.append(batch: [[2], [3]], durability: .synchronous) }
        #expect(log.lastLSN == 1)
        #expect(throws: AeonError.self, "the log refuses syncs after a failure") { try log.sync() }
    }

    @Test("read-only and closed stores say so with their own codes")
    func codes() throws {
        let dir = TemporaryDirectory()
        let store = try AeonStore.open(at: dir.child("s"), options: StoreOptions(dimension: 8, metric: .l2))
        try store.upsert(Self.data.records[0])
        let reader = try AeonStore.open(at: dir.child("s"), options: StoreOptions(readOnly: true))
        #expect(code { () throws(AeonError) in try reader.sync() } == .readOnly)
        #expect(code { () throws(AeonError) in try reader.upsert(Self.data.records[1]) } == .readOnly)
        try store.close()
        #expect(code { () throws(AeonError) in try store.sync() } == .closed)
    }
}
