/// The centroids as the router reads them: int8 code rows, scales and squared norms (from
/// the mapped postings file at search time, from memory during a build), and optionally the
/// routing groups over them.
struct CentroidTable {
    let count: Int
    let dimension: Int
    let codes: UnsafePointer<Int8>
    let codeStride: Int
    let scales: UnsafePointer<Float>
    let squaredNorms: UnsafePointer<Float>
    var groups: CentroidGroups?

    init(
        count: Int, dimension: Int, codes: UnsafePointer<Int8>, codeStride: Int, scales: UnsafePointer<Float>,
        squaredNorms: UnsafePointer<Float>, groups: CentroidGroups? = nil
    ) {
        self.count = count
        self.dimension = dimension
        self.codes = codes
        self.codeStride = codeStride
        self.scales = scales
        self.squaredNorms = squaredNorms
        self.groups = groups
    }
}

/// The first level of routing: centroids clustered into groups, each group's centroids
/// contiguous in the table (`ranges`: first centroid and count per group).
struct CentroidGroups {
    let count: Int
    /// fp32 group centroids, `vectorStride` floats apart.
    let vectors: UnsafePointer<Float>
    let vectorStride: Int
    /// Two u32 per group: its first centroid and how many it has.
    let ranges: UnsafePointer<UInt32>

    func range(_ group: Int) -> Range<Int> {
        let first = Int(UInt32(littleEndian: ranges[2 * group]))
        return first..<(first + Int(UInt32(littleEndian: ranges[2 * group + 1])))
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
    private let groupSelector = TopK(capacity: 1)

    init(table: CentroidTable, kernels: Kernels, geometry: Geometry = .l2) {
        self.table = table
        self.kernels = kernels
        self.geometry = geometry
        self.scores = ScratchBuffer(capacity: table.count)
    }

    /// The `count` centroids nearest to the vector whose int8 form is `codes` × `scale`, by the
    /// approximate distance, re-ranked by `exact` (smaller is nearer), nearest first.
    ///
    /// With groups, only the centroids of the `groupProbes` groups nearest by `groupDistance`
    /// are scanned; `groupProbes` ≥ the group count (or no groups) scans them all.
    func nearest(
        codes: UnsafePointer<Int8>, scale: Float, count: Int, groupProbes: Int = .max,
        groupDistance: (UnsafePointer<Float>) -> Float = { _ in 0 }, exact: (Int32) -> Float
    ) -> [(posting: Int32, distance: Float)] {
        let n = table.count
        guard n > 0, count > 0 else { return [] }
        selector.reset(capacity: min(count, n))
        var threshold = -Float.infinity
        if let groups = table.groups, groupProbes < groups.count {
            groupSelector.reset(capacity: max(1, groupProbes))
            var groupThreshold = -Float.infinity
            for g in 0..<groups.count {
                let closeness = -groupDistance(groups.vectors + g * groups.vectorStride)
                if closeness > groupThreshold { groupThreshold = groupSelector.offer(closeness, UInt32(g)) }
            }
            // Nearest groups first: the shortlist's threshold tightens early, so fewer centroids
            // of the later groups enter the heap.
            for (_, g) in groupSelector.unordered().sorted(by: { $0.score > $1.score }) {
                scanRange(groups.range(Int(g)), codes: codes, scale: scale, threshold: &threshold)
            }
        } else {
            scanRange(0..<n, codes: codes, scale: scale, threshold: &threshold)
        }
        var result = selector.unordered().map { (posting: Int32($0.item), distance: exact(Int32($0.item))) }
        result.sort { $0.distance < $1.distance || ($0.distance == $1.distance && $0.posting < $1.posting) }
        return result
    }

    /// Scores centroids `range` and offers them to the selector.
    private func scanRange(_ range: Range<Int>, codes: UnsafePointer<Int8>, scale: Float, threshold: inout Float) {
        guard !range.isEmpty, range.upperBound <= table.count else { return }
        let n = range.count, first = range.lowerBound
        let s = scores.reserve(n)
        kernels.scan(
            query: codes, codes: table.codes + first * table.codeStride, dimension: table.dimension, stride: table.codeStride,
            count: n, scores: s)
        let scales = table.scales + first, norms = table.squaredNorms + first
        // TopK keeps the highest: the nearest centroid has the highest negated distance.
        if geometry == .l2 {
            for c in 0..<n {
                let approximate = 2 * Float(s[c]) * scale * scales[c] - norms[c]
                if approximate > threshold { threshold = selector.offer(approximate, UInt32(first + c)) }
            }
        } else {
            for c in 0..<n {
                let approximate = Float(s[c]) * scale * scales[c]
                if approximate > threshold { threshold = selector.offer(approximate, UInt32(first + c)) }
            }
        }
    }
}
