/// The header of a `.npy` file: a Python dict literal such as
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 384), }`, padded with spaces and ended
/// by a newline. Exactly the three keys, each once; strings in single or double quotes (no
/// escapes), `True`/`False`, and a tuple of non-negative integers; nothing else.
struct NumpyHeader {
    var descr: String
    var fortranOrder: Bool
    var shape: [Int]

    struct ParseError: Error {
        var message: String
    }

    init(_ bytes: [UInt8]) throws(ParseError) {
        var p = 0
        func fail(_ what: String) -> ParseError { ParseError(message: what + " at byte \(p)") }
        func skipSpace() { while p < bytes.count, bytes[p] == 0x20 || bytes[p] == 0x09 { p += 1 } }
        func expect(_ c: UInt8) throws(ParseError) {
            skipSpace()
            guard p < bytes.count, bytes[p] == c else { throw fail("expected '\(Character(Unicode.Scalar(c)))'") }
            p += 1
        }
        func string() throws(ParseError) -> String {
            skipSpace()
            guard p < bytes.count, bytes[p] == 0x27 || bytes[p] == 0x22 else { throw fail("expected a quoted string") }
            let quote = bytes[p]
            p += 1
            let start = p
            while p < bytes.count, bytes[p] != quote {
                guard bytes[p] != 0x5C, bytes[p] >= 0x20 else { throw fail("an escape or control character in a string") }
                p += 1
            }
            guard p < bytes.count else { throw fail("an unterminated string") }
            defer { p += 1 }
            return String(decoding: bytes[start..<p], as: UTF8.self)
        }
        func integer() throws(ParseError) -> Int {
            skipSpace()
            let start = p
            while p < bytes.count, bytes[p] >= 0x30, bytes[p] <= 0x39 { p += 1 }
            guard p > start, let value = Int(String(decoding: bytes[start..<p], as: UTF8.self)) else {
                throw fail("expected a non-negative integer that fits 64 bits")
            }
            return value
        }
        var descr: String?, fortran: Bool?, shape: [Int]?
        try expect(0x7B)  // {
        while true {
            skipSpace()
            if p < bytes.count, bytes[p] == 0x7D { break }  // } (after a trailing comma, or empty)
            let key = try string()
            try expect(0x3A)  // :
            skipSpace()
            switch key {
            case "descr" where descr == nil:
                descr = try string()
            case "fortran_order" where fortran == nil:
                if bytes[p...].starts(with: Array("True".utf8)) {
                    fortran = true
                    p += 4
                } else if bytes[p...].starts(with: Array("False".utf8)) {
                    fortran = false
                    p += 5
                } else {
                    throw fail("fortran_order must be True or False")
                }
            case "shape" where shape == nil:
                try expect(0x28)  // (
                var dims: [Int] = []
                while true {
                    skipSpace()
                    if p < bytes.count, bytes[p] == 0x29 { break }  // )
                    dims.append(try integer())
                    skipSpace()
                    guard p < bytes.count else { throw fail("an unterminated shape") }
                    if bytes[p] == 0x2C { p += 1 } else if bytes[p] != 0x29 { throw fail("expected ',' or ')' in the shape") }
                }
                p += 1
                shape = dims
            default:
                throw fail("key '\(key)' is unknown or repeated")
            }
            skipSpace()
            guard p < bytes.count else { throw fail("an unterminated header") }
            if bytes[p] == 0x2C { p += 1 } else if bytes[p] != 0x7D { throw fail("expected ',' or '}'") }
        }
        p += 1
        while p < bytes.count, bytes[p] == 0x20 { p += 1 }
        if p < bytes.count, bytes[p] == 0x0A { p += 1 }
        guard p == bytes.count else { throw fail("text after the header's dict") }
        guard let descr, let fortran, let shape else { throw ParseError(message: "the header lacks descr, fortran_order or shape") }
        self.descr = descr
        self.fortranOrder = fortran
        self.shape = shape
    }
}
