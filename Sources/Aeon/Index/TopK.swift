/// The `capacity` highest-scoring items seen: a binary min-heap whose root is the score an
/// item must beat to get in. Storage is allocated once and reused across searches.
final class TopK {
    private var scores: UnsafeMutablePointer<Float>
    private var items: UnsafeMutablePointer<UInt32>
    private var allocated: Int
    private(set) var capacity: Int
    private(set) var count = 0

    init(capacity: Int) {
        allocated = max(1, capacity)
        scores = .allocate(capacity: allocated)
        items = .allocate(capacity: allocated)
        self.capacity = capacity
    }

    deinit {
        scores.deallocate()
        items.deallocate()
    }

    /// Empties the selector and sets a new capacity, growing the storage if needed.
    func reset(capacity: Int) {
        if capacity > allocated {
            scores.deallocate()
            items.deallocate()
            allocated = capacity
            scores = .allocate(capacity: allocated)
            items = .allocate(capacity: allocated)
        }
        self.capacity = capacity
        count = 0
    }

    /// The score a new item must exceed once full; -infinity before.
    var threshold: Float { count < capacity ? -.infinity : scores[0] }

    /// Offers an item; kept if it is among the best `capacity` so far. Returns the new threshold.
    @inline(__always) @discardableResult
    func offer(_ score: Float, _ item: UInt32) -> Float {
        if count < capacity {
            scores[count] = score
            items[count] = item
            count += 1
            siftUp(count - 1)
        } else if score > scores[0] {
            scores[0] = score
            items[0] = item
            siftDown(0)
        }
        return threshold
    }

    /// Whether `item` is held (a linear scan; the selector is small).
    func contains(_ item: UInt32) -> Bool {
        for i in 0..<count where items[i] == item { return true }
        return false
    }

    /// The held items in no particular order.
    func unordered() -> [(score: Float, item: UInt32)] { (0..<count).map { (scores[$0], items[$0]) } }

    private func siftUp(_ index: Int) {
        var child = index
        while child > 0 {
            let parent = (child - 1) / 2
            guard scores[child] < scores[parent] else { return }
            swap(child, parent)
            child = parent
        }
    }

    private func siftDown(_ index: Int) {
        var parent = index
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < count && scores[left] < scores[smallest] { smallest = left }
            if right < count && scores[right] < scores[smallest] { smallest = right }
            if smallest == parent { return }
            swap(parent, smallest)
            parent = smallest
        }
    }

    @inline(__always)
    private func swap(_ a: Int, _ b: Int) {
        (scores[a], scores[b]) = (scores[b], scores[a])
        (items[a], items[b]) = (items[b], items[a])
    }
}
