#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An error from the environment: a file, the disk, the CPU, or data handed to Aeon.
///
/// Programmer errors (an index out of range, a broken invariant) are `precondition`s and never
/// reach this type. Everything the outside world can get wrong is thrown as an `AeonError`
/// carrying a broad ``Code``, a message that says what was being done, and where known the
/// path and byte offset involved and the underlying `errno`.
public struct AeonError: Error, Sendable, Equatable {
    /// The broad class of the failure; match on this, not on the message.
    public var code: Code
    /// What went wrong, in words, with the values involved.
    public var message: String
    /// The file involved, if any.
    public var path: String?
    /// The byte offset within `path` involved, if any.
    public var offset: UInt64?
    /// The underlying `errno`, if a system call failed.
    public var errno: Int32?
    /// Where in Aeon the error was raised.
    public var location: SourceLocation

    /// Creates an error. `file` and `line` default to the caller's.
    public init(
        _ code: Code,
        _ message: String,
        path: String? = nil,
        offset: UInt64? = nil,
        errno: Int32? = nil,
        file: StaticString = #fileID,
        line: UInt = #line
    ) {
        self.code = code
        self.message = message
        self.path = path
        self.offset = offset
        self.errno = errno
        self.location = SourceLocation(file: "\(file)", line: line)
    }

    /// A position in Aeon's sources.
    public struct SourceLocation: Sendable, Hashable {
        /// The file, as `#fileID` spells it.
        public var file: String
        /// The line in `file`.
        public var line: UInt
    }
}

extension AeonError {
    /// A broad classification of an ``AeonError``.
    ///
    /// A struct over a private enum, so that new codes can be added without breaking callers
    /// that switch over the known ones.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: Hashable, Sendable {
            case invalidArgument
            case unsupportedCPU
            case corrupt
            case io
            case noSpace
            case locked
            case notFound
            case alreadyExists
            case dimensionMismatch
            case invalidVector
            case compression
            case closed
            case readOnly
            case failed
        }

        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// A value handed to Aeon is out of its allowed range or malformed.
        public static let invalidArgument = Code(.invalidArgument)
        /// The running CPU lacks an instruction set that was asked for.
        public static let unsupportedCPU = Code(.unsupportedCPU)
        /// Stored data failed a checksum or a structural check.
        public static let corrupt = Code(.corrupt)
        /// A system call failed.
        public static let io = Code(.io)
        /// The disk is full (`ENOSPC`, `EDQUOT`).
        public static let noSpace = Code(.noSpace)
        /// Another process holds the store's lock.
        public static let locked = Code(.locked)
        /// A file, store or record does not exist.
        public static let notFound = Code(.notFound)
        /// A file or store exists where a new one was to be created.
        public static let alreadyExists = Code(.alreadyExists)
        /// A vector's dimension differs from the store's.
        public static let dimensionMismatch = Code(.dimensionMismatch)
        /// A vector holds NaN or infinity, or is zero where a direction is needed.
        public static let invalidVector = Code(.invalidVector)
        /// Compressed data could not be compressed or decompressed.
        public static let compression = Code(.compression)
        /// The store (or its log or blob arena) was closed.
        public static let closed = Code(.closed)
        /// A write to a store (or arena) opened read-only.
        public static let readOnly = Code(.readOnly)
        /// An earlier failure (a log write or sync that failed, an index that could not be
        /// maintained) left the store unable to take writes safely: what is on disk is intact,
        /// and reopening the store recovers it.
        public static let failed = Code(.failed)

        public var description: String {
            switch wrapped {
            case .invalidArgument: "invalid argument"
            case .unsupportedCPU: "unsupported CPU"
            case .corrupt: "corrupt data"
            case .io: "I/O error"
            case .noSpace: "no space left"
            case .locked: "locked"
            case .notFound: "not found"
            case .alreadyExists: "already exists"
            case .dimensionMismatch: "dimension mismatch"
            case .invalidVector: "invalid vector"
            case .compression: "compression error"
            case .closed: "closed"
            case .readOnly: "read-only"
            case .failed: "failed: reopen the store"
            }
        }
    }
}

extension AeonError: CustomStringConvertible {
    /// One line: the code, the message, and the path, offset and errno where known.
    public var description: String {
        var text = "\(code): \(message)"
        if let path { text += " [\(path)" + (offset.map { " @ \($0)" } ?? "") + "]" }
        if let errno { text += " (errno \(errno): \(String(cString: strerror(errno))))" }
        return text
    }
}
