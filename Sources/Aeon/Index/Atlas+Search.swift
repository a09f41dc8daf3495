import CAeonKernels

/// Buffers a search reuses, so a query allocates little. Used by one thread at a time (the
/// store keeps a pool and hands each out exclusively).
final class SearchContext: @unchecked Sendable {
    let queryCodes = ScratchBuffer<Int8>()
    let scores = ScratchBuffer<Int32>()
    let candidates = TopK(capacity: 1)
    /// Ids of the pending writes a search scored.
    let pendingIDs = ScratchBuffer<UInt64>()
    var router: CentroidRouter?
    var routerGeneration: UInt64 = .max
    /// The work of the latest search.
    var statistics = SearchStatistics()

    init() {}
}

extension Atlas {
    /// The `k` best rows for `query` (validated, and unit-length for cosine), best first.
    ///
    /// Quantize the query; find the `nprobe` nearest centroids (int8 scan of the centroid table,
    /// exact fp32 for the best few); drop those beyond `(1 + ε) ×` the nearest distance;
    /// scan their postings with the int8 kernel, keeping the best `k × oversample` distinct
    /// rows; rescore those with the fp32 vectors. When `k` reaches the record count every row
    /// is scored exactly.
    func search(
        _ query: UnsafeBufferPointer<Float>, k: Int, parameters: SearchParameters, kernels: Kernels, context: SearchContext
    ) throws(AeonError) -> [(row: Int, score: Float)] {
        precondition(query.count == dimension, "search: query of \(query.count) dims for \(dimension)")
        context.statistics = SearchStatistics()
        guard k > 0, rowCount > 0 else { return [] }
        if k >= rowCount { return try exhaustive(query, kernels: kernels) }
        let q = query.baseAddress!
        let dimension = self.dimension, metric = self.metric

        // Quantize the query.
        let queryCodes = context.queryCodes.reserve(dimension)
        let queryScale = kernels.quantize(query, into: UnsafeMutableBufferPointer(start: queryCodes, count: dimension))

        // Route.
        let (table, centroidVectors, centroidStride) = try centroids()
        if context.routerGeneration != generation || context.router == nil {
            context.router = CentroidRouter(table: table, kernels: kernels, geometry: metric == .innerProduct ? .innerProduct : .l2)
            context.routerGeneration = generation
        }
        let nprobe = min(parameters.nprobe, postingCount)
        let shortlist = min(postingCount, nprobe + max(16, nprobe / 4))
        let groupProbes = parameters.groupProbes > 0 ? parameters.groupProbes : automaticGroupProbes(nprobe: nprobe)
        let groupDistance = { (g: UnsafePointer<Float>) -> Float in
            metric == .innerProduct ? -kernels.dot(q, g, dimension: dimension) : kernels.squaredL2(q, g, dimension: dimension)
        }
        let near = context.router!.nearest(
            codes: queryCodes, scale: queryScale, count: shortlist, groupProbes: groupProbes, groupDistance: groupDistance
        ) { c in
            let centroid = centroidVectors + Int(c) * centroidStride
            return metric == .innerProduct
                ? -kernels.dot(q, centroid, dimension: dimension) : kernels.squaredL2(q, centroid, dimension: dimension)
        }
        var probes = near.prefix(nprobe)
        if metric != .innerProduct, let nearest = probes.first, parameters.epsilon.isFinite {
            let bound = nearest.distance * (1 + parameters.epsilon) * (1 + parameters.epsilon)
            probes = probes.prefix { $0.distance <= bound }
        }

        // Scan.
        let candidates = context.candidates
        candidates.reset(capacity: min(rowCount, k * parameters.oversample))
        var threshold = -Float.infinity
        let codeStride = postingsHeader.codeStride
        for probe in probes {
            let posting = try self.posting(Int(probe.posting))
            context.statistics.postingsProbed += 1
            context.statistics.entriesScanned += posting.count
            let n = posting.count
            guard n > 0 else { continue }
            let scores = context.scores.reserve(n)
            kernels.scan(query: queryCodes, codes: posting.codes, dimension: dimension, stride: codeStride, count: n, scores: scores)
            let scales = posting.scales, norms = posting.squaredNorms, rows = posting.rows
            for i in 0..<n {
                let dot = Float(scores[i]) * queryScale * scales[i]
                let approximate = metric == .l2 ? 2 * dot - norms[i] : dot
                guard approximate > threshold else { continue }
                // A replica of a row already held scores the same: keep one.
                let row = rows[i]
                if candidates.contains(row) { continue }
                threshold = candidates.offer(approximate, row)
            }
        }

        // Rescore.
        var hits: [(row: Int, score: Float)] = []
        hits.reserveCapacity(candidates.count)
        let queryNorm = metric == .l2 ? kernels.dot(q, q, dimension: dimension) : 0
        if parameters.rescore { context.statistics.candidatesRescored = candidates.count }
        let held = candidates.unordered()
        if parameters.rescore {
            // Start every candidate's row loading at once: they are scattered over the records
            // file, and waiting for each in turn costs a full memory latency apiece.
            for (_, row) in held where Int(row) < rowCount { prefetchVector(row: Int(row)) }
        }
        for (approximate, row) in held {
            let row = Int(row)
            if parameters.rescore {
                hits.append((row, try exactScore(q, row: row, kernels: kernels)))
            } else {
                guard row < rowCount else { throw AeonError(.corrupt, "a posting refers to row \(row) of \(rowCount)", path: postings.path) }
                hits.append((row, metric == .l2 ? approximate - queryNorm : approximate))
            }
        }
        hits.sort { $0.score > $1.score || ($0.score == $1.score && $0.row < $1.row) }
        return Array(hits.prefix(k))
    }

    /// Groups to scan when the caller leaves it to us: `max(8, nprobe / 2)`. In 384-d sentence
    /// space the nearest postings of a query spread over many groups; fewer groups lose recall
    /// (measured in docs/BENCHMARKS.md).
    func automaticGroupProbes(nprobe: Int) -> Int {
        min(postingsHeader.groupCount, max(8, nprobe / 2))
    }

    /// Starts loading row `row`'s vector into the cache (it is checksummed when read).
    func prefetchVector(row: Int) {
        let offset = recordsHeader.vectorsFirstPage * pageSize + row * recordsHeader.vectorStride
        aeon_prefetch(records.region.base + offset, dimension * 4)
    }

    /// The exact score of `row` for the query under this index's metric (higher is better).
    func exactScore(_ q: UnsafePointer<Float>, row: Int, kernels: Kernels) throws(AeonError) -> Float {
        let v = try vector(row: row)
        return metric == .l2 ? -kernels.squaredL2(q, v, dimension: dimension) : kernels.dot(q, v, dimension: dimension)
    }

    /// Every row scored exactly, best first.
    private func exhaustive(_ query: UnsafeBufferPointer<Float>, kernels: Kernels) throws(AeonError) -> [(row: Int, score: Float)] {
        var hits: [(row: Int, score: Float)] = []
        hits.reserveCapacity(rowCount)
        for row in 0..<rowCount { hits.append((row, try exactScore(query.baseAddress!, row: row, kernels: kernels))) }
        hits.sort { $0.score > $1.score || ($0.score == $1.score && $0.row < $1.row) }
        return hits
    }
}
