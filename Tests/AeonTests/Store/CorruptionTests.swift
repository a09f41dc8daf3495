import Testing
@testable import Aeon
import AeonTestSupport

/// A flipped byte anywhere in a store is found (a typed `corrupt` error, on open or on the
/// first read of the damaged page), never a crash and never a wrong answer.
@Suite("corruption")
struct CorruptionTests {
    static let data = ClusteredData(count: 1500, queries: 3, dimension: 24, clusters: 12, seed: 13)

    /// Builds a store and returns its directory and the names of its files.
    func makeStore() throws -> (TemporaryDirectory, String, [String]) {
        let dir = TemporaryDirectory()
        let path = dir.child("s")
        let store = try AeonStore.open(at: path, options: StoreOptions(dimension: 24, metric: .cosine))
        try store.build(Self.data.records)
        try store.close()
        let names = try SystemFileIO().list(path).filter { $0.hasPrefix("atlas-") }.sorted()
        return (dir, path, names)
    }

    enum Outcome: Equatable { case clean, corrupt, otherError(String) }

    /// Opens the store and reads everything: every posting (nprobe = all), every vector and id
    /// (exhaustive search), every id-index entry and payload (get of every id).
    func readEverything(_ path: String) -> Outcome {
        do {
            let store = try AeonStore.open(at: path, options: StoreOptions(readOnly: true))
            let all = SearchParameters(nprobe: 100_000, epsilon: .infinity, oversample: 1)
            _ = try store.search(Self.data.queries[0], k: 10, parameters: all)
            _ = try store.search(Self.data.queries[0], k: store.count)
            for row in 0..<Self.data.vectors.count {
                guard let record = try store.get(id: ClusteredData.id(ofRow: row)),
                    record.payload == Array("memory \(row)".utf8)
                else { return .otherError("record \(row) came back wrong") }
            }
            return .clean
        } catch {
            return error.code == .corrupt ? .corrupt : .otherError("\(error)")
        }
    }

    @Test("an intact store reads clean and verifies clean")
    func intact() throws {
        let (dir, path, _) = try makeStore()
        _ = dir
        #expect(readEverything(path) == .clean)
        #expect(try AeonStore.open(at: path, options: StoreOptions(readOnly: true)).verify().isEmpty)
    }

    @Test("a flipped byte in any page of either index file is detected on open or on read")
    func everyPage() throws {
        let (dir, path, names) = try makeStore()
        _ = dir
        #expect(names.count == 2)
        for name in names {
            let file = path + "/" + name
            let original = FileBytes.read(file)
            let pages = original.count / 4096
            for page in 0..<pages {
                // A byte in the middle of the page, and the page's first byte.
                for offset in [page * 4096 + 2049, page * 4096] {
                    FileBytes.flip(file, at: offset)
                    let outcome = readEverything(path)
                    #expect(outcome == .corrupt, "\(name) page \(page) offset \(offset): \(outcome)")
                    if let store = try? AeonStore.open(at: path, options: StoreOptions(readOnly: true)) {
                        let problems = try store.verify()
                        #expect(problems.contains { $0.offset == UInt64(page * 4096) && $0.path == file }, "verify missed \(name) page \(page)")
                    }
                    FileBytes.write(file, original)
                }
            }
        }
        #expect(readEverything(path) == .clean)
    }

    @Test("a damaged manifest, or a truncated or extended index file, fails to open")
    func manifestAndLength() throws {
        let (dir, path, names) = try makeStore()
        _ = dir
        let manifest = path + "/MANIFEST"
        for offset in [0, 9, 17, 25, 33, 41, 52] {
            let original = FileBytes.read(manifest)
            FileBytes.flip(manifest, at: offset)
            #expect(readEverything(path) == .corrupt, "manifest byte \(offset)")
            FileBytes.write(manifest, original)
        }
        for name in names {
            let file = path + "/" + name
            let original = FileBytes.read(file)
            FileBytes.write(file, Array(original.dropLast(4096)))
            #expect(readEverything(path) == .corrupt, "\(name) truncated by a page")
            FileBytes.write(file, Array(original.dropLast(100)))
            #expect(readEverything(path) == .corrupt, "\(name) truncated mid-page")
            FileBytes.write(file, original + [UInt8](repeating: 0, count: 4096))
            #expect(readEverything(path) == .corrupt, "\(name) with a page appended")
            FileBytes.write(file, [])
            #expect(readEverything(path) == .corrupt, "\(name) emptied")
            FileBytes.write(file, original)
        }
        #expect(readEverything(path) == .clean)
    }
}
