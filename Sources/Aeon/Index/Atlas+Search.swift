import CAeonKernels

/// Buffers a search reuses, so a query allocates little. Used by one thread at a time (the
/// store keeps a pool and hands each out exclusively).
final class SearchContext: @unchecked Sendable {
    let queryCodes = ScratchBuffer<Int8>()
    let scores = ScratchBuffer<Int32>()
    let candidates = TopK(capacity: 1)
    var router: CentroidRouter?
    private var l2Router: CentroidRouter?
    /// The work of the latest search.
    var statistics = SearchStatistics()

    init() {}

    /// A router by squared L2, which placing vectors uses whatever the metric.
    func insertRouter(kernels: Kernels) -> CentroidRouter {
        if let l2Router { return l2Router }
        let made = CentroidRouter(kernels: kernels, geometry: .l2)
        l2Router = made
        return made
    }

    /// This context's router (the store's metric never changes, so one suffices).
    func router(kernels: Kernels, metric: Metric) -> CentroidRouter {
        if let router { return router }
        let made = CentroidRouter(kernels: kernels, geometry: metric == .innerProduct ? .innerProduct : .l2)
        router = made
        return made
    }
}

/// One search's query, in both forms, and the steps every index shape shares: routing to the
/// nearest postings, the int8 scan of a posting into the candidates, and the fp32 rescoring.
struct QueryScan {
    let q: UnsafePointer<Float>
    let codes: UnsafePointer<Int8>
    let scale: Float
    let dimension: Int
    let metric: Metric
    let kernels: Kernels
    let context: SearchContext
    let parameters: SearchParameters

    /// Quantizes `query` into the context's buffer.
    init(_ query: UnsafeBufferPointer<Float>, metric: Metric, kernels: Kernels, parameters: SearchParameters, context: SearchContext) {
        let codes = context.queryCodes.reserve(query.count)
        self.scale = kernels.quantize(query, into: UnsafeMutableBufferPointer(start: codes, count: query.count))
        self.codes = UnsafePointer(codes)
        self.q = query.baseAddress!
        self.dimension = query.count
        self.metric = metric
        self.kernels = kernels
        self.context = context
        self.parameters = parameters
    }

    /// Distance (smaller is nearer) from the query to a centroid, under the metric's geometry.
    func distance(to centroid: UnsafePointer<Float>) -> Float {
        metric == .innerProduct ? -kernels.dot(q, centroid, dimension: dimension) : kernels.squaredL2(q, centroid, dimension: dimension)
    }

    /// The postings to scan, as router items: the `nprobe` nearest centroids (int8 scan of the
    /// nearest groups, exact fp32 for the best few), without those beyond `(1 + ε) ×` the
    /// nearest distance.
    func probes(in source: some CentroidSource, postingCount: Int, centroid: (UInt32) -> UnsafePointer<Float>)
        -> ArraySlice<(item: UInt32, distance: Float)>
    {
        let nprobe = min(parameters.nprobe, postingCount)
        let shortlist = min(postingCount, nprobe + max(16, nprobe / 4))
        let groupProbes = parameters.groupProbes > 0 ? parameters.groupProbes : min(source.groupCount, Self.automaticGroupProbes(nprobe: nprobe))
        let near = context.router(kernels: kernels, metric: metric).nearest(
            in: source, codes: codes, scale: scale, count: shortlist, groupProbes: groupProbes, groupDistance: distance(to:)
        ) { distance(to: centroid($0)) }
        var probes = near.prefix(nprobe)
        if metric != .innerProduct, let nearest = probes.first, parameters.epsilon.isFinite {
            let bound = nearest.distance * (1 + parameters.epsilon) * (1 + parameters.epsilon)
            probes = probes.prefix { $0.distance <= bound }
        }
        return probes
    }

    /// Groups to scan when the caller leaves it to us: `max(8, nprobe / 2)`. In 384-d sentence
    /// space the nearest postings of a query spread over many groups; fewer groups lose recall
    /// (measured in docs/BENCHMARKS.md).
    static func automaticGroupProbes(nprobe: Int) -> Int { max(8, nprobe / 2) }

    /// Scores `count` posting entries with the int8 kernel and offers each row (once, and not
    /// when `isDeleted` says so) to the candidates.
    func offer(
        count n: Int, rows: UnsafePointer<UInt32>, scales: UnsafePointer<Float>, norms: UnsafePointer<Float>,
        codes entryCodes: UnsafePointer<Int8>, codeStride: Int, threshold: inout Float, isDeleted: ((UInt32) -> Bool)? = nil
    ) {
        context.statistics.entriesScanned += n
        guard n > 0 else { return }
        let scores = context.scores.reserve(n)
        kernels.scan(query: codes, codes: entryCodes, dimension: dimension, stride: codeStride, count: n, scores: scores)
        let candidates = context.candidates
        for i in 0..<n {
            let dot = Float(scores[i]) * scale * scales[i]
            let approximate = metric == .l2 ? 2 * dot - norms[i] : dot
            guard approximate > threshold else { continue }
            // A replica of a row already held scores the same: keep one.
            let row = rows[i]
            if candidates.contains(row) { continue }
            if let isDeleted, isDeleted(row) { continue }
            threshold = candidates.offer(approximate, row)
        }
    }

    /// The candidates, rescored with `exact` (or their approximate scores made comparable),
    /// best `k` first.
    func rescored(k: Int, prefetch: (Int) -> Void, exact: (Int) throws(AeonError) -> Float) throws(AeonError) -> [(row: Int, score: Float)] {
        let candidates = context.candidates
        var hits: [(row: Int, score: Float)] = []
        hits.reserveCapacity(candidates.count)
        let queryNorm = metric == .l2 ? kernels.dot(q, q, dimension: dimension) : 0
        let held = candidates.unordered()
        if parameters.rescore {
            context.statistics.candidatesRescored = candidates.count
            // Start every candidate's row loading at once: they are scattered over the records,
            // and waiting for each in turn costs a full memory latency apiece.
            for (_, row) in held { prefetch(Int(row)) }
        }
        for (approximate, row) in held {
            let row = Int(row)
            hits.append((row, parameters.rescore ? try exact(row) : (metric == .l2 ? approximate - queryNorm : approximate)))
        }
        hits.sort { $0.score > $1.score || ($0.score == $1.score && $0.row < $1.row) }
        return Array(hits.prefix(k))
    }

    /// The exact score (higher is better) of a stored vector.
    func exactScore(_ v: UnsafePointer<Float>) -> Float {
        metric == .l2 ? -kernels.squaredL2(q, v, dimension: dimension) : kernels.dot(q, v, dimension: dimension)
    }
}

extension Atlas {
    /// The `k` best rows for `query` (validated, and unit-length for cosine), best first.
    ///
    /// Quantize the query; find the `nprobe` nearest centroids; scan their postings with the
    /// int8 kernel, keeping the best `k × oversample` distinct rows; rescore those with the fp32
    /// vectors. When `k` reaches the record count every row is scored exactly.
    func search(
        _ query: UnsafeBufferPointer<Float>, k: Int, parameters: SearchParameters, kernels: Kernels, context: SearchContext
    ) throws(AeonError) -> [(row: Int, score: Float)] {
        precondition(query.count == dimension, "search: query of \(query.count) dims for \(dimension)")
        context.statistics = SearchStatistics()
        guard k > 0, liveCount > 0 else { return [] }
        let scan = QueryScan(query, metric: metric, kernels: kernels, parameters: parameters, context: context)
        if k >= liveCount {
            var hits: [(row: Int, score: Float)] = []
            hits.reserveCapacity(liveCount)
            for row in 0..<rowCount where !isDeleted(row) { hits.append((row, scan.exactScore(try vector(row: row)))) }
            hits.sort { $0.score > $1.score || ($0.score == $1.score && $0.row < $1.row) }
            return hits
        }
        let (table, centroidVectors, centroidStride) = try centroids()
        let probes = scan.probes(in: table, postingCount: postingCount) { centroidVectors + Int($0) * centroidStride }
        context.candidates.reset(capacity: min(liveCount, k * parameters.oversample))
        var threshold = -Float.infinity
        let isDeleted: ((UInt32) -> Bool)? = hasDeletions ? { self.isDeleted(Int($0)) } : nil
        for probe in probes {
            let (head, tail) = try self.posting(Int(probe.item))
            context.statistics.postingsProbed += 1
            for posting in [head, tail] {
                guard let posting else { continue }
                scan.offer(
                    count: posting.count, rows: posting.rows, scales: posting.scales, norms: posting.squaredNorms, codes: posting.codes,
                    codeStride: postingsHeader.codeStride, threshold: &threshold, isDeleted: isDeleted)
            }
        }
        let rowCount = self.rowCount
        return try scan.rescored(k: k) { row in
            if row < rowCount { prefetchVector(row: row) }
        } exact: { (row) throws(AeonError) in
            scan.exactScore(try vector(row: row))
        }
    }

    /// Starts loading row `row`'s vector into the cache (it is checksummed when read).
    func prefetchVector(row: Int) {
        let layer = layer(ofRow: row)
        let h = layer.recordsHeader
        let offset = h.vectorsFirstPage * pageSize + (row - h.firstRow) * h.vectorStride
        aeon_prefetch(layer.records.region.base + offset, dimension * 4)
    }
}

extension LiveView {
    /// The `k` best live rows for `query` (validated, and unit-length for cosine), best first:
    /// as ``Atlas/search(_:k:parameters:kernels:context:)``, over the postings as they are now,
    /// each the generation's entries plus those appended, skipping deleted rows.
    func search(
        _ query: UnsafeBufferPointer<Float>, k: Int, limit liveRows: Int, parameters: SearchParameters, kernels: Kernels,
        context: SearchContext
    ) throws(AeonError) -> [(row: Int, score: Float)] {
        context.statistics = SearchStatistics()
        guard k > 0, postingCount > 0 else { return [] }
        let scan = QueryScan(query, metric: metric, kernels: kernels, parameters: parameters, context: context)
        let rows = self.rows
        if k >= liveRows {
            var hits: [(row: Int, score: Float)] = []
            for row in 0..<rows.nextRow where !rows.isDeleted(row) { hits.append((row, scan.exactScore(try vector(row: row)))) }
            hits.sort { $0.score > $1.score || ($0.score == $1.score && $0.row < $1.row) }
            // Rows written since the caller counted may be here too.
            return Array(hits.prefix(k))
        }
        let routing = self.routing
        let probes = scan.probes(in: routing, postingCount: postingCount) { routing.centroid($0) }
        context.candidates.reset(capacity: min(liveRows, k * parameters.oversample))
        var threshold = -Float.infinity
        let isDeleted = { (row: UInt32) in rows.isDeleted(Int(row)) }
        for probe in probes {
            guard let posting = postings[Int(routing.slot(probe.item))] else { continue }
            context.statistics.postingsProbed += 1
            try forEachBasePart(of: posting) { (base) throws(AeonError) in
                scan.offer(
                    count: base.count, rows: base.rows, scales: base.scales, norms: base.squaredNorms, codes: base.codes,
                    codeStride: codeStride, threshold: &threshold, isDeleted: isDeleted)
            }
            scan.offer(
                count: posting.count, rows: posting.rows, scales: posting.scales, norms: posting.squaredNorms, codes: posting.codes,
                codeStride: codeStride, threshold: &threshold, isDeleted: isDeleted)
        }
        let atlas = self.atlas
        return try scan.rescored(k: k) { row in
            if !rows.isAppended(row), let atlas, row < atlas.rowCount { atlas.prefetchVector(row: row) }
        } exact: { (row) throws(AeonError) in
            scan.exactScore(try vector(row: row))
        }
    }
}
