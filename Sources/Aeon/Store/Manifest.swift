/// The store's root of truth: which index generation is current, the WAL position it covers,
/// and the store's fixed parameters. 56 bytes, replaced atomically (write `MANIFEST.tmp`, fsync, rename over
/// `MANIFEST`, fsync the directory), so a crash leaves either the old or the new one.
/// Byte layout in docs/FORMAT.md.
struct Manifest: Equatable, Sendable {
    static let fileName = "MANIFEST"
    static let magic = Array("AEONMNFT".utf8)
    static let version: UInt32 = 1
    static let size = 56

    var dimension: Int
    var metric: Metric
    /// The current index generation; 0 before the first build.
    var generation: UInt64
    /// Records in the current generation.
    var recordCount: UInt64
    /// The last WAL record the current generation includes; replay starts after it.
    var checkpointLSN: UInt64 = 0

    func encoded() -> [UInt8] {
        var w = BinaryWriter(capacity: Self.size)
        w.append(Self.magic)
        w.append(Self.version)
        w.append(UInt32(Self.size))
        w.append(UInt32(dimension))
        w.append(metric.rawValue)
        w.pad(to: 24)
        w.append(generation)
        w.append(recordCount)
        w.append(checkpointLSN)
        w.pad(to: Self.size - 4)
        w.append(CRC32C.checksum(w.bytes))
        return w.bytes
    }

    static func decode(_ bytes: [UInt8], path: String) throws(AeonError) -> Manifest {
        guard bytes.count == size else {
            throw AeonError(.corrupt, "manifest is \(bytes.count) bytes, expected \(size)", path: path)
        }
        guard Array(bytes[0..<8]) == magic else {
            throw AeonError(.corrupt, "not an Aeon manifest (bad magic)", path: path, offset: 0)
        }
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(AeonError) -> Manifest in
                let stored = raw.loadUnaligned(fromByteOffset: size - 4, as: UInt32.self).littleEndian
                guard CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<(size - 4)])) == stored else {
                    throw AeonError(.corrupt, "manifest checksum mismatch", path: path, offset: UInt64(size - 4))
                }
                var r = BinaryReader(raw, path: path)
                _ = try r.readBytes(8)
                let version = try r.read(UInt32.self)
                guard version == Self.version else {
                    throw AeonError(.corrupt, "manifest format version \(version) is not supported", path: path, offset: 8)
                }
                _ = try r.read(UInt32.self)
                let dimension = Int(try r.read(UInt32.self))
                let metricValue = try r.read(UInt8.self)
                guard let metric = Metric(rawValue: metricValue), dimension >= 1, dimension <= Kernels.maximumDimension else {
                    throw AeonError(.corrupt, "manifest has dimension \(dimension), metric \(metricValue)", path: path, offset: 16)
                }
                try r.skip(to: 24)
                let generation = try r.read(UInt64.self)
                let count = try r.read(UInt64.self)
                let checkpoint = try r.read(UInt64.self)
                return Manifest(dimension: dimension, metric: metric, generation: generation, recordCount: count, checkpointLSN: checkpoint)
            }
        }
        return try result.get()
    }

    /// Reads `directory/MANIFEST`; `nil` when there is none.
    static func read(io: any FileIO, directory: String) throws(AeonError) -> Manifest? {
        let path = directory + "/" + fileName
        guard io.exists(path).exists else { return nil }
        let file = try StorageFile(io: io, path: path, access: .readOnly)
        let size = try file.size
        guard size == UInt64(Self.size) else {
            throw AeonError(.corrupt, "manifest is \(size) bytes, expected \(Self.size)", path: path)
        }
        let bytes = try file.read(count: Self.size, at: 0)
        try file.close()
        return try decode(bytes, path: path)
    }

    /// Replaces `directory/MANIFEST` atomically and durably.
    func write(io: any FileIO, directory: String) throws(AeonError) {
        let temporary = directory + "/" + Self.fileName + ".tmp"
        let file = try StorageFile(io: io, path: temporary, access: .readWrite, create: true, truncate: true)
        try file.write(encoded(), at: 0)
        try file.sync(metadata: true)
        try file.close()
        try io.rename(temporary, to: directory + "/" + Self.fileName)
        try io.syncDirectory(directory)
    }
}
