import Dispatch

/// Work offered to another thread and collected later: the caller starts it, does something
/// else meanwhile (a synchronous write waits for its `fdatasync`), then takes the result. If no
/// thread has picked the work up by then, the caller runs it itself, so a starved thread pool
/// can delay it but never deadlock it.
final class Handoff<Value: Sendable>: @unchecked Sendable {
    // `work` and `value` are guarded by `condition`.
    private let condition = ConditionLock()
    private var work: (@Sendable () -> Value)?
    private var value: Value?

    init(_ work: @escaping @Sendable () -> Value) {
        self.work = work
    }

    /// Offers the work to the global queue.
    func start() {
        DispatchQueue.global().async { self.runIfUnclaimed() }
    }

    /// The result: computed here if nobody has started it, else once the other thread delivers.
    func take() -> Value {
        runIfUnclaimed()
        return condition.withLock {
            while value == nil { condition.wait() }
            return value!
        }
    }

    private func runIfUnclaimed() {
        let claimed = condition.withLock { () -> (@Sendable () -> Value)? in
            defer { work = nil }
            return work
        }
        guard let claimed else { return }
        let result = claimed()
        condition.withLock {
            value = result
            condition.broadcast()
        }
    }
}
