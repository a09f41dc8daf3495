/// Runs deferred clean-up once no reader can see a generation, nor any older one.
///
/// Each index generation holds its own token; a superseded generation's token holds its
/// successor's (older holds newer). So a token's deinit runs only after its generation and
/// every older one have been released by all readers, and work queued on it (deleting blob
/// segments whose blobs a later generation moved) never pulls bytes out from under a reader,
/// however long that reader holds an old snapshot. Reference counting does the bookkeeping;
/// readers pay nothing, so the actions must be cheap: they run on whichever thread lets go last
/// (a search, perhaps), and hand slow work (I/O) to another thread.
final class RetirementToken: Sendable {
    private let state = Locked<(next: RetirementToken?, actions: [@Sendable () -> Void])>((nil, []))

    init() {}

    deinit {
        for action in state.withLock({ $0.actions }) { action() }
        // Let go of the newer tokens one at a time, not by recursion: a reader that held an old
        // generation across a million checkpoints would otherwise release a million-deep chain
        // of deinits at once and overflow the stack. A token someone else still holds stops
        // the walk (its holder releases the rest, the same way).
        var next = takeNext()
        while var token = next {
            next = nil
            guard isKnownUniquelyReferenced(&token) else { break }
            // Ours alone: take its successor before it goes, so its deinit finds none.
            next = token.takeNext()
        }
    }

    private func takeNext() -> RetirementToken? {
        state.withLock { state in
            defer { state.next = nil }
            return state.next
        }
    }

    /// Chains `successor` after this token: it cannot run its work before this one has.
    func precede(_ successor: RetirementToken) {
        state.withLock { $0.next = successor }
    }

    /// Queues `action` to run once this token's generation and every older one are released.
    func onRetirement(_ action: @escaping @Sendable () -> Void) {
        state.withLock { $0.actions.append(action) }
    }
}
