/// The fuzz targets: every format Aeon reads from disk or from a user's file.
enum FuzzTarget: String, CaseIterable {
    case manifest, wal, blobs, postings, records, layers, fvecs, npy, jsonl, differential

    func run(_ bytes: [UInt8]) {
        switch self {
        case .manifest: ManifestFuzz.run(bytes)
        case .wal: LogFuzz.run(bytes)
        case .blobs: BlobFuzz.run(bytes)
        case .postings: StoreFileFuzz.postings.run(bytes)
        case .records: StoreFileFuzz.records.run(bytes)
        case .layers: StoreFileFuzz.layers.run(bytes)
        case .fvecs, .npy, .jsonl: ImportFuzz.run(bytes, format: self)
        case .differential: DifferentialFuzz.run(bytes)
        }
    }

    func seeds() -> [[UInt8]] {
        switch self {
        case .manifest: ManifestFuzz.seeds()
        case .wal: LogFuzz.seeds()
        case .blobs: BlobFuzz.seeds()
        case .postings: StoreFileFuzz.postings.seeds()
        case .records: StoreFileFuzz.records.seeds()
        case .layers: StoreFileFuzz.layers.seeds()
        case .fvecs, .npy, .jsonl: ImportFuzz.seeds(format: self)
        case .differential: DifferentialFuzz.seeds()
        }
    }
}

/// Stops the process with `message`: libFuzzer keeps the input that led here.
func finding(_ message: String) -> Never {
    fatalError("AeonFuzz finding: " + message)
}
