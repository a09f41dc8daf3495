/// The crash tests' operation stream: operation `k` depends only on the seed and `k`, so a checker
/// knows every vector and payload a writer wrote without being told. Used by `aeon-bench crashtest`
/// (SIGKILL) and by ``PowerLossHarness`` (simulated power cuts).
package enum CrashOperation: Sendable, Equatable {
    /// Inserts or replaces a record (with a payload most of the time).
    case upsert(Record)
    /// Deletes an id (present or not).
    case delete(UInt64)
    /// A checkpoint (a layer, or a fold when one is due).
    case checkpoint
    /// A checkpoint that folds every layer into one generation.
    case fold
    /// A compaction (fresh k-means and blob garbage collection).
    case compact
    /// A blob garbage collection at ratio 0.3.
    case collectGarbage

    /// The vectors' dimension.
    package static let dimension = 16
    /// Ids are drawn from `0..<idSpace`.
    package static let idSpace = 300
    /// Tiny postings, so the writes split and merge them all the time (split above 20 entries,
    /// merge below 2 live ones).
    package static let build = BuildParameters(postingSizeLimit: 4)

    /// Operation `index` of the stream of `seed`.
    package init(seed: UInt64, index: Int) {
        var random = SplitMix64(seed: seed ^ (UInt64(index) &* 0xD1B5_4A32_D192_ED03))
        let roll = random.next() % 100
        let id = random.next() % UInt64(Self.idSpace)
        if roll < 2 {
            self = .checkpoint
        } else if roll < 3 {
            self = .fold
        } else if roll < 4 {
            self = .compact
        } else if roll < 6 {
            self = .collectGarbage
        } else if roll < 25 {
            self = .delete(id)
        } else {
            let vector = (0..<Self.dimension).map { _ in Float(Int64(random.next() % 2_000_001) - 1_000_000) / 1_000_000 }
            let length = Int(random.next() % 3000)
            let payload: [UInt8]? = roll % 7 == 0 ? nil : (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            self = .upsert(Record(id: id, vector: vector, payload: payload))
        }
    }

    /// Whether the operation writes records (rather than maintaining the index).
    package var isWrite: Bool {
        switch self {
        case .upsert, .delete: true
        case .checkpoint, .fold, .compact, .collectGarbage: false
        }
    }

    /// A short name for reports.
    package var kind: String {
        switch self {
        case .upsert: "upsert"
        case .delete: "delete"
        case .checkpoint: "checkpoint"
        case .fold: "fold"
        case .compact: "compaction"
        case .collectGarbage: "gc"
        }
    }

    /// Applies the operation's effect to a model of the store's contents.
    package func apply(to model: inout [UInt64: Record]) {
        switch self {
        case .upsert(let record): model[record.id] = record
        case .delete(let id): model[id] = nil
        case .checkpoint, .fold, .compact, .collectGarbage: break
        }
    }

    /// Performs the operation on `store`.
    package func perform(on store: AeonStore) throws(AeonError) {
        switch self {
        case .upsert(let record): try store.upsert(record)
        case .delete(let id): try store.delete(id: id)
        case .checkpoint: try store.checkpoint()
        case .fold: try store.checkpoint(full: true)
        case .compact: _ = try store.compact()
        case .collectGarbage: _ = try store.collectGarbage(garbageRatio: 0.3)
        }
    }

    /// Searches `store` exhaustively for each id's vector: a present record must come first for
    /// its own vector; an absent id must not come back for the last vector it was written with.
    /// Returns the problems, and how many absent ids search brought back.
    package static func checkSearch(
        _ store: AeonStore, contents: [UInt64: Record], lastVector: [UInt64: [Float]]
    ) -> (problems: [String], resurrected: Int) {
        var problems: [String] = []
        var resurrected = 0
        let exhaustive = SearchParameters(nprobe: 1_000_000, epsilon: .infinity)
        for id in 0..<UInt64(idSpace) {
            do {
                if let record = contents[id] {
                    if try store.search(record.vector, k: 1, parameters: exhaustive).first?.id != id {
                        problems.append("search for id \(id)'s vector did not find it first")
                    }
                } else if let vector = lastVector[id], try store.search(vector, k: 3, parameters: exhaustive).contains(where: { $0.id == id }) {
                    resurrected += 1
                    problems.append("id \(id) is deleted, but search returns it")
                }
            } catch {
                problems.append("search threw: \(error)")
            }
        }
        return (problems, resurrected)
    }
}
