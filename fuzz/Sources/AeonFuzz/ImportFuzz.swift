@testable import Aeon

/// The import formats a user hands to `aeonctl import`: `.fvecs`, `.npy` and JSON Lines, read
/// from a file as the command reads them (and JSON Lines also line by line in memory).
enum ImportFuzz {
    static func run(_ input: [UInt8], format: FuzzTarget) {
        let path = Scratch.root + "/input." + format.rawValue
        Scratch.write(path, input)
        switch format {
        case .fvecs:
            _ = try? TexMexFile.readFloats(path)
            _ = try? TexMexFile.readFloats(path, limit: 2)
            _ = try? TexMexFile.readIntegers(path)
            _ = try? TexMexFile.countVectors(path)
        case .npy:
            _ = try? NumpyFile.readFloats(path)
            _ = try? NumpyFile.readFloats(path, limit: 1)
        default:
            _ = try? JSONValue.parse(input)
            if let records = try? JSONLinesFile.readRecords(path) {
                for record in records where record.vector.isEmpty || record.vector.contains(where: { !$0.isFinite }) {
                    finding("JSON Lines accepted record \(record.id) with vector \(record.vector)")
                }
            }
        }
    }

    static func seeds(format: FuzzTarget) -> [[UInt8]] {
        let records = (0..<3).map(SeedStore.record)
        switch format {
        case .fvecs:
            return [records.flatMap { r in le(UInt32(r.vector.count)) + r.vector.flatMap { le($0.bitPattern) } }]
        case .npy:
            var header = Array("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 8), }".utf8)
            while (10 + header.count + 1) % 64 != 0 { header.append(0x20) }
            header.append(0x0A)
            let prefix: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.count), 0]
            return [prefix + header + records.flatMap { $0.vector.flatMap { le($0.bitPattern) } }]
        default:
            let lines = records.map { r in
                "{\"id\": \(r.id), \"vector\": [\(r.vector.map { "\($0)" }.joined(separator: ", "))], \"text\": \"m\\u00e9moire \(r.id)\"}"
            }
            return [Array(lines.joined(separator: "\n").utf8), Array("{\"id\": 18446744073709551615, \"vector\": [1e-3, -2.5E+2], \"payload\": \"AAEC/w==\"}\r\n".utf8)]
        }
    }

    private static func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value.littleEndian, Array.init) }
}
