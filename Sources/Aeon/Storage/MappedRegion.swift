/// A read-only, shared memory mapping of a whole file.
///
/// The mapping outlives the descriptor it was made from; it is unmapped in `deinit`, so a
/// reader holding the region (through the index snapshot that owns it) keeps it valid.
final class MappedRegion: @unchecked Sendable {
    // Immutable after init; the pages are read-only (PROT_READ), so sharing across threads is safe.
    let base: UnsafeRawPointer
    let count: Int
    let path: String
    private let io: any FileIO

    /// Maps the whole of `path`.
    ///
    /// - Throws: ``AeonError/Code/corrupt`` for an empty file (nothing to map), or the I/O error.
    init(io: any FileIO, path: String) throws(AeonError) {
        let file = try StorageFile(io: io, path: path, access: .readOnly)
        let size = try file.size
        guard size > 0, size <= UInt64(Int.max) else {
            throw AeonError(.corrupt, "file is empty", path: path)
        }
        self.io = io
        self.path = path
        self.count = Int(size)
        self.base = try io.map(file.fd, length: Int(size), path: path)
        try file.close()
    }

    deinit { io.unmap(base, length: count) }

    /// The bytes in `range`, which must lie inside the region (callers bounds-check first).
    func bytes(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "MappedRegion: \(range) outside 0..<\(count)")
        return UnsafeRawBufferPointer(start: base + range.lowerBound, count: range.count)
    }
}
