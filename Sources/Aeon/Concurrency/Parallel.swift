import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Data-parallel loops over index ranges on all cores (or a given number of threads).
enum Parallel {
    /// Cores available to this process.
    static var coreCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    /// The thread count to use for `requested` (0 = one per core).
    static func threads(_ requested: Int) -> Int { requested > 0 ? requested : coreCount }

    /// Calls `body` on disjoint, contiguous slices covering `0..<count`, `threads` at a time,
    /// and returns when all are done. Small inputs (below `grain` items per thread) run inline.
    static func forEachSlice(count: Int, threads: Int, grain: Int = 1, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let workers = min(threads, max(1, count / max(grain, 1)))
        if workers <= 1 {
            body(0..<count)
            return
        }
        // More slices than workers balances uneven work; each slice is still large.
        let slices = min(count, workers * 4)
        withoutActuallyEscaping(body) { body in
            let box = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: slices) { slice in
                let lower = count * slice / slices, upper = count * (slice + 1) / slices
                if lower < upper { box.value(lower..<upper) }
            }
        }
    }
}

/// Carries a value the compiler cannot prove `Sendable` into a parallel loop whose slices
/// touch disjoint memory.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
