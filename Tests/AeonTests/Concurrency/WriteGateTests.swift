import Dispatch
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@testable import Aeon
import AeonTestSupport

@Suite("write gate")
struct WriteGateTests {
    /// Waits until `condition` holds (another thread's progress), yielding meanwhile; fails
    /// the test after 10⁷ tries instead of hanging.
    func eventually(_ what: String, _ condition: () -> Bool) {
        for _ in 0..<10_000_000 {
            if condition() { return }
            sched_yield()
        }
        Issue.record("gave up waiting until \(what)")
    }

    @Test("many writers share the gate; an exclusive holder waits for all of them and keeps new ones out")
    func exclusion() {
        let gate = WriteGate()
        let inside = Atomic<Int>(0), exclusiveIn = Atomic<Bool>(false), violations = Atomic<Int>(0)
        let release = DispatchSemaphore(value: 0), writersIn = DispatchSemaphore(value: 0)
        // Three writers enter and stay until released.
        for _ in 0..<3 {
            Threads.spawn {
                gate.withShared {
                    inside.add(1, ordering: .sequentiallyConsistent)
                    writersIn.signal()
                    release.wait()
                    if exclusiveIn.load(ordering: .sequentiallyConsistent) { violations.add(1, ordering: .sequentiallyConsistent) }
                    inside.subtract(1, ordering: .sequentiallyConsistent)
                }
            }
        }
        for _ in 0..<3 { writersIn.wait() }
        let exclusiveDone = DispatchSemaphore(value: 0)
        Threads.spawn {
            gate.withExclusive {
                if inside.load(ordering: .sequentiallyConsistent) != 0 { violations.add(1, ordering: .sequentiallyConsistent) }
                exclusiveIn.store(true, ordering: .sequentiallyConsistent)
                exclusiveIn.store(false, ordering: .sequentiallyConsistent)
            }
            exclusiveDone.signal()
        }
        // A writer arriving while the exclusive holder waits must not get in before it.
        let lateWriterIn = Atomic<Bool>(false)
        eventually("the exclusive holder waits") { gate.waiting.exclusive == 1 }
        Threads.spawn {
            gate.withShared {
                if exclusiveIn.load(ordering: .sequentiallyConsistent) { violations.add(1, ordering: .sequentiallyConsistent) }
                lateWriterIn.store(true, ordering: .sequentiallyConsistent)
            }
        }
        eventually("the late writer waits") { gate.waiting.shared == 1 || lateWriterIn.load(ordering: .sequentiallyConsistent) }
        let overtook = lateWriterIn.load(ordering: .sequentiallyConsistent)
        #expect(!overtook, "a writer overtook a waiting exclusive holder")
        for _ in 0..<3 { release.signal() }
        exclusiveDone.wait()
        eventually("the late writer got in") { lateWriterIn.load(ordering: .sequentiallyConsistent) }
        let violated = violations.load(ordering: .sequentiallyConsistent)
        #expect(violated == 0)
    }

    @Test("an error thrown inside leaves the gate open")
    func throwingBody() throws {
        let gate = WriteGate()
        #expect(throws: AeonError.self) { try gate.withExclusive { () throws(AeonError) in throw AeonError(.io, "boom") } }
        #expect(throws: AeonError.self) { try gate.withShared { () throws(AeonError) in throw AeonError(.io, "boom") } }
        // Both kinds get in again at once (a gate left shut would hang here).
        gate.withExclusive {}
        gate.withShared {}
    }
}
