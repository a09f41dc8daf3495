/// A posting split worked out on a published ``LiveView`` (off the writer's lock, or at once
/// by ``LiveIndex``'s own split when a posting reaches twice its limit): the 2-means
/// halves of the posting's live entries, the entries that move to a neighbouring posting, and
/// the neighbours' entries that gain a replica in a half (SPFresh's LIRE). The writer applies
/// it (``LiveIndex/applySplit(_:)``) only if the slot still holds the posting planned; entries
/// appended since go to the nearer half and rows deleted since are dropped then.
///
/// A plan without means only clears the posting of its deleted entries (half of it was).
struct SplitPlan: @unchecked Sendable {
    // Immutable; the posting is compared by identity and read below its published count.
    let slot: Int
    let posting: LivePosting
    /// The posting's appended entries the plan saw; those after it are the writer's to place.
    let planned: Int
    let entries: LiveIndex.Entries
    /// Two centroids (2 × dimension), or none for a clean-up.
    let means: [Float]
    /// Entry i's half (0 or 1), and whether it stays in the split posting (else it moves).
    let assignment: [Int32]
    let stays: [Bool]
    let moves: [(entry: Int, to: Int)]
    /// Neighbours' entries nearer a half than their own centroid, and that half.
    let gains: LiveIndex.Entries
    let gainHalves: [Int]
}

extension LiveView {
    /// Neighbouring postings a split checks for reassignment (as ``LiveIndex``'s inline split).
    static let splitNeighbours = 8

    /// Plans the split of slot `slot` (centroid `old`), or its clean-up when half of it is
    /// deleted; `nil` when the slot no longer holds a posting at the split limit.
    func planSplit(
        slot: Int, centroid old: [Float], splitLimit: Int, iterations: Int, seed: UInt64, kernels: Kernels, router: CentroidRouter,
        codes scratch: ScratchBuffer<Int8>
    ) throws(AeonError) -> SplitPlan? {
        guard slot < postings.count, let posting = postings[slot], posting.totalCount >= splitLimit else { return nil }
        let stride = codeStride
        let planned = posting.count
        var entries = LiveIndex.Entries()
        var seen = Set<UInt32>(minimumCapacity: posting.totalCount)
        let take = { (part: Atlas.PostingView, count: Int) in
            for i in 0..<count where !self.rows.isDeleted(Int(part.rows[i])) && seen.insert(part.rows[i]).inserted {
                entries.add(row: part.rows[i], scale: part.scales[i], norm: part.squaredNorms[i], code: part.codes + i * stride, stride: stride)
            }
        }
        try forEachBasePart(of: posting) { take($0, $0.count) }
        take(Self.appendedPart(of: posting), planned)
        let n = entries.rows.count
        if n <= splitLimit / 2 {
            return SplitPlan(
                slot: slot, posting: posting, planned: planned, entries: entries, means: [], assignment: [Int32](repeating: 0, count: n),
                stays: [Bool](repeating: true, count: n), moves: [], gains: LiveIndex.Entries(), gainHalves: [])
        }

        let data = UnsafeMutablePointer<Float>.allocate(capacity: n * dimension)
        defer { data.deallocate() }
        for i in 0..<n { (data + i * dimension).update(from: try vector(row: Int(entries.rows[i])), count: dimension) }
        var random = SplitMix64(seed: seed)
        let kmeans = KMeans(data: data, dimension: dimension, kernels: kernels, threads: 1)
        var (means, assignment) = kmeans.cluster(rows: (0..<Int32(n)).map { $0 }, k: 2, iterations: iterations, random: &random)
        if means.count < 2 * dimension || !assignment.contains(0) || !assignment.contains(1) {
            // Identical vectors: halve.
            assignment = (0..<n).map { Int32($0 < n / 2 ? 0 : 1) }
            means = Array(UnsafeBufferPointer(start: data, count: dimension)) + Array(UnsafeBufferPointer(start: data + (n - 1) * dimension, count: dimension))
        }
        let dimension = self.dimension
        let near = old.withUnsafeBufferPointer {
            routing.nearestItems(
                $0.baseAddress!, count: min(postingCount, Self.splitNeighbours + 1), groupProbes: LiveIndex.groupProbes, router: router,
                codes: scratch, kernels: kernels)
        }
        let neighbours = near.map { (slot: Int(routing.slot($0.item)), centroid: routing.centroid($0.item)) }
            .filter { $0.slot != slot && $0.slot < postings.count && postings[$0.slot] != nil }

        // Vectors of the split posting now nearer a neighbour than either half move there.
        var moves: [(entry: Int, to: Int)] = []
        var stays = [Bool](repeating: true, count: n)
        means.withUnsafeBufferPointer { m in
            for i in 0..<n {
                let x = data + i * dimension
                var best = min(
                    kernels.squaredL2(x, m.baseAddress!, dimension: dimension), kernels.squaredL2(x, m.baseAddress! + dimension, dimension: dimension))
                var target: Int? = nil
                for other in neighbours {
                    let d = kernels.squaredL2(x, other.centroid, dimension: dimension)
                    if d < best { (best, target) = (d, other.slot) }
                }
                if let target {
                    moves.append((i, target))
                    stays[i] = false
                }
            }
        }
        if !stays.indices.contains(where: { stays[$0] && assignment[$0] == 0 }) || !stays.indices.contains(where: { stays[$0] && assignment[$0] == 1 }) {
            // Moving would empty a half: keep everything in the halves.
            moves.removeAll()
            stays = [Bool](repeating: true, count: n)
        }

        // Vectors of the neighbours now nearer a half than their own centroid gain a replica
        // (screened by their int8 codes first, then exact).
        var gains = LiveIndex.Entries()
        var gainHalves: [Int] = []
        let halves = means.withUnsafeBufferPointer { m in
            (QuantizedCentroid(m.baseAddress!, dimension: dimension, kernels: kernels),
             QuantizedCentroid(m.baseAddress! + dimension, dimension: dimension, kernels: kernels))
        }
        // Each scan's dot products are turned into distances before the next reuses the buffer.
        let scores = ScratchBuffer<Int32>()
        for neighbour in neighbours {
            guard let other = postings[neighbour.slot] else { continue }
            let own = QuantizedCentroid(neighbour.centroid, dimension: dimension, kernels: kernels)
            let screen = { (part: Atlas.PostingView) throws(AeonError) in
                let a = halves.0.distances(to: part, stride: stride, kernels: kernels, scratch: scores)
                let b = halves.1.distances(to: part, stride: stride, kernels: kernels, scratch: scores)
                let c = own.distances(to: part, stride: stride, kernels: kernels, scratch: scores)
                for i in 0..<part.count where min(a[i], b[i]) < 1.1 * c[i] && !self.rows.isDeleted(Int(part.rows[i])) {
                    let x = try self.vector(row: Int(part.rows[i]))
                    let ownDistance = kernels.squaredL2(x, neighbour.centroid, dimension: dimension)
                    let (toFirst, toSecond) = means.withUnsafeBufferPointer {
                        (kernels.squaredL2(x, $0.baseAddress!, dimension: dimension), kernels.squaredL2(x, $0.baseAddress! + dimension, dimension: dimension))
                    }
                    guard min(toFirst, toSecond) < ownDistance else { continue }
                    gains.add(row: part.rows[i], scale: part.scales[i], norm: part.squaredNorms[i], code: part.codes + i * stride, stride: stride)
                    gainHalves.append(toFirst <= toSecond ? 0 : 1)
                }
            }
            try forEachBasePart(of: other, screen)
            try screen(Self.appendedPart(of: other))
        }
        return SplitPlan(
            slot: slot, posting: posting, planned: planned, entries: entries, means: means, assignment: assignment, stays: stays,
            moves: moves, gains: gains, gainHalves: gainHalves)
    }

    /// A posting's appended entries published so far, as a posting part.
    static func appendedPart(of posting: LivePosting) -> Atlas.PostingView {
        Atlas.PostingView(
            count: posting.count, rows: posting.rows, scales: posting.scales, squaredNorms: posting.squaredNorms, codes: posting.codes)
    }
}
