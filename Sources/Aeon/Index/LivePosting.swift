import Synchronization

/// A posting of an index being written to: the generation's posting it started from (read
/// from the mapped file, never modified) plus entries appended in memory, laid out like a
/// posting on disk (rows, scales, squared norms, then 64-byte-aligned int8 codes) in
/// page-aligned memory.
///
/// One writer appends; readers scan the entries published so far without a lock: the writer
/// fills an entry, then publishes the count with a release store, which a reader's acquire
/// load pairs with. Entries are never changed or removed in place: a posting that loses
/// entries (a split, a merge, a clean-up) is replaced by a new object, and readers that hold
/// the old one keep it alive.
final class LivePosting: @unchecked Sendable {
    // Entries below the published count are immutable; the memory is freed in deinit only.
    /// The generation's posting underneath, or -1.
    let base: Int32
    /// Entries of the generation's posting.
    let baseCount: Int
    /// Entries this object can append.
    let capacity: Int
    let codeStride: Int
    let rows: UnsafeMutablePointer<UInt32>
    let scales: UnsafeMutablePointer<Float>
    let squaredNorms: UnsafeMutablePointer<Float>
    let codes: UnsafeMutablePointer<Int8>
    private let memory: UnsafeMutableRawPointer
    private let published = Atomic<Int>(0)

    init(base: Int32, baseCount: Int, capacity: Int, codeStride: Int) {
        precondition(capacity >= 0 && (base >= 0 || baseCount == 0), "LivePosting: bad shape")
        // A generation posting nothing was appended to yet needs no memory of its own.
        self.base = base
        self.baseCount = baseCount
        self.capacity = capacity
        self.codeStride = codeStride
        let layout = PostingLayout(capacity: capacity, codeStride: codeStride)
        memory = .allocate(byteCount: capacity == 0 ? 64 : PagedFileLayout.align(layout.byteCount, pageSize), alignment: capacity == 0 ? 64 : pageSize)
        rows = (memory + layout.rowsOffset).bindMemory(to: UInt32.self, capacity: capacity)
        scales = (memory + layout.scalesOffset).bindMemory(to: Float.self, capacity: capacity)
        squaredNorms = (memory + layout.normsOffset).bindMemory(to: Float.self, capacity: capacity)
        codes = (memory + layout.codesOffset).bindMemory(to: Int8.self, capacity: capacity * codeStride)
    }

    deinit { memory.deallocate() }

    /// Entries appended and published.
    var count: Int { published.load(ordering: .acquiring) }

    /// Entries in all, the generation's included.
    var totalCount: Int { baseCount + count }

    /// Whether another entry fits.
    var isFull: Bool { count >= capacity }

    /// Appends an entry (writer only); `code` holds `codeStride` bytes.
    func append(row: UInt32, scale: Float, squaredNorm: Float, code: UnsafePointer<Int8>) {
        let i = published.load(ordering: .relaxed)
        precondition(i < capacity, "LivePosting: full")
        rows[i] = row
        scales[i] = scale
        squaredNorms[i] = squaredNorm
        (codes + i * codeStride).update(from: code, count: codeStride)
        published.store(i + 1, ordering: .releasing)
    }
}
