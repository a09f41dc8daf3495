@testable import Aeon

#if canImport(Glibc)
import Glibc
private let systemWrite = Glibc.write
private let systemRead = Glibc.read
#elseif canImport(Darwin)
import Darwin
private let systemWrite = Darwin.write
private let systemRead = Darwin.read
#endif

/// Files for the targets: a private directory in memory (`/dev/shm` where there is one), and
/// whole-file reads and writes.
enum Scratch {
    /// This process's directory, created on first use.
    static let root: String = {
        let base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
        var template = Array("\(base)/aeon-fuzz.XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else { fatalError("mkdtemp failed") }
        return String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }()

    static let io = SystemFileIO()

    /// A fresh, empty directory under the scratch root.
    static func directory(_ name: String) -> String {
        let path = root + "/" + name
        removeTree(path)
        mkdir(path, 0o755)
        return path
    }

    static func write(_ path: String, _ bytes: [UInt8]) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { fatalError("open \(path): errno \(errno)") }
        defer { close(fd) }
        _ = bytes.withUnsafeBytes { systemWrite(fd, $0.baseAddress, $0.count) }
    }

    /// Overwrites bytes in place (no truncation: a mapping of the file stays valid).
    static func patch(_ path: String, at offset: Int, _ bytes: ArraySlice<UInt8>) {
        let fd = open(path, O_WRONLY)
        guard fd >= 0 else { fatalError("open \(path): errno \(errno)") }
        defer { close(fd) }
        _ = Array(bytes).withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(offset)) }
    }

    static func read(_ path: String) -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        var info = stat()
        fstat(fd, &info)
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        _ = bytes.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress, $0.count) }
        return bytes
    }

    static func list(_ path: String) -> [String] { ((try? io.list(path)) ?? []).sorted() }

    static func removeTree(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if info.st_mode & S_IFMT == S_IFDIR {
            for name in list(path) { removeTree(path + "/" + name) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }

    /// Copies every file of `from` (recursively) into `to`.
    static func copyTree(_ from: String, to: String) {
        removeTree(to)
        mkdir(to, 0o755)
        for name in list(from) {
            var info = stat()
            lstat(from + "/" + name, &info)
            if info.st_mode & S_IFMT == S_IFDIR {
                copyTree(from + "/" + name, to: to + "/" + name)
            } else {
                write(to + "/" + name, read(from + "/" + name))
            }
        }
    }
}
