/// A JSON value (RFC 8259) as the importer reads it: numbers keep their literal text, so that
/// an id is taken only when it was written as an integer, and nothing is coerced on the way in.
package enum JSONValue: Sendable, Equatable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// The number exactly as written (`-1.5e3`), checked against the JSON grammar.
    case number(String)
    /// A string, its escapes resolved (valid UTF-8, no lone surrogates).
    case string(String)
    /// An array, in order.
    case array([JSONValue])
    /// Members in the order written; a key written twice is an error, never a silent choice.
    case object([(key: String, value: JSONValue)])

    /// Equal values: members compared in order.
    package static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): true
        case (.bool(let x), .bool(let y)): x == y
        case (.number(let x), .number(let y)): x == y
        case (.string(let x), .string(let y)): x == y
        case (.array(let x), .array(let y)): x == y
        case (.object(let x), .object(let y)): x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: false
        }
    }

    /// The member named `key` of an object.
    package subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// Deepest nesting accepted: hostile input such as a million `[` must not exhaust the stack.
    package static let maximumDepth = 64

    /// Parses one JSON text (surrounding whitespace allowed, nothing else after it).
    ///
    /// - Throws: ``JSONError`` with the byte offset of the first thing that is not JSON.
    /// `maximumElements` bounds every array (a 200 MB line of numbers must fail at the bound,
    /// not after its values have filled memory).
    package static func parse(_ bytes: some Collection<UInt8>, maximumElements: Int = .max) throws(JSONError) -> JSONValue {
        var parser = Parser(Array(bytes))
        parser.maximumElements = maximumElements
        parser.skipWhitespace()
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.atEnd else { throw parser.error("text after the JSON value") }
        return value
    }
}

/// Why a JSON text was refused, and where.
package struct JSONError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    package var message: String
    /// The byte offset in the text.
    package var offset: Int

    /// The message and the (1-based) byte where it applies.
    package var description: String { "\(message) at byte \(offset + 1)" }
}

extension JSONValue {
    fileprivate struct Parser {
        let bytes: [UInt8]
        var position = 0
        var maximumElements = Int.max

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { position >= bytes.count }
        var current: UInt8? { position < bytes.count ? bytes[position] : nil }

        func error(_ message: String) -> JSONError { JSONError(message: message, offset: position) }

        mutating func skipWhitespace() {
            while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { position += 1 }
        }

        mutating func expect(_ literal: String, _ value: JSONValue) throws(JSONError) -> JSONValue {
            for byte in literal.utf8 {
                guard current == byte else { throw error("not a JSON value") }
                position += 1
            }
            return value
        }

        mutating func value(depth: Int) throws(JSONError) -> JSONValue {
            guard let byte = current else { throw error("unexpected end of the text") }
            switch byte {
            case UInt8(ascii: "{"):
                guard depth < JSONValue.maximumDepth else { throw error("nested deeper than \(JSONValue.maximumDepth) levels") }
                return try object(depth: depth + 1)
            case UInt8(ascii: "["):
                guard depth < JSONValue.maximumDepth else { throw error("nested deeper than \(JSONValue.maximumDepth) levels") }
                return try array(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): return try expect("true", .bool(true))
            case UInt8(ascii: "f"): return try expect("false", .bool(false))
            case UInt8(ascii: "n"): return try expect("null", .null)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
            default: throw error("not a JSON value")
            }
        }

        mutating func object(depth: Int) throws(JSONError) -> JSONValue {
            position += 1  // {
            var members: [(key: String, value: JSONValue)] = []
            var keys = Set<String>()
            skipWhitespace()
            if current == UInt8(ascii: "}") {
                position += 1
                return .object(members)
            }
            while true {
                skipWhitespace()
                guard current == UInt8(ascii: "\"") else { throw error("expected a member name in quotes") }
                let keyStart = position
                let key = try string()
                guard keys.insert(key).inserted else {
                    throw JSONError(message: "member \"\(key)\" appears twice", offset: keyStart)
                }
                skipWhitespace()
                guard current == UInt8(ascii: ":") else { throw error("expected ':' after a member name") }
                position += 1
                skipWhitespace()
                members.append((key, try value(depth: depth)))
                skipWhitespace()
                switch current {
                case UInt8(ascii: ","): position += 1
                case UInt8(ascii: "}"):
                    position += 1
                    return .object(members)
                default: throw error("expected ',' or '}' in an object")
                }
            }
        }

        mutating func array(depth: Int) throws(JSONError) -> JSONValue {
            position += 1  // [
            var elements: [JSONValue] = []
            skipWhitespace()
            if current == UInt8(ascii: "]") {
                position += 1
                return .array(elements)
            }
            while true {
                skipWhitespace()
                guard elements.count < maximumElements else { throw error("an array longer than \(maximumElements) elements") }
                elements.append(try value(depth: depth))
                skipWhitespace()
                switch current {
                case UInt8(ascii: ","): position += 1
                case UInt8(ascii: "]"):
                    position += 1
                    return .array(elements)
                default: throw error("expected ',' or ']' in an array")
                }
            }
        }

        /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
        mutating func number() throws(JSONError) -> String {
            let start = position
            func digits(_ parser: inout Parser) -> Int {
                let from = parser.position
                while let byte = parser.current, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { parser.position += 1 }
                return parser.position - from
            }
            if current == UInt8(ascii: "-") { position += 1 }
            if current == UInt8(ascii: "0") {
                position += 1
            } else {
                guard digits(&self) > 0 else { throw error("a number needs digits") }
            }
            if current == UInt8(ascii: ".") {
                position += 1
                guard digits(&self) > 0 else { throw error("a number needs digits after '.'") }
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                position += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
                guard digits(&self) > 0 else { throw error("a number needs digits in its exponent") }
            }
            return String(decoding: bytes[start..<position], as: UTF8.self)
        }

        mutating func string() throws(JSONError) -> String {
            position += 1  // "
            var out: [UInt8] = []
            while true {
                guard let byte = current else { throw error("unterminated string") }
                switch byte {
                case UInt8(ascii: "\""):
                    position += 1
                    guard let text = String(validating: out, as: UTF8.self) else {
                        throw error("a string is not valid UTF-8")
                    }
                    return text
                case UInt8(ascii: "\\"):
                    position += 1
                    guard let escaped = current else { throw error("unterminated string") }
                    position += 1
                    switch escaped {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escaped)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"):
                        var scalar = try hex4()
                        if (0xD800..<0xDC00).contains(scalar) {
                            guard current == UInt8(ascii: "\\"), position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: "u") else {
                                throw error("a lone UTF-16 surrogate in \\u escapes")
                            }
                            position += 2
                            let low = try hex4()
                            guard (0xDC00..<0xE000).contains(low) else { throw error("a lone UTF-16 surrogate in \\u escapes") }
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        } else if (0xDC00..<0xE000).contains(scalar) {
                            throw error("a lone UTF-16 surrogate in \\u escapes")
                        }
                        guard let character = Unicode.Scalar(scalar) else { throw error("an invalid \\u escape") }
                        out.append(contentsOf: String(Character(character)).utf8)
                    default: throw error("unknown escape '\\\(Character(Unicode.Scalar(escaped)))'")
                    }
                case 0x00..<0x20:
                    throw error("a control character inside a string (escape it)")
                default:
                    out.append(byte)
                    position += 1
                }
            }
        }

        mutating func hex4() throws(JSONError) -> UInt32 {
            var value: UInt32 = 0
            for _ in 0..<4 {
                guard let byte = current else { throw error("a \\u escape needs four hexadecimal digits") }
                let digit: UInt32
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
                default: throw error("a \\u escape needs four hexadecimal digits")
                }
                value = value << 4 | digit
                position += 1
            }
            return value
        }
    }
}
