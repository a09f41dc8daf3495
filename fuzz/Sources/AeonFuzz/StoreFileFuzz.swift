@testable import Aeon

/// A real store's index files, patched by the input and resealed (every page checksum, the
/// table's and the header's recomputed), then read every way a user can: open, verify, search
/// (every posting, and at the defaults), get and borrow every record, dump every posting,
/// describe; and, for inputs that ask, written to: upserts, deletes, a checkpoint, a reopen.
///
/// Input: a free byte, then patches of `[file][offset: 3 bytes][n - 1][n bytes]`, the file an
/// index into the target's files, the offset taken modulo the file's size. A hash of the whole
/// input picks the path: the index alone (most), the whole store, or the store written to (see
/// ``Path``); the same input always takes the same path, so a crash replays.
struct StoreFileFuzz: Sendable {
    /// Which files a target patches, and whether its store has layers.
    let name: String
    let layered: Bool
    let patches: @Sendable (String) -> Bool

    static let postings = StoreFileFuzz(name: "postings", layered: false) { $0.hasSuffix(".postings") }
    static let records = StoreFileFuzz(name: "records", layered: false) { $0.hasSuffix(".records") }
    static let layers = StoreFileFuzz(name: "layers", layered: true) { StoreFileNames.isIndexFile($0) }

    private final class State: @unchecked Sendable {
        let template: String
        let work: String
        let files: [String]
        let originals: [String: [UInt8]]
        var dirty: Set<String> = []
        var rewritten = false
        /// The template's blob arena, read-only, for the index-level path.
        let blobs: BlobArena

        init(_ target: StoreFileFuzz) {
            // Pending writes in the log only under layers: replaying them at every open costs.
            let template = SeedStore.make(at: Scratch.root + "/template-" + target.name, layers: target.layered, pending: target.layered)
            let files = Scratch.list(template).filter(target.patches)
            self.template = template
            self.files = files
            work = Scratch.root + "/work-" + target.name
            Scratch.copyTree(template, to: work)
            originals = Dictionary(uniqueKeysWithValues: files.map { ($0, Scratch.read(template + "/" + $0)) })
            let identity = (try? Manifest.read(io: Scratch.io, directory: template))??.identity
            guard let blobs = try? BlobArena.open(directory: template + "/blobs", options: BlobArena.Options(readOnly: true, identity: identity)) else {
                fatalError("AeonFuzz: the seed store's blob arena does not open")
            }
            self.blobs = blobs
        }
    }

    nonisolated(unsafe) private static var states: [String: State] = [:]

    private func state() -> State {
        if let state = Self.states[name] { return state }
        let state = State(self)
        Self.states[name] = state
        return state
    }

    func run(_ input: [UInt8]) {
        let state = state()
        // Back to the template: only the files the last input changed.
        if state.rewritten {
            Scratch.copyTree(state.template, to: state.work)
            state.rewritten = false
        } else {
            for name in state.dirty { Scratch.patch(state.work + "/" + name, at: 0, state.originals[name]![...]) }
        }
        state.dirty = []
        guard !state.files.isEmpty else { return }
        var images: [String: [UInt8]] = [:]
        var i = 1
        while i + 5 <= input.count {
            let name = state.files[Int(input[i]) % state.files.count]
            var bytes = images[name] ?? state.originals[name]!
            let offset = (Int(input[i + 1]) | Int(input[i + 2]) << 8 | Int(input[i + 3]) << 16) % bytes.count
            let count = min(Int(input[i + 4]) % 32 + 1, input.count - i - 5, bytes.count - offset)
            bytes.replaceSubrange(offset..<(offset + count), with: input[(i + 5)..<(i + 5 + count)])
            images[name] = bytes
            i += 5 + count
        }
        for (name, var bytes) in images {
            Reseal.pagedFile(&bytes)
            Scratch.patch(state.work + "/" + name, at: 0, bytes[...])
            state.dirty.insert(name)
        }
        let path = Path(input)
        switch path {
        case .index(let verifying):
            readIndex(state, verifying: verifying)
        case .store:
            read(state.work)
        case .storeWritten:
            read(state.work)
            state.rewritten = true
            write(state.work)
            read(state.work)
        }
    }

    /// Which way an input is read. Most go straight to the index: no lock, log replay or
    /// online index. Measured per path (ASan, libFuzzer): the index 0.7 ms, with verify 1.4 ms,
    /// the store 3.5 ms, the store written to 19 ms. A byte of the input picked the path before,
    /// one in eight through the store, and the target ran at 90 executions a second; a hash of
    /// the whole input spreads every corpus alike: one input in 64 through the store, one in
    /// 128 written to, some 700 executions a second.
    enum Path: Equatable {
        case index(verifying: Bool)
        case store
        case storeWritten

        init(_ input: [UInt8]) {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a
            for byte in input { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            hash ^= hash >> 29
            switch hash % 128 {
            case 0: self = .storeWritten
            case 1: self = .store
            // verify() reads every page and payload, most of an index input's time: one in four.
            default: self = .index(verifying: hash / 128 % 4 == 0)
            }
        }
    }

    /// The index files alone, as the store reads them: open, (sometimes) verify, search every
    /// posting, read rows, look up ids, every posting and directory entry.
    private func readIndex(_ state: State, verifying: Bool) {
        guard let manifest = try? Manifest.read(io: Scratch.io, directory: state.work),
            let atlas = try? Atlas(io: Scratch.io, directory: state.work, manifest: manifest, blobs: state.blobs)
        else { return }
        if verifying { _ = atlas.verify() }
        let context = SearchContext()
        let everything = SearchParameters(nprobe: 1 << 20, epsilon: .infinity, oversample: 4)
        for q in [77] {
            let query = SeedStore.record(q).vector
            for parameters in [everything, .default] {
                let hits = query.withUnsafeBufferPointer { try? atlas.search($0, k: 10, parameters: parameters, kernels: .best, context: context) }
                if let hits, hits.contains(where: { $0.score.isNaN || $0.row >= atlas.rowCount }) { finding("a search returned \(hits)") }
            }
        }
        for row in stride(from: 0, to: min(atlas.rowCount, 400), by: 5) {
            _ = try? atlas.vector(row: row)
            _ = try? atlas.id(row: row)
            _ = try? atlas.payload(row: row)
            _ = try? atlas.checkedLiveRow(row)
        }
        for id in stride(from: 0, to: 240, by: 7) { _ = try? atlas.row(id: UInt64(id)) }
        for p in 0..<min(atlas.postingCount, 4096) { _ = try? atlas.posting(p) }
    }

    /// Everything a reader can do; any error is fine, a crash or a wrong kind of answer is not.
    private func read(_ path: String) {
        guard let store = try? AeonStore.open(at: path, options: StoreOptions(readOnly: true)) else { return }
        defer { try? store.close() }
        _ = try? store.verify()
        let everything = SearchParameters(nprobe: 1 << 20, epsilon: .infinity, oversample: 1024)
        for q in [0, 77, 201] {
            let query = SeedStore.record(q).vector
            for parameters in [everything, .default] {
                if let hits = try? store.search(query, k: 10, parameters: parameters), hits.contains(where: { $0.score.isNaN }) {
                    finding("a search returned a NaN score")
                }
            }
        }
        for id in stride(from: 0, to: 240, by: 3) {
            _ = try? store.get(id: UInt64(id))
            _ = try? store.withPayload(id: UInt64(id)) { $0?.count }
        }
        if let postings = try? store.postingCount {
            for p in 0..<min(postings, 4096) { _ = try? store.dumpPosting(p) }
        }
        _ = try? store.describe()
    }

    /// Writes on the damaged store: each may fail, none may crash.
    private func write(_ path: String) {
        guard let store = try? AeonStore.open(at: path, options: StoreOptions(checkpointThreshold: 0)) else { return }
        defer { try? store.close() }
        for id in [1, 7, 500] { try? store.upsert(SeedStore.record(id)) }
        for id in [7, 11] { try? store.delete(id: UInt64(id)) }
        _ = try? store.search(SeedStore.record(5).vector, k: 5)
        try? store.checkpoint()
        _ = try? store.collectGarbage(garbageRatio: 0)
    }

    func seeds() -> [[UInt8]] {
        // No patch (the store as written) along each path, and one small patch into each file.
        let files = state().files
        let unpatched = [Path.index(verifying: false), .index(verifying: true), .store, .storeWritten].compactMap { path in
            (0..<65536).lazy.map { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }.first { Path($0) == path }
        }
        return unpatched + files.indices.map { [0, UInt8($0), 0x40, 0x10, 0, 0, 0x7F] }
    }
}
