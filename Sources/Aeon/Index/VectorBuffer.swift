/// Vectors in one contiguous allocation that frees itself: the rows a generation is written
/// from. Owning the memory in a noncopyable value replaces `allocate`/`deallocate` pairs kept
/// in step by hand across `defer` and `catch`.
struct VectorBuffer: ~Copyable {
    /// The first float of row 0; row `i` starts `i * dimension` floats later.
    let base: UnsafeMutablePointer<Float>

    /// Room for `rows` vectors of `dimension` floats (uninitialised).
    init(rows: Int, dimension: Int) {
        base = .allocate(capacity: max(1, rows * dimension))
    }

    deinit { base.deallocate() }
}
