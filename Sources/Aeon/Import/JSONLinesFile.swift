/// Reads records from JSON Lines: one object per line,
/// `{"id": 7, "vector": [0.1, …], "text": "…"}` or with `"payload"` (base64) instead of `"text"`.
///
/// Nothing is coerced: an id is an integer written as one (digits only, 0…2^64−1: not `-5`,
/// `1.5`, `1e3`, `true` or `"7"`); every vector element is a JSON number that float32 can hold
/// (not `1e39`); `text` is a string; members other than these four, or one written twice, are
/// errors, never dropped. Blank lines are skipped; a line may end in `\r\n`; a UTF-8 byte order
/// mark before the first line is skipped.
package enum JSONLinesFile {
    /// The members a record line may have.
    package static let members: Set<String> = ["id", "vector", "text", "payload"]

    /// The longest line read (a 64 MiB payload in base64, with room to spare).
    package static let maximumLineBytes = 256 << 20

    /// The records of a JSON Lines file (the first `limit` when given), all of one dimension.
    ///
    /// - Throws: ``AeonError/Code/corrupt`` naming the line (and the byte offset in the file)
    ///   of the first line that is not a valid record; ``AeonError/Code/dimensionMismatch`` when a
    ///   vector's length differs from the first one's.
    package static func readRecords(
        _ path: String, limit: Int? = nil, io: any FileIO = SystemFileIO(), progress: (Int) -> Void = { _ in }
    ) throws(AeonError) -> [Record] {
        var records: [Record] = []
        try TextLines.forEachLine(path, io: io, maximumLineBytes: maximumLineBytes) { (line, number, offset) throws(AeonError) -> Bool in
            if let limit, records.count >= limit { return false }
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return true }
            let record = try self.record(line, path: path, line: number, offset: offset)
            if let first = records.first, first.vector.count != record.vector.count {
                throw AeonError(
                    .dimensionMismatch, "line \(number): the vector has \(record.vector.count) dimensions; line 1's has \(first.vector.count)",
                    path: path, offset: offset)
            }
            records.append(record)
            if records.count % 10_000 == 0 { progress(records.count) }
            return true
        }
        return records
    }

    /// One line's record.
    package static func record(_ line: some Collection<UInt8>, path: String = "", line number: Int = 1, offset: UInt64 = 0) throws(AeonError)
        -> Record
    {
        func failure(_ what: String, at column: Int? = nil) -> AeonError {
            AeonError(.corrupt, "line \(number): \(what)", path: path, offset: offset + UInt64(column ?? 0))
        }
        let value: JSONValue
        do {
            value = try JSONValue.parse(line, maximumElements: Kernels.maximumDimension)
        } catch {
            throw failure("not JSON: \(error)", at: error.offset)
        }
        guard case .object(let fields) = value else { throw failure("not a JSON object") }
        for (key, _) in fields where !members.contains(key) {
            throw failure("unknown member \"\(key)\" (a record has \"id\", \"vector\", and \"text\" or \"payload\")")
        }
        guard let idValue = value["id"] else { throw failure("no \"id\"") }
        guard case .number(let literal) = idValue, let id = unsignedInteger(literal) else {
            throw failure("\"id\" must be an integer in 0…18446744073709551615 written as one (found \(describe(idValue)))")
        }
        guard let vectorValue = value["vector"] else { throw failure("no \"vector\"") }
        guard case .array(let elements) = vectorValue, !elements.isEmpty else {
            throw failure("\"vector\" must be a non-empty array of numbers")
        }
        var vector: [Float] = []
        vector.reserveCapacity(elements.count)
        for (i, element) in elements.enumerated() {
            guard case .number(let literal) = element else { throw failure("\"vector\"[\(i)] is \(describe(element)), not a number") }
            guard let x = Float(literal), x.isFinite else {
                throw AeonError(.invalidVector, "line \(number): \"vector\"[\(i)] = \(literal) is outside float32's range", path: path, offset: offset)
            }
            vector.append(x)
        }
        var payload: [UInt8]? = nil
        switch (value["text"], value["payload"]) {
        case (nil, nil): break
        case (.some, .some): throw failure("a record has \"text\" or \"payload\", not both")
        case (.some(let text), nil):
            guard case .string(let string) = text else { throw failure("\"text\" must be a string (found \(describe(text)))") }
            payload = Array(string.utf8)
        case (nil, .some(let encoded)):
            guard case .string(let string) = encoded, let bytes = Base64.decode(string) else {
                throw failure("\"payload\" must be a base64 string (found \(describe(encoded)))")
            }
            payload = bytes
        }
        return Record(id: id, vector: vector, payload: payload)
    }

    /// A JSON integer literal's value when it is a plain non-negative integer that fits 64 bits.
    static func unsignedInteger(_ literal: String) -> UInt64? {
        guard !literal.isEmpty, literal.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        return UInt64(literal)
    }

    private static func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool(let b): "\(b)"
        case .number(let n): n
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
