import Testing

@testable import Aeon
import AeonTestSupport

@Suite("split plans")
struct SplitPlanTests {
    static let dimension = 4

    /// An online index with one posting holding `perSide` vectors near (+10, 0, 0, 0) and as many
    /// near (−10, 0, 0, 0), interleaved (ids 0, 2, 4, … on the right), splits held back.
    func index(perSide: Int, limit: Int) throws -> LiveIndex {
        let live = try LiveIndex(
            atlas: nil, dimension: Self.dimension, metric: .l2, kernels: .best,
            parameters: BuildParameters(postingSizeLimit: limit, maxReplicas: 1, replicaGrowth: 1, threads: 1))
        live.deferSplits = true
        var random = SeededGenerator(seed: 7)
        for i in 0..<(2 * perSide) {
            let side: Float = i % 2 == 0 ? 10 : -10
            let vector = [side] + random.floats(Self.dimension - 1, in: -0.5...0.5)
            try vector.withUnsafeBufferPointer { try live.upsert(id: UInt64(i), vector: $0.baseAddress!) }
        }
        return live
    }

    func planSplit(_ live: LiveIndex, slot: Int, centroid: [Float]) throws -> SplitPlan? {
        let context = SearchContext()
        return try live.view.planSplit(
            slot: slot, centroid: centroid, splitLimit: live.splitLimit, iterations: 8, seed: 3, kernels: .best,
            router: context.insertRouter(kernels: .best), codes: context.queryCodes)
    }

    @Test("a posting past its limit is asked to split, and the plan's halves are the two sides")
    func halvesAreTheSides() throws {
        // Split limit 16 (twice the cap of 8): the 17th entry finds the posting full and asks.
        let live = try index(perSide: 9, limit: 8)
        #expect(live.splitLimit == 16 && live.hasSplitRequests)
        let request = try #require(live.takeSplitRequests().first)
        let plan = try #require(try planSplit(live, slot: request.slot, centroid: request.centroid))
        #expect(plan.means.count == 2 * Self.dimension && plan.entries.rows.count == 18)
        // Every entry's half is its side's: rows are numbered in insertion order (even = right).
        let rightHalf = plan.assignment[0]
        for (i, row) in plan.entries.rows.enumerated() {
            #expect((plan.assignment[i] == rightHalf) == (row % 2 == 0), "row \(row)")
        }
        let means = (plan.means[0], plan.means[Self.dimension])
        #expect(abs(means.0) > 9 && abs(means.1) > 9 && means.0 * means.1 < 0)
        // With no neighbour, nothing moves or gains a replica.
        #expect(plan.moves.isEmpty && plan.gains.rows.isEmpty && plan.stays.allSatisfy { $0 })
        #expect(try live.applySplit(plan))
        #expect(live.postingCount == 2)
    }

    @Test("a request gone stale (the posting shrank below the limit meanwhile) has no plan")
    func staleRequest() throws {
        let live = try index(perSide: 9, limit: 8)
        let request = try #require(live.takeSplitRequests().first)
        // Deleting most of it rewrites the posting without them at once (a clean-up), so by
        // the time the request is planned the slot no longer holds a posting at the limit.
        for id in 0..<10 { try live.delete(id: UInt64(id)) }
        #expect(live.cleanups + live.merges >= 1)
        #expect(try planSplit(live, slot: request.slot, centroid: request.centroid) == nil)

        let small = try index(perSide: 3, limit: 8)
        #expect(!small.hasSplitRequests)
        #expect(try planSplit(small, slot: 0, centroid: [0, 0, 0, 0]) == nil)
    }
}
