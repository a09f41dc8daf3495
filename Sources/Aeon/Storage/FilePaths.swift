/// Path arithmetic the storage layer needs (no Foundation): only what syncing a new entry's
/// directory takes.
enum FilePaths {
    /// The directory holding `path` ("." for a bare name, "/" at the root); trailing slashes
    /// are ignored.
    static func parent(of path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        return slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
    }
}
