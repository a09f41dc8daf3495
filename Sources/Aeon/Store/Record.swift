/// One memory: an id, its vector, and an optional payload (typically the text it embeds).
public struct Record: Sendable, Hashable {
    /// The caller's identifier; unique within a store.
    public var id: UInt64
    /// The embedding. For ``Metric/cosine`` stores, ``AeonStore/get(id:)`` returns it normalised.
    public var vector: [Float]
    /// Arbitrary bytes stored with the vector, returned byte for byte; `nil` when absent.
    public var payload: [UInt8]?

    /// A record.
    public init(id: UInt64, vector: [Float], payload: [UInt8]? = nil) {
        self.id = id
        self.vector = vector
        self.payload = payload
    }

    /// A record whose payload is `text` in UTF-8.
    public init(id: UInt64, vector: [Float], text: String) {
        self.init(id: id, vector: vector, payload: Array(text.utf8))
    }
}

/// One search hit.
public struct SearchResult: Sendable, Hashable {
    /// The record's id.
    public var id: UInt64
    /// The exact score (fp32, after rescoring) under the store's ``Metric``; higher is better.
    /// With rescoring off, the int8 approximation.
    public var score: Float

    /// A hit.
    public init(id: UInt64, score: Float) {
        self.id = id
        self.score = score
    }
}

/// What one search did: the work behind its answer, for tuning and for benchmarks that
/// should not depend on a noisy clock.
public struct SearchStatistics: Sendable, Hashable {
    /// Postings whose entries were scanned.
    public var postingsProbed = 0
    /// Posting entries scored with the int8 kernel (replicas counted each time).
    public var entriesScanned = 0
    /// Candidates rescored with the fp32 vectors.
    public var candidatesRescored = 0

    /// Zero counts.
    public init() {}

    /// Adds another search's counts.
    public static func += (lhs: inout SearchStatistics, rhs: SearchStatistics) {
        lhs.postingsProbed += rhs.postingsProbed
        lhs.entriesScanned += rhs.entriesScanned
        lhs.candidatesRescored += rhs.candidatesRescored
    }
}
