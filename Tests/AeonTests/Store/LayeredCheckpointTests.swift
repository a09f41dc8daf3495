import Testing
@testable import Aeon
import AeonTestSupport

@Suite("layered checkpoints")
struct LayeredCheckpointTests {
    static let data = ClusteredData(count: 3000, queries: 20, dimension: 64, clusters: 12, seed: 77)

    func open(_ dir: TemporaryDirectory, readOnly: Bool = false) throws -> AeonStore {
        try AeonStore.open(
            at: dir.child("s"), options: StoreOptions(dimension: 64, metric: .l2, readOnly: readOnly, checkpointThreshold: 0))
    }

    /// Bytes of generation `generation`'s two files.
    func bytes(_ dir: TemporaryDirectory, _ generation: UInt64) -> Int {
        FileBytes.read(dir.child("s/" + StoreFileNames.postings(generation))).count
            + FileBytes.read(dir.child("s/" + StoreFileNames.records(generation))).count
    }

    /// Every record of `model` is in `store` exactly, nothing else is, and each finds itself.
    func check(_ store: AeonStore, _ model: [UInt64: Record], _ when: String) throws {
        #expect(store.count == model.count, "\(when)")
        for (id, record) in model { #expect(try store.get(id: id) == record, "\(when): id \(id)") }
        for row in stride(from: 0, to: Self.data.records.count, by: 97) {
            let id = ClusteredData.id(ofRow: row)
            if model[id] == nil { #expect(try store.get(id: id) == nil, "\(when): deleted id \(id) came back") }
        }
        let all = try store.search(Self.data.queries[0], k: model.count + 10)
        #expect(Set(all.map(\.id)) == Set(model.keys), "\(when)")
        for record in model.values.prefix(40) {
            let hit = try store.search(record.vector, k: 1).first
            #expect(hit?.id == record.id || hit?.score == 0, "\(when): id \(record.id) does not find itself")
        }
        #expect(try store.verify().isEmpty, "\(when)")
    }

    @Test("a checkpoint after a few writes adds a small layer; the layers read as one index, reopened and read-only too")
    func smallLayer() throws {
        let dir = TemporaryDirectory()
        var store = try open(dir)
        var model: [UInt64: Record] = [:]
        for record in Self.data.records.prefix(2500) { model[record.id] = record }
        try store.build(Array(Self.data.records.prefix(2500)))
        let base = try #require(try store.currentIndex())
        #expect(base.layers.count == 1)

        // New records, replacements (one twice), deletions.
        try store.upsert(Array(Self.data.records[2500..<2550]))
        for record in Self.data.records[2500..<2550] { model[record.id] = record }
        for row in [3, 40, 41, 41] {
            let record = Record(id: ClusteredData.id(ofRow: row), vector: Self.data.vectors[2900 + row], text: "again \(row)")
            try store.upsert(record)
            model[record.id] = record
        }
        for row in [5, 6, 2510, 2511] {
            try store.delete(id: ClusteredData.id(ofRow: row))
            model[ClusteredData.id(ofRow: row)] = nil
        }
        try store.checkpoint()
        let layered = try #require(try store.currentIndex())
        #expect(layered.layers.count == 2 && layered.layerGenerations.first == base.generation)
        // Rows 3, 40, 41 replaced, 41's first replacement replaced, 5 and 6 deleted, 2510 and 2511 appended then deleted.
        #expect(layered.deletedCount == 8)
        // Only what changed is written: the new rows, and the postings that took entries.
        #expect(layered.recordsHeader.rowCount == 54 && layered.recordsHeader.firstRow == 2500)
        let records = { (g: UInt64) in FileBytes.read(dir.child("s/" + StoreFileNames.records(g))).count }
        #expect(records(layered.generation) * 10 < records(base.generation))
        // Heads stay in the base; postings that took entries got tails in the new layer.
        let entries = try (0..<layered.postingCount).map { try layered.directoryEntry($0) }
        #expect(entries.allSatisfy { $0.layer == 0 })
        // No posting split or merged, so no centroid moved: the section stays in the base.
        #expect(layered.postingsHeader.centroidLayer == 0 && layered.postingCount == base.postingCount)
        #expect(entries.contains { $0.tailCount > 0 && $0.tailLayer == 1 } && entries.contains { $0.tailCount == 0 })
        let full = bytes(dir, base.generation), delta = bytes(dir, layered.generation)
        #expect(delta < full / 2, "delta layer \(delta) B vs full \(full) B")
        try check(store, model, "layered")
        try store.close()
        store = try open(dir)
        try check(store, model, "reopened")
        #expect(try store.currentIndex()?.layers.count == 2)
        try check(try open(dir, readOnly: true), model, "read-only")

        // Writes over the layered generation, then another layer on top.
        let more = Array(Self.data.records[2550..<2600])
        try store.upsert(more)
        for record in more { model[record.id] = record }
        try store.delete(id: ClusteredData.id(ofRow: 2501))
        model[ClusteredData.id(ofRow: 2501)] = nil
        try check(store, model, "pending over a layer")
        try store.checkpoint()
        #expect(try store.currentIndex()?.layers.count == 3)
        try check(store, model, "two layers")
    }

    @Test("layers fold into one full generation: past the stack limit, at a quarter deleted, and by garbage collection")
    func folding() throws {
        let dir = TemporaryDirectory()
        let store = try open(dir)
        var model: [UInt64: Record] = [:]
        for record in Self.data.records.prefix(2000) { model[record.id] = record }
        try store.build(Array(Self.data.records.prefix(2000)))
        var next = 2000
        var most = 0
        for round in 0..<(AeonStore.maximumLayers + 2) {
            let batch = Array(Self.data.records[next..<(next + 10)])
            next += 10
            try store.upsert(batch)
            for record in batch { model[record.id] = record }
            let victim = ClusteredData.id(ofRow: round * 11)
            try store.delete(id: victim)
            model[victim] = nil
            try store.checkpoint()
            let layers = try #require(try store.currentIndex()).layers.count
            most = max(most, layers)
            #expect(layers <= AeonStore.maximumLayers)
            try check(store, model, "round \(round)")
        }
        #expect(most == AeonStore.maximumLayers)
        // Only the stack's files are on disk.
        let index = try #require(try store.currentIndex())
        let names = Set(try SystemFileIO().list(dir.child("s")).filter { $0.hasPrefix("atlas-") })
        #expect(names == Set(index.layerGenerations.flatMap { [StoreFileNames.postings($0), StoreFileNames.records($0)] }))

        // A quarter deleted: the checkpoint rewrites everything without them.
        for row in 100..<800 {
            try store.delete(id: ClusteredData.id(ofRow: row))
            model[ClusteredData.id(ofRow: row)] = nil
        }
        try store.checkpoint()
        let folded = try #require(try store.currentIndex())
        #expect(folded.layers.count == 1 && folded.deletedCount == 0 && folded.rowCount == model.count)
        try check(store, model, "folded")

        // Garbage collection publishes relocated payloads by a fold.
        try store.upsert(Array(Self.data.records[2600..<2650]))
        for record in Self.data.records[2600..<2650] { model[record.id] = record }
        try store.checkpoint()
        #expect(try store.currentIndex()?.layers.count == 2)
        try store.collectGarbage(garbageRatio: 0)
        #expect(try store.currentIndex()?.layers.count == 1)
        try check(store, model, "collected")
    }

    @Test("a damaged or missing lower layer is a typed corrupt or not-found error")
    func damagedLayer() throws {
        let dir = TemporaryDirectory()
        var store = try open(dir)
        try store.build(Array(Self.data.records.prefix(2000)))
        let base = try #require(try store.currentIndex()).generation
        try store.upsert(Array(Self.data.records[2000..<2100]))
        try store.checkpoint()
        let top = try #require(try store.currentIndex()).generation
        try store.close()

        // A flipped byte in a posting page of the top layer: verify names the file.
        let path = dir.child("s/" + StoreFileNames.postings(top))
        var bytes = FileBytes.read(path)
        bytes[bytes.count - 4096 - 100] ^= 0x40
        FileBytes.write(path, bytes)
        store = try open(dir)
        let problems = try store.verify()
        #expect(!problems.isEmpty && problems.allSatisfy { $0.code == .corrupt })
        #expect(problems.contains { $0.path == path })
        try store.close()

        // The base layer gone: opening fails with a typed error rather than serving half an index.
        let basePath = dir.child("s/" + StoreFileNames.records(base))
        FileBytes.write(basePath + ".moved", FileBytes.read(basePath))
        try SystemFileIO().remove(basePath)
        #expect {
            _ = try open(dir)
        } throws: { error in
            guard let error = error as? AeonError else { return false }
            return error.code == .notFound || error.code == .corrupt
        }
    }
}
