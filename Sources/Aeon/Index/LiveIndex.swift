/// An Atlas generation being written to, SPFresh-style: new vectors go into their nearest
/// postings (the build's RNG rule picks the replicas) in memory; deletes mark rows; a posting
/// that outgrows twice the build's cap is split by 2-means, and the vectors near the two new
/// centroids are checked for reassignment to neighbouring postings; a posting that shrinks
/// below half the size limit is merged into its neighbours (which are recentred), and one a
/// quarter deleted is rewritten without them. A checkpoint writes the result as the next generation (no
/// re-clustering).
///
/// Used by one writer at a time (the store's index lock); readers use ``view``.
final class LiveIndex: @unchecked Sendable {
    // Mutated only under the store's index lock; readers see only published views.
    let atlas: Atlas?
    let rows: LiveRows
    let dimension: Int
    let metric: Metric
    let kernels: Kernels
    let parameters: BuildParameters
    let codeStride: Int
    /// A posting that would hold more entries than this is split.
    let splitLimit: Int
    /// A posting with fewer live entries than this is merged away. Half the size limit: smaller
    /// postings multiply, and ε-pruning then skips those that hold a query's neighbours
    /// (measured: recall 0.72 at a quarter, 0.90 at half, after deleting 90 %; fresh 0.89).
    let mergeLimit: Int
    let rule: ReplicaRule
    var postings: [LivePosting?] = []
    var slotGroup: [Int32] = []
    var slotCentroids: [Float] = []
    var groups: [RoutingGroup] = [] { didSet { cachedRouting = nil } }
    /// The routing table over `groups`, built once per change of them rather than per route.
    private var cachedRouting: LiveRouting?
    var routing: LiveRouting {
        if let cachedRouting { return cachedRouting }
        let made = LiveRouting(dimension: dimension, groups: groups)
        cachedRouting = made
        return made
    }
    var freeSlots: [Int32] = []
    var liveSlots = 0
    /// The live appended row of each id written since the generation.
    private var appendedRow: [UInt64: UInt32] = [:]
    /// Rows replaced by upserts, to be marked deleted once their replacements are published.
    private var replacedRows: [UInt32] = []
    var view: LiveView
    var random: SplitMix64
    let router: CentroidRouter
    let code: ScratchBuffer<Int8>
    var changed = false
    /// Splits and merges done (for statistics and tests).
    var splits = 0
    var merges = 0
    /// Postings rewritten without their deleted entries.
    var cleanups = 0
    /// Routing groups split.
    var groupSplits = 0
    /// Whether a posting past the split limit is queued for a split planned off the writer's
    /// lock (``takeSplitRequests()``, ``LiveView/planSplit``, ``applySplit(_:)``) instead of
    /// split at once: it grows meanwhile, up to twice the limit (then it is split at once).
    /// Takes the split's cost off the commit that crosses the limit.
    var deferSplits = false
    var splitRequests: [(slot: Int, centroid: [Float])] = []
    var requestedSlots = Set<Int>()

    /// Routing groups an insert's routing scans: 8 gave the same recall after churn as 16 and
    /// 21 % more inserts per second (docs/BENCHMARKS.md).
    static let groupProbes = 8
    /// A deleted row sits in its nearest postings (the primary and replicas within ε): a
    /// narrower search finds them at a fraction of an insert's routing cost.
    private static let deleteGroupProbes = 4
    private static let deleteCandidates = 8
    /// Neighbouring postings a split checks for reassignment.
    private static let neighbours = 8

    init(atlas: Atlas?, dimension: Int, metric: Metric, kernels: Kernels, parameters: BuildParameters) throws(AeonError) {
        self.atlas = atlas
        self.dimension = dimension
        self.metric = metric
        self.kernels = kernels
        self.parameters = parameters
        self.rule = ReplicaRule(parameters)
        self.codeStride = PagedFileLayout.align(dimension, codeAlignment)
        // Twice the build's cap: the halves of a split start where a full built posting ends.
        // Splitting at the cap itself leaves postings half the size of a build's, so a query's
        // nprobe covers fewer vectors (measured: recall@10 −0.010 against a fresh build at the
        // cap, +0.004 at twice it; docs/BENCHMARKS.md).
        let cap = max(parameters.postingSizeLimit, Int((Float(parameters.postingSizeLimit) * parameters.replicaGrowth).rounded()))
        self.splitLimit = 2 * cap
        self.mergeLimit = max(1, parameters.postingSizeLimit / 2)
        self.rows = LiveRows(dimension: dimension, baseCount: atlas?.rowCount ?? 0, baseDeleted: atlas?.deletionWords ?? [])
        self.random = SplitMix64(seed: parameters.seed)
        self.router = CentroidRouter(kernels: kernels)
        self.code = ScratchBuffer(capacity: PagedFileLayout.align(dimension, codeAlignment))
        self.view = LiveView(
            atlas: atlas, rows: rows, postings: [], routing: LiveRouting(dimension: dimension, groups: []), metric: metric,
            codeStride: codeStride, postingCount: 0, version: 0)
        if let atlas, atlas.postingCount > 0 {
            let (table, vectors, stride) = try atlas.centroids()
            // `centroids()` has checked that the groups tile the postings.
            let fileGroups = table.groups!
            for g in 0..<fileGroups.count {
                let range = fileGroups.range(g)
                var centroids: [Float] = []
                centroids.reserveCapacity(range.count * dimension)
                for p in range { centroids.append(contentsOf: UnsafeBufferPointer(start: vectors + p * stride, count: dimension)) }
                let groupVector = fileGroups.vectors + g * fileGroups.vectorStride
                self.groups.append(RoutingGroup(
                    vector: groupVector, slots: range.map { Int32($0) }, centroids: centroids, dimension: dimension, kernels: kernels))
                for _ in range { slotGroup.append(Int32(g)) }
                slotCentroids.append(contentsOf: centroids)
            }
            for p in 0..<atlas.postingCount {
                postings.append(LivePosting(base: Int32(p), baseCount: try atlas.directoryEntry(p).totalCount, capacity: 0, codeStride: codeStride))
            }
            liveSlots = atlas.postingCount
        }
        publish()
    }

    /// The postings in use.
    var postingCount: Int { liveSlots }

    // MARK: writes

    /// Makes `vector` (prepared) the record `id`'s, replacing its previous row. `plan`, when
    /// given, is the vector's route worked out beforehand on a published view (used when the
    /// index has not changed shape since).
    ///
    /// The replaced row stays visible until ``retireReplacedRows()``: the caller calls it once it
    /// has published the view holding the new row, so a search never finds neither version.
    func upsert(id: UInt64, vector: UnsafePointer<Float>, plan: InsertPlan? = nil) throws(AeonError) {
        defer { publishIfChanged() }
        guard rows.hasRoom else {
            throw AeonError(
                .noSpace, "\(LiveRows.capacity) writes since the last checkpoint fill the online index: checkpoint")
        }
        let old = try liveRow(of: id)
        let row = rows.append(id: id, vector: vector)
        appendedRow[id] = row
        try insert(row: row, vector: vector, plan: plan?.version == view.version ? plan : nil)
        if let old { replacedRows.append(old) }
    }

    /// Marks the rows replaced by upserts since the last call deleted (see ``upsert(id:vector:plan:)``).
    func retireReplacedRows() {
        for row in replacedRows { rows.markDeleted(Int(row)) }
        replacedRows.removeAll(keepingCapacity: true)
    }

    /// Deletes the record `id` (nothing when absent); merges a posting it leaves too small.
    func delete(id: UInt64) throws(AeonError) {
        defer { publishIfChanged() }
        guard let row = try liveRow(of: id) else { return }
        rows.markDeleted(Int(row))
        appendedRow[id] = nil
        let vector = try view.vector(row: Int(row))
        let candidates = nearestSlots(vector, count: min(liveSlots, Self.deleteCandidates), groupProbes: Self.deleteGroupProbes)
        for near in candidates where postings[Int(near.posting)] != nil {
            let slot = Int(near.posting)
            guard try contains(slot, row: row) else { continue }
            let live = try liveCount(slot)
            if liveSlots > 1, live < mergeLimit {
                try merge(slot)
            } else if 4 * (postings[slot]!.totalCount - live) > postings[slot]!.totalCount {
                // A quarter of it deleted: every search probing it would scan them; drop them.
                replace(slot, with: fresh(try liveEntries(slot)))
                try recentre(slot)
                cleanups += 1
            }
        }
    }

    /// The row that holds `id` now, if any.
    private func liveRow(of id: UInt64) throws(AeonError) -> UInt32? {
        if let row = appendedRow[id] { return row }
        guard let atlas, let row = try atlas.row(id: id), !rows.isDeleted(row) else { return nil }
        return UInt32(row)
    }

    private func insert(row: UInt32, vector: UnsafePointer<Float>, plan: InsertPlan? = nil) throws(AeonError) {
        let entry = quantized(row: row, vector: vector)
        guard liveSlots > 0 else {
            let slot = newSlot(centroid: vector, group: nil)
            try append(entry, to: slot, vector: vector)
            return
        }
        let near = plan?.near ?? nearestSlots(vector, count: min(liveSlots, rule.candidateCount))
        var chosen: [(posting: Int32, distance: Float)] = []
        rule.choose(near, centroid: centroid, dimension: dimension, kernels: kernels, into: &chosen)
        for choice in chosen { try append(entry, to: Int(choice.posting), vector: vector) }
    }

    // MARK: entries

    /// Entries gathered from postings: rows, scales, squared norms and codes, owned.
    struct Entries {
        var rows: [UInt32] = []
        var scales: [Float] = []
        var norms: [Float] = []
        var codes: [Int8] = []

        mutating func add(row: UInt32, scale: Float, norm: Float, code: UnsafePointer<Int8>, stride: Int) {
            rows.append(row)
            scales.append(scale)
            norms.append(norm)
            codes.append(contentsOf: UnsafeBufferPointer(start: code, count: stride))
        }
    }

    private func quantized(row: UInt32, vector: UnsafePointer<Float>) -> Entries {
        let codes = code.reserve(codeStride)
        codes.initialize(repeating: 0, count: codeStride)
        let scale = kernels.quantize(
            UnsafeBufferPointer(start: vector, count: dimension), into: UnsafeMutableBufferPointer(start: codes, count: dimension))
        var entry = Entries()
        entry.add(row: row, scale: scale, norm: kernels.dot(vector, vector, dimension: dimension), code: codes, stride: codeStride)
        return entry
    }

    /// Calls `body` with each of slot `slot`'s entries whose row is not deleted, each row once,
    /// in place (the code pointer is valid during the call).
    private func forEachLiveEntry(
        _ slot: Int, _ body: (_ row: UInt32, _ scale: Float, _ norm: Float, _ code: UnsafePointer<Int8>) throws(AeonError) -> Void
    ) throws(AeonError) {
        let posting = postings[slot]!
        var seen = Set<UInt32>(minimumCapacity: posting.totalCount)
        try view.forEachBasePart(of: posting) { (base) throws(AeonError) in
            for i in 0..<base.count where !rows.isDeleted(Int(base.rows[i])) && seen.insert(base.rows[i]).inserted {
                try body(base.rows[i], base.scales[i], base.squaredNorms[i], base.codes + i * codeStride)
            }
        }
        for i in 0..<posting.count where !rows.isDeleted(Int(posting.rows[i])) && seen.insert(posting.rows[i]).inserted {
            try body(posting.rows[i], posting.scales[i], posting.squaredNorms[i], UnsafePointer(posting.codes + i * codeStride))
        }
    }

    /// How many of slot `slot`'s rows are not deleted (counted in place, nothing copied).
    private func liveCount(_ slot: Int) throws(AeonError) -> Int {
        var count = 0
        try forEachLiveEntry(slot) { _, _, _, _ in count += 1 }
        return count
    }

    /// Slot `slot`'s entries whose rows are not deleted, each row once, copied out.
    func liveEntries(_ slot: Int) throws(AeonError) -> Entries {
        var entries = Entries()
        let stride = codeStride
        try forEachLiveEntry(slot) { row, scale, norm, code in entries.add(row: row, scale: scale, norm: norm, code: code, stride: stride) }
        return entries
    }

    func contains(_ slot: Int, row: UInt32) throws(AeonError) -> Bool {
        let posting = postings[slot]!
        var found = false
        try view.forEachBasePart(of: posting) { (base) throws(AeonError) in
            for i in 0..<base.count where base.rows[i] == row { found = true }
        }
        if found { return true }
        for i in 0..<posting.count where posting.rows[i] == row { return true }
        return false
    }

    /// Appends entry `index` of `entries` to slot `slot`, making room first: a generation
    /// posting gets memory of its own; a full one is split (or cleared of deleted entries), and
    /// the entry goes to the nearer half.
    func append(_ entries: Entries, at index: Int = 0, to slot: Int, vector: UnsafePointer<Float>) throws(AeonError) {
        var slot = slot
        var posting = postings[slot]!
        if posting.isFull {
            if posting.totalCount < splitLimit {
                // Room grows by doubling, a page at least: most postings never reach the limit.
                let room = min(splitLimit - posting.baseCount, max(2 * posting.capacity, entriesPerPage))
                replace(slot, with: try copy(posting, capacity: room))
            } else if deferSplits && posting.totalCount < 2 * splitLimit {
                if requestedSlots.insert(slot).inserted {
                    splitRequests.append((slot, Array(UnsafeBufferPointer(start: centroid(Int32(slot)), count: dimension))))
                }
                // Room up to twice the limit, a page at least (so a few rows past it with wide rows).
                let room = max(entriesPerPage, min(splitLimit / 4, 2 * splitLimit - posting.totalCount))
                replace(slot, with: try copy(posting, capacity: posting.capacity + room))
            } else if let other = try split(slot) {
                let here = kernels.squaredL2(vector, centroid(Int32(slot)), dimension: dimension)
                let there = kernels.squaredL2(vector, centroid(Int32(other)), dimension: dimension)
                if there < here { slot = other }
            }
            posting = postings[slot]!
            if posting.isFull {
                // Identical vectors that 2-means cannot separate: give the posting more room.
                replace(slot, with: try copy(posting, capacity: posting.capacity * 2))
                posting = postings[slot]!
            }
        }
        entries.codes.withUnsafeBufferPointer { codes in
            posting.append(
                row: entries.rows[index], scale: entries.scales[index], squaredNorm: entries.norms[index],
                code: codes.baseAddress! + index * codeStride)
        }
    }

    /// Entries a page of posting memory holds.
    private var entriesPerPage: Int { max(1, PostingLayout.capacity(pages: 1, codeStride: codeStride)) }

    /// A copy of `posting` (its generation part shared) with room for `capacity` appended entries.
    private func copy(_ posting: LivePosting, capacity: Int) throws(AeonError) -> LivePosting {
        let copied = LivePosting(base: posting.base, baseCount: posting.baseCount, capacity: max(capacity, posting.count), codeStride: codeStride)
        for i in 0..<posting.count {
            copied.append(
                row: posting.rows[i], scale: posting.scales[i], squaredNorm: posting.squaredNorms[i], code: posting.codes + i * codeStride)
        }
        return copied
    }

    func fresh(_ entries: Entries, where keep: (Int) -> Bool = { _ in true }) -> LivePosting {
        let posting = LivePosting(
            base: -1, baseCount: 0, capacity: max(entries.rows.count, min(splitLimit, max(entriesPerPage, entries.rows.count + entries.rows.count / 2))),
            codeStride: codeStride)
        entries.codes.withUnsafeBufferPointer { codes in
            for i in entries.rows.indices where keep(i) {
                posting.append(row: entries.rows[i], scale: entries.scales[i], squaredNorm: entries.norms[i], code: codes.baseAddress! + i * codeStride)
            }
        }
        return posting
    }

    // MARK: checkpoint

    /// The index as it is now, for a checkpoint: each posting in use with its centroid and the
    /// entries published so far, and the deletion marks. Writers may go on afterwards.
    func freeze() -> FrozenIndex {
        var parts: [FrozenIndex.Posting] = []
        for (slot, posting) in postings.enumerated() {
            guard let posting else { continue }
            parts.append(FrozenIndex.Posting(
                posting: posting, count: posting.count,
                centroid: Array(UnsafeBufferPointer(start: centroid(Int32(slot)), count: dimension))))
        }
        return FrozenIndex(view: view, postings: parts, deleted: rows.deletionSnapshot())
    }
}
