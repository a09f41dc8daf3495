import Synchronization

/// A fixed-size set of small integers that many threads test and add to without a lock: one
/// bit each, in atomic words. A bit once set stays set; relaxed ordering suffices because a set
/// bit only ever saves a reader work it could also do again (re-checking a page).
final class AtomicBitmap: @unchecked Sendable {
    // The words are allocated once and accessed only through atomics.
    private let words: UnsafeMutablePointer<Atomic<UInt64>>
    private let wordCount: Int
    /// Members are `0 ..< count`.
    let count: Int

    init(count: Int) {
        precondition(count >= 0, "AtomicBitmap: negative count")
        self.count = count
        wordCount = max(1, (count + 63) / 64)
        words = .allocate(capacity: wordCount)
        for i in 0..<wordCount { (words + i).initialize(to: Atomic<UInt64>(0)) }
    }

    deinit {
        words.deinitialize(count: wordCount)
        words.deallocate()
    }

    func contains(_ member: Int) -> Bool {
        precondition(member >= 0 && member < count, "AtomicBitmap: \(member) outside 0..<\(count)")
        return (words + (member >> 6)).pointee.load(ordering: .relaxed) & (1 << UInt64(member & 63)) != 0
    }

    func insert(_ member: Int) {
        precondition(member >= 0 && member < count, "AtomicBitmap: \(member) outside 0..<\(count)")
        (words + (member >> 6)).pointee.bitwiseOr(1 << UInt64(member & 63), ordering: .relaxed)
    }
}
