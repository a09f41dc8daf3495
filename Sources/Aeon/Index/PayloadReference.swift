/// Where a record's payload lies in the blob arena, and its length: what a generation's
/// records file stores per row (docs/FORMAT.md).
struct PayloadReference: Hashable, Sendable {
    var location: BlobLocation
    /// The payload's length in bytes (before compression).
    var length: Int
}
