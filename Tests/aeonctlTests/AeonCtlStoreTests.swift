import Aeon
import Foundation
import Testing

/// `aeonctl import` against real stores, as a separate process.
@Suite("aeonctl and stores")
struct AeonCtlStoreTests {
    let cli = AeonCtlProcessTests()

    /// Writes `count` random `dimension`-d vectors as a TexMex .fvecs file.
    func writeFvecs(_ path: String, count: Int, dimension: Int, seed: UInt64 = 1) throws {
        var state = seed
        var bytes = Data()
        for _ in 0..<count {
            withUnsafeBytes(of: Int32(dimension).littleEndian) { bytes.append(contentsOf: $0) }
            for _ in 0..<dimension {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                let value = Float(Int64(bitPattern: state >> 11) % 2000) / 1000 - 1
                withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
            }
        }
        try bytes.write(to: URL(fileURLWithPath: path))
    }

    func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "aeonctl-test-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test("import builds a store that the library opens and searches")
    func importThenOpen() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try writeFvecs(dir + "/v.fvecs", count: 300, dimension: 8)
        try (0..<300).map { "text \($0)" }.joined(separator: "\n").write(toFile: dir + "/v.txt", atomically: true, encoding: .utf8)
        let outcome = try cli.run(["import", dir + "/store", dir + "/v.fvecs", "--text", dir + "/v.txt", "--json"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        #expect(object["records"] as? Int == 300)
        let store = try AeonStore.open(at: dir + "/store", options: StoreOptions(readOnly: true))
        #expect(store.count == 300 && store.dimension == 8)
        let record = try #require(try store.get(id: 42))
        #expect(record.payload == Array("text 42".utf8))
        #expect(try store.search(record.vector, k: 1).first?.id == 42)
    }

    @Test("a store held by another process is refused: exit 4, one line")
    func lockedByAnotherProcess() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try writeFvecs(dir + "/v.fvecs", count: 50, dimension: 8)
        // This test process holds the writer lock; aeonctl is a second process.
        let holder = try AeonStore.open(at: dir + "/store", options: StoreOptions(dimension: 8))
        let outcome = try cli.run(["import", dir + "/store", dir + "/v.fvecs"])
        #expect(outcome.status == 4)
        #expect(outcome.stderr.contains("locked"))
        #expect(outcome.stderr.split(separator: "\n").count == 1)
        try holder.close()
        #expect(try cli.run(["import", dir + "/store", dir + "/v.fvecs"]).status == 0)
    }

    @Test("a truncated .fvecs and a wrong dimension are clear errors")
    func badInput() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try writeFvecs(dir + "/v.fvecs", count: 20, dimension: 8)
        let whole = try Data(contentsOf: URL(fileURLWithPath: dir + "/v.fvecs"))
        try whole.dropLast(7).write(to: URL(fileURLWithPath: dir + "/cut.fvecs"))
        let truncated = try cli.run(["import", dir + "/s1", dir + "/cut.fvecs"])
        #expect(truncated.status == 1)
        #expect(truncated.stderr.contains("truncated"))
        #expect(try cli.run(["import", dir + "/s2", dir + "/v.fvecs"]).status == 0)
        try writeFvecs(dir + "/w.fvecs", count: 20, dimension: 9)
        let mismatch = try cli.run(["import", dir + "/s2", dir + "/w.fvecs"])
        #expect(mismatch.status == 2)
        #expect(mismatch.stderr.contains("dimension"))
    }
}

/// The README's main job.
@Suite("aeonctl demo")
struct AeonCtlDemoTests {
    @Test("demo runs on the bundled sample with no arguments and measures real recall")
    func demo() throws {
        let cli = AeonCtlProcessTests()
        let outcome = try cli.run(["demo", "--json"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        #expect(object["records"] as? Int == 4000)
        #expect(object["queries"] as? Int == 200)
        #expect((object["recall10"] as? Double ?? 0) >= 0.95)
        #expect(object["verify_problems"] as? Int == 0)
        let text = try cli.run(["demo", "--show", "2"])
        #expect(text.status == 0)
        #expect(text.stdout.contains("query: "))
        #expect(text.stdout.contains("recall@10"))
    }
}

/// The write-path commands.
@Suite("aeonctl write path")
struct AeonCtlWritePathTests {
    let cli = AeonCtlProcessTests()

    @Test("crashtest kills writers and reports its counts on the last line")
    func crashtest() throws {
        let outcome = try cli.run(["crashtest", "--iterations", "3", "--seed", "9"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let last = try #require(outcome.stdout.split(separator: "\n").last.map(String.init))
        #expect(last.hasPrefix("crash iterations: 3, acknowledged writes checked: "))
        #expect(last.hasSuffix("lost: 0, corrupt opens: 0"))
    }

    @Test("bench ingest --json prints the documented keys")
    func ingestJSON() throws {
        let outcome = try cli.run(["bench", "ingest", "--vectors", "2000", "--commits", "100", "--json"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        let vectors = try #require(object["vectors_per_s"] as? [String: Double])
        #expect(Set(vectors.keys) == ["wal_off", "none", "batched", "synchronous"])
        #expect(vectors.values.allSatisfy { $0 > 0 })
        let commits = try #require(object["commits_per_s"] as? [String: Double])
        #expect(Set(commits.keys) == ["aeon_1", "aeon_8", "sqlite_1", "sqlite_8"])
        #expect(commits.values.allSatisfy { $0 > 0 })
    }
}
