#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads and rewrites files for corruption tests.
package enum FileBytes {
    package static func read(_ path: String) -> [UInt8] {
        guard let f = fopen(path, "rb") else { return [] }
        defer { fclose(f) }
        fseek(f, 0, SEEK_END)
        let size = ftell(f)
        fseek(f, 0, SEEK_SET)
        var bytes = [UInt8](repeating: 0, count: size)
        _ = bytes.withUnsafeMutableBytes { fread($0.baseAddress, 1, size, f) }
        return bytes
    }

    package static func write(_ path: String, _ bytes: [UInt8]) {
        guard let f = fopen(path, "wb") else { return }
        _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, bytes.count, f) }
        fclose(f)
    }

    package static func flip(_ path: String, at offset: Int) {
        var bytes = read(path)
        bytes[offset] ^= 0x5A
        write(path, bytes)
    }

    /// Overwrites bytes in place (same file, same size): safe while the file is mapped, where
    /// `write` would truncate it under the mapping.
    package static func patch(_ path: String, at offset: Int, _ bytes: [UInt8]) {
        let fd = open(path, O_WRONLY)
        precondition(fd >= 0, "open \(path)")
        defer { close(fd) }
        let written = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, bytes.count, off_t(offset)) }
        precondition(written == bytes.count, "pwrite \(path)")
    }
}
