/// This build of Aeon: the library's version and the on-disk formats it writes.
public enum AeonVersion {
    /// The library's version (semantic versioning; CHANGELOG.md). Before 1.0 a minor version may
    /// change the API; a format change always bumps the file's own version and keeps reading the
    /// old one (docs/FORMAT.md).
    public static let string = "0.1.0"

    /// The format versions this build writes for a new store.
    public static let formats = StoreDescription.FormatVersions(
        manifest: Manifest.version, postings: PostingsHeader.version, records: RecordsHeader.version,
        log: WALFormat.identifiedVersion, blobs: BlobFormat.identifiedVersion)
}
