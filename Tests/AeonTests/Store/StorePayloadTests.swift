import Foundation
import Synchronization
import Testing
@testable import Aeon

/// Payloads through the store: any size, byte for byte, through checkpoints, reopening and
/// garbage collection under concurrent readers.
@Suite("store payloads")
struct StorePayloadTests {
    func open(_ dir: TemporaryDirectory, readOnly: Bool = false) throws -> AeonStore {
        try AeonStore.open(at: dir.child("s"), options: StoreOptions(dimension: 8, metric: .l2, readOnly: readOnly, checkpointThreshold: 0))
    }

    static func vector(_ i: Int) -> [Float] { (0..<8).map { Float(($0 * 7 + i * 13) % 29) - 14 + Float(i) * 0.001 } }

    static func payload(_ i: Int, size: Int) -> [UInt8] {
        var random = SeededGenerator(seed: UInt64(i) &+ 99)
        // Half text-like (compressible), half random (independent of the parity the tests delete by).
        return (i / 2) % 2 == 0
            ? Array(String(repeating: "memory \(i) of the conversation; ", count: size / 30 + 1).utf8.prefix(size))
            : (0..<size).map { _ in UInt8(truncatingIfNeeded: random.next()) }
    }

    @Test("payloads of 0 B to 64 MiB come back byte for byte, pending, checkpointed and reopened")
    func sizes() throws {
        let dir = TemporaryDirectory()
        var store = try open(dir)
        let sizes = [0, 1, 100, 4096, 1 << 20, 64 << 20]
        var records = sizes.enumerated().map { Record(id: UInt64($0.offset), vector: Self.vector($0.offset), payload: Self.payload($0.offset, size: $0.element)) }
        records.append(Record(id: 99, vector: Self.vector(99), payload: nil))
        try store.upsert(records, durability: .none)
        func check(_ store: AeonStore, _ when: String) throws {
            for record in records {
                #expect(try store.get(id: record.id)?.payload == record.payload, "\(when): id \(record.id)")
                let same = try store.withPayload(id: record.id) { bytes in bytes.map { Array($0) } == record.payload }
                #expect(same, "\(when): id \(record.id) borrowed")
            }
        }
        try check(store, "pending")
        try store.checkpoint()
        try check(store, "checkpointed")
        #expect(try store.verify().isEmpty)
        try store.close()
        store = try open(dir)
        try check(store, "reopened")
        let readOnly = try open(dir, readOnly: true)
        try check(readOnly, "read-only")
        try readOnly.close()
        // 64 MiB of text compresses: the arena holds less than the payloads.
        #expect(store.blobStatistics.fileBytes < sizes.reduce(0, +))
    }

    @Test("after deleting half and collecting, the blob files hold at most 1.15 × the live bytes; readers never see wrong bytes")
    func collectUnderReaders() throws {
        let dir = TemporaryDirectory()
        let store = try AeonStore.open(
            at: dir.child("s"), options: StoreOptions(dimension: 8, metric: .l2, checkpointThreshold: 0))
        let count = 2000
        let records = (0..<count).map { Record(id: UInt64($0), vector: Self.vector($0), payload: Self.payload($0, size: 200 + $0 % 3000)) }
        try store.build(records)
        // Delete every other one (and a few more), then checkpoint: their blobs are garbage.
        for i in stride(from: 0, to: count, by: 2) { try store.delete(id: UInt64(i), durability: .none) }
        for i in stride(from: 1, to: 200, by: 2) { try store.delete(id: UInt64(i), durability: .none) }
        try store.checkpoint()
        let survivors = (200..<count).filter { $0 % 2 == 1 }

        let stop = Atomic<Bool>(false)
        let reads = Atomic<Int>(0)
        let failures = Mutex<[String]>([])
        let collected = Mutex<GarbageCollectionReport?>(nil)
        Threads.run(5) { worker in
            if worker == 0 {
                defer { stop.store(true, ordering: .releasing) }
                do {
                    while reads.load(ordering: .relaxed) < 500 { usleep(1000) }
                    let report = try store.collectGarbage()
                    collected.withLock { $0 = report }
                    // Readers go on reading the moved payloads after the old segments went.
                    let target = reads.load(ordering: .relaxed) + 2000
                    while reads.load(ordering: .relaxed) < target && failures.withLock({ $0.isEmpty }) { usleep(1000) }
                } catch {
                    failures.withLock { $0.append("collector: \(error)") }
                }
                return
            }
            var i = worker
            while !stop.load(ordering: .acquiring) {
                let id = survivors[i % survivors.count]
                do {
                    let ok = try store.withPayload(id: UInt64(id)) { bytes in bytes.map { Array($0) } == Self.payload(id, size: 200 + id % 3000) }
                    if !ok { failures.withLock { $0.append("id \(id): wrong bytes") } }
                    reads.add(1, ordering: .relaxed)
                } catch {
                    failures.withLock { $0.append("id \(id): \(error)") }
                }
                i += 7
            }
        }
        let report = try #require(collected.withLock { $0 })
        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { Array($0.prefix(3)) })")
        #expect(report.blobsMoved > 0 && report.segmentsCollected > 0)
        let stats = store.blobStatistics
        #expect(Double(stats.fileBytes) <= 1.15 * Double(stats.liveBytes), "files \(stats.fileBytes) B, live \(stats.liveBytes) B")
        #expect(stats.fileBytes < report.fileBytesBefore)
        #expect(try store.verify().isEmpty)
        for id in survivors.prefix(50) { #expect(try store.get(id: UInt64(id))?.payload == Self.payload(id, size: 200 + id % 3000)) }
        #expect(try store.get(id: 0) == nil)
    }

    @Test("a damaged blob is a corrupt error naming its record, from get and from verify")
    func damagedBlob() throws {
        let dir = TemporaryDirectory()
        var store = try open(dir)
        try store.build((0..<20).map { Record(id: UInt64($0), vector: Self.vector($0), payload: Self.payload(1, size: 500)) })
        try store.close()
        // Flip a byte in the middle of the first segment's records.
        let blobDirectory = dir.child("s") + "/blobs"
        let segment = try #require(try SystemFileIO().list(blobDirectory).first { $0.hasSuffix(".seg") })
        let url = URL(fileURLWithPath: blobDirectory + "/" + segment)
        var bytes = try Data(contentsOf: url)
        bytes[bytes.count / 2] ^= 0x40
        try bytes.write(to: url)
        store = try open(dir)
        var failed: [UInt64] = []
        for id in 0..<UInt64(20) {
            do {
                _ = try store.get(id: id)
            } catch {
                #expect(error.code == .corrupt && error.message.contains("record \(id)"), "\(error)")
                failed.append(id)
            }
        }
        #expect(failed.count == 1)
        let problems = try store.verify()
        #expect(problems.count == 1 && problems[0].message.contains("record \(failed.first ?? 0)"), "\(problems)")
    }
}
