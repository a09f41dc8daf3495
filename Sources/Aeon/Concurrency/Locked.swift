#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A value that can only be reached holding its lock: the state and the mutex that guards it
/// are one object, so "guarded by" is a fact the compiler holds rather than a comment.
///
/// Why not `Synchronization.Mutex`: on Linux it is a futex taken inside the standard library,
/// which ThreadSanitizer does not see; an unoptimised build under `-sanitize=thread` then reports
/// every value it guards as a race (measured: a nine-line counter program). A pthread mutex is
/// intercepted by every sanitizer, costs the same uncontended (one atomic exchange each way), and
/// lets the suite run under TSan with reports that mean something.
final class Locked<Value: ~Copyable>: @unchecked Sendable {
    // The mutex lives at a stable heap address for the life of the object (a pthread mutex
    // must not move), and `value` is touched only between lock and unlock.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var value: Value

    /// A lock around `initialValue`.
    init(_ initialValue: consuming sending Value) {
        value = initialValue
        let status = pthread_mutex_init(mutex, nil)
        precondition(status == 0, "Locked: pthread_mutex_init failed (\(status))")
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with the value, holding the lock; the lock is released however `body` ends.
    @inline(__always)
    func withLock<Result: ~Copyable, E: Error>(_ body: (inout sending Value) throws(E) -> sending Result) throws(E) -> sending Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
