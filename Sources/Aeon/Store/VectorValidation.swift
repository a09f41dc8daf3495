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
        guard metric == .cosine else {
            // Finite values can still overflow float32 arithmetic: scores of two vectors whose
            // squared norms are at most `largestSquaredNorm` stay finite (|a·b| ≤ ‖a‖‖b‖,
            // ‖a − b‖² ≤ (‖a‖ + ‖b‖)², and every partial sum is bounded likewise).
            let squaredNorm = squaredNorm(vector)
            guard squaredNorm <= largestSquaredNorm else {
                throw AeonError(
                    .invalidVector,
                    "\(what()) is too large: its squared norm \(squaredNorm) exceeds \(largestSquaredNorm), past which float32 scores overflow")
            }
            return vector
        }
        let squaredNorm = squaredNorm(vector)
        guard squaredNorm > 0, squaredNorm.isFinite else {
            throw AeonError(.invalidVector, "\(what()) is a zero vector, which has no direction for cosine similarity")
        }
        // In Double: for subnormal inputs 1/‖x‖ overflows Float.
        let inverse = 1 / squaredNorm.squareRoot()
        return vector.map { Float(Double($0) * inverse) }
    }

    /// The largest squared norm of a vector in an `l2` or `ip` store or query: a quarter of the
    /// largest float32, halved again for the rounding of float32 sums.
    static let largestSquaredNorm = Double(Float.greatestFiniteMagnitude) / 8

    /// ‖x‖², in Double (no overflow for finite float32 input), eight lanes at a time.
    static func squaredNorm(_ vector: [Float]) -> Double {
        vector.withUnsafeBytes { raw in
            var lanes = SIMD8<Double>()
            var i = 0
            while i + 8 <= vector.count {
                let x = SIMD8<Double>(raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self))
                lanes += x * x
                i += 8
            }
            var sum = lanes.sum()
            while i < vector.count {
                sum += Double(vector[i]) * Double(vector[i])
                i += 1
            }
            return sum
        }
    }

    /// What is wrong with a vector read back from a store's files or log (checksum intact, yet
    /// written by someone else), or `nil`: it must be finite, within ``largestSquaredNorm``,
    /// and unit-length (to float32 rounding) in a cosine store, as ``prepare`` leaves it.
    static func problem(withStored vector: UnsafeBufferPointer<Float>, metric: Metric) -> String? {
        for (i, x) in vector.enumerated() where !x.isFinite { return "a non-finite value (\(x)) at index \(i)" }
        var squaredNorm: Double = 0
        for x in vector { squaredNorm += Double(x) * Double(x) }
        if squaredNorm > largestSquaredNorm { return "a squared norm of \(squaredNorm), past \(largestSquaredNorm)" }
        if metric == .cosine && abs(squaredNorm - 1) > 1e-3 { return "a squared norm of \(squaredNorm) in a cosine store (unit vectors only)" }
        return nil
    }

    /// Whether every float32 in `raw` (a whole number of them) is finite, sixteen at a time.
    static func allFinite(_ raw: UnsafeRawBufferPointer) -> Bool {
        let exponent = SIMD16<UInt32>(repeating: 0x7F80_0000)
        let count = raw.count / 4
        var i = 0
        while i + 16 <= count {
            if any(raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<UInt32>.self) & exponent .== exponent) { return false }
            i += 16
        }
        while i < count {
            if raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self) & 0x7F80_0000 == 0x7F80_0000 { return false }
            i += 1
        }
        return true
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
