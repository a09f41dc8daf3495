@testable import Aeon

/// MANIFEST bytes, checksum recomputed: decode, and a decoded manifest must round-trip.
enum ManifestFuzz {
    static func run(_ input: [UInt8]) {
        var bytes = input
        Reseal.manifest(&bytes)
        guard let manifest = try? Manifest.decode(bytes, path: "MANIFEST") else { return }
        guard let again = try? Manifest.decode(manifest.encoded(), path: "MANIFEST"), again == manifest else {
            finding("a decoded manifest does not survive encoding: \(manifest)")
        }
    }

    static func seeds() -> [[UInt8]] {
        let path = SeedStore.make(at: Scratch.root + "/seed-manifest", layers: true)
        return [Scratch.read(path + "/MANIFEST")]
    }
}
