/// The writes since the last checkpoint, in memory: for each id touched, its latest state by
/// LSN (a record, or deleted). Applying is idempotent and order-independent per id (the higher
/// LSN wins), so concurrent writers that reach the WAL in one order and the delta in another
/// still agree with what recovery rebuilds from the log.
struct Delta {
    struct Entry {
        var id: UInt64
        var lsn: UInt64
        /// The record's current state; `nil` when deleted.
        var record: Record?
        /// Whether the checkpointed index also holds this id (so this entry hides it there).
        var inBase: Bool
    }

    private(set) var entries: [UInt64: Entry] = [:]
    /// Entries with a record.
    private(set) var liveCount = 0
    /// Entries that hide an id of the checkpointed index.
    private(set) var hiddenBaseCount = 0
    /// Tombstones that hide an id of the checkpointed index (deletions not yet checkpointed).
    private(set) var deletedBaseCount = 0
    /// The highest LSN applied.
    private(set) var lastLSN: UInt64 = 0

    var isEmpty: Bool { entries.isEmpty }

    /// Applies a mutation at `lsn`; `inBase` says whether the checkpointed index holds the id.
    /// Returns false when a later write of the id is applied already (this one is superseded).
    @discardableResult
    mutating func apply(_ record: LogRecord, lsn: UInt64, inBase: Bool) -> Bool {
        lastLSN = max(lastLSN, lsn)
        if let existing = entries[record.id], existing.lsn >= lsn { return false }
        switch record {
        case .upsert(let id, let vector, let payload):
            insert(Entry(id: id, lsn: lsn, record: Record(id: id, vector: vector, payload: payload), inBase: inBase))
        case .delete(let id):
            insert(Entry(id: id, lsn: lsn, record: nil, inBase: inBase))
        }
        return true
    }

    private mutating func insert(_ entry: Entry) {
        if let old = entries.updateValue(entry, forKey: entry.id) {
            if old.record != nil { liveCount -= 1 }
            if old.inBase { hiddenBaseCount -= 1 }
            if old.inBase && old.record == nil { deletedBaseCount -= 1 }
        }
        if entry.record != nil { liveCount += 1 }
        if entry.inBase { hiddenBaseCount += 1 }
        if entry.inBase && entry.record == nil { deletedBaseCount += 1 }
    }

    /// The entries a checkpoint at `lsn` folds into the new index are dropped; for the rest,
    /// `inBase` tells whether the new index holds their id.
    func remaining(after lsn: UInt64, inBase: (UInt64) throws(AeonError) -> Bool) throws(AeonError) -> Delta {
        var next = Delta()
        next.lastLSN = lastLSN
        for entry in entries.values where entry.lsn > lsn {
            var moved = entry
            moved.inBase = try inBase(entry.id)
            next.insert(moved)
        }
        return next
    }
}
