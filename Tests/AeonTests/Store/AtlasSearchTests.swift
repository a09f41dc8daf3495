import Testing
@testable import Aeon
import AeonTestSupport

@Suite("Atlas search")
struct AtlasSearchTests {
    static let data = ClusteredData(count: 6000, queries: 60, dimension: 48, clusters: 40, seed: 11)

    func openStore(_ dir: TemporaryDirectory, metric: Metric, build: BuildParameters = .default) throws -> AeonStore {
        try AeonStore.open(at: dir.child("store"), options: StoreOptions(dimension: 48, metric: metric, build: build))
    }

    @Test("recall@10 against brute force is at least 0.9 at the defaults", arguments: Metric.allCases)
    func recallAtDefaults(metric: Metric) throws {
        let dir = TemporaryDirectory()
        let store = try openStore(dir, metric: metric)
        try store.build(Self.data.records)
        #expect(store.count == 6000)
        let recall = try Self.data.recall(k: 10, metric: metric) { try store.search($0, k: 10) }
        #expect(recall >= 0.9, "recall@10 \(recall) under \(metric)")
        // Scores are exact (rescored) and sorted best first.
        for query in Self.data.queries.prefix(10) {
            let hits = try store.search(query, k: 10)
            #expect(hits.count == 10)
            #expect(zip(hits, hits.dropFirst()).allSatisfy { $0.score >= $1.score })
            let exact = Self.data.exact(query, k: 1, metric: metric)[0]
            if hits[0].id == exact.id { #expect(abs(hits[0].score - exact.score) <= 1e-3 * max(1, abs(exact.score))) }
        }
        try store.close()
    }

    @Test("batch search gives the same answers as one query at a time")
    func batchMatchesSingle() throws {
        let dir = TemporaryDirectory()
        let store = try openStore(dir, metric: .cosine)
        try store.build(Self.data.records)
        let batch = try store.search(batch: Self.data.queries, k: 5)
        for (query, hits) in zip(Self.data.queries, batch) { #expect(try store.search(query, k: 5) == hits) }
    }

    @Test("a reopened store answers identically and returns records byte for byte")
    func reopen() throws {
        let dir = TemporaryDirectory()
        var store = try openStore(dir, metric: .l2)
        try store.build(Self.data.records)
        let before = try Self.data.queries.map { try store.search($0, k: 10) }
        try store.close()
        store = try AeonStore.open(at: dir.child("store"))
        #expect(store.dimension == 48 && store.metric == .l2 && store.count == 6000)
        let after = try Self.data.queries.map { try store.search($0, k: 10) }
        #expect(before == after)
        for row in [0, 1, 2999, 5999] {
            let record = try #require(try store.get(id: ClusteredData.id(ofRow: row)))
            #expect(record.vector == Self.data.vectors[row])
            #expect(record.payload == Array("memory \(row)".utf8))
        }
        #expect(try store.get(id: 3) == nil)
    }

    @Test("vectors stored in several postings come back once")
    func replicasAreDeduplicated() throws {
        let dir = TemporaryDirectory()
        let store = try openStore(dir, metric: .cosine, build: BuildParameters(postingSizeLimit: 32, maxReplicas: 8, replicaEpsilon: 10, replicaGrowth: 8))
        try store.build(Self.data.records)
        let stats = try store.statistics
        #expect(stats.replicationFactor > 2, "replication \(stats.replicationFactor)")
        for query in Self.data.queries {
            let hits = try store.search(query, k: 50, parameters: SearchParameters(nprobe: 64, epsilon: .infinity, oversample: 4))
            #expect(Set(hits.map(\.id)).count == hits.count)
            #expect(hits.count == 50)
        }
    }

    @Test("k = 0, k ≥ count, and an empty store have defined answers")
    func edgeCases() throws {
        let dir = TemporaryDirectory()
        let store = try openStore(dir, metric: .innerProduct)
        #expect(try store.search(Self.data.queries[0], k: 10).isEmpty, "empty store")
        let small = Array(Self.data.records.prefix(25))
        try store.build(small)
        #expect(try store.search(Self.data.queries[0], k: 0).isEmpty)
        let all = try store.search(Self.data.queries[0], k: 100)
        #expect(all.count == 25)
        #expect(Set(all.map(\.id)) == Set(small.map(\.id)))
        #expect(zip(all, all.dropFirst()).allSatisfy { $0.score >= $1.score })
        #expect(throws: AeonError.self) { _ = try store.search(Self.data.queries[0], k: -1) }
        try store.build([])
        #expect(store.count == 0)
        #expect(try store.search(Self.data.queries[0], k: 10).isEmpty)
    }
}
