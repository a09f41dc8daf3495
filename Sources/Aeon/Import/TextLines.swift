/// Reads a text file line by line: `\n` or `\r\n` line ends, a leading UTF-8 byte order mark
/// skipped, in bounded chunks so a large file is never held twice.
package enum TextLines {
    /// Calls `body` with each line (without its line end), its number (from 1) and the byte
    /// offset of its start, until `body` returns `false` or the file ends. A last line without
    /// a line end counts; an empty file has no lines.
    ///
    /// - Throws: what `body` throws; ``AeonError/Code/corrupt`` for a line longer than
    ///   `maximumLineBytes`.
    package static func forEachLine(
        _ path: String, io: any FileIO = SystemFileIO(), maximumLineBytes: Int = 1 << 30,
        _ body: (ArraySlice<UInt8>, Int, UInt64) throws(AeonError) -> Bool
    ) throws(AeonError) {
        let file = try StorageFile(io: io, path: path, access: .readOnly)
        defer { try? file.close() }
        let size = try file.size
        let chunk = 8 << 20
        var pending: [UInt8] = []  // the start of a line the last chunk cut
        var pendingOffset: UInt64 = 0
        var offset: UInt64 = 0
        var number = 0
        func emit(_ line: ArraySlice<UInt8>, at start: UInt64) throws(AeonError) -> Bool {
            number += 1
            var trimmed = line.last == 0x0D ? line.dropLast() : line
            // A UTF-8 byte order mark (as Windows editors write) is not part of the first line.
            if number == 1 && start == 0 && trimmed.starts(with: [0xEF, 0xBB, 0xBF]) { trimmed = trimmed.dropFirst(3) }
            return try body(trimmed, number, start)
        }
        while offset < size {
            let count = Int(min(UInt64(chunk), size - offset))
            let bytes = try file.read(count: count, at: offset)
            var lineStart = 0
            for i in 0..<bytes.count where bytes[i] == 0x0A {
                if pending.isEmpty {
                    guard try emit(bytes[lineStart..<i], at: offset + UInt64(lineStart)) else { return }
                } else {
                    pending += bytes[lineStart..<i]
                    guard try emit(pending[...], at: pendingOffset) else { return }
                    pending = []
                }
                lineStart = i + 1
            }
            if lineStart < bytes.count {
                if pending.isEmpty { pendingOffset = offset + UInt64(lineStart) }
                pending += bytes[lineStart...]
                guard pending.count <= maximumLineBytes else {
                    throw AeonError(.corrupt, "line \(number + 1) is longer than \(maximumLineBytes) bytes", path: path, offset: pendingOffset)
                }
            }
            offset += UInt64(count)
        }
        if !pending.isEmpty { _ = try emit(pending[...], at: pendingOffset) }
    }

    /// Every line of a UTF-8 text file, as bytes.
    ///
    /// - Throws: ``AeonError/Code/corrupt`` naming the first line that is not UTF-8.
    package static func readUTF8Lines(_ path: String, io: any FileIO = SystemFileIO()) throws(AeonError) -> [[UInt8]] {
        var lines: [[UInt8]] = []
        try forEachLine(path, io: io) { (line, number, offset) throws(AeonError) -> Bool in
            guard String(validating: line, as: UTF8.self) != nil else {
                throw AeonError(.corrupt, "line \(number) is not valid UTF-8", path: path, offset: offset)
            }
            lines.append(Array(line))
            return true
        }
        return lines
    }
}
