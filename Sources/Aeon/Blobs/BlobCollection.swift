/// What one garbage collection of a ``BlobArena`` did.
package struct BlobCollection: Sendable {
    /// The new location of every live blob that was copied, by its old location.
    package var relocations: [BlobLocation: BlobLocation]
    /// The generations of the segments collected: retire them (``BlobArena/retire(segments:)``)
    /// once the store has durably published the new locations. A segment with no live blobs
    /// is listed though nothing was copied out of it.
    package var segments: [UInt64]

    /// A collection.
    package init(relocations: [BlobLocation: BlobLocation] = [:], segments: [UInt64] = []) {
        self.relocations = relocations
        self.segments = segments
    }
}
