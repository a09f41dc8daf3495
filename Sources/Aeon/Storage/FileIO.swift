/// The seam between Aeon and the operating system's file calls.
///
/// Every read, write, sync, rename, lock and mapping the engine performs goes through one
/// `FileIO` value, so tests can substitute a layer that fails on purpose (EIO, ENOSPC, short
/// writes, a failing fsync at the Nth call) and check that nothing acknowledged is lost.
/// ``SystemFileIO`` is the real one. Implementations throw ``AeonError`` with the path, the
/// offset where it applies, and the errno.
package protocol FileIO: Sendable {
    /// Opens `path`; `create` makes it if missing (mode 0644), `exclusive` fails if it exists.
    /// The corresponding C function is `open(2)`.
    func open(_ path: String, access: FileAccess, create: Bool, exclusive: Bool, truncate: Bool) throws(AeonError) -> Int32

    /// Opens an existing `path` for writes that bypass the page cache, or returns `nil` where
    /// the system or the file system offers none. Writes through the descriptor must start at
    /// an offset, cover a length and come from an address that are multiples of
    /// ``directIOAlignment``. The corresponding C call is `open(2)` with `O_DIRECT` on Linux.
    func openDirect(_ path: String) throws(AeonError) -> Int32?

    /// Closes a descriptor. The corresponding C function is `close(2)`.
    func close(_ fd: Int32, path: String) throws(AeonError)

    /// Reads up to `buffer.count` bytes at `offset`; returns the count read (0 at end of file).
    /// The corresponding C function is `pread(2)`.
    func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64, path: String) throws(AeonError) -> Int

    /// Writes up to `buffer.count` bytes at `offset`; returns the count written (may be short).
    /// The corresponding C function is `pwrite(2)`.
    func write(_ fd: Int32, from buffer: UnsafeRawBufferPointer, at offset: UInt64, path: String) throws(AeonError) -> Int

    /// Makes the file's data (and, for `metadata`, its size and times) durable.
    /// `fdatasync(2)` / `fsync(2)` on Linux; `fcntl(F_FULLFSYNC)` on Apple, where fsync does not
    /// flush the drive.
    func sync(_ fd: Int32, metadata: Bool, path: String) throws(AeonError)

    /// Sets the file's size. The corresponding C function is `ftruncate(2)`.
    func resize(_ fd: Int32, to size: UInt64, path: String) throws(AeonError)

    /// The file's size in bytes. The corresponding C function is `fstat(2)`.
    func size(_ fd: Int32, path: String) throws(AeonError) -> UInt64

    /// Takes an advisory whole-file lock without waiting; `false` when another process holds it.
    /// The corresponding C function is `flock(2)`.
    func tryLock(_ fd: Int32, exclusive: Bool, path: String) throws(AeonError) -> Bool

    /// Maps `length` bytes of the file read-only and shared. The corresponding C function is `mmap(2)`.
    func map(_ fd: Int32, length: Int, path: String) throws(AeonError) -> UnsafeRawPointer

    /// Unmaps a region returned by `map`. The corresponding C function is `munmap(2)`.
    func unmap(_ address: UnsafeRawPointer, length: Int)

    /// Renames `from` to `to`, replacing `to` atomically. The corresponding C function is `rename(2)`.
    func rename(_ from: String, to: String) throws(AeonError)

    /// Removes a file; a missing file is not an error. The corresponding C function is `unlink(2)`.
    func remove(_ path: String) throws(AeonError)

    /// Creates a directory (mode 0755); an existing one is not an error.
    func makeDirectory(_ path: String) throws(AeonError)

    /// Makes a directory's entries (creations, renames, removals) durable.
    func syncDirectory(_ path: String) throws(AeonError)

    /// Whether `path` exists, and whether it is a directory.
    func exists(_ path: String) -> (exists: Bool, isDirectory: Bool)

    /// The names in a directory, without "." and "..".
    func list(_ path: String) throws(AeonError) -> [String]
}

/// The alignment of offsets, lengths and buffers that writes through ``FileIO/openDirect(_:)``
/// descriptors need: a page, a multiple of every device's logical block.
package let directIOAlignment = 4096

extension FileIO {
    /// No direct writes: a layer that does not offer them writes through the page cache.
    package func openDirect(_ path: String) throws(AeonError) -> Int32? { nil }

    /// Creates the directory `path` if it is missing and makes its entry durable (syncs its
    /// parent): a directory whose creation a power cut undid takes every file in it along.
    func makeDirectoryDurably(_ path: String) throws(AeonError) {
        guard !exists(path).exists else { return }
        try makeDirectory(path)
        try syncDirectory(FilePaths.parent(of: path))
    }
}

/// How a file is opened.
package enum FileAccess: Sendable {
    /// Read only.
    case readOnly
    /// Read and write.
    case readWrite
}
