/// A run of centroids stored contiguously: int8 code rows, scales and squared norms. Item
/// `firstItem + i` names centroid `i` of the block in what a router returns.
struct CentroidBlock {
    let count: Int
    let codes: UnsafePointer<Int8>
    let codeStride: Int
    let scales: UnsafePointer<Float>
    let squaredNorms: UnsafePointer<Float>
    let firstItem: UInt32
}

/// Where a router finds centroids: optionally grouped (the first level of routing), each group
/// one contiguous block. The index file's table and the in-memory table of an index being
/// written to (``LiveRouting``) both are.
protocol CentroidSource {
    /// The code dimension.
    var dimension: Int { get }
    /// The number of routing groups; 0 when the centroids are not grouped.
    var groupCount: Int { get }
    /// Group `g`'s fp32 centroid.
    func groupVector(_ g: Int) -> UnsafePointer<Float>
    /// Group `g`'s centroids.
    func block(_ g: Int) -> CentroidBlock
    /// Every centroid, when there are no groups.
    var allCentroids: CentroidBlock { get }
}

/// The centroids as the router reads them: int8 code rows, scales and squared norms (from
/// the mapped postings file at search time, from memory during a build), and optionally the
/// routing groups over them.
struct CentroidTable: CentroidSource {
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

    var groupCount: Int { groups?.count ?? 0 }

    func groupVector(_ g: Int) -> UnsafePointer<Float> { groups!.vectors + g * groups!.vectorStride }

    func block(_ g: Int) -> CentroidBlock { slice(groups!.range(g)) }

    var allCentroids: CentroidBlock { slice(0..<count) }

    private func slice(_ range: Range<Int>) -> CentroidBlock {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "CentroidTable: \(range) outside 0..<\(count)")
        let first = range.lowerBound
        return CentroidBlock(
            count: range.count, codes: codes + first * codeStride, codeStride: codeStride, scales: scales + first,
            squaredNorms: squaredNorms + first, firstItem: UInt32(first))
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

/// Finds the centroids nearest a vector: one int8 posting-scan over the centroids of the
/// nearest groups (a few µs for thousands of centroids), the best candidates by the
/// approximate distance, then exact fp32 distances for those only. Holds its scratch buffers,
/// not the centroids; one per thread.
final class CentroidRouter {
    /// How the approximate distance is formed from the int8 dot product.
    enum Geometry {
        /// ‖c‖² − 2 q·c (the ‖q‖² term is the same for every centroid).
        case l2
        /// −q·c.
        case innerProduct
    }

    let kernels: Kernels
    let geometry: Geometry
    private let scores = ScratchBuffer<Int32>()
    private let selector = TopK(capacity: 1)
    private let groupSelector = TopK(capacity: 1)

    init(kernels: Kernels, geometry: Geometry = .l2) {
        self.kernels = kernels
        self.geometry = geometry
    }

    /// The `count` centroids of `source` nearest to the vector whose int8 form is `codes` ×
    /// `scale`, by the approximate distance, re-ranked by `exact` (smaller is nearer), nearest
    /// first, as items (see ``CentroidBlock``).
    ///
    /// With groups, only the centroids of the `groupProbes` groups nearest by `groupDistance`
    /// are scanned; `groupProbes` ≥ the group count (or no groups) scans them all.
    func nearest(
        in source: some CentroidSource, codes: UnsafePointer<Int8>, scale: Float, count: Int, groupProbes: Int = .max,
        groupDistance: (UnsafePointer<Float>) -> Float = { _ in 0 }, exact: (UInt32) -> Float
    ) -> [(item: UInt32, distance: Float)] {
        guard count > 0 else { return [] }
        selector.reset(capacity: count)
        var threshold = -Float.infinity
        let groups = source.groupCount
        if groups > 0 {
            let probes = min(groupProbes, groups)
            groupSelector.reset(capacity: max(1, probes))
            var groupThreshold = -Float.infinity
            for g in 0..<groups {
                let closeness = -groupDistance(source.groupVector(g))
                if closeness > groupThreshold { groupThreshold = groupSelector.offer(closeness, UInt32(g)) }
            }
            // Nearest groups first: the shortlist's threshold tightens early, so fewer centroids
            // of the later groups enter the heap.
            for (_, g) in groupSelector.unordered().sorted(by: { $0.score > $1.score }) {
                scan(source.block(Int(g)), dimension: source.dimension, codes: codes, scale: scale, threshold: &threshold)
            }
        } else {
            scan(source.allCentroids, dimension: source.dimension, codes: codes, scale: scale, threshold: &threshold)
        }
        var result = selector.unordered().map { (item: $0.item, distance: exact($0.item)) }
        result.sort { $0.distance < $1.distance || ($0.distance == $1.distance && $0.item < $1.item) }
        return result
    }

    /// Scores a block's centroids and offers them to the selector.
    private func scan(_ block: CentroidBlock, dimension: Int, codes: UnsafePointer<Int8>, scale: Float, threshold: inout Float) {
        let n = block.count
        guard n > 0 else { return }
        let s = scores.reserve(n)
        kernels.scan(query: codes, codes: block.codes, dimension: dimension, stride: block.codeStride, count: n, scores: s)
        let scales = block.scales, norms = block.squaredNorms, first = block.firstItem
        // TopK keeps the highest: the nearest centroid has the highest negated distance.
        if geometry == .l2 {
            for c in 0..<n {
                let approximate = 2 * Float(s[c]) * scale * scales[c] - norms[c]
                if approximate > threshold { threshold = selector.offer(approximate, first + UInt32(c)) }
            }
        } else {
            for c in 0..<n {
                let approximate = Float(s[c]) * scale * scales[c]
                if approximate > threshold { threshold = selector.offer(approximate, first + UInt32(c)) }
            }
        }
    }
}
