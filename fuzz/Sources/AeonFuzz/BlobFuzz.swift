@testable import Aeon

/// A blob segment's bytes, checksums recomputed: read every record a reader could hold a
/// location of (LZ4 blocks of any content included); then open the arena as a writer, append,
/// and read the new blob back.
enum BlobFuzz {
    static func run(_ input: [UInt8]) {
        var bytes = input
        let generation = bytes.count >= 24 ? max(1, Reseal.load(UInt64.self, bytes, 16) % 1024) : 1
        let locations = Reseal.blobSegment(&bytes, generation: generation)
        let header = bytes.withUnsafeBytes { BlobFormat.parseSegmentHeader($0) }
        let directory = Scratch.directory("blobs")
        Scratch.write(directory + "/" + StoreFileNames.blobSegment(generation), bytes)
        let options = BlobArena.Options(readOnly: true, identity: header?.identity)
        if let arena = try? BlobArena.open(directory: directory, options: options) {
            for location in locations {
                if let blob = try? arena.read(location), blob.count > 64 << 20 {
                    finding("a \(blob.count)-byte blob from a segment of \(bytes.count) bytes")
                }
            }
            try? arena.close()
        }
        guard let writer = try? BlobArena.open(directory: directory, options: BlobArena.Options(identity: header?.identity)) else { return }
        defer { try? writer.close() }
        let payload = Array(String(repeating: "appended ", count: 40).utf8)
        guard let location = try? writer.append(payload) else { return }
        do {
            let back = try writer.read(location)
            if back != payload { finding("a blob appended after recovery reads back as \(back.count) other bytes") }
        } catch {
            finding("a blob appended after recovery does not read back: \(error)")
        }
    }

    static func seeds() -> [[UInt8]] {
        let path = SeedStore.make(at: Scratch.root + "/seed-blobs", layers: true)
        // Without the space allocated past the last record.
        return Scratch.list(path + "/blobs").map { name in
            var bytes = Scratch.read(path + "/blobs/" + name)
            while bytes.count > BlobFormat.identifiedHeaderSize && bytes.last == 0 { bytes.removeLast() }
            return bytes
        }
    }
}
