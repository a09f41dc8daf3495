/// A value computed on another thread and collected later: the caller starts the work, does
/// something else meanwhile (a synchronous write waits for its `fdatasync`), then takes the
/// result, waiting only if it is not ready yet.
final class Handoff<Value: Sendable>: @unchecked Sendable {
    // `value` is guarded by `condition`.
    private let condition = ConditionLock()
    private var value: Value?

    init() {}

    /// Delivers the result (once).
    func deliver(_ result: Value) {
        condition.withLock {
            value = result
            condition.broadcast()
        }
    }

    /// The result, once delivered.
    func take() -> Value {
        condition.withLock {
            while value == nil { condition.wait() }
            return value!
        }
    }
}
