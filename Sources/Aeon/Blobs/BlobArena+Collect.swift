import Dispatch
extension BlobArena {
    /// Copies the live blobs out of mostly-dead segments into the active one, syncs them, and
    /// returns their new locations. Deletes nothing: retire the collected segments once the new
    /// locations are durably published.
    ///
    /// Resets the live-byte accounting to `live` (as ``setLive(_:)``), then collects every segment
    /// whose dead share of its file bytes is at least `garbageRatio`. When the active segment
    /// qualifies it is sealed first (the copies go to a new segment), so it is collected too.
    /// Records are copied as they are — framed and checksummed, compressed or not — after their
    /// checksums are checked; readers of the old locations are unaffected.
    ///
    /// - Throws: ``AeonError/Code/corrupt`` for a live blob that fails its checks (naming the file
    ///   and offset; nothing is collected); I/O errors, after which the arena refuses writes.
    package func collect(live: [BlobLocation], garbageRatio: Double = 0.5) throws(AeonError) -> BlobCollection {
        precondition(garbageRatio >= 0 && garbageRatio <= 1, "BlobArena.collect: ratio \(garbageRatio) outside 0...1")
        setLive(live)
        return try withWriter { w throws(AeonError) -> BlobCollection in
            let victims = table.withLock { t in
                t.segments.values.filter { Double($0.end - min($0.liveBytes, $0.end)) >= garbageRatio * Double($0.end) }
                    .sorted { $0.generation < $1.generation }
                    .map { (segment: $0, end: $0.end) }
            }
            guard !victims.isEmpty else { return BlobCollection() }
            if let active = w.active, victims.contains(where: { $0.segment === active }) { try seal(&w) }
            var moving: [UInt64: [BlobLocation]] = [:]
            for location in Set(live) { moving[location.segment, default: []].append(location) }
            var relocations: [BlobLocation: BlobLocation] = [:]
            for victim in victims {
                let locations = (moving[victim.segment.generation] ?? []).sorted { $0.offset < $1.offset }
                var records: [(bytes: UnsafeRawBufferPointer, checksum: UInt32)] = []
                records.reserveCapacity(locations.count)
                for location in locations {
                    _ = try victim.segment.record(at: location, end: victim.end)
                    let framed = UnsafeRawBufferPointer(start: victim.segment.base + Int(location.offset), count: Int(location.length))
                    records.append((framed, location.checksum))
                }
                for (old, new) in zip(locations, try write(records, &w)) { relocations[old] = new }
            }
            try syncWritten(&w)
            return BlobCollection(relocations: relocations, segments: victims.map(\.segment.generation))
        }
    }

    /// Deletes segments the store no longer references (after ``collect(live:garbageRatio:)`` and
    /// publishing the new locations). Each leaves the arena at once — reading a location in it is
    /// ``AeonError/Code/corrupt`` from now on — and its file is unlinked; its mapping goes when the
    /// last reader still inside ``withBlob(_:_:)`` returns. Unknown generations are ignored; the
    /// active segment cannot be retired.
    ///
    /// - Throws: I/O errors from unlinking or syncing the directory.
    package func retire(segments generations: some Sequence<UInt64>) throws(AeonError) {
        let generations = Array(generations)
        try writer.withLock { w throws(AeonError) in
            if w.closed { throw AeonError(.closed, "the blob arena is closed", path: directory) }
            if options.readOnly { throw AeonError(.readOnly, "the blob arena is open read-only", path: directory) }
            let retired = table.withLock { t in
                generations.compactMap { generation -> BlobSegment? in
                    precondition(generation != t.activeGeneration, "BlobArena.retire: segment \(generation) is the active one")
                    return t.segments.removeValue(forKey: generation)
                }
            }
            guard !retired.isEmpty else { return }
            // A sealed segment waiting for its sync need not be synced any more.
            w.sealed.removeAll { file in retired.contains { $0.path == file.path } }
            for segment in retired { try io.remove(segment.path) }
            try io.syncDirectory(directory)
        }
    }

    /// Retires every segment except the active one that none of `locations` refers to (after a
    /// crash left the results of an unpublished collection, or collected segments not yet
    /// retired); returns their generations.
    ///
    /// - Throws: as ``retire(segments:)``.
    @discardableResult
    package func removeUnreferenced(keeping locations: some Sequence<BlobLocation>) throws(AeonError) -> [UInt64] {
        let referenced = Set(locations.lazy.map(\.segment))
        let unreferenced = table.withLock { t in
            t.segments.keys.filter { !referenced.contains($0) && $0 != t.activeGeneration }.sorted()
        }
        try retire(segments: unreferenced)
        return unreferenced
    }

    /// Queues segments for ``retire(segments:)`` and retires them on a background thread: for
    /// a caller that must not wait for unlinking and a directory sync (the last reader of a
    /// generation, releasing it). ``retireQueued()`` runs what is still queued at once.
    package func retireLater(segments generations: [UInt64]) {
        queuedRetirements.withLock { $0.append(contentsOf: generations) }
        DispatchQueue.global(qos: .utility).async { [self] in try? retireQueued() }
    }

    /// Retires every segment queued by ``retireLater(segments:)`` and not retired yet. A
    /// failure leaves the files, which a later collection finds unreferenced.
    package func retireQueued() throws(AeonError) {
        let generations = queuedRetirements.withLock { queued in
            defer { queued.removeAll() }
            return queued
        }
        guard !generations.isEmpty else { return }
        try retire(segments: generations)
    }
}
