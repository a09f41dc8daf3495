/// A centroid's int8 form, for screening many entries against it by their codes (splits).
struct QuantizedCentroid {
    let codes: [Int8]
    let scale: Float
    let squaredNorm: Float

    init(_ vector: UnsafePointer<Float>, dimension: Int, kernels: Kernels) {
        var codes = [Int8](repeating: 0, count: dimension)
        scale = codes.withUnsafeMutableBufferPointer { kernels.quantize(UnsafeBufferPointer(start: vector, count: dimension), into: $0) }
        self.codes = codes
        squaredNorm = kernels.dot(vector, vector, dimension: dimension)
    }

    /// The squared L2 distances to a posting part's entries, from int8 dot products
    /// (‖x‖² − 2x·c + ‖c‖²) by the batched scan kernel, into `scratch`.
    func distances(to part: Atlas.PostingView, stride: Int, kernels: Kernels, scratch: ScratchBuffer<Int32>) -> [Float] {
        let count = part.count
        let dots = scratch.reserve(max(1, count))
        codes.withUnsafeBufferPointer {
            kernels.scan(query: $0.baseAddress!, codes: part.codes, dimension: $0.count, stride: stride, count: count, scores: dots)
        }
        return (0..<count).map { part.squaredNorms[$0] - 2 * Float(dots[$0]) * scale * part.scales[$0] + squaredNorm }
    }
}
