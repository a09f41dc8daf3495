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
        var squaredNorm: Double = 0
        for (i, x) in vector.enumerated() {
            guard x.isFinite else {
                throw AeonError(.invalidVector, "\(what()) has a non-finite value (\(x)) at index \(i)")
            }
            squaredNorm += Double(x) * Double(x)
        }
        guard metric == .cosine else { return vector }
        guard squaredNorm > 0, squaredNorm.isFinite else {
            throw AeonError(.invalidVector, "\(what()) is a zero vector, which has no direction for cosine similarity")
        }
        // In Double: for subnormal inputs 1/‖x‖ overflows Float.
        let inverse = 1 / squaredNorm.squareRoot()
        return vector.map { Float(Double($0) * inverse) }
    }
}
