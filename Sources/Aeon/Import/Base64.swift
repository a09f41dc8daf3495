/// Strict base64 (RFC 4648, standard alphabet, padded, canonical): what a JSON Lines
/// `"payload"` holds.
enum Base64 {
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() { table[Int(c)] = UInt8(i) }
        return table
    }()

    /// The bytes `text` encodes, or `nil` when it is not padded standard base64.
    static func decode(_ text: String) -> [UInt8]? {
        let input = Array(text.utf8)
        guard input.count % 4 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(input.count / 4 * 3)
        var i = 0
        while i < input.count {
            let last = i + 4 == input.count
            let padding = last ? (input[i + 3] == UInt8(ascii: "=") ? (input[i + 2] == UInt8(ascii: "=") ? 2 : 1) : 0) : 0
            var group: UInt32 = 0
            for j in 0..<(4 - padding) {
                let v = values[Int(input[i + j])]
                guard v != 0xFF else { return nil }
                group = group << 6 | UInt32(v)
            }
            // Canonical only: the bits the padding drops must be zero ("YR==" is not "a").
            if padding == 1 && group & 0x3 != 0 || padding == 2 && group & 0xF != 0 { return nil }
            group <<= UInt32(6 * padding)
            out.append(UInt8(truncatingIfNeeded: group >> 16))
            if padding < 2 { out.append(UInt8(truncatingIfNeeded: group >> 8)) }
            if padding < 1 { out.append(UInt8(truncatingIfNeeded: group)) }
            i += 4
        }
        return out
    }
}
