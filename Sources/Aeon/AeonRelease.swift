/// This build of Aeon: the library's version and the on-disk formats it writes.
///
/// (Not `AeonVersion`: the symbol-graph tools drop a `<Module>Version` symbol, the name of the
/// version constants that Apple frameworks export, so it never reached the documentation.)
public enum AeonRelease {
    /// The library's version (semantic versioning; CHANGELOG.md). Before 1.0 a minor version may
    /// change the API; a format change always bumps the file's own version and keeps reading the
    /// old one (docs/FORMAT.md).
    public static let version = "0.1.0"

    /// The format versions this build writes for a new store.
    public static let formats = StoreDescription.FormatVersions(
        manifest: Manifest.version, postings: PostingsHeader.version, records: RecordsHeader.version,
        log: WALFormat.identifiedVersion, blobs: BlobFormat.identifiedVersion)
}
