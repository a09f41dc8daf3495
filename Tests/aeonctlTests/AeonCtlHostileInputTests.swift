import Aeon
import AeonTestSupport
import Foundation
import Testing

/// `aeonctl` given what a hostile or careless user gives it (issue 13): each input that once
/// crashed it, coerced it or gave an inconsistent exit status, now a documented status and one
/// line on stderr. A crash shows as a signal (status ≥ 128 through the shell, or an uncaught
/// signal here), never as one of 0…5.
@Suite("aeonctl on hostile input")
struct AeonCtlHostileInputTests {
    let cli = AeonCtlProcessTests()
    let stores = AeonCtlStoreTests()

    /// Runs aeonctl and checks it exited (not by a signal) with `status` and, for errors, one
    /// line on stderr mentioning `mentioning`.
    @discardableResult
    func expect(_ arguments: [String], status: Int32, mentioning: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws
        -> AeonCtlProcessTests.Outcome
    {
        let outcome = try cli.run(arguments)
        #expect(outcome.status == status, "\(arguments): \(outcome.stderr)", sourceLocation: sourceLocation)
        if status != 0 {
            #expect(!outcome.stderr.isEmpty, "\(arguments): nothing on stderr", sourceLocation: sourceLocation)
            #expect(!outcome.stderr.contains("Fatal error") && !outcome.stderr.contains("Crash"), "\(outcome.stderr)", sourceLocation: sourceLocation)
        }
        if let mentioning {
            #expect(outcome.stderr.contains(mentioning), "\(arguments): \(outcome.stderr)", sourceLocation: sourceLocation)
        }
        return outcome
    }

    @Test("arguments that overflowed: --first-id near 2^64, --row 2^63 − 1, --k 0 and negative values")
    func overflowingArguments() throws {
        let temporary = TemporaryDirectory("aeonctl-test")
        let dir = temporary.path
        try stores.writeFvecs(dir + "/v.fvecs", count: 40, dimension: 8)
        try expect(["import", dir + "/a", dir + "/v.fvecs", "--first-id", "18446744073709551615"], status: 2, mentioning: "--first-id")
        try expect(["import", dir + "/a", dir + "/v.fvecs", "--first-id", "18446744073709551600"], status: 2, mentioning: "--first-id")
        try expect(["import", dir + "/a", dir + "/v.fvecs", "--first-id", "-1"], status: 2)
        try expect(["import", dir + "/a", dir + "/v.fvecs", "--limit", "-3"], status: 2, mentioning: "--limit")
        try expect(["import", dir + "/a", dir + "/v.fvecs", "--posting-size", "1"], status: 2, mentioning: "postingSizeLimit")
        try expect(["import", dir + "/a", dir + "/v.fvecs", "--first-id", "18446744073709551576"], status: 0)
        try expect(["get", dir + "/a", "18446744073709551615"], status: 0)

        let store = dir + "/a"
        try expect(["search", store, "--fvecs", dir + "/v.fvecs", "--row", "9223372036854775807"], status: 2, mentioning: "no row")
        try expect(["search", store, "--fvecs", dir + "/v.fvecs", "--row", "-1"], status: 2, mentioning: "--row")
        try expect(["search", store, "--id", "18446744073709551615", "--k", "0"], status: 2, mentioning: "--k must be at least 1")
        try expect(["search", store, "--id", "18446744073709551615", "--k", "-5"], status: 2, mentioning: "--k must be at least 1")
        try expect(["search", store, "--id", "18446744073709551615", "--nprobe", "0"], status: 2, mentioning: "--nprobe")
        let all = try expect(["search", store, "--id", "18446744073709551615", "--k", "9223372036854775807", "--json"], status: 0)
        let results = try #require((try JSONSerialization.jsonObject(with: Data(all.stdout.utf8)) as? [String: Any])?["results"] as? [Any])
        #expect(results.count == 40)
    }

    @Test("exit statuses: a missing id or store is 5, a missing index file 1, an empty .npy or .fvecs 2")
    func exitStatuses() throws {
        let temporary = TemporaryDirectory("aeonctl-test")
        let dir = temporary.path
        try stores.writeFvecs(dir + "/v.fvecs", count: 40, dimension: 8)
        let store = dir + "/s"
        try expect(["import", store, dir + "/v.fvecs"], status: 0)
        try expect(["get", store, "4000"], status: 5, mentioning: "no record")
        try expect(["search", store, "--id", "4000"], status: 5, mentioning: "no record")
        try expect(["info", dir + "/nothing-here"], status: 5)
        try expect(["import", dir + "/t", dir + "/missing.fvecs"], status: 5)

        _ = FileManager.default.createFile(atPath: dir + "/empty.npy", contents: Data())
        _ = FileManager.default.createFile(atPath: dir + "/empty.fvecs", contents: Data())
        try expect(["import", dir + "/e1", dir + "/empty.npy"], status: 2, mentioning: "holds no records")
        try expect(["import", dir + "/e2", dir + "/empty.fvecs"], status: 2, mentioning: "holds no records")

        let index = try FileManager.default.contentsOfDirectory(atPath: store).first { $0.hasSuffix(".postings") }!
        try FileManager.default.removeItem(atPath: store + "/" + index)
        try expect(["info", store], status: 1, mentioning: "missing")
        try expect(["verify", store], status: 1)
    }

    @Test("JSON Lines: ids are not coerced, text must be a string, unknown members are refused; the store is unchanged")
    func jsonLines() throws {
        let temporary = TemporaryDirectory("aeonctl-test")
        let dir = temporary.path
        let store = dir + "/s"
        try "{\"id\": 1, \"vector\": [1, 0, 0]}\n".write(toFile: dir + "/ok.jsonl", atomically: true, encoding: .utf8)
        try expect(["import", store, dir + "/ok.jsonl"], status: 0)
        for (n, line) in [
            #"{"id": -5, "vector": [1, 0, 0]}"#, #"{"id": 1.5, "vector": [1, 0, 0]}"#, #"{"id": true, "vector": [1, 0, 0]}"#,
            #"{"id": 1e30, "vector": [1, 0, 0]}"#, #"{"id": 18446744073709551621, "vector": [1, 0, 0]}"#,
            #"{"id": 2, "vector": [1, 0, 0], "text": 12345}"#, #"{"id": 2, "vector": [1, 0, 0], "metadata": {}}"#,
            #"{"id": 2, "vector": [1, 0, 1e39]}"#, #"{"id": 7, "vector": [1, 0, 0]}"#,
        ].enumerated() {
            let file = dir + "/bad\(n).jsonl"
            try ("{\"id\": 7, \"vector\": [0, 1, 0]}\n" + line + "\n").write(toFile: file, atomically: true, encoding: .utf8)
            // A value no float32 holds is a bad vector (2, as NaN in .fvecs is); a repeated id
            // is refused whether the store is new or not (2); the rest is malformed input (1).
            let status: Int32 = line.contains("1e39") || line.contains("\"id\": 7") ? 2 : 1
            try expect(["import", store, file], status: status, mentioning: status == 1 ? "line 2" : nil)
        }
        let opened = try AeonStore.open(at: store, options: StoreOptions(readOnly: true))
        #expect(opened.count == 1, "nothing of the refused files went in")
        try opened.close()
    }

    @Test("text files: CRLF line ends are stripped, invalid UTF-8 is corrupt input (1) naming the line")
    func textFiles() throws {
        let temporary = TemporaryDirectory("aeonctl-test")
        let dir = temporary.path
        try stores.writeFvecs(dir + "/v.fvecs", count: 3, dimension: 4)
        try "zero\r\none\r\ntwo\r\n".write(toFile: dir + "/crlf.txt", atomically: true, encoding: .utf8)
        try expect(["import", dir + "/s", dir + "/v.fvecs", "--text", dir + "/crlf.txt"], status: 0)
        let store = try AeonStore.open(at: dir + "/s", options: StoreOptions(readOnly: true))
        #expect(try store.get(id: 1)?.payload == Array("one".utf8))
        try store.close()
        try Data([0x61, 0x0A, 0xC3, 0x28, 0x0A, 0x63, 0x0A]).write(to: URL(fileURLWithPath: dir + "/bad.txt"))
        try expect(["import", dir + "/t", dir + "/v.fvecs", "--text", dir + "/bad.txt"], status: 1, mentioning: "line 2")
    }

    @Test("vectors whose scores overflow float32 are refused (2), and search JSON is always valid JSON")
    func hugeVectors() throws {
        let temporary = TemporaryDirectory("aeonctl-test")
        let dir = temporary.path
        try "{\"id\": 1, \"vector\": [3e38, 3e38, 3e38]}\n".write(toFile: dir + "/huge.jsonl", atomically: true, encoding: .utf8)
        try expect(["import", dir + "/s", dir + "/huge.jsonl", "--metric", "l2"], status: 2, mentioning: "too large")
        try "{\"id\": 1, \"vector\": [1, 2, 3]}\n{\"id\": 2, \"vector\": [3, 2, 1]}\n".write(
            toFile: dir + "/ok.jsonl", atomically: true, encoding: .utf8)
        try expect(["import", dir + "/t", dir + "/ok.jsonl", "--metric", "ip"], status: 0)
        let search = try expect(["search", dir + "/t", "--id", "1", "--json"], status: 0)
        #expect(try JSONSerialization.jsonObject(with: Data(search.stdout.utf8)) is [String: Any], "\(search.stdout)")
    }

    @Test("dump --blob shows where a payload lies in the arena, and the payload; a missing id is 5")
    func dumpBlob() throws {
        let temporary = TemporaryDirectory("aeonctl-test")
        let dir = temporary.path
        try "{\"id\": 1, \"vector\": [1, 2, 3], \"text\": \"the first memory\"}\n{\"id\": 2, \"vector\": [3, 2, 1]}\n".write(
            toFile: dir + "/r.jsonl", atomically: true, encoding: .utf8)
        try expect(["import", dir + "/s", dir + "/r.jsonl"], status: 0)
        let dump = try expect(["dump", dir + "/s", "--blob", "1"], status: 0)
        #expect(dump.stdout.contains("16 B payload in the blob arena at") && dump.stdout.contains("the first memory"), "\(dump.stdout)")
        #expect(try expect(["dump", dir + "/s", "--blob", "2"], status: 0).stdout.contains("no payload"))
        try expect(["dump", dir + "/s", "--blob", "3"], status: 5, mentioning: "no record")
    }

    @Test("more review findings: extra --text lines, a BOM, .npy headers numpy would refuse, trailing .npy bytes, non-directories as stores")
    func reviewFindings() throws {
        let temporary = TemporaryDirectory("aeonctl-test")
        let dir = temporary.path
        try stores.writeFvecs(dir + "/v.fvecs", count: 3, dimension: 4)
        try "a\nb\nc\nd\n".write(toFile: dir + "/four.txt", atomically: true, encoding: .utf8)
        try expect(["import", dir + "/s", dir + "/v.fvecs", "--text", dir + "/four.txt"], status: 2, mentioning: "4 lines for 3 vectors")
        try expect(["import", dir + "/s", dir + "/v.fvecs", "--text", dir + "/four.txt", "--limit", "3"], status: 0)
        try Data([0xEF, 0xBB, 0xBF] + Array("zero\none\ntwo\n".utf8)).write(to: URL(fileURLWithPath: dir + "/bom.txt"))
        try expect(["import", dir + "/b", dir + "/v.fvecs", "--text", dir + "/bom.txt"], status: 0)
        let store = try AeonStore.open(at: dir + "/b", options: StoreOptions(readOnly: true))
        #expect(try store.get(id: 0)?.payload == Array("zero".utf8), "the BOM is not part of the payload")
        try store.close()

        func npy(_ header: String, rows: Int = 1, extra: [UInt8] = []) -> Data {
            var text = Array(header.utf8)
            while (10 + text.count + 1) % 64 != 0 { text.append(0x20) }
            text.append(0x0A)
            let data = (0..<(rows * 4)).flatMap { withUnsafeBytes(of: Float($0).bitPattern.littleEndian, Array.init) }
            return Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(text.count), 0] + text + data + extra)
        }
        let bad = [
            "{'descr': '>f4', 'x': '<f4', 'fortran_order': False, 'shape': (1, 4), }",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 4), 'note': 'shape: (1, 4)'}",
            "{'descr': '<f4', 'fortran_order': False, 'fortran_order': True, 'shape': (1, 4), }",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 4L), }",
        ]
        for (i, header) in bad.enumerated() {
            try npy(header).write(to: URL(fileURLWithPath: dir + "/bad\(i).npy"))
            try expect(["import", dir + "/n\(i)", dir + "/bad\(i).npy"], status: 1, mentioning: ".npy")
        }
        try npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 4), }", extra: [1, 2, 3, 4]).write(to: URL(fileURLWithPath: dir + "/tail.npy"))
        try expect(["import", dir + "/n9", dir + "/tail.npy"], status: 1, mentioning: "after its")
        try npy("{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (1,4)}").write(to: URL(fileURLWithPath: dir + "/ok.npy"))
        try expect(["import", dir + "/n10", dir + "/ok.npy"], status: 0)

        try expect(["create", "", "--dimension", "4"], status: 2)
        try expect(["info", dir + "/v.fvecs"], status: 2, mentioning: "not a directory")
        try expect(["import", dir + "/d", dir], status: 2)
    }
}
