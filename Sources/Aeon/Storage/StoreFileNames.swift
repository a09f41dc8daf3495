/// Every name in a store's directory, made and parsed in one place (as LevelDB's `filename.h`):
///
///     MANIFEST                          the manifest (docs/FORMAT.md)
///     MANIFEST.tmp                      its replacement while being written
///     LOCK                              the writer lock (flock)
///     atlas-<16 hex>.postings           an index generation's postings file
///     atlas-<16 hex>.records            and its records file
///     wal/wal-<16 hex>.log              log segments, by sequence number
///     wal/wal-<16 hex>.log.tmp          a segment being created
///     blobs/blobs-<16 hex>.seg          blob segments, by generation
///     blobs/blobs-<16 hex>.seg.unreadable   a segment set aside (its header is gone)
///
/// Numbers are 16 lowercase hexadecimal digits, so names sort in numeric order. A parser accepts
/// exactly what the matching maker writes: no sign, no upper case, no other length (a name
/// that parses differently from how it was made could name one file two ways).
enum StoreFileNames {
    static let manifest = "MANIFEST"
    static let manifestTemporary = manifest + temporarySuffix
    static let lock = "LOCK"
    static let logDirectory = "wal"
    static let blobDirectory = "blobs"
    /// A file being created carries this suffix until it is complete and durable.
    static let temporarySuffix = ".tmp"
    /// Appended to a blob segment whose header is gone but whose bytes are not all zeros: kept
    /// aside, never deleted, since a blob in it may be referenced.
    static let setAsideSuffix = ".unreadable"

    private static let indexPrefix = "atlas-"
    private static let postingsSuffix = ".postings"
    private static let recordsSuffix = ".records"
    private static let logPrefix = "wal-"
    private static let logSuffix = ".log"
    private static let blobPrefix = "blobs-"
    private static let blobSuffix = ".seg"

    /// Generation `generation`'s postings file.
    static func postings(_ generation: UInt64) -> String { indexPrefix + hex16(generation) + postingsSuffix }
    /// Generation `generation`'s records file.
    static func records(_ generation: UInt64) -> String { indexPrefix + hex16(generation) + recordsSuffix }
    /// The generation an index file's name gives, or `nil` for other files.
    static func generation(ofIndexFile name: String) -> UInt64? {
        number(in: name, prefix: indexPrefix, suffix: postingsSuffix) ?? number(in: name, prefix: indexPrefix, suffix: recordsSuffix)
    }
    /// Whether `name` belongs to an index generation, well formed or not (what stale-file
    /// removal and `describe` look at).
    static func isIndexFile(_ name: String) -> Bool { name.hasPrefix(indexPrefix) }

    /// Log segment `sequence` (in the log directory).
    static func logSegment(_ sequence: UInt64) -> String { logPrefix + hex16(sequence) + logSuffix }
    /// The sequence number a log segment's name gives, or `nil` for other files.
    static func sequence(ofLogSegment name: String) -> UInt64? { number(in: name, prefix: logPrefix, suffix: logSuffix) }

    /// Blob segment `generation` (in the blob directory).
    static func blobSegment(_ generation: UInt64) -> String { blobPrefix + hex16(generation) + blobSuffix }
    /// The generation a blob segment's name gives, or `nil` for other files.
    static func generation(ofBlobSegment name: String) -> UInt64? { number(in: name, prefix: blobPrefix, suffix: blobSuffix) }

    private static func hex16(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 16 - digits.count)) + digits
    }

    private static func number(in name: String, prefix: String, suffix: String) -> UInt64? {
        guard name.hasPrefix(prefix), name.hasSuffix(suffix), name.utf8.count == prefix.utf8.count + 16 + suffix.utf8.count else {
            return nil
        }
        let digits = name.utf8.dropFirst(prefix.utf8.count).dropLast(suffix.utf8.count)
        var value: UInt64 = 0
        for byte in digits {
            switch byte {
            case 0x30...0x39: value = value << 4 | UInt64(byte - 0x30)
            case 0x61...0x66: value = value << 4 | UInt64(byte - 0x61 + 10)
            default: return nil
            }
        }
        return value
    }
}
