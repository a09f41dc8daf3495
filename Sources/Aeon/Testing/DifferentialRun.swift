/// Runs a stream of operations, decoded from bytes, against a store and against a model that is
/// obviously right (a dictionary and an exhaustive search), and reports every disagreement:
/// `get` must agree byte for byte, a search must return only live ids, each with its exact
/// score, best first, and keep recall above a floor over the run.
///
/// The bytes come from a seeded generator in the test suite and from libFuzzer in
/// `fuzz/` (target `differential`): one interpreter, so what the fuzzer finds replays as a test.
package struct DifferentialRun {
    /// What a run did and found.
    package struct Report: Sendable {
        /// Operations carried out, and checks made of their results.
        package var operations = 0
        package var checks = 0
        /// Searches checked for recall, and the true neighbours they found of those they could.
        package var searched = 0
        package var found = 0
        package var wanted = 0
        /// Disagreements between store and model, one line each.
        package var problems: [String] = []

        /// Recall@k over every search of the run (1 when none had neighbours to find).
        package var recall: Double { wanted == 0 ? 1 : Double(found) / Double(wanted) }
    }

    /// The recall floor, at the default search parameters, over a run with at least
    /// `minimumWanted` true neighbours to find. Small random 8-d data in postings of 8 is hard
    /// for pruning (the shared data sets reach 0.95 at the defaults); an exhaustive search
    /// (every posting, every candidate rescored) must find the exact neighbours, always.
    package static let recallFloor = 0.8
    package static let minimumWanted = 50

    static let dimension = 8
    static let idRange: UInt64 = 48

    private var input: [UInt8]
    private var position = 0
    private var model: [UInt64: Record] = [:]
    private var report = Report()
    private let directory: String
    private let metric: Metric
    private var store: AeonStore?

    /// Runs the operations `bytes` encode on a new store in `directory` (which must not exist).
    package static func run(_ bytes: some Collection<UInt8>, directory: String) -> Report {
        var run = DifferentialRun(Array(bytes), directory: directory)
        run.execute()
        return run.report
    }

    private init(_ input: [UInt8], directory: String) {
        self.input = input
        self.directory = directory
        self.metric = Metric.allCases[Int(input.first ?? 0) % Metric.allCases.count]
        position = input.isEmpty ? 0 : 1
    }

    private mutating func byte() -> UInt8? {
        guard position < input.count else { return nil }
        defer { position += 1 }
        return input[position]
    }

    private mutating func problem(_ text: String) {
        if report.problems.count < 20 { report.problems.append("op \(report.operations): " + text) }
    }

    private func options() -> StoreOptions {
        // Small postings, so that a few dozen records split, merge and fold.
        let build = BuildParameters(postingSizeLimit: 8, threads: 1)
        return StoreOptions(dimension: Self.dimension, metric: metric, build: build, durability: .none, checkpointThreshold: 0)
    }

    private mutating func execute() {
        do {
            store = try AeonStore.open(at: directory, options: options())
        } catch {
            problem("open: \(error)")
            return
        }
        while let opcode = byte() {
            report.operations += 1
            do {
                try step(opcode)
            } catch {
                problem("\(opcode % 12): unexpected error \(error)")
                return
            }
            if report.problems.count >= 20 { break }
        }
        try? store?.close()
    }

    private mutating func vector() -> [Float]? {
        var values: [Float] = []
        for _ in 0..<Self.dimension {
            guard let b = byte() else { return nil }
            values.append(Float(Int8(bitPattern: b)) / 16)
        }
        return values
    }

    private mutating func id() -> UInt64? { byte().map { UInt64($0) % Self.idRange } }

    /// The vector as the store keeps it (unit length under cosine), or `nil` when it refuses it.
    private func prepared(_ vector: [Float]) -> [Float]? {
        try? VectorValidation.prepare(vector, dimension: Self.dimension, metric: metric, what: "")
    }

    private func exactScore(_ query: [Float], _ vector: [Float]) -> Double {
        var score: Double = 0
        for i in 0..<query.count {
            score += metric == .l2 ? -Double(query[i] - vector[i]) * Double(query[i] - vector[i]) : Double(query[i]) * Double(vector[i])
        }
        return score
    }

    private mutating func step(_ opcode: UInt8) throws(AeonError) {
        guard let store else { return }
        switch opcode % 12 {
        case 0, 1, 2:  // upsert, with a payload two times in three
            guard let id = id(), let vector = vector(), let length = byte() else { return }
            let payload: [UInt8]? = length % 3 == 0 ? nil : (0..<Int(length % 64)).map { UInt8(truncatingIfNeeded: Int($0) &* 31 &+ Int(length)) }
            let record = Record(id: id, vector: vector, payload: payload)
            guard let stored = prepared(vector) else {
                do {
                    try store.upsert(record)
                    problem("upsert \(id): a vector the model refuses was accepted")
                } catch {
                    report.checks += 1
                    if error.code != .invalidVector { problem("upsert \(id): \(error)") }
                }
                return
            }
            try store.upsert(record)
            model[id] = Record(id: id, vector: stored, payload: payload)
        case 3:
            guard let id = id() else { return }
            try store.delete(id: id)
            model.removeValue(forKey: id)
            report.checks += 1
            if let got = try store.get(id: id) { problem("delete \(id): get still returns it (\(got.vector))") }
        case 4, 5:
            guard let id = id() else { return }
            let got = try store.get(id: id)
            report.checks += 1
            if got != model[id] {
                problem("get \(id): \(got.map { "\($0.vector) \($0.payload?.count ?? -1) B" } ?? "nil"), the model has \(model[id].map { "\($0.vector) \($0.payload?.count ?? -1) B" } ?? "nil")")
            }
        case 6, 7:
            guard let query = vector(), let kByte = byte() else { return }
            try search(query, k: Int(kByte % 12) + 1)
        case 8:
            try store.checkpoint()
        case 9:
            try store.checkpoint(full: true)
        case 10:
            try store.close()
            self.store = try AeonStore.open(at: directory, options: options())
            report.checks += 1
            if self.store?.count != model.count { problem("reopened with \(self.store?.count ?? -1) records, the model has \(model.count)") }
        default:
            if byte().map({ $0 % 2 == 0 }) ?? true {
                _ = try store.compact()
            } else {
                _ = try store.collectGarbage(garbageRatio: 0)
            }
        }
    }

    private mutating func search(_ raw: [Float], k: Int) throws(AeonError) {
        guard let store, let query = prepared(raw) else { return }
        let hits = try store.search(query, k: k)
        report.checks += 1
        let truth = model.values.map { ($0.id, exactScore(query, $0.vector)) }.sorted { $0.1 > $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }
        let expected = min(k, model.count)
        // Exhaustive: the exact top k (ties at the k-th score either way).
        let all = SearchParameters(nprobe: 1 << 20, epsilon: .infinity, oversample: 1024)
        let exhaustive = try store.search(query, k: k, parameters: all)
        report.checks += 1
        if expected > 0 {
            let kth = truth[expected - 1].1
            let acceptable = Set(truth.filter { $0.1 >= kth - 1e-4 * max(1, abs(kth)) }.map(\.0))
            if exhaustive.count != expected || !exhaustive.allSatisfy({ acceptable.contains($0.id) }) {
                problem("exhaustive search k \(k): \(exhaustive.map(\.id)), exactly \(truth.prefix(expected).map(\.0))")
            }
        } else if !exhaustive.isEmpty {
            problem("exhaustive search of an empty store: \(exhaustive.map(\.id))")
        }
        if hits.count > expected { problem("search k \(k): \(hits.count) hits from \(model.count) records") }
        var seen = Set<UInt64>()
        for (rank, hit) in hits.enumerated() {
            guard let record = model[hit.id] else {
                problem("search: id \(hit.id) is not live")
                continue
            }
            if !seen.insert(hit.id).inserted { problem("search: id \(hit.id) twice") }
            let exact = exactScore(query, record.vector)
            if abs(Double(hit.score) - exact) > 1e-3 * max(1, abs(exact)) { problem("search: id \(hit.id) scored \(hit.score), exactly \(exact)") }
            if rank > 0 && hit.score > hits[rank - 1].score { problem("search: results out of order at rank \(rank)") }
        }
        // Recall against the exact top k; ties at the k-th score count either way.
        guard expected > 0 else { return }
        let kth = truth[expected - 1].1
        let acceptable = Set(truth.filter { $0.1 >= kth - 1e-6 * max(1, abs(kth)) }.map(\.0))
        report.searched += 1
        report.wanted += expected
        report.found += min(expected, hits.filter { acceptable.contains($0.id) }.count)
    }
}
