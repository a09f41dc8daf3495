/// Reads the TexMex vector formats: `.fvecs` (float32) and `.ivecs` (int32) files, where each
/// vector is a little-endian int32 dimension followed by that many 4-byte values.
package enum TexMexFile {
    /// The vectors of an `.fvecs` file (the first `limit` when given).
    ///
    /// - Throws: ``AeonError/Code/notFound`` / ``AeonError/Code/io`` for the file;
    ///   ``AeonError/Code/corrupt`` for a truncated file or one whose vectors disagree on
    ///   their dimension (naming the vector and byte offset).
    package static func readFloats(_ path: String, limit: Int? = nil, io: any FileIO = SystemFileIO()) throws(AeonError) -> [[Float]] {
        try read(path, limit: limit, io: io) { Float(bitPattern: $0) }
    }

    /// The vectors of an `.ivecs` file (the first `limit` when given).
    package static func readIntegers(_ path: String, limit: Int? = nil, io: any FileIO = SystemFileIO()) throws(AeonError) -> [[Int32]] {
        try read(path, limit: limit, io: io) { Int32(bitPattern: $0) }
    }

    /// How many vectors a TexMex file holds, from its size and first dimension (reads 4 bytes).
    package static func countVectors(_ path: String, io: any FileIO = SystemFileIO()) throws(AeonError) -> Int {
        let file = try StorageFile(io: io, path: path, access: .readOnly)
        let size = Int(try file.size)
        guard size > 0 else { return 0 }
        let header = try file.read(count: 4, at: 0)
        let dimension = Int(Int32(littleEndian: header.withUnsafeBytes { $0.loadUnaligned(as: Int32.self) }))
        guard dimension >= 1, dimension <= Kernels.maximumDimension, size % (4 + 4 * dimension) == 0 else {
            throw AeonError(.corrupt, "not a whole number of \(dimension)-dimensional vectors", path: path, offset: 0)
        }
        try file.close()
        return size / (4 + 4 * dimension)
    }

    private static func read<T>(_ path: String, limit: Int?, io: any FileIO, convert: (UInt32) -> T) throws(AeonError) -> [[T]] {
        let file = try StorageFile(io: io, path: path, access: .readOnly)
        let size = Int(try file.size)
        var vectors: [[T]] = []
        guard size > 0 else { return vectors }
        let header = try file.read(count: 4, at: 0)
        let dimension = Int(Int32(littleEndian: header.withUnsafeBytes { $0.loadUnaligned(as: Int32.self) }))
        guard dimension >= 1, dimension <= Kernels.maximumDimension else {
            throw AeonError(.corrupt, "first vector claims dimension \(dimension)", path: path, offset: 0)
        }
        let record = 4 + 4 * dimension
        let count = size / record
        guard size % record == 0 else {
            throw AeonError(
                .corrupt, "\(size) bytes is not a whole number of \(dimension)-dimensional vectors (truncated?)",
                path: path, offset: UInt64(count * record))
        }
        let wanted = min(count, limit ?? count)
        vectors.reserveCapacity(wanted)
        // Read in chunks of whole vectors so memory stays bounded for large files.
        let perChunk = max(1, (8 << 20) / record)
        var index = 0
        while index < wanted {
            let n = min(perChunk, wanted - index)
            let bytes = try file.read(count: n * record, at: UInt64(index * record))
            let chunk = bytes.withUnsafeBytes { raw -> Result<[[T]], AeonError> in
                var out: [[T]] = []
                out.reserveCapacity(n)
                for v in 0..<n {
                    let base = v * record
                    let d = Int(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: base, as: Int32.self)))
                    guard d == dimension else {
                        return .failure(AeonError(
                            .corrupt, "vector \(index + v) has dimension \(d), the first has \(dimension)", path: path,
                            offset: UInt64((index + v) * record)))
                    }
                    out.append((0..<dimension).map { convert(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: base + 4 + 4 * $0, as: UInt32.self))) })
                }
                return .success(out)
            }
            vectors.append(contentsOf: try chunk.get())
            index += n
        }
        try file.close()
        return vectors
    }
}
