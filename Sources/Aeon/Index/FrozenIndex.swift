/// A moment of a ``LiveIndex``, for a checkpoint to write out.
struct FrozenIndex {
    struct Posting {
        let posting: LivePosting
        /// Appended entries at that moment.
        let count: Int
        let centroid: [Float]
    }

    let view: LiveView
    let postings: [Posting]
    let deleted: DeletionSnapshot
}
