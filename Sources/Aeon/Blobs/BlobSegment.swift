/// One segment file of a ``BlobArena``, memory-mapped for reading.
///
/// The mapping reserves the segment's whole capacity up front, past the end of the file while it
/// is being filled: on Linux a shared mapping may extend beyond EOF, and those pages become
/// readable as appends grow the file, so an append never remaps a region a reader holds. Readers
/// only touch bytes below ``end``, which the file already holds.
///
/// A reader holds a strong reference to the segment while it reads. Retiring a segment drops the
/// arena's reference and unlinks the file; the mapping stays valid (POSIX keeps an unlinked file's
/// pages while they are mapped) and is unmapped in `deinit`, once the last reader has finished.
final class BlobSegment: @unchecked Sendable {
    // `generation`, `path`, `base` and `capacity` are immutable; `end` and `liveBytes` are
    // guarded by the owning arena's table lock.
    let generation: UInt64
    let path: String
    /// Bytes of the segment header: where the first record starts.
    let headerSize: Int
    /// The start of the mapping.
    let base: UnsafeRawPointer
    /// Bytes mapped: the most the segment can hold.
    let capacity: Int
    private let io: any FileIO
    /// Bytes written and visible to readers: the segment header and whole records.
    var end: Int
    /// Bytes of live records, as the store last reported them (all records until then).
    var liveBytes: Int

    /// Maps `capacity` bytes of the open file `fd`.
    private init(io: any FileIO, path: String, generation: UInt64, fd: Int32, capacity: Int, end: Int, headerSize: Int) throws(AeonError) {
        precondition(capacity >= end && capacity > 0, "BlobSegment: capacity \(capacity) below end \(end)")
        self.io = io
        self.path = path
        self.generation = generation
        self.headerSize = headerSize
        self.capacity = capacity
        self.end = end
        self.liveBytes = end - headerSize
        self.base = try io.map(fd, length: capacity, path: path)
    }

    deinit { io.unmap(base, length: capacity) }

    /// The path of segment `generation` in `directory`.
    static func path(directory: String, generation: UInt64) -> String {
        directory + "/" + StoreFileNames.blobSegment(generation)
    }

    /// Creates segment `generation` with its header, mapped for `capacity` bytes; returns it with
    /// the descriptor appends go through.
    static func create(io: any FileIO, directory: String, generation: UInt64, capacity: Int, identity: StoreIdentity?) throws(AeonError)
        -> (segment: BlobSegment, file: StorageFile)
    {
        let path = path(directory: directory, generation: generation)
        let file = try StorageFile(io: io, path: path, access: .readWrite, create: true, exclusive: true)
        let header = BlobFormat.segmentHeader(generation: generation, identity: identity)
        try file.write(header, at: 0)
        let segment = try BlobSegment(
            io: io, path: path, generation: generation, fd: file.fd, capacity: capacity, end: header.count, headerSize: header.count)
        return (segment, file)
    }

    /// An existing segment as ``open(io:directory:generation:asNewest:segmentSize:)`` found it.
    struct Opened {
        let segment: BlobSegment
        /// The descriptor for appends (the newest segment only).
        let file: StorageFile?
        /// Whether a damaged tail was cut off (the file's size changed and wants a sync).
        let truncated: Bool
    }

    /// Opens and checks segment `generation`.
    ///
    /// An older segment is trusted up to its file size (the store references only synced blobs,
    /// and every read checks its record). The newest one, which appends will continue, is scanned:
    /// a damaged tail with no intact record after it — a write torn by a crash — is cut off, so
    /// appends continue after the last intact record. Damage followed by intact records is left
    /// in place (those records may have been synced); reading the damaged blob reports it.
    ///
    /// - Returns: `nil` when the file was being created when the process stopped (shorter than
    ///   its header, or a header of zeros): it was never synced — a sync makes every segment's
    ///   header durable before it returns — so it holds no blob the store references.
    /// - Throws: ``AeonError/Code/corrupt`` for a bad header (naming the file); I/O errors.
    static func open(io: any FileIO, directory: String, generation: UInt64, asNewest: Bool, segmentSize: Int, identity: StoreIdentity?)
        throws(AeonError) -> Opened?
    {
        let path = path(directory: directory, generation: generation)
        let file = try StorageFile(io: io, path: path, access: asNewest ? .readWrite : .readOnly)
        let fileSize = try file.size
        guard fileSize <= UInt64(Int.max / 2) else {
            throw AeonError(.corrupt, "segment file of \(fileSize) bytes is too large", path: path)
        }
        let size = Int(fileSize)
        let header = size >= BlobFormat.segmentHeaderSize
            ? try file.read(count: min(size, BlobFormat.identifiedHeaderSize), at: 0) : []
        guard let recorded = header.withUnsafeBytes({ BlobFormat.parseSegmentHeader($0) }) else {
            if header.allSatisfy({ $0 == 0 }) { return nil }
            throw AeonError(.corrupt, "not a blob segment (bad magic, version or header checksum)", path: path, offset: 0)
        }
        guard recorded.generation == generation else {
            throw AeonError(.corrupt, "header names generation \(recorded.generation), the file name \(generation)", path: path, offset: 16)
        }
        guard recorded.identity == identity else {
            throw AeonError(
                .corrupt,
                "blob segment belongs to " + (recorded.identity.map { "store \($0)" } ?? "a store without an identity")
                    + ", not to this store" + (identity.map { " (\($0))" } ?? " (which has none)"),
                path: path, offset: 28)
        }
        let capacity = PagedFileLayout.align(max(asNewest ? segmentSize : 0, size), pageSize)
        let segment = try BlobSegment(
            io: io, path: path, generation: generation, fd: file.fd, capacity: capacity, end: size, headerSize: recorded.size)
        guard asNewest else {
            try file.close()
            return Opened(segment: segment, file: nil, truncated: false)
        }
        let end = segment.intactEnd(limit: size)
        if end < size { try file.resize(to: UInt64(end)) }
        segment.end = end
        segment.liveBytes = end - segment.headerSize
        return Opened(segment: segment, file: file, truncated: end < size)
    }

    /// The end of the last intact record below `limit`, skipping damage that intact records
    /// follow (found by probing every 8-byte boundary after it).
    private func intactEnd(limit: Int) -> Int {
        var offset = headerSize
        var end = offset
        while offset < limit {
            if let length = intactRecordLength(at: offset, limit: limit) {
                offset += length
                end = offset
                continue
            }
            var probe = offset + BlobFormat.alignment
            while probe < limit && intactRecordLength(at: probe, limit: limit) == nil { probe += BlobFormat.alignment }
            offset = probe
        }
        return end
    }

    /// The framed length of the record at `offset` when it is whole below `limit` and its
    /// checksum matches; `nil` otherwise.
    private func intactRecordLength(at offset: Int, limit: Int) -> Int? {
        guard limit - offset >= BlobFormat.recordHeaderSize else { return nil }
        let header = BlobRecordHeader(loading: UnsafeRawBufferPointer(start: base + offset, count: BlobFormat.recordHeaderSize))
        guard let length = header.framedLength, length <= limit - offset,
            header.computeChecksum(stored: storedBytes(at: offset, header)) == header.checksum
        else { return nil }
        return length
    }

    private func storedBytes(at offset: Int, _ header: BlobRecordHeader) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + offset + BlobFormat.recordHeaderSize, count: Int(header.storedCount))
    }

    /// A checked record: its header and its stored bytes (inside the mapping).
    struct Record {
        let header: BlobRecordHeader
        let stored: UnsafeRawBufferPointer
    }

    /// The record `location` names, after checking that it lies below `end` (the segment's end
    /// as the caller read it under the table lock), that its header is consistent with the
    /// location, and its checksum — the record's own and the one the location carries.
    ///
    /// - Throws: ``AeonError/Code/corrupt`` naming the segment file and the record's offset.
    func record(at location: BlobLocation, end: Int) throws(AeonError) -> Record {
        let length = Int(location.length)
        guard location.offset >= UInt64(headerSize), location.offset % UInt64(BlobFormat.alignment) == 0,
            length >= BlobFormat.recordHeaderSize, length % BlobFormat.alignment == 0,
            location.offset <= UInt64(end), UInt64(length) <= UInt64(end) - location.offset
        else {
            throw AeonError(
                .corrupt, "blob \(location) lies outside the segment's \(end) written bytes or is misaligned", path: path,
                offset: location.offset)
        }
        let offset = Int(location.offset)
        let header = BlobRecordHeader(loading: UnsafeRawBufferPointer(start: base + offset, count: BlobFormat.recordHeaderSize))
        guard header.framedLength == length else {
            throw AeonError(
                .corrupt,
                "blob record header (flags \(header.flags), \(header.storedCount) stored, \(header.originalCount) original bytes) "
                    + "does not match the location's length \(length)",
                path: path, offset: location.offset)
        }
        let stored = storedBytes(at: offset, header)
        let computed = header.computeChecksum(stored: stored)
        guard computed == header.checksum else {
            throw AeonError(
                .corrupt, "blob checksum mismatch (recorded \(header.checksum), computed \(computed))", path: path,
                offset: location.offset)
        }
        guard header.checksum == location.checksum else {
            throw AeonError(
                .corrupt, "the record here (checksum \(header.checksum)) is not the blob referenced (checksum \(location.checksum))",
                path: path, offset: location.offset)
        }
        return Record(header: header, stored: stored)
    }
}
