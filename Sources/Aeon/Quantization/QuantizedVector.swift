/// A vector in Aeon's symmetric int8 scalar quantization: `x ≈ codes * scale`.
///
/// `scale = max|x| / 127` per vector and every code lies in [-127, 127] (never -128, which
/// the AVX2 sign trick cannot multiply). The error of each component is at most `scale / 2`
/// (``maximumError``). The dot product of two quantized vectors approximates the fp32 one as
/// `Float(dot(a.codes, b.codes)) * a.scale * b.scale`.
package struct QuantizedVector: Sendable, Hashable {
    /// The int8 codes, one per dimension.
    package var codes: [Int8]
    /// The scale: `max|x| / 127`, 0 for a zero vector.
    package var scale: Float

    /// Creates a quantized vector from its parts.
    ///
    /// - Precondition: every code lies in [-127, 127] and `scale` is finite and non-negative.
    package init(codes: [Int8], scale: Float) {
        precondition(scale.isFinite && scale >= 0, "QuantizedVector: invalid scale \(scale)")
        precondition(!codes.contains(Int8.min), "QuantizedVector: code -128 is outside the symmetric range")
        self.codes = codes
        self.scale = scale
    }

    /// Quantizes `vector` with `kernels`.
    ///
    /// - Precondition: `vector` is finite; the engine validates vectors (with typed errors)
    ///   before they reach the quantizer.
    package init(quantizing vector: [Float], kernels: Kernels = .best) {
        precondition(vector.allSatisfy(\.isFinite), "QuantizedVector: non-finite input")
        var scale: Float = 0
        let codes = [Int8](unsafeUninitializedCapacity: vector.count) { codes, count in
            vector.withUnsafeBufferPointer { scale = kernels.quantize($0, into: codes) }
            count = vector.count
        }
        self.codes = codes
        self.scale = scale
    }

    /// The number of dimensions.
    package var dimension: Int { codes.count }

    /// The fp32 vector these codes stand for: `codes[i] * scale`.
    package func dequantized(kernels: Kernels = .best) -> [Float] {
        [Float](unsafeUninitializedCapacity: codes.count) { out, count in
            codes.withUnsafeBufferPointer { kernels.dequantize($0, scale: scale, into: out) }
            count = codes.count
        }
    }

    /// The approximate dot product with `other`: the int8 dot product times both scales.
    package func approximateDot(_ other: QuantizedVector, kernels: Kernels = .best) -> Float {
        precondition(dimension == other.dimension, "approximateDot: dimensions differ")
        let raw = codes.withUnsafeBufferPointer { a in
            other.codes.withUnsafeBufferPointer { b in kernels.dot(a, b) }
        }
        return Float(raw) * scale * other.scale
    }

    /// The largest error of any component after a round trip: half a quantization step.
    package var maximumError: Float { scale / 2 }
}
