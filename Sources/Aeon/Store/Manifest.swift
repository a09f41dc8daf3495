/// The store's root of truth: which index generation is current, the WAL position it covers,
/// the store's fixed parameters and (version 2) its identity. 56 bytes (version 1) or 72
/// (version 2), replaced atomically (write `MANIFEST.tmp`, fsync, rename over `MANIFEST`, fsync
/// the directory), so a crash leaves either the old or the new one. Byte layout in docs/FORMAT.md.
struct Manifest: Equatable, Sendable {
    static let magic = Array("AEONMNFT".utf8)
    /// Stores created before identities: no identity, 56 bytes. Opened and rewritten as such.
    static let versionWithoutIdentity: UInt32 = 1
    /// Stores with an identity: 72 bytes.
    static let version: UInt32 = 2
    static let sizeWithoutIdentity = 56
    static let size = 72

    var dimension: Int
    var metric: Metric
    /// The current index generation; 0 before the first build.
    var generation: UInt64
    /// Records in the current generation.
    var recordCount: UInt64
    /// The last WAL record the current generation includes; replay starts after it.
    var checkpointLSN: UInt64 = 0
    /// The store's identity, which every log and blob segment it writes carries (nil for stores
    /// made before identities).
    var identity: StoreIdentity? = nil

    func encoded() -> [UInt8] {
        let size = identity == nil ? Self.sizeWithoutIdentity : Self.size
        var w = BinaryWriter(capacity: size)
        w.append(Self.magic)
        w.append(identity == nil ? Self.versionWithoutIdentity : Self.version)
        w.append(UInt32(size))
        w.append(UInt32(dimension))
        w.append(metric.rawValue)
        w.pad(to: 24)
        w.append(generation)
        w.append(recordCount)
        w.append(checkpointLSN)
        identity?.write(to: &w)
        w.pad(to: size - 4)
        w.append(CRC32C.checksum(w.bytes))
        return w.bytes
    }

    static func decode(_ bytes: [UInt8], path: String) throws(AeonError) -> Manifest {
        guard bytes.count == size || bytes.count == sizeWithoutIdentity else {
            throw AeonError(.corrupt, "manifest is \(bytes.count) bytes, expected \(size) (or \(sizeWithoutIdentity))", path: path)
        }
        guard Array(bytes[0..<8]) == magic else {
            throw AeonError(.corrupt, "not an Aeon manifest (bad magic)", path: path, offset: 0)
        }
        let size = bytes.count
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(AeonError) -> Manifest in
                let stored = raw.loadUnaligned(fromByteOffset: size - 4, as: UInt32.self).littleEndian
                guard CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<(size - 4)])) == stored else {
                    throw AeonError(.corrupt, "manifest checksum mismatch", path: path, offset: UInt64(size - 4))
                }
                var r = BinaryReader(raw, path: path)
                _ = try r.readBytes(8)
                let version = try r.read(UInt32.self)
                let expected = size == Self.size ? Self.version : Self.versionWithoutIdentity
                guard version == expected else {
                    throw AeonError(.corrupt, "manifest format version \(version) is not supported in \(size) bytes", path: path, offset: 8)
                }
                let recordedSize = try r.read(UInt32.self)
                guard recordedSize == UInt32(size) else {
                    throw AeonError(.corrupt, "manifest records a size of \(recordedSize) bytes in a file of \(size)", path: path, offset: 12)
                }
                let dimension = Int(try r.read(UInt32.self))
                let metricValue = try r.read(UInt8.self)
                guard let metric = Metric(rawValue: metricValue), dimension >= 1, dimension <= Kernels.maximumDimension else {
                    throw AeonError(.corrupt, "manifest has dimension \(dimension), metric \(metricValue)", path: path, offset: 16)
                }
                try r.skip(to: 24)
                let generation = try r.read(UInt64.self)
                let count = try r.read(UInt64.self)
                let checkpoint = try r.read(UInt64.self)
                // Checksummed, but still untrusted: every later use relies on these bounds.
                guard generation <= WALFormat.largestLSN else {
                    throw AeonError(.corrupt, "manifest names generation \(generation), past the largest possible", path: path, offset: 24)
                }
                guard count <= UInt64(UInt32.max), generation > 0 || count == 0 else {
                    throw AeonError(.corrupt, "manifest counts \(count) records in generation \(generation)", path: path, offset: 32)
                }
                guard checkpoint <= WALFormat.largestLSN else {
                    throw AeonError(.corrupt, "manifest's checkpoint LSN \(checkpoint) is past the largest LSN", path: path, offset: 40)
                }
                let identity = version == Self.version ? StoreIdentity(loading: raw, at: 48) : nil
                return Manifest(
                    dimension: dimension, metric: metric, generation: generation, recordCount: count, checkpointLSN: checkpoint, identity: identity)
            }
        }
        return try result.get()
    }

    /// Reads `directory/MANIFEST`; `nil` when there is none.
    static func read(io: any FileIO, directory: String) throws(AeonError) -> Manifest? {
        let path = directory + "/" + StoreFileNames.manifest
        guard io.exists(path).exists else { return nil }
        let file = try StorageFile(io: io, path: path, access: .readOnly)
        let size = try file.size
        guard size == UInt64(Self.size) || size == UInt64(Self.sizeWithoutIdentity) else {
            throw AeonError(.corrupt, "manifest is \(size) bytes, expected \(Self.size) (or \(Self.sizeWithoutIdentity))", path: path)
        }
        let bytes = try file.read(count: Int(size), at: 0)
        try file.close()
        return try decode(bytes, path: path)
    }

    /// Replaces `directory/MANIFEST` atomically and durably.
    func write(io: any FileIO, directory: String) throws(AeonError) {
        let temporary = directory + "/" + StoreFileNames.manifestTemporary
        let file = try StorageFile(io: io, path: temporary, access: .readWrite, create: true, truncate: true)
        try file.write(encoded(), at: 0)
        try file.sync(metadata: true)
        try file.close()
        try io.rename(temporary, to: directory + "/" + StoreFileNames.manifest)
        try io.syncDirectory(directory)
    }
}
