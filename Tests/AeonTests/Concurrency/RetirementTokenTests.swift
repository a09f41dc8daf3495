import Testing

@testable import Aeon

@Suite("retirement tokens")
struct RetirementTokenTests {
    final class Log: Sendable {
        let entries = Locked<[Int]>([])
        func append(_ value: Int) { entries.withLock { $0.append(value) } }
        var values: [Int] { entries.withLock { $0 } }
    }

    @Test("work runs only when the token and every older one are released, oldest first")
    func order() {
        let log = Log()
        var old: RetirementToken? = RetirementToken()
        var new: RetirementToken? = RetirementToken()
        old!.precede(new!)
        old!.onRetirement { log.append(1) }
        new!.onRetirement { log.append(2) }
        new = nil
        // The newer generation is released, but a reader still holds the older one.
        #expect(log.values.isEmpty)
        old = nil
        #expect(log.values == [1, 2])
    }

    @Test("a token still held elsewhere stops the release; its holder finishes it")
    func heldElsewhere() {
        let log = Log()
        var first: RetirementToken? = RetirementToken()
        var held: RetirementToken? = RetirementToken()
        first!.precede(held!)
        do {
            let last = RetirementToken()
            held!.precede(last)
            last.onRetirement { log.append(3) }
        }
        first!.onRetirement { log.append(1) }
        held!.onRetirement { log.append(2) }
        // A reader of the middle generation holds it while the oldest goes.
        var reader = held
        held = nil
        first = nil
        #expect(log.values == [1])
        reader = nil
        #expect(log.values == [1, 2, 3])
        _ = reader
    }

    @Test("a million-deep chain is released without recursion")
    func longChain() {
        let log = Log()
        var head: RetirementToken? = RetirementToken()
        var tail = head!
        for _ in 0..<1_000_000 {
            let next = RetirementToken()
            tail.precede(next)
            tail = next
        }
        tail.onRetirement { log.append(7) }
        head = nil
        // `tail` is still ours: the walk stopped there.
        #expect(log.values.isEmpty)
        tail = RetirementToken()
        #expect(log.values == [7])
        _ = head
    }
}
