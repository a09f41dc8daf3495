extension LiveIndex {
    /// Applies one logged mutation (its vector already prepared), with its planned route if any.
    func apply(_ record: LogRecord, plan: InsertPlan? = nil) throws(AeonError) {
        switch record {
        case .upsert(let id, let vector, _):
            try vector.withUnsafeBufferPointer { (v) throws(AeonError) in try upsert(id: id, vector: v.baseAddress!, plan: plan) }
        case .delete(let id):
            try delete(id: id)
        }
    }

    /// A live index over `atlas` with the pending writes of `delta` applied (in log order);
    /// `nil` when there are none.
    static func replaying(
        _ delta: Delta, over atlas: Atlas?, dimension: Int, metric: Metric, kernels: Kernels, parameters: BuildParameters
    ) throws(AeonError) -> LiveIndex? {
        guard !delta.isEmpty else { return nil }
        let index = try LiveIndex(atlas: atlas, dimension: dimension, metric: metric, kernels: kernels, parameters: parameters)
        for entry in delta.entries.values.sorted(by: { $0.lsn < $1.lsn }) {
            if let record = entry.record {
                try index.apply(.upsert(id: entry.id, vector: record.vector, payload: nil))
            } else {
                try index.apply(.delete(id: entry.id))
            }
        }
        index.retireReplacedRows()
        return index
    }
}
