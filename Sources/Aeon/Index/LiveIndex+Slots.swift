/// Slots (postings by number) and the routing table over their centroids.
extension LiveIndex {
    func replace(_ slot: Int, with posting: LivePosting) {
        postings[slot] = posting
        changed = true
    }

    /// A new, empty slot with `centroid`, in `group` (or a new group when nil).
    func newSlot(centroid: UnsafePointer<Float>, group: Int?) -> Int {
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

    func setCentroid(_ slot: Int, _ value: UnsafePointer<Float>) {
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
    func nearestSlots(_ vector: UnsafePointer<Float>, count: Int, groupProbes: Int = LiveIndex.groupProbes)
        -> [(posting: Int32, distance: Float)]
    {
        guard liveSlots > 0 else { return [] }
        return routing.nearestSlots(
            vector, count: count, groupProbes: groupProbes, router: router, codes: code, kernels: kernels)
    }

    func nearestSlots(_ vector: [Float], count: Int) -> [(posting: Int32, distance: Float)] {
        vector.withUnsafeBufferPointer { nearestSlots($0.baseAddress!, count: count) }
    }

    func publishIfChanged() {
        if changed { publish() }
    }

    func publish() {
        view = LiveView(
            atlas: atlas, rows: rows, postings: postings, routing: routing, metric: metric,
            codeStride: codeStride, postingCount: liveSlots, version: view.version + 1)
        changed = false
    }
}
