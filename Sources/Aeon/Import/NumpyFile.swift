/// Reads a NumPy `.npy` file holding a 2-D array of float32 (`<f4`) in C order: one vector per row.
package enum NumpyFile {
    /// The rows of a `.npy` file (the first `limit` when given).
    ///
    /// - Throws: ``AeonError/Code/corrupt`` for a file that is not a 2-D little-endian float32
    ///   C-order array, or is shorter than its header says.
    package static func readFloats(_ path: String, limit: Int? = nil, io: any FileIO = SystemFileIO()) throws(AeonError) -> [[Float]] {
        let file = try StorageFile(io: io, path: path, access: .readOnly)
        defer { try? file.close() }
        let size = Int(try file.size)
        // An empty file holds no rows, as an empty .fvecs does.
        guard size > 0 else { return [] }
        guard size >= 10 else { throw AeonError(.corrupt, "not a .npy file (too short)", path: path) }
        let prefix = try file.read(count: 10, at: 0)
        guard prefix[0] == 0x93, Array(prefix[1..<6]) == Array("NUMPY".utf8), (1...3).contains(prefix[6]) else {
            throw AeonError(.corrupt, "not a .npy file (bad magic)", path: path, offset: 0)
        }
        let major = prefix[6]
        let headerStart = major == 1 ? 10 : 12
        let headerLength: Int
        if major == 1 {
            headerLength = Int(prefix[8]) | Int(prefix[9]) << 8
        } else {
            let b = try file.read(count: 4, at: 8)
            headerLength = Int(b[0]) | Int(b[1]) << 8 | Int(b[2]) << 16 | Int(b[3]) << 24
        }
        guard headerStart + headerLength <= size else { throw AeonError(.corrupt, ".npy header runs past the file", path: path, offset: 8) }
        let header = try file.read(count: headerLength, at: UInt64(headerStart))
        // The header is a Python dict literal; parsed, not searched, so that a key inside a
        // string or a key written twice cannot pass for the real thing.
        let fields: NumpyHeader
        do {
            fields = try NumpyHeader(header)
        } catch {
            throw AeonError(.corrupt, ".npy header: \(error.message) (header: \(String(decoding: header, as: UTF8.self)))", path: path, offset: UInt64(headerStart))
        }
        guard fields.descr == "<f4" else {
            throw AeonError(.corrupt, ".npy array is '\(fields.descr)', not little-endian float32 ('<f4')", path: path)
        }
        guard !fields.fortranOrder else {
            throw AeonError(.corrupt, ".npy array is in Fortran order; save it in C order", path: path)
        }
        guard fields.shape.count == 2 else {
            throw AeonError(.corrupt, ".npy array must be 2-D (rows × dimension); shape is \(fields.shape)", path: path)
        }
        let (rows, dimension) = (fields.shape[0], fields.shape[1])
        guard dimension >= 1, dimension <= Kernels.maximumDimension else {
            throw AeonError(.invalidArgument, ".npy vectors have dimension \(dimension), outside 1...\(Kernels.maximumDimension)", path: path)
        }
        // Divided, not multiplied: a header can claim any row count.
        let dataStart = headerStart + headerLength
        guard rows <= (size - dataStart) / (dimension * 4) else {
            throw AeonError(.corrupt, ".npy file is truncated: \(rows) × \(dimension) floats do not fit in its \(size - dataStart) data bytes", path: path, offset: UInt64(dataStart))
        }
        guard size - dataStart == rows * dimension * 4 else {
            throw AeonError(
                .corrupt, ".npy file holds \(size - dataStart - rows * dimension * 4) bytes after its \(rows) × \(dimension) floats",
                path: path, offset: UInt64(dataStart + rows * dimension * 4))
        }
        let wanted = min(rows, limit ?? rows)
        var vectors: [[Float]] = []
        vectors.reserveCapacity(wanted)
        let perChunk = max(1, (8 << 20) / (dimension * 4))
        var row = 0
        while row < wanted {
            let n = min(perChunk, wanted - row)
            let bytes = try file.read(count: n * dimension * 4, at: UInt64(dataStart + row * dimension * 4))
            bytes.withUnsafeBytes { raw in
                for r in 0..<n {
                    vectors.append((0..<dimension).map {
                        Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: (r * dimension + $0) * 4, as: UInt32.self)))
                    })
                }
            }
            row += n
        }
        return vectors
    }
}
