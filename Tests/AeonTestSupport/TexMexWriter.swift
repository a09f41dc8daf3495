import Foundation

/// Writes TexMex `.fvecs` files for tests: each vector as a little-endian `Int32` dimension
/// followed by its floats.
package enum TexMexWriter {
    /// `count` deterministic pseudo-random vectors of `dimension` values in [-1, 1), from `seed`.
    package static func randomVectors(count: Int, dimension: Int, seed: UInt64 = 1) -> [[Float]] {
        var state = seed
        return (0..<count).map { _ in
            (0..<dimension).map { _ in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return Float(Int64(bitPattern: state >> 11) % 2000) / 1000 - 1
            }
        }
    }

    /// Writes `vectors` to `path` as `.fvecs`.
    package static func write(_ vectors: [[Float]], to path: String) throws {
        var bytes = Data()
        for vector in vectors {
            withUnsafeBytes(of: Int32(vector.count).littleEndian) { bytes.append(contentsOf: $0) }
            for value in vector { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        }
        try bytes.write(to: URL(fileURLWithPath: path))
    }
}
