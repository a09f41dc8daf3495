#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Real OS threads for tests that need several threads running at once. (Dispatch's pool may run
/// its work items one after another on a 2-core machine, so a reader loop waiting for a writer
/// that has not started would never end.)
package enum Threads {
    private final class Work: Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }

    #if canImport(Darwin)
    private typealias Handle = pthread_t?
    #else
    private typealias Handle = pthread_t
    #endif

    /// Starts `body` on a new thread.
    private static func start(_ body: @escaping @Sendable () -> Void) -> Handle {
        let work = Unmanaged.passRetained(Work(body)).toOpaque()
        #if canImport(Darwin)
        var thread: pthread_t? = nil
        #else
        var thread = pthread_t()
        #endif
        let started = pthread_create(&thread, nil, { raw in
            Unmanaged<Work>.fromOpaque(raw!).takeRetainedValue().body()
            return nil
        }, work)
        precondition(started == 0, "pthread_create failed: \(started)")
        return thread
    }

    /// Runs `body(0)`, …, `body(count - 1)` on `count` new threads and waits for all of them.
    package static func run(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
        let threads = (0..<count).map { index in start { body(index) } }
        #if canImport(Darwin)
        for thread in threads { pthread_join(thread!, nil) }
        #else
        for thread in threads { pthread_join(thread, nil) }
        #endif
    }

    /// Runs `body` on a new detached thread and returns at once.
    package static func spawn(_ body: @escaping @Sendable () -> Void) {
        let thread = start(body)
        #if canImport(Darwin)
        pthread_detach(thread!)
        #else
        pthread_detach(thread)
        #endif
    }
}
