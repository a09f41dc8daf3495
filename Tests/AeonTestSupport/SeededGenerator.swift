import Aeon

/// The tests' reproducible generator: the engine's SplitMix64, with input helpers.
package typealias SeededGenerator = SplitMix64

extension SplitMix64 {
    /// A symmetric int8 code in [-127, 127].
    package mutating func code() -> Int8 { Int8.random(in: -127...127, using: &self) }
    package mutating func codes(_ count: Int) -> [Int8] { (0..<count).map { _ in code() } }
    package mutating func floats(_ count: Int, in range: ClosedRange<Float> = -1...1) -> [Float] {
        (0..<count).map { _ in Float.random(in: range, using: &self) }
    }
}
