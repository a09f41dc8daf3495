/// Int8 codes, scales and fp32 squared norms for a set of vectors, rows padded to 64 bytes:
/// the build's in-memory form of what postings and the centroid table store.
final class QuantizedRows: @unchecked Sendable {
    // Written once in init, then only read (from several threads).
    let rows: Int
    let dimension: Int
    let stride: Int
    let codes: UnsafeMutablePointer<Int8>
    let scales: UnsafeMutablePointer<Float>
    let squaredNorms: UnsafeMutablePointer<Float>

    init(data: UnsafePointer<Float>?, rows: Int, dimension: Int, kernels: Kernels, threads: Int) {
        let stride = PagedFileLayout.align(dimension, codeAlignment)
        self.rows = rows
        self.dimension = dimension
        self.stride = stride
        codes = .allocate(capacity: max(1, rows * stride))
        codes.initialize(repeating: 0, count: max(1, rows * stride))
        scales = .allocate(capacity: max(1, rows))
        squaredNorms = .allocate(capacity: max(1, rows))
        guard let data, rows > 0 else { return }
        let shared = UncheckedSendable((codes, scales, squaredNorms, data))
        Parallel.forEachSlice(count: rows, threads: threads, grain: 1024) { range in
            let (codes, scales, norms, data) = shared.value
            for row in range {
                let x = UnsafeBufferPointer(start: data + row * dimension, count: dimension)
                scales[row] = kernels.quantize(x, into: UnsafeMutableBufferPointer(start: codes + row * stride, count: dimension))
                norms[row] = kernels.dot(x, x)
            }
        }
    }

    deinit {
        codes.deallocate()
        scales.deallocate()
        squaredNorms.deallocate()
    }

    /// Row `row`'s codes, padding included (`stride` bytes).
    func rowBytes(_ row: Int) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: codes + row * stride, count: stride) }

    /// The routing view of these rows (when they are centroids).
    var table: CentroidTable {
        CentroidTable(count: rows, dimension: dimension, codes: codes, codeStride: stride, scales: scales, squaredNorms: squaredNorms)
    }
}
