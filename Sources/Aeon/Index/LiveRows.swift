import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The rows written since the index generation was built, and the deletion marks of every row,
/// in memory, for an index being written to.
///
/// Rows are numbered after the generation's: row `baseCount + i` is the `i`-th appended. They
/// live in fixed chunks that never move, so a reader that learned a row number from a posting
/// can read the row without a lock: one writer appends a row before it publishes any posting
/// entry naming it (a release store that the reader's acquire load pairs with). Deletion marks
/// are atomic bits, set by the writer and tested by readers.
final class LiveRows: @unchecked Sendable {
    // The chunk directory is allocated once; each chunk is written before any reader can
    // reach its rows, and freed only in deinit (when no view references these rows).
    let dimension: Int
    /// Rows of the index generation underneath.
    let baseCount: Int
    static let chunkRows = 1024
    static let maximumChunks = 1 << 16
    private let chunks: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    private let baseMarks: UnsafeMutablePointer<Atomic<UInt64>>
    private let baseMarkWords: Int
    /// Rows appended (the writer's count; readers learn rows from postings instead).
    private let appended = Atomic<Int>(0)
    private let vectorStride: Int

    private static let idsOffset = 0
    private static let marksOffset = chunkRows * 8
    private static let vectorsOffset = marksOffset + chunkRows / 8

    /// `baseDeleted`: the generation's deletion bitmap (64 rows a word; empty when none is).
    init(dimension: Int, baseCount: Int, baseDeleted: [UInt64] = []) {
        precondition(baseCount < Int(UInt32.max) - Self.chunkRows * Self.maximumChunks, "LiveRows: too many rows")
        self.dimension = dimension
        self.baseCount = baseCount
        self.vectorStride = PagedFileLayout.align(dimension * 4, codeAlignment)
        // Zeroed by calloc (nil is all zero bits): a directory this large comes from fresh
        // pages that the kernel zeroes on first touch, so an index with few appended rows
        // (every checkpoint and open makes one) pays for the pages it uses, not 512 KiB.
        guard let directory = calloc(Self.maximumChunks, MemoryLayout<UnsafeMutableRawPointer?>.stride) else {
            fatalError("LiveRows: out of memory")
        }
        chunks = directory.bindMemory(to: UnsafeMutableRawPointer?.self, capacity: Self.maximumChunks)
        baseMarkWords = max(1, (baseCount + 63) / 64)
        baseMarks = .allocate(capacity: baseMarkWords)
        for i in 0..<baseMarkWords { (baseMarks + i).initialize(to: Atomic<UInt64>(i < baseDeleted.count ? baseDeleted[i] : 0)) }
    }

    deinit {
        let used = (appended.load(ordering: .relaxed) + Self.chunkRows - 1) / Self.chunkRows
        for c in 0..<used {
            let chunk = chunks[c]!
            let marks = (chunk + Self.marksOffset).assumingMemoryBound(to: Atomic<UInt64>.self)
            marks.deinitialize(count: Self.chunkRows / 64)
            chunk.deallocate()
        }
        free(chunks)
        baseMarks.deinitialize(count: baseMarkWords)
        baseMarks.deallocate()
    }

    /// Rows appended so far.
    var appendedCount: Int { appended.load(ordering: .acquiring) }

    /// The number of the next appended row.
    var nextRow: Int { baseCount + appendedCount }

    /// The most rows that can be appended (about 67 million between checkpoints).
    static let capacity = maximumChunks * chunkRows

    /// Whether another row fits.
    var hasRoom: Bool { appended.load(ordering: .relaxed) < Self.capacity }

    /// Appends a row (writer only; check ``hasRoom`` first); returns its number.
    func append(id: UInt64, vector: UnsafePointer<Float>) -> UInt32 {
        let i = appended.load(ordering: .relaxed)
        let c = i / Self.chunkRows, r = i % Self.chunkRows
        precondition(c < Self.maximumChunks, "LiveRows: more than \(Self.maximumChunks * Self.chunkRows) rows between checkpoints")
        if r == 0 {
            let bytes = Self.vectorsOffset + Self.chunkRows * vectorStride
            let chunk = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: pageSize)
            let marks = (chunk + Self.marksOffset).bindMemory(to: Atomic<UInt64>.self, capacity: Self.chunkRows / 64)
            for w in 0..<(Self.chunkRows / 64) { (marks + w).initialize(to: Atomic<UInt64>(0)) }
            chunks[c] = chunk
        }
        let chunk = chunks[c]!
        (chunk + Self.idsOffset).storeBytes(of: id, toByteOffset: r * 8, as: UInt64.self)
        (chunk + Self.vectorsOffset + r * vectorStride).assumingMemoryBound(to: Float.self).update(from: vector, count: dimension)
        appended.store(i + 1, ordering: .releasing)
        return UInt32(baseCount + i)
    }

    /// Whether `row` is appended here (rather than in the generation underneath).
    func isAppended(_ row: Int) -> Bool { row >= baseCount }

    /// An appended row's vector.
    func vector(_ row: Int) -> UnsafePointer<Float> {
        let i = row - baseCount
        precondition(i >= 0 && i < appendedCount, "LiveRows: row \(row) is not appended")
        return UnsafePointer((chunks[i / Self.chunkRows]! + Self.vectorsOffset + (i % Self.chunkRows) * vectorStride)
            .assumingMemoryBound(to: Float.self))
    }

    /// An appended row's id.
    func id(_ row: Int) -> UInt64 {
        let i = row - baseCount
        precondition(i >= 0 && i < appendedCount, "LiveRows: row \(row) is not appended")
        return chunks[i / Self.chunkRows]!.load(fromByteOffset: Self.idsOffset + (i % Self.chunkRows) * 8, as: UInt64.self)
    }

    private func markWord(_ row: Int) -> (UnsafeMutablePointer<Atomic<UInt64>>, UInt64) {
        if row < baseCount { return (baseMarks + row / 64, 1 << UInt64(row % 64)) }
        let i = row - baseCount
        let chunk = chunks[i / Self.chunkRows]!
        let marks = (chunk + Self.marksOffset).assumingMemoryBound(to: Atomic<UInt64>.self)
        let r = i % Self.chunkRows
        return (marks + r / 64, 1 << UInt64(r % 64))
    }

    /// Whether `row` is deleted (or replaced).
    func isDeleted(_ row: Int) -> Bool {
        let (word, bit) = markWord(row)
        return word.pointee.load(ordering: .relaxed) & bit != 0
    }

    /// Marks `row` deleted (writer only).
    func markDeleted(_ row: Int) {
        let (word, bit) = markWord(row)
        word.pointee.bitwiseOr(bit, ordering: .relaxed)
    }

    /// The deletion marks as they are now, for a checkpoint that must not see later deletes.
    func deletionSnapshot() -> DeletionSnapshot {
        let appendedRows = appendedCount
        var bits = [UInt64](repeating: 0, count: (baseCount + appendedRows + 63) / 64 + 1)
        for row in 0..<(baseCount + appendedRows) where isDeleted(row) { bits[row / 64] |= 1 << UInt64(row % 64) }
        return DeletionSnapshot(rows: baseCount + appendedRows, bits: bits)
    }
}

/// Which rows were deleted at one moment (see ``LiveRows/deletionSnapshot()``).
struct DeletionSnapshot {
    /// Rows that existed then.
    let rows: Int
    let bits: [UInt64]

    func isDeleted(_ row: Int) -> Bool { bits[row / 64] & (1 << UInt64(row % 64)) != 0 }
}
