/// Splits and merges: postings past their limit split in two by 2-means, small ones merge into
/// their neighbours, and the routing table follows.
extension LiveIndex {
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
    func split(_ slot: Int) throws(AeonError) -> Int? {
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
    func merge(_ slot: Int) throws(AeonError) {
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
    func recentre(_ slot: Int) throws(AeonError) {
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
}
