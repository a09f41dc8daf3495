/// Checkpoints that write only what changed: a layer over the current generation.
extension AeonStore {
    /// Layers a generation may stack (a full generation and its deltas) before a checkpoint
    /// folds them into one: every id lookup searches the layers' id indexes from the top.
    public static let maximumLayers = 8

    /// Whether a checkpoint of `frozen` should add a layer over `atlas` rather than rewrite the
    /// whole index: not when the stack is full, when a quarter of the rows are deleted (their
    /// space comes back only by a fold), or when the deltas' files have grown as large as the
    /// full generation's (postings rewritten in a delta leave their old pages behind).
    func shouldLayer(_ frozen: FrozenIndex, over atlas: Atlas) -> Bool {
        guard frozen.view.atlas === atlas, atlas.layers.count < Self.maximumLayers else { return false }
        let deleted = frozen.deleted.bits.reduce(0) { $0 + $1.nonzeroBitCount }
        guard deleted * 4 < frozen.deleted.rows else { return false }
        let pages = atlas.layers.map { $0.postings.pageCount + $0.records.pageCount }
        return pages.dropFirst().reduce(0, +) < pages[0]
    }

    /// Posting entries copied out of the index for a layer: rows, scales, squared norms, codes.
    private struct PostingEntries {
        var rows: [UInt32] = []
        var scales: [Float] = []
        var norms: [Float] = []
        var codes: [Int8] = []
    }

    /// Writes the next generation as a layer over `atlas`: the rows appended since it (their
    /// pending payloads appended to the blob arena and synced first), the deletion bitmap, the
    /// postings that changed (new tails, or whole; others keep their pages in the layers
    /// below), the directory, and the centroids unless none moved; then switches the manifest. Returns the new manifest and the payloads
    /// of the generation's rows deleted since (now dead bytes in the arena).
    func writeLayer(
        _ frozen: FrozenIndex, over atlas: Atlas, delta: Delta, previous: Manifest, checkpointLSN: UInt64
    ) throws(AeonError) -> (manifest: Manifest, dead: [BlobLocation]) {
        let view = frozen.view, deleted = frozen.deleted, rows = view.rows
        let firstRow = atlas.rowCount
        let count = deleted.rows - firstRow
        precondition(count >= 0 && rows.baseCount == firstRow, "AeonStore.writeLayer: the index is not over this generation")

        // Rows appended since, in row order: deleted ones too (postings name rows by number).
        let data = UnsafeMutablePointer<Float>.allocate(capacity: max(1, count * dimension))
        defer { data.deallocate() }
        var ids: [UInt64] = [], payloads: [PayloadReference?] = [], pending: [(index: Int, bytes: [UInt8])] = []
        ids.reserveCapacity(count)
        for i in 0..<count {
            let row = firstRow + i
            let id = rows.id(row)
            (data + i * dimension).update(from: rows.vector(row), count: dimension)
            ids.append(id)
            payloads.append(nil)
            guard !deleted.isDeleted(row) else { continue }
            guard let record = delta.entries[id]?.record else {
                throw AeonError(.corrupt, "row \(row) (id \(id)) is in the index but not among the pending writes", path: path)
            }
            if let bytes = record.payload { pending.append((i, bytes)) }
        }
        try appendPayloads(pending, into: &payloads)

        // The generation's rows deleted since: their blobs are garbage from now on.
        var dead: [BlobLocation] = []
        let before = atlas.deletionWords
        for w in 0..<((firstRow + 63) / 64) {
            var fresh = deleted.bits[w] & ~(w < before.count ? before[w] : 0)
            while fresh != 0 {
                let row = w * 64 + fresh.trailingZeroBitCount
                fresh &= fresh - 1
                guard row < firstRow else { break }
                if let reference = try atlas.payloadReference(row: row) { dead.append(reference.location) }
            }
        }

        // Postings: unchanged ones keep their pages; one that took entries keeps its head and
        // gets a new tail (its old tail's entries and the new ones), unless the tail would
        // outgrow the head; split, merged and cleaned ones are written whole. Deleted rows'
        // entries are dropped from whatever is written.
        var placements: [AtlasBuilder.PostingPlacement] = [], written: [PostingEntries] = [], centroids: [Float] = []
        let stride = view.codeStride
        for part in frozen.postings {
            let posting = part.posting
            let old = posting.base >= 0 ? try atlas.directoryEntry(Int(posting.base)) : nil
            if let old, part.count == 0 {
                placements.append(.kept(old))
                written.append(PostingEntries())
                centroids.append(contentsOf: part.centroid)
                continue
            }
            var entries = PostingEntries()
            var seen = Set<UInt32>()
            let take = { (row: UInt32, scale: Float, norm: Float, code: UnsafePointer<Int8>) throws(AeonError) in
                guard Int(row) < deleted.rows else {
                    throw AeonError(.corrupt, "a posting refers to row \(row) of \(deleted.rows)", path: self.path)
                }
                guard !deleted.isDeleted(Int(row)), seen.insert(row).inserted else { return }
                entries.rows.append(row)
                entries.scales.append(scale)
                entries.norms.append(norm)
                entries.codes.append(contentsOf: UnsafeBufferPointer(start: code, count: stride))
            }
            var tailed = false
            if let old, let base = posting.base >= 0 ? try atlas.posting(Int(posting.base)) : nil {
                // The head stays: its rows only mark what a tail must not repeat.
                for i in 0..<base.head.count { seen.insert(base.head.rows[i]) }
                if let tail = base.tail {
                    for i in 0..<tail.count { try take(tail.rows[i], tail.scales[i], tail.squaredNorms[i], tail.codes + i * stride) }
                }
                for i in 0..<part.count { try take(posting.rows[i], posting.scales[i], posting.squaredNorms[i], posting.codes + i * stride) }
                tailed = entries.rows.count <= old.count
                if !tailed {
                    entries = PostingEntries()
                    seen = []
                }
            }
            if !tailed {
                try view.forEachBasePart(of: posting) { (base) throws(AeonError) in
                    for i in 0..<base.count { try take(base.rows[i], base.scales[i], base.squaredNorms[i], base.codes + i * stride) }
                }
                for i in 0..<part.count { try take(posting.rows[i], posting.scales[i], posting.squaredNorms[i], posting.codes + i * stride) }
            }
            if tailed, let old, entries.rows.isEmpty {
                // Everything appended since was deleted again: the head alone.
                placements.append(.kept(PostingDirectoryEntry(
                    firstPage: old.firstPage, pageCount: old.pageCount, count: old.count, capacity: old.capacity, layer: old.layer)))
            } else if tailed, let old {
                placements.append(.tailed(old, count: entries.rows.count))
            } else if !entries.rows.isEmpty {
                placements.append(.written(count: entries.rows.count))
            } else {
                continue
            }
            written.append(entries)
            centroids.append(contentsOf: part.centroid)
        }

        // No centroid changed (no split, merge or recentring since): keep the section below,
        // and with it the postings' numbers.
        var section = AtlasBuilder.LayerCentroids.changed(centroids)
        if placements.count == atlas.postingCount, frozen.postings.enumerated().allSatisfy({ $0.element.posting.base == Int32($0.offset) }) {
            let (_, vectors, vectorStride) = try atlas.centroids()
            var same = true
            for p in 0..<placements.count where same {
                let stored = vectors + p * vectorStride
                for d in 0..<dimension where centroids[p * dimension + d].bitPattern != stored[d].bitPattern {
                    same = false
                    break
                }
            }
            if same {
                let h = atlas.postingsHeader
                section = .kept(layer: h.centroidLayer, firstPage: h.centroidFirstPage, pageCount: h.centroidPageCount, groupCount: h.groupCount)
            }
        }

        let next = Manifest(
            dimension: dimension, metric: metric, generation: try nextGeneration(after: previous),
            recordCount: UInt64(deleted.rows - deleted.bits.reduce(0) { $0 + $1.nonzeroBitCount }), checkpointLSN: checkpointLSN,
            identity: previous.identity)
        let builder = AtlasBuilder(io: io, dimension: dimension, metric: metric, parameters: try buildParameters.validated(), kernels: kernels)
        try writeFiles(of: next) { (postingsPath, recordsPath) throws(AeonError) in
            try builder.writeLayer(
                data: data, ids: ids, payloads: payloads, firstRow: firstRow, deleted: deleted.bits, placements: placements,
                centroids: section, layers: atlas.layerGenerations + [next.generation], postingsPath: postingsPath,
                recordsPath: recordsPath
            ) { (p, layout, w) in
                let e = written[p]
                for row in e.rows { w.append(row) }
                w.pad(to: layout.scalesOffset)
                for scale in e.scales { w.append(scale) }
                w.pad(to: layout.normsOffset)
                for norm in e.norms { w.append(norm) }
                w.pad(to: layout.codesOffset)
                e.codes.withUnsafeBytes { w.append($0) }
            }
        }
        return (next, dead)
    }
}
