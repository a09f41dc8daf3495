import Foundation

/// Timing helpers shared by the benchmarks: repeated samples, medians, nanoseconds.
public enum Timing {
    /// Nanoseconds in a `Duration`.
    public static func nanoseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1e9 + Double(attoseconds) / 1e9
    }

    /// CPU time this process has used so far, in all its threads (user and system), in seconds.
    public static func processCPUSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// The median of `values` (the mean of the middle two for an even count).
    public static func median(_ values: [Double]) -> Double {
        precondition(!values.isEmpty, "median of nothing")
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }

    /// The `p`-th percentile of `values` by nearest rank (p99 of 1,000 samples: the 990th
    /// smallest).
    public static func percentile(_ values: [Double], _ p: Double) -> Double {
        precondition(!values.isEmpty && p > 0 && p <= 100, "percentile \(p) of \(values.count) values")
        let sorted = values.sorted()
        return sorted[max(0, Int((Double(sorted.count) * p / 100).rounded(.up)) - 1)]
    }

    /// Times `body` `samples` times and returns the median in nanoseconds.
    public static func medianNanoseconds(samples: Int, _ body: () -> Void) -> Double {
        let clock = ContinuousClock()
        return median((0..<samples).map { _ in nanoseconds(clock.measure(body)) })
    }

    /// The median time per call, in nanoseconds, of the operation `batch(n)` performs `n` times.
    ///
    /// `batch` runs the loop itself, so nothing but the operation is timed per call; `n` grows
    /// until a batch lasts about 2 ms, so the clock's own cost vanishes.
    public static func nanosecondsPerCall(samples: Int = 15, _ batch: (Int) -> Void) -> Double {
        let clock = ContinuousClock()
        var size = 64
        while true {
            let elapsed = nanoseconds(clock.measure { batch(size) })
            if elapsed >= 2_000_000 || size >= 1 << 26 { break }
            size *= 2
        }
        return median((0..<samples).map { _ in nanoseconds(clock.measure { batch(size) }) / Double(size) })
    }
}
