/// What a new generation holds: its records (vectors prepared), their payloads — already in
/// the blob arena, or (`pending`) to be appended to it — and, when the clustering is given
/// rather than to be built, each posting's rows and centroid.
struct GenerationContents: ~Copyable {
    var ids: [UInt64]
    /// The rows' vectors, `ids.count` of them in order.
    var data: VectorBuffer
    var payloads: [PayloadReference?]
    /// Payload bytes of rows `index` not yet in the arena.
    var pending: [(index: Int, bytes: [UInt8])] = []
    var members: [[Int32]]?
    var centroids: [Float] = []

    mutating func add(id: UInt64, stored: PayloadReference?) {
        ids.append(id)
        payloads.append(stored)
    }

    mutating func add(id: UInt64, bytes: [UInt8]?) {
        if let bytes { pending.append((ids.count, bytes)) }
        ids.append(id)
        payloads.append(nil)
    }
}
