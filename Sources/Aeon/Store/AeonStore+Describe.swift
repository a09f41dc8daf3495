/// Everything `aeonctl info` shows about a store.
public struct StoreDescription: Sendable, Hashable {
    /// Counts and the index's identity.
    public var statistics: StoreStatistics
    /// Entries per posting: smallest, median, largest (0 when there is no index).
    public var postingSizes: (min: Int, median: Int, max: Int)
    /// The store's files (index generation, manifest) with their sizes in bytes.
    public var files: [(name: String, bytes: UInt64)]
    /// Write-ahead log segments and their total size.
    public var logSegments: Int
    public var logBytes: UInt64
    /// Format versions: manifest, postings file, records file (the top layer's; this build's
    /// when there is no index), log.
    public var formatVersions: (manifest: UInt32, postings: UInt32, records: UInt32, log: UInt32)

    public static func == (a: StoreDescription, b: StoreDescription) -> Bool {
        a.statistics == b.statistics && a.postingSizes == b.postingSizes && a.logSegments == b.logSegments && a.logBytes == b.logBytes
            && a.files.map(\.name) == b.files.map(\.name) && a.files.map(\.bytes) == b.files.map(\.bytes)
            && a.formatVersions == b.formatVersions
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(statistics)
        hasher.combine(logBytes)
    }
}

extension AeonStore {
    /// A description of the store: counts, posting sizes, files and the log's state.
    public func describe() throws(AeonError) -> StoreDescription {
        let statistics = try self.statistics
        var sizes: [Int] = []
        let index = try currentIndex()
        if let atlas = index {
            sizes.reserveCapacity(atlas.postingCount)
            for p in 0..<atlas.postingCount { sizes.append(try atlas.directoryEntry(p).totalCount) }
        }
        sizes.sort()
        var files: [(String, UInt64)] = []
        for name in try io.list(path).sorted() where name == Manifest.fileName || name.hasPrefix("atlas-") {
            files.append((name, try fileSize(path + "/" + name)))
        }
        let logDirectory = path + "/" + Self.walDirectoryName
        var segments = 0
        var logBytes: UInt64 = 0
        var newest: String?
        if io.exists(logDirectory).isDirectory {
            for name in try io.list(logDirectory).sorted() where WALFormat.sequence(ofSegment: name) != nil {
                segments += 1
                logBytes += try fileSize(logDirectory + "/" + name)
                newest = name
            }
        }
        // The versions of the files as they are, not this build's: the newest log segment's
        // header and the manifest's layout.
        var logVersion = identity == nil ? WALFormat.version : WALFormat.identifiedVersion
        if let newest {
            let file = try StorageFile(io: io, path: logDirectory + "/" + newest, access: .readOnly)
            defer { try? file.close() }
            let header = try file.read(count: Int(min(try file.size, UInt64(WALFormat.identifiedHeaderSize))), at: 0)
            if let parsed = header.withUnsafeBytes({ WALFormat.parseSegmentHeader($0) }) { logVersion = parsed.version }
        }
        return StoreDescription(
            statistics: statistics,
            postingSizes: sizes.isEmpty ? (0, 0, 0) : (sizes[0], sizes[sizes.count / 2], sizes[sizes.count - 1]),
            files: files, logSegments: segments, logBytes: logBytes,
            formatVersions: (
                identity == nil ? Manifest.versionWithoutIdentity : Manifest.version, index?.postings.version ?? PostingsHeader.version,
                index?.records.version ?? RecordsHeader.version, logVersion))
    }

    private func fileSize(_ path: String) throws(AeonError) -> UInt64 {
        let file = try StorageFile(io: io, path: path, access: .readOnly)
        defer { try? file.close() }
        return try file.size
    }
}
