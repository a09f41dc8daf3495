/// An open file: its descriptor, its path (for every error message) and the ``FileIO`` that
/// performs its calls. Closed explicitly with ``close()``; a handle that is dropped open closes
/// its descriptor in `deinit` so a thrown error cannot leak it.
final class StorageFile {
    let io: any FileIO
    let path: String
    private(set) var fd: Int32

    init(io: any FileIO, path: String, access: FileAccess, create: Bool = false, exclusive: Bool = false, truncate: Bool = false)
        throws(AeonError)
    {
        self.io = io
        self.path = path
        self.fd = try io.open(path, access: access, create: create, exclusive: exclusive, truncate: truncate)
    }

    private init(io: any FileIO, path: String, fd: Int32) {
        self.io = io
        self.path = path
        self.fd = fd
    }

    /// `path` opened for writes that bypass the page cache (see ``FileIO/openDirect(_:)``), or
    /// `nil` where there are none.
    static func direct(io: any FileIO, path: String) throws(AeonError) -> StorageFile? {
        guard let fd = try io.openDirect(path) else { return nil }
        return StorageFile(io: io, path: path, fd: fd)
    }

    deinit {
        if fd >= 0 { try? io.close(fd, path: path) }
    }

    func close() throws(AeonError) {
        guard fd >= 0 else { return }
        let descriptor = fd
        fd = -1
        try io.close(descriptor, path: path)
    }

    var size: UInt64 {
        get throws(AeonError) { try io.size(fd, path: path) }
    }

    /// Reads exactly `buffer.count` bytes at `offset`.
    ///
    /// - Throws: ``AeonError/Code/corrupt`` when the file ends first (a truncated file).
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(AeonError) {
        var done = 0
        while done < buffer.count {
            let n = try io.read(
                fd, into: UnsafeMutableRawBufferPointer(rebasing: buffer[done...]), at: offset + UInt64(done), path: path)
            if n == 0 {
                throw AeonError(
                    .corrupt, "file ends after \(offset + UInt64(done)) bytes; \(buffer.count - done) more were expected",
                    path: path, offset: offset + UInt64(done))
            }
            done += n
        }
    }

    /// Reads `count` bytes at `offset` into a new array.
    func read(count: Int, at offset: UInt64) throws(AeonError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let result = bytes.withUnsafeMutableBytes { buffer in
            Result { () throws(AeonError) in try read(into: buffer, at: offset) }
        }
        try result.get()
        return bytes
    }

    /// Writes all of `buffer` at `offset`, continuing after short writes.
    func write(_ buffer: UnsafeRawBufferPointer, at offset: UInt64) throws(AeonError) {
        var done = 0
        while done < buffer.count {
            let n = try io.write(fd, from: UnsafeRawBufferPointer(rebasing: buffer[done...]), at: offset + UInt64(done), path: path)
            if n <= 0 {
                throw AeonError(.io, "write made no progress", path: path, offset: offset + UInt64(done))
            }
            done += n
        }
    }

    /// Writes all of `bytes` at `offset`.
    func write(_ bytes: [UInt8], at offset: UInt64) throws(AeonError) {
        let result = bytes.withUnsafeBytes { buffer in Result { () throws(AeonError) in try write(buffer, at: offset) } }
        try result.get()
    }

    func sync(metadata: Bool = false) throws(AeonError) { try io.sync(fd, metadata: metadata, path: path) }

    func resize(to size: UInt64) throws(AeonError) { try io.resize(fd, to: size, path: path) }

    func tryLock(exclusive: Bool) throws(AeonError) -> Bool { try io.tryLock(fd, exclusive: exclusive, path: path) }
}
