import Dispatch
import Synchronization
import Testing
@testable import Aeon
import AeonTestSupport

/// The index maintained online: inserts into postings, splits, deletes, merges, and the
/// checkpoint that writes it out.
@Suite("online index maintenance")
struct LiveIndexTests {
    static let data = ClusteredData(count: 4000, queries: 40, dimension: 16, clusters: 24, seed: 77)

    func open(_ dir: TemporaryDirectory, _ name: String = "s") throws -> AeonStore {
        // Small postings, so a few thousand writes split and merge plenty.
        try AeonStore.open(
            at: dir.child(name),
            options: StoreOptions(dimension: 16, metric: .l2, build: BuildParameters(postingSizeLimit: 16), checkpointThreshold: 0))
    }

    /// Recall@10 of `store` over the queries against the exact top 10 of `live` (id → vector).
    func recall(_ store: AeonStore, live: [UInt64: [Float]], parameters: SearchParameters? = nil) throws -> Double {
        var total = 0.0
        for query in Self.data.queries {
            var scored: [(id: UInt64, d: Double)] = []
            for (id, vector) in live { scored.append((id, Double(Reference.squaredL2(query, vector)))) }
            scored.sort { $0.d < $1.d || ($0.d == $1.d && $0.id < $1.id) }
            let truth = Set(scored.prefix(10).map(\.id))
            let found = try store.search(query, k: 10, parameters: parameters).map(\.id)
            total += Double(found.filter { truth.contains($0) }.count) / 10
        }
        return total / Double(Self.data.queries.count)
    }

    /// Builds half, inserts the other half online and deletes a quarter of all; returns the
    /// live set.
    func churn(_ store: AeonStore, build: Bool = true) throws -> [UInt64: [Float]] {
        let records = Self.data.records
        var live: [UInt64: [Float]] = [:]
        let half = records.count / 2
        if build {
            try store.build(Array(records[..<half]))
            for r in records[..<half] { live[r.id] = r.vector }
        }
        for start in stride(from: build ? half : 0, to: records.count, by: 100) {
            let batch = Array(records[start..<min(records.count, start + 100)])
            try store.upsert(batch, durability: .none)
            for r in batch { live[r.id] = r.vector }
        }
        var rng = SeededGenerator(seed: 5)
        for r in records where Double.random(in: 0..<1, using: &rng) < 0.25 {
            try store.delete(id: r.id, durability: .none)
            live[r.id] = nil
        }
        return live
    }

    @Test("online inserts go into postings that split, and recall stays that of a fresh build")
    func insertsAndSplits() throws {
        let dir = TemporaryDirectory()
        let store = try open(dir)
        let live = try churn(store)
        let stats = try store.statistics
        #expect(stats.splits > 0, "inserting as many as were built must split postings")
        #expect(stats.postings == (try #require(try store.currentIndex())).postingCount + stats.splits - stats.merges)
        #expect(store.count == live.count)
        let churned = try recall(store, live: live)

        let fresh = try open(dir, "fresh")
        try fresh.build(Self.data.records.filter { live[$0.id] != nil })
        let rebuilt = try recall(fresh, live: live)
        #expect(churned >= rebuilt - 0.03, "churned \(churned) vs fresh \(rebuilt)")
        #expect(churned >= 0.9)

        // Every inserted record finds itself; no deleted one is ever returned.
        for r in Self.data.records[2000..<4000] where live[r.id] != nil {
            if r.id % 10 == 0 { #expect(try store.search(r.vector, k: 1).first?.id == r.id) }
        }
        for query in Self.data.queries {
            for hit in try store.search(query, k: 50) { #expect(live[hit.id] != nil) }
        }
        let all = try store.search(Self.data.queries[0], k: 10_000)
        #expect(Set(all.map(\.id)) == Set(live.keys))
    }

    @Test("splits planned off the lock apply over entries appended and rows deleted meanwhile, and lose no row")
    func deferredSplits() throws {
        let kernels = try Kernels.fromEnvironment()
        let index = try LiveIndex(atlas: nil, dimension: 16, metric: .l2, kernels: kernels, parameters: BuildParameters(postingSizeLimit: 8))
        index.deferSplits = true
        let router = CentroidRouter(kernels: kernels, geometry: .l2)
        let codes = ScratchBuffer<Int8>()
        var live = Set<UInt64>()
        var applied = 0, dropped = 0
        let records = Self.data.records.prefix(1500)
        for (n, record) in records.enumerated() {
            try record.vector.withUnsafeBufferPointer { (v) throws(AeonError) in try index.upsert(id: record.id, vector: v.baseAddress!) }
            index.retireReplacedRows()
            live.insert(record.id)
            guard n % 5 == 4 else { continue }
            // Plan on the view as it is now, then write more before applying: appends to the
            // posting being split, deletes of rows it holds, and other splits' requests.
            let plans = try index.takeSplitRequests().compactMap { request in
                try index.view.planSplit(
                    slot: request.slot, centroid: request.centroid, splitLimit: index.splitLimit, iterations: 8, seed: UInt64(n),
                    kernels: kernels, router: router, codes: codes)
            }
            for extra in Self.data.records[(1500 + 3 * n / 5)..<(1503 + 3 * n / 5)] {
                try extra.vector.withUnsafeBufferPointer { (v) throws(AeonError) in try index.upsert(id: extra.id, vector: v.baseAddress!) }
                index.retireReplacedRows()
                live.insert(extra.id)
            }
            for victim in records.prefix(n).shuffled().prefix(3) where live.contains(victim.id) {
                try index.delete(id: victim.id)
                live.remove(victim.id)
            }
            for plan in plans {
                if try index.applySplit(plan) { applied += 1 } else { dropped += 1 }
            }
            // A plan whose posting has been replaced since (here: by its own split) is refused.
            if let first = plans.first { #expect(try !index.applySplit(first)) }
            // Every live row is in some posting; no posting grows past twice the limit and a bit.
            let view = index.view
            var reached = Set<UInt64>()
            for posting in view.postings.compactMap({ $0 }) {
                #expect(posting.totalCount <= 2 * index.splitLimit + index.splitLimit / 2 + 64)
                for i in 0..<posting.count where !view.rows.isDeleted(Int(posting.rows[i])) { reached.insert(try view.id(row: Int(posting.rows[i]))) }
            }
            #expect(reached == live, "after \(n + 1) inserts: \(live.subtracting(reached).count) rows in no posting")
        }
        #expect(applied > 10 && index.splits >= applied, "applied \(applied), dropped \(dropped), splits \(index.splits)")

        // Splits planned on older views still leave rows where they belong: nearly every live
        // row is in one of the three postings whose centroids are nearest to it.
        let view = index.view
        var slots: [UInt64: Set<Int>] = [:]
        for (slot, posting) in view.postings.enumerated() {
            guard let posting else { continue }
            try view.forEachBasePart(of: posting) { (base) throws(AeonError) in
                for i in 0..<base.count where !view.rows.isDeleted(Int(base.rows[i])) {
                    slots[try view.id(row: Int(base.rows[i])), default: []].insert(slot)
                }
            }
            for i in 0..<posting.count where !view.rows.isDeleted(Int(posting.rows[i])) {
                slots[try view.id(row: Int(posting.rows[i])), default: []].insert(slot)
            }
        }
        let vectors = Dictionary(Self.data.records.map { ($0.id, $0.vector) }, uniquingKeysWith: { a, _ in a })
        let occupied = view.postings.indices.filter { view.postings[$0] != nil }
        var near = 0
        for id in live {
            let vector = try #require(vectors[id])
            let nearest = occupied.map { slot in
                (slot, Reference.squaredL2(vector, Array(UnsafeBufferPointer(start: index.centroid(Int32(slot)), count: 16))))
            }.sorted { $0.1 < $1.1 }.prefix(3).map(\.0)
            if !(slots[id] ?? []).isDisjoint(with: nearest) { near += 1 }
        }
        #expect(Double(near) >= 0.97 * Double(live.count), "\(near) of \(live.count) rows in one of their three nearest postings")
    }

    @Test("a checkpoint writes the online index out, and it reopens the same")
    func checkpointKeepsEverything() throws {
        let dir = TemporaryDirectory()
        var store = try open(dir)
        let live = try churn(store)
        let before = try recall(store, live: live)
        let postings = try store.statistics.postings
        try store.checkpoint()
        let stats = try store.statistics
        #expect(stats.pendingWrites == 0 && stats.records == live.count && stats.indexedRecords == live.count)
        #expect(stats.postings <= postings && stats.postings >= postings - postings / 4, "no re-clustering: \(stats.postings) of \(postings)")
        #expect(try store.verify().isEmpty)
        let after = try recall(store, live: live)
        #expect(abs(after - before) <= 0.03, "before \(before), after \(after)")
        for (id, vector) in live.prefix(200) { #expect(try store.get(id: id)?.vector == vector) }
        try store.close()
        store = try open(dir)
        #expect(store.count == live.count)
        #expect(try recall(store, live: live) == after)
        // Writes after the checkpoint go online again.
        try store.delete(id: live.keys.first!)
        #expect(store.count == live.count - 1)
    }

    @Test("deleting most records merges postings away, and search sees only the rest")
    func deletesMerge() throws {
        let dir = TemporaryDirectory()
        let store = try open(dir)
        let records = Array(Self.data.records.prefix(2000))
        try store.build(records)
        var live = Dictionary(uniqueKeysWithValues: records.map { ($0.id, $0.vector) })
        for r in records.dropFirst(200) {
            try store.delete(id: r.id, durability: .none)
            live[r.id] = nil
        }
        let stats = try store.statistics
        #expect(stats.merges > 0)
        #expect(stats.postings == (try #require(try store.currentIndex())).postingCount - stats.merges)
        #expect(store.count == 200)
        // Merged postings are recentred and their vectors re-placed by the RNG rule: search
        // finds the survivors as well as in a fresh build of them.
        let merged = try recall(store, live: live)
        let freshStore = try open(dir, "fresh")
        try freshStore.build(records.filter { live[$0.id] != nil })
        let fresh = try recall(freshStore, live: live)
        #expect(merged >= fresh - 0.03, "recall \(merged) vs \(fresh) fresh; \(stats.postings) postings, \(stats.merges) merges")
        let all = try store.search(Self.data.queries[1], k: 5000)
        #expect(Set(all.map(\.id)) == Set(live.keys))
        try store.checkpoint()
        #expect(try store.verify().isEmpty && store.count == 200)
        #expect(Set(try store.search(Self.data.queries[1], k: 5000).map(\.id)) == Set(live.keys))
    }

    @Test("a store grown from nothing by writes alone is searchable")
    func growFromEmpty() throws {
        let dir = TemporaryDirectory()
        let store = try open(dir)
        let live = try churn(store, build: false)
        #expect(try store.statistics.splits > 10)
        #expect(try recall(store, live: live) >= 0.9)
        try store.checkpoint()
        #expect(try store.verify().isEmpty)
        #expect(try recall(store, live: live) >= 0.9)
    }

    @Test("background splits race checkpoints and close, and lose nothing", .timeLimit(.minutes(2)))
    func splitsRaceCheckpointsAndClose() throws {
        let dir = TemporaryDirectory()
        let records = Self.data.records
        var live: [UInt64: [Float]] = [:]
        for round in 0..<3 {
            let store = try open(dir)
            let failures = Locked<[String]>([])
            let done = Atomic<Bool>(false)
            let slice = Array(records[(round * 1300)..<(round * 1300 + 1300)])
            Threads.run(2) { worker in
                do {
                    if worker == 0 {
                        // Batches that fill postings past their limit: splits queue behind them.
                        defer { done.store(true, ordering: .releasing) }
                        for start in stride(from: 0, to: slice.count, by: 100) {
                            try store.upsert(Array(slice[start..<(start + 100)]), durability: .none)
                        }
                    } else {
                        while !done.load(ordering: .acquiring) { try store.checkpoint() }
                    }
                } catch {
                    failures.withLock { $0.append("worker \(worker): \(error)") }
                }
            }
            for r in slice { live[r.id] = r.vector }
            // A few deletes, then close at once: splits may still be queued or under way.
            for r in slice.prefix(40) {
                try store.delete(id: r.id, durability: .none)
                live[r.id] = nil
            }
            try store.close()
            #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0 })")
        }
        let store = try open(dir)
        #expect(store.count == live.count)
        #expect(try store.verify().isEmpty)
        let exhaustive = SearchParameters(nprobe: 1_000_000, epsilon: .infinity)
        for (id, vector) in live where id % 7 == 0 {
            #expect(try store.get(id: id)?.vector == vector)
            #expect(try store.search(vector, k: 1, parameters: exhaustive).first?.id == id)
        }
        #expect(Set(try store.search(Self.data.queries[0], k: 10_000, parameters: exhaustive).map(\.id)) == Set(live.keys))
        #expect(try recall(store, live: live) >= 0.9)
        try store.close()
    }

    @Test("searches run while a writer inserts, splits and deletes")
    func concurrentReaders() throws {
        let dir = TemporaryDirectory()
        let store = try open(dir)
        let records = Self.data.records
        try store.build(Array(records.prefix(1000)))
        let stop = Atomic<Bool>(false)
        let failures = Locked<[String]>([])
        let known = Set(records.map(\.id))
        Threads.run(3) { worker in
            if worker == 0 {
                defer { stop.store(true, ordering: .releasing) }
                do {
                    for start in stride(from: 1000, to: records.count, by: 50) {
                        try store.upsert(Array(records[start..<(start + 50)]), durability: .none)
                        try store.delete(id: records[start - 900].id, durability: .none)
                    }
                } catch {
                    failures.withLock { $0.append("writer: \(error)") }
                }
                return
            }
            var i = worker
            while !stop.load(ordering: .acquiring) {
                do {
                    let hits = try store.search(Self.data.queries[i % Self.data.queries.count], k: 10)
                    let ids = hits.map(\.id)
                    if hits.count != 10 || Set(ids).count != 10 || !ids.allSatisfy(known.contains)
                        || zip(hits, hits.dropFirst()).contains(where: { $0.score < $1.score })
                    {
                        failures.withLock { $0.append("bad result \(ids)") }
                    }
                } catch {
                    failures.withLock { $0.append("reader: \(error)") }
                }
                i += 2
            }
        }
        #expect(failures.withLock { $0 }.isEmpty)
        #expect(try store.statistics.splits > 0)
        #expect(store.count == records.count - (records.count - 1000) / 50)
    }

    @Test("after merges empty whole routing groups, new records there are still placed and found")
    func emptiedRegion() throws {
        let dir = TemporaryDirectory()
        var store = try open(dir)
        let records = Array(Self.data.records.prefix(2000))
        try store.build(records)
        // Delete the 80 % of records nearest one point: the postings (and routing groups) there
        // all merge away.
        let centre = Self.data.queries[0]
        let byDistance = records.sorted { Reference.squaredL2($0.vector, centre) < Reference.squaredL2($1.vector, centre) }
        for r in byDistance.prefix(1600) { try store.delete(id: r.id, durability: .none) }
        #expect(try store.statistics.merges > 0)
        var fresh: [Record] = []
        for i in 0..<20 {
            var vector = centre
            for d in vector.indices { vector[d] += Float((d * 7 + i) % 5) * 0.01 + Float(i) * 0.05 * Float(d % 2) }
            fresh.append(Record(id: 900_000 + UInt64(i), vector: vector))
        }
        try store.upsert(fresh, durability: .none)
        // Near-duplicates: int8 scores cannot order them, so look in the top 10 (exactly rescored).
        for r in fresh { #expect(try store.search(r.vector, k: 10).contains { $0.id == r.id && $0.score == 0 }, "\(r.id)") }
        try store.checkpoint()
        #expect(try store.verify().isEmpty)
        try store.close()
        store = try open(dir)
        for r in fresh { #expect(try store.search(r.vector, k: 10).contains { $0.id == r.id && $0.score == 0 }, "\(r.id)") }
    }

    @Test("rewriting the same ids over and over still checkpoints: the threshold counts writes, not ids")
    func repeatedUpserts() throws {
        let dir = TemporaryDirectory()
        let store = try AeonStore.open(at: dir.child("s"), options: StoreOptions(dimension: 16, metric: .l2, checkpointThreshold: 100))
        for i in 0..<450 {
            try store.upsert(Record(id: UInt64(i % 3), vector: Self.data.vectors[i]), durability: .none)
        }
        let stats = try store.statistics
        #expect(stats.generation >= 4, "generation \(stats.generation)")
        #expect(stats.lastLSN - stats.checkpointLSN < 100)
        let last = (0..<450).last { $0 % 3 == 2 }!
        #expect(try store.get(id: 2)?.vector == Self.data.vectors[last])
    }
}
