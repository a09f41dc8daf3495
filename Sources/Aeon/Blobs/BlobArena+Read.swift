extension BlobArena {
    /// Calls `body` with the payload at `location`, after checking its checksum.
    ///
    /// A raw blob is handed straight from the segment's mapping; a compressed one is decompressed
    /// into a buffer that lives until `body` returns. Either way the bytes are valid only inside
    /// `body`, which keeps the segment mapped even if it is retired meanwhile.
    ///
    /// - Throws: ``AeonError/Code/corrupt`` naming the segment file and offset when the location
    ///   does not lie inside a segment the arena holds, or the record there fails its checks;
    ///   whatever `body` throws.
    package func withBlob<R, E: Error>(_ location: BlobLocation, _ body: (UnsafeRawBufferPointer) throws(E) -> R) throws -> R {
        let (segment, record) = try locate(location)
        defer { withExtendedLifetime(segment) {} }
        guard record.header.isCompressed else { return try body(record.stored) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Int(record.header.originalCount), alignment: 16)
        defer { buffer.deallocate() }
        try decompress(record, into: buffer, segment: segment, location: location)
        return try body(UnsafeRawBufferPointer(buffer))
    }

    /// The payload at `location`, copied out (checksum checked).
    ///
    /// - Throws: ``AeonError/Code/corrupt`` as for ``withBlob(_:_:)``.
    package func read(_ location: BlobLocation) throws(AeonError) -> [UInt8] {
        let (segment, record) = try locate(location)
        defer { withExtendedLifetime(segment) {} }
        let count = Int(record.header.originalCount)
        var failure: AeonError?
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            let destination = UnsafeMutableRawBufferPointer(buffer)
            if record.header.isCompressed {
                do throws(AeonError) { try decompress(record, into: destination, segment: segment, location: location) } catch { failure = error }
            } else if count > 0 {
                destination.copyMemory(from: record.stored)
            }
            // On failure the bytes are discarded below; UInt8 needs no deinitialization.
            initialized = count
        }
        if let failure { throw failure }
        return bytes
    }

    /// The header of the record at `location`, checked like a read (for tests and inspection).
    func recordHeader(_ location: BlobLocation) throws(AeonError) -> BlobRecordHeader {
        try locate(location).record.header
    }

    /// The segment holding `location` and its checked record. The caller keeps the segment alive
    /// while it uses the record's bytes.
    func locate(_ location: BlobLocation) throws(AeonError) -> (segment: BlobSegment, record: BlobSegment.Record) {
        let (segment, end) = try table.withLock { t throws(AeonError) -> (BlobSegment, Int) in
            if t.closed { throw AeonError(.closed, "the blob arena is closed", path: directory) }
            guard let segment = t.segments[location.segment] else {
                throw AeonError(
                    .corrupt, "blob \(location) is in a segment the arena does not hold (never written, or retired)",
                    path: BlobSegment.path(directory: directory, generation: location.segment), offset: location.offset)
            }
            return (segment, segment.end)
        }
        return (segment, try segment.record(at: location, end: end))
    }

    private func decompress(
        _ record: BlobSegment.Record, into buffer: UnsafeMutableRawBufferPointer, segment: BlobSegment, location: BlobLocation
    ) throws(AeonError) {
        do {
            try LZ4.decompress(record.stored, into: buffer)
        } catch {
            // The checksum matched, so the block was written this way: still, it is unreadable data.
            throw AeonError(.corrupt, "blob does not decompress: \(error.message)", path: segment.path, offset: location.offset)
        }
    }
}
