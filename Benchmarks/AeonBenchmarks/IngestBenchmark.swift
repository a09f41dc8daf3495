import Aeon
import CSQLite
import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// `aeon-bench ingest`: write throughput in each durability mode, and synchronous commits
/// per second with 1 and 8 writers, side by side with SQLite (WAL journal, synchronous=FULL)
/// inserting rows of the same size into a database on the same disk.
public struct IngestBenchmark: Sendable {
    public var directory: String
    public var dimension: Int
    public var payloadBytes: Int
    /// Vectors per mode for batches of 1000.
    public var vectors: Int
    /// Commits per writer-count measurement (batches of 1).
    public var commits: Int
    /// Rounds: every measurement is taken once per round, the rounds interleaved, and the
    /// report gives each one's median (the machine's speed drifts between seconds).
    public var rounds: Int

    public init(
        directory: String, dimension: Int = 384, payloadBytes: Int = 100, vectors: Int = 50_000, commits: Int = 3000, rounds: Int = 5
    ) {
        precondition(rounds >= 1, "IngestBenchmark: at least one round")
        self.rounds = rounds
        self.directory = directory
        self.dimension = dimension
        self.payloadBytes = payloadBytes
        self.vectors = vectors
        self.commits = commits
    }

    public struct Report: Sendable, Codable {
        /// Vectors per second in batches of 1000, keyed `wal_off`, `none`, `batched`, `synchronous`,
        /// and `batched_direct` (`batched` with the log's large writes bypassing the page cache).
        public var vectorsPerS: [String: Double]
        /// Vectors per second in batches of 1, keyed the same way.
        public var vectorsPerSBatch1: [String: Double]
        /// CPU time the process spent per vector in batches of 1000 (all threads: routing,
        /// the log, background splits and syncs), in microseconds, keyed like `vectorsPerS`:
        /// the log's cost without the scheduling noise of wall time on a shared machine.
        public var cpuMicrosecondsPerVector: [String: Double]
        /// Synchronous single-row commits per second: `aeon_1`, `aeon_8`, `sqlite_1`, `sqlite_8`.
        public var commitsPerS: [String: Double]
        /// Per round, side by side: Aeon's commits over SQLite's (`commits_1`, `commits_8`),
        /// `batched` vectors/s over `wal_off`'s (`batched_over_wal_off`), `batched` CPU time
        /// per vector over `wal_off`'s (`batched_cpu_over_wal_off`), and `batched` vectors/s over
        /// `wal_off`'s with the two fed alternately batch by batch (`paired_batched_over_wal_off`).
        public var ratiosPerRound: [String: [Double]]
        /// Medians of those ratios.
        public var medianRatios: [String: Double]
        public var rounds: Int
        public var dimension: Int
        public var payloadBytes: Int
        public var sqliteVersion: String

        enum CodingKeys: String, CodingKey {
            case vectorsPerS = "vectors_per_s", vectorsPerSBatch1 = "vectors_per_s_batch1", commitsPerS = "commits_per_s"
            case cpuMicrosecondsPerVector = "cpu_us_per_vector"
            case ratiosPerRound = "ratios_per_round", medianRatios = "median_ratios", rounds
            case dimension, payloadBytes = "payload_bytes", sqliteVersion = "sqlite_version"
        }
    }

    /// `batched_direct`: `batched` with the log's large writes bypassing the page cache
    /// (`StoreOptions.logDirectWriteBytes` 256 KiB), to show what that changes.
    private static let modes: [(name: String, durability: Durability?, directWriteBytes: Int?)] = [
        ("wal_off", nil, nil), ("none", Durability.none, nil), ("batched", .batched(milliseconds: 10), nil),
        ("batched_direct", .batched(milliseconds: 10), 256 << 10), ("synchronous", .synchronous, nil),
    ]

    public func run(progress: (String) -> Void = { _ in }) throws(AeonError) -> Report {
        var random = SplitMix64(seed: 5)
        let records = (0..<max(vectors, commits * 2)).map { i in
            Record(
                id: UInt64(i), vector: (0..<dimension).map { _ in random.unitFloat() },
                payload: (0..<payloadBytes).map { _ in UInt8(truncatingIfNeeded: random.next()) })
        }
        var batched: [String: [Double]] = [:], single: [String: [Double]] = [:], commitsPerS: [String: [Double]] = [:]
        var cpu: [String: [Double]] = [:]
        var ratios: [String: [Double]] = [:]
        for round in 0..<rounds {
            // Every other round runs the modes in reverse, so a drift favours none of them.
            for (name, durability, direct) in round % 2 == 0 ? Self.modes : Self.modes.reversed() {
                progress("round \(round + 1): ingest, \(name), batches of 1000")
                let large = try ingest(records.prefix(vectors), batch: 1000, durability: durability, directWriteBytes: direct, name: name)
                batched[name, default: []].append(large.vectorsPerS)
                cpu[name, default: []].append(large.cpuMicrosecondsPerVector)
                progress("round \(round + 1): ingest, \(name), batches of 1")
                let count = durability == .synchronous ? commits : min(vectors, commits * 4)
                single[name, default: []].append(
                    try ingest(records.prefix(count), batch: 1, durability: durability, directWriteBytes: direct, name: name + "-1").vectorsPerS)
            }
            ratios["batched_over_wal_off", default: []].append(batched["batched"]!.last! / batched["wal_off"]!.last!)
            ratios["batched_cpu_over_wal_off", default: []].append(cpu["batched"]!.last! / cpu["wal_off"]!.last!)
            progress("round \(round + 1): ingest, batched and wal_off alternating batch by batch")
            ratios["paired_batched_over_wal_off", default: []].append(try pairedIngest(records.prefix(vectors), round: round))
            for writers in [1, 8] {
                // Alternate who goes first, so a drift within the round favours neither.
                let order = round % 2 == 0 ? ["aeon", "sqlite"] : ["sqlite", "aeon"]
                for system in order {
                    progress("round \(round + 1): synchronous commits, \(writers) writer(s): \(system)")
                    let rate = system == "aeon"
                        ? try aeonCommits(Array(records.prefix(commits)), writers: writers)
                        : try sqliteCommits(Array(records.prefix(commits)), writers: writers)
                    commitsPerS["\(system)_\(writers)", default: []].append(rate)
                }
                ratios["commits_\(writers)", default: []].append(commitsPerS["aeon_\(writers)"]!.last! / commitsPerS["sqlite_\(writers)"]!.last!)
            }
        }
        let medians = { (runs: [String: [Double]]) in runs.mapValues { Timing.median($0) } }
        return Report(
            vectorsPerS: medians(batched), vectorsPerSBatch1: medians(single), cpuMicrosecondsPerVector: medians(cpu),
            commitsPerS: medians(commitsPerS), ratiosPerRound: ratios,
            medianRatios: medians(ratios), rounds: rounds, dimension: dimension, payloadBytes: payloadBytes,
            sqliteVersion: String(cString: sqlite3_libversion()))
    }

    private func freshStore(_ name: String, logged: Bool, directWriteBytes: Int? = nil) throws(AeonError) -> AeonStore {
        let path = directory + "/" + name
        try? FileManager.default.removeItem(atPath: path)
        var options = StoreOptions(dimension: dimension, metric: .l2, checkpointThreshold: 0)
        options.writeAheadLogDisabled = !logged
        options.logDirectWriteBytes = directWriteBytes
        return try AeonStore.open(at: path, options: options)
    }

    /// Upserts `records` into a fresh store: vectors per second, and CPU microseconds per vector.
    private func ingest(
        _ records: ArraySlice<Record>, batch: Int, durability: Durability?, directWriteBytes: Int?, name: String
    ) throws(AeonError) -> (vectorsPerS: Double, cpuMicrosecondsPerVector: Double) {
        let store = try freshStore("ingest-\(name)", logged: durability != nil, directWriteBytes: directWriteBytes)
        defer { try? store.close() }
        let clock = ContinuousClock()
        let start = clock.now
        let cpuStart = Timing.processCPUSeconds()
        var index = records.startIndex
        while index < records.endIndex {
            let end = min(index + batch, records.endIndex)
            try store.upsert(Array(records[index..<end]), durability: durability ?? .none)
            index = end
        }
        if case .batched = durability { try store.close() }  // includes the trailing sync
        let cpuSeconds = Timing.processCPUSeconds() - cpuStart
        return (Double(records.count) / Timing.nanoseconds(clock.now - start) * 1e9, cpuSeconds / Double(records.count) * 1e6)
    }

    /// `batched` throughput over the log off's, the two stores fed alternately batch by batch
    /// (which goes first alternating too), each call timed: a drift in the machine's speed, which
    /// on a shared machine moves a second-long run by ±15 %, falls on both alike. Each store's time
    /// includes its close (the batched store's trailing sync). Background work (splits, the
    /// batched store's syncs) may run during the other store's calls.
    private func pairedIngest(_ records: ArraySlice<Record>, round: Int) throws(AeonError) -> Double {
        let stores = [try freshStore("paired-wal_off", logged: false), try freshStore("paired-batched", logged: true)]
        let durability: [Durability] = [.none, .batched(milliseconds: 10)]
        var elapsed: [Duration] = [.zero, .zero]
        let clock = ContinuousClock()
        var index = records.startIndex, call = round
        while index < records.endIndex {
            let end = min(index + 1000, records.endIndex)
            let batch = Array(records[index..<end])
            for s in call % 2 == 0 ? [0, 1] : [1, 0] {
                let start = clock.now
                try stores[s].upsert(batch, durability: durability[s])
                elapsed[s] += clock.now - start
            }
            index = end
            call += 1
        }
        for s in [1, 0] {
            let start = clock.now
            try stores[s].close()
            elapsed[s] += clock.now - start
        }
        return Timing.nanoseconds(elapsed[0]) / Timing.nanoseconds(elapsed[1])
    }

    private func aeonCommits(_ records: [Record], writers: Int) throws(AeonError) -> Double {
        let store = try freshStore("commits-\(writers)", logged: true)
        defer { try? store.close() }
        let clock = ContinuousClock()
        let start = clock.now
        let failed = Mutex(false)
        DispatchQueue.concurrentPerform(iterations: writers) { w in
            for i in stride(from: w, to: records.count, by: writers) {
                do { try store.upsert(records[i], durability: Durability.synchronous) } catch { failed.withLock { $0 = true } }
            }
        }
        let elapsed = Timing.nanoseconds(clock.now - start)
        if failed.withLock({ $0 }) { throw AeonError(.io, "a synchronous upsert failed during the benchmark") }
        return Double(records.count) / elapsed * 1e9
    }

    private func sqliteCommits(_ records: [Record], writers: Int) throws(AeonError) -> Double {
        let path = directory + "/sqlite-\(writers).db"
        for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) }
        // Create the table once.
        let setup = try SQLiteConnection(path: path)
        try setup.execute("CREATE TABLE IF NOT EXISTS memories (id INTEGER PRIMARY KEY, vector BLOB NOT NULL, payload BLOB)")
        setup.close()
        let clock = ContinuousClock()
        let start = clock.now
        let failed = Mutex(false)
        DispatchQueue.concurrentPerform(iterations: writers) { w in
            guard let connection = try? SQLiteConnection(path: path) else { return failed.withLock { $0 = true } }
            defer { connection.close() }
            for i in stride(from: w, to: records.count, by: writers) {
                if (try? connection.insert(records[i])) == nil { failed.withLock { $0 = true } }
            }
        }
        let elapsed = Timing.nanoseconds(clock.now - start)
        if failed.withLock({ $0 }) { throw AeonError(.io, "an SQLite insert failed during the benchmark", path: path) }
        return Double(records.count) / elapsed * 1e9
    }
}

/// One SQLite connection in WAL mode with synchronous=FULL (every commit fsyncs).
final class SQLiteConnection {
    private var db: OpaquePointer?
    private var insertStatement: OpaquePointer?
    let path: String

    init(path: String) throws(AeonError) {
        self.path = path
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK else {
            throw AeonError(.io, "sqlite3_open failed", path: path)
        }
        sqlite3_busy_timeout(db, 60_000)
        try execute("PRAGMA journal_mode=WAL")
        try execute("PRAGMA synchronous=FULL")
    }

    func execute(_ sql: String) throws(AeonError) {
        var message: UnsafeMutablePointer<CChar>?
        guard sqlite3_exec(db, sql, nil, nil, &message) == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? "unknown error"
            sqlite3_free(message)
            throw AeonError(.io, "SQLite: \(text) (\(sql))", path: path)
        }
    }

    func insert(_ record: Record) throws(AeonError) {
        if insertStatement == nil {
            guard sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO memories (id, vector, payload) VALUES (?, ?, ?)", -1, &insertStatement, nil) == SQLITE_OK
            else { throw AeonError(.io, "SQLite prepare failed", path: path) }
        }
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        sqlite3_bind_int64(insertStatement, 1, Int64(bitPattern: record.id))
        _ = record.vector.withUnsafeBytes { sqlite3_bind_blob(insertStatement, 2, $0.baseAddress, Int32($0.count), transient) }
        _ = (record.payload ?? []).withUnsafeBytes { sqlite3_bind_blob(insertStatement, 3, $0.baseAddress, Int32($0.count), transient) }
        let step = sqlite3_step(insertStatement)
        sqlite3_reset(insertStatement)
        guard step == SQLITE_DONE else { throw AeonError(.io, "SQLite insert failed (\(step))", path: path) }
    }

    func close() {
        sqlite3_finalize(insertStatement)
        sqlite3_close(db)
    }
}
