/// Lets many writers through at once, or one exclusive holder (a checkpoint taking its
/// snapshot, or swapping in a new index), never both: a readers–writer lock whose "readers" are
/// the store's writers. Searches never touch it.
final class WriteGate: @unchecked Sendable {
    private let lock = ConditionLock()
    // Guarded by `lock`.
    private var shared = 0
    private var exclusive = false
    private var exclusiveWaiting = 0
    private var sharedWaiting = 0

    private func enterShared() {
        lock.lock()
        // An exclusive waiter goes first, so a stream of writers cannot starve a checkpoint.
        if exclusive || exclusiveWaiting > 0 {
            sharedWaiting += 1
            while exclusive || exclusiveWaiting > 0 { lock.wait() }
            sharedWaiting -= 1
        }
        shared += 1
        lock.unlock()
    }

    private func leaveShared() {
        lock.lock()
        shared -= 1
        lock.broadcast()
        lock.unlock()
    }

    private func enterExclusive() {
        lock.lock()
        exclusiveWaiting += 1
        while exclusive || shared > 0 { lock.wait() }
        exclusiveWaiting -= 1
        exclusive = true
        lock.unlock()
    }

    private func leaveExclusive() {
        lock.lock()
        exclusive = false
        lock.broadcast()
        lock.unlock()
    }

    /// Runs `body` as one of the writers: it waits while an exclusive holder is in or waiting.
    func withShared<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        enterShared()
        defer { leaveShared() }
        return try body()
    }

    /// Runs `body` alone: it waits until no writer is in, and holds new ones back meanwhile.
    func withExclusive<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        enterExclusive()
        defer { leaveExclusive() }
        return try body()
    }

    /// Writers and exclusive holders waiting to get in (for tests that must see a thread blocked
    /// rather than guess from a sleep).
    var waiting: (shared: Int, exclusive: Int) {
        lock.withLock { (sharedWaiting, exclusiveWaiting) }
    }
}
