/// Writes index generations for a store's checkpoints and builds: a layer holding only what
/// changed since the generation below, or a whole generation (the online index serialised, or
/// every live record clustered afresh). It reads the frozen online index and the generation
/// underneath, appends pending payloads to the blob arena (synced before any file points into
/// it), writes and syncs the two index files, and switches the manifest; the store decides when,
/// holds the locks, and installs what was written.
struct GenerationWriter {
    let io: any FileIO
    /// The store's directory.
    let directory: String
    let dimension: Int
    let metric: Metric
    /// Validated (``BuildParameters/validated()``).
    let parameters: BuildParameters
    let kernels: Kernels
    let blobs: BlobArena

    /// Layers a generation may stack (a full generation and its deltas) before a checkpoint
    /// folds them into one: every id lookup searches the layers' id indexes from the top.
    static let maximumLayers = 8

    /// What ``writeLayer(_:over:delta:previous:checkpointLSN:)`` wrote: the new manifest (already
    /// the store's on disk), and the payloads of the generation's rows deleted since (now dead
    /// bytes in the blob arena).
    struct WrittenLayer {
        var manifest: Manifest
        var dead: [BlobLocation]
    }

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
    ) throws(AeonError) -> WrittenLayer {
        let view = frozen.view, deleted = frozen.deleted, rows = view.rows
        let firstRow = atlas.rowCount
        let count = deleted.rows - firstRow
        precondition(count >= 0 && rows.baseCount == firstRow, "GenerationWriter.writeLayer: the index is not over this generation")

        // Rows appended since, in row order: deleted ones too (postings name rows by number).
        let vectors = VectorBuffer(rows: count, dimension: dimension)
        let data = vectors.base
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
                throw AeonError(.corrupt, "row \(row) (id \(id)) is in the index but not among the pending writes", path: directory)
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
                    throw AeonError(.corrupt, "a posting refers to row \(row) of \(deleted.rows)", path: self.directory)
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
        let builder = AtlasBuilder(io: io, dimension: dimension, metric: metric, parameters: parameters, kernels: kernels)
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
        // `data` points into `vectors`: the buffer must outlive every use of it above.
        withExtendedLifetime(vectors) {}
        return WrittenLayer(manifest: next, dead: dead)
    }

    /// The online index at a checkpoint's moment as a generation: the rows not deleted (the
    /// generation's, then those appended), numbered anew, and the postings as they are, without
    /// deleted rows; postings left empty go.
    func serialized(_ frozen: FrozenIndex, delta: Delta) throws(AeonError) -> GenerationContents {
        let view = frozen.view, deleted = frozen.deleted, rows = view.rows
        let live = (0..<deleted.rows).filter { !deleted.isDeleted($0) }
        var renumbered = [Int32](repeating: -1, count: deleted.rows)
        var contents = GenerationContents(
            ids: [], data: VectorBuffer(rows: live.count, dimension: dimension), payloads: [])
        contents.ids.reserveCapacity(live.count)
        contents.payloads.reserveCapacity(live.count)
        for row in live {
            renumbered[row] = Int32(contents.ids.count)
            if rows.isAppended(row) {
                (contents.data.base + contents.ids.count * dimension).update(from: try view.vector(row: row), count: dimension)
                let id = rows.id(row)
                guard let record = delta.entries[id]?.record else {
                    throw AeonError(.corrupt, "row \(row) (id \(id)) is in the index but not among the pending writes", path: directory)
                }
                contents.add(id: id, bytes: record.payload)
            } else {
                let atlas = view.atlas!
                let (id, vector) = try atlas.checkedLiveRow(row)
                (contents.data.base + contents.ids.count * dimension).update(from: vector, count: dimension)
                contents.add(id: id, stored: try atlas.payloadReference(row: row))
            }
        }
        var members: [[Int32]] = [], centroids: [Float] = []
        for part in frozen.postings {
            var member: [Int32] = []
            var seen = Set<Int32>()
            let take = { (row: UInt32) throws(AeonError) in
                guard Int(row) < deleted.rows else {
                    throw AeonError(.corrupt, "a posting refers to row \(row) of \(deleted.rows)", path: self.directory)
                }
                let new = renumbered[Int(row)]
                if new >= 0, seen.insert(new).inserted { member.append(new) }
            }
            try view.forEachBasePart(of: part.posting) { (base) throws(AeonError) in for i in 0..<base.count { try take(base.rows[i]) } }
            for i in 0..<part.count { try take(part.posting.rows[i]) }
            guard !member.isEmpty else { continue }
            members.append(member)
            centroids.append(contentsOf: part.centroid)
        }
        contents.members = members
        contents.centroids = centroids
        return contents
    }

    /// The records of a generation and the pending writes over it as one contiguous batch, to
    /// be clustered afresh: the generation's rows not hidden by the delta, then the delta's
    /// records (vectors already prepared).
    func merged(_ atlas: Atlas?, delta: Delta) throws(AeonError) -> GenerationContents {
        let live = delta.entries.values.compactMap(\.record).sorted { $0.id < $1.id }
        let capacity = (atlas?.rowCount ?? 0) + live.count
        var contents = GenerationContents(ids: [], data: VectorBuffer(rows: capacity, dimension: dimension), payloads: [])
        if let atlas = atlas {
            for row in 0..<atlas.rowCount where !atlas.isDeleted(row) {
                let (id, vector) = try atlas.checkedLiveRow(row)
                if delta.entries[id] != nil { continue }
                (contents.data.base + contents.ids.count * dimension).update(from: vector, count: dimension)
                contents.add(id: id, stored: try atlas.payloadReference(row: row))
            }
        }
        for record in live {
            (contents.data.base + contents.ids.count * dimension).update(from: record.vector, count: dimension)
            contents.add(id: record.id, bytes: record.payload)
        }
        return contents
    }

    /// Writes the next generation and switches the manifest to it (durably): the pending
    /// payloads go into the blob arena, which is synced before any file that points into it.
    /// Returns the new manifest; the caller installs the snapshot.
    func write(_ contents: inout GenerationContents, previous: Manifest, checkpointLSN: UInt64) throws(AeonError) -> Manifest {
        try appendPayloads(contents.pending, into: &contents.payloads)
        contents.pending = []
        let next = Manifest(
            dimension: dimension, metric: metric, generation: try nextGeneration(after: previous),
            recordCount: UInt64(contents.ids.count), checkpointLSN: checkpointLSN, identity: previous.identity)
        let builder = AtlasBuilder(io: io, dimension: dimension, metric: metric, parameters: parameters, kernels: kernels)
        // The closure takes copies of what it reads: the buffer stays owned by `contents`.
        let data = contents.data.base, ids = contents.ids, payloads = contents.payloads
        let members = contents.members, centroids = contents.centroids
        try writeFiles(of: next) { (postingsPath, recordsPath) throws(AeonError) in
            if let members {
                try builder.write(
                    data: data, ids: ids, payloads: payloads, members: members, centroids: centroids,
                    postingsPath: postingsPath, recordsPath: recordsPath)
            } else {
                try builder.build(data: data, ids: ids, payloads: payloads, postingsPath: postingsPath, recordsPath: recordsPath)
            }
        }
        return next
    }

    /// Appends pending payloads (`index` into `payloads`) to the blob arena, records where they
    /// went, and syncs the arena: nothing may point into it before its bytes are durable.
    func appendPayloads(_ pending: [(index: Int, bytes: [UInt8])], into payloads: inout [PayloadReference?]) throws(AeonError) {
        if !pending.isEmpty {
            let locations = try blobs.append(batch: pending.map(\.bytes))
            for (item, location) in zip(pending, locations) {
                payloads[item.index] = PayloadReference(location: location, length: item.bytes.count)
            }
        }
        try blobs.sync()
    }

    /// The number of the next generation: past every generation on disk, not only the one in
    /// memory (a checkpoint whose manifest reached the disk but whose install failed left files
    /// that must not be overwritten).
    func nextGeneration(after previous: Manifest) throws(AeonError) -> UInt64 {
        let onDisk = try io.list(directory).compactMap(StoreFileNames.generation(ofIndexFile:)).max() ?? 0
        return max(previous.generation, onDisk) + 1
    }

    /// Writes generation `next`'s two files with `write(postingsPath, recordsPath)`, syncs the
    /// directory, then replaces the manifest with `next`. On failure the files go, unless the
    /// manifest already names them (its rename done, a later sync failed: they are the store's
    /// contents, and reopening uses them).
    func writeFiles(of next: Manifest, _ write: (String, String) throws(AeonError) -> Void) throws(AeonError) {
        let postingsPath = directory + "/" + StoreFileNames.postings(next.generation)
        let recordsPath = directory + "/" + StoreFileNames.records(next.generation)
        do {
            try write(postingsPath, recordsPath)
            try io.syncDirectory(directory)
            try next.write(io: io, directory: directory)
        } catch {
            if (try? Manifest.read(io: io, directory: directory))??.generation != next.generation {
                try? io.remove(postingsPath)
                try? io.remove(recordsPath)
            }
            throw error
        }
    }
}
