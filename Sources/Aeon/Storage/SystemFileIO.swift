#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// ``FileIO`` on the real operating system.
package struct SystemFileIO: FileIO {
    /// The system file layer.
    package init() {}

    private static func failure(_ what: String, path: String, offset: UInt64? = nil, errno code: Int32) -> AeonError {
        let kind: AeonError.Code
        switch code {
        case ENOSPC, EDQUOT: kind = .noSpace
        case ENOENT: kind = .notFound
        case EEXIST: kind = .alreadyExists
        // A directory named where a file belongs, or a file inside a path: the caller's mistake.
        case EISDIR, ENOTDIR: kind = .invalidArgument
        default: kind = .io
        }
        return AeonError(kind, "\(what) failed", path: path, offset: offset, errno: code)
    }

    package func open(_ path: String, access: FileAccess, create: Bool, exclusive: Bool, truncate: Bool) throws(AeonError) -> Int32 {
        var flags: Int32 = access == .readOnly ? O_RDONLY : O_RDWR
        flags |= O_CLOEXEC
        if create { flags |= O_CREAT }
        if exclusive { flags |= O_EXCL }
        if truncate { flags |= O_TRUNC }
        while true {
            let fd = Glibc_open(path, flags, 0o644)
            if fd >= 0 { return fd }
            if errno == EINTR { continue }
            throw Self.failure("open", path: path, errno: errno)
        }
    }

    package func openDirect(_ path: String) throws(AeonError) -> Int32? {
        guard let direct = openDirectFlag else { return nil }
        while true {
            let fd = Glibc_open(path, O_WRONLY | O_CLOEXEC | direct, 0)
            if fd >= 0 { return fd }
            if errno == EINTR { continue }
            // The file system cannot bypass its cache (EINVAL): write through the cache.
            if errno == EINVAL { return nil }
            throw Self.failure("open (direct)", path: path, errno: errno)
        }
    }

    package func close(_ fd: Int32, path: String) throws(AeonError) {
        #if canImport(Glibc)
        let result = Glibc.close(fd)
        #else
        let result = Darwin.close(fd)
        #endif
        // After EINTR the descriptor is already released on Linux; retrying could close another.
        if result != 0 && errno != EINTR { throw Self.failure("close", path: path, errno: errno) }
    }

    package func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64, path: String) throws(AeonError) -> Int {
        while true {
            let n = pread(fd, buffer.baseAddress, buffer.count, off_t(offset))
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw Self.failure("read", path: path, offset: offset, errno: errno)
        }
    }

    package func write(_ fd: Int32, from buffer: UnsafeRawBufferPointer, at offset: UInt64, path: String) throws(AeonError) -> Int {
        while true {
            let n = pwrite(fd, buffer.baseAddress, buffer.count, off_t(offset))
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw Self.failure("write", path: path, offset: offset, errno: errno)
        }
    }

    package func sync(_ fd: Int32, metadata: Bool, path: String) throws(AeonError) {
        #if canImport(Darwin)
        try Self.fullSync(fd, path: path, what: "fcntl(F_FULLFSYNC)")
        #else
        while (metadata ? fsync(fd) : fdatasync(fd)) != 0 {
            if errno == EINTR { continue }
            throw Self.failure(metadata ? "fsync" : "fdatasync", path: path, errno: errno)
        }
        #endif
    }

    #if canImport(Darwin)
    /// `fsync` on Apple platforms leaves data in the drive's cache; `F_FULLFSYNC` flushes it. Only
    /// where the file system does not offer it (`ENOTSUP`, `EINVAL`: some network and FUSE file
    /// systems) does a plain `fsync` stand in; any other failure is the sync's failure, never
    /// hidden behind a later call's success.
    private static func fullSync(_ fd: Int32, path: String, what: String) throws(AeonError) {
        while fcntl(fd, F_FULLFSYNC) != 0 {
            let code = errno
            if code == EINTR { continue }
            guard code == ENOTSUP || code == EINVAL else { throw failure(what, path: path, errno: code) }
            while fsync(fd) != 0 {
                if errno == EINTR { continue }
                throw failure("fsync", path: path, errno: errno)
            }
            return
        }
    }
    #endif

    package func resize(_ fd: Int32, to size: UInt64, path: String) throws(AeonError) {
        while ftruncate(fd, off_t(size)) != 0 {
            if errno == EINTR { continue }
            throw Self.failure("ftruncate to \(size) bytes", path: path, errno: errno)
        }
    }

    package func size(_ fd: Int32, path: String) throws(AeonError) -> UInt64 {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw Self.failure("fstat", path: path, errno: errno) }
        return UInt64(info.st_size)
    }

    package func tryLock(_ fd: Int32, exclusive: Bool, path: String) throws(AeonError) -> Bool {
        while flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0 {
            if errno == EINTR { continue }
            if errno == EWOULDBLOCK { return false }
            throw Self.failure("flock", path: path, errno: errno)
        }
        return true
    }

    package func map(_ fd: Int32, length: Int, path: String) throws(AeonError) -> UnsafeRawPointer {
        precondition(length > 0, "map: empty mapping")
        guard let address = mmap(nil, length, PROT_READ, MAP_SHARED, fd, 0),
            address != UnsafeMutableRawPointer(bitPattern: -1)
        else { throw Self.failure("mmap of \(length) bytes", path: path, errno: errno) }
        return UnsafeRawPointer(address)
    }

    package func unmap(_ address: UnsafeRawPointer, length: Int) {
        munmap(UnsafeMutableRawPointer(mutating: address), length)
    }

    package func rename(_ from: String, to: String) throws(AeonError) {
        #if canImport(Glibc)
        let result = Glibc.rename(from, to)
        #else
        let result = Darwin.rename(from, to)
        #endif
        if result != 0 { throw Self.failure("rename to \(to)", path: from, errno: errno) }
    }

    package func remove(_ path: String) throws(AeonError) {
        if unlink(path) != 0 && errno != ENOENT { throw Self.failure("unlink", path: path, errno: errno) }
    }

    package func makeDirectory(_ path: String) throws(AeonError) {
        if mkdir(path, 0o755) != 0 && errno != EEXIST { throw Self.failure("mkdir", path: path, errno: errno) }
    }

    package func syncDirectory(_ path: String) throws(AeonError) {
        let fd = try open(path, access: .readOnly, create: false, exclusive: false, truncate: false)
        defer { try? close(fd, path: path) }
        #if canImport(Darwin)
        try Self.fullSync(fd, path: path, what: "fcntl(F_FULLFSYNC) of directory")
        #else
        while fsync(fd) != 0 {
            if errno == EINTR { continue }
            // Some file systems cannot sync a directory; that is no worse than not asking.
            if errno == EINVAL || errno == EBADF { return }
            throw Self.failure("fsync of directory", path: path, errno: errno)
        }
        #endif
    }

    package func exists(_ path: String) -> (exists: Bool, isDirectory: Bool) {
        var info = stat()
        guard stat(path, &info) == 0 else { return (false, false) }
        return (true, (info.st_mode & S_IFMT) == S_IFDIR)
    }

    package func list(_ path: String) throws(AeonError) -> [String] {
        guard let dir = opendir(path) else { throw Self.failure("opendir", path: path, errno: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}

// Glibc's module does not export O_DIRECT (it needs _GNU_SOURCE): its value per architecture,
// from the kernel's headers. Apple systems have F_NOCACHE instead, not used here.
#if os(Linux) && (arch(x86_64) || arch(i386))
private let openDirectFlag: Int32? = 0o40000
#elseif os(Linux) && (arch(arm64) || arch(arm))
private let openDirectFlag: Int32? = 0o200000
#else
private let openDirectFlag: Int32? = nil
#endif

// `open` is variadic in C; this wrapper gives Swift one fixed signature on both platforms.
@inline(__always)
private func Glibc_open(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 {
    #if canImport(Glibc)
    return Glibc.open(path, flags, mode)
    #else
    return Darwin.open(path, flags, mode)
    #endif
}
