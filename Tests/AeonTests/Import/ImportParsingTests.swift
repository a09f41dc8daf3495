import Testing
@testable import Aeon
import AeonTestSupport

/// The importers' parsers on hostile input (issue 13): every bad input a typed error naming
/// where it is, nothing coerced, nothing dropped, no crash.
@Suite("import parsing")
struct ImportParsingTests {
    private func record(_ line: String) throws(AeonError) -> Record {
        try JSONLinesFile.record(Array(line.utf8))
    }

    @Test("JSON values: the grammar, escapes and surrogates, numbers kept as written")
    func jsonValues() throws {
        #expect(try JSONValue.parse(Array(#" {"a": [1, -2.5e3, true, null, "x\u00e9\ud83d\ude00\n"]} "#.utf8))
            == .object([("a", .array([.number("1"), .number("-2.5e3"), .bool(true), .null, .string("xé😀\n")]))]))
        for bad in [
            "", "{", "[1,]", "{\"a\":1,}", "01", "1.", ".5", "-", "1e", "+1", "NaN", "Infinity", "tru", "\"\\x\"", "\"\\ud800\"",
            "\"a\u{01}b\"", "{\"a\":1} x", "{\"a\":1,\"a\":2}", "[1 2]", "{a:1}", "'a'",
        ] {
            #expect(throws: JSONError.self, "\(bad)") { try JSONValue.parse(Array(bad.utf8)) }
        }
        // Invalid UTF-8 inside a string.
        #expect(throws: JSONError.self) { try JSONValue.parse([0x22, 0xFF, 0x22]) }
        // Arrays can be bounded: a vector of a hundred million numbers fails at the bound.
        #expect(throws: JSONError.self) { try JSONValue.parse(Array("[1,2,3,4]".utf8), maximumElements: 3) }
        #expect(try JSONValue.parse(Array("[1,2,3]".utf8), maximumElements: 3) == .array([.number("1"), .number("2"), .number("3")]))
        // Nesting is bounded, so a line of a million brackets is an error, not a stack overflow.
        #expect(throws: JSONError.self) { try JSONValue.parse(Array(repeating: UInt8(ascii: "["), count: 1_000_000)) }
        #expect(try JSONValue.parse(Array((String(repeating: "[", count: 64) + String(repeating: "]", count: 64)).utf8)) != .null)
    }

    @Test("JSON Lines ids: only integers 0…2^64−1 written as integers")
    func ids() throws {
        #expect(try record(#"{"id": 0, "vector": [1]}"#).id == 0)
        #expect(try record(#"{"id": 18446744073709551615, "vector": [1]}"#).id == .max)
        for id in ["-5", "1.5", "1.0", "true", "1e30", "1e3", "18446744073709551616", "18446744073709551621", "\"7\"", "null", "[1]"] {
            let error = #expect(throws: AeonError.self, "id \(id)") { try record("{\"id\": \(id), \"vector\": [1]}") }
            #expect(error?.code == .corrupt)
            #expect(error?.message.contains("\"id\"") == true, "\(error?.message ?? "")")
        }
    }

    @Test("JSON Lines records: vectors, text and payload are checked, unknown members refused")
    func records() throws {
        let r = try record(#"{"id": 3, "vector": [0.5, -1, 2e-3], "text": "héllo"}"#)
        #expect(r.vector == [0.5, -1, 0.002])
        #expect(r.payload == Array("héllo".utf8))
        #expect(try record(#"{"id": 3, "vector": [1], "payload": "AAEC/w=="}"#).payload == [0, 1, 2, 255])
        #expect(try record(#"{"id": 3, "vector": [1], "payload": ""}"#).payload == [])
        #expect(try record(#"{"vector": [1], "id": 3}"#).payload == nil)
        for bad in [
            #"{"id": 3, "vector": [1], "text": 12345}"#,
            #"{"id": 3, "vector": [1], "text": null}"#,
            #"{"id": 3, "vector": [1], "metadata": {"a": 1}}"#,
            #"{"id": 3, "vector": [1], "text": "a", "payload": "AA=="}"#,
            #"{"id": 3, "vector": [1], "payload": "AA="}"#,
            #"{"id": 3, "vector": [1], "payload": "A*=="}"#,
            #"{"id": 3, "vector": []}"#,
            #"{"id": 3, "vector": [1, "2"]}"#,
            #"{"id": 3, "vector": [1e39]}"#,
            #"{"id": 3, "vector": [-1e39]}"#,
            #"{"id": 3}"#,
            #"{"vector": [1]}"#,
            #"[3, [1]]"#,
            #"{"id": 3, "vector": [1], "id": 4}"#,
        ] {
            #expect(throws: AeonError.self, "\(bad)") { try record(bad) }
        }
    }

    @Test("a JSON Lines file: CRLF and blank lines are fine; the error names the line; dimensions must agree")
    func file() throws {
        let dir = TemporaryDirectory()
        let path = dir.child("r.jsonl")
        FileBytes.write(path, Array("{\"id\": 1, \"vector\": [1, 2]}\r\n\r\n{\"id\": 2, \"vector\": [3, 4], \"text\": \"b\"}".utf8))
        let records = try JSONLinesFile.readRecords(path)
        #expect(records.map(\.id) == [1, 2])
        #expect(records[1].payload == [UInt8(ascii: "b")])
        #expect(try JSONLinesFile.readRecords(path, limit: 1).count == 1)

        FileBytes.write(path, Array("{\"id\": 1, \"vector\": [1, 2]}\n{\"id\": 2, \"vector\": [3]}\n".utf8))
        #expect(errorCode { _ = try JSONLinesFile.readRecords(path) } == .dimensionMismatch)
        FileBytes.write(path, Array("{\"id\": 1, \"vector\": [1, 2]}\n{\"id\": -2, \"vector\": [3, 4]}\n".utf8))
        let error = #expect(throws: AeonError.self) { try JSONLinesFile.readRecords(path) }
        #expect(error?.message.hasPrefix("line 2:") == true, "\(error?.message ?? "")")
        #expect(error?.offset == 28, "the start of line 2")
    }

    @Test("text lines: \\n and \\r\\n ends, a last line without one, invalid UTF-8 named by line")
    func textLines() throws {
        let dir = TemporaryDirectory()
        let path = dir.child("t.txt")
        FileBytes.write(path, Array("one\r\ntwo\n\nfour".utf8))
        #expect(try TextLines.readUTF8Lines(path) == [Array("one".utf8), Array("two".utf8), [], Array("four".utf8)])
        FileBytes.write(path, [])
        #expect(try TextLines.readUTF8Lines(path).isEmpty)
        FileBytes.write(path, Array("fine\n".utf8) + [0xC3, 0x28] + Array("\n".utf8))
        let error = #expect(throws: AeonError.self) { try TextLines.readUTF8Lines(path) }
        #expect(error?.code == .corrupt)
        #expect(error?.message.contains("line 2") == true)
    }

    @Test("base64: standard, padded, nothing else")
    func base64() {
        #expect(Base64.decode("") == [])
        #expect(Base64.decode("TWFu") == Array("Man".utf8))
        #expect(Base64.decode("TWE=") == Array("Ma".utf8))
        #expect(Base64.decode("TQ==") == Array("M".utf8))
        for bad in ["TQ", "TQ=", "T===", "====", "TW=u", "TWFu\n", "TW-u", "TWFuTQ==TWFu", "YR==", "TWF="] { #expect(Base64.decode(bad) == nil, "\(bad)") }
    }

    /// A `.npy` file with this header text and `data` after it.
    private func npy(_ header: String, data: [UInt8] = []) -> [UInt8] {
        var text = Array(header.utf8)
        while (10 + text.count + 1) % 64 != 0 { text.append(0x20) }
        text.append(0x0A)
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(text.count & 0xFF), UInt8(text.count >> 8)] + text + data
    }

    @Test(".npy: shapes that overflow or do not fit are errors, an empty file holds no rows")
    func numpy() throws {
        let dir = TemporaryDirectory()
        let path = dir.child("a.npy")
        let floats: [Float] = [1, 2, 3, 4, 5, 6]
        let data = floats.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }
        FileBytes.write(path, npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", data: data))
        #expect(try NumpyFile.readFloats(path) == [[1, 2, 3], [4, 5, 6]])
        FileBytes.write(path, [])
        #expect(try NumpyFile.readFloats(path).isEmpty)
        for shape in ["(9223372036854775807, 384)", "(3, 3)", "(2, 3, 1)", "(2,)", "(-2, 3)", "(2, 3L)", "(2, x, 3)", "(99999999999999999999, 3)",
            "(2, 0)", "(2, 9223372036854775807)"]
        {
            FileBytes.write(path, npy("{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }", data: data))
            let error = #expect(throws: AeonError.self, "\(shape)") { try NumpyFile.readFloats(path) }
            #expect(error.map { [.corrupt, .invalidArgument].contains($0.code) } == true, "\(shape): \(String(describing: error))")
        }
    }

    @Test("vectors whose scores would overflow float32 are refused on write and as queries; the largest allowed work")
    func hugeVectors() throws {
        let dir = TemporaryDirectory()
        for metric in [Metric.l2, .innerProduct] {
            let store = try AeonStore.open(at: dir.child("\(metric)"), options: StoreOptions(dimension: 4, metric: metric))
            let huge = [Float](repeating: 3e38, count: 4)
            #expect(errorCode { try store.upsert(Record(id: 1, vector: huge)) } == .invalidVector)
            #expect(errorCode { _ = try store.search(huge, k: 1) } == .invalidVector)
            // Just inside the bound: two such vectors still score finitely.
            let edge = Float((VectorValidation.largestSquaredNorm / 4).squareRoot() * 0.999)
            try store.upsert(Record(id: 2, vector: [edge, edge, edge, edge]))
            try store.upsert(Record(id: 3, vector: [-edge, -edge, -edge, -edge]))
            let hits = try store.search([edge, edge, edge, edge], k: 2)
            #expect(hits.count == 2)
            #expect(hits.allSatisfy { $0.score.isFinite }, "\(hits)")
            try store.checkpoint()
            #expect(try store.search([-edge, -edge, -edge, -edge], k: 2).allSatisfy { $0.score.isFinite })
            try store.close()
        }
    }
}
