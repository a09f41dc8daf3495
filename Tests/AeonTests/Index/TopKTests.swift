import Testing

@testable import Aeon
import AeonTestSupport

@Suite("top-k selector")
struct TopKTests {
    @Test("keeps exactly the k best of any stream, and its threshold is the k-th best once full", arguments: [1, 2, 10, 64])
    func bestOfStream(k: Int) {
        var random = SeededGenerator(seed: UInt64(k))
        let top = TopK(capacity: k)
        for round in 0..<20 {
            top.reset(capacity: k)
            // Ties and duplicates included: scores from a small set.
            let scores = (0..<(round * 13 + 1)).map { _ in Float(Int(random.next() % 50)) / 4 }
            for (i, score) in scores.enumerated() {
                let threshold = top.offer(score, UInt32(i))
                let seen = scores.prefix(i + 1).sorted(by: >)
                #expect(threshold == (seen.count < k ? -.infinity : seen[k - 1]))
            }
            let kept = top.unordered().map(\.score).sorted(by: >)
            #expect(kept == Array(scores.sorted(by: >).prefix(k)))
            for entry in top.unordered() {
                #expect(scores[Int(entry.item)] == entry.score && top.contains(entry.item))
            }
        }
    }

    @Test("reset grows the storage and empties the selector")
    func resetGrows() {
        let top = TopK(capacity: 2)
        for i in 0..<5 { top.offer(Float(i), UInt32(i)) }
        top.reset(capacity: 100)
        #expect(top.count == 0 && top.threshold == -.infinity && !top.contains(4))
        for i in 0..<300 { top.offer(Float(i % 150), UInt32(i)) }
        #expect(top.count == 100 && top.threshold == 100)
    }
}
