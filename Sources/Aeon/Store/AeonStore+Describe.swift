/// Everything `aeonctl info` shows about a store (``AeonStore/describe()``).
public struct StoreDescription: Sendable, Hashable {
    /// Counts and the index's identity.
    public var statistics: StoreStatistics
    /// Entries per posting (all zero when there is no index).
    public var postingSizes: PostingSizes
    /// The store's files (index generation, layers, manifest) with their sizes.
    public var files: [StoreFile]
    /// Write-ahead log segments.
    public var logSegments: Int
    /// The log segments' total size in bytes.
    public var logBytes: UInt64
    /// The format versions of the files as they are (this build's where a file is absent).
    public var formatVersions: FormatVersions

    /// Entries per posting: smallest, median, largest.
    public struct PostingSizes: Sendable, Hashable, Codable {
        /// Entries of the smallest posting.
        public var min: Int
        /// Entries of the median posting.
        public var median: Int
        /// Entries of the largest posting.
        public var max: Int
    }

    /// One file of the store's directory.
    public struct StoreFile: Sendable, Hashable, Codable {
        /// Its name in the store's directory.
        public var name: String
        /// Its size in bytes.
        public var bytes: UInt64
    }

    /// Format versions (docs/FORMAT.md): the manifest, the postings and records files (the top
    /// layer's), the newest log segment, the blob segments.
    public struct FormatVersions: Sendable, Hashable, Codable, CustomStringConvertible {
        /// The manifest's.
        public var manifest: UInt32
        /// The top layer's postings file's.
        public var postings: UInt32
        /// The top layer's records file's.
        public var records: UInt32
        /// The newest log segment's.
        public var log: UInt32
        /// The blob segments' (as the arena writes them for this store).
        public var blobs: UInt32

        /// "manifest v2, postings v2, records v3, log v3, blobs v2".
        public var description: String {
            "manifest v\(manifest), postings v\(postings), records v\(records), log v\(log), blobs v\(blobs)"
        }
    }
}

extension AeonStore {
    /// A description of the store: counts, posting sizes, files and the log's state.
    public func describe() throws(AeonError) -> StoreDescription {
        let statistics = try self.statistics
        let index = try currentIndex()
        var sizes = try index?.postingSizes() ?? []
        sizes.sort()
        var files: [StoreDescription.StoreFile] = []
        for name in try io.list(path).sorted() where name == StoreFileNames.manifest || StoreFileNames.isIndexFile(name) {
            files.append(StoreDescription.StoreFile(name: name, bytes: try fileSize(path + "/" + name)))
        }
        let logDirectory = path + "/" + StoreFileNames.logDirectory
        var segments = 0
        var logBytes: UInt64 = 0
        var newest: String?
        if io.exists(logDirectory).isDirectory {
            for name in try io.list(logDirectory).sorted() where StoreFileNames.sequence(ofLogSegment: name) != nil {
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
            postingSizes: sizes.isEmpty
                ? StoreDescription.PostingSizes(min: 0, median: 0, max: 0)
                : StoreDescription.PostingSizes(min: sizes[0], median: sizes[sizes.count / 2], max: sizes[sizes.count - 1]),
            files: files, logSegments: segments, logBytes: logBytes,
            formatVersions: StoreDescription.FormatVersions(
                manifest: identity == nil ? Manifest.versionWithoutIdentity : Manifest.version,
                postings: index?.postings.version ?? PostingsHeader.version,
                records: index?.records.version ?? RecordsHeader.version, log: logVersion,
                // The arena writes every segment of a store with an identity in version 2.
                blobs: identity == nil ? BlobFormat.version : BlobFormat.identifiedVersion))
    }

    private func fileSize(_ path: String) throws(AeonError) -> UInt64 {
        let file = try StorageFile(io: io, path: path, access: .readOnly)
        defer { try? file.close() }
        return try file.size
    }
}
