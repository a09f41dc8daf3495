import Synchronization
import Testing
@testable import Aeon
import AeonTestSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite("blob arena")
struct BlobArenaTests {
    // MARK: payloads

    /// Random bytes: incompressible.
    static func random(_ count: Int, seed: UInt64) -> [UInt8] {
        var rng = SeededGenerator(seed: seed)
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            var i = 0
            while i + 8 <= count {
                raw.storeBytes(of: rng.next(), toByteOffset: i, as: UInt64.self)
                i += 8
            }
            while i < count {
                raw[i] = UInt8(truncatingIfNeeded: rng.next())
                i += 1
            }
            initialized = count
        }
    }

    /// Text from a small vocabulary, as memories read: compresses well.
    static func text(_ count: Int, seed: UInt64) -> [UInt8] {
        let words = ["memory", "vector", "the", "storage", "of", "engine", "arena", "segment", "blob", "a", "checkpoint", "and"]
        var rng = SeededGenerator(seed: seed)
        var block: [UInt8] = []
        while block.count < min(count, 16 << 10) {
            block.append(contentsOf: words[Int(rng.next() % UInt64(words.count))].utf8)
            block.append(0x20)
        }
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            var i = 0
            while i < count {
                let n = min(block.count, count - i)
                block.withUnsafeBytes {
                    UnsafeMutableRawBufferPointer(rebasing: raw[i..<(i + n)]).copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[0..<n]))
                }
                i += n
            }
            initialized = count
        }
    }

    static func same(_ a: UnsafeRawBufferPointer, _ b: [UInt8]) -> Bool {
        a.count == b.count && (b.isEmpty || b.withUnsafeBytes { memcmp(a.baseAddress!, $0.baseAddress!, b.count) == 0 })
    }

    static func same(_ a: [UInt8], _ b: [UInt8]) -> Bool { a.withUnsafeBytes { same($0, b) } }

    /// Both read paths return `expected` byte for byte.
    static func check(_ arena: BlobArena, _ location: BlobLocation, _ expected: [UInt8]) throws -> Bool {
        let zeroCopy = try arena.withBlob(location) { same($0, expected) }
        let copied = try arena.read(location)
        return zeroCopy && same(copied, expected)
    }

    static func segmentFiles(_ dir: String) throws -> [String] {
        try SystemFileIO().list(dir).filter { StoreFileNames.generation(ofBlobSegment: $0) != nil }.sorted()
    }

    static func corruptError(_ body: () throws -> Void) -> AeonError? {
        do {
            try body()
            return nil
        } catch let error as AeonError {
            return error.code == .corrupt ? error : nil
        } catch {
            return nil
        }
    }

    // MARK: round trips

    @Test("payloads of 0 B to 64 MiB, random and text, come back byte for byte, also after reopening")
    func roundTrip() throws {
        let dir = TemporaryDirectory()
        var payloads: [[UInt8]] = []
        for (i, size) in [0, 1, 100, 4096, 1 << 20, 64 << 20].enumerated() {
            payloads.append(Self.random(size, seed: UInt64(i)))
            payloads.append(Self.text(size, seed: UInt64(i)))
        }
        let arena = try BlobArena.open(directory: dir.path)
        var locations: [BlobLocation] = []
        for payload in payloads { locations.append(try arena.append(payload)) }
        try arena.sync()
        for (location, payload) in zip(locations, payloads) { #expect(try Self.check(arena, location, payload)) }
        // The 64 MiB random blob does not fit beside the others: it starts a segment of its own.
        #expect(arena.statistics.count >= 2)
        try arena.close()
        #expect(throws: AeonError.self) { try arena.read(locations[0]) }

        let reopened = try BlobArena.open(directory: dir.path)
        for (location, payload) in zip(locations, payloads) { #expect(try Self.check(reopened, location, payload)) }
        try reopened.close()
    }

    @Test("compressible payloads above the threshold are stored LZ4-compressed, others raw")
    func compressionChoice() throws {
        let dir = TemporaryDirectory()
        let arena = try BlobArena.open(directory: dir.path)
        let randomBlob = Self.random(4096, seed: 1)
        let textBlob = Self.text(4096, seed: 2)
        let shortText = Self.text(100, seed: 3)
        let raw = try arena.recordHeader(try arena.append(randomBlob))
        #expect(!raw.isCompressed && raw.storedCount == 4096 && raw.originalCount == 4096)
        let textLocation = try arena.append(textBlob)
        let compressed = try arena.recordHeader(textLocation)
        #expect(compressed.isCompressed && compressed.storedCount < 4096 - 256 && compressed.originalCount == 4096)
        #expect(Int(textLocation.length) == BlobFormat.framedLength(storedCount: Int(compressed.storedCount)))
        #expect(!(try arena.recordHeader(try arena.append(shortText))).isCompressed, "at or below the threshold: raw")
        #expect(try Self.check(arena, textLocation, textBlob))
        let empty = try arena.append([])
        let emptyRead = try arena.read(empty)
        #expect(empty.length == 24 && emptyRead.isEmpty)
        try arena.close()
    }

    @Test("a location survives its 24-byte encoding")
    func locationEncoding() throws {
        let location = BlobLocation(segment: 0x0102_0304_0506_0708, offset: 0x1122_3344_5566_7788, length: 0xDEAD_BEE8, checksum: 0xCAFE_F00D)
        let bytes = location.encoded
        #expect(bytes.count == 24 && bytes[0] == 0x08 && bytes[8] == 0x88 && bytes[16] == 0xE8 && bytes[20] == 0x0D)
        #expect(bytes.withUnsafeBytes { BlobLocation(decoding: $0) } == location)
        var writer = BinaryWriter()
        location.encode(into: &writer)
        #expect(writer.bytes == bytes)
        let decoded = try writer.bytes.withUnsafeBytes { raw throws(AeonError) in
            var reader = BinaryReader(raw, path: "records")
            return try BlobLocation(from: &reader)
        }
        #expect(decoded == location)
    }

    // MARK: segments

    @Test("appends roll over to new segments; a large blob gets a segment of its own; reopening finds all")
    func rollover() throws {
        let dir = TemporaryDirectory()
        let options = BlobArena.Options(segmentSize: 64 << 10)
        let arena = try BlobArena.open(directory: dir.path, options: options)
        let payloads = (0..<100).map { Self.random(3000, seed: UInt64($0)) } + [Self.random(200 << 10, seed: 999)]
        var locations = try arena.append(batch: Array(payloads[0..<50]))
        for payload in payloads[50...] { locations.append(try arena.append(payload)) }
        try arena.sync()
        let statistics = arena.statistics
        #expect(statistics.count >= 6)
        #expect(statistics.filter(\.isActive).count == 1 && statistics.last!.isActive)
        #expect(statistics.dropLast().allSatisfy { $0.fileBytes <= options.segmentSize })
        #expect(locations.last!.segment == statistics.last!.generation && locations.last!.offset == 32)
        #expect(Set(locations.map(\.segment)).count == statistics.count)
        #expect(try Self.segmentFiles(dir.path) == statistics.map { StoreFileNames.blobSegment($0.generation) })
        try arena.close()

        let reopened = try BlobArena.open(directory: dir.path, options: options)
        #expect(reopened.statistics == statistics)
        for (location, payload) in zip(locations, payloads) { #expect(try Self.check(reopened, location, payload)) }
        // The newest segment is full: the next append starts another.
        let next = try reopened.append([1, 2, 3])
        #expect(next.segment == statistics.last!.generation + 1)
        try reopened.close()
    }

    // MARK: crashes and damage

    @Test("a torn tail is cut on reopen; earlier blobs are intact and appends continue after them")
    func tornTail() throws {
        let dir = TemporaryDirectory()
        let payloads = (0..<3).map { Self.random(1000 + 300 * $0, seed: UInt64($0)) }
        let arena = try BlobArena.open(directory: dir.path)
        let locations = try arena.append(batch: payloads)
        try arena.close()
        let path = dir.child(StoreFileNames.blobSegment(locations[0].segment))
        let whole = FileBytes.read(path)

        // Cut in the middle of the last record.
        for cut in [Int(locations[2].offset) + 5, Int(locations[2].offset) + 24 + 700, whole.count - 1] {
            FileBytes.write(path, Array(whole[0..<cut]))
            let reopened = try BlobArena.open(directory: dir.path)
            #expect(try Self.check(reopened, locations[0], payloads[0]) && (try Self.check(reopened, locations[1], payloads[1])))
            #expect(Self.corruptError { _ = try reopened.read(locations[2]) } != nil)
            let again = try reopened.append(payloads[2])
            #expect(again.offset == locations[2].offset, "appends continue after the last intact record")
            try reopened.close()
            FileBytes.write(path, whole)
        }

        // Garbage after the last record.
        FileBytes.write(path, whole + Self.random(5000, seed: 7))
        let reopened = try BlobArena.open(directory: dir.path)
        for (location, payload) in zip(locations, payloads) { #expect(try Self.check(reopened, location, payload)) }
        #expect(reopened.statistics[0].fileBytes == whole.count)
        let appended = try reopened.append(payloads[0])
        #expect(appended.offset == UInt64(whole.count))
        try reopened.close()
        #expect(FileBytes.read(path).count == whole.count + Int(appended.length))

        // A segment file whose creation was torn (empty) is removed.
        let torn = dir.child(StoreFileNames.blobSegment(locations[0].segment + 1))
        FileBytes.write(torn, [])
        let cleaned = try BlobArena.open(directory: dir.path)
        #expect(!SystemFileIO().exists(torn).exists)
        #expect(try Self.check(cleaned, appended, payloads[0]))
        try cleaned.close()
    }

    @Test("a flipped byte is a typed corrupt error naming the segment file and offset")
    func flippedByte() throws {
        let dir = TemporaryDirectory()
        let payloads = [Self.random(500, seed: 1), Self.text(5000, seed: 2), Self.random(800, seed: 3)]
        let arena = try BlobArena.open(directory: dir.path)
        let locations = try arena.append(batch: payloads)
        try arena.close()
        let path = dir.child(StoreFileNames.blobSegment(locations[0].segment))
        let size = FileBytes.read(path).count

        for damaged in 0..<2 {
            FileBytes.flip(path, at: Int(locations[damaged].offset) + 24 + 17)
            // Intact records follow the damage: nothing is cut.
            let reopened = try BlobArena.open(directory: dir.path)
            #expect(reopened.statistics[0].fileBytes == size)
            for i in 0..<3 where i != damaged { #expect(try Self.check(reopened, locations[i], payloads[i])) }
            let error = Self.corruptError { _ = try reopened.read(locations[damaged]) }
            #expect(error?.path == path && error?.offset == locations[damaged].offset)
            #expect(Self.corruptError { try reopened.withBlob(locations[damaged]) { _ in } }?.offset == locations[damaged].offset)
            try reopened.close()
            FileBytes.flip(path, at: Int(locations[damaged].offset) + 24 + 17)
        }

        // Locations that do not name a record: out of range, misaligned, another record's, no segment.
        let arena2 = try BlobArena.open(directory: dir.path)
        var wrong = [locations[0], locations[0], locations[0], locations[0], locations[1]]
        wrong[0].offset = UInt64(size)
        wrong[1].offset += 4
        wrong[2].segment = 77
        wrong[3].length = UInt32.max & ~7
        wrong[4].checksum = locations[0].checksum
        for location in wrong { #expect(Self.corruptError { _ = try arena2.read(location) } != nil, "\(location)") }
        #expect(Self.corruptError { _ = try arena2.read(BlobLocation(segment: 1, offset: .max, length: .max, checksum: 0)) } != nil)
        try arena2.close()

        // A damaged segment header stops the open, naming the file.
        FileBytes.flip(path, at: 3)
        #expect(throws: AeonError.self) { try BlobArena.open(directory: dir.path) }
        do { _ = try BlobArena.open(directory: dir.path) } catch { #expect(error.code == .corrupt && error.path == path) }
    }

    // MARK: garbage collection

    @Test("retiring a segment while a reader is inside withBlob keeps its bytes valid until the reader returns")
    func retireUnderReader() throws {
        let dir = TemporaryDirectory()
        let arena = try BlobArena.open(directory: dir.path, options: .init(segmentSize: 8 << 10))
        let payload = Self.random(6000, seed: 1)
        let location = try arena.append(payload)
        _ = try arena.append(Self.random(6000, seed: 2))  // starts the next segment
        try arena.sync()
        let path = dir.child(StoreFileNames.blobSegment(location.segment))
        try arena.withBlob(location) { bytes in
            try arena.retire(segments: [location.segment])
            #expect(!SystemFileIO().exists(path).exists)
            #expect(Self.same(bytes, payload))
        }
        #expect(Self.corruptError { _ = try arena.read(location) } != nil)
        try arena.close()
    }

    @Test("after half the blobs die, collecting and retiring leaves at most 1.15 × the live bytes on disk")
    func collectReclaimsSpace() throws {
        let dir = TemporaryDirectory()
        let options = BlobArena.Options(segmentSize: 64 << 10)
        let arena = try BlobArena.open(directory: dir.path, options: options)
        var rng = SeededGenerator(seed: 5)
        let payloads = (0..<400).map { i in
            i % 3 == 0
                ? Self.text(Int.random(in: 200...6000, using: &rng), seed: UInt64(i))
                : Self.random(Int.random(in: 0...3000, using: &rng), seed: UInt64(i))
        }
        var locations = try arena.append(batch: payloads)
        try arena.sync()
        let live = Array(stride(from: 0, to: payloads.count, by: 2))
        for i in stride(from: 1, to: payloads.count, by: 2) { arena.markDead(locations[i]) }
        #expect(arena.statistics.reduce(0) { $0 + $1.liveBytes } == live.reduce(0) { $0 + Int(locations[$1].length) })

        let result = try arena.collect(live: live.map { locations[$0] }, garbageRatio: 0.4)
        #expect(!result.segments.isEmpty)
        // Old locations stay readable until the segments are retired.
        for i in live { #expect(try Self.check(arena, locations[i], payloads[i])) }
        for i in live { locations[i] = result.relocations[locations[i]] ?? locations[i] }
        for i in live { #expect(try Self.check(arena, locations[i], payloads[i])) }
        arena.setLive(live.map { locations[$0] })
        try arena.retire(segments: result.segments)

        let statistics = arena.statistics
        let fileBytes = statistics.reduce(0) { $0 + $1.fileBytes }
        let liveBytes = live.reduce(0) { $0 + Int(locations[$1].length) }
        #expect(statistics.reduce(0) { $0 + $1.liveBytes } == liveBytes)
        #expect(Double(fileBytes) <= 1.15 * Double(liveBytes), "\(fileBytes) file bytes for \(liveBytes) live")
        let onDisk = try Self.segmentFiles(dir.path).reduce(0) { $0 + FileBytes.read(dir.child($1)).count }
        #expect(onDisk == fileBytes)
        // Nothing left to collect, and nothing unreferenced.
        #expect(try arena.collect(live: live.map { locations[$0] }, garbageRatio: 0.4).segments.isEmpty)
        #expect(try arena.removeUnreferenced(keeping: live.map { locations[$0] }).isEmpty)
        try arena.close()

        let reopened = try BlobArena.open(directory: dir.path, options: options)
        for i in live { #expect(try Self.check(reopened, locations[i], payloads[i])) }
        try reopened.close()
    }

    @Test("segments no location refers to are removed, the active one is kept")
    func removeUnreferenced() throws {
        let dir = TemporaryDirectory()
        let arena = try BlobArena.open(directory: dir.path, options: .init(segmentSize: 8 << 10))
        let payloads = (0..<6).map { Self.random(5000, seed: UInt64($0)) }
        let locations = try arena.append(batch: payloads)
        try arena.close()
        let reopened = try BlobArena.open(directory: dir.path, options: .init(segmentSize: 8 << 10))
        let removed = try reopened.removeUnreferenced(keeping: [locations[2], locations[4]])
        #expect(removed == [locations[0], locations[1], locations[3]].map(\.segment))
        #expect(try Self.segmentFiles(dir.path).count == 3)
        #expect(try Self.check(reopened, locations[2], payloads[2]) && (try Self.check(reopened, locations[5], payloads[5])))
        try reopened.close()

        // An older segment left empty by a crash during its creation (never synced) goes on open.
        FileBytes.write(dir.child(StoreFileNames.blobSegment(locations[2].segment)), [])
        let cleaned = try BlobArena.open(directory: dir.path, options: .init(segmentSize: 8 << 10))
        #expect(try Self.segmentFiles(dir.path).count == 2)
        #expect(try Self.check(cleaned, locations[4], payloads[4]))
        try cleaned.close()
    }

    /// What the threads of ``collectWhileReading()`` share.
    final class Shared: Sendable {
        let payloads: [[UInt8]]
        /// Each payload's published location; nil once it is dead.
        let current: Locked<[BlobLocation?]>
        let done = Atomic<Bool>(false)
        let reads = Atomic<Int>(0)
        /// Reads done before the collector finished.
        let readsDuringCollection = Atomic<Int>(0)
        let failures = Locked<[String]>([])

        init(payloads: [[UInt8]], locations: [BlobLocation]) {
            self.payloads = payloads
            self.current = Locked(locations)
        }
    }

    @Test("garbage collection while four threads read payloads: every read returns the right bytes")
    func collectWhileReading() throws {
        let dir = TemporaryDirectory()
        let arena = try BlobArena.open(directory: dir.path, options: .init(segmentSize: 32 << 10))
        let payloads = (0..<300).map { i in i % 2 == 0 ? Self.text(i * 13 % 4000, seed: UInt64(i)) : Self.random(i * 7 % 3000, seed: UInt64(i)) }
        let shared = Shared(payloads: payloads, locations: try arena.append(batch: payloads))
        try arena.sync()

        Threads.run(5) { thread in
            if thread == 0 {
                // The store's part: kill some blobs, collect, publish the new locations, retire.
                defer {
                    shared.readsDuringCollection.store(shared.reads.load(ordering: .relaxed), ordering: .relaxed)
                    shared.done.store(true, ordering: .releasing)
                }
                var rng = SeededGenerator(seed: 42)
                do {
                    for _ in 0..<6 {
                        let live: [BlobLocation] = shared.current.withLock { current in
                            for i in current.indices where current[i] != nil && rng.next() % 4 == 0 { current[i] = nil }
                            return current.compactMap { $0 }
                        }
                        let result = try arena.collect(live: live, garbageRatio: 0.3)
                        shared.current.withLock { current in
                            for i in current.indices { if let old = current[i], let new = result.relocations[old] { current[i] = new } }
                        }
                        try arena.retire(segments: result.segments)
                    }
                } catch {
                    shared.failures.withLock { $0.append("collector: \(error)") }
                }
                return
            }
            var rng = SeededGenerator(seed: UInt64(thread))
            while !shared.done.load(ordering: .acquiring) || shared.reads.load(ordering: .relaxed) < 400 {
                let i = Int(rng.next() % UInt64(payloads.count))
                guard let location = shared.current.withLock({ $0[i] }) else { continue }
                do {
                    let right = try arena.withBlob(location) { Self.same($0, shared.payloads[i]) }
                    if !right { shared.failures.withLock { $0.append("wrong bytes for \(i) at \(location)") } }
                    shared.reads.add(1, ordering: .relaxed)
                } catch {
                    // Retired between looking the location up and reading it: only if it moved.
                    if shared.current.withLock({ $0[i] }) == location {
                        shared.failures.withLock { $0.append("read of \(i) at \(location): \(error)") }
                    }
                }
            }
        }
        #expect(shared.failures.withLock { $0 }.isEmpty, "\(shared.failures.withLock { $0.prefix(5) })")
        #expect(shared.reads.load(ordering: .relaxed) >= 400 && shared.readsDuringCollection.load(ordering: .relaxed) > 0)
        let final = shared.current.withLock { $0 }
        #expect(final.contains { $0 == nil } && final.contains { $0 != nil })
        try arena.close()
        let reopened = try BlobArena.open(directory: dir.path, options: .init(segmentSize: 32 << 10))
        for (i, location) in final.enumerated() {
            if let location { #expect(try Self.check(reopened, location, payloads[i])) }
        }
        try reopened.close()
    }

    // MARK: faults

    @Test("a failed write or sync is a typed error; the arena refuses writes; synced blobs survive a reopen", arguments: [
        FaultyFileIO.Fault.writeError(errno: ENOSPC), .writeError(errno: EIO), .shortWrite, .syncError,
    ])
    func faults(_ fault: FaultyFileIO.Fault) throws {
        let dir = TemporaryDirectory()
        let io = FaultyFileIO()
        let options = BlobArena.Options(segmentSize: 16 << 10)
        let arena = try BlobArena.open(io: io, directory: dir.path, options: options)
        let synced = (0..<5).map { Self.random(3000, seed: UInt64($0)) }
        let locations = try arena.append(batch: synced)
        try arena.sync()
        // The fault hits the next segment's creation, a record, or the sync after it.
        io.arm(fault, at: 1)
        let failed: AeonError? = {
            do {
                _ = try arena.append(batch: (0..<4).map { Self.random(3000, seed: 100 + UInt64($0)) })
                try arena.sync()
                return nil
            } catch let error as AeonError { return error } catch { return nil }
        }()
        #expect(io.fired)
        let expected: AeonError.Code = fault == .writeError(errno: EIO) || fault == .syncError ? .io : .noSpace
        #expect(failed?.code == expected, "\(String(describing: failed))")
        #expect(throws: AeonError.self) { try arena.append([1]) }
        #expect(throws: AeonError.self) { try arena.sync() }
        for (location, payload) in zip(locations, synced) { #expect(try Self.check(arena, location, payload)) }
        try arena.close()

        let reopened = try BlobArena.open(directory: dir.path, options: options)
        for (location, payload) in zip(locations, synced) { #expect(try Self.check(reopened, location, payload)) }
        let more = Self.text(5000, seed: 9)
        let location = try reopened.append(more)
        try reopened.sync()
        #expect(try Self.check(reopened, location, more))
        try reopened.close()
    }

    @Test("a failed write during collection is a typed error; the old locations stay readable")
    func faultDuringCollect() throws {
        let dir = TemporaryDirectory()
        let io = FaultyFileIO()
        let options = BlobArena.Options(segmentSize: 16 << 10)
        let arena = try BlobArena.open(io: io, directory: dir.path, options: options)
        let payloads = (0..<20).map { Self.random(2000, seed: UInt64($0)) }
        let locations = try arena.append(batch: payloads)
        try arena.sync()
        io.arm(.writeError(errno: ENOSPC), at: 2)
        let live = stride(from: 0, to: 20, by: 3).map { locations[$0] }
        #expect(throws: AeonError.self) { try arena.collect(live: live, garbageRatio: 0.3) }
        for (location, payload) in zip(locations, payloads) { #expect(try Self.check(arena, location, payload)) }
        try arena.close()
        let reopened = try BlobArena.open(directory: dir.path, options: options)
        for (location, payload) in zip(locations, payloads) { #expect(try Self.check(reopened, location, payload)) }
        let result = try reopened.collect(live: live, garbageRatio: 0.3)
        for location in live { #expect(result.relocations[location] != nil) }
        try reopened.close()
    }
}
