/// One routing group of an index being written to: its members' posting slots, fp32
/// centroids and int8 codes. Immutable once made; a split or merge makes a new group object
/// (copying one group, not the whole table), and readers keep the one they started with.
final class RoutingGroup: @unchecked Sendable {
    // Immutable after init.
    let dimension: Int
    /// The group's own centroid (fixed when the group was made).
    let vector: UnsafeMutablePointer<Float>
    /// The posting slot of each member.
    let slots: [Int32]
    /// The members' fp32 centroids, `dimension` floats apart.
    let centroids: UnsafeMutablePointer<Float>
    let codes: QuantizedRows

    init(vector: UnsafePointer<Float>, slots: [Int32], centroids: [Float], dimension: Int, kernels: Kernels) {
        precondition(centroids.count == slots.count * dimension, "RoutingGroup: one centroid per slot")
        precondition(slots.count < LiveRouting.memberLimit, "RoutingGroup: too many members")
        self.dimension = dimension
        self.vector = .allocate(capacity: dimension)
        self.vector.update(from: vector, count: dimension)
        self.slots = slots
        let storage = UnsafeMutablePointer<Float>.allocate(capacity: max(1, centroids.count))
        centroids.withUnsafeBufferPointer { if let base = $0.baseAddress { storage.update(from: base, count: $0.count) } }
        self.centroids = storage
        codes = centroids.withUnsafeBufferPointer {
            QuantizedRows(data: $0.baseAddress, rows: slots.count, dimension: dimension, kernels: kernels, threads: 1)
        }
    }

    deinit {
        vector.deallocate()
        centroids.deallocate()
    }

    private var centroidArray: [Float] { Array(UnsafeBufferPointer(start: centroids, count: slots.count * dimension)) }

    /// This group with `slot`'s centroid replaced by `centroid`, or appended when it is not a
    /// member.
    func setting(_ slot: Int32, centroid: UnsafePointer<Float>, kernels: Kernels) -> RoutingGroup {
        var slots = self.slots, centroids = centroidArray
        if let i = slots.firstIndex(of: slot) {
            for d in 0..<dimension { centroids[i * dimension + d] = centroid[d] }
        } else {
            slots.append(slot)
            centroids.append(contentsOf: UnsafeBufferPointer(start: centroid, count: dimension))
        }
        return RoutingGroup(vector: vector, slots: slots, centroids: centroids, dimension: dimension, kernels: kernels)
    }

    /// This group without `slot`.
    func removing(_ slot: Int32, kernels: Kernels) -> RoutingGroup {
        guard let i = slots.firstIndex(of: slot) else { return self }
        var slots = self.slots, centroids = centroidArray
        slots.remove(at: i)
        centroids.removeSubrange((i * dimension)..<((i + 1) * dimension))
        return RoutingGroup(vector: vector, slots: slots, centroids: centroids, dimension: dimension, kernels: kernels)
    }
}

/// The centroid table of an index being written to, as the router reads it: the groups in
/// memory. An item names a group and a member: `group << 20 | member`.
struct LiveRouting: CentroidSource {
    static let memberBits: UInt32 = 20
    static let memberLimit = 1 << 20
    let dimension: Int
    let groups: [RoutingGroup]

    /// The routing table over `groups`, without those whose postings were all merged away
    /// (they would take probes and route nowhere, leaving a vector in no posting).
    init(dimension: Int, groups: [RoutingGroup]) {
        self.dimension = dimension
        self.groups = groups.filter { !$0.slots.isEmpty }
    }

    var groupCount: Int { groups.count }

    func groupVector(_ g: Int) -> UnsafePointer<Float> { UnsafePointer(groups[g].vector) }

    func block(_ g: Int) -> CentroidBlock {
        let codes = groups[g].codes
        return CentroidBlock(
            count: codes.rows, codes: codes.codes, codeStride: codes.stride, scales: codes.scales, squaredNorms: codes.squaredNorms,
            firstItem: UInt32(g) << Self.memberBits)
    }

    var allCentroids: CentroidBlock { preconditionFailure("LiveRouting: always grouped") }

    /// The posting slot an item names.
    func slot(_ item: UInt32) -> Int32 {
        groups[Int(item >> Self.memberBits)].slots[Int(item & (UInt32(Self.memberLimit) - 1))]
    }

    /// The fp32 centroid an item names.
    func centroid(_ item: UInt32) -> UnsafePointer<Float> {
        let group = groups[Int(item >> Self.memberBits)]
        let member = Int(item & (UInt32(Self.memberLimit) - 1))
        return UnsafePointer(group.centroids + member * dimension)
    }
}

extension LiveRouting {
    /// The `count` postings (slots) nearest `vector` by squared L2, nearest first: the int8 scan
    /// of the `groupProbes` nearest groups, then exact distances. `codes` is scratch space.
    func nearestSlots(
        _ vector: UnsafePointer<Float>, count: Int, groupProbes: Int, router: CentroidRouter, codes: ScratchBuffer<Int8>, kernels: Kernels
    ) -> [(posting: Int32, distance: Float)] {
        nearestItems(vector, count: count, groupProbes: groupProbes, router: router, codes: codes, kernels: kernels)
            .map { (slot($0.item), $0.distance) }
    }

    /// As ``nearestSlots(_:count:groupProbes:router:codes:kernels:)``, as router items (which
    /// name the centroids too).
    func nearestItems(
        _ vector: UnsafePointer<Float>, count: Int, groupProbes: Int, router: CentroidRouter, codes: ScratchBuffer<Int8>, kernels: Kernels
    ) -> [(item: UInt32, distance: Float)] {
        guard count > 0 else { return [] }
        let dimension = self.dimension
        let scratch = codes.reserve(PagedFileLayout.align(dimension, codeAlignment))
        let scale = kernels.quantize(
            UnsafeBufferPointer(start: vector, count: dimension), into: UnsafeMutableBufferPointer(start: scratch, count: dimension))
        return router.nearest(
            in: self, codes: scratch, scale: scale, count: count, groupProbes: groupProbes,
            groupDistance: { kernels.squaredL2(vector, $0, dimension: dimension) },
            exact: { kernels.squaredL2(vector, centroid($0), dimension: dimension) }
        )
    }
}
