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
