/// Builds an Atlas generation from a batch: balanced hierarchical k-means into postings of
/// bounded size, boundary replicas by SPANN's RNG rule, int8 codes per vector, and the two
/// paged files (docs/FORMAT.md).
struct AtlasBuilder {
    let io: any FileIO
    let dimension: Int
    let metric: Metric
    let parameters: BuildParameters
    let kernels: Kernels

    /// Writes `postingsPath` and `recordsPath` for the prepared (validated, and for cosine
    /// normalised) vectors `data` (`ids.count × dimension`), syncing both before returning.
    func build(
        data: UnsafePointer<Float>, ids: [UInt64], payloads: [PayloadReference?], postingsPath: String, recordsPath: String
    ) throws(AeonError) {
        let rows = ids.count
        let threads = Parallel.threads(parameters.threads)
        var random = SplitMix64(seed: parameters.seed)
        let kmeans = KMeans(data: data, dimension: dimension, kernels: kernels, threads: threads)

        let clustered = rows == 0 ? [] : partition(rowCount: rows, kmeans: kmeans, random: &random)
        let routing = group(means(of: clustered, data: data), count: clustered.count, threads: threads, random: &random)
        let leaves = routing.order.map { clustered[$0] }
        let centroids = routing.centroids
        let codes = QuantizedRows(data: data, rows: rows, dimension: dimension, kernels: kernels, threads: threads)
        let centroidCodes = centroids.withUnsafeBufferPointer {
            QuantizedRows(data: $0.baseAddress, rows: leaves.count, dimension: dimension, kernels: kernels, threads: threads)
        }
        let members = assignReplicas(
            leaves: leaves, data: data, centroids: centroids, centroidCodes: centroidCodes, codes: codes, threads: threads)

        try writeRecords(data: data, ids: ids, payloads: payloads, path: recordsPath)
        try writePostings(
            members: members, centroids: centroids, centroidCodes: centroidCodes, groups: routing, codes: codes, rows: rows,
            path: postingsPath)
    }

    /// Writes a generation whose clustering is given: `members[p]` are posting p's rows and
    /// `centroids` its centroid (`members.count × dimension`); a checkpoint of an index written
    /// to online. Only the routing groups are computed (k-means over the centroids, cheap).
    func write(
        data: UnsafePointer<Float>, ids: [UInt64], payloads: [PayloadReference?], members: [[Int32]], centroids: [Float],
        postingsPath: String, recordsPath: String
    ) throws(AeonError) {
        precondition(centroids.count == members.count * dimension, "AtlasBuilder.write: one centroid per posting")
        let threads = Parallel.threads(parameters.threads)
        var random = SplitMix64(seed: parameters.seed)
        let routing = group(centroids, count: members.count, threads: threads, random: &random)
        let codes = QuantizedRows(data: data, rows: ids.count, dimension: dimension, kernels: kernels, threads: threads)
        let centroidCodes = routing.centroids.withUnsafeBufferPointer {
            QuantizedRows(data: $0.baseAddress, rows: members.count, dimension: dimension, kernels: kernels, threads: threads)
        }
        try writeRecords(data: data, ids: ids, payloads: payloads, path: recordsPath)
        try writePostings(
            members: routing.order.map { members[$0] }, centroids: routing.centroids, centroidCodes: centroidCodes, groups: routing,
            codes: codes, rows: ids.count, path: postingsPath)
    }

    /// A layer's centroids: each posting's (the section is written, the routing groups
    /// computed afresh), or, when no centroid changed, the section a layer below holds.
    enum LayerCentroids {
        case changed([Float])
        case kept(layer: Int, firstPage: Int, pageCount: Int, groupCount: Int)
    }

    /// Writes a layer over an existing generation (a checkpoint that writes only what changed):
    /// the rows `firstRow ..< firstRow + ids.count` (vectors in `data`), the deletion bitmap
    /// over all rows, and the postings: `kept` ones stay in the older layers' pages, `written`
    /// ones get pages here, `tailed` ones a tail here, their bytes from
    /// `entries(posting, layout, &writer)`. `layers` lists the generations of the stack, this
    /// one last. When the centroids changed, the routing groups are computed afresh (and the
    /// postings renumbered by group); otherwise the postings keep their numbers.
    func writeLayer(
        data: UnsafePointer<Float>, ids: [UInt64], payloads: [PayloadReference?], firstRow: Int, deleted: [UInt64],
        placements: [PostingPlacement], centroids: LayerCentroids, layers: [UInt64], postingsPath: String, recordsPath: String,
        entries: (Int, PostingLayout, inout BinaryWriter) throws(AeonError) -> Void
    ) throws(AeonError) {
        try writeRecords(data: data, ids: ids, payloads: payloads, firstRow: firstRow, deleted: deleted, path: recordsPath)
        guard case .changed(let vectors) = centroids else {
            guard case .kept(let layer, let firstPage, let pageCount, let groupCount) = centroids else { preconditionFailure() }
            try writePostings(
                placements: placements, centroids: .keep(layer: layer, firstPage: firstPage, pageCount: pageCount, groupCount: groupCount),
                rows: firstRow + ids.count, layers: layers, path: postingsPath, entries: entries)
            return
        }
        precondition(vectors.count == placements.count * dimension, "AtlasBuilder.writeLayer: one centroid per posting")
        let threads = Parallel.threads(parameters.threads)
        var random = SplitMix64(seed: parameters.seed)
        let routing = group(vectors, count: placements.count, threads: threads, random: &random)
        let centroidCodes = routing.centroids.withUnsafeBufferPointer {
            QuantizedRows(data: $0.baseAddress, rows: placements.count, dimension: dimension, kernels: kernels, threads: threads)
        }
        try writePostings(
            placements: routing.order.map { placements[$0] }, centroids: .write(centroids: routing.centroids, codes: centroidCodes, groups: routing),
            rows: firstRow + ids.count, layers: layers, path: postingsPath
        ) { (p, layout, w) throws(AeonError) in try entries(routing.order[p], layout, &w) }
    }

    // MARK: clustering

    /// Splits all rows into leaves of at most `postingSizeLimit` rows: k-means with
    /// k = min(branching, ⌈n / limit⌉) on any set above the limit, recursively. Large sets run
    /// one at a time with a parallel assignment step; small ones run side by side.
    private func partition(rowCount: Int, kmeans: KMeans, random: inout SplitMix64) -> [[Int32]] {
        let limit = parameters.postingSizeLimit
        var pending: [[Int32]] = [(0..<Int32(rowCount)).map { $0 }]
        var leaves: [[Int32]] = []
        while !pending.isEmpty {
            var small: [[Int32]] = []
            var next: [[Int32]] = []
            for set in pending {
                if set.count <= limit {
                    leaves.append(set)
                } else if set.count >= 8192 {
                    next.append(contentsOf: split(set, kmeans: kmeans, random: &random))
                } else {
                    small.append(set)
                }
            }
            if !small.isEmpty {
                // Each small set gets its own seed, so the result does not depend on scheduling.
                let seeds = small.map { _ in random.next() }
                var results = [[[Int32]]](repeating: [], count: small.count)
                let serial = KMeans(data: kmeans.data, dimension: dimension, kernels: kernels, threads: 1)
                results.withUnsafeMutableBufferPointer { out in
                    let shared = UncheckedSendable((out, small, seeds, self))
                    Parallel.forEachSlice(count: small.count, threads: kmeans.threads) { range in
                        let (out, small, seeds, builder) = shared.value
                        for i in range {
                            var local = SplitMix64(seed: seeds[i])
                            out[i] = builder.split(small[i], kmeans: serial, random: &local)
                        }
                    }
                }
                for parts in results { next.append(contentsOf: parts) }
            }
            pending = next
        }
        return leaves
    }

    private func split(_ set: [Int32], kmeans: KMeans, random: inout SplitMix64) -> [[Int32]] {
        let limit = parameters.postingSizeLimit
        let k = max(2, min(parameters.branching, (set.count + limit - 1) / limit))
        let (_, assignment) = kmeans.cluster(rows: set, k: k, iterations: parameters.iterations, random: &random)
        var groups = [[Int32]](repeating: [], count: k)
        for (i, row) in set.enumerated() { groups[Int(assignment[i])].append(row) }
        groups.removeAll { $0.isEmpty }
        if groups.count < 2 {
            // All points (nearly) identical: k-means cannot separate them; halve instead.
            let half = set.count / 2
            return [Array(set[..<half]), Array(set[half...])]
        }
        return groups
    }

    private func means(of leaves: [[Int32]], data: UnsafePointer<Float>) -> [Float] {
        var centroids = [Float](repeating: 0, count: leaves.count * dimension)
        for (p, leaf) in leaves.enumerated() {
            var sum = [Double](repeating: 0, count: dimension)
            for row in leaf {
                let x = data + Int(row) * dimension
                for d in 0..<dimension { sum[d] += Double(x[d]) }
            }
            let inverse = 1 / Double(leaf.count)
            for d in 0..<dimension { centroids[p * dimension + d] = Float(sum[d] * inverse) }
        }
        return centroids
    }

    // MARK: routing groups

    /// The first level of routing: the centroids clustered into about √P groups, and the
    /// postings renumbered so that each group's are contiguous.
    struct Grouping {
        /// New posting number → the leaf it was.
        var order: [Int]
        /// The centroids in the new order (P × dimension).
        var centroids: [Float]
        /// Group centroids (G × dimension): the mean of their members.
        var groupCentroids: [Float]
        /// Each group's first posting and count.
        var ranges: [(first: Int, count: Int)]
    }

    private func group(_ centroids: [Float], count: Int, threads: Int, random: inout SplitMix64) -> Grouping {
        guard count > 1 else {
            return Grouping(order: Array(0..<count), centroids: centroids, groupCentroids: centroids, ranges: count == 0 ? [] : [(0, count)])
        }
        let k = max(1, Int(Double(count).squareRoot().rounded()))
        let assignment: [Int32] = centroids.withUnsafeBufferPointer { cs in
            let kmeans = KMeans(data: cs.baseAddress!, dimension: dimension, kernels: kernels, threads: threads)
            return kmeans.cluster(rows: (0..<Int32(count)).map { $0 }, k: k, iterations: parameters.iterations, random: &random).assignment
        }
        let order = (0..<count).sorted { (assignment[$0], $0) < (assignment[$1], $1) }
        var permuted = [Float](repeating: 0, count: count * dimension)
        for (new, old) in order.enumerated() {
            for d in 0..<dimension { permuted[new * dimension + d] = centroids[old * dimension + d] }
        }
        var ranges: [(first: Int, count: Int)] = []
        var groupCentroids: [Float] = []
        var start = 0
        while start < count {
            var end = start
            while end < count && assignment[order[end]] == assignment[order[start]] { end += 1 }
            ranges.append((start, end - start))
            for d in 0..<dimension {
                var sum: Double = 0
                for p in start..<end { sum += Double(permuted[p * dimension + d]) }
                groupCentroids.append(Float(sum / Double(end - start)))
            }
            start = end
        }
        return Grouping(order: order, centroids: permuted, groupCentroids: groupCentroids, ranges: ranges)
    }

    // MARK: boundary replicas

    /// Each posting's rows. A row's primary posting is its nearest centroid (so routing a
    /// query to its nearest centroids finds it; the hierarchical leaf it was clustered into is
    /// one candidate). It is then offered to the next nearest centroids within
    /// `(1 + replicaEpsilon) ×` its nearest distance, and accepted by SPANN's RNG rule: skip c
    /// when an already chosen c′ has rngFactor·dist(c, c′) < dist(x, c). A posting keeps at most
    /// `postingSizeLimit × replicaGrowth` rows; primaries always stay, the farthest replicas go first.
    private func assignReplicas(
        leaves: [[Int32]], data: UnsafePointer<Float>, centroids: [Float], centroidCodes: QuantizedRows, codes: QuantizedRows,
        threads: Int
    ) -> [[Int32]] {
        let postings = leaves.count
        let rows = codes.rows
        guard postings > 1 else { return leaves }
        var leafOf = [Int32](repeating: 0, count: rows)
        for (p, leaf) in leaves.enumerated() { for row in leaf { leafOf[Int(row)] = Int32(p) } }
        let slots = parameters.maxReplicas

        // Per row: its postings, nearest first (slot 0 is the primary); -1 marks none.
        var chosenPosting = [Int32](repeating: -1, count: rows * slots)
        var chosenDistance = [Float](repeating: 0, count: rows * slots)
        let rule = ReplicaRule(parameters)
        let candidates = min(postings, rule.candidateCount)
        let dimension = self.dimension, kernels = self.kernels
        centroids.withUnsafeBufferPointer { cs in
            chosenPosting.withUnsafeMutableBufferPointer { outPosting in
                chosenDistance.withUnsafeMutableBufferPointer { outDistance in
                    let shared = UncheckedSendable((cs.baseAddress!, outPosting, outDistance, leafOf, data))
                    Parallel.forEachSlice(count: rows, threads: threads, grain: 256) { range in
                        let (cs, outPosting, outDistance, leafOf, data) = shared.value
                        let router = CentroidRouter(kernels: kernels)
                        let table = centroidCodes.table
                        var chosen: [(posting: Int32, distance: Float)] = []
                        for row in range {
                            let x = data + row * dimension
                            var near = router.nearest(
                                in: table, codes: codes.codes + row * codes.stride, scale: codes.scales[row], count: candidates,
                                exact: { kernels.squaredL2(x, cs + Int($0) * dimension, dimension: dimension) }
                            ).map { (posting: Int32($0.item), distance: $0.distance) }
                            let leaf = leafOf[row]
                            if !near.contains(where: { $0.posting == leaf }) {
                                let d = kernels.squaredL2(x, cs + Int(leaf) * dimension, dimension: dimension)
                                near.append((leaf, d))
                                near.sort { $0.distance < $1.distance }
                            }
                            rule.choose(near, centroid: { cs + Int($0) * dimension }, dimension: dimension, kernels: kernels, into: &chosen)
                            for (slot, choice) in chosen.enumerated() {
                                outPosting[row * slots + slot] = choice.posting
                                outDistance[row * slots + slot] = choice.distance
                            }
                        }
                    }
                }
            }
        }

        // Primaries first; then replicas fill each posting's room, nearest first.
        let cap = max(parameters.postingSizeLimit, Int((Float(parameters.postingSizeLimit) * parameters.replicaGrowth).rounded()))
        var members = [[Int32]](repeating: [], count: postings)
        var offered = [[(row: Int32, distance: Float)]](repeating: [], count: postings)
        for row in 0..<rows {
            members[Int(chosenPosting[row * slots])].append(Int32(row))
            for slot in 1..<slots where chosenPosting[row * slots + slot] >= 0 {
                offered[Int(chosenPosting[row * slots + slot])].append((Int32(row), chosenDistance[row * slots + slot]))
            }
        }
        for p in 0..<postings {
            let room = cap - members[p].count
            guard room > 0, !offered[p].isEmpty else { continue }
            let accepted = offered[p].count <= room ? offered[p] : Array(offered[p].sorted { $0.distance < $1.distance }.prefix(room))
            members[p].append(contentsOf: accepted.map(\.row))
        }
        return members
    }

    // MARK: files

    /// Writes a records file of rows `firstRow ..< firstRow + ids.count` (`data` holds their
    /// vectors, from its start) and the deletion bitmap over every row up to its last
    /// (`deleted`, 64 rows a word; empty: none).
    private func writeRecords(
        data: UnsafePointer<Float>, ids: [UInt64], payloads: [PayloadReference?], firstRow: Int = 0, deleted: [UInt64] = [],
        path: String
    ) throws(AeonError) {
        let rows = ids.count
        let writer = try PagedFileWriter(io: io, path: path, magic: RecordsHeader.magic, version: RecordsHeader.version)
        let stride = PagedFileLayout.align(dimension * 4, codeAlignment)

        let vectorsPage = try writer.startSection()
        for row in 0..<rows {
            try writer.append(UnsafeRawBufferPointer(start: data + row * dimension, count: dimension * 4))
            try writer.pad(to: codeAlignment)
            precondition(writer.currentOffset == vectorsPage * pageSize + (row + 1) * stride, "records: row layout drifted")
        }

        let idsPage = try writer.startSection()
        var w = BinaryWriter(capacity: rows * 8)
        for id in ids { w.append(id) }
        try writer.append(w.bytes)

        let indexPage = try writer.startSection()
        // An id written twice since the layer below has two rows here, the earlier deleted:
        // the index lists its latest row only, so ids stay unique.
        var sorted = (0..<rows).sorted { (ids[$0], $0) < (ids[$1], $1) }
        sorted = sorted.indices.filter { $0 + 1 == sorted.count || ids[sorted[$0 + 1]] != ids[sorted[$0]] }.map { sorted[$0] }
        w = BinaryWriter(capacity: rows * RecordsHeader.idIndexEntrySize)
        for row in sorted {
            w.append(ids[row])
            w.append(UInt32(firstRow + row))
            w.append(UInt32(0))
        }
        try writer.append(w.bytes)

        let tablePage = try writer.startSection()
        w = BinaryWriter(capacity: rows * RecordsHeader.payloadEntrySize)
        let none = PayloadReference(location: BlobLocation(segment: 0, offset: 0, length: 0, checksum: 0), length: 0)
        for payload in payloads {
            (payload ?? none).location.encode(into: &w)
            w.append(UInt32(payload?.length ?? 0))
            w.append(UInt32(payload == nil ? 0 : 1))
        }
        try writer.append(w.bytes)

        let deletionPage = try writer.startSection()
        let words = (firstRow + rows + 63) / 64
        w = BinaryWriter(capacity: words * 8)
        for i in 0..<words { w.append(i < deleted.count ? deleted[i] : 0) }
        try writer.append(w.bytes)

        let header = RecordsHeader(
            dimension: dimension, metric: metric, rowCount: rows, vectorsFirstPage: vectorsPage, idsFirstPage: idsPage,
            idIndexFirstPage: indexPage, payloadTableFirstPage: tablePage, firstRow: firstRow, deletionFirstPage: deletionPage,
            idIndexCount: sorted.count)
        try writer.finish(fileHeader: header.encoded())
    }

    /// Where each posting of a generation being written lies: in pages of an older layer
    /// (its directory entry, kept as it was), or in this file (`count` entries, written here).
    /// A postings file's centroid section: written here, or kept where a layer below has it
    /// (its layer index, pages and routing group count), when no centroid changed.
    enum CentroidSection {
        case write(centroids: [Float], codes: QuantizedRows, groups: Grouping)
        case keep(layer: Int, firstPage: Int, pageCount: Int, groupCount: Int)
    }

    enum PostingPlacement {
        case kept(PostingDirectoryEntry)
        case written(count: Int)
        /// The head kept where it is (the entry's head fields); a new tail of `count` entries here.
        case tailed(PostingDirectoryEntry, count: Int)
    }

    private func writePostings(
        members: [[Int32]], centroids: [Float], centroidCodes: QuantizedRows, groups: Grouping, codes: QuantizedRows, rows: Int,
        path: String
    ) throws(AeonError) {
        try writePostings(
            placements: members.map { .written(count: $0.count) }, centroids: .write(centroids: centroids, codes: centroidCodes, groups: groups),
            rows: rows, layers: [generation(ofPath: path)], path: path
        ) { (p, layout, w) in
            let member = members[p]
            for row in member { w.append(UInt32(row)) }
            w.pad(to: layout.scalesOffset)
            for row in member { w.append(codes.scales[Int(row)]) }
            w.pad(to: layout.normsOffset)
            for row in member { w.append(codes.squaredNorms[Int(row)]) }
            w.pad(to: layout.codesOffset)
            for row in member { w.append(codes.rowBytes(Int(row))) }
        }
    }

    /// The generation a file path names (its writer always names it so).
    private func generation(ofPath path: String) -> UInt64 {
        StoreFileNames.generation(ofIndexFile: String(path.split(separator: "/").last ?? "")) ?? 0
    }

    /// Writes a postings file: the centroid section, the directory (postings `kept` point into
    /// older layers' files; the others get pages here), then the pages of each `written`
    /// posting, whose bytes `entries` appends (rows, scales, norms, codes at the layout's offsets).
    private func writePostings(
        placements: [PostingPlacement], centroids section: CentroidSection, rows: Int, layers: [UInt64], path: String,
        entries: (Int, PostingLayout, inout BinaryWriter) throws(AeonError) -> Void
    ) throws(AeonError) {
        let postings = placements.count
        let stride = PagedFileLayout.align(dimension, codeAlignment)
        let writer = try PagedFileWriter(io: io, path: path, magic: PostingsHeader.magic, version: PostingsHeader.version)

        // Centroids: fp32 rows, int8 code rows, scales, squared norms; groups: fp32 rows, ranges.
        var w = BinaryWriter()
        let centroidLayer: Int, centroidPage: Int, centroidPages: Int, groupCount: Int
        switch section {
        case .keep(let layer, let firstPage, let pageCount, let groups):
            (centroidLayer, centroidPage, centroidPages, groupCount) = (layer, firstPage, pageCount, groups)
        case .write(let centroids, let centroidCodes, let groups):
            let layout = CentroidLayout(count: postings, groupCount: groups.ranges.count, dimension: dimension)
            (centroidLayer, centroidPages, groupCount) = (layers.count - 1, PagedFileLayout.pages(forBytes: layout.byteCount), groups.ranges.count)
            centroidPage = try writer.startSection()
            for p in 0..<postings {
                let result = centroids.withUnsafeBytes { raw in
                    Result { () throws(AeonError) in
                        try writer.append(UnsafeRawBufferPointer(rebasing: raw[(p * dimension * 4)..<((p + 1) * dimension * 4)]))
                    }
                }
                try result.get()
                try writer.pad(to: codeAlignment)
            }
            for p in 0..<postings { try writer.append(centroidCodes.rowBytes(p)) }
            try writer.pad(to: codeAlignment)
            w = BinaryWriter(capacity: postings * 4)
            for p in 0..<postings { w.append(centroidCodes.scales[p]) }
            try writer.append(w.bytes)
            try writer.pad(to: codeAlignment)
            w = BinaryWriter(capacity: postings * 4)
            for p in 0..<postings { w.append(centroidCodes.squaredNorms[p]) }
            try writer.append(w.bytes)
            try writer.pad(to: codeAlignment)
            w = BinaryWriter(capacity: groups.ranges.count * layout.vectorStride)
            for g in 0..<groups.ranges.count {
                for d in 0..<dimension { w.append(groups.groupCentroids[g * dimension + d]) }
                w.pad(to: (g + 1) * layout.vectorStride)
            }
            for range in groups.ranges {
                w.append(UInt32(range.first))
                w.append(UInt32(range.count))
            }
            try writer.append(w.bytes)
            precondition(writer.currentOffset == centroidPage * pageSize + layout.byteCount, "postings: centroid layout drifted")
        }

        // Directory: every posting's pages are known before any is written.
        let directoryPage = try writer.startSection()
        let directoryPages = PagedFileLayout.pages(forBytes: postings * PostingDirectoryEntry.size)
        var nextPage = directoryPage + directoryPages
        var directory: [PostingDirectoryEntry] = []
        let own = layers.count - 1
        func allocate(_ count: Int) -> (first: Int, pages: Int, capacity: Int) {
            let pages = max(1, PagedFileLayout.pages(forBytes: PostingLayout(capacity: count, codeStride: stride).byteCount))
            defer { nextPage += pages }
            return (nextPage, pages, PostingLayout.capacity(pages: pages, codeStride: stride))
        }
        for placement in placements {
            switch placement {
            case .kept(let entry):
                directory.append(entry)
            case .written(let count):
                let (first, pages, capacity) = allocate(count)
                directory.append(PostingDirectoryEntry(firstPage: first, pageCount: pages, count: count, capacity: capacity, layer: own))
            case .tailed(var entry, let count):
                let (first, pages, capacity) = allocate(count)
                entry.tailLayer = own
                entry.tailFirstPage = first
                entry.tailPageCount = pages
                entry.tailCount = count
                entry.tailCapacity = capacity
                directory.append(entry)
            }
        }
        w = BinaryWriter(capacity: postings * PostingDirectoryEntry.size)
        for e in directory { e.encode(into: &w) }
        try writer.append(w.bytes)

        // Postings written here.
        for (p, placement) in placements.enumerated() {
            let entry = directory[p]
            let (firstPage, count, capacity): (Int, Int, Int)
            switch placement {
            case .kept: continue
            case .written: (firstPage, count, capacity) = (entry.firstPage, entry.count, entry.capacity)
            case .tailed: (firstPage, count, capacity) = (entry.tailFirstPage, entry.tailCount, entry.tailCapacity)
            }
            let first = try writer.startSection()
            precondition(first == firstPage, "postings: page plan drifted")
            let posting = PostingLayout(capacity: capacity, codeStride: stride)
            w = BinaryWriter(capacity: posting.codesOffset + count * stride)
            try entries(p, posting, &w)
            precondition(w.bytes.count == posting.codesOffset + count * stride, "postings: entry layout drifted")
            try writer.append(w.bytes)
        }
        let header = PostingsHeader(
            dimension: dimension, metric: metric, postingCount: postings, centroidFirstPage: centroidPage,
            centroidPageCount: centroidPages, directoryFirstPage: directoryPage,
            directoryPageCount: directoryPages, rowCount: rows, entryCount: directory.reduce(0) { $0 + $1.totalCount },
            groupCount: groupCount, layers: layers, centroidLayer: centroidLayer, build: parameters)
        try writer.finish(fileHeader: header.encoded())
    }
}
