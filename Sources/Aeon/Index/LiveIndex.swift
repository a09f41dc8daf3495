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
    private let rule: ReplicaRule
    private(set) var postings: [LivePosting?] = []
    private var slotGroup: [Int32] = []
    private var slotCentroids: [Float] = []
    private var groups: [RoutingGroup] = [] { didSet { cachedRouting = nil } }
    /// The routing table over `groups`, built once per change of them rather than per route.
    private var cachedRouting: LiveRouting?
    private var routing: LiveRouting {
        if let cachedRouting { return cachedRouting }
        let made = LiveRouting(dimension: dimension, groups: groups)
        cachedRouting = made
        return made
    }
    private var freeSlots: [Int32] = []
    private var liveSlots = 0
    /// The live appended row of each id written since the generation.
    private var appendedRow: [UInt64: UInt32] = [:]
    /// Rows replaced by upserts, to be marked deleted once their replacements are published.
    private var replacedRows: [UInt32] = []
    private(set) var view: LiveView
    private var random: SplitMix64
    private let router: CentroidRouter
    private let code: ScratchBuffer<Int8>
    private var changed = false
    /// Splits and merges done (for statistics and tests).
    private(set) var splits = 0
    private(set) var merges = 0
    /// Postings rewritten without their deleted entries.
    private(set) var cleanups = 0
    /// Routing groups split.
    private(set) var groupSplits = 0
    /// Whether a posting past the split limit is queued for a split planned off the writer's
    /// lock (``takeSplitRequests()``, ``LiveView/planSplit``, ``applySplit(_:)``) instead of
    /// split at once: it grows meanwhile, up to twice the limit (then it is split at once).
    /// Takes the split's cost off the commit that crosses the limit.
    var deferSplits = false
    private var splitRequests: [(slot: Int, centroid: [Float])] = []
    private var requestedSlots = Set<Int>()

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
    private func liveEntries(_ slot: Int) throws(AeonError) -> Entries {
        var entries = Entries()
        let stride = codeStride
        try forEachLiveEntry(slot) { row, scale, norm, code in entries.add(row: row, scale: scale, norm: norm, code: code, stride: stride) }
        return entries
    }

    private func contains(_ slot: Int, row: UInt32) throws(AeonError) -> Bool {
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
    private func append(_ entries: Entries, at index: Int = 0, to slot: Int, vector: UnsafePointer<Float>) throws(AeonError) {
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

    private func fresh(_ entries: Entries, where keep: (Int) -> Bool = { _ in true }) -> LivePosting {
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

    // MARK: split and merge

    /// Whether splits have been asked for since ``takeSplitRequests()``.
    var hasSplitRequests: Bool { !splitRequests.isEmpty }

    /// The splits asked for since the last call (slot, and its centroid then), oldest first.
    func takeSplitRequests() -> [(slot: Int, centroid: [Float])] {
        defer {
            splitRequests.removeAll()
            requestedSlots.removeAll()
        }
        return splitRequests
    }

    /// Applies a split planned off the lock, if slot `plan.slot` still holds the posting
    /// planned: entries appended since go to the nearer half, rows deleted since are dropped,
    /// moves to postings gone since stay in their half. Returns whether it applied.
    func applySplit(_ plan: SplitPlan) throws(AeonError) -> Bool {
        if case .refused = try apply(plan) { return false }
        return true
    }

    /// What applying a split plan did.
    enum SplitOutcome {
        case refused
        case cleaned
        /// Split into the plan's slot and this new one.
        case split(other: Int)
    }

    private func apply(_ plan: SplitPlan) throws(AeonError) -> SplitOutcome {
        defer { publishIfChanged() }
        guard plan.slot < postings.count, let current = postings[plan.slot], current === plan.posting else { return .refused }
        var entries = plan.entries, assignment = plan.assignment, stays = plan.stays
        var seen = Set(entries.rows)
        for i in plan.planned..<current.count where seen.insert(current.rows[i]).inserted {
            entries.add(row: current.rows[i], scale: current.scales[i], norm: current.squaredNorms[i], code: current.codes + i * codeStride, stride: codeStride)
            var half: Int32 = 0
            if !plan.means.isEmpty {
                let (a, b) = halfDistances(try view.vector(row: Int(current.rows[i])), plan)
                half = a <= b ? 0 : 1
            }
            assignment.append(half)
            stays.append(true)
        }
        let rows = self.rows
        let live = { (i: Int) in !rows.isDeleted(Int(entries.rows[i])) }
        guard !plan.means.isEmpty else {
            replace(plan.slot, with: fresh(entries) { live($0) })
            cleanups += 1
            return .cleaned
        }
        // A move's target may have been merged away since, and its slot even reused: the row
        // moves only if it is still nearer the target's centroid than either half's.
        var moves: [(entry: Int, to: Int)] = []
        for move in plan.moves {
            var nearer = false
            if postings[move.to] != nil {
                let x = try view.vector(row: Int(entries.rows[move.entry]))
                let (a, b) = halfDistances(x, plan)
                nearer = kernels.squaredL2(x, centroid(Int32(move.to)), dimension: dimension) < min(a, b)
            }
            if nearer { moves.append(move) } else { stays[move.entry] = true }
        }
        let keeps = { (i: Int, half: Int32) in stays[i] && assignment[i] == half && live(i) }
        // Deletes since the plan may have emptied a half: then it is not worth it.
        guard entries.rows.indices.contains(where: { keeps($0, 0) }), entries.rows.indices.contains(where: { keeps($0, 1) }) else { return .refused }
        let first = fresh(entries) { keeps($0, 0) }
        let second = fresh(entries) { keeps($0, 1) }
        let group = Int(slotGroup[plan.slot])
        replace(plan.slot, with: first)
        let other = plan.means.withUnsafeBufferPointer { m in
            setCentroid(plan.slot, m.baseAddress!)
            return newSlot(centroid: m.baseAddress! + dimension, group: group)
        }
        replace(other, with: second)
        splits += 1
        for (i, half) in plan.gainHalves.enumerated() {
            let target = half == 0 ? plan.slot : other
            let row = plan.gains.rows[i]
            guard !rows.isDeleted(Int(row)), let posting = postings[target], !posting.isFull, try !contains(target, row: row) else { continue }
            try append(plan.gains, at: i, to: target, vector: try view.vector(row: Int(row)))
        }
        for move in moves where postings[move.to] != nil && live(move.entry) {
            let row = entries.rows[move.entry]
            guard try !contains(move.to, row: row) else { continue }
            try append(entries, at: move.entry, to: move.to, vector: try view.vector(row: Int(row)))
        }
        return .split(other: other)
    }

    /// Squared L2 distances from `x` to the plan's two halves.
    private func halfDistances(_ x: UnsafePointer<Float>, _ plan: SplitPlan) -> (Float, Float) {
        plan.means.withUnsafeBufferPointer {
            (kernels.squaredL2(x, $0.baseAddress!, dimension: dimension), kernels.squaredL2(x, $0.baseAddress! + dimension, dimension: dimension))
        }
    }

    /// Splits slot `slot` by 2-means into itself and a new slot (returned); or, when deleted
    /// entries make up half of it, only drops them (returns nil). The same plan as a split off
    /// the commit path, made and applied at once on the index as it stands.
    private func split(_ slot: Int) throws(AeonError) -> Int? {
        publishIfChanged()
        let old = Array(UnsafeBufferPointer(start: centroid(Int32(slot)), count: dimension))
        guard
            let plan = try view.planSplit(
                slot: slot, centroid: old, splitLimit: splitLimit, iterations: parameters.iterations, seed: random.next(), kernels: kernels,
                router: router, codes: code)
        else { return nil }
        if case .split(let other) = try apply(plan) { return other }
        return nil
    }

    /// Removes slot `slot`, re-inserting its live entries into their nearest other postings.
    private func merge(_ slot: Int) throws(AeonError) {
        let entries = try liveEntries(slot)
        let group = Int(slotGroup[slot])
        groups[group] = groups[group].removing(Int32(slot), kernels: kernels)
        postings[slot] = nil
        slotGroup[slot] = -1
        freeSlots.append(Int32(slot))
        liveSlots -= 1
        merges += 1
        changed = true
        // Each goes where an insert would put it: its nearest postings by the RNG rule.
        var absorbed = Set<Int>()
        var chosen: [(posting: Int32, distance: Float)] = []
        for i in entries.rows.indices {
            let x = try view.vector(row: Int(entries.rows[i]))
            rule.choose(
                nearestSlots(x, count: min(liveSlots, rule.candidateCount)), centroid: centroid, dimension: dimension, kernels: kernels,
                into: &chosen)
            for choice in chosen {
                let target = Int(choice.posting)
                guard postings[target] != nil, try !contains(target, row: entries.rows[i]) else { continue }
                try append(entries, at: i, to: target, vector: x)
                absorbed.insert(target)
            }
        }
        // A posting that took vectors in is centred on what it holds now, or searches for
        // them would prune it as too far.
        for target in absorbed where postings[target] != nil { try recentre(target) }
    }

    /// Moves slot `slot`'s centroid to the mean of its live entries.
    private func recentre(_ slot: Int) throws(AeonError) {
        let entries = try liveEntries(slot)
        guard !entries.rows.isEmpty else { return }
        var sum = [Double](repeating: 0, count: dimension)
        for row in entries.rows {
            let v = try view.vector(row: Int(row))
            for d in 0..<dimension { sum[d] += Double(v[d]) }
        }
        let mean = sum.map { Float($0 / Double(entries.rows.count)) }
        mean.withUnsafeBufferPointer { setCentroid(slot, $0.baseAddress!) }
    }

    // MARK: slots and routing

    private func replace(_ slot: Int, with posting: LivePosting) {
        postings[slot] = posting
        changed = true
    }

    /// A new, empty slot with `centroid`, in `group` (or a new group when nil).
    private func newSlot(centroid: UnsafePointer<Float>, group: Int?) -> Int {
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = Int(free)
            postings[slot] = fresh(Entries())
            for d in 0..<dimension { slotCentroids[slot * dimension + d] = centroid[d] }
        } else {
            slot = postings.count
            postings.append(fresh(Entries()))
            slotGroup.append(-1)
            slotCentroids.append(contentsOf: UnsafeBufferPointer(start: centroid, count: dimension))
        }
        let g: Int
        if let group {
            g = group
        } else {
            g = groups.count
            groups.append(RoutingGroup(vector: centroid, slots: [], centroids: [], dimension: dimension, kernels: kernels))
        }
        slotGroup[slot] = Int32(g)
        groups[g] = groups[g].setting(Int32(slot), centroid: centroid, kernels: kernels)
        liveSlots += 1
        changed = true
        // (Router items name a group in 12 bits.)
        if groups[g].slots.count > max(64, 4 * Int(Double(liveSlots).squareRoot())), groups.count < 4095 { splitGroup(g) }
        return slot
    }

    /// Splits routing group `g` in two by 2-means over its centroids: splits add postings to
    /// their group, and a group that kept growing would make routing scan most centroids (an
    /// index grown from nothing starts with one group).
    private func splitGroup(_ g: Int) {
        let group = groups[g]
        let n = group.slots.count
        let kmeans = KMeans(data: group.centroids, dimension: dimension, kernels: kernels, threads: 1)
        let (means, assignment) = kmeans.cluster(rows: (0..<Int32(n)).map { $0 }, k: 2, iterations: parameters.iterations, random: &random)
        guard means.count == 2 * dimension, assignment.contains(0), assignment.contains(1) else { return }
        var parts: [(slots: [Int32], centroids: [Float])] = [([], []), ([], [])]
        for i in 0..<n {
            let side = Int(assignment[i])
            parts[side].slots.append(group.slots[i])
            parts[side].centroids.append(contentsOf: UnsafeBufferPointer(start: group.centroids + i * dimension, count: dimension))
        }
        means.withUnsafeBufferPointer { m in
            groups[g] = RoutingGroup(
                vector: m.baseAddress!, slots: parts[0].slots, centroids: parts[0].centroids, dimension: dimension, kernels: kernels)
            groups.append(RoutingGroup(
                vector: m.baseAddress! + dimension, slots: parts[1].slots, centroids: parts[1].centroids, dimension: dimension,
                kernels: kernels))
        }
        for slot in parts[1].slots { slotGroup[Int(slot)] = Int32(groups.count - 1) }
        groupSplits += 1
        changed = true
    }

    private func setCentroid(_ slot: Int, _ value: UnsafePointer<Float>) {
        for d in 0..<dimension { slotCentroids[slot * dimension + d] = value[d] }
        let g = Int(slotGroup[slot])
        groups[g] = groups[g].setting(Int32(slot), centroid: value, kernels: kernels)
        changed = true
    }

    /// Slot `slot`'s centroid. Valid only until `slotCentroids` next changes (a new slot or a
    /// recentring): callers use it at once, never across a split, merge or append.
    func centroid(_ slot: Int32) -> UnsafePointer<Float> {
        slotCentroids.withUnsafeBufferPointer { $0.baseAddress! + Int(slot) * dimension }
    }

    /// The `count` slots nearest `vector` by squared L2, nearest first.
    private func nearestSlots(_ vector: UnsafePointer<Float>, count: Int, groupProbes: Int = LiveIndex.groupProbes)
        -> [(posting: Int32, distance: Float)]
    {
        guard liveSlots > 0 else { return [] }
        return routing.nearestSlots(
            vector, count: count, groupProbes: groupProbes, router: router, codes: code, kernels: kernels)
    }

    private func nearestSlots(_ vector: [Float], count: Int) -> [(posting: Int32, distance: Float)] {
        vector.withUnsafeBufferPointer { nearestSlots($0.baseAddress!, count: count) }
    }

    private func publishIfChanged() {
        if changed { publish() }
    }

    private func publish() {
        view = LiveView(
            atlas: atlas, rows: rows, postings: postings, routing: routing, metric: metric,
            codeStride: codeStride, postingCount: liveSlots, version: view.version + 1)
        changed = false
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

/// A moment of a ``LiveIndex``, for a checkpoint to write out.
struct FrozenIndex {
    struct Posting {
        let posting: LivePosting
        /// Appended entries at that moment.
        let count: Int
        let centroid: [Float]
    }

    let view: LiveView
    let postings: [Posting]
    let deleted: DeletionSnapshot
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

extension LiveIndex {
    /// Applies one logged mutation (its vector already prepared), with its planned route if any.
    func apply(_ record: LogRecord, plan: InsertPlan? = nil) throws(AeonError) {
        switch record {
        case .upsert(let id, let vector, _):
            try vector.withUnsafeBufferPointer { (v) throws(AeonError) in try upsert(id: id, vector: v.baseAddress!, plan: plan) }
        case .delete(let id):
            try delete(id: id)
        }
    }

    /// A live index over `atlas` with the pending writes of `delta` applied (in log order);
    /// `nil` when there are none.
    static func replaying(
        _ delta: Delta, over atlas: Atlas?, dimension: Int, metric: Metric, kernels: Kernels, parameters: BuildParameters
    ) throws(AeonError) -> LiveIndex? {
        guard !delta.isEmpty else { return nil }
        let index = try LiveIndex(atlas: atlas, dimension: dimension, metric: metric, kernels: kernels, parameters: parameters)
        for entry in delta.entries.values.sorted(by: { $0.lsn < $1.lsn }) {
            if let record = entry.record {
                try index.apply(.upsert(id: entry.id, vector: record.vector, payload: nil))
            } else {
                try index.apply(.delete(id: entry.id))
            }
        }
        index.retireReplacedRows()
        return index
    }
}

/// A centroid's int8 form, for screening many entries against it by their codes (splits).
struct QuantizedCentroid {
    let codes: [Int8]
    let scale: Float
    let squaredNorm: Float

    init(_ vector: UnsafePointer<Float>, dimension: Int, kernels: Kernels) {
        var codes = [Int8](repeating: 0, count: dimension)
        scale = codes.withUnsafeMutableBufferPointer { kernels.quantize(UnsafeBufferPointer(start: vector, count: dimension), into: $0) }
        self.codes = codes
        squaredNorm = kernels.dot(vector, vector, dimension: dimension)
    }

    /// The squared L2 distances to a posting part's entries, from int8 dot products
    /// (‖x‖² − 2x·c + ‖c‖²) by the batched scan kernel, into `scratch`.
    func distances(to part: Atlas.PostingView, stride: Int, kernels: Kernels, scratch: ScratchBuffer<Int32>) -> [Float] {
        let count = part.count
        let dots = scratch.reserve(max(1, count))
        codes.withUnsafeBufferPointer {
            kernels.scan(query: $0.baseAddress!, codes: part.codes, dimension: $0.count, stride: stride, count: count, scores: dots)
        }
        return (0..<count).map { part.squaredNorms[$0] - 2 * Float(dots[$0]) * scale * part.scales[$0] + squaredNorm }
    }
}
