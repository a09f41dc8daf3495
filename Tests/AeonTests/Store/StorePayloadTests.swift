import Foundation
import Synchronization
import Testing
@testable import Aeon
import AeonTestSupport

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
        let failures = Locked<[String]>([])
        let collected = Locked<GarbageCollectionReport?>(nil)
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

/// Everything at once: a writer, readers, and checkpoints with garbage collection.
@Suite("store under concurrent maintenance")
struct StoreConcurrencyTests {
    /// A payload that names its record and version, so a reader can check what it got.
    static func payload(id: UInt64, version: Int) -> [UInt8] {
        Array(String(repeating: "\(id)-\(version)|", count: 1 + Int(id % 7) * 40).utf8)
    }

    static func check(_ bytes: UnsafeRawBufferPointer, id: UInt64) -> Bool {
        let text = String(decoding: bytes, as: UTF8.self)
        let parts = text.split(separator: "|")
        guard let first = parts.first, first.hasPrefix("\(id)-") else { return false }
        return parts.allSatisfy { $0 == first } && parts.count == 1 + Int(id % 7) * 40
    }

    @Test("searches, payload reads, writes, checkpoints and collections run together without a wrong byte")
    func everythingAtOnce() throws {
        let dir = TemporaryDirectory()
        let store = try AeonStore.open(
            at: dir.child("s"),
            options: StoreOptions(dimension: 16, metric: .l2, build: BuildParameters(postingSizeLimit: 8), checkpointThreshold: 0))
        var random = SeededGenerator(seed: 8)
        let ids = 400
        let vectors = (0..<ids).map { _ in random.floats(16) }
        try store.build((0..<ids).map { Record(id: UInt64($0), vector: vectors[$0], payload: Self.payload(id: UInt64($0), version: 0)) })
        let stop = Atomic<Bool>(false)
        let failures = Locked<[String]>([])
        let reads = Atomic<Int>(0)
        Threads.run(4) { worker in
            switch worker {
            case 0:
                // The writer: replacements with new payloads, deletes, and re-inserts.
                defer { stop.store(true, ordering: .releasing) }
                var random = SeededGenerator(seed: 9)
                do {
                    for version in 1...3000 {
                        let id = random.next() % UInt64(ids)
                        if version % 5 == 0 {
                            try store.delete(id: id, durability: .none)
                        } else {
                            var v = vectors[Int(id)]
                            v[0] += Float(version % 13) * 0.01
                            try store.upsert(Record(id: id, vector: v, payload: Self.payload(id: id, version: version)), durability: .none)
                        }
                    }
                } catch {
                    failures.withLock { $0.append("writer: \(error)") }
                }
            case 1:
                // Maintenance: checkpoints and collections until the writer is done.
                var rounds = 0
                while !stop.load(ordering: .acquiring) || rounds < 2 {
                    do {
                        try store.checkpoint()
                        try store.collectGarbage(garbageRatio: 0.2)
                    } catch {
                        failures.withLock { $0.append("maintenance: \(error)") }
                    }
                    rounds += 1
                }
            default:
                var random = SeededGenerator(seed: UInt64(worker))
                while !stop.load(ordering: .acquiring) {
                    let id = random.next() % UInt64(ids)
                    do {
                        let hits = try store.search(vectors[Int(id)], k: 5)
                        if Set(hits.map(\.id)).count != hits.count { failures.withLock { $0.append("duplicate ids \(hits.map(\.id))") } }
                        let ok = try store.withPayload(id: id) { bytes in bytes.map { Self.check($0, id: id) } ?? true }
                        if !ok { failures.withLock { $0.append("wrong payload bytes for \(id)") } }
                        if let record = try store.get(id: id), let payload = record.payload,
                            !payload.withUnsafeBytes({ Self.check($0, id: id) })
                        {
                            failures.withLock { $0.append("wrong payload from get for \(id)") }
                        }
                        reads.add(1, ordering: .relaxed)
                    } catch {
                        failures.withLock { $0.append("reader: \(error)") }
                    }
                }
            }
        }
        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { Array($0.prefix(5)) })")
        #expect(reads.load(ordering: .relaxed) > 100)
        try store.checkpoint()
        #expect(try store.verify().isEmpty)
        let stats = store.blobStatistics
        try store.collectGarbage(garbageRatio: 0.2)
        #expect(store.blobStatistics.fileBytes <= stats.fileBytes)
    }
}
