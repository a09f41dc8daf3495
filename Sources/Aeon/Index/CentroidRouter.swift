/// The centroids as the router reads them: int8 code rows, scales and squared norms (from
/// the mapped postings file at search time, from memory during a build).
struct CentroidTable {
    let count: Int
    let dimension: Int
    let codes: UnsafePointer<Int8>
    let codeStride: Int
    let scales: UnsafePointer<Float>
    let squaredNorms: UnsafePointer<Float>

    init(
        count: Int, dimension: Int, codes: UnsafePointer<Int8>, codeStride: Int, scales: UnsafePointer<Float>,
        squaredNorms: UnsafePointer<Float>
    ) {
        self.count = count
        self.dimension = dimension
        self.codes = codes
        self.codeStride = codeStride
        self.scales = scales
        self.squaredNorms = squaredNorms
    }
}

/// Finds the centroids nearest a vector: one int8 posting-scan over the whole centroid table
/// (a few µs for thousands of centroids), the best candidates by the approximate distance,
/// then exact fp32 distances for those only. Holds its scratch buffers; one per thread.
final class CentroidRouter {
    /// How the approximate distance is formed from the int8 dot product.
    enum Geometry {
        /// ‖c‖² − 2 q·c (the ‖q‖² term is the same for every centroid).
        case l2
        /// −q·c.
        case innerProduct
    }

    let table: CentroidTable
    let kernels: Kernels
    let geometry: Geometry
    private let scores: ScratchBuffer<Int32>
    private let selector = TopK(capacity: 1)

    init(table: CentroidTable, kernels: Kernels, geometry: Geometry = .l2) {
        self.table = table
        self.kernels = kernels
        self.geometry = geometry
        self.scores = ScratchBuffer(capacity: table.count)
    }

    /// The `count` centroids nearest to the vector whose int8 form is `codes` × `scale`, by the
    /// approximate distance, re-ranked by `exact` (smaller is nearer), nearest first.
    func nearest(
        codes: UnsafePointer<Int8>, scale: Float, count: Int, exact: (Int32) -> Float
    ) -> [(posting: Int32, distance: Float)] {
        let n = table.count
        guard n > 0, count > 0 else { return [] }
        let s = scores.reserve(n)
        kernels.scan(query: codes, codes: table.codes, dimension: table.dimension, stride: table.codeStride, count: n, scores: s)
        selector.reset(capacity: min(count, n))
        let scales = table.scales, norms = table.squaredNorms
        var threshold = -Float.infinity
        // TopK keeps the highest: the nearest centroid has the highest negated distance.
        if geometry == .l2 {
            for c in 0..<n {
                let approximate = 2 * Float(s[c]) * scale * scales[c] - norms[c]
                if approximate > threshold { threshold = selector.offer(approximate, UInt32(c)) }
            }
        } else {
            for c in 0..<n {
                let approximate = Float(s[c]) * scale * scales[c]
                if approximate > threshold { threshold = selector.offer(approximate, UInt32(c)) }
            }
        }
        var result = selector.unordered().map { (posting: Int32($0.item), distance: exact(Int32($0.item))) }
        result.sort { $0.distance < $1.distance || ($0.distance == $1.distance && $0.posting < $1.posting) }
        return result
    }
}
