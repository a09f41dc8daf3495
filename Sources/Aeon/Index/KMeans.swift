/// Lloyd's k-means under squared L2, seeded with k-means++ on a sample, with the assignment
/// step (the cost) spread over threads and computed by the SIMD L2 kernel.
struct KMeans {
    let data: UnsafePointer<Float>
    let dimension: Int
    let kernels: Kernels
    let threads: Int

    /// Clusters the vectors at `rows` (indices into `data`) into at most `k` groups.
    /// Returns the centroids (k × dimension) and each row's group.
    func cluster(rows: [Int32], k requested: Int, iterations: Int, random: inout SplitMix64) -> (centroids: [Float], assignment: [Int32]) {
        let k = min(requested, rows.count)
        precondition(k >= 1, "KMeans: nothing to cluster")
        let sample = sampled(rows, count: min(rows.count, max(k * 96, 2048)), random: &random)
        var centroids = seed(sample, k: k, random: &random)
        var assignment = [Int32](repeating: 0, count: sample.count)
        for _ in 0..<iterations {
            assign(sample, to: centroids, k: k, into: &assignment)
            let moved = recompute(&centroids, k: k, rows: sample, assignment: assignment, random: &random)
            if !moved { break }
        }
        var final = [Int32](repeating: 0, count: rows.count)
        assign(rows, to: centroids, k: k, into: &final)
        return (centroids, final)
    }

    private func vector(_ row: Int32) -> UnsafePointer<Float> { data + Int(row) * dimension }

    private func sampled(_ rows: [Int32], count: Int, random: inout SplitMix64) -> [Int32] {
        guard count < rows.count else { return rows }
        var copy = rows
        // Partial Fisher–Yates: the first `count` become a uniform sample.
        for i in 0..<count {
            let j = i + Int(random.next() % UInt64(copy.count - i))
            copy.swapAt(i, j)
        }
        return Array(copy[0..<count])
    }

    /// k-means++: each next centroid is drawn with probability proportional to the squared
    /// distance to the nearest one chosen so far.
    private func seed(_ rows: [Int32], k: Int, random: inout SplitMix64) -> [Float] {
        var centroids = [Float]()
        centroids.reserveCapacity(k * dimension)
        let first = rows[Int(random.next() % UInt64(rows.count))]
        centroids.append(contentsOf: UnsafeBufferPointer(start: vector(first), count: dimension))
        var nearest = [Float](repeating: .infinity, count: rows.count)
        for c in 1..<max(k, 1) {
            let latest = c - 1
            var total: Double = 0
            centroids.withUnsafeBufferPointer { cs in
                let centroid = cs.baseAddress! + latest * dimension
                for (i, row) in rows.enumerated() {
                    nearest[i] = min(nearest[i], kernels.squaredL2(vector(row), centroid, dimension: dimension))
                    total += Double(nearest[i])
                }
            }
            var pick = rows[Int(random.next() % UInt64(rows.count))]
            if total > 0 {
                var target = Double(random.next() >> 11) / Double(1 << 53) * total
                for (i, row) in rows.enumerated() {
                    target -= Double(nearest[i])
                    if target <= 0 {
                        pick = row
                        break
                    }
                }
            }
            centroids.append(contentsOf: UnsafeBufferPointer(start: vector(pick), count: dimension))
        }
        return centroids
    }

    /// Each row's nearest centroid, in parallel.
    func assign(_ rows: [Int32], to centroids: [Float], k: Int, into assignment: inout [Int32]) {
        let dimension = self.dimension, kernels = self.kernels, data = UncheckedSendable(self.data)
        rows.withUnsafeBufferPointer { rows in
            centroids.withUnsafeBufferPointer { cs in
                assignment.withUnsafeMutableBufferPointer { out in
                    let shared = UncheckedSendable((rows, cs, out))
                    Parallel.forEachSlice(count: rows.count, threads: threads, grain: 512) { range in
                        let (rows, cs, out) = shared.value
                        for i in range {
                            let x = data.value + Int(rows[i]) * dimension
                            var best: Float = .infinity
                            var bestIndex: Int32 = 0
                            for c in 0..<k {
                                let d = kernels.squaredL2(x, cs.baseAddress! + c * dimension, dimension: dimension)
                                if d < best {
                                    best = d
                                    bestIndex = Int32(c)
                                }
                            }
                            out[i] = bestIndex
                        }
                    }
                }
            }
        }
    }

    /// New centroids as the means of their rows; an empty cluster restarts at a random row.
    /// Returns whether any assignment-relevant centroid changed.
    private func recompute(_ centroids: inout [Float], k: Int, rows: [Int32], assignment: [Int32], random: inout SplitMix64) -> Bool {
        var sums = [Double](repeating: 0, count: k * dimension)
        var counts = [Int](repeating: 0, count: k)
        let dimension = self.dimension
        // Raw pointers: the checked array accesses in this loop cost more than the additions.
        sums.withUnsafeMutableBufferPointer { sums in
            for (i, row) in rows.enumerated() {
                let c = Int(assignment[i])
                counts[c] += 1
                let x = vector(row)
                let sum = sums.baseAddress! + c * dimension
                for d in 0..<dimension { sum[d] += Double(x[d]) }
            }
        }
        var moved = false
        for c in 0..<k {
            let base = c * dimension
            if counts[c] == 0 {
                let row = rows[Int(random.next() % UInt64(rows.count))]
                for d in 0..<dimension { centroids[base + d] = vector(row)[d] }
                moved = true
                continue
            }
            let inverse = 1 / Double(counts[c])
            for d in 0..<dimension {
                let value = Float(sums[base + d] * inverse)
                if value != centroids[base + d] { moved = true }
                centroids[base + d] = value
            }
        }
        return moved
    }
}
