/// The `capacity` highest-scoring items seen: a binary min-heap whose root is the score an
/// item must beat to get in.
struct TopK {
    private(set) var scores: [Float] = []
    private(set) var items: [UInt32] = []
    private(set) var capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        scores.reserveCapacity(capacity)
        items.reserveCapacity(capacity)
    }

    /// Empties the selector and sets a new capacity, keeping the storage.
    mutating func reset(capacity: Int) {
        self.capacity = capacity
        scores.removeAll(keepingCapacity: true)
        items.removeAll(keepingCapacity: true)
    }

    var count: Int { scores.count }

    /// The score a new item must exceed once full; -infinity before.
    var threshold: Float { scores.count < capacity ? -.infinity : scores[0] }

    /// Offers an item; kept if it is among the best `capacity` so far.
    @inline(__always)
    mutating func offer(_ score: Float, _ item: UInt32) {
        if scores.count < capacity {
            scores.append(score)
            items.append(item)
            siftUp(scores.count - 1)
        } else if score > scores[0] {
            scores[0] = score
            items[0] = item
            siftDown(0)
        }
    }

    /// Whether `item` is held (a linear scan; the selector is small).
    func contains(_ item: UInt32) -> Bool { items.contains(item) }

    /// The held items in no particular order.
    func unordered() -> [(score: Float, item: UInt32)] { zip(scores, items).map { ($0, $1) } }

    private mutating func siftUp(_ index: Int) {
        var child = index
        while child > 0 {
            let parent = (child - 1) / 2
            guard scores[child] < scores[parent] else { return }
            scores.swapAt(child, parent)
            items.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ index: Int) {
        var parent = index
        let n = scores.count
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < n && scores[left] < scores[smallest] { smallest = left }
            if right < n && scores[right] < scores[smallest] { smallest = right }
            if smallest == parent { return }
            scores.swapAt(parent, smallest)
            items.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
