@testable import Aeon

/// Real stores written through the library, to fuzz their files and to seed corpora.
enum SeedStore {
    static let dimension = 8

    /// Record `i`: a deterministic vector in a few clusters and a text payload (every third
    /// long enough to be compressed).
    static func record(_ i: Int) -> Record {
        var state = UInt64(i) &* 0x9E37_79B9_7F4A_7C15 &+ 1
        let vector = (0..<dimension).map { d -> Float in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(i % 5 * (d + 1) % 7) + Float(Int64(bitPattern: state >> 11) % 1000) / 1000
        }
        let text = i % 3 == 0 ? String(repeating: "memory \(i) ", count: 30) : "memory \(i)"
        return Record(id: UInt64(i), vector: vector, payload: Array(text.utf8))
    }

    /// A store at `path`: 150 records built; with `layers`, then 60 more upserted, 20 deleted
    /// and checkpointed, 20 more and checkpointed again (three layers); and a few writes left in
    /// the log (with `pending`: opening replays them into an online index, which is slower).
    /// Any failure here is a bug in the library, not in the input.
    static func make(at path: String, layers: Bool, pending: Bool = true) -> String {
        Scratch.removeTree(path)
        do {
            let options = StoreOptions(
                dimension: dimension, metric: .l2, build: BuildParameters(postingSizeLimit: 12, threads: 1), checkpointThreshold: 0)
            let store = try AeonStore.open(at: path, options: options)
            try store.build((0..<150).map(record))
            if layers {
                try store.upsert((150..<210).map(record))
                for id in stride(from: 0, to: 200, by: 10) { try store.delete(id: UInt64(id)) }
                try store.checkpoint()
                try store.upsert((210..<230).map(record))
                try store.checkpoint()
            }
            if pending {
                try store.upsert((230..<235).map(record))
                try store.delete(id: 3)
            }
            try store.close()
        } catch {
            fatalError("AeonFuzz: building the seed store failed: \(error)")
        }
        return path
    }
}
