import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The power-loss crash test: a store runs the seeded operation stream (``CrashOperation``)
/// over a ``PowerLossFileIO``, the power is cut at a random moment or after the k-th sync point,
/// the store is reopened from what the disk durably held, and the result is checked against
/// what each durability mode promises:
///
/// - ``Durability/synchronous``: every acknowledged write survives;
/// - ``Durability/batched(milliseconds:)``: every write acknowledged before the last log sync
///   that completed survives;
/// - ``Durability/none``: every write acknowledged before the last acknowledged checkpoint,
///   fold, compaction or collection survives;
///
/// and in every mode the store equals the state after some prefix of the operations tried (no
/// holes), deleted ids stay deleted in `get` and in search results, every present record is
/// found by its own vector, and `verify` finds nothing wrong.
///
/// One iteration: open the image the last cut left (recovery may itself be cut), check it, run
/// up to ``Configuration/maxOperations`` operations, cut, write the durable image out for the
/// next iteration.
package struct PowerLossHarness {
    /// What to run.
    package struct Configuration: Sendable {
        /// A directory for the iterations' images (each in its own subdirectory, removed after use).
        package var directory: String
        /// Cut-and-recover iterations.
        package var iterations: Int
        /// Seed of the operations, the cut points and the torn pieces.
        package var seed: UInt64
        /// The durability modes, taken in turn by the iterations.
        package var modes: [Durability]
        /// Keep random pieces of unsynced writes and directory changes at every other cut.
        package var torn: Bool
        /// The most operations an iteration runs before the power is cut.
        package var maxOperations: Int
        /// Syncs to drop (see ``PowerLossFileIO/Options/dropSync``): the tests that prove the
        /// harness sees a missing sync.
        package var dropSync: (@Sendable (PowerLossFileIO.SyncCall) -> Bool)?
        /// Stop at the first iteration that finds a problem.
        package var stopAtFirstFailure: Bool

        /// A configuration.
        package init(
            directory: String, iterations: Int, seed: UInt64, modes: [Durability] = [.synchronous, .batched(milliseconds: 1), .none],
            torn: Bool = true, maxOperations: Int = 40, dropSync: (@Sendable (PowerLossFileIO.SyncCall) -> Bool)? = nil,
            stopAtFirstFailure: Bool = false
        ) {
            precondition(!modes.isEmpty && iterations >= 0 && maxOperations >= 1, "PowerLossHarness: bad configuration")
            self.directory = directory
            self.iterations = iterations
            self.seed = seed
            self.modes = modes
            self.torn = torn
            self.maxOperations = maxOperations
            self.dropSync = dropSync
            self.stopAtFirstFailure = stopAtFirstFailure
        }
    }

    /// Classes of sync a test can switch off (``Configuration/dropSync``), each guarding a
    /// promise the harness must then see broken.
    package enum SyncClass: String, CaseIterable, Sendable {
        /// `fdatasync` of log segments: the records themselves.
        case logData = "log-data"
        /// `fsync` of the log's directory: segments created (and removed) durably.
        case logDirectory = "log-directory"
        /// `fsync` of index generation files before the manifest names them.
        case generationFiles = "generation-files"
        /// `fsync` of the store directory: the manifest's rename, new generation files.
        case manifestDirectory = "manifest-directory"
        /// `fsync` of blob segments before an index points into them.
        case blobSegments = "blob-segments"

        /// Whether `call` is of this class.
        package func matches(_ call: PowerLossFileIO.SyncCall) -> Bool {
            let name = call.path.split(separator: "/").last.map(String.init) ?? call.path
            switch self {
            case .logData: return !call.isDirectory && call.path.hasPrefix("store/wal/")
            case .logDirectory: return call.isDirectory && call.path == "store/wal"
            case .generationFiles: return !call.isDirectory && StoreFileNames.isIndexFile(name)
            case .manifestDirectory: return call.isDirectory && call.path == "store"
            case .blobSegments: return !call.isDirectory && call.path.hasPrefix("store/blobs/")
            }
        }
    }

    /// What a run found.
    package struct Report: Sendable {
        /// Iterations run.
        package var iterations = 0

        /// An empty report.
        package init() {}
        /// Acknowledged writes (upserts, deletes) whose survival was required and checked.
        package var checked = 0
        /// Ids whose contents no allowed outcome explains: a required write lost, a deleted id
        /// back (in `get` or in search), or data nobody wrote.
        package var lost = 0
        /// Recovered states in which every id is explained but no single prefix of the
        /// operations is: a later write survived an earlier one that did not.
        package var holes = 0
        /// Opens that failed, and `verify` or reads that reported damage.
        package var corruptOpens = 0
        /// Where the cuts landed: the operation in flight ("checkpoint", "fold", "compaction",
        /// "gc", "upsert", "delete", "recovery", "between operations"), and "split" when a
        /// background split was running.
        package var cutsInside: [String: Int] = [:]
        /// What went wrong, one line per finding (the first few of each iteration).
        package var problems: [String] = []

        /// Adds another run's counts to these.
        package mutating func merge(_ other: Report) {
            iterations += other.iterations
            checked += other.checked
            lost += other.lost
            holes += other.holes
            corruptOpens += other.corruptOpens
            for (place, n) in other.cutsInside { cutsInside[place, default: 0] += n }
            problems += other.problems
        }

        /// Whether anything was lost or found damaged.
        package var failed: Bool { lost > 0 || holes > 0 || corruptOpens > 0 || !problems.isEmpty }

        /// The closing line of `aeon-bench crashtest --power-loss`.
        package var summary: String {
            "power-loss iterations: \(iterations), acknowledged writes checked: \(checked), lost: \(lost), holes: \(holes), corrupt opens: \(corruptOpens)"
        }
    }

    /// What must hold after the next recovery: the state is `base` with a prefix of `operations`
    /// applied, at least the first `required`.
    private struct Expectation {
        var base: [UInt64: Record] = [:]
        var operations: [CrashOperation] = []
        var required = 0
    }

    private let configuration: Configuration
    private var random: SplitMix64
    private var report = Report()
    private var expectation = Expectation()
    /// The last vector each id was written with: a deleted id is searched for with it.
    private var lastVector: [UInt64: [Float]] = [:]
    private var nextOperation = 0
    /// Per kind of operation: how many ran to their end without a cut, and the sync points and
    /// mutating calls they made: where to aim the next cuts.
    private var observed: [String: (operations: Int, syncPoints: Int, mutations: Int)] = [:]
    /// Whether the last iteration's cut fired by itself (rather than once its operations ended).
    private var lastCutFired = false
    /// The mode of the iteration whose cut the next check examines.
    private var lastMode: Durability?

    private init(_ configuration: Configuration) {
        self.configuration = configuration
        self.random = SplitMix64(seed: configuration.seed &* 0x9E37_79B9_7F4A_7C15 &+ 7)
    }

    /// Runs the configured iterations; `progress` gets a line now and then.
    package static func run(_ configuration: Configuration, progress: (String) -> Void = { _ in }) throws(AeonError) -> Report {
        var harness = PowerLossHarness(configuration)
        try harness.run(progress: progress)
        return harness.report
    }

    private static func options(_ durability: Durability, io: any FileIO) -> StoreOptions {
        StoreOptions(
            dimension: CrashOperation.dimension, metric: .l2, build: CrashOperation.build, io: io, durability: durability,
            checkpointThreshold: 0)
    }

    private mutating func run(progress: (String) -> Void) throws(AeonError) {
        let system = SystemFileIO()
        var image = configuration.directory + "/cut-0"
        try system.makeDirectory(image)
        defer { Self.removeTree(image) }
        for iteration in 0..<configuration.iterations {
            let mode = configuration.modes[iteration % configuration.modes.count]
            let next = configuration.directory + "/cut-\(iteration + 1)"
            let previous = lastMode
            let found = try runIteration(iteration, at: image, mode: mode, writingTo: next)
            report.iterations += 1
            lastMode = mode
            Self.removeTree(image)
            image = next
            if !found.isEmpty {
                let after = iteration == 0 ? "" : "after cut \(iteration - 1) (\(previous.map { "\($0)" } ?? "?")): "
                report.problems += found.prefix(5).map { "iteration \(iteration): " + after + $0 }
                if configuration.stopAtFirstFailure { break }
            }
            if (iteration + 1) % 100 == 0 { progress("\(iteration + 1) iterations: " + report.summary) }
        }
    }

    /// Cuts after every sync point in turn: for k = 1, 2, … a new store (in `configuration`'s
    /// first mode) runs operations `0..<operations` of the stream, the power is cut right after its
    /// k-th sync point (store creation included), and the image is reopened and checked; then
    /// four more operations run synchronously on it, and after another cut it is checked again;
    /// until the operations end before the k-th sync point. Torn writes are not kept (every cut point
    /// is taken exactly). Returns one report over all cuts.
    package static func sweep(_ configuration: Configuration, operations: Int, progress: (String) -> Void = { _ in })
        throws(AeonError) -> Report
    {
        var total = Report()
        var k = 1
        while true {
            var harness = PowerLossHarness(configuration)
            let mode = configuration.modes[0]
            let empty = configuration.directory + "/sweep-\(k)-a"
            let image = configuration.directory + "/sweep-\(k)-b"
            let after = configuration.directory + "/sweep-\(k)-c"
            let last = configuration.directory + "/sweep-\(k)-d"
            try SystemFileIO().makeDirectory(empty)
            defer { for path in [empty, image, after, last] { removeTree(path) } }
            var found = try harness.runIteration(0, at: empty, mode: mode, writingTo: image, fixed: (operations, k))
            let reached = harness.lastCutFired
            let places = harness.report.cutsInside
            // Then a few synchronous writes on what recovery made of it, and a check of those:
            // a log that recovery left to go on after a gap loses them.
            found += try harness.runIteration(1, at: image, mode: .synchronous, writingTo: after, fixed: (4, nil))
            found += try harness.runIteration(2, at: after, mode: .synchronous, writingTo: last, fixed: (0, nil))
            harness.report.cutsInside = places
            harness.report.iterations = 1
            harness.report.problems = found.prefix(5).map { "cut after sync point \(k): " + $0 }
            total.merge(harness.report)
            if !found.isEmpty && configuration.stopAtFirstFailure { break }
            if !reached { break }
            if k % 50 == 0 { progress("\(k) cut points: " + total.summary) }
            k += 1
        }
        return total
    }

    /// One iteration; returns the problems found. `fixed` replaces the random plan: that many
    /// operations, and a cut right after that sync point counted from the layer's creation (or
    /// none: a cut once they are done).
    private mutating func runIteration(
        _ iteration: Int, at directory: String, mode: Durability, writingTo next: String,
        fixed: (operations: Int, cutAfterSyncPoint: Int?)? = nil
    ) throws(AeonError) -> [String] {
        let path = directory + "/store"
        let splitting = Atomic<Bool>(false)
        let fired = Atomic<Bool>(false)
        let store = Locked<AeonStore?>(nil)
        var options = PowerLossFileIO.Options(dropSync: configuration.dropSync)
        let count = fixed?.operations ?? 1 + Int(random.next() % UInt64(configuration.maxOperations))
        // Inside recovery (the open makes a few dozen calls at most), inside operation
        // `target` (after a random one of the calls that kind of operation makes, as far as
        // earlier iterations tell), or at a random moment.
        var strategy = random.next() % 20
        let target = Int(random.next() % UInt64(max(1, count)))
        let bySyncPoint = strategy < 10
        if strategy < 2 {
            // Counted from the layer's creation, so it falls inside recovery.
            options.cutAfterMutation = 1 + Int(random.next() % 24)
        }
        if let fixed {
            strategy = 20
            options.cutAfterSyncPoint = fixed.cutAfterSyncPoint
        }
        let timerMicroseconds = strategy >= 18 && strategy < 20 ? UInt32(random.next() % UInt64(1_000 * max(1, count))) : nil
        options.onCut = {
            fired.store(true, ordering: .relaxed)
            if store.withLock({ $0?.isSplitting ?? false }) { splitting.store(true, ordering: .relaxed) }
        }
        let io = try PowerLossFileIO(root: directory, options: options)
        defer { lastCutFired = fired.load(ordering: .relaxed) }

        var problems: [String] = []
        var cutDuring = "between operations"
        do {
            let opened = try AeonStore.open(at: path, options: Self.options(mode, io: io))
            store.withLock { $0 = opened }
        } catch {
            if !io.isCut {
                report.corruptOpens += 1
                _ = io.cut()
                // Go on from an empty store.
                expectation = Expectation()
                try SystemFileIO().makeDirectory(next)
                return ["opening failed: \(error)"]
            }
        }
        if io.isCut { cutDuring = "recovery" }
        if let opened = store.withLock({ $0 }), !io.isCut { problems += check(opened) }
        if !problems.isEmpty && configuration.stopAtFirstFailure {
            _ = io.cut()
            try? store.withLock({ $0 })?.close()
            return problems
        }

        // The workload, until the power goes.
        let timer = timerMicroseconds.map { delay in
            let thread = Background { usleep(delay); _ = io.cut() }
            return thread
        }
        var acknowledged: [UInt64] = []  // the layer's stamp when each operation returned
        var tried: [CrashOperation] = []
        if let opened = store.withLock({ $0 }), !io.isCut {
            for i in 0..<count {
                let operation = CrashOperation(seed: configuration.seed, index: nextOperation)
                nextOperation += 1
                tried.append(operation)
                if case .upsert(let record) = operation { lastVector[record.id] = record.vector }
                let calls = observed[operation.kind, default: (operations: 0, syncPoints: 0, mutations: 0)]
                if i == target && strategy >= 2 && strategy < 18 {
                    let expected = bySyncPoint
                        ? Double(calls.syncPoints + 2) / Double(calls.operations + 1)
                        : Double(calls.mutations + 4) / Double(calls.operations + 1)
                    let k = 1 + Int(random.next() % UInt64(max(1, expected.rounded(.up))))
                    io.armCut(afterSyncPoints: bySyncPoint ? k : nil, afterMutations: bySyncPoint ? nil : k)
                }
                let before = (syncPoints: io.syncPointCount, mutations: io.mutationCount)
                do {
                    try operation.perform(on: opened)
                    acknowledged.append(io.stamp)
                    if io.isCut { cutDuring = operation.kind }
                    if !io.isCut {
                        observed[operation.kind] = (
                            calls.operations + 1, calls.syncPoints + io.syncPointCount - before.syncPoints,
                            calls.mutations + io.mutationCount - before.mutations
                        )
                    }
                } catch {
                    if !io.isCut { problems.append("operation \(operation.kind) failed without a cut: \(error)") }
                    cutDuring = operation.kind
                    break
                }
                if io.isCut { break }
            }
        }
        let image = io.cut()
        timer?.join()
        if splitting.load(ordering: .relaxed) { report.cutsInside["split", default: 0] += 1 }
        report.cutsInside[cutDuring, default: 0] += 1
        try? store.withLock({ $0 })?.close()
        store.withLock { $0 = nil }

        // What the next recovery must show.
        var required = 0
        if mode == .synchronous { required = acknowledged.count }
        if case .batched = mode, let synced = io.lastSyncStamp(where: { $0.hasPrefix("store/wal/") }) {
            required = acknowledged.lastIndex { $0 < synced }.map { $0 + 1 } ?? 0
        }
        if let maintenance = tried.prefix(acknowledged.count).lastIndex(where: { !$0.isWrite }) {
            required = max(required, maintenance + 1)
        }
        if cutDuring == "recovery" {
            // Nothing ran; what the previous cut required still holds.
        } else {
            expectation.operations = tried
            expectation.required = required
        }
        report.checked += tried.prefix(required).filter(\.isWrite).count

        let torn = configuration.torn && iteration % 2 == 1
        try image.materialize(at: next, torn: torn, random: &random)
        return problems
    }

    private final class Background: @unchecked Sendable {
        private let group = DispatchGroup()
        init(_ body: @escaping @Sendable () -> Void) {
            DispatchQueue.global().async(group: group, execute: body)
        }
        func join() { group.wait() }
    }

    private func contents(of store: AeonStore) throws(AeonError) -> [UInt64: Record] {
        var result: [UInt64: Record] = [:]
        for id in 0..<UInt64(CrashOperation.idSpace) { result[id] = try store.get(id: id) }
        return result
    }

    /// Checks a reopened store against the expectation; returns the problems, and makes the
    /// state found the base of the next expectation.
    private mutating func check(_ store: AeonStore) -> [String] {
        var problems: [String] = []
        let actual: [UInt64: Record]
        do {
            actual = try contents(of: store)
        } catch {
            report.corruptOpens += 1
            return ["reading the records failed: \(error)"]
        }
        // Every prefix from the required one on, and each id's allowed contents.
        var state = expectation.base
        for operation in expectation.operations.prefix(expectation.required) { operation.apply(to: &state) }
        var allowed: [UInt64: [Record?]] = [:]
        var matched: Int? = nil
        for p in expectation.required...expectation.operations.count {
            if p > expectation.required { expectation.operations[p - 1].apply(to: &state) }
            if matched == nil && state == actual { matched = p }
            for id in 0..<UInt64(CrashOperation.idSpace) where !(allowed[id]?.contains(state[id]) ?? false) {
                allowed[id, default: []].append(state[id])
            }
        }
        var unexplained = 0
        for id in 0..<UInt64(CrashOperation.idSpace) where !(allowed[id]?.contains(actual[id]) ?? false) {
            unexplained += 1
            if problems.count < 3 {
                let expected = allowed[id]?.map { $0 == nil ? "absent" : "a record" }.joined(separator: " or ") ?? "absent"
                problems.append("id \(id): expected \(expected), found \(actual[id] == nil ? "absent" : "other data")")
            }
        }
        report.lost += unexplained
        if unexplained == 0 && matched == nil {
            report.holes += 1
            problems.append("every id is explained, but no prefix of the \(expectation.operations.count) operations is")
        }
        if store.count != actual.count { problems.append("count is \(store.count), \(actual.count) records are readable") }

        do {
            let damage = try store.verify()
            if let first = damage.first {
                report.corruptOpens += 1
                problems.append("verify: \(first)")
            }
        } catch {
            report.corruptOpens += 1
            problems.append("verify threw: \(error)")
        }
        let searched = CrashOperation.checkSearch(store, contents: actual, lastVector: lastVector)
        report.lost += searched.resurrected
        problems += searched.problems
        // Go on from what is there (an allowed state, or the damage reported).
        expectation = Expectation(base: actual)
        return problems
    }

    /// Removes a directory tree (the images are the harness's own).
    static func removeTree(_ path: String) {
        let io = SystemFileIO()
        guard io.exists(path).isDirectory, let names = try? io.list(path) else {
            try? io.remove(path)
            return
        }
        for name in names { removeTree(path + "/" + name) }
        rmdir(path)
    }
}
