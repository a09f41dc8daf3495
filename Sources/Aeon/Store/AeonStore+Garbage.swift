/// What a garbage collection of the blob arena did.
public struct GarbageCollectionReport: Sendable, Hashable, Codable {
    /// Segments whose dead share reached the ratio: their live blobs were copied out.
    public var segmentsCollected: Int
    /// Segments no record referenced at all (left by a crash mid-collection, or emptied).
    public var segmentsUnreferenced: Int
    /// Live blobs copied.
    public var blobsMoved: Int
    /// Bytes copied (framed records).
    public var bytesCopied: Int
    /// Blob file bytes before.
    public var fileBytesBefore: Int
    /// Blob file bytes after (segments some reader still held are deleted when it lets go, and
    /// are not counted).
    public var fileBytesAfter: Int
    /// Bytes of live blobs.
    public var liveBytes: Int
    /// Wall time, the checkpoint that publishes the new locations included.
    public var seconds: Double

    enum CodingKeys: String, CodingKey {
        case segmentsCollected = "segments_collected", segmentsUnreferenced = "segments_unreferenced", blobsMoved = "blobs_moved"
        case bytesCopied = "bytes_copied", fileBytesBefore = "file_bytes_before", fileBytesAfter = "file_bytes_after"
        case liveBytes = "live_bytes", seconds
    }
}

extension AeonStore {
    /// Reclaims the space of deleted and replaced payloads: copies the live blobs out of every
    /// blob segment whose dead share is at least `garbageRatio` into the newest segment, syncs
    /// them, publishes their new locations with a checkpoint (the manifest switch is the atomic
    /// commit point: a crash before it leaves the old locations in force and the copies as
    /// garbage; a crash after it leaves old segments that the next collection finds
    /// unreferenced), then deletes the old segments once no reader holds a generation that
    /// points into them. Readers never wait, and never lose a payload they are reading.
    ///
    /// - Throws: ``AeonError/Code/invalidArgument`` for a ratio outside 0...1 or a read-only
    ///   store; ``AeonError/Code/corrupt`` for a live blob that fails its checks (nothing is
    ///   collected); I/O errors (the store keeps its previous, intact state).
    @discardableResult
    public func collectGarbage(garbageRatio: Double = 0.5) throws(AeonError) -> GarbageCollectionReport {
        try collectGarbage(garbageRatio: garbageRatio, recluster: false)
    }

    /// Rebuilds the index from every live record even when nothing is pending: rebalances the
    /// postings (fresh k-means over the current contents), drops deleted and replaced records,
    /// and collects the blob arena's garbage (at the default ratio). Crash-safe like
    /// ``checkpoint()``.
    @discardableResult
    public func compact() throws(AeonError) -> GarbageCollectionReport {
        try collectGarbage(garbageRatio: 0.5, recluster: true)
    }

    private func collectGarbage(garbageRatio: Double, recluster: Bool) throws(AeonError) -> GarbageCollectionReport {
        guard !isReadOnly else { throw AeonError(.readOnly, "the store is open read-only", path: path) }
        guard garbageRatio >= 0, garbageRatio <= 1 else {
            throw AeonError(.invalidArgument, "the garbage ratio must be in 0...1 (got \(garbageRatio))")
        }
        let clock = ContinuousClock()
        let start = clock.now
        let fileBytesBefore = blobs.statistics.reduce(0) { $0 + $1.fileBytes }
        let result = maintenance.withLock { _ in
            Result { () throws(AeonError) -> GarbageCollectionReport in
                // Checkpoint first, so every payload is in the arena and the accounting is exact.
                try checkpointHoldingMaintenance(recluster: false)
                guard let current = try currentIndex() else {
                    if recluster { try checkpointHoldingMaintenance(recluster: true) }
                    return GarbageCollectionReport(
                        segmentsCollected: 0, segmentsUnreferenced: 0, blobsMoved: 0, bytesCopied: 0, fileBytesBefore: fileBytesBefore,
                        fileBytesAfter: fileBytesBefore, liveBytes: 0, seconds: 0)
                }
                var live: [BlobLocation] = []
                live.reserveCapacity(current.liveCount)
                for row in 0..<current.rowCount where !current.isDeleted(row) {
                    if let reference = try current.payloadReference(row: row) { live.append(reference.location) }
                }
                let segments = blobs.statistics
                let collection = try blobs.collect(live: live, garbageRatio: garbageRatio)
                let referenced = Set(live.lazy.map(\.segment))
                let collected = Set(collection.segments)
                let unreferenced = segments.filter { !$0.isActive && !referenced.contains($0.generation) && !collected.contains($0.generation) }
                    .map(\.generation)
                let retiring = collection.segments + unreferenced
                if recluster || !retiring.isEmpty {
                    // A new generation with the new locations; the old segments go once the
                    // generation now current (and every older one) has no reader left.
                    try checkpointHoldingMaintenance(recluster: recluster, relocations: collection.relocations, force: true)
                    current.retireBlobSegments(retiring)
                }
                return GarbageCollectionReport(
                    segmentsCollected: collection.segments.count, segmentsUnreferenced: unreferenced.count,
                    blobsMoved: collection.relocations.count,
                    bytesCopied: collection.relocations.values.reduce(0) { $0 + Int($1.length) }, fileBytesBefore: fileBytesBefore,
                    fileBytesAfter: 0, liveBytes: live.reduce(0) { $0 + Int($1.length) }, seconds: 0)
            }
        }
        var report = try result.get()
        // The previous generation is usually released by now; its segments go here, not later.
        try blobs.retireQueued()
        report.fileBytesAfter = blobs.statistics.reduce(0) { $0 + $1.fileBytes }
        let elapsed = (clock.now - start).components
        report.seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
        return report
    }

    /// Facts about the blob arena: its files' bytes and the bytes of live payloads (exact after
    /// a checkpoint; until the first one after opening, every stored blob counts as live).
    public var blobStatistics: BlobStatistics {
        let segments = blobs.statistics
        return BlobStatistics(
            fileBytes: segments.reduce(0) { $0 + $1.fileBytes }, liveBytes: segments.reduce(0) { $0 + $1.liveBytes }, segments: segments.count)
    }
}

/// The blob arena's size (``AeonStore/blobStatistics``).
public struct BlobStatistics: Sendable, Hashable, Codable {
    /// Bytes of the arena's segment files.
    public var fileBytes: Int
    /// Bytes of payloads that records still reference (stored size, after compression).
    public var liveBytes: Int
    /// Segment files.
    public var segments: Int
}
