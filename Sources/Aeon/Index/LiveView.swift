/// What a search reads of an index being written to: the generation underneath, the appended
/// rows and deletion marks, the postings by slot and the routing table. Immutable except that
/// postings' entry counts and rows' deletion marks advance (atomically); a structural change
/// (a split, a merge, a posting given room) publishes a new view.
final class LiveView: @unchecked Sendable {
    // Immutable after init; what it points to is safe for concurrent readers (see LiveRows, LivePosting).
    let atlas: Atlas?
    let rows: LiveRows
    /// Postings by slot; `nil` marks a free slot.
    let postings: [LivePosting?]
    let routing: LiveRouting
    let metric: Metric
    let codeStride: Int
    /// Postings in use.
    let postingCount: Int
    /// Counts the views a live index has published: a route planned on this view is still
    /// valid while the index's current view has the same version.
    let version: UInt64

    init(
        atlas: Atlas?, rows: LiveRows, postings: [LivePosting?], routing: LiveRouting, metric: Metric, codeStride: Int, postingCount: Int,
        version: UInt64
    ) {
        self.version = version
        self.atlas = atlas
        self.rows = rows
        self.postings = postings
        self.routing = routing
        self.metric = metric
        self.codeStride = codeStride
        self.postingCount = postingCount
    }

    var dimension: Int { rows.dimension }

    /// Entries over all postings, deleted rows' included until a split, merge or checkpoint
    /// drops them.
    var entryCount: Int { postings.reduce(0) { $0 + ($1?.totalCount ?? 0) } }

    /// Row `row`'s fp32 vector, wherever it lives.
    func vector(row: Int) throws(AeonError) -> UnsafePointer<Float> {
        if rows.isAppended(row) { return rows.vector(row) }
        guard let atlas else { throw AeonError(.corrupt, "a posting refers to row \(row) of an empty generation") }
        return try atlas.vector(row: row)
    }

    /// Row `row`'s id.
    func id(row: Int) throws(AeonError) -> UInt64 {
        if rows.isAppended(row) { return rows.id(row) }
        guard let atlas else { throw AeonError(.corrupt, "a posting refers to row \(row) of an empty generation") }
        return try atlas.id(row: row)
    }

    /// Calls `body` with the entries of the generation's posting under `posting`, if any: its
    /// head, then its tail.
    func forEachBasePart(of posting: LivePosting, _ body: (Atlas.PostingView) throws(AeonError) -> Void) throws(AeonError) {
        guard posting.base >= 0, let atlas else { return }
        let (head, tail) = try atlas.posting(Int(posting.base))
        try body(head)
        if let tail { try body(tail) }
    }
}


/// An insert's route, worked out on a published view outside the writer's lock (in parallel
/// with other writers, and while the log syncs): the candidate postings and their distances.
struct InsertPlan: Sendable {
    let version: UInt64
    let near: [(posting: Int32, distance: Float)]
}

extension LiveView {
    /// The route an insert of `vector` takes while this view is current.
    func plan(_ vector: UnsafePointer<Float>, parameters: BuildParameters, router: CentroidRouter, codes: ScratchBuffer<Int8>, kernels: Kernels)
        -> InsertPlan?
    {
        guard postingCount > 0 else { return nil }
        let count = min(postingCount, ReplicaRule(parameters).candidateCount)
        return InsertPlan(
            version: version,
            near: routing.nearestSlots(vector, count: count, groupProbes: LiveIndex.groupProbes, router: router, codes: codes, kernels: kernels))
    }
}
