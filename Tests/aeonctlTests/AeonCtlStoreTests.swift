import Aeon
import AeonTestSupport
import Foundation
import Testing

/// `aeonctl import` against real stores, as a separate process.
@Suite("aeonctl and stores")
struct AeonCtlStoreTests {
    let cli = AeonCtlProcessTests()

    /// Writes `count` random `dimension`-d vectors as a TexMex .fvecs file.
    func writeFvecs(_ path: String, count: Int, dimension: Int, seed: UInt64 = 1) throws {
        try TexMexWriter.write(TexMexWriter.randomVectors(count: count, dimension: dimension, seed: seed), to: path)
    }

    @Test("import builds a store that the library opens and searches")
    func importThenOpen() throws {
        let temporary = TemporaryDirectory("aeonctl-test")
        let dir = temporary.path
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
        let temporary = TemporaryDirectory("aeonctl-test")
        let dir = temporary.path
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
        let temporary = TemporaryDirectory("aeonctl-test")
        let dir = temporary.path
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

    @Test("bench checkpoint --json writes layers smaller than full checkpoints, at the same recall")
    func checkpointJSON() throws {
        let temporary = TemporaryDirectory("aeonctl-test")
        let dir = temporary.path
        try writeFvecs(dir + "/base.fvecs", count: 3000, dimension: 32)
        try writeFvecs(dir + "/query.fvecs", count: 20, dimension: 32, seed: 9)
        let outcome = try cli.run(
            [
                "checkpoint", "--base", dir + "/base.fvecs", "--query", dir + "/query.fvecs", "--writes", "20", "40",
                "--metric", "l2", "--json",
            ], tool: "aeon-bench")
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        let points = try #require(object["points"] as? [[String: Any]])
        #expect(points.count == 2)
        for point in points {
            let layered = try #require(point["layered_bytes"] as? Int), full = try #require(point["full_bytes"] as? Int)
            #expect(layered > 0 && layered < full, "layer \(layered) B, full \(full) B")
        }
        let layeredRecall = try #require(object["recall10_layered"] as? Double), fullRecall = try #require(object["recall10_full"] as? Double)
        #expect(abs(layeredRecall - fullRecall) < 0.02 && fullRecall > 0.5)
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
        // 4,000 written (a quarter built, the rest online), every tenth deleted.
        #expect(object["records"] as? Int == 3600)
        #expect(object["online_writes"] as? Int == 3400)
        #expect((object["blob_bytes"] as? Int ?? 0) > 0)
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
        let outcome = try cli.run(["crashtest", "--iterations", "3", "--seed", "9"], tool: "aeon-bench")
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let last = try #require(outcome.stdout.split(separator: "\n").last.map(String.init))
        #expect(last.hasPrefix("crash iterations: 3, acknowledged writes checked: "))
        #expect(last.hasSuffix("lost: 0, corrupt opens: 0"))
    }

    @Test("bench ingest --json prints the documented keys")
    func ingestJSON() throws {
        let outcome = try cli.run(["ingest", "--vectors", "2000", "--commits", "100", "--rounds", "1", "--json"], tool: "aeon-bench")
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        let vectors = try #require(object["vectors_per_s"] as? [String: Double])
        #expect(Set(vectors.keys) == ["wal_off", "none", "batched", "batched_direct", "synchronous"])
        #expect(vectors.values.allSatisfy { $0 > 0 })
        let cpu = try #require(object["cpu_us_per_vector"] as? [String: Double])
        #expect(Set(cpu.keys) == Set(vectors.keys) && cpu.values.allSatisfy { $0 > 0 })
        let ratios = try #require(object["median_ratios"] as? [String: Double])
        #expect(Set(ratios.keys) == ["batched_over_wal_off", "batched_cpu_over_wal_off", "paired_batched_over_wal_off", "commits_1", "commits_8"])
        let commits = try #require(object["commits_per_s"] as? [String: Double])
        #expect(Set(commits.keys) == ["aeon_1", "aeon_8", "sqlite_1", "sqlite_8"])
        #expect(commits.values.allSatisfy { $0 > 0 })
    }

}

/// import → info → search → get → delete → checkpoint → verify, as separate processes.
@Suite("aeonctl store commands")
struct AeonCtlStoreCommandTests {
    let cli = AeonCtlProcessTests()
    let files = AeonCtlStoreTests()

    @Test("the store commands work end to end, and verify finds a byte flipped in each kind of file")
    func endToEnd() throws {
        let temporary = TemporaryDirectory("aeonctl-test")
        let dir = temporary.path
        try files.writeFvecs(dir + "/v.fvecs", count: 400, dimension: 8)
        try (0..<400).map { "memory \($0)" }.joined(separator: "\n").write(toFile: dir + "/v.txt", atomically: true, encoding: .utf8)
        let store = dir + "/store"
        #expect(try cli.run(["import", store, dir + "/v.fvecs", "--text", dir + "/v.txt"]).status == 0)

        let info = try cli.run(["info", store, "--json"])
        #expect(info.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any])
        #expect(object["records"] as? Int == 400 && object["dimension"] as? Int == 8 && object["metric"] as? String == "cosine")

        let search = try cli.run(["search", store, "--id", "17", "--k", "3", "--json"])
        #expect(search.status == 0)
        let results = try #require((try JSONSerialization.jsonObject(with: Data(search.stdout.utf8)) as? [String: Any])?["results"] as? [[String: Any]])
        #expect(results.count == 3 && results[0]["id"] as? Int == 17 && results[0]["text"] as? String == "memory 17")

        let get = try cli.run(["get", store, "17"])
        #expect(get.status == 0 && get.stdout.contains("memory 17"))
        #expect(try cli.run(["get", store, "4000"]).status == 5, "a missing id")

        #expect(try cli.run(["delete", store, "17", "18"]).stdout.contains("deleted 2 of 2"))
        #expect(try cli.run(["get", store, "17"]).status == 5)
        #expect(try cli.run(["checkpoint", store]).status == 0)
        #expect(try cli.run(["delete", store, "19"]).status == 0)  // leaves a record in the log
        let clean = try cli.run(["verify", store])
        #expect(clean.status == 0, "\(clean.stdout)\(clean.stderr)")
        #expect(try cli.run(["info", store, "--json"]).stdout.contains("\"records\":397"))

        // A flipped byte in each kind of file is found (exit 1, with the file named).
        let names = try FileManager.default.contentsOfDirectory(atPath: store)
        let wal = try FileManager.default.contentsOfDirectory(atPath: store + "/wal").filter { $0.hasPrefix("wal-") }.sorted()
        let targets: [(String, Int)] = [
            (store + "/" + (names.first { $0.hasSuffix(".postings") } ?? ""), 5000),
            (store + "/" + (names.first { $0.hasSuffix(".records") } ?? ""), 5000),
            (store + "/MANIFEST", 20),
            (store + "/wal/" + (wal.last ?? ""), 32 + 16 + 3),
        ]
        for (path, offset) in targets {
            var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            let original = bytes
            bytes[offset] ^= 0x20
            try bytes.write(to: URL(fileURLWithPath: path))
            let damaged = try cli.run(["verify", store])
            #expect(damaged.status == 1, "\(path): \(damaged.stdout)")
            #expect(damaged.stdout.contains((path as NSString).lastPathComponent) || damaged.stdout.contains(store), "\(path)")
            try original.write(to: URL(fileURLWithPath: path))
        }
        #expect(try cli.run(["verify", store]).status == 0)
        #expect(try cli.run(["info", dir + "/nope"]).status == 5, "a missing store")
    }
}

/// Import formats, dump and compact.
@Suite("aeonctl import formats, dump, compact")
struct AeonCtlFormatTests {
    let cli = AeonCtlProcessTests()
    let files = AeonCtlStoreTests()

    /// A .npy file (version 1.0) of `rows` × `dimension` float32.
    func writeNpy(_ path: String, rows: Int, dimension: Int, descr: String = "<f4") throws {
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': (\(rows), \(dimension)), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)])
        data.append(contentsOf: Array(header.utf8))
        for i in 0..<(rows * dimension) {
            withUnsafeBytes(of: Float(Double(i % 97) / 97 - 0.5).bitPattern.littleEndian) { data.append(contentsOf: $0) }
        }
        try data.write(to: URL(fileURLWithPath: path))
    }

    @Test("npy and JSON Lines import; a second import adds; dump and compact work")
    func formats() throws {
        let temporary = TemporaryDirectory("aeonctl-test")
        let dir = temporary.path
        try writeNpy(dir + "/v.npy", rows: 50, dimension: 6)
        #expect(try cli.run(["import", dir + "/s", dir + "/v.npy", "--metric", "l2"]).status == 0)
        let lines = (0..<20).map { "{\"id\": \(1000 + $0), \"vector\": [\($0), 1, 2, 3, 4, 5], \"text\": \"line \($0)\"}" }
        try lines.joined(separator: "\n").write(toFile: dir + "/r.jsonl", atomically: true, encoding: .utf8)
        let added = try cli.run(["import", dir + "/s", dir + "/r.jsonl", "--json"])
        #expect(added.status == 0, "\(added.stderr)")
        #expect(added.stdout.contains("\"records\":70"), "a second import adds to the store")
        #expect(try cli.run(["get", dir + "/s", "1007"]).stdout.contains("line 7"))

        // Bad input: a float64 .npy, a JSON line without an id.
        try writeNpy(dir + "/d.npy", rows: 2, dimension: 6, descr: "<f8")
        let wrongType = try cli.run(["import", dir + "/t", dir + "/d.npy"])
        #expect(wrongType.status == 1 && wrongType.stderr.contains("float32"))
        try "{\"vector\": [1]}".write(toFile: dir + "/bad.jsonl", atomically: true, encoding: .utf8)
        let noID = try cli.run(["import", dir + "/t", dir + "/bad.jsonl"])
        #expect(noID.status == 1 && noID.stderr.contains("line 1: no \"id\"") && noID.stderr.contains("bad.jsonl"), "\(noID.stderr)")

        #expect(try cli.run(["delete", dir + "/s", "1000"]).status == 0)
        let log = try cli.run(["dump", dir + "/s", "--wal"])
        #expect(log.status == 0 && log.stdout.contains("delete") && log.stdout.contains("1000"))
        let posting = try cli.run(["dump", dir + "/s", "--posting", "0"])
        #expect(posting.status == 0 && posting.stdout.contains("entries; head in generation"))
        let page = try cli.run(["dump", dir + "/s", "--page", "1", "--file", "records"])
        #expect(page.status == 0 && page.stdout.contains("checksum matches"))
        #expect(try cli.run(["dump", dir + "/s", "--posting", "99999"]).status == 2)

        let compact = try cli.run(["compact", dir + "/s"])
        #expect(compact.status == 0 && compact.stdout.contains("69 records"))
        #expect(try cli.run(["dump", dir + "/s", "--wal"]).stdout.contains("no records"))
        #expect(try cli.run(["verify", dir + "/s"]).status == 0)

        // create: an empty store, refused where one exists; its dimension is enforced.
        #expect(try cli.run(["create", dir + "/c", "--dimension", "7", "--metric", "ip"]).status == 0)
        #expect(try cli.run(["create", dir + "/c", "--dimension", "7"]).status == 2)
        #expect(try cli.run(["info", dir + "/c", "--json"]).stdout.contains("\"dimension\":7"))
        let mismatch = try cli.run(["import", dir + "/c", dir + "/v.npy"])
        #expect(mismatch.status == 2 && mismatch.stderr.contains("dimension"))
    }
}
