import Testing
@testable import Aeon
import AeonTestSupport

@Suite("AeonStore")
struct AeonStoreTests {
    static let data = ClusteredData(count: 800, queries: 5, dimension: 16, clusters: 8, seed: 12)

    @Test("bad vectors are typed errors and change nothing")
    func validation() throws {
        let dir = TemporaryDirectory()
        let store = try AeonStore.open(at: dir.child("s"), options: StoreOptions(dimension: 16, metric: .cosine))
        try store.build(Self.data.records)
        var records = Self.data.records
        records[3].vector = [1, 2, 3]
        #expect(errorCode { try store.build(records) } == .dimensionMismatch)
        records = Self.data.records
        records[5].vector[2] = .nan
        #expect(errorCode { try store.build(records) } == .invalidVector)
        records = Self.data.records
        records[7].vector[0] = .infinity
        #expect(errorCode { try store.build(records) } == .invalidVector)
        records = Self.data.records
        records[9].vector = [Float](repeating: 0, count: 16)
        #expect(errorCode { try store.build(records) } == .invalidVector, "a zero vector has no cosine direction")
        records = Self.data.records
        records[11].id = records[10].id
        #expect(errorCode { try store.build(records) } == .invalidArgument)
        // Still the original contents.
        #expect(store.count == 800)
        #expect(try store.search(Self.data.queries[0], k: 3).count == 3)
        #expect(errorCode { _ = try store.search([1, 2], k: 3) } == .dimensionMismatch)
        #expect(errorCode { _ = try store.search([Float](repeating: .nan, count: 16), k: 3) } == .invalidVector)
        #expect(errorCode { _ = try store.search([Float](repeating: 0, count: 16), k: 3) } == .invalidVector)
        #expect(errorCode { _ = try store.search(Self.data.queries[0], k: 3, parameters: SearchParameters(nprobe: 0)) } == .invalidArgument)
        #expect(errorCode { _ = try store.search(Self.data.queries[0], k: 3, parameters: SearchParameters(oversample: .max)) } == .invalidArgument)
        #expect(errorCode { _ = try store.search(Self.data.queries[0], k: 3, parameters: SearchParameters(epsilon: .nan)) } == .invalidArgument)
        #expect(errorCode { _ = try store.search(Self.data.queries[0], k: 3, parameters: SearchParameters(groupProbes: -1)) } == .invalidArgument)
        // Extreme but valid knobs are answered, not trapped on.
        #expect(try store.search(Self.data.queries[0], k: .max).count == 800)
        #expect(try store.search(Self.data.queries[0], k: 5, parameters: SearchParameters(nprobe: .max, epsilon: .infinity, groupProbes: .max)).count == 5)
    }

    @Test("out-of-range build knobs are typed errors, not traps")
    func buildKnobs() throws {
        let dir = TemporaryDirectory()
        for build in [
            BuildParameters(replicaGrowth: 1e30), BuildParameters(postingSizeLimit: 1), BuildParameters(replicaEpsilon: .nan),
            BuildParameters(maxReplicas: 9), BuildParameters(iterations: 0),
        ] {
            // Writes maintain the index with these knobs, so opening checks them.
            #expect(errorCode { _ = try AeonStore.open(at: dir.child("s"), options: StoreOptions(dimension: 16, build: build)) } == .invalidArgument)
        }
    }

    @Test("reopening with another dimension or metric is a typed error")
    func mismatchedOptions() throws {
        let dir = TemporaryDirectory()
        let store = try AeonStore.open(at: dir.child("s"), options: StoreOptions(dimension: 16, metric: .l2))
        try store.close()
        #expect(errorCode { _ = try AeonStore.open(at: dir.child("s"), options: StoreOptions(dimension: 17)) } == .dimensionMismatch)
        #expect(errorCode { _ = try AeonStore.open(at: dir.child("s"), options: StoreOptions(metric: .cosine)) } == .invalidArgument)
        #expect(try AeonStore.open(at: dir.child("s"), options: StoreOptions(dimension: 16, metric: .l2)).metric == .l2)
    }

    @Test("a second writer is refused with 'locked'; a reader is not")
    func writerLock() throws {
        let dir = TemporaryDirectory()
        let first = try AeonStore.open(at: dir.child("s"), options: StoreOptions(dimension: 16))
        try first.build(Self.data.records)
        #expect(errorCode { _ = try AeonStore.open(at: dir.child("s")) } == .locked)
        let reader = try AeonStore.open(at: dir.child("s"), options: StoreOptions(readOnly: true))
        #expect(reader.count == 800)
        #expect(errorCode { try reader.build([]) } == .readOnly)
        #expect(errorCode { try reader.delete(id: 1) } == .readOnly)
        #expect(errorCode { try reader.checkpoint() } == .readOnly)
        try first.close()
        let second = try AeonStore.open(at: dir.child("s"))
        #expect(second.count == 800)
    }

    @Test("missing stores, files and foreign directories are clear errors")
    func notAStore() throws {
        let dir = TemporaryDirectory()
        #expect(errorCode { _ = try AeonStore.open(at: dir.child("nope"), options: StoreOptions(readOnly: true)) } == .notFound)
        #expect(errorCode { _ = try AeonStore.open(at: dir.child("nope"), options: StoreOptions(createIfMissing: false)) } == .notFound)
        #expect(errorCode { _ = try AeonStore.open(at: dir.child("new")) } == .invalidArgument, "creating needs a dimension")
        FileBytes.write(dir.child("file"), [1, 2, 3])
        #expect(errorCode { _ = try AeonStore.open(at: dir.child("file"), options: StoreOptions(dimension: 4)) } == .invalidArgument, "a file, not a directory")
        #expect(errorCode { _ = try AeonStore.open(at: dir.path, options: StoreOptions(dimension: 4)) } == .invalidArgument, "a directory holding other files")
    }

    @Test("closing releases the store; later calls throw")
    func closing() throws {
        let dir = TemporaryDirectory()
        let store = try AeonStore.open(at: dir.child("s"), options: StoreOptions(dimension: 16))
        try store.build(Self.data.records)
        try store.close()
        try store.close()
        #expect(errorCode { _ = try store.search(Self.data.queries[0], k: 1) } == .closed)
        #expect(errorCode { _ = try store.get(id: 1) } == .closed)
        #expect(errorCode { try store.delete(id: 1) } == .closed)
        #expect(errorCode { try store.checkpoint() } == .closed)
    }
}
