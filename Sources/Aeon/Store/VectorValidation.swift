/// Checks vectors handed to the store, and normalises them for cosine stores.
enum VectorValidation {
    /// The vector to store or search with: checked, and unit-length for ``Metric/cosine``.
    ///
    /// - Throws: ``AeonError/Code/dimensionMismatch`` for a wrong length;
    ///   ``AeonError/Code/invalidVector`` for NaN or infinity, or a zero vector under cosine.
    static func prepare(_ vector: [Float], dimension: Int, metric: Metric, what: @autoclosure () -> String) throws(AeonError) -> [Float] {
        guard vector.count == dimension else {
            throw AeonError(.dimensionMismatch, "\(what()) has \(vector.count) dimensions; the store has \(dimension)")
        }
        if let i = firstNonFinite(vector) {
            throw AeonError(.invalidVector, "\(what()) has a non-finite value (\(vector[i])) at index \(i)")
        }
        guard metric == .cosine else { return vector }
        var squaredNorm: Double = 0
        for x in vector { squaredNorm += Double(x) * Double(x) }
        guard squaredNorm > 0, squaredNorm.isFinite else {
            throw AeonError(.invalidVector, "\(what()) is a zero vector, which has no direction for cosine similarity")
        }
        // In Double: for subnormal inputs 1/‖x‖ overflows Float.
        let inverse = 1 / squaredNorm.squareRoot()
        return vector.map { Float(Double($0) * inverse) }
    }

    /// The index of the first NaN or infinity in `vector`, if any. Sixteen lanes at a time by
    /// their exponent bits (all ones: not finite), so the check on every write and query is not
    /// a scalar loop with a branch per element.
    static func firstNonFinite(_ vector: [Float]) -> Int? {
        vector.withUnsafeBytes { raw in
            let exponent = SIMD16<UInt32>(repeating: 0x7F80_0000)
            var i = 0
            while i + 16 <= vector.count {
                let bits = raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<UInt32>.self)
                if any(bits & exponent .== exponent) { break }
                i += 16
            }
            while i < vector.count {
                if !vector[i].isFinite { return i }
                i += 1
            }
            return nil
        }
    }
}
